"""The stand-in as vLLM (--flavor vllm): its start-up lines read by the supervisor's rules, its scripted failures
named, and vLLM's HTTP boundary (bodies, model card, reasoning deltas, usage, metrics, routes, media rules)."""

from __future__ import annotations

import base64
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from backend.engine.log_patterns import PhaseTracker, classify_failure, kv_cache_tokens
from backend.engine.status import Phase
from backend.plans.planner import PlanRequest, make_plan
from standin import REPO_ROOT, standin_plan
from tests.helpers import pick_free_port, wait_healthy
from tests.hostile_inputs import write_video

KEY = "vllm-key"
SERVED = "Qwen/Qwen3-VL-8B-Thinking"
CONTEXT = 8192


def vllm_argv(port: int, *extra: str, load_seconds: float = 0.0) -> list[str]:
    """`vllm serve`'s flags as the app's plan writes them, run as the stand-in."""
    return [sys.executable, "-m", "standin", "serve", "/models/Qwen3-VL-8B-Thinking", "--served-model-name", SERVED,
            "--host", "127.0.0.1", "--port", str(port), "--api-key", KEY, "--tensor-parallel-size", "1",
            "--max-model-len", str(CONTEXT), "--gpu-memory-utilization", "0.90", "--limit-mm-per-prompt",
            '{"image": 2, "video": 1}', "--reasoning-parser", "qwen3", "--tool-call-parser", "qwen",
            "--enable-auto-tool-choice", "--load-seconds", str(load_seconds), "--tpot-ms", "1", *extra]


def run_to_exit(*extra: str) -> tuple[int, list[str]]:
    """Run a stand-in that is scripted to fail; its exit status and output lines (tqdm's \\r split as lines)."""
    done = subprocess.run(vllm_argv(pick_free_port(), *extra), cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=30)
    return done.returncode, (done.stdout + done.stderr).replace("\r", "\n").splitlines()


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("allowed")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, media_dir: Path) -> Iterator[tuple[str, Path]]:
    """A ready vLLM stand-in; yields its base URL and the file its output went to."""
    port = pick_free_port()
    log = tmp_path_factory.mktemp("log") / "engine.log"
    with log.open("wb") as output:
        proc = subprocess.Popen(vllm_argv(port, "--allowed-local-media-path", str(media_dir), load_seconds=0.3),
                                cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url)
        yield base_url, log
    finally:
        proc.kill()
        proc.wait(10)


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def png_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def chat(base_url: str, urls: list[str], **fields: object) -> httpx.Response:
    content = [{"type": "image_url", "image_url": {"url": url}} for url in urls] + [{"type": "text", "text": "Hi?"}]
    body = {"model": SERVED, "messages": [{"role": "user", "content": content}], "max_tokens": 64, **fields}
    return httpx.post(base_url + "/v1/chat/completions", json=body, headers=auth(), timeout=30)


def test_its_start_up_walks_the_supervisors_phases(engine: tuple[str, Path]) -> None:
    lines = engine[1].read_text().replace("\r", "\n").splitlines()
    tracker = PhaseTracker()
    seen = [update.phase for line in lines if (update := tracker.feed(line)) is not None]
    assert list(dict.fromkeys(seen)) == [Phase.LOADING_WEIGHTS, Phase.KV_CACHE, Phase.CUDA_GRAPHS, Phase.WARMING_UP]
    assert kv_cache_tokens(lines) == 1_012_345


def test_its_lines_carry_vllms_prefix_and_hide_the_key(engine: tuple[str, Path]) -> None:
    text = engine[1].read_text()
    assert "(EngineCore pid=" in text and "] Loading model from scratch..." in text
    assert "'api_key': '***'" in text and KEY not in text


def test_the_port_refuses_connections_until_the_engine_is_up() -> None:
    port = pick_free_port()
    proc = subprocess.Popen(vllm_argv(port, load_seconds=1.5), cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
        wait_healthy(f"http://127.0.0.1:{port}")
    finally:
        proc.kill()
        proc.wait(10)


def test_a_taken_port_fails_at_once_as_vllm_does() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = subprocess.run(vllm_argv(taken.getsockname()[1]), cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=30)
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and lines[-1].endswith("OSError: [Errno 98] Address already in use")
    assert classify_failure(lines, done.returncode, engine="vllm").kind == "port_in_use"


def test_an_sglang_flag_is_refused_by_argparse() -> None:
    status, lines = run_to_exit("--tp-size", "2")
    assert status == 2 and "vllm serve: error: unrecognized arguments: --tp-size 2" in lines
    assert classify_failure(lines, status, engine="vllm").kind == "invalid_argument"


@pytest.mark.parametrize(
    ("failure", "kind", "detail"),
    [
        ("kvcache", "kv_cache_too_small", "To serve at least one request with the model's max seq len (8192)"),
        ("busygpu", "gpu_memory_taken", "Free memory on device cuda:0 (31.44/79.19 GiB)"),
        ("arch", "unsupported_model", "Model architectures ['Qwen9VLForConditionalGeneration']"),
        ("oom", "oom", "torch.OutOfMemoryError: CUDA out of memory"),
        ("argument", "invalid_argument", "vllm serve: error: argument --tensor-parallel-size/-tp"),
        ("gated", "model_gated", "GatedRepoError"),
    ],
)
def test_scripted_failures_are_named_from_their_root_cause(failure: str, kind: str, detail: str) -> None:
    status, lines = run_to_exit("--fail-at-start", failure)
    cause = classify_failure(lines, status, engine="vllm")
    assert status != 0 and cause.kind == kind
    assert detail in cause.evidence


def test_the_kv_cache_failure_suggests_vllms_estimate() -> None:
    status, lines = run_to_exit("--fail-at-start", "kvcache")
    cause = classify_failure(lines, status, engine="vllm")
    assert "2048" in cause.suggestion  # the stand-in estimates a quarter of 8192


def test_a_missing_media_folder_stops_the_start() -> None:
    status, lines = run_to_exit("--allowed-local-media-path", "/no/such/folder")
    assert status == 1 and "Invalid `--allowed-local-media-path`: The path /no/such/folder does not exist." in lines[-1]
    assert classify_failure(lines, status, engine="vllm").kind == "invalid_argument"


def test_the_model_card_is_vllms(engine: tuple[str, Path]) -> None:
    card = httpx.get(engine[0] + "/v1/models", headers=auth()).json()["data"][0]
    assert (card["id"], card["owned_by"], card["max_model_len"]) == (SERVED, "vllm", CONTEXT)
    assert card["root"] == "/models/Qwen3-VL-8B-Thinking" and card["permission"][0]["object"] == "model_permission"


@pytest.mark.parametrize("path", ["/get_model_info", "/get_server_info", "/model_info", "/health_generate",
                                  "/flush_cache"])
def test_sglang_only_routes_are_not_found(engine: tuple[str, Path], path: str) -> None:
    assert httpx.get(engine[0] + path, headers=auth()).status_code == 404


def test_version_answers(engine: tuple[str, Path]) -> None:
    assert httpx.get(engine[0] + "/version").json() == {"version": "0.34.0"}


def test_a_local_file_outside_the_allowed_folder_is_refused_in_vllms_body(engine: tuple[str, Path], media_dir: Path,
                                                                            tmp_path: Path) -> None:
    outside = tmp_path / "photo.png"
    Image.new("RGB", (32, 32)).save(outside)
    reply = chat(engine[0], [outside.as_uri()])
    assert reply.status_code == 400
    message = f"The file path {outside} must be a subpath of `--allowed-local-media-path {media_dir.resolve()}`."
    assert reply.json() == {"error": {"message": message, "type": "BadRequestError", "param": None, "code": 400}}


def test_a_local_file_inside_the_allowed_folder_is_read(engine: tuple[str, Path], media_dir: Path) -> None:
    inside = media_dir / "photo.png"
    Image.new("RGB", (32, 32)).save(inside)
    assert chat(engine[0], [inside.as_uri()]).status_code == 200


def test_without_the_flag_a_file_url_gets_vllms_refusal() -> None:
    port = pick_free_port()
    proc = subprocess.Popen(vllm_argv(port), cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        reply = chat(f"http://127.0.0.1:{port}", ["file:///etc/hostname"])
    finally:
        proc.kill()
        proc.wait(10)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == "Cannot load local files without `--allowed-local-media-path`."


def test_more_images_than_the_limit_are_refused(engine: tuple[str, Path]) -> None:
    reply = chat(engine[0], [png_url()] * 3)
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == "At most 2 image(s) may be provided in one prompt."


def test_a_prompt_longer_than_max_model_len_gets_vllms_message(engine: tuple[str, Path]) -> None:
    body = {"model": SERVED, "messages": [{"role": "user", "content": "word " * 20000}]}
    reply = httpx.post(engine[0] + "/v1/chat/completions", json=body, headers=auth(), timeout=30)
    assert reply.status_code == 400
    assert "is longer than the maximum model length of 8192" in reply.json()["error"]["message"]


def test_reasoning_streams_in_the_reasoning_field_with_usage_last(engine: tuple[str, Path]) -> None:
    reply = chat(engine[0], [png_url()], stream=True, stream_options={"include_usage": True}, max_tokens=4096)
    chunks = [json.loads(line[6:]) for line in reply.text.splitlines()
              if line.startswith("data: ") and line != "data: [DONE]"]
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks if chunk["choices"]]
    assert any(delta.get("reasoning") for delta in deltas) and any(delta.get("content") for delta in deltas)
    assert not any("reasoning_content" in delta for delta in deltas)
    assert chunks[-1]["choices"] == [] and set(chunks[-1]["usage"]) == {"prompt_tokens", "total_tokens",
                                                                          "completion_tokens"}


def test_image_tokens_are_reported_only_when_asked_for() -> None:
    port = pick_free_port()
    proc = subprocess.Popen(vllm_argv(port, "--enable-prompt-tokens-details"), cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        usage = chat(f"http://127.0.0.1:{port}", [png_url()], max_tokens=4096).json()["usage"]
    finally:
        proc.kill()
        proc.wait(10)
    assert usage["prompt_tokens_details"]["multimodal_tokens"]["image"] > 0


def test_a_whole_answer_keeps_reasoning_apart(engine: tuple[str, Path]) -> None:
    reply = chat(engine[0], [png_url()], max_tokens=4096).json()
    message = reply["choices"][0]["message"]
    assert message["reasoning"] and message["content"] and "reasoning_content" not in message
    assert "prompt_tokens_details" not in reply["usage"]


def test_metrics_use_vllms_names(engine: tuple[str, Path]) -> None:
    chat(engine[0], [png_url()])
    text = httpx.get(engine[0] + "/metrics").text
    samples = {sample.name: sample for family in text_string_to_metric_families(text) for sample in family.samples}
    assert {"vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
            "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total"} <= set(samples)
    assert samples["vllm:prompt_tokens_total"].value > 0
    assert samples["vllm:num_requests_running"].labels == {"model_name": SERVED, "engine": "0"}
    assert "sglang:" not in text


def test_a_vllm_plan_runs_as_the_stand_in() -> None:
    plan = make_plan(PlanRequest(model="7B", hardware="H100", engine="vllm"))
    port = pick_free_port()
    argv = list(standin_plan(plan, load_seconds=0.1).argv)
    argv[argv.index("--port") + 1] = str(port)
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        card = httpx.get(f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {plan.api_key}"})
    finally:
        proc.kill()
        proc.wait(10)
    assert argv[1:4] == ["-m", "standin", "serve"] and card.json()["data"][0]["owned_by"] == "vllm"


def test_the_supervisor_takes_a_vllm_plan_through_the_phases_to_ready(supervisor, free_port: int) -> None:
    plan = make_plan(PlanRequest(model="7B", hardware="H100", engine="vllm", port=free_port, api_key="k" + KEY))
    supervisor.launch(standin_plan(plan, load_seconds=0.3, tpot_ms=2))
    status = supervisor.wait_ready(30)
    assert status.phase == Phase.READY, (status.message, status.log_tail[-5:])
    assert [mark.phase for mark in status.phase_marks] == [
        Phase.STARTING, Phase.LOADING_WEIGHTS, Phase.KV_CACHE, Phase.CUDA_GRAPHS, Phase.WARMING_UP, Phase.READY]


def test_the_supervisor_names_a_vllm_start_failure(supervisor, free_port: int) -> None:
    plan = make_plan(PlanRequest(model="7B", hardware="H100", engine="vllm", port=free_port, api_key="k" + KEY))
    supervisor.launch(standin_plan(plan, load_seconds=0.1, fail_at_start="kvcache"))
    status = supervisor.wait_ready(30)
    assert status.phase == Phase.FAILED and status.cause is not None
    assert status.cause.kind == "kv_cache_too_small" and "32000" in status.cause.suggestion


@pytest.mark.parametrize(("seconds", "fps", "asked", "frames"), [
    (10, 25.0, {}, 20),  # the Qwen loader's 2 a second
    (10, 25.0, {"num_frames": 8}, 20),  # num_frames is not read by the Qwen loader
    (4, 25.0, {"num_frames": -1, "fps": 30}, 100),  # every frame when asked for 30 a second
])
def test_a_video_is_sampled_as_vllms_qwen_loader_does(engine: tuple[str, Path], media_dir: Path, seconds: int,
                                                       fps: float, asked: dict, frames: int) -> None:
    clip = write_video(media_dir / f"clip-{seconds}-{len(asked)}.mp4", frames=int(seconds * fps), fps=fps,
                       size=(64, 48))
    body = {"model": SERVED, "max_tokens": 8, "media_io_kwargs": {"video": asked},
            "messages": [{"role": "user", "content": [{"type": "video_url", "video_url": {"url": clip.as_uri()}},
                                                      {"type": "text", "text": "Hi?"}]}]}
    reply = httpx.post(engine[0] + "/v1/chat/completions", json=body, headers=auth(), timeout=60)
    assert reply.status_code == 200, reply.text
    [received] = httpx.get(engine[0] + "/standin/stats", timeout=5).json()["last_videos"]
    assert received["frames"] == frames


def test_an_engine_error_with_no_words_points_to_the_servers_log(engine: tuple[str, Path]) -> None:
    # vLLM 0.26.0 on an H100 (2026-12-08): its engine raised on a schema request and the stream carried an error with
    # an empty message, which the openai SDK words as "An error occurred during streaming"
    from backend.chat.session import ChatSession
    from backend.endpoint import Endpoint

    session = ChatSession(Endpoint(engine[0], KEY, SERVED, family="qwen3-vl", engine_name="vllm"))
    final = list(session.send("__engine_error__ Describe."))[-1]
    assert final.error_kind == "RequestFailed" and session.turns[-1].answer == ""
    assert final.error == ("The server ended the answer with an error it did not describe; the server's log names "
                           "the cause. Regenerate to try again.")
