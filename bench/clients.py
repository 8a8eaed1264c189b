"""The two ways a request reaches the engine, timed the same way: the app's chat path (backend.chat.session.ChatSession,
what the UI calls) and the openai client talking to the engine directly."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import openai

from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT
from backend.chat.session import ChatSession, SamplingParams
from backend.endpoint import Endpoint
from backend.media.images import PreparedImage
from backend.media.video import PreparedVideo


class BenchError(RuntimeError):
    """A measured request failed (the benchmark stops: its figures would be wrong)."""


@dataclass(frozen=True)
class TimedAnswer:
    """How one streamed answer went, timed from the moment the request was started."""

    ttft_s: float
    total_s: float
    completion_tokens: int
    prompt_tokens: int | None
    tpot_s: float | None  # (last text - first text) / (tokens - 1)
    cached_tokens: int | None
    text: str


@dataclass(frozen=True)
class Sampling:
    """Sampling both paths send (greedy, so both produce the same tokens)."""

    max_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    extra_body: dict[str, object] | None = None  # engine-specific request fields, e.g. {"ignore_eos": True}

    def for_app(self) -> SamplingParams:
        """The app's own sampling settings with these values."""
        return SamplingParams(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens,
                              extra_body=self.extra_body)


def _timed(started: float, first: float | None, last: float | None, tokens: int, prompt: int | None,
           cached: int | None, text: str) -> TimedAnswer:
    if first is None or last is None:
        raise BenchError(f"the answer carried no text (completion tokens: {tokens})")
    tpot = (last - first) / (tokens - 1) if tokens > 1 else None
    return TimedAnswer(first - started, time.perf_counter() - started, tokens, prompt, tpot, cached, text)


def app_session(endpoint: Endpoint, sampling: Sampling) -> ChatSession:
    """A chat session as the UI holds one (its openai client is made on the first send and then kept)."""
    session = ChatSession(endpoint)
    session.sampling = sampling.for_app()
    return session


def app_answer(session: ChatSession, text: str, images: Sequence[PreparedImage] = (),
               videos: Sequence[PreparedVideo] = (), started: float | None = None) -> TimedAnswer:
    """Send one message through ChatSession.send and time its stream (started: an earlier start, e.g. before
    the image was prepared)."""
    started = time.perf_counter() if started is None else started
    first = last = None
    seen = 0
    final = None
    for update in session.send(text, images, videos):
        if len(update.text) > seen:
            last = time.perf_counter()
            first = first or last
            seen = len(update.text)
        if update.done:
            final = update
    if final is None or final.error or final.metrics is None:
        raise BenchError(f"app path: {final.error_kind if final else 'no final update'}: "
                         f"{final.error if final else ''}")
    metrics = final.metrics
    return _timed(started, first, last, metrics.completion_tokens, metrics.prompt_tokens, metrics.cached_tokens,
                  final.text)


def direct_client(endpoint: Endpoint, timeout_s: float = 600.0) -> openai.OpenAI:
    """An openai client for the engine, as a user of raw SGLang would make it."""
    return openai.OpenAI(base_url=endpoint.api_base, api_key=endpoint.api_key or "EMPTY", max_retries=0,
                         timeout=httpx.Timeout(timeout_s, connect=5.0))


def user_message(text: str, image_urls: Sequence[str] = (), video_urls: Sequence[str] = ()) -> dict:
    """A user message in the order the app builds it: videos, images, then the text."""
    if not image_urls and not video_urls:
        return {"role": "user", "content": text}
    parts = [{"type": "video_url", "video_url": {"url": url}} for url in video_urls]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in image_urls]
    parts.append({"type": "text", "text": text})
    return {"role": "user", "content": parts}


def direct_messages(turns: Sequence[dict], system_prompt: str = DEFAULT_SYSTEM_PROMPT) -> list[dict]:
    """System prompt first, as the app sends it."""
    return [{"role": "system", "content": system_prompt}, *turns]


def direct_answer(client: openai.OpenAI, model: str, messages: list[dict], sampling: Sampling,
                  started: float | None = None) -> TimedAnswer:
    """One streamed chat completion through the openai client, timed like app_answer."""
    started = time.perf_counter() if started is None else started
    first = last = None
    pieces: list[str] = []
    usage = None
    stream = client.chat.completions.create(
        model=model, messages=messages, stream=True, stream_options={"include_usage": True},
        temperature=sampling.temperature, top_p=sampling.top_p, max_tokens=sampling.max_tokens,
        extra_body=dict(sampling.extra_body) if sampling.extra_body else None,
    )
    try:
        for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                if choice.delta and choice.delta.content:
                    last = time.perf_counter()
                    first = first or last
                    pieces.append(choice.delta.content)
    finally:
        stream.close()
    tokens = int(usage.completion_tokens) if usage is not None else len(pieces)
    prompt = int(usage.prompt_tokens) if usage is not None else None
    details = getattr(usage, "prompt_tokens_details", None) if usage is not None else None
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    return _timed(started, first, last, tokens, prompt, cached, "".join(pieces))


def direct_turn(client: openai.OpenAI, model: str, history: list[dict], message: dict, sampling: Sampling,
                started: float | None = None) -> TimedAnswer:
    """Send message after history (which gains the message and the answer), like a multi-turn raw client."""
    history.append(message)
    answer = direct_answer(client, model, direct_messages(history), sampling, started)
    history.append({"role": "assistant", "content": answer.text})
    return answer
