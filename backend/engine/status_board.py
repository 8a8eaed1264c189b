"""The supervisor's published status: one snapshot, changed only by the engine (or endpoint) it belongs to."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from backend.engine.status import Phase, PhaseMark, ServerStatus

_CLOSED_PHASES = (Phase.FAILED, Phase.STOPPED, Phase.STOPPING)


class LogSource(Protocol):
    """Anything that can hand out its last log lines."""

    def tail(self, count: int) -> tuple[str, ...]: ...


class StatusBoard:
    """Holds the status; updates from an owner that is no longer current are dropped; waiters wake on changes."""

    def __init__(self, tail_lines: int) -> None:
        self._tail_lines = tail_lines
        self._changed = threading.Condition()
        self._status = ServerStatus()
        self._owner: object | None = None
        self._log: LogSource | None = None
        self._ready_at: float | None = None

    def snapshot(self) -> ServerStatus:
        """The status with the current log tail and uptime filled in (memory only)."""
        with self._changed:
            status, ready_at, log = self._status, self._ready_at, self._log
        tail = log.tail(self._tail_lines) if log is not None else status.log_tail
        uptime = time.monotonic() - ready_at if ready_at is not None and status.phase == Phase.READY else 0.0
        return replace(status, log_tail=tail, uptime_s=round(uptime, 3))

    def phase(self) -> Phase:
        """The current phase."""
        with self._changed:
            return self._status.phase

    def take(self, owner: object, status: ServerStatus, log: LogSource | None) -> None:
        """Make owner the current source of updates and publish its first status."""
        with self._changed:
            self._owner, self._log = owner, log
            self._ready_at = time.monotonic() if status.phase == Phase.READY else None
            self._status = status
            self._changed.notify_all()

    def release(self, owner: object) -> None:
        """owner stops being current (its log tail stays visible)."""
        with self._changed:
            if self._owner is owner:
                self._owner, self._ready_at = None, None

    def update(self, owner: object | None, **changes: object) -> None:
        """Change fields, if owner is current (None: always)."""
        with self._changed:
            if owner is not None and self._owner is not owner:
                return
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]
            self._changed.notify_all()

    def replace_status(self, owner: object, status: ServerStatus) -> None:
        """Publish a whole new status from owner (endpoint mode)."""
        with self._changed:
            if self._owner is owner:
                if status.phase != Phase.READY:
                    self._ready_at = None
                elif self._ready_at is None:
                    self._ready_at = time.monotonic()
                self._status = status
                self._changed.notify_all()

    def publish_phase(self, owner: object, phase: Phase, progress: float, message: str, elapsed_s: float) -> None:
        """Move to a loading phase (marking when it began), unless owner is stale or was stopped/failed."""
        with self._changed:
            if self._owner is not owner or self._status.phase in _CLOSED_PHASES:
                return
            marks = self._status.phase_marks
            if not marks or marks[-1].phase != phase:
                marks = (*marks, PhaseMark(phase, time.time(), round(elapsed_s, 3)))
            if phase == Phase.READY:
                self._ready_at = time.monotonic()
            self._status = replace(self._status, phase=phase, progress=progress, message=message, phase_marks=marks)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[ServerStatus], bool], timeout_s: float) -> ServerStatus:
        """Block until predicate(status) holds or timeout_s passes; return the snapshot."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate(self._status):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.5))
        return self.snapshot()
