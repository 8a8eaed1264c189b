"""Launch-plan options: extra engine flags, detected hardware, multi-node, vLLM, local models, renderings."""

from __future__ import annotations

import json
import shlex
import socket

import pytest

from backend.hardware import DetectedGpu, HardwareError, find_gpu
from backend.plans.engine_args import EngineArgsError, parse_engine_args
from backend.plans.planner import PlanRequest, make_plan
from backend.plans.ports import pick_port, port_is_free
from tests.helpers import QWEN25_VL_7B_CONFIG


def request(**fields) -> PlanRequest:
    return PlanRequest(**{"port": 31234, "api_key": "test-key", **fields})


def flag(argv: tuple[str, ...], name: str) -> str:
    return argv[argv.index(name) + 1]


def h100s(count: int) -> tuple[DetectedGpu, ...]:
    return tuple(DetectedGpu(index, find_gpu("H100"), "nvml") for index in range(count))


def test_extra_engine_flags_are_appended_after_the_plans_own():
    plan = make_plan(request(model="7B", hardware="H100", engine_args="--load-format dummy --log-level warning"))
    assert plan.argv[-4:] == ("--load-format", "dummy", "--log-level", "warning")
    assert any("accepted by the installed sglang" in line for line in plan.explanation)


def test_extra_flag_unknown_to_sglang_is_rejected():
    with pytest.raises(EngineArgsError, match="no-such-flag"):
        make_plan(request(model="7B", hardware="H100", engine_args="--no-such-flag 1"))


@pytest.mark.parametrize("text", ["--port 1", "--tp-size=2", "--model-path /x", "--context-length 4096"])
def test_flags_the_plan_owns_are_rejected(text):
    with pytest.raises(EngineArgsError, match="set by the plan"):
        parse_engine_args(text)


def test_sdpa_vision_attention_is_rejected_with_the_reason():
    with pytest.raises(EngineArgsError, match="dense mask"):
        parse_engine_args("--mm-attention-backend sdpa")


@pytest.mark.parametrize("text", ['--load-format "dummy', "dummy --load-format", "--mem-fraction-static 1.5",
                                  "--kv-cache-dtype int3"])
def test_malformed_extra_flags_are_rejected(text):
    with pytest.raises(EngineArgsError):
        parse_engine_args(text)


def test_given_mem_fraction_static_replaces_the_heuristic():
    plan = make_plan(request(model="7B", hardware="H100", engine_args="--mem-fraction-static 0.5"),
                     check_engine_args=False)
    assert plan.memory.reserve.fraction == 0.5
    assert plan.memory.pool_bytes == int(81559 * 2**20 * 0.5)


def test_fp8_kv_cache_halves_the_kv_bytes():
    plain = make_plan(request(model="7B", hardware="H100")).memory
    fp8 = make_plan(request(model="7B", hardware="H100", kv_cache_dtype="fp8_e4m3")).memory
    assert fp8.kv_bytes_per_token * 2 == plain.kv_bytes_per_token


@pytest.mark.parametrize("text", ["--kv-cache-dtype fp8_e4m3", "--quantization=fp8"])
def test_quantization_flags_are_plan_options_not_extra_flags(text):
    with pytest.raises(EngineArgsError, match="use the app's --(quantization|kv-cache-dtype)"):
        parse_engine_args(text)


def test_auto_uses_the_detected_gpus_and_says_so():
    plan = make_plan(request(model="72B", hardware="auto", detected=h100s(8)))
    assert plan.tp == 4 and plan.gpu_ids == (0, 1, 2, 3)
    assert plan.explanation[0].startswith("Detected on this host (nvml): 8 GPU(s)")


def test_auto_with_no_gpu_is_a_refusal_not_a_crash():
    plan = make_plan(request(model="7B", hardware="auto", detected=()))
    assert not plan.fits and "No GPU was detected" in plan.refusal


def test_one_gpu_index_given_as_ints_plans_on_that_gpu_alone():
    plan = make_plan(request(model="7B", hardware="auto", gpus=(3,), detected=h100s(4)))
    assert (plan.gpu_ids, plan.tp, plan.dp) == ((3,), 1, 1)
    assert plan.env["CUDA_VISIBLE_DEVICES"] == "3"


def test_one_gpu_written_as_a_bare_number_is_a_count():
    plan = make_plan(request(model="7B", hardware="auto", gpus="3", detected=h100s(4)))
    assert (plan.gpu_ids, plan.tp, plan.dp) == ((0, 1, 2), 1, 3)


def test_auto_cannot_use_more_gpus_than_detected():
    with pytest.raises(HardwareError, match="this host has 2"):
        make_plan(request(model="7B", hardware="auto", gpus="4", detected=h100s(2)))


def test_auto_cannot_use_a_gpu_index_that_is_missing():
    with pytest.raises(HardwareError, match="GPU 5"):
        make_plan(request(model="7B", hardware="auto", gpus="0,5", detected=h100s(2)))


def test_auto_plans_for_the_smallest_of_mixed_gpus():
    mixed = (DetectedGpu(0, find_gpu("H200"), "nvml"), DetectedGpu(1, find_gpu("H100"), "nvml"))
    plan = make_plan(request(model="7B", hardware="auto", gpus="0,1", detected=mixed))
    assert plan.memory.gpu_bytes == 81559 * 2**20


def test_multinode_plan_prints_one_command_per_node():
    plan = make_plan(request(model="72B", hardware="L40S", gpus="4", nodes=2, dist_init_addr="10.0.0.1:5000"))
    assert plan.fits and plan.tp == 8 and plan.dp == 1 and plan.gpu_ids == (0, 1, 2, 3)
    assert [flag(argv, "--node-rank") for argv in plan.node_argvs] == ["0", "1"]
    assert all(flag(argv, "--nnodes") == "2" and flag(argv, "--dist-init-addr") == "10.0.0.1:5000"
               for argv in plan.node_argvs)
    assert plan.argv == plan.node_argvs[0] and len(plan.node_shell_lines()) == 2


def test_multinode_with_a_tp_that_does_not_divide_the_heads_is_refused():
    plan = make_plan(request(model="7B", hardware="L4", gpus="4", nodes=2, dist_init_addr="10.0.0.1:5000"))
    assert not plan.fits and "tp 8 does not divide the 28 attention heads" in plan.refusal


@pytest.mark.parametrize("fields", [{"dist_init_addr": None}, {"engine": "vllm"}])
def test_multinode_needs_an_address_and_sglang(fields):
    base = {"model": "72B", "hardware": "L40S", "gpus": "4", "nodes": 2, "dist_init_addr": "10.0.0.1:5000"}
    with pytest.raises(ValueError):
        make_plan(request(**{**base, **fields}))


def test_vllm_data_parallel_and_given_utilization():
    plan = make_plan(request(model="7B", hardware="H100", gpus="2", engine="vllm",
                             engine_args="--gpu-memory-utilization 0.8"))
    assert flag(plan.argv, "--data-parallel-size") == "2"
    assert plan.argv.count("--gpu-memory-utilization") == 1 and flag(plan.argv, "--gpu-memory-utilization") == "0.8"
    assert plan.memory.reserve.base_fraction == 0.8


def test_local_model_folder_is_planned_from_its_config(tmp_path):
    folder = tmp_path / "qwen-local"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(QWEN25_VL_7B_CONFIG))
    plan = make_plan(request(model=str(folder), hardware="H100"))
    assert flag(plan.argv, "--model-path") == str(folder.resolve())
    assert plan.served_model_name == "qwen-local" and plan.tp == 1


def test_shell_line_is_the_environment_then_the_argv():
    plan = make_plan(request(model="7B", hardware="MI300X", gpus="2"))
    words = shlex.split(plan.shell_line())
    assert words[: len(plan.env)] == [f"{name}={value}" for name, value in plan.env.items()]
    assert tuple(words[len(plan.env):]) == plan.argv


def test_python_snippet_is_valid_python_for_this_server():
    plan = make_plan(request(model="7B", hardware="H100", served_model_name="qwen-demo"))
    snippet = plan.python_snippet()
    compile(snippet, "snippet.py", "exec")
    assert "http://127.0.0.1:31234/v1" in snippet and "test-key" in snippet and "qwen-demo" in snippet
    assert plan.base_url == "http://127.0.0.1:31234"


def test_plan_dict_is_json_ready():
    plan = make_plan(request(model="32B", hardware="MI300X"))
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["tp"] == 1 and data["alternative"]["tp"] == 2 and data["base_url"] == plan.base_url


def test_random_api_key_and_a_free_port_when_none_is_given():
    first = make_plan(PlanRequest(model="7B", hardware="H100"))
    second = make_plan(PlanRequest(model="7B", hardware="H100"))
    assert first.api_key != second.api_key and len(first.api_key) >= 24
    assert flag(first.argv, "--port") == str(first.port) and port_is_free("127.0.0.1", first.port)


def test_pick_port_skips_sglangs_default_port_when_it_is_busy():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        try:
            holder.bind(("127.0.0.1", 30000))
            holder.listen()
        except OSError:
            pass  # something else already holds 30000: busy either way
        assert not port_is_free("127.0.0.1", 30000)
        port = pick_port("127.0.0.1")
        assert port != 30000 and port_is_free("127.0.0.1", port)
