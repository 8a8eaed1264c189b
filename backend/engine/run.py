"""One engine process held by the supervisor: its plan, output (its log file, followed into a bounded ring) and exit."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from backend.endpoint import Endpoint
from backend.engine.log_file import LogFollower, create_engine_log, stamp_pid
from backend.engine.log_patterns import PhaseTracker
from backend.engine.process_tree import (
    KillReport,
    process_create_time,
    process_tree,
    spawn_in_new_session,
    terminate_tree,
)
from backend.engine.records import EngineRecord, without_secrets
from backend.engine.status import Mode
from backend.families import family_for_model

if TYPE_CHECKING:
    from backend.plans.planner import LaunchPlan

LineSink = Callable[["EngineRun", str], None]
# uvicorn's access-log line for the supervisor's own /health probes: one a second says nothing worth keeping.
HEALTH_ACCESS_LINE = re.compile(r'"GET /health(?:_generate)? HTTP/1\.1" 200')


class EngineRun:
    """A launched or adopted engine process and what it printed."""

    def __init__(
        self,
        plan: LaunchPlan,
        pid: int,
        mode: Mode,
        log_path: Path,
        ring_lines: int,
        attempt: int = 1,
        proc: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.plan = plan
        self.pid = pid
        self.mode = mode
        self.log_path = log_path
        self.attempt = attempt
        self.proc = proc
        self.session_id = pid if proc is not None else _own_session(pid)
        self.api_key = plan.api_key
        self.tracker = PhaseTracker()
        self.create_time = process_create_time(pid) or time.time()
        self.started_at = time.monotonic()
        self.stop_requested = threading.Event()
        self.ready_children: dict[int, str] = {}
        self._ring: deque[str] = deque(maxlen=ring_lines)
        self._ring_lock = threading.Lock()
        self._follower: LogFollower | None = None

    @classmethod
    def launch(
        cls, plan: LaunchPlan, logs_dir: Path, ring_lines: int, on_line: LineSink, attempt: int = 1
    ) -> EngineRun:
        """Start the plan's command in its own session, writing straight into its log file, and follow that file."""
        logs_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log_path = logs_dir / f"engine-{stamp}-port{plan.port}-try{attempt}.log"
        command = without_secrets(plan.argv)
        log = create_engine_log(log_path, command)
        try:
            proc = spawn_in_new_session(plan.argv, plan.env, output=log.fd)
        except OSError:
            log_path.unlink(missing_ok=True)  # nothing started: no log, as before
            raise
        finally:
            os.close(log.fd)  # the engine holds its own copy; ours would keep the file open for nothing
        stamp_pid(log, proc.pid, command)
        run = cls(plan, proc.pid, Mode.LAUNCHED, log_path, ring_lines, attempt, proc)
        run._follow(log.output_offset, on_line)
        return run

    @classmethod
    def adopt(cls, plan: LaunchPlan, record: EngineRecord, ring_lines: int, on_line: LineSink) -> EngineRun:
        """Hold an engine an earlier run of the app launched, following its log file from its current end."""
        run = cls(plan, record.pid, Mode.ADOPTED, Path(record.log_path), ring_lines)
        run.create_time = record.create_time
        run.api_key = record.api_key
        end = _size(run.log_path) if record.log_path else None
        if end is None:
            run.add_line(f"(adopted engine pid {record.pid}; its log file {record.log_path or '?'} is missing)")
            return run
        run.add_line(f"(adopted engine pid {record.pid}; new lines of {record.log_path} follow)")
        run._follow(end, on_line)
        return run

    def _follow(self, offset: int, on_line: LineSink) -> None:
        self._follower = LogFollower(self.log_path, offset, lambda raw: self._emit(raw, on_line),
                                     self._output_writers_gone, name=f"engine-log-{self.pid}")
        self._follower.start()

    def _output_writers_gone(self) -> bool:
        """True once the engine and everything left in its session (which may still print) have exited."""
        return self.exit_code() is not None and not process_tree(self.pid, self.session_id)

    def _emit(self, raw: bytes, on_line: LineSink) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if not line or HEALTH_ACCESS_LINE.search(line):
            return
        if self.api_key:
            line = line.replace(self.api_key, "***")  # SGLang prints server_args, key included
        self.add_line(line)
        try:
            on_line(self, line)
        except Exception as error:  # noqa: BLE001 - one unreadable line must not stop the following
            self.add_line(f"(supervisor could not read this line: {error!r})")

    def stop_following(self) -> None:
        """Stop reading the log (the app is leaving an adopted engine running)."""
        if self._follower is not None:
            self._follower.stop()

    def add_line(self, line: str) -> None:
        """Append a line to the in-memory ring."""
        with self._ring_lock:
            self._ring.append(line)

    def lines(self) -> list[str]:
        """Everything in the ring, oldest first."""
        with self._ring_lock:
            return list(self._ring)

    def tail(self, count: int) -> tuple[str, ...]:
        """The last count lines."""
        with self._ring_lock:
            return tuple(list(self._ring)[-count:])

    def exit_code(self) -> int | None:
        """The exit status once the main process has ended (adopted engines report -1), else None."""
        if self.proc is not None:
            return self.proc.poll()
        try:
            proc = psutil.Process(self.pid)
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                return None
        except psutil.NoSuchProcess:
            pass
        return -1

    def wait_output_closed(self, timeout_s: float) -> None:
        """Wait for the follower to drain the log (it ends once every process of the engine has exited)."""
        if self._follower is not None:
            self._follower.join(timeout_s)

    def terminate(self, grace_s: float) -> KillReport:
        """End the whole tree: SIGTERM, then SIGKILL after grace_s; reap the main process."""
        report = terminate_tree(self.pid, self.session_id, grace_s)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                pass
        self.wait_output_closed(5.0)
        return report

    def record(self) -> EngineRecord:
        """The state file entry that lets a later run of the app adopt this engine."""
        return EngineRecord(pid=self.pid, port=self.plan.port, api_key=self.api_key, cmdline=tuple(self.plan.argv),
                            create_time=self.create_time, served_model_name=self.plan.served_model_name,
                            log_path=str(self.log_path))

    def endpoint(self) -> Endpoint:
        """Where to send requests to this engine."""
        family = getattr(self.plan, "family", "") or family_for_model(self.plan.model).name
        return Endpoint(self.plan.base_url, self.api_key, self.plan.served_model_name, family, local=True,
                        engine_name=self.plan.engine)

    @property
    def uptime_s(self) -> float:
        """Seconds since this run started (or was adopted)."""
        return time.monotonic() - self.started_at


def _own_session(pid: int) -> int | None:
    """pid's session when pid leads it (engines are started in a session of their own), else None."""
    try:
        return pid if os.getsid(pid) == pid else None
    except OSError:
        return None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
