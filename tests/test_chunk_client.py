"""The chat's openai client reads streamed chunks with pydantic's validator, and the SDK's lenient way where that
refuses one: every field an engine sends arrives either way."""

from __future__ import annotations

import json

import httpx

from backend.chat.transport import ChunkClient

# as SGLang and vLLM stream them: engine-specific fields beside the SDK's, reasoning in its own field
CHUNKS = [
    {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "", "reasoning_content": "Look first."},
                  "logprobs": None, "finish_reason": None, "matched_stop": None}]},
    {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [{"index": 0, "delta": {"content": "A cat."}, "logprobs": None, "finish_reason": None,
                  "stop_reason": None, "token_ids": None}], "prompt_token_ids": None},
    # a finish reason the SDK's types do not list (SGLang says "abort" for a request it dropped)
    {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "abort"}]},
    {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [],
     "usage": {"prompt_tokens": 1230, "completion_tokens": 3, "total_tokens": 1233,
               "prompt_tokens_details": {"cached_tokens": 1200}}},
]


def streamed(chunks: list[dict]) -> httpx.MockTransport:
    body = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
    return httpx.MockTransport(lambda request: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=body.encode()))


def test_streamed_chunks_keep_every_field_an_engine_sends() -> None:
    client = ChunkClient(base_url="http://engine/v1", api_key="k", http_client=httpx.Client(transport=streamed(CHUNKS)))
    chunks = list(client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}],
                                                 stream=True))
    assert [chunk.choices[0].delta.content for chunk in chunks[:2]] == ["", "A cat."]
    assert chunks[0].choices[0].delta.model_extra == {"reasoning_content": "Look first."}
    assert chunks[1].model_extra == {"prompt_token_ids": None}
    assert chunks[2].choices[0].finish_reason == "abort"  # refused by the typed model, read leniently
    assert chunks[3].usage.prompt_tokens == 1230 and chunks[3].usage.prompt_tokens_details.cached_tokens == 1200
