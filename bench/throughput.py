"""P2: many concurrent sessions (one image + ~128 text tokens in, a fixed number of tokens out), app vs direct.

Each session runs in its own thread and all start together at a barrier; output tok/s is every completion
token over the wall time from the start to the last answer's end. Images are prepared before the clock starts
on the app side (the UI prepares at upload) and sent as their own JPEG bytes on the direct side; both have the
same size on the 28-pixel grid, so both sides cost the engine the same tokens.

Both sides send SGLang's ignore_eos (the app through SamplingParams.extra_body), so every answer runs to
max_tokens and both sides decode the same number of tokens; tok/s still counts the tokens each side reported.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from backend.chat.session import ChatSession
from backend.media.images import APP_MAX_PIXELS, ImageLimits, ImagePreparer
from bench.clients import Sampling, TimedAnswer, app_answer, app_session, direct_answer, direct_messages, user_message
from bench.media import PhotoMaker
from bench.scenarios import Target, nonce
from bench.stats import Goal, Row, summarize

FIXED_LENGTH = {"ignore_eos": True}  # SGLang: decode max_tokens whatever the model says
SESSION_IMAGE_SIZE = (1288, 728)  # a 1280x720 frame on the 28-pixel grid: 46 x 26 = 1196 image tokens
PARAGRAPH = (
    "I am planning a weekend trip and took this picture at the station this morning. Please look at it "
    "carefully and tell me what the scene shows, which details would matter to a traveller, whether the "
    "weather looks settled, what time of day it probably is, and what I should pack for a long walk in a "
    "place like this. Keep the answer practical and organised in short paragraphs, mention anything that "
    "looks unusual, and finish with one sentence of advice for someone who has never been there before."
)  # about 110 words: with the tag and the template, ~128 text tokens


def _run_round(senders: list[Callable[[], TimedAnswer]]) -> tuple[float, list[TimedAnswer]]:
    """Start every sender at once; (wall seconds from the first start to the last end, the answers)."""
    barrier = threading.Barrier(len(senders))
    starts: list[float] = [0.0] * len(senders)
    ends: list[float] = [0.0] * len(senders)

    def run(index: int) -> TimedAnswer:
        barrier.wait()
        starts[index] = time.perf_counter()
        answer = senders[index]()
        ends[index] = time.perf_counter()
        return answer

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        answers = list(pool.map(run, range(len(senders))))
    return max(ends) - min(starts), answers


def throughput(target: Target, sessions: int, rounds: int, max_tokens: int, maker: PhotoMaker) -> list[Row]:
    """P2 rows: output tok/s of `sessions` concurrent image chats, app path vs direct (median over rounds)."""
    client = target.client()
    model = target.endpoint.model
    app_sessions = [app_session(target.endpoint, Sampling(max_tokens, extra_body=FIXED_LENGTH))
                    for _ in range(sessions)]

    def app_senders(sampling: Sampling) -> list[Callable[[], TimedAnswer]]:
        prepared = [ImagePreparer(ImageLimits(max_pixels=APP_MAX_PIXELS)).prepare(maker.next("p2-app").path) for _ in range(sessions)]
        texts = [f"[{nonce()}] {PARAGRAPH}" for _ in range(sessions)]

        def sender(session: ChatSession, index: int) -> Callable[[], TimedAnswer]:
            def send() -> TimedAnswer:
                session.clear()
                session.sampling = sampling.for_app()
                return app_answer(session, texts[index], [prepared[index]])
            return send
        return [sender(session, index) for index, session in enumerate(app_sessions)]

    def direct_senders(sampling: Sampling) -> list[Callable[[], TimedAnswer]]:
        urls = [maker.next("p2-direct").data_url() for _ in range(sessions)]
        messages = [direct_messages([user_message(f"[{nonce()}] {PARAGRAPH}", [url])]) for url in urls]
        return [lambda chosen=chosen: direct_answer(client, model, chosen, sampling) for chosen in messages]

    warm = Sampling(max_tokens=16, extra_body=FIXED_LENGTH)  # batch shapes, on both sides, with other images
    _run_round(app_senders(warm))
    _run_round(direct_senders(warm))
    sampling = Sampling(max_tokens=max_tokens, extra_body=FIXED_LENGTH)
    speeds: dict[str, list[float]] = {"app": [], "direct": []}
    rounds_detail = []
    for index in range(rounds):
        order = ("app", "direct") if index % 2 == 0 else ("direct", "app")
        for side in order:
            senders = app_senders(sampling) if side == "app" else direct_senders(sampling)
            wall, answers = _run_round(senders)
            tokens = sum(answer.completion_tokens for answer in answers)
            speeds[side].append(tokens / wall)
            rounds_detail.append({
                "side": side, "round": index, "wall_s": round(wall, 3), "completion_tokens": tokens,
                "output_tok_s": round(tokens / wall, 1),
                "ttft_p50_s": round(statistics.median(answer.ttft_s for answer in answers), 4),
                "tpot_p50_ms": round(1000 * statistics.median(
                    [answer.tpot_s for answer in answers if answer.tpot_s is not None] or [0.0]), 3),
                "prompt_tokens_each": sorted({answer.prompt_tokens for answer in answers}),
            })
        target.log(f"P2: round {index + 1}/{rounds} done ({sessions} sessions per side)")
    target.details["p2_rounds"] = rounds_detail
    return [Row("p2_output_tok_s", f"P2 output tok/s, {sessions} concurrent image sessions, {max_tokens} out",
                "tok/s", summarize(speeds["app"]), summarize(speeds["direct"]), Goal("ratio_min", 0.98, ">= 0.98"),
                extra={"ignore_eos": True})]
