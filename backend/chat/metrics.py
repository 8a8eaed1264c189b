"""Per-answer figures: time to first token, decode speed, prompt tokens split into text and vision."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AnswerMetrics:
    """What one answer cost and how fast it came."""

    ttft_s: float | None  # request sent -> first text (a thinking model's reasoning, else the answer)
    total_s: float
    completion_tokens: int
    tokens_per_s: float | None  # completion tokens over the time after the first one
    prompt_tokens: int | None  # as the server reported (None if it sent no usage)
    vision_tokens: int  # sum of (h/28)(w/28) over the media sent, from our own resize
    text_tokens: int | None  # prompt_tokens - vision_tokens
    server_vision_tokens: int | None  # image + video tokens the server reported, when it does
    cached_tokens: int | None  # prompt tokens served from the prefix cache, when reported
    finish_reason: str | None  # "stop", "length", ... (None when stopped or interrupted)
    usage_reported: bool  # False: completion_tokens counts streamed chunks instead


class AnswerClock:
    """Collects timings and usage while one answer streams."""

    def __init__(self, vision_tokens: int) -> None:
        self.vision_tokens = vision_tokens
        self.started = time.perf_counter()
        self.first_text_at: float | None = None
        self.text_chunks = 0
        self.usage: Any = None
        self.finish_reason: str | None = None

    def saw_text(self) -> None:
        """Note a chunk that carried text (reasoning or answer)."""
        self.text_chunks += 1
        if self.first_text_at is None:
            self.first_text_at = time.perf_counter()

    def metrics(self) -> AnswerMetrics:
        """The figures so far (final once the stream ended)."""
        now = time.perf_counter()
        usage = self.usage
        completion = int(getattr(usage, "completion_tokens", 0) or 0) if usage else self.text_chunks
        prompt = int(usage.prompt_tokens) if usage and usage.prompt_tokens is not None else None
        details = getattr(usage, "prompt_tokens_details", None) if usage else None
        server_vision = _reported_vision(details)
        decode_s = now - self.first_text_at if self.first_text_at is not None else 0.0
        speed = (completion - 1) / decode_s if completion > 1 and decode_s > 0 else None
        return AnswerMetrics(
            ttft_s=self.first_text_at - self.started if self.first_text_at is not None else None,
            total_s=now - self.started,
            completion_tokens=completion,
            tokens_per_s=speed,
            prompt_tokens=prompt,
            vision_tokens=self.vision_tokens,
            # a server whose usage counts fewer prompt tokens than the images alone cost says nothing usable here
            text_tokens=prompt - self.vision_tokens if prompt is not None and prompt >= self.vision_tokens else None,
            server_vision_tokens=server_vision,
            cached_tokens=getattr(details, "cached_tokens", None) if details is not None else None,
            finish_reason=self.finish_reason,
            usage_reported=usage is not None,
        )


def _reported_vision(details: Any) -> int | None:
    """Image and video tokens from prompt_tokens_details (extra fields to the openai SDK): SGLang's image_tokens
    and video_tokens, or vLLM's multimodal_tokens {"image": n, "video": m} (with --enable-prompt-tokens-details)."""
    if details is None:
        return None
    values = [getattr(details, name, None) for name in ("image_tokens", "video_tokens")]
    by_modality = getattr(details, "multimodal_tokens", None)
    if isinstance(by_modality, dict):
        values += [by_modality.get(name) for name in ("image", "video")]
    present = [int(value) for value in values if isinstance(value, (int, float))]
    return sum(present) if present else None


def format_metrics(metrics: AnswerMetrics) -> str:
    """One line for the UI, e.g. 'TTFT 0.42 s · 38.1 tok/s · 812 prompt tokens (1196 vision + ...)'."""
    parts = []
    if metrics.ttft_s is not None:
        parts.append(f"TTFT {metrics.ttft_s:.2f} s")
    if metrics.tokens_per_s is not None:
        parts.append(f"{metrics.tokens_per_s:.1f} tok/s")
    parts.append(f"{metrics.completion_tokens} answer tokens")
    if metrics.prompt_tokens is not None:
        split = f" ({metrics.text_tokens} text + {metrics.vision_tokens} vision)" \
            if metrics.vision_tokens and metrics.text_tokens is not None else ""
        parts.append(f"{metrics.prompt_tokens} prompt tokens{split}")
    if metrics.cached_tokens:
        parts.append(f"{metrics.cached_tokens} cached")
    return " · ".join(parts)


def metrics_json(metrics: AnswerMetrics | None) -> dict[str, Any]:
    """What the answer cost; counts the server did not report are left out, never made up."""
    if metrics is None:
        return {}
    values: dict[str, Any] = {
        "ttft_s": round(metrics.ttft_s, 4) if metrics.ttft_s is not None else None,
        "tokens_per_s": round(metrics.tokens_per_s, 2) if metrics.tokens_per_s is not None else None,
        "total_s": round(metrics.total_s, 4),
        "completion_tokens": metrics.completion_tokens,
        "prompt_tokens": metrics.prompt_tokens,
        "text_tokens": metrics.text_tokens,
        "vision_tokens": metrics.vision_tokens,
        "cached_tokens": metrics.cached_tokens,
        "finish_reason": metrics.finish_reason,
    }
    return {key: value for key, value in values.items() if value is not None}
