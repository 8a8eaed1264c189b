"""TCP ports for engines: is one free, find a free one, move a plan onto another."""

from __future__ import annotations

import dataclasses
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.plans import LaunchPlan


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port and it can be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1", avoid: frozenset[int] = frozenset()) -> int:
    """A port the OS says is free right now on host (never one in avoid)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in avoid:
            return port


def argv_with_port(argv: tuple[str, ...], port: int) -> tuple[str, ...]:
    """argv with its --port value replaced (or --port appended when it has none)."""
    result = list(argv)
    for index, arg in enumerate(result):
        if arg == "--port" and index + 1 < len(result):
            result[index + 1] = str(port)
            return tuple(result)
        if arg.startswith("--port="):
            result[index] = f"--port={port}"
            return tuple(result)
    return (*result, "--port", str(port))


def plan_with_port(plan: LaunchPlan, port: int) -> LaunchPlan:
    """The same plan serving on another port."""
    return dataclasses.replace(plan, port=port, argv=argv_with_port(tuple(plan.argv), port))
