"""Where a client's seconds go below HTTP: every DNS lookup, TCP connect and CA-bundle load (what each new
httpx client pays for its TLS settings) made in this process while a trace is on, with its duration. P7 uses it
to tell a slow gradio_client from a slow server: the servers run in other processes, so only the client shows."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class NetEvent:
    """One traced call: its kind (dns, connect, ca_load), what it was for, and how long it took."""

    kind: str
    target: str
    seconds: float


@dataclass
class NetTrace:
    """A context manager that records NetEvents from every thread of this process between enter and exit."""

    events: list[NetEvent] = field(default_factory=list)
    _restore: list[tuple[Any, str, Any]] = field(default_factory=list)

    def __enter__(self) -> NetTrace:
        self._wrap(socket, "getaddrinfo", "dns", lambda args: f"{args[0]}:{args[1]}")
        self._wrap(socket.socket, "connect", "connect", lambda args: str(args[1]))
        self._wrap(ssl.SSLContext, "load_verify_locations", "ca_load", lambda args: "CA bundle")
        return self

    def __exit__(self, *_exc: object) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()

    def _wrap(self, owner: Any, name: str, kind: str, describe: Callable[[tuple], str]) -> None:
        original = getattr(owner, name)
        events = self.events

        def traced(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                events.append(NetEvent(kind, describe(args), time.perf_counter() - started))

        self._restore.append((owner, name, original))
        setattr(owner, name, traced)

    def summary(self) -> dict[str, dict]:
        """Per kind: count, total and slowest in ms, and the targets that were not this host."""
        out: dict[str, dict] = {}
        for event in self.events:
            entry = out.setdefault(event.kind, {"count": 0, "total_ms": 0.0, "max_ms": 0.0, "not_loopback": []})
            entry["count"] += 1
            entry["total_ms"] = round(entry["total_ms"] + event.seconds * 1000, 2)
            entry["max_ms"] = round(max(entry["max_ms"], event.seconds * 1000), 2)
            if event.kind != "ca_load" and not any(host in event.target for host in LOOPBACK):
                if event.target not in entry["not_loopback"]:
                    entry["not_loopback"].append(event.target)
        return out


WEB_STACK = ("gradio", "gradio_client", "httpx", "httpcore", "h11", "anyio", "starlette", "fastapi", "uvicorn",
             "certifi", "brotli")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR")


def web_stack() -> dict[str, str]:
    """The versions of the packages on the web path here, and which proxy / CA variables are set (names only:
    a proxy URL may hold a password)."""
    versions = {}
    for name in WEB_STACK:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    variables = [name for name in PROXY_VARIABLES if os.environ.get(name) or os.environ.get(name.lower())]
    return {**versions, "variables_set": ",".join(variables) or "none"}
