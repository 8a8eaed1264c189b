"""Stopping what the app launched when the app exits (Ctrl-C, SIGTERM, SIGHUP, normal interpreter exit)."""

from __future__ import annotations

import atexit
import signal
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.engine.supervisor import Supervisor

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def install_exit_handlers(supervisor: Supervisor) -> None:
    """Call supervisor.close() at interpreter exit and on SIGTERM/SIGHUP (then exit 128+signal, or chain to
    a handler installed before). Ctrl-C raises KeyboardInterrupt, whose exit runs the atexit hook.
    Must be called from the main thread."""
    atexit.register(supervisor.close)
    for signum in EXIT_SIGNALS:
        previous = signal.getsignal(signum)

        def handler(number: int, frame: FrameType | None, previous: object = previous) -> None:
            supervisor.close()
            if callable(previous):
                previous(number, frame)
                return
            raise SystemExit(128 + number)

        signal.signal(signum, handler)
