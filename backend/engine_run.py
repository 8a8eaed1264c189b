"""One engine process held by the supervisor: its plan, output (bounded ring + log file) and exit."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import psutil

from backend.engine_log import PhaseTracker
from backend.engine_records import EngineRecord, without_secrets
from backend.process_tree import KillReport, process_create_time, spawn_in_new_session, terminate_tree
from backend.server_status import Mode

if TYPE_CHECKING:
    from backend.plans import LaunchPlan

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
        self._reader: threading.Thread | None = None

    @classmethod
    def launch(
        cls, plan: LaunchPlan, logs_dir: Path, ring_lines: int, on_line: LineSink, attempt: int = 1
    ) -> EngineRun:
        """Start the plan's command in its own session and begin collecting its output."""
        logs_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log_path = logs_dir / f"engine-{stamp}-port{plan.port}-try{attempt}.log"
        proc = spawn_in_new_session(plan.argv, plan.env)
        run = cls(plan, proc.pid, Mode.LAUNCHED, log_path, ring_lines, attempt, proc)
        log_file = open(log_path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115 - closed by the reader
        command = " ".join(without_secrets(plan.argv))
        log_file.write(f"# {time.strftime('%Y-%m-%d %H:%M:%S')} pid {proc.pid}: {command}\n")
        log_file.flush()
        run._reader = threading.Thread(
            target=run._read_output, args=(log_file, on_line), name=f"engine-log-{proc.pid}", daemon=True
        )
        run._reader.start()
        return run

    @classmethod
    def adopt(cls, plan: LaunchPlan, record: EngineRecord, ring_lines: int) -> EngineRun:
        """Hold an engine an earlier run of the app launched (its output went to its own log file)."""
        run = cls(plan, record.pid, Mode.ADOPTED, Path(record.log_path), ring_lines)
        run.create_time = record.create_time
        run.api_key = record.api_key
        run.add_line(f"(adopted engine pid {record.pid}; its output goes to {record.log_path})")
        return run

    def _read_output(self, log_file: TextIO, on_line: LineSink) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        pending = b""
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                pending += chunk
                # tqdm redraws its bar with "\r": treat it as a line end so percentages arrive as they change.
                *complete, pending = pending.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
                for raw in complete:
                    self._emit(raw, log_file, on_line)
            if pending:
                self._emit(pending, log_file, on_line)
        except OSError:
            pass
        finally:
            log_file.close()
            self.proc.stdout.close()

    def _emit(self, raw: bytes, log_file: TextIO, on_line: LineSink) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if not line or HEALTH_ACCESS_LINE.search(line):
            return
        if self.api_key:
            line = line.replace(self.api_key, "***")  # SGLang prints server_args, key included
        self.add_line(line)
        log_file.write(line + "\n")
        log_file.flush()
        try:
            on_line(self, line)
        except Exception as error:  # noqa: BLE001 - the pipe must keep draining or the engine blocks on write
            self.add_line(f"(supervisor could not read this line: {error!r})")

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
        """Wait for the reader to drain the pipe (it ends when every process holding it has exited)."""
        if self._reader is not None:
            self._reader.join(timeout_s)

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
