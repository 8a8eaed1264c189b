"""Chat with a Qwen-VL server: multi-turn history with media, streamed answers, stop, regenerate, metrics.

The UI calls ChatSession.send / regenerate and renders each StreamUpdate; stop() may be called from another
thread. Stopping, or closing (or dropping) the update stream, ends the answer as STOPPED and cuts its connection,
which makes SGLang abort the request (backend.chat.transport says how)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass

import httpx
import openai
import openai.resources.chat  # noqa: F401 - the SDK imports it on a client's first request otherwise: the first answer's cost

from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT, BuiltRequest, Conversation, Turn, TurnStatus, build_request
from backend.chat.errors import STREAM_ERRORS, BadMedia, ChatError, ServerNotReady, explain, explain_broken_stream
from backend.chat.metrics import AnswerClock, AnswerMetrics
from backend.chat.reasoning import Thoughts, delta_reasoning
from backend.chat.transport import ChunkClient, RequestSocket
from backend.endpoint import Endpoint
from backend.families import get_family, thinks_first
from backend.media.images import MediaError, PreparedImage
from backend.media.uploads import MediaPolicy, TooManyMedia
from backend.media.video import PreparedVideo, with_clip

OPEN_ERRORS = (ChatError, TooManyMedia, openai.APIError, httpx.HTTPError)


class AnswerInProgress(ChatError):
    """Another answer of this session is still streaming."""


@dataclass(frozen=True)
class SamplingParams:
    """How the model samples its answer."""

    temperature: float = 0.7
    top_p: float = 0.8
    max_tokens: int = 1024
    extra_body: dict[str, object] | None = None  # more request fields, sent as is (e.g. SGLang's ignore_eos)
    response_format: dict[str, object] | None = None  # e.g. a JSON Schema the engine holds decoding to


@dataclass(frozen=True)
class StreamUpdate:
    """What the UI shows after each chunk: the answer so far, and on the last update how it ended."""

    text: str  # the answer so far, without the reasoning
    status: TurnStatus
    done: bool = False
    metrics: AnswerMetrics | None = None
    error: str = ""  # plain message (status FAILED or INTERRUPTED)
    error_kind: str = ""  # ChatError subclass name, e.g. "ContextTooLong"
    notice: str = ""  # e.g. older media left out of the request
    reasoning: str = ""  # the model's thinking so far (backend.chat.reasoning keeps it apart)
    thinking: bool = False  # the model is still thinking: no answer has begun


class AnswerStream(Iterator[StreamUpdate]):
    """The updates of one answer. close() (or dropping it) before the end stops the answer, even one whose
    stream was never started: its turn ends STOPPED, never left PENDING or STREAMING."""

    def __init__(self, updates: Generator[StreamUpdate, None, None], turn: Turn | None) -> None:
        self._updates = updates
        self.turn = turn  # the turn a send added (None for regenerate: it answers the last turn again)
        self._closer = weakref.finalize(self, _close_answer, updates, turn)
        self._closer.atexit = False

    def __next__(self) -> StreamUpdate:
        return next(self._updates)

    def close(self) -> None:
        """Stop the answer here, keeping what arrived."""
        self._closer()


NO_SERVER = "No model server is running. Launch one, or attach to a running server, in the Server tab, then send again."

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
        name_server: bool = True,  # False (public demos): errors never show the engine's address
        unavailable: Callable[[], str] | None = None,  # why there is no endpoint now, in words that match the state
    ) -> None:
        self._endpoint = endpoint
        self._unavailable = unavailable
        self.name_server = name_server
        self.conversation = Conversation(system_prompt=system_prompt)
        self.sampling = sampling or SamplingParams()
        self.policy = policy or MediaPolicy()
        self.timeout_s = timeout_s
        self._http_client = http_client  # e.g. with event hooks or a proxy; None: one of our own (chat_transport)
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self._socket = RequestSocket()
        self._clients: dict[tuple[str, str], openai.OpenAI] = {}

    @property
    def turns(self) -> list[Turn]:
        """The turns so far (the UI renders these)."""
        return self.conversation.turns

    @property
    def busy(self) -> bool:
        """True while an answer is streaming (a send or regenerate now would be refused)."""
        return self._busy.locked()

    def endpoint(self) -> Endpoint | None:
        """The endpoint to use now (a callable is asked each time, e.g. Supervisor.endpoint)."""
        return self._endpoint() if callable(self._endpoint) else self._endpoint

    def send(self, text: str, images: Sequence[PreparedImage] = (), videos: Sequence[PreparedVideo] = ()
             ) -> AnswerStream:
        """Add a user message and stream the answer to it. The message is kept whatever happens (while another
        answer streams it is refused: kept and marked FAILED, ready to regenerate)."""
        turn = Turn(user_text=text, images=tuple(images), videos=tuple(videos))
        self.conversation.turns.append(turn)
        return AnswerStream(self._answer(turn, again=False), turn)

    def regenerate(self) -> AnswerStream:
        """Answer the last message again (also the way to retry one that failed). While an answer is streaming
        this is refused with one FAILED update (error_kind AnswerInProgress) and no turn changes."""
        if not self.conversation.turns:
            return AnswerStream(_no_updates(), None)
        return AnswerStream(self._answer(self.conversation.turns[-1], again=True), None)

    def clear(self) -> None:
        """Forget every turn (the system prompt stays)."""
        self.stop()
        self.conversation.turns.clear()

    def stop(self) -> None:
        """Stop the answer streaming now, keeping what arrived; safe from any thread."""
        self._stop.set()
        self._socket.cut()

    def _answer(self, turn: Turn, again: bool) -> Generator[StreamUpdate, None, None]:
        if not self._busy.acquire(blocking=False):
            refusal = AnswerInProgress("An answer is still streaming; stop it or wait, then send again.")
            if again:  # the turn being regenerated is the one streaming: leave it alone
                yield StreamUpdate(text="", status=TurnStatus.FAILED, done=True, error=str(refusal),
                                   error_kind=type(refusal).__name__)
            else:
                yield _fail(turn, refusal)
            return
        try:
            self._stop.clear()
            self._socket.start()
            if again:
                turn.reset_answer()
            yield from self._stream_answer(turn)
        except GeneratorExit:  # the caller dropped the stream (e.g. the browser left): same as stop
            if turn.status in (TurnStatus.PENDING, TurnStatus.STREAMING):
                turn.status = TurnStatus.STOPPED
            raise
        finally:
            self._busy.release()

    def _stream_answer(self, turn: Turn) -> Generator[StreamUpdate, None, None]:
        endpoint = self.endpoint()
        request: BuiltRequest | None = None
        try:
            if endpoint is None:
                raise ServerNotReady(self._unavailable() if self._unavailable else NO_SERVER)
            request = self._build(endpoint)
            turn.notice = request.notice
            clock = AnswerClock(request.vision_tokens)
            turn.status = TurnStatus.STREAMING
            yield StreamUpdate(text="", status=turn.status, notice=turn.notice)
            if self._stop.is_set():  # stopped before the request went out
                yield _stopped(turn, clock)
                return
            stream = self._open(endpoint, request)
        except OPEN_ERRORS as error:
            self._socket.release()
            if self._stop.is_set() and turn.status is TurnStatus.STREAMING:  # stop() cut the request
                yield _stopped(turn, clock)
            else:
                yield _fail(turn, explain(error, endpoint.base_url if endpoint and self.name_server else "", request))
            return
        self._socket.adopt(stream.response)
        thoughts = Thoughts(turn, thinks_first(endpoint.model))
        try:
            for chunk in stream:
                if self._stop.is_set():
                    break
                if chunk.usage is not None:
                    clock.usage = chunk.usage
                for choice in chunk.choices:
                    clock.finish_reason = choice.finish_reason or clock.finish_reason
                    content, reasoning = (choice.delta.content or "", delta_reasoning(choice.delta)) \
                        if choice.delta else ("", "")
                    if content or reasoning:
                        thinking = thoughts.feed(content, reasoning)
                        clock.saw_text()
                        yield StreamUpdate(text=turn.answer, status=turn.status, notice=turn.notice,
                                           reasoning=turn.reasoning, thinking=thinking)
        except STREAM_ERRORS as error:
            if not self._stop.is_set():
                thoughts.finish(cut=True)  # first: text it held back (a possible tag) joins the answer
                failure = explain_broken_stream(error, partial=bool(turn.answer or turn.reasoning))
                turn.status, turn.error, turn.metrics = TurnStatus.INTERRUPTED, str(failure), clock.metrics()
                yield _final(turn, type(failure).__name__)
                return
        finally:
            self._socket.release()
            stream.close()
        thoughts.finish(cut=self._stop.is_set() or clock.finish_reason != "stop")
        if self._stop.is_set():
            yield _stopped(turn, clock)
            return
        turn.status, turn.metrics = TurnStatus.DONE, clock.metrics()
        yield _final(turn, "")

    def _build(self, endpoint: Endpoint) -> BuiltRequest:
        """Messages for the last turn; clips (for a remote engine, or sampled by the app) are encoded once and
        kept on their turns."""
        for turn in self.conversation.turns:
            if any(video.clip is None and (not endpoint.reads_original_videos or video.sampled_by_app)
                   for video in turn.videos):
                try:
                    turn.videos = tuple(with_clip(video) for video in turn.videos)
                except (ValueError, MediaError) as error:
                    raise BadMedia(str(error)) from error
        return build_request(self.conversation, self.policy, endpoint.reads_original_videos,
                             get_family(endpoint.family))

    def _open(self, endpoint: Endpoint, request: BuiltRequest) -> openai.Stream:
        extra_body = {**recommended_extras(endpoint), **endpoint.engine.request_fields(bool(request.videos_sent)),
                      **(self.sampling.extra_body or {})}
        return self._client(endpoint).chat.completions.create(
            model=endpoint.model,
            messages=request.messages,
            stream=True,
            stream_options={"include_usage": True},
            temperature=self.sampling.temperature,
            top_p=self.sampling.top_p,
            max_tokens=self.sampling.max_tokens,
            extra_body=dict(extra_body) if extra_body else None,
            response_format=self.sampling.response_format or openai.NOT_GIVEN,
        )

    def _client(self, endpoint: Endpoint) -> openai.OpenAI:
        key = (endpoint.api_base, endpoint.api_key)
        if key not in self._clients:
            timeout = httpx.Timeout(self.timeout_s, connect=5.0)
            self._clients[key] = ChunkClient(
                base_url=endpoint.api_base,
                api_key=endpoint.api_key or "EMPTY",
                max_retries=0,  # a retry would send the request again after stop() cut it
                timeout=timeout,
                http_client=self._http_client or self._socket.http_client(timeout),
            )
        return self._clients[key]


def recommended_extras(endpoint: Endpoint) -> dict[str, object]:
    """The family's recommended top_k and presence_penalty for the served model (temperature and top_p are the
    user's); {} for a family without a recommendation."""
    recommended = get_family(endpoint.family).recommended(thinks_first(endpoint.model))
    if recommended is None:
        return {}
    return {"top_k": recommended.top_k, "presence_penalty": recommended.presence_penalty}


def _close_answer(updates: Generator[StreamUpdate, None, None], turn: Turn | None) -> None:
    """Close the update generator (a started one marks its turn STOPPED); a never-started send is stopped too."""
    updates.close()
    if turn is not None and turn.status is TurnStatus.PENDING:
        turn.status = TurnStatus.STOPPED


def _no_updates() -> Generator[StreamUpdate, None, None]:
    yield from ()


def _stopped(turn: Turn, clock: AnswerClock) -> StreamUpdate:
    clock.finish_reason = None
    turn.status, turn.metrics = TurnStatus.STOPPED, clock.metrics()
    return _final(turn, "")


def _fail(turn: Turn, error: ChatError) -> StreamUpdate:
    turn.status, turn.error = TurnStatus.FAILED, str(error)
    return _final(turn, type(error).__name__)


def _final(turn: Turn, error_kind: str) -> StreamUpdate:
    return StreamUpdate(
        text=turn.answer, status=turn.status, done=True, metrics=turn.metrics, error=turn.error,
        error_kind=error_kind, notice=turn.notice, reasoning=turn.reasoning,
    )
