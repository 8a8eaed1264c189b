"""P1, P3 and P4: text relay, a 12 MP photo, and a follow-up turn on the same image, app path vs direct.

App and direct requests alternate (app first on even repeats) so drift in the engine hits both sides alike.
Every image is a fresh variant, so no request is served from another one's cache unless it is meant to be.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openai

from backend.endpoint import Endpoint
from backend.media.images import APP_MAX_PIXELS, ImageLimits, ImagePreparer
from bench.clients import (
    Sampling,
    TimedAnswer,
    app_answer,
    app_session,
    direct_answer,
    direct_client,
    direct_messages,
    direct_turn,
    user_message,
)
from bench.media import PhotoMaker
from bench.stats import Goal, Row, scaled, summarize

P1_PROMPT = "Write a short story about a lighthouse keeper who collects sea glass."
P3_PROMPT = "Describe this photo in one sentence."
P4_FIRST = "Describe this photo in detail."
P4_FOLLOW_UP = "Which colours dominate it, and where?"


@dataclass
class Target:
    """The engine under test and what the scenarios share."""

    endpoint: Endpoint
    work_dir: Path
    log: Callable[[str], None]
    details: dict = field(default_factory=dict)  # raw per-request figures, written to the JSON

    def client(self) -> openai.OpenAI:
        """A fresh direct openai client."""
        return direct_client(self.endpoint)


def nonce() -> str:
    """A short unique tag that keeps two prompts from sharing a cached prefix."""
    return uuid.uuid4().hex[:8]


def _record(target: Target, name: str, side: str, answer: TimedAnswer, **more: object) -> None:
    target.details.setdefault(name, []).append({
        "side": side, "ttft_s": round(answer.ttft_s, 5), "tpot_s": answer.tpot_s, "total_s": round(answer.total_s, 4),
        "completion_tokens": answer.completion_tokens, "prompt_tokens": answer.prompt_tokens,
        "cached_tokens": answer.cached_tokens, **more})


def text_relay(target: Target, repeats: int, max_tokens: int) -> list[Row]:
    """P1: TTFT and TPOT of a text-only answer, ChatSession.send vs the openai client."""
    sampling = Sampling(max_tokens=max_tokens)
    session = app_session(target.endpoint, sampling)
    client = target.client()
    model = target.endpoint.model

    def app(text: str) -> TimedAnswer:
        session.clear()
        return app_answer(session, text)

    def direct(text: str) -> TimedAnswer:
        return direct_answer(client, model, direct_messages([user_message(text)]), sampling)

    app(f"[{nonce()}] {P1_PROMPT}")  # warm-up: the session's client, connections, the engine's text path
    direct(f"[{nonce()}] {P1_PROMPT}")
    answers: dict[str, list[TimedAnswer]] = {"app": [], "direct": []}
    for index in range(repeats):
        order = (("app", app), ("direct", direct)) if index % 2 == 0 else (("direct", direct), ("app", app))
        for side, send in order:
            answer = send(f"[{nonce()}] {P1_PROMPT}")
            answers[side].append(answer)
            _record(target, "p1_text", side, answer)
    target.log(f"P1: {repeats} text answers per side done")
    ttft = {side: scaled(summarize([a.ttft_s for a in values]), 1000) for side, values in answers.items()}
    tpot = {side: scaled(summarize([a.tpot_s for a in values if a.tpot_s is not None]), 1000)
            for side, values in answers.items()}
    return [
        Row("p1_ttft_ms", f"P1 text TTFT p50 ({max_tokens}-token answers)", "ms", ttft["app"], ttft["direct"],
            Goal("delta_max", 10.0, "app - direct <= 10 ms")),
        Row("p1_tpot_ms", "P1 text TPOT p50", "ms", tpot["app"], tpot["direct"], Goal("ratio_max", 1.02, "<= 1.02")),
    ]


def photo_ttft(target: Target, repeats: int, maker: PhotoMaker) -> list[Row]:
    """P3: TTFT of a 12 MP photo from the file on disk: the app prepares it (client-side resize, as the UI's
    ImagePreparer does on send) vs the raw file sent as a data URL; both timings include reading the file."""
    sampling = Sampling(max_tokens=8)
    session = app_session(target.endpoint, sampling)
    client = target.client()
    model = target.endpoint.model
    prepare_s: list[float] = []

    def app(record: bool) -> TimedAnswer:
        photo = maker.next("p3-app")
        session.clear()
        started = time.perf_counter()
        prepared = ImagePreparer(ImageLimits(max_pixels=APP_MAX_PIXELS)).prepare(photo.path)
        prepared_at = time.perf_counter()
        answer = app_answer(session, f"[{nonce()}] {P3_PROMPT}", [prepared], started=started)
        if record:
            prepare_s.append(prepared_at - started)
            _record(target, "p3_photo", "app", answer, prepare_s=round(prepared_at - started, 4),
                    input_size=prepared.input_size, sent_bytes=prepared.encoded_bytes)
        return answer

    def direct(record: bool) -> TimedAnswer:
        photo = maker.next("p3-direct")
        started = time.perf_counter()
        message = user_message(f"[{nonce()}] {P3_PROMPT}", [photo.data_url()])
        answer = direct_answer(client, model, direct_messages([message]), sampling, started=started)
        if record:
            _record(target, "p3_photo", "direct", answer, sent_bytes=photo.path.stat().st_size,
                    original_size=photo.size)
        return answer

    app(False)  # warm-up: the first request at a new image size compiles kernels for its shapes
    direct(False)
    answers: dict[str, list[float]] = {"app": [], "direct": []}
    for index in range(repeats):
        order = (("app", app), ("direct", direct)) if index % 2 == 0 else (("direct", direct), ("app", app))
        for side, send in order:
            answers[side].append(send(True).ttft_s)
    target.log(f"P3: {repeats} photo requests per side done")
    width, height = maker.size
    return [Row("p3_photo_ttft_s", f"P3 {width}x{height} photo TTFT, file to first token", "s",
                summarize(answers["app"]), summarize(answers["direct"]), Goal("ratio_max", 0.8, "<= 0.8"),
                extra={"app_prepare_s": summarize(prepare_s).median})]


def follow_up(target: Target, repeats: int, maker: PhotoMaker) -> list[Row]:
    """P4: TTFT of a follow-up turn on the same image vs the first turn's (the prefix cache should serve the
    image); both sides keep the conversation and re-send the same image bytes."""
    first_sampling, next_sampling = Sampling(max_tokens=32), Sampling(max_tokens=8)
    client = target.client()
    model = target.endpoint.model
    turns: dict[str, list[tuple[float, float]]] = {"app": [], "direct": []}

    def app() -> tuple[TimedAnswer, TimedAnswer]:
        session = app_session(target.endpoint, first_sampling)
        prepared = ImagePreparer(ImageLimits(max_pixels=APP_MAX_PIXELS)).prepare(maker.next("p4-app").path)
        first = app_answer(session, f"[{nonce()}] {P4_FIRST}", [prepared])
        session.sampling = next_sampling.for_app()
        return first, app_answer(session, P4_FOLLOW_UP)

    def direct() -> tuple[TimedAnswer, TimedAnswer]:
        history: list[dict] = []
        url = maker.next("p4-direct").data_url()
        first = direct_turn(client, model, history, user_message(f"[{nonce()}] {P4_FIRST}", [url]), first_sampling)
        return first, direct_turn(client, model, history, user_message(P4_FOLLOW_UP), next_sampling)

    for index in range(repeats):
        order = (("app", app), ("direct", direct)) if index % 2 == 0 else (("direct", direct), ("app", app))
        for side, converse in order:
            first, second = converse()
            turns[side].append((first.ttft_s, second.ttft_s))
            _record(target, "p4_first_turn", side, first)
            _record(target, "p4_follow_up", side, second)
    target.log(f"P4: {repeats} two-turn conversations per side done")

    def firsts(side: str) -> list[float]:
        return [pair[0] for pair in turns[side]]

    def seconds(side: str) -> list[float]:
        return [pair[1] for pair in turns[side]]

    def ratios(side: str) -> list[float]:
        return [pair[1] / pair[0] for pair in turns[side]]

    return [
        Row("p4_first_ttft_s", "P4 first turn TTFT (photo)", "s", summarize(firsts("app")), summarize(firsts("direct"))),
        Row("p4_follow_up_ttft_s", "P4 follow-up turn TTFT, same image", "s", summarize(seconds("app")),
            summarize(seconds("direct"))),
        Row("p4_follow_up_ratio", "P4 follow-up TTFT / first-turn TTFT", "x", summarize(ratios("app")),
            summarize(ratios("direct")), Goal("app_max", 0.5, "app <= 0.5"),
            note="each column is its own side's ratio"),
    ]
