"""P1 through the web app's Gradio API (/chat, via gradio_client): the UI layer's cost on top of the chat path.

Only used when an app URL is given and gradio_client can be imported; the GPU host has neither, so the
benchmark prints why it skipped this instead. The app at that URL must be attached to the same engine
(e.g. `python app.py --endpoint BASE_URL --api-key KEY`).
"""

from __future__ import annotations

import importlib.util
import time

from bench.scenarios import P1_PROMPT, nonce
from bench.stats import Summary, scaled, summarize


def unavailable_reason(app_url: str | None) -> str:
    """Why the Gradio API cannot be measured here ('' when it can)."""
    if importlib.util.find_spec("gradio") is None or importlib.util.find_spec("gradio_client") is None:
        return "gradio / gradio_client are not installed on this host"
    if not app_url:
        return "no --app-url given (start `python app.py --endpoint <engine URL>` and pass its URL)"
    return ""


def gradio_ttft(app_url: str, repeats: int, timeout_s: float = 120.0) -> Summary:
    """TTFT in ms of /chat text answers: submit, wait for the first non-empty streamed output, cancel the rest."""
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    samples: list[float] = []
    for index in range(repeats + 1):  # the first is a warm-up
        started = time.perf_counter()
        job = client.submit(f"[{nonce()}] {P1_PROMPT}", [], [], api_name="/chat")
        first = None
        deadline = started + timeout_s
        while first is None and time.perf_counter() < deadline:
            outputs = job.outputs()
            if outputs and outputs[-1]:
                first = time.perf_counter()
            elif job.done():
                break
            else:
                time.sleep(0.001)
        job.cancel()
        if first is None:
            raise RuntimeError(f"/chat gave no text within {timeout_s:.0f} s: {job.status()}")
        if index:
            samples.append(first - started)
    return scaled(summarize(samples), 1000)
