"""Chat with a Qwen-VL server: multi-turn history with media, streamed answers, stop, regenerate, metrics.

The UI calls ChatSession.send / regenerate and renders each StreamUpdate; stop() may be called from
another thread (closing the HTTP stream makes SGLang abort the request)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import httpx
import openai

from backend.chat_errors import STREAM_ERRORS, BadMedia, ChatError, ServerNotReady, explain, explain_broken_stream
from backend.chat_metrics import AnswerClock, AnswerMetrics
from backend.endpoint import Endpoint
from backend.images import PreparedImage
from backend.messages import (
    DEFAULT_SYSTEM_PROMPT,
    BuiltRequest,
    Conversation,
    MediaPolicy,
    TooManyMedia,
    Turn,
    TurnStatus,
    build_request,
)
from backend.video import PreparedVideo, with_clip


@dataclass(frozen=True)
class SamplingParams:
    """How the model samples its answer."""

    temperature: float = 0.7
    top_p: float = 0.8
    max_tokens: int = 1024


@dataclass(frozen=True)
class StreamUpdate:
    """What the UI shows after each chunk: the answer so far, and on the last update how it ended."""

    text: str
    status: TurnStatus
    done: bool = False
    metrics: AnswerMetrics | None = None
    error: str = ""  # plain message (status FAILED or INTERRUPTED)
    error_kind: str = ""  # ChatError subclass name, e.g. "ContextTooLong"
    notice: str = ""  # e.g. older media left out of the request


class ChatSession:
    """One conversation with one endpoint; answers one message at a time."""

    def __init__(
        self,
        endpoint: Endpoint | Callable[[], Endpoint | None] | None,
        *,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        sampling: SamplingParams | None = None,
        policy: MediaPolicy | None = None,
        timeout_s: float = 600.0,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._endpoint = endpoint
        self.conversation = Conversation(system_prompt=system_prompt)
        self.sampling = sampling or SamplingParams()
        self.policy = policy or MediaPolicy()
        self.timeout_s = timeout_s
        self._http_client = http_client  # e.g. with event hooks or a proxy; None: the SDK's own
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self._stream: openai.Stream | None = None
        self._clients: dict[tuple[str, str], openai.OpenAI] = {}

    @property
    def turns(self) -> list[Turn]:
        """The turns so far (the UI renders these)."""
        return self.conversation.turns

    def endpoint(self) -> Endpoint | None:
        """The endpoint to use now (a callable is asked each time, e.g. Supervisor.endpoint)."""
        return self._endpoint() if callable(self._endpoint) else self._endpoint

    def send(
        self, text: str, images: Sequence[PreparedImage] = (), videos: Sequence[PreparedVideo] = ()
    ) -> Iterator[StreamUpdate]:
        """Add a user message and stream the answer to it. The message is kept whatever happens."""
        turn = Turn(user_text=text, images=tuple(images), videos=tuple(videos))
        self.conversation.turns.append(turn)
        return self._answer(turn)

    def regenerate(self) -> Iterator[StreamUpdate]:
        """Answer the last message again (also the way to retry one that failed)."""
        if not self.conversation.turns:
            return iter(())
        if self._busy.locked():
            return iter([_busy_update()])
        turn = self.conversation.turns[-1]
        turn.reset_answer()
        return self._answer(turn)

    def clear(self) -> None:
        """Forget every turn (the system prompt stays)."""
        self.stop()
        self.conversation.turns.clear()

    def stop(self) -> None:
        """Stop the answer streaming now, keeping what arrived; safe from any thread."""
        self._stop.set()
        stream = self._stream
        if stream is not None:
            _abort(stream)

    def _answer(self, turn: Turn) -> Iterator[StreamUpdate]:
        if not self._busy.acquire(blocking=False):
            turn.status, turn.error = TurnStatus.FAILED, _busy_update().error
            yield _final(turn, "ChatError")
            return
        try:
            self._stop.clear()
            yield from self._stream_answer(turn)
        except GeneratorExit:  # the caller dropped the stream (e.g. the UI cancelled): same as stop
            if turn.status in (TurnStatus.PENDING, TurnStatus.STREAMING):
                turn.status = TurnStatus.STOPPED
            raise
        finally:
            self._stream = None
            self._busy.release()

    def _stream_answer(self, turn: Turn) -> Iterator[StreamUpdate]:
        endpoint = self.endpoint()
        request: BuiltRequest | None = None
        try:
            if endpoint is None:
                raise ServerNotReady("No model server is running. Start one (or attach to one), then send again.")
            request = self._build(endpoint)
            turn.notice = request.notice
            clock = AnswerClock(request.vision_tokens)
            turn.status = TurnStatus.STREAMING
            yield StreamUpdate(text="", status=turn.status, notice=turn.notice)
            self._stream = self._open(endpoint, request)
            if self._stop.is_set():  # stop() came while the request was being sent
                self._stream.close()
        except (ChatError, TooManyMedia, openai.APIError, httpx.HTTPError) as error:
            yield _fail(turn, explain(error, endpoint.base_url if endpoint else "", request))
            return
        try:
            for chunk in self._stream:
                if self._stop.is_set():
                    break
                if chunk.usage is not None:
                    clock.usage = chunk.usage
                for choice in chunk.choices:
                    clock.finish_reason = choice.finish_reason or clock.finish_reason
                    if choice.delta and choice.delta.content:
                        turn.answer += choice.delta.content
                        clock.saw_text()
                        yield StreamUpdate(text=turn.answer, status=turn.status, notice=turn.notice)
        except STREAM_ERRORS as error:
            if not self._stop.is_set():
                failure = explain_broken_stream(error)
                turn.status, turn.error, turn.metrics = TurnStatus.INTERRUPTED, str(failure), clock.metrics()
                yield _final(turn, type(failure).__name__)
                return
        finally:
            self._stream.close()
        turn.status = TurnStatus.STOPPED if self._stop.is_set() else TurnStatus.DONE
        if turn.status is TurnStatus.STOPPED:
            clock.finish_reason = None
        turn.metrics = clock.metrics()
        yield _final(turn, "")

    def _build(self, endpoint: Endpoint) -> BuiltRequest:
        """Messages for the last turn; for a remote engine, clips are encoded once and kept on their turns."""
        if not endpoint.local:
            for turn in self.conversation.turns:
                if any(video.clip is None for video in turn.videos):
                    try:
                        turn.videos = tuple(with_clip(video) for video in turn.videos)
                    except ValueError as error:
                        raise BadMedia(str(error)) from error
        return build_request(self.conversation, self.policy, endpoint.local)

    def _open(self, endpoint: Endpoint, request: BuiltRequest) -> openai.Stream:
        return self._client(endpoint).chat.completions.create(
            model=endpoint.model,
            messages=request.messages,
            stream=True,
            stream_options={"include_usage": True},
            temperature=self.sampling.temperature,
            top_p=self.sampling.top_p,
            max_tokens=self.sampling.max_tokens,
        )

    def _client(self, endpoint: Endpoint) -> openai.OpenAI:
        key = (endpoint.api_base, endpoint.api_key)
        if key not in self._clients:
            self._clients[key] = openai.OpenAI(
                base_url=endpoint.api_base,
                api_key=endpoint.api_key or "EMPTY",
                max_retries=0,
                timeout=httpx.Timeout(self.timeout_s, connect=5.0),
                http_client=self._http_client,
            )
        return self._clients[key]


def _abort(stream: openai.Stream) -> None:
    """Close a stream another thread may be blocked reading: shutting the socket down wakes that read
    at once (a plain close does not) and tells the server the client left, so SGLang aborts."""
    network = stream.response.extensions.get("network_stream")
    sock = network.get_extra_info("socket") if network is not None else None
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed
    stream.close()


def _busy_update() -> StreamUpdate:
    return StreamUpdate(text="", status=TurnStatus.FAILED, done=True, error_kind="ChatError",
                        error="An answer is still streaming; stop it or wait, then send again.")


def _fail(turn: Turn, error: ChatError) -> StreamUpdate:
    turn.status, turn.error = TurnStatus.FAILED, str(error)
    return _final(turn, type(error).__name__)


def _final(turn: Turn, error_kind: str) -> StreamUpdate:
    return StreamUpdate(
        text=turn.answer, status=turn.status, done=True, metrics=turn.metrics, error=turn.error,
        error_kind=error_kind, notice=turn.notice,
    )

