"""Talking to a running engine from the supervisor: health probes, the model list, the warm-up request."""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass

import httpx

from backend.endpoint import Endpoint, bearer_headers

WARMUP_PROMPT = "What colour is the square in this picture? Answer in one word."


@dataclass(frozen=True)
class HealthProbe:
    """One health probe: the HTTP status (None when nothing answered) and what went wrong."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        """True on HTTP 200."""
        return self.status == 200


@dataclass(frozen=True)
class WarmupResult:
    """What the warm-up request got back."""

    seconds: float
    text: str
    prompt_tokens: int


class WarmupFailed(Exception):
    """The warm-up request did not complete."""


def probe(base_url: str, path: str = "/health", api_key: str = "", timeout_s: float = 2.0) -> HealthProbe:
    """GET base_url+path once; never raises."""
    try:
        response = httpx.get(base_url.rstrip("/") + path, headers=bearer_headers(api_key), timeout=timeout_s)
    except httpx.HTTPError as error:
        return HealthProbe(None, f"{type(error).__name__}: {error}")
    return HealthProbe(response.status_code, "" if response.status_code == 200 else response.text[:200])


def probe_liveness(base_url: str, api_key: str = "", timeout_s: float = 2.0) -> HealthProbe:
    """/health, or /v1/models for servers that have no /health (hosted OpenAI-compatible APIs)."""
    result = probe(base_url, "/health", api_key, timeout_s)
    if result.status in (404, 405):
        return probe(base_url, "/v1/models", api_key, timeout_s)
    return result


def served_models(base_url: str, api_key: str = "", timeout_s: float = 5.0) -> list[str]:
    """The model ids GET /v1/models lists (empty when the call fails)."""
    try:
        response = httpx.get(base_url.rstrip("/") + "/v1/models", headers=bearer_headers(api_key), timeout=timeout_s)
        response.raise_for_status()
        return [str(card["id"]) for card in response.json().get("data", [])]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError):
        return []


# The first request of each image size class compiles/tunes vision kernels (seen on an H100: a 1280x720 image
# after a 56x56-only warm-up still took 2.6 s to a first token), so warm up with a tiny and a typical photo.
WARMUP_SIZES = ((56, 56), (1288, 728))


def warmup_image_data_url(size: int | tuple[int, int] = 56) -> str:
    """A PNG (a red square on blue) of `size` pixels (one side or (width, height)) as a data URL."""
    from PIL import Image, ImageDraw

    width, height = (size, size) if isinstance(size, int) else size
    image = Image.new("RGB", (width, height), (20, 40, 160))
    ImageDraw.Draw(image).rectangle([width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(220, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def warm_up(endpoint: Endpoint, timeout_s: float = 600.0, max_tokens: int = 8) -> WarmupResult:
    """Send streamed text + image requests (WARMUP_SIZES) so the first real user does not pay for them."""
    import openai

    client = openai.OpenAI(
        base_url=endpoint.api_base, api_key=endpoint.api_key or "none", timeout=timeout_s, max_retries=0
    )
    started = time.monotonic()
    parts: list[str] = []
    prompt_tokens = 0
    try:
        for size in WARMUP_SIZES:
            parts, prompt_tokens = _warmup_request(client, endpoint.model, size, max_tokens)
    except openai.OpenAIError as error:
        raise WarmupFailed(f"{type(error).__name__}: {error}") from error
    finally:
        client.close()
    return WarmupResult(time.monotonic() - started, "".join(parts), prompt_tokens)


def _warmup_request(client, model: str, size: tuple[int, int], max_tokens: int) -> tuple[list[str], int]:
    parts: list[str] = []
    prompt_tokens = 0
    stream = client.chat.completions.create(
        model=model,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": warmup_image_data_url(size)}},
                    {"type": "text", "text": WARMUP_PROMPT},
                ],
            }
        ],
        max_tokens=max_tokens,
        temperature=0.0,
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            prompt_tokens = chunk.usage.prompt_tokens
    return parts, prompt_tokens
