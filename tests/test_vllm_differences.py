"""What the app does differently when vLLM answers: its error bodies and words, its video sampling, its load
gauges, how an attached one is recognised, and the program that starts it. Messages are vLLM 0.34.0's own
(file:line given at each)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import openai
import pytest

from backend.chat.errors import BadMedia, ContextTooLong, RequestFailed, explain, server_message
from backend.endpoint import Endpoint
from backend.engine.process_tree import process_create_time, running_with_cmdline
from backend.engine.status import FailureKind
from backend.engine.supervisor import Supervisor, missing_program, with_program
from backend.engines import SGLANG, VLLM, engine_for_owner, get_engine, vllm_program
from backend.plans.planner import PlanRequest, make_plan
from tests.helpers import TEST_SETTINGS, wait_until


def vllm_error(status: int, message: str, kind: str = "BadRequestError") -> openai.APIStatusError:
    """An error as the openai SDK raises it for vLLM's body (vllm/entrypoints/serve/engine/protocol.py
    ErrorResponse: {"error": {"message", "type", "param", "code"}})."""
    body = {"error": {"message": message, "type": kind, "param": None, "code": status}}
    request = httpx.Request("POST", "http://127.0.0.1:8000/v1/chat/completions")
    response = httpx.Response(status, json=body, request=request)
    return openai.APIStatusError(message, response=response, body=body["error"])


def test_the_message_of_a_vllm_error_body_is_read():
    error = vllm_error(400, "The model does not support video input.")
    assert server_message(error) == "The model does not support video input."


def test_a_prompt_over_vllms_context_is_told_in_tokens():
    # vllm/renderers/params.py:544
    message = ("This model's maximum context length is 32768 tokens. However, your prompt contains 40125 input "
               "tokens, which exceeds this limit even without any output tokens. Please reduce the length of the "
               "input prompt.")
    failure = explain(vllm_error(400, message), "http://127.0.0.1:8000", None)
    assert isinstance(failure, ContextTooLong)
    assert "40125 tokens long, over the model's context of 32768 tokens" in str(failure)


def test_a_multimodal_prompt_over_vllms_model_length_is_told_in_tokens():
    # vllm/v1/engine/input_processor.py:584-586 (the length check after the images are counted)
    message = ("The decoder prompt (length 140012) is longer than the maximum model length of 128000. Make sure "
               "that `max_model_len` is no smaller than the number of text tokens plus multimodal tokens. For image "
               "inputs, the number of image tokens depends on the number of images, and possibly their aspect "
               "ratios as well.")
    failure = explain(vllm_error(400, message), "http://127.0.0.1:8000", None)
    assert isinstance(failure, ContextTooLong)
    assert "140012 tokens long, over the model's context of 128000 tokens" in str(failure)


def test_a_prompt_that_fills_vllms_context_exactly_is_told_in_tokens():
    # vllm/v1/engine/input_processor.py:594-597 (no room left for even one answer token)
    message = ("The decoder prompt (length 32768) plus the number of requested output tokens (at least 1) is longer "
               "than the maximum model length of 32768. Make sure that `max_model_len` is no smaller than the number "
               "of text tokens (prompt + requested output tokens).")
    failure = explain(vllm_error(400, message), "", None)
    assert isinstance(failure, ContextTooLong) and "32768 tokens long" in str(failure)


def test_another_vllm_refusal_keeps_its_words():
    # vllm/multimodal/processing/context.py:621
    failure = explain(vllm_error(400, "At most 5 image(s) may be provided in one prompt."), "", None)
    assert isinstance(failure, RequestFailed) and "At most 5 image(s)" in str(failure)
    assert not isinstance(failure, BadMedia)


def test_vllm_gets_every_frame_of_the_apps_clip_and_never_the_original_file():
    local_vllm = Endpoint("http://127.0.0.1:8000", "", "qwen", local=True, engine_name="vllm")
    local_sglang = Endpoint("http://127.0.0.1:30000", "", "qwen", local=True)
    assert local_sglang.reads_original_videos and not local_vllm.reads_original_videos
    every_frame = {"media_io_kwargs": {"video": {"num_frames": -1, "fps": 30}}}
    assert local_vllm.engine.request_fields(has_video=True) == every_frame
    assert local_vllm.engine.request_fields(has_video=False) == {}
    assert local_sglang.engine.request_fields(has_video=True) == {}


def test_a_server_whose_engine_is_not_known_gets_the_apps_clip():
    # a proxy, or a model list that did not answer: only a known SGLang reads the original file
    unknown = Endpoint("http://127.0.0.1:8000", "", "qwen", local=True, engine_name="")
    assert not unknown.reads_original_videos


def test_an_engine_is_known_by_what_its_model_list_says():
    assert engine_for_owner("vllm") is VLLM and engine_for_owner("sglang") is SGLANG
    assert engine_for_owner("openai") is None
    assert get_engine("unknown") is SGLANG


def test_the_vllm_program_configured_wins_then_the_environment(monkeypatch, tmp_path):
    program = tmp_path / "env" / "bin" / "vllm"
    monkeypatch.setenv("QWEN_STUDIO_VLLM", str(program))
    assert vllm_program("/opt/other/bin/vllm") == "/opt/other/bin/vllm"
    assert vllm_program("") == str(program)


def test_a_vllm_plan_starts_with_the_program_found(monkeypatch, tmp_path):
    monkeypatch.setenv("QWEN_STUDIO_VLLM", "/venvs/vllm/bin/vllm")
    plan = make_plan(PlanRequest(model="7B", hardware="H100", gpus="1", engine="vllm"))
    started = with_program(plan, "")
    assert plan.argv[:2] == ("vllm", "serve")  # the command people copy keeps the plain name
    assert started.argv == ("/venvs/vllm/bin/vllm", *plan.argv[1:])


def test_no_vllm_anywhere_is_said_plainly(monkeypatch):
    monkeypatch.delenv("QWEN_STUDIO_VLLM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("backend.engines.sys.executable", "/nonexistent/python3")
    plan = make_plan(PlanRequest(model="7B", hardware="H100", gpus="1", engine="vllm"))
    with pytest.raises(FileNotFoundError) as raised:
        with_program(plan, "")
    cause = missing_program(plan, raised.value)
    assert cause.kind is FailureKind.ENGINE_NOT_INSTALLED
    assert "vLLM is not installed" in cause.summary and "--vllm" in cause.suggestion


def test_an_sglang_plan_is_started_as_planned():
    plan = make_plan(PlanRequest(model="7B", hardware="H100", gpus="1"))
    assert with_program(plan, "/venvs/vllm/bin/vllm") is plan


def test_a_vllm_started_from_a_script_is_recognised_as_the_recorded_engine(tmp_path):
    # `vllm` is a console script: the kernel shows `python3 /env/bin/vllm serve ...`; adoption after a restart of
    # the app must still know it (else it would leave it running on the GPU and start a second one)
    program = tmp_path / "bin" / "vllm"
    program.parent.mkdir()
    program.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(30)\n")
    program.chmod(0o755)
    argv = [str(program), "serve", "Qwen/Qwen2.5-VL-7B-Instruct", "--port", "8123"]
    process = subprocess.Popen(argv)
    try:
        assert wait_until(lambda: running_with_cmdline(process.pid, argv, process_create_time(process.pid)), 10)
        assert not running_with_cmdline(process.pid, [*argv[:-1], "8124"])
    finally:
        process.kill()
        process.wait(10)


def test_a_recorded_vllm_run_matches_its_plan_for_adoption(monkeypatch, tmp_path):
    monkeypatch.setenv("QWEN_STUDIO_VLLM", "/venvs/vllm/bin/vllm")
    plan = make_plan(PlanRequest(model="7B", hardware="H100", gpus="1", engine="vllm"))
    supervisor = Supervisor(tmp_path / "runs", TEST_SETTINGS)
    try:
        assert supervisor._started_argv(plan) == with_program(plan, "").argv != plan.argv
    finally:
        supervisor.close()
