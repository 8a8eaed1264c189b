"""TCP ports for engines: is one free, find a free one."""

from __future__ import annotations

import socket


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


def pick_port(host: str, preferred: int = 30000) -> int:
    """SGLang's default port 30000 when free, else the next free one up to 30099, else one the OS hands out."""
    free = (port for port in range(preferred, preferred + 100) if port_is_free(host, port))
    return next(free, None) or free_port(host)
