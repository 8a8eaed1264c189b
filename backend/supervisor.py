"""The one engine the app owns: launch from a plan, watch it load and serve, warm it up, stop it cleanly.

launch/stop/attach/close are serialized by one lock, so two clicks or two visitors never start two servers.
A watcher thread per engine turns log lines into phases, probes /health, warms the engine up, notices a
crash while serving (process exit or a dead scheduler child, within a poll interval), classifies failures
from the log tail, and retries once on another port when the port was taken. status() only reads memory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from backend.endpoint import Endpoint, family_for_model
from backend.engine_http import WarmupFailed, probe, warm_up
from backend.engine_log import classify_failure
from backend.engine_records import (
    EngineRecord,
    claimed,
    orphaned_records,
    read_record,
    record_matches,
    remove_record,
    without_secrets,
    write_record,
)
from backend.engine_run import EngineRun
from backend.gpu_memory import wait_gpu_released
from backend.ports import free_port, plan_with_port, port_is_free
from backend.process_tree import direct_children, terminate_tree
from backend.server_status import FailureCause, Mode, Phase, PhaseMark, ServerStatus
from backend.status_board import StatusBoard
from backend.supervisor_attach import Attachment

if TYPE_CHECKING:
    from backend.plans import LaunchPlan

SETTLED_PHASES = frozenset({Phase.READY, Phase.FAILED, Phase.STOPPED, Phase.IDLE})


class LaunchRefused(Exception):
    """The supervisor will not launch: endpoint mode, or a plan that does not fit."""


@dataclass(frozen=True)
class SupervisorSettings:
    """Timings and sizes the supervisor works with."""

    grace_s: float = 20.0  # SIGTERM -> SIGKILL
    ready_timeout_s: float = 3600.0  # launch -> ready (downloads of 72B weights take long)
    warmup: bool = True
    warmup_timeout_s: float = 600.0
    poll_s: float = 0.25  # process checks; a crash is noticed within about this
    health_every_s: float = 1.0
    health_timeout_s: float = 1.0  # short: the watcher also checks the processes between probes
    unhealthy_after: int = 10  # consecutive failed /health probes while serving
    ring_lines: int = 2000
    tail_lines: int = 40
    gpu_release_timeout_s: float = 30.0


class Supervisor:
    """Owns at most one engine (launched, adopted or attached) and reports its status."""

    def __init__(self, runs_dir: Path | str = "runs", settings: SupervisorSettings | None = None) -> None:
        self.runs_dir = Path(runs_dir)
        self.settings = settings or SupervisorSettings()
        self._lock = threading.RLock()  # serializes launch / stop / attach / close
        self._board = StatusBoard(self.settings.tail_lines)
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
        if run is None:
            return None
        return Endpoint(run.plan.base_url, run.api_key, run.plan.served_model_name, _family(run.plan), local=True)

    def launch(self, plan: LaunchPlan) -> ServerStatus:
        """Start the plan (returns at once; watch status() or call wait_ready()). A second call with the same
        command while it is starting or serving changes nothing; another plan replaces the running engine."""
        if plan.refusal or not plan.fits:
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

    # ----- launching and stopping (called with self._lock held) -------------------------------------------
    def _start_locked(self, plan: LaunchPlan, attempt: int, note: str) -> None:
        if not port_is_free(plan.host, plan.port) and self._adopt_locked(plan):
            return
        if not port_is_free(plan.host, plan.port):
            moved = plan_with_port(plan, free_port(plan.host, frozenset({plan.port})))
            note = f"Port {plan.port} is in use; using port {moved.port}."
            plan = moved
        try:
            run = EngineRun.launch(plan, self.runs_dir / "logs", self.settings.ring_lines, self._on_line, attempt)
        except OSError as error:  # the program itself is missing or not executable
            cause = FailureCause("engine_not_installed", f"Cannot start {plan.argv[0]}: {error.strerror}.",
                                 "Check the engine command in the plan.", str(error))
            self._run = None
            self._board.take(error, ServerStatus(phase=Phase.FAILED, plan=plan, cause=cause, mode=Mode.NONE,
                                                 last_error=cause.summary, message=cause.summary), None)
            return
        write_record(self.runs_dir, run.record())
        self._hold(run, note or f"Starting {plan.engine} for {plan.served_model_name}.")

    def _adopt_locked(self, plan: LaunchPlan) -> bool:
        """Adopt the engine on plan.port when an earlier run of the app launched it and it is healthy."""
        record = read_record(self.runs_dir, plan.port)
        if record is None or not record_matches(record, plan.argv):
            return False
        if not probe(plan.base_url, "/health", record.api_key, timeout_s=5.0).ok:
            terminate_tree(record.pid, record.pid, self.settings.grace_s)  # our own stale engine: replace it
            remove_record(self.runs_dir, plan.port)
            return False
        run = EngineRun.adopt(plan, record, self.settings.ring_lines)
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
            moved = plan_with_port(plan, record.port)
            if not adopted and record_matches(record, moved.argv) and self._adopt_locked(moved):
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
        threading.Thread(target=self._watch, args=(run,), name=f"engine-watch-{run.pid}", daemon=True).start()

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

    # ----- the watcher (one thread per engine) ----------------------------------------------------------------
    def _watch(self, run: EngineRun) -> None:
        settings = self.settings
        failures, next_probe = 0, 0.0
        while not run.stop_requested.is_set():
            exit_code = run.exit_code()
            if exit_code is not None:
                self._on_exit(run, exit_code)
                return
            now = time.monotonic()
            if run.tracker.phase != Phase.READY:
                if run.uptime_s > settings.ready_timeout_s:
                    self._fail(run, FailureCause("timeout", f"Not ready after {settings.ready_timeout_s:.0f} s.",
                                                 "Read the log; raise the timeout for very large downloads."))
                    return
                if now >= next_probe:
                    next_probe = now + 2 * settings.poll_s
                    if probe(run.plan.base_url, "/health", run.api_key, settings.health_timeout_s).ok:
                        self._warm_up(run)
            else:
                dead = {pid: name for pid, name in run.ready_children.items() if pid not in direct_children(run.pid)}
                if dead:
                    names = ", ".join(f"{name} (pid {pid})" for pid, name in dead.items())
                    cause = classify_failure(run.lines()[-200:], None, while_serving=True)
                    self._fail(run, replace(cause, summary=f"An engine process died while serving: {names}."))
                    return
                if now >= next_probe:
                    next_probe = now + settings.health_every_s
                    healthy = probe(run.plan.base_url, "/health", run.api_key, settings.health_timeout_s).ok
                    failures = self._note_health(run, healthy, failures)
            run.stop_requested.wait(settings.poll_s)

    def _note_health(self, run: EngineRun, healthy: bool, failures: int) -> int:
        """Count failed /health probes while serving. A slow /health under heavy load (the tokenizer decoding
        dozens of images) is not a crash: the engine is left running and the status says it is not answering;
        only a dead process ends it."""
        if healthy:
            if failures >= self.settings.unhealthy_after:
                self._board.update(run, last_error="", message="Ready (answering /health again).")
            return 0
        failures += 1
        if failures == self.settings.unhealthy_after:
            waited = failures * self.settings.health_every_s
            self._board.update(run, last_error=f"The engine has not answered /health for {waited:.0f} s.",
                               message="Busy or stuck: not answering /health (it keeps running; Stop relaunches).")
        return failures

    def _warm_up(self, run: EngineRun) -> None:
        self._advance(run, Phase.WARMING_UP, 0.6, "Warming up (first image request).")
        seconds = 0.0
        if self.settings.warmup:
            endpoint = Endpoint(run.plan.base_url, run.api_key, run.plan.served_model_name, _family(run.plan))
            try:
                seconds = warm_up(endpoint, self.settings.warmup_timeout_s).seconds
            except WarmupFailed as error:
                if run.stop_requested.wait(1.0) or run.exit_code() is not None:
                    return  # stopped or crashed meanwhile: the watcher loop reports it
                self._fail(run, FailureCause("warmup_failed", "The warm-up request failed.", "Read the log tail.",
                                             str(error)))
                return
        run.ready_children = direct_children(run.pid)
        self._advance(run, Phase.READY, 1.0, f"Ready (warm-up took {seconds:.1f} s).")

    def _on_exit(self, run: EngineRun, exit_code: int) -> None:
        run.wait_output_closed(2.0)
        serving = run.tracker.phase == Phase.READY
        cause = classify_failure(run.lines()[-200:], exit_code, while_serving=serving)
        if cause.kind == "port_in_use" and run.attempt == 1 and not serving and run.mode == Mode.LAUNCHED:
            with self._lock:
                if self._run is run and not run.stop_requested.is_set():
                    run.terminate(5.0)
                    moved = plan_with_port(run.plan, free_port(run.plan.host, frozenset({run.plan.port})))
                    self._start_locked(moved, 2, f"Port {run.plan.port} was in use; retrying on port {moved.port}.")
                    return
        self._fail(run, cause)

    def _fail(self, run: EngineRun, cause: FailureCause) -> None:
        if run.stop_requested.is_set():
            return
        run.stop_requested.set()
        remove_record(self.runs_dir, run.plan.port)
        alternative = getattr(run.plan, "alternative", None)
        if cause.kind == "oom" and alternative is not None:
            cause = replace(cause, suggestion=f"Try the next plan: {alternative.served_model_name} on "
                                              f"{len(alternative.gpu_ids)} GPU(s), tp {alternative.tp}, "
                                              f"context {alternative.context_length}. {cause.suggestion}")
        self._board.update(run, phase=Phase.FAILED, pid=None, cause=cause, last_error=cause.summary,
                           message=cause.summary)
        report = run.terminate(5.0)  # whatever is left of the tree would hold GPU memory
        if report.pids:
            self._board.update(run, message=f"{cause.summary} Ended {len(report.pids)} leftover processes.")

    def _on_line(self, run: EngineRun, line: str) -> None:
        update = run.tracker.feed(line)
        if update is not None and not run.stop_requested.is_set():
            message = f"{update.phase.value[0].upper()}{update.phase.value[1:]} {update.fraction:.0%}"
            self._board.publish_phase(run, update.phase, run.tracker.progress, message, run.uptime_s)

    def _advance(self, run: EngineRun, phase: Phase, fraction: float, message: str) -> None:
        if run.tracker.advance(phase, fraction, message) is not None and not run.stop_requested.is_set():
            self._board.publish_phase(run, phase, run.tracker.progress, message, run.uptime_s)


def _family(plan: LaunchPlan) -> str:
    return getattr(plan, "family", "") or family_for_model(plan.model)
