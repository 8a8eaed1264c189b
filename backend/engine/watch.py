"""The supervisor's watcher: one thread per engine that turns log lines into phases, probes /health, warms the
engine up, notices a crash while serving (process exit or a dead scheduler child, within a poll interval) and
reports failures with their cause from the log tail."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from backend.engine.log_patterns import classify_failure
from backend.engine.probes import probe
from backend.engine.process_tree import direct_children
from backend.engine.records import remove_record
from backend.engine.settings import SupervisorSettings
from backend.engine.status import FailureCause, FailureKind, Mode, Phase
from backend.engine.status_board import StatusBoard
from backend.engine.warmup import WarmupFailed, WarmupResult, warm_up

if TYPE_CHECKING:
    from backend.engine.run import EngineRun

# Called when a first attempt failed because its port was taken; True when the launch was retried elsewhere.
PortRetry = Callable[["EngineRun"], bool]


class EngineWatcher:
    """Watches the engines a supervisor holds and publishes what it sees on the supervisor's status board."""

    def __init__(self, settings: SupervisorSettings, board: StatusBoard, runs_dir: Path, retry: PortRetry) -> None:
        self.settings = settings
        self._board = board
        self._runs_dir = runs_dir
        self._retry = retry

    def start(self, run: EngineRun) -> None:
        """Watch run in a thread of its own until it is stopped, fails or exits."""
        threading.Thread(target=self._watch, args=(run,), name=f"engine-watch-{run.pid}", daemon=True).start()

    def on_line(self, run: EngineRun, line: str) -> None:
        """A line the engine printed: move the loading phase forward when it says so."""
        update = run.tracker.feed(line)
        if update is not None and not run.stop_requested.is_set():
            message = f"{update.phase.value[0].upper()}{update.phase.value[1:]} {update.fraction:.0%}"
            self._board.publish_phase(run, update.phase, run.tracker.progress, message, run.uptime_s)

    def _watch(self, run: EngineRun) -> None:
        settings = self.settings
        failures, next_probe = 0, 0.0
        early: Future[WarmupResult] | None = None
        while not run.stop_requested.is_set():
            exit_code = run.exit_code()
            if exit_code is not None:
                self._on_exit(run, exit_code)
                return
            now = time.monotonic()
            if run.tracker.phase != Phase.READY:
                if run.uptime_s > settings.ready_timeout_s:
                    self._fail(run, FailureCause(
                        FailureKind.TIMEOUT, f"Not ready after {settings.ready_timeout_s:.0f} s.",
                        "Read the log; raise the timeout for very large downloads."))
                    return
                if now >= next_probe:
                    next_probe = now + 2 * settings.poll_s
                    if probe(run.plan.base_url, "/health", run.api_key, settings.health_timeout_s).ok:
                        self._warm_up(run, early)
                    elif early is None and settings.warmup and \
                            probe(run.plan.base_url, "/v1/models", run.api_key, settings.health_timeout_s).ok:
                        early = self._start_early_warm_up(run)
            else:
                dead = {pid: name for pid, name in run.ready_children.items() if pid not in direct_children(run.pid)}
                if dead:
                    names = ", ".join(f"{name} (pid {pid})" for pid, name in dead.items())
                    cause = classify_failure(run.lines()[-200:], None, while_serving=True, engine=run.plan.engine)
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

    def _start_early_warm_up(self, run: EngineRun) -> Future[WarmupResult]:
        """SGLang answers requests before /health: it runs its own warm-up request first and says healthy only
        after it. The app's warm-up starts then too, so the engine's first-use work is done once, side by side."""
        run.add_line(f"[app] the engine answers requests after {run.uptime_s:.1f} s; warm-up sent before /health")
        pool = ThreadPoolExecutor(1, thread_name_prefix=f"warmup-{run.pid}")
        try:
            return pool.submit(self._warm_up_requests, run)
        finally:
            pool.shutdown(wait=False)

    def _warm_up_requests(self, run: EngineRun) -> WarmupResult:
        return warm_up(run.endpoint(), self.settings.warmup_max_pixels, self.settings.warmup_timeout_s,
                       run.plan.context_length, video=self.settings.warmup_video)

    def _warm_up(self, run: EngineRun, early: Future[WarmupResult] | None = None) -> None:
        """/health answered: finish the warm-up (waiting for one sent early; sending it again if that one failed,
        as the engine may not have taken requests yet), then ready. warmup_s is the time from /health to ready."""
        health_at = run.uptime_s
        health_ok_s = round(health_at, 2)
        self._board.update(run, health_ok_s=health_ok_s)
        self._advance(run, Phase.WARMING_UP, 0.6, "Warming up (the first image requests).")
        message = f"Ready (/health answered after {health_ok_s:.1f} s; no warm-up)."
        if self.settings.warmup:
            result = None
            if early is not None:
                try:
                    result = early.result()
                except WarmupFailed as error:
                    run.add_line(f"[app] the warm-up sent before /health failed ({error}); sending it again")
            try:
                result = result or self._warm_up_requests(run)
            except WarmupFailed as error:
                if run.stop_requested.wait(1.0) or run.exit_code() is not None:
                    return  # stopped or crashed meanwhile: the watcher loop reports it
                self._fail(run, FailureCause(FailureKind.WARMUP_FAILED, "The warm-up request failed.",
                                             "Read the log tail.", str(error)))
                return
            # one value for the status field and the words; from the unrounded /health time, so that a warm-up
            # already done before /health reads 0.0 s, not -0.0 s
            warmup_s = round(run.uptime_s - health_at, 2)
            self._board.update(run, warmup_s=warmup_s)
            run.add_line(f"[app] /health 200 after {health_ok_s:.1f} s; warm-up {warmup_s:.1f} s more "
                         f"(requests {result.seconds:.1f} s: {result.line()})")
            message = f"Ready (/health answered after {health_ok_s:.1f} s; warm-up took {warmup_s:.1f} s)."
        run.ready_children = direct_children(run.pid)
        self._advance(run, Phase.READY, 1.0, message)

    def _on_exit(self, run: EngineRun, exit_code: int) -> None:
        run.wait_output_closed(2.0)
        serving = run.tracker.phase == Phase.READY
        cause = classify_failure(run.lines()[-200:], exit_code, while_serving=serving, engine=run.plan.engine)
        first_launch = run.attempt == 1 and run.mode == Mode.LAUNCHED
        if cause.kind is FailureKind.PORT_IN_USE and first_launch and not serving and self._retry(run):
            return
        self._fail(run, cause)

    def _fail(self, run: EngineRun, cause: FailureCause) -> None:
        if run.stop_requested.is_set():
            return
        run.stop_requested.set()
        remove_record(self._runs_dir, run.plan.port)
        alternative = getattr(run.plan, "alternative", None)
        if cause.kind in (FailureKind.OOM, FailureKind.KV_CACHE_TOO_SMALL) and alternative is not None:
            cause = replace(cause, suggestion=f"Try the next plan: {alternative.served_model_name} on "
                                              f"{len(alternative.gpu_ids)} GPU(s), tp {alternative.tp}, "
                                              f"context {alternative.context_length}. {cause.suggestion}")
        self._board.update(run, phase=Phase.FAILED, pid=None, cause=cause, last_error=cause.summary,
                           message=cause.summary)
        report = run.terminate(5.0)  # whatever is left of the tree would hold GPU memory
        if report.pids:
            self._board.update(run, message=f"{cause.summary} Ended {len(report.pids)} leftover processes.")

    def _advance(self, run: EngineRun, phase: Phase, fraction: float, message: str) -> None:
        if run.tracker.advance(phase, fraction, message) is not None and not run.stop_requested.is_set():
            self._board.publish_phase(run, phase, run.tracker.progress, message, run.uptime_s)
