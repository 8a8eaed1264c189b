"""The stand-in engine on its own: SGLang's routes, chunk format, token counts, error bodies, aborts."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import openai
import pytest
from PIL import Image

from standin import REPO_ROOT
from tests.helpers import pick_free_port, standin_stats, wait_healthy

API_KEY = "standin-key"
SERVED = "qwen-test"
CONTEXT = 4096


def start_standin(*extra: str, load_seconds: float = 0.0) -> tuple[subprocess.Popen[bytes], str]:
    """Run `python -m standin` directly (no supervisor) and return the process and its base URL."""
    port = pick_free_port()
    argv = [sys.executable, "-m", "standin", "--model-path", "Qwen/Qwen2.5-VL-7B-Instruct",
            "--served-model-name", SERVED, "--port", str(port), "--api-key", API_KEY, "--context-length",
            str(CONTEXT), "--enable-metrics", "--tp-size", "1", "--mem-fraction-static", "0.8",  # sglang flags
            "--load-seconds", str(load_seconds), "--tpot-ms", "2", *extra]
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ready stand-in for this module (scripted answers with a placeholder); yields its base URL."""
    script = tmp_path_factory.mktemp("standin") / "answers.json"
    script.write_text(json.dumps([{"match": "(?i)where is the corner", "answer": "[{input_w}, {input_h}]"}]))
    proc, base_url = start_standin("--script", str(script))
    try:
        wait_healthy(base_url)
        yield base_url
    finally:
        proc.kill()
        proc.wait()


def client_for(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url + "/v1", api_key=API_KEY, max_retries=0)


def png_data_url(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 50, 50)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def image_message(url: str, text: str) -> list[dict]:
    parts = [{"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": text}]
    return [{"role": "user", "content": parts}]


def stream_text(base_url: str, messages: list[dict], max_tokens: int = 16) -> tuple[str, object]:
    chunks = list(client_for(base_url).chat.completions.create(
        model=SERVED, messages=messages, max_tokens=max_tokens, stream=True, stream_options={"include_usage": True}))
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices), chunks[-1].usage


def test_health_is_503_while_loading() -> None:
    proc, base_url = start_standin(load_seconds=60)
    try:
        deadline = time.monotonic() + 20
        status = None
        while status is None and time.monotonic() < deadline:
            try:
                status = httpx.get(base_url + "/health", timeout=1).status_code
            except httpx.ConnectError:
                time.sleep(0.05)
        assert status == 503
    finally:
        proc.kill()
        proc.wait()


def test_models_need_the_api_key(standin: str) -> None:
    refused = httpx.get(standin + "/v1/models", timeout=5)
    assert (refused.status_code, refused.json()) == (401, {"error": "Unauthorized"})
    models = client_for(standin).models.list()
    assert [model.id for model in models.data] == [SERVED]
    assert models.data[0].max_model_len == CONTEXT  # type: ignore[attr-defined]


def test_image_tokens_follow_smart_resize(standin: str) -> None:
    text, usage = stream_text(standin, image_message(png_data_url(1280, 720), "Describe it."))
    assert text.startswith("Stand-in saw 1 image: 1288x728 (1196 tokens).")
    assert usage.prompt_tokens_details.image_tokens == 1196  # type: ignore[union-attr]
    assert usage.prompt_tokens > 1196  # type: ignore[union-attr]


def test_exif_orientation_is_applied_before_sizing(standin: str, tmp_path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90: a 560x280 file shows as 280x560
    Image.new("RGB", (560, 280), (0, 0, 0)).save(path, exif=exif)
    text, _ = stream_text(standin, image_message(str(path), "Describe it."))
    assert text.startswith("Stand-in saw 1 image: 280x560 (200 tokens).")


def test_detect_prompt_gets_a_box_in_model_input_pixels(standin: str) -> None:
    text, _ = stream_text(standin, image_message(png_data_url(1280, 720), "Detect the object."), max_tokens=200)
    assert text == '```json\n[\n\t{"bbox_2d": [322, 182, 966, 546], "label": "object"}\n]\n```'


def test_point_prompt_gets_the_centre(standin: str) -> None:
    text, _ = stream_text(standin, image_message(png_data_url(1280, 720), "Point at it."), max_tokens=200)
    points = json.loads(text.removeprefix("```json\n").removesuffix("\n```"))
    assert points == [{"point_2d": [644, 364], "label": "center"}]


def test_scripted_answer_fills_in_the_input_size(standin: str) -> None:
    text, _ = stream_text(standin, image_message(png_data_url(640, 480), "Where is the corner?"), max_tokens=200)
    assert text == "[644, 476]"


def test_video_tokens_use_two_frames_per_second(standin: str, tmp_path) -> None:
    import cv2
    import numpy as np

    path = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 360))
    for index in range(40):
        writer.write(np.full((360, 640, 3), index * 5, np.uint8))
    writer.release()
    url = "data:video/mp4;base64," + base64.b64encode(path.read_bytes()).decode()
    messages = [{"role": "user", "content": [{"type": "video_url", "video_url": {"url": url}},
                                             {"type": "text", "text": "What happens?"}]}]
    text, usage = stream_text(standin, messages)
    assert text.startswith("Stand-in saw 1 video: 644x364, 8 frames (1196 tokens).")
    assert usage.prompt_tokens_details.video_tokens == 1196  # type: ignore[union-attr]


def test_undecodable_image_gets_sglangs_400_body(standin: str) -> None:
    body = {"model": SERVED, "messages": image_message("data:image/png;base64,bm90IGFuIGltYWdl", "hi"), "stream": True}
    response = httpx.post(standin + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 400
    error = response.json()
    assert {key: error[key] for key in ("object", "type", "param", "code")} == {
        "object": "error", "type": "BadRequestError", "param": None, "code": 400}
    assert error["message"].startswith(
        "An exception occurred while loading IMAGE data at index 0: Could not decode image")


def test_undecodable_image_is_a_500_in_sglang_0_5_16_mode() -> None:
    proc, base_url = start_standin("--compat", "0.5.16")
    try:
        wait_healthy(base_url)
        with pytest.raises(openai.InternalServerError) as caught:
            client_for(base_url).chat.completions.create(
                model=SERVED, messages=image_message("data:image/png;base64,bm90IGFuIGltYWdl", "hi"))
    finally:
        proc.kill()
        proc.wait()
    assert caught.value.status_code == 500
    assert "Internal server error: An exception occurred while loading IMAGE data at index 0" in str(caught.value)


def test_too_long_prompt_gets_a_400(standin: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client_for(standin).chat.completions.create(
            model=SERVED, messages=[{"role": "user", "content": "word " * CONTEXT}], stream=True)
    assert re.search(rf"The input \(\d+ tokens\) is longer than the model's context length \({CONTEXT} tokens\)\.",
                     str(caught.value))


def test_closing_the_stream_aborts_the_request(standin: str) -> None:
    before = standin_stats(standin)
    stream = client_for(standin).chat.completions.create(
        model=SERVED, messages=[{"role": "user", "content": "Talk for a while."}], max_tokens=2000, stream=True)
    for index, _chunk in enumerate(stream):
        if index == 3:
            break
    stream.close()
    deadline = time.monotonic() + 10
    while standin_stats(standin)["aborted"] == before["aborted"] and time.monotonic() < deadline:
        time.sleep(0.05)
    after = standin_stats(standin)
    assert after["aborted"] == before["aborted"] + 1
    assert after["active"] == 0
    assert after["completed"] == before["completed"]


def test_non_streamed_answer_has_sglangs_fields(standin: str) -> None:
    response = httpx.post(standin + "/v1/chat/completions", headers={"Authorization": f"Bearer {API_KEY}"},
                          json={"model": SERVED, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 6})
    body = response.json()
    assert response.status_code == 200 and body["object"] == "chat.completion"
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length" and choice["matched_stop"] is None
    assert set(choice["message"]) == {"role", "content", "reasoning_content"}
    assert body["usage"]["completion_tokens"] == 6 and body["usage"]["prompt_tokens_details"] is None


def test_metrics_are_prometheus_text(standin: str) -> None:
    text = httpx.get(standin + "/metrics", timeout=5).text
    assert re.search(r'^sglang:num_requests_total\{model_name="qwen-test"\} \d+\.0$', text, re.MULTILINE)


def test_a_taken_port_fails_like_uvicorn(standin: str) -> None:
    port = int(standin.rsplit(":", 1)[1])
    result = subprocess.run([sys.executable, "-m", "standin", "--port", str(port)], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "error while attempting to bind on address ('127.0.0.1', " in result.stdout
    assert "address already in use" in result.stdout


def test_chunks_match_sglangs_own_serializer(standin: str) -> None:
    pytest.importorskip("sglang")
    from sglang.srt.entrypoints.openai.protocol import ChatCompletionStreamResponse, UsageInfo
    from sglang.srt.entrypoints.openai.sse_utils import build_sse_content

    body = {"model": SERVED, "messages": image_message(png_data_url(64, 64), "hi"), "max_tokens": 3, "stream": True,
            "stream_options": {"include_usage": True}}
    with httpx.stream("POST", standin + "/v1/chat/completions", json=body,
                      headers={"Authorization": f"Bearer {API_KEY}"}) as response:
        events = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in events[:-1]]
    first, content, finish, usage = chunks[0], chunks[1], chunks[-2], chunks[-1]
    common = {"chunk_id": first["id"], "created": first["created"], "model": SERVED, "index": 0}
    expected_first = build_sse_content(**common, role="assistant", content="")
    expected_content = build_sse_content(**common, content=content["choices"][0]["delta"]["content"])
    expected_finish = build_sse_content(**common, finish_reason="length")
    assert "data: " + json.dumps(first, separators=(",", ":")) == expected_first.strip()
    assert "data: " + json.dumps(content, separators=(",", ":")) == expected_content.strip()
    assert "data: " + json.dumps(finish, separators=(",", ":")) == expected_finish.strip()
    expected_usage = ChatCompletionStreamResponse(id=first["id"], created=first["created"], model=SERVED, choices=[],
                                                  usage=UsageInfo(**usage["usage"]))
    assert json.loads(expected_usage.model_dump_json()) == usage


def test_the_shared_endpoint_fixture_serves_scripted_answers(standin_endpoint) -> None:
    client = openai.OpenAI(base_url=standin_endpoint.api_base, api_key=standin_endpoint.api_key, max_retries=0)
    reply = client.chat.completions.create(
        model=standin_endpoint.model, messages=image_message(png_data_url(64, 64), "What is in this picture?"))
    assert reply.choices[0].message.content == "A red square on a blue background."
