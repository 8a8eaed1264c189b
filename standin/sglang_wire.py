"""SGLang's wire format as the stand-in writes it: error bodies, server-sent events, stream chunks, usage
(sglang/srt/entrypoints/openai protocol.py, serving_base.py, sse_utils.py, usage_processor.py)."""

from __future__ import annotations

import json

from standin.media import MediaItem


def error_body(status: int, message: str, err_type: str) -> dict:
    """SGLang's ErrorResponse.model_dump()."""
    return {"object": "error", "message": message, "type": err_type, "param": None, "code": status}


def sse(payload: dict) -> bytes:
    """One server-sent event as SGLang writes it."""
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def stream_chunk(chunk_id: str, created: int, model: str, *, role: str | None = None, content: str | None = None,
                 finish_reason: str | None = None, matched_stop: int | None = None,
                 reasoning: str | None = None) -> dict:
    """sse_utils.build_sse_content: delta keeps reasoning_content (null unless set); role/content only when set."""
    delta: dict = {"reasoning_content": reasoning}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason,
              "matched_stop": matched_stop}
    return {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice]}


def usage_info(prompt: int, completion: int, media: list[MediaItem]) -> dict:
    """UsageInfo as UsageProcessor.calculate_token_usage fills it (details only when media was sent)."""
    image_tokens = sum(item.tokens for item in media if item.kind == "image")
    video_tokens = sum(item.tokens for item in media if item.kind == "video")
    details = None
    if image_tokens or video_tokens:
        details = {"cached_tokens": 0}
        if image_tokens:
            details["image_tokens"] = image_tokens
        if video_tokens:
            details["video_tokens"] = video_tokens
    return {"prompt_tokens": prompt, "total_tokens": prompt + completion, "completion_tokens": completion,
            "prompt_tokens_details": details, "reasoning_tokens": 0, "completion_tokens_details": None}
