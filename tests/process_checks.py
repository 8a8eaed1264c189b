"""Process checks for tests: is a pid gone, what tree hangs under it, which stand-ins this test started."""

from __future__ import annotations

import time

import psutil


def gone(pid: int) -> bool:
    """True when pid no longer runs (a zombie waiting for its reaper counts as gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(pid: int, timeout_s: float = 10.0) -> bool:
    """Wait until pid is gone; True if it went."""
    deadline = time.monotonic() + timeout_s
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return gone(pid)


def tree_pids(pid: int) -> list[int]:
    """pid and all its descendants."""
    root = psutil.Process(pid)
    return [root.pid, *(child.pid for child in root.children(recursive=True))]


def child_pids() -> set[int]:
    """Live processes this test process started (compare before and after: session fixtures have some too)."""
    return {proc.pid for proc in psutil.Process().children() if not gone(proc.pid)}


def standin_pids() -> set[int]:
    """Live stand-in engines this test process started."""
    found = set()
    for proc in psutil.Process().children():
        try:
            if not gone(proc.pid) and "-m standin" in " ".join(proc.cmdline()):
                found.add(proc.pid)
        except psutil.NoSuchProcess:
            continue
    return found
