"""The HTTP side of one chat session: a fresh connection per request, and a way to cut it from another thread.

Stop must reach the engine at once, even while the request still waits for its first token: SGLang sends the
response headers only with the first token (it runs the request until then to validate it), so there may be no
response to close yet. The session's client records the socket each request connects (httpcore's `trace`
extension) and cut() shuts it down: a read blocked in another thread wakes at once (closing a socket from another
thread does not wake it) and the engine sees the client leave and aborts the request.

Connections are not kept alive. The openai SDK drops the connection after each stream anyway (it stops reading at
`data: [DONE]`, before the end of the chunked body), so keep-alive saved nothing; without it the socket being cut
always belongs to this session's request, and no idle connection can race the engine's 5 s keep-alive timeout."""

from __future__ import annotations

import functools
import socket
import ssl
import threading
from typing import Any

import httpx
import openai
import pydantic
from openai.types.chat import ChatCompletionChunk

CONNECT_EVENTS = ("connection.connect_tcp.complete", "connection.connect_unix_socket.complete")


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default TLS settings, built once: building them loads the CA bundle, ~75 ms of the GIL per client,
    which a batch or an API call (one session each) would otherwise pay per request."""
    return httpx.create_ssl_context()


class RequestSocket:
    """The socket of the one request a session has in flight, and whether it was cut."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._cut = False

    def http_client(self, timeout: httpx.Timeout) -> httpx.Client:
        """An httpx client (the openai SDK's defaults) without keep-alive, whose requests report their socket."""
        return openai.DefaultHttpxClient(
            timeout=timeout, limits=httpx.Limits(max_connections=100, max_keepalive_connections=0),
            event_hooks={"request": [self._attach_trace]}, verify=shared_ssl_context(),
        )

    def start(self) -> None:
        """A new request begins: forget the last socket and any cut."""
        with self._lock:
            self._socket, self._cut = None, False

    def adopt(self, response: httpx.Response) -> None:
        """Take the socket from a response when none was recorded (a caller's own client, a reused connection)."""
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        with self._lock:
            if self._socket is None and sock is not None:
                self._set(sock)

    def cut(self) -> None:
        """Shut the request's socket down now, or as soon as it connects; safe from any thread."""
        with self._lock:
            self._cut = True
            if self._socket is not None:
                _shutdown(self._socket)

    def release(self) -> None:
        """The request is over: its socket is no longer ours to shut down (call before closing the response)."""
        with self._lock:
            self._socket = None

    def _attach_trace(self, request: httpx.Request) -> None:
        request.extensions["trace"] = self._trace

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event in CONNECT_EVENTS:
            sock = info["return_value"].get_extra_info("socket")
            if sock is not None:
                with self._lock:
                    self._set(sock)

    def _set(self, sock: socket.socket) -> None:
        self._socket = sock
        if self._cut:  # stop() came before the connection existed
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class ChunkClient(openai.OpenAI):
    """The openai client, reading each streamed chunk with pydantic's own validator (~9 us a chunk) instead of the
    SDK's lenient pure-Python construct (~190 us): with 32 answers streaming at once that was most of the app's CPU
    time, under one GIL. A chunk the typed model refuses (a value the SDK's types do not list) is read the SDK's
    lenient way, so nothing an engine sends is lost."""

    def _process_response_data(self, *, data: object, cast_to: type[Any], response: httpx.Response) -> Any:
        if cast_to is ChatCompletionChunk and isinstance(data, dict):
            try:
                return ChatCompletionChunk.model_validate(data)
            except pydantic.ValidationError:
                pass
        return super()._process_response_data(data=data, cast_to=cast_to, response=response)
