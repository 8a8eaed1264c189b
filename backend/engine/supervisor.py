"""The one engine the app owns: launch from a plan, adopt one an earlier app run left, stop it cleanly.

launch/stop/attach/close are serialized by one lock, so two clicks or two visitors never start two servers.
A watcher thread per engine (backend/engine/watch.py) follows it through loading, warm-up and serving;
a launch whose port turns out to be taken is retried once on another port. status() only reads memory.
"""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from backend.endpoint import Endpoint
from backend.engine.attach import Attachment
from backend.engine.gpu_release import wait_gpu_released
from backend.engine.probes import probe
from backend.engine.process_tree import direct_children, terminate_tree
from backend.engine.records import (
    EngineRecord,
    claimed,
    orphaned_records,
    read_record,
    record_matches,
    remove_record,
    without_secrets,
    write_record,
)
from backend.engine.run import EngineRun
from backend.engine.settings import SupervisorSettings
from backend.engine.status import FailureCause, FailureKind, Mode, Phase, PhaseMark, ServerStatus
from backend.engine.status_board import StatusBoard
from backend.engine.watch import EngineWatcher
from backend.engines import VLLM, VLLM_PROGRAM_VARIABLE, vllm_program
from backend.errors import UserError
from backend.plans.ports import free_port, port_is_free

if TYPE_CHECKING:
    from backend.plans.planner import LaunchPlan

SETTLED_PHASES = frozenset({Phase.READY, Phase.FAILED, Phase.STOPPED, Phase.IDLE})


class LaunchRefused(UserError):
    """The supervisor will not launch: endpoint mode, or a plan that does not fit."""


class Supervisor:
    """Owns at most one engine (launched, adopted or attached) and reports its status."""

    def __init__(self, runs_dir: Path | str = "runs", settings: SupervisorSettings | None = None) -> None:
        self.runs_dir = Path(runs_dir)
        self.settings = settings or SupervisorSettings()
        self._lock = threading.RLock()  # serializes launch / stop / attach / close
        self._board = StatusBoard(self.settings.tail_lines)
        self._watcher = EngineWatcher(self.settings, self._board, self.runs_dir, self._retry_on_another_port)
        self._run: EngineRun | None = None
        self._attachment: Attachment | None = None
        self._requested: tuple[str, ...] = ()
        self._closed = False

    # ----- public API -------------------------------------------------------------------------------------
    def status(self) -> ServerStatus:
        """A snapshot: no HTTP, no process calls."""
        return self._board.snapshot()

    def endpoint(self) -> Endpoint | None:
        """Where to send requests, once an engine is ready."""
        run, attachment = self._run, self._attachment
        if self._board.phase() != Phase.READY:
            return None
        if attachment is not None:
            return attachment.endpoint
        return run.endpoint() if run is not None else None

    def served_model(self) -> str:
        """The model name the engine serves, or would once up again: the plan's, else the attached server's."""
        attachment, plan = self._attachment, self.status().plan
        if attachment is not None:
            return attachment.endpoint.model
        return plan.served_model_name if plan else ""

    def launch(self, plan: LaunchPlan) -> ServerStatus:
        """Start the plan (returns at once; watch status() or call wait_ready()). A second call with the same
        command while it is starting or serving changes nothing; another plan replaces the running engine."""
        if not plan.fits:
            raise LaunchRefused(plan.refusal or "This plan does not fit the hardware.")
        with self._lock:
            if self._closed:
                raise LaunchRefused("The supervisor is closed.")
            if self._attachment is not None:
                raise LaunchRefused("Attached to an existing endpoint: this app does not launch engines.")
            if self._run is not None:
                if self._requested == without_secrets(plan.argv) and self.status().is_busy:
                    return self.status()
                self._stop_locked(self._run)
            self._requested = without_secrets(plan.argv)
            if not self._take_over_orphans_locked(plan):
                self._start_locked(plan, attempt=1, note="")
            return self.status()

    def stop(self) -> ServerStatus:
        """Stop the engine (SIGTERM the tree, SIGKILL after the grace period, check GPU memory), or detach."""
        with self._lock:
            if self._attachment is not None:
                self._attachment.close()
                self._board.release(self._attachment)
                self._attachment = None
                self._board.update(None, phase=Phase.STOPPED, mode=Mode.NONE, message="Detached from the endpoint.")
            elif self._run is not None:
                self._stop_locked(self._run)
            return self.status()

    def attach(
        self, base_url: str, api_key: str = "", model: str | None = None, family: str | None = None
    ) -> ServerStatus:
        """Endpoint mode: watch an existing OpenAI-compatible server; never launch anything."""
        with self._lock:
            if self._run is not None:
                self._stop_locked(self._run)
            if self._attachment is not None:
                self._attachment.close()
            self._attachment = Attachment(base_url, api_key, model, family, self.settings, self._board.replace_status)
            self._board.take(self._attachment, self._attachment.status, None)
            self._attachment.start()
            return self.status()

    def wait_ready(self, timeout_s: float) -> ServerStatus:
        """Block until the engine is ready, failed or stopped (or timeout_s passes); return the status."""
        return self._board.wait_for(lambda status: status.phase in SETTLED_PHASES, timeout_s)

    def wait_for(self, predicate: Callable[[ServerStatus], bool], timeout_s: float) -> ServerStatus:
        """Block until predicate(status) holds or timeout_s passes; return the status."""
        return self._board.wait_for(predicate, timeout_s)

    def close(self) -> None:
        """App exit: stop what this app launched; leave adopted and attached engines running."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._attachment is not None:
                self._attachment.close()
            if self._run is not None and self._run.mode == Mode.LAUNCHED:
                self._stop_locked(self._run)
            elif self._run is not None:
                self._run.stop_requested.set()  # stop watching; the engine keeps serving
                self._run.stop_following()

    # ----- launching and stopping (called with self._lock held) -------------------------------------------
    def _start_locked(self, plan: LaunchPlan, attempt: int, note: str) -> None:
        if not port_is_free(plan.host, plan.port) and self._adopt_locked(plan):
            return
        if not port_is_free(plan.host, plan.port):
            moved = plan.on_port(free_port(plan.host, frozenset({plan.port})))
            note = f"Port {plan.port} is in use; using port {moved.port}."
            plan = moved
        try:
            run = EngineRun.launch(with_program(plan, self.settings.vllm_program), self.runs_dir / "logs",
                                   self.settings.ring_lines, self._watcher.on_line, attempt)
        except OSError as error:  # the program itself is missing or not executable
            cause = missing_program(plan, error)
            self._run = None
            self._board.take(error, ServerStatus(phase=Phase.FAILED, plan=plan, cause=cause, mode=Mode.NONE,
                                                 last_error=cause.summary, message=cause.summary), None)
            return
        write_record(self.runs_dir, run.record())
        self._hold(run, note or f"Starting {plan.engine} for {plan.served_model_name}.")

    def _started_argv(self, plan: LaunchPlan) -> tuple[str, ...]:
        """The command this plan runs as (what a record of it holds): a vLLM plan's `vllm` resolved."""
        try:
            return with_program(plan, self.settings.vllm_program).argv
        except FileNotFoundError:
            return plan.argv

    def _adopt_locked(self, plan: LaunchPlan) -> bool:
        """Adopt the engine on plan.port when an earlier run of the app launched it and it is healthy."""
        record = read_record(self.runs_dir, plan.port)
        if record is None or not record_matches(record, self._started_argv(plan)):
            return False
        if not probe(plan.base_url, "/health", record.api_key, timeout_s=5.0).ok:
            terminate_tree(record.pid, record.pid, self.settings.grace_s)  # our own stale engine: replace it
            remove_record(self.runs_dir, plan.port)
            return False
        run = EngineRun.adopt(plan, record, self.settings.ring_lines, self._watcher.on_line)
        write_record(self.runs_dir, claimed(record))  # ours now: another app run must not take it over
        run.tracker.advance(Phase.READY, 1.0)
        run.ready_children = direct_children(run.pid)
        self._hold(run, f"Adopted the engine already serving on port {plan.port} (pid {run.pid}).")
        return True

    def _take_over_orphans_locked(self, plan: LaunchPlan) -> bool:
        """Engines an earlier app run left behind (it was killed): adopt one that runs this plan on whatever port
        it took, end the others, so a restarted app never runs two engines. True when one was adopted."""
        adopted = False
        for record in orphaned_records(self.runs_dir):
            moved = plan.on_port(record.port)
            if not adopted and record_matches(record, self._started_argv(moved)) and self._adopt_locked(moved):
                adopted = True
            else:
                self._end_orphan(record)
        return adopted

    def _end_orphan(self, record: EngineRecord) -> None:
        report = terminate_tree(record.pid, record.pid, self.settings.grace_s)
        wait_gpu_released(report.pids, self.settings.gpu_release_timeout_s)
        remove_record(self.runs_dir, record.port)

    def _hold(self, run: EngineRun, message: str) -> None:
        """Make run the current engine, publish its first status and start its watcher."""
        self._run = run
        phase = run.tracker.phase
        self._board.take(run, ServerStatus(
            phase=phase, progress=run.tracker.progress, plan=run.plan, pid=run.pid, mode=run.mode,
            base_url=run.plan.base_url, message=message, phase_marks=(PhaseMark(phase, time.time(), 0.0),),
            log_path=str(run.log_path), attempts=run.attempt if run.mode == Mode.LAUNCHED else 0,
        ), run)
        self._watcher.start(run)

    def _stop_locked(self, run: EngineRun) -> None:
        run.stop_requested.set()
        self._board.update(run, phase=Phase.STOPPING, message="Stopping the engine.")
        report = run.terminate(self.settings.grace_s)
        release = wait_gpu_released(report.pids, self.settings.gpu_release_timeout_s)
        remove_record(self.runs_dir, run.plan.port)
        hard = f", {len(report.killed)} needed SIGKILL" if report.killed else ""
        self._board.update(run, phase=Phase.STOPPED, pid=None, gpu_release=release.message,
                           message=f"Stopped ({len(report.pids)} processes ended{hard}). {release.message}")
        self._board.release(run)
        self._run = None

    # ----- called from the watcher's thread -------------------------------------------------------------
    def _retry_on_another_port(self, run: EngineRun) -> bool:
        """The watcher's retry when a first attempt found its port taken: launch again once on a free port, unless
        run was stopped or replaced meanwhile. True when it was retried."""
        with self._lock:
            if self._run is not run or run.stop_requested.is_set():
                return False
            run.terminate(5.0)
            moved = run.plan.on_port(free_port(run.plan.host, frozenset({run.plan.port})))
            self._start_locked(moved, 2, f"Port {run.plan.port} was in use; retrying on port {moved.port}.")
            return True


def with_program(plan: LaunchPlan, vllm: str) -> LaunchPlan:
    """The plan with the program that starts it: a vLLM plan's `vllm` becomes the one configured or found
    (FileNotFoundError when there is none)."""
    if plan.engine != VLLM.name or plan.argv[:1] != ("vllm",):
        return plan
    program = vllm_program(vllm)
    if program is None:
        raise FileNotFoundError(errno.ENOENT, "no vllm program beside this Python or on PATH", "vllm")
    return replace(plan, argv=(program, *plan.argv[1:]))


def missing_program(plan: LaunchPlan, error: OSError) -> FailureCause:
    """Why the engine's program could not start, and what to do."""
    if plan.engine == VLLM.name:
        return FailureCause(
            FailureKind.ENGINE_NOT_INSTALLED, f"vLLM is not installed where the app looks ({error.strerror}).",
            f"Install vLLM (it pins other openai and torch releases than SGLang, so a virtual environment of its own "
            f"is usual) and start the app with --vllm /path/to/env/bin/vllm, or set {VLLM_PROGRAM_VARIABLE}.",
            str(error))
    return FailureCause(FailureKind.ENGINE_NOT_INSTALLED, f"Cannot start {plan.argv[0]}: {error.strerror}.",
                        "Check the engine command in the plan.", str(error))

