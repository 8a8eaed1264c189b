"""Starting an engine in its own session and ending its whole process tree (psutil)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class KillReport:
    """What ending a process tree did."""

    pids: tuple[int, ...]  # every process found in the tree or the session
    terminated: tuple[int, ...]  # ended by SIGTERM within the grace period
    killed: tuple[int, ...]  # needed SIGKILL
    survivors: tuple[int, ...]  # still alive afterwards (should be empty)


def spawn_in_new_session(
    argv: Sequence[str], env: Mapping[str, str], output: int, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start argv in a new session (its own process group), its stdout and stderr both writing to output (an open
    file descriptor, which the caller still owns and closes)."""
    return subprocess.Popen(
        list(argv),
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},  # print()s reach the log file as they happen
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        close_fds=True,
    )


def _session_of(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def session_members(session_id: int) -> list[psutil.Process]:
    """Live processes whose session is session_id (orphans of a dead engine stay in its session)."""
    members = []
    for proc in psutil.process_iter():
        if proc.pid != os.getpid() and _session_of(proc.pid) == session_id:
            members.append(proc)
    return members


def process_tree(pid: int, session_id: int | None = None) -> list[psutil.Process]:
    """The process, its descendants, and (when given) every other member of its session."""
    found: dict[int, psutil.Process] = {}
    try:
        root = psutil.Process(pid)
        found[root.pid] = root
        for child in root.children(recursive=True):
            found[child.pid] = child
    except psutil.NoSuchProcess:
        pass
    if session_id is not None:
        for member in session_members(session_id):
            found.setdefault(member.pid, member)
    return [proc for proc in found.values() if _alive(proc)]


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def terminate_tree(pid: int, session_id: int | None, grace_s: float) -> KillReport:
    """SIGTERM the tree (and session), SIGKILL whatever is left after grace_s, wait for all of it."""
    procs = process_tree(pid, session_id)
    all_pids = tuple(sorted(proc.pid for proc in procs))
    for proc in procs:
        _signal(proc, hard=False)
    gone, alive = psutil.wait_procs(procs, timeout=grace_s)
    # Children spawned while we were terminating would escape the first sweep.
    late = [proc for proc in process_tree(pid, session_id) if proc.pid not in all_pids]
    for proc in [*alive, *late]:
        _signal(proc, hard=True)
    _, survivors = psutil.wait_procs([*alive, *late], timeout=5.0)
    return KillReport(
        pids=tuple(sorted({*all_pids, *(proc.pid for proc in late)})),
        terminated=tuple(sorted(proc.pid for proc in gone)),
        killed=tuple(sorted(proc.pid for proc in [*alive, *late] if proc not in survivors)),
        survivors=tuple(sorted(proc.pid for proc in survivors)),
    )


def _signal(proc: psutil.Process, *, hard: bool) -> None:
    try:
        proc.kill() if hard else proc.terminate()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        pass


def direct_children(pid: int) -> dict[int, str]:
    """pid -> name of the process's live direct children (SGLang's scheduler and detokenizer processes);
    a child that died but was not yet reaped (a zombie) is left out."""
    try:
        children = psutil.Process(pid).children(recursive=False)
    except psutil.NoSuchProcess:
        return {}
    return {child.pid: _name(child) for child in children if _alive(child)}


def _name(proc: psutil.Process) -> str:
    try:
        return proc.name()
    except psutil.Error:
        return "?"


def running_with_cmdline(pid: int, cmdline: Sequence[str], create_time: float | None = None) -> bool:
    """True when pid is alive and runs cmdline (and started at create_time, when given). A program that is a
    script shows up with its interpreter in front (`python3 /env/bin/vllm serve ...`, or what a launcher exec'd),
    so its arguments after the program are what must match."""
    try:
        proc = psutil.Process(pid)
        if not _alive(proc) or not _runs(proc.cmdline(), list(cmdline)):
            return False
        return create_time is None or abs(proc.create_time() - create_time) < 1.0
    except psutil.Error:
        return False


def _runs(actual: list[str], expected: list[str]) -> bool:
    arguments = expected[1:]
    return actual == expected or (bool(arguments) and len(actual) > len(arguments)
                                  and actual[len(actual) - len(arguments):] == arguments)


def process_create_time(pid: int) -> float | None:
    """When the process started (epoch seconds), None if it is gone."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None
