"""An engine's output: the log file it writes into directly, and a thread that follows that file like `tail -f`.

The engine gets the file itself as stdout and stderr (no pipe through the app), so its output keeps landing in the
log whatever happens to the app; a restarted app that adopts the engine follows the same file.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

FOLLOW_POLL_S = 0.15  # how soon a new line is seen once the follower reached the end of the file
READ_BYTES = 65536
PID_WIDTH = 10  # Linux pids have at most 7 digits (pid_max <= 2**22)


@dataclass(frozen=True)
class EngineLog:
    """A log file created for an engine about to start: the descriptor to give it and where its output begins."""

    path: Path
    fd: int  # write-only, O_APPEND; the caller closes it once the engine holds its own copy
    output_offset: int  # end of the header line: the engine's first byte lands here
    pid_offset: int  # where stamp_pid writes "<pid>: <command>" into the header


def create_engine_log(path: Path, command: Sequence[str]) -> EngineLog:
    """Create (or append to) the log, readable only by this user (SGLang prints its API key among its server
    arguments), and write the header "# <time> pid N: <command>" with room for the pid, which is not known yet."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the file existed, and whatever the umask says
        start = os.fstat(fd).st_size
        prefix = f"# {time.strftime('%Y-%m-%d %H:%M:%S')} pid ".encode()
        room = PID_WIDTH + len(_header_tail(command))
        os.write(fd, prefix + b" " * room + b"\n")
    except OSError:
        os.close(fd)
        raise
    return EngineLog(path, fd, start + len(prefix) + room + 1, start + len(prefix))


def stamp_pid(log: EngineLog, pid: int, command: Sequence[str]) -> None:
    """Fill the header's room with "<pid>: <command>" (pwrite on a second, non-appending descriptor: the
    engine may already be writing after the header)."""
    fd = os.open(log.path, os.O_WRONLY)
    try:
        os.pwrite(fd, str(pid).encode() + _header_tail(command), log.pid_offset)
    finally:
        os.close(fd)


def _header_tail(command: Sequence[str]) -> bytes:
    return (": " + " ".join(command)).encode()


def split_lines(pending: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines in pending, and the unfinished rest. tqdm redraws its bar with "\\r": that ends a line too,
    so percentages arrive as they change."""
    *complete, rest = pending.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return complete, rest


class LogFollower:
    """A thread that reads a log file from an offset on and hands over each line as it lands, until the writers
    are gone and the file is drained, or until stop()."""

    def __init__(
        self, path: Path, offset: int, on_line: Callable[[bytes], None], writers_gone: Callable[[], bool], name: str
    ) -> None:
        self._path = path
        self._offset = offset
        self._on_line = on_line
        self._writers_gone = writers_gone
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._follow, name=name, daemon=True)

    def start(self) -> None:
        """Begin following in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop following now; the writers are left alone."""
        self._stopped.set()

    def join(self, timeout_s: float) -> None:
        """Wait for the follower to finish."""
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _follow(self) -> None:
        try:
            with open(self._path, "rb") as log:
                log.seek(self._offset)
                self._read_until_done(log)
        except OSError:
            pass  # the file was removed or cannot be read: there is nothing more to show

    def _read_until_done(self, log: BinaryIO) -> None:
        pending, drained = b"", False
        while not self._stopped.is_set():
            chunk = log.read(READ_BYTES)
            if chunk:
                complete, pending = split_lines(pending + chunk)
                for raw in complete:
                    self._on_line(raw)
                continue
            if drained:
                break
            # The writers' exit is checked before one last read, so nothing written just before they exited is lost.
            drained = self._writers_gone()
            if not drained:
                self._stopped.wait(FOLLOW_POLL_S)
        if pending:
            self._on_line(pending)
