"""Every vLLM plan of the matrices (Qwen2.5-VL bf16, AWQ and FP8; the Qwen3-VL and Qwen3.5 catalog) parsed by the
pinned vLLM's own `vllm serve` parser, in the venv `make vllm-venv` makes (requirements-vllm.txt says why a venv of
its own): all argvs go to one subprocess (tests/vllm_serve_parse.py), which answers what vLLM read from each."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest

from backend.families import get_family
from backend.models import CATALOG
from backend.plans.commands import VLLM_MM_LIMITS
from backend.plans.fit import expert_parallel
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan
from backend.plans.request import for_another_machine
from tests import test_plans, test_quantized_plans, test_qwen3_plans

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv-vllm" / "bin" / "python"
PARSE_SCRIPT = ROOT / "tests" / "vllm_serve_parse.py"
PINNED_VLLM = "0.34.0"
BOGUS_FLAG = "--no-such-vllm-flag"
# Appended to a plan's argv: what vLLM must refuse (the check has teeth). qwen is SGLang's Qwen tool-call parser name.
REFUSED_TAILS = {"bogus flag": (BOGUS_FLAG,),
                 "sglang's tool-call parser": ("--tool-call-parser", "qwen", "--enable-auto-tool-choice")}
OWN_SHARE = "0.8"


def request(**fields) -> PlanRequest:
    return PlanRequest(**{"port": 31234, "api_key": "test-key", "engine": "vllm", **fields})


def vllm_plans() -> list[LaunchPlan]:
    """The fitting vLLM plans of the three matrices, the quantized ways offered, and a few odd requests."""
    plans = [test_plans.plan_for(*key) for key in test_plans.MATRIX if key[3] == "vllm"]
    plans += [make_plan(test_quantized_plans.mode_request(*key), check_engine_args=False)
              for key in test_quantized_plans.MATRIX if key[4] == "vllm"]
    plans += [make_plan(request(model=model, hardware=gpu, gpus=str(count)), offer_quantized=False)
              for model, gpu, count in itertools.product(test_qwen3_plans.QWEN3_MODELS, test_qwen3_plans.GPUS,
                                                         test_qwen3_plans.COUNTS)]
    offered = [make_plan(request(model=model, hardware=gpu, gpus="1")).quantized
               for model in ("72B", "Qwen3-VL-32B-Instruct") for gpu in ("L4", "H100", "MI300X")]
    plans += [offer.plan for offer in offered if offer is not None]
    plans += [
        make_plan(request(model="7B", hardware="H100", quantization="fp8", kv_cache_dtype="fp8_e4m3")),
        make_plan(for_another_machine(request(model="7B", hardware="H100", served_model_name="qwen-vl"))),
        make_plan(request(model="7B", hardware="H100", engine_args=f"--gpu-memory-utilization {OWN_SHARE}"),
                  check_engine_args=False),
    ]
    return [plan for plan in plans if plan.fits]


def serve_args(argv: tuple[str, ...]) -> list[str]:
    """The words after `serve`, whatever starts the command (`vllm`, or a resolved path to it)."""
    return list(argv[argv.index("serve") + 1:])


def flag(argv: tuple[str, ...], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


@pytest.fixture(scope="module")
def plans_by_argv() -> dict[tuple[str, ...], LaunchPlan]:
    return {plan.argv: plan for plan in vllm_plans()}  # GPU types with the same tp/dp share one command


@pytest.fixture(scope="module")
def vllm_answer(plans_by_argv, tmp_path_factory) -> dict:
    """vLLM's answer: its version and registered parsers, "results" for every plan's argv (in plans_by_argv's
    order) and "refused" for each of REFUSED_TAILS."""
    if not VENV_PYTHON.exists():
        reason = f"{VENV_PYTHON.relative_to(ROOT)} is missing: `make vllm-venv` makes it"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    argvs = [serve_args(argv) for argv in plans_by_argv]
    argvs += [[*argvs[0], *tail] for tail in REFUSED_TAILS.values()]
    folder = tmp_path_factory.mktemp("vllm-parse")
    (folder / "argvs.json").write_text(json.dumps(argvs), encoding="utf-8")
    # VLLM_TARGET_DEVICE=cpu: vLLM's CPU platform, as this machine has no GPU (engine-args defaults ask a platform).
    # HF_HUB_OFFLINE=0: offline, vLLM's engine args swap a hub id for its local snapshot, which is not there.
    env = {**os.environ, "VLLM_TARGET_DEVICE": "cpu", "HF_HUB_OFFLINE": "0", "VLLM_NO_USAGE_STATS": "1"}
    command = [str(VENV_PYTHON), str(PARSE_SCRIPT), str(folder / "argvs.json"), str(folder / "answer.json")]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads((folder / "answer.json").read_text(encoding="utf-8"))
    answer["refused"] = dict(zip(REFUSED_TAILS, answer["results"][len(plans_by_argv):]))
    answer["results"] = answer["results"][:len(plans_by_argv)]
    return answer


@pytest.fixture(scope="module")
def parsed_plans(plans_by_argv, vllm_answer) -> list[tuple[tuple[str, ...], LaunchPlan, dict]]:
    """(argv, plan, what vLLM read) for every argv vLLM accepted."""
    answers = zip(plans_by_argv.items(), vllm_answer["results"])
    return [(argv, plan, result["parsed"]) for (argv, plan), result in answers if result["ok"]]


def test_the_venv_runs_the_pinned_vllm(vllm_answer):
    assert vllm_answer["vllm"] == PINNED_VLLM


def test_the_plans_span_every_matrix(plans_by_argv):
    plans = plans_by_argv.values()
    assert len(plans_by_argv) >= 150
    assert {plan.family for plan in plans} == {"qwen2.5-vl", "qwen3-vl", "qwen3.5"}
    assert {plan.quantization for plan in plans} == {"none", "fp8"} and any("AWQ" in plan.model for plan in plans)
    assert {plan.tp for plan in plans} == {1, 2, 4, 8} and max(plan.dp for plan in plans) == 8
    assert any("HIP_VISIBLE_DEVICES" in plan.env for plan in plans)
    assert any("--enable-expert-parallel" in argv for argv in plans_by_argv)


def test_every_vllm_plan_parses_with_the_pinned_vllm(plans_by_argv, vllm_answer):
    rejected = {" ".join(serve_args(argv)): result["error"]
                for argv, result in zip(plans_by_argv, vllm_answer["results"]) if not result["ok"]}
    assert rejected == {}


def test_vllm_reads_the_plans_numbers(parsed_plans):
    for argv, plan, parsed in parsed_plans:
        assert (parsed["tensor_parallel_size"], parsed["data_parallel_size"]) == (plan.tp, plan.dp), argv
        assert parsed["max_model_len"] == plan.context_length, argv
        own_share = argv[-2:] == ("--gpu-memory-utilization", OWN_SHARE)  # the user's, in --engine-args
        share = float(OWN_SHARE) if own_share else round(plan.memory.reserve.base_fraction, 2)
        assert parsed["gpu_memory_utilization"] == share and argv.count("--gpu-memory-utilization") == 1, argv
        assert parsed["limit_mm_per_prompt"] == VLLM_MM_LIMITS, argv


def test_vllm_reads_the_plans_model_address_and_key(parsed_plans):
    for argv, plan, parsed in parsed_plans:
        assert parsed["model"] == plan.model and parsed["served_model_name"] == [plan.served_model_name], argv
        assert (parsed["host"], parsed["port"], parsed["api_key"]) == (plan.host, plan.port, [plan.api_key]), argv
        assert parsed["allowed_local_media_path"] == (flag(argv, "--allowed-local-media-path") or ""), argv
        assert parsed["enable_prompt_tokens_details"] is True, argv  # usage counts image and video tokens
        # JSON Schema answers without padding whitespace, as SGLang plans ask (a weak model pads to max_tokens)
        assert parsed["structured_outputs"] == {"backend": "xgrammar", "disable_any_whitespace": True}, argv


def test_vllm_reads_the_plans_quantization(parsed_plans):
    for argv, plan, parsed in parsed_plans:
        assert parsed["quantization"] == ("fp8" if plan.quantization == "fp8" else None), argv
        assert parsed["kv_cache_dtype"] == plan.kv_cache_dtype, argv
        amd_awq = plan.env.get("HIP_VISIBLE_DEVICES") is not None and "AWQ" in plan.model
        assert parsed["dtype"] == ("float16" if amd_awq else "auto"), argv


def test_vllm_reads_the_familys_parsers_and_expert_parallelism(parsed_plans, vllm_answer):
    catalog_by_id = {spec.hf_id: spec for spec in CATALOG.values()}
    for argv, plan, parsed in parsed_plans:
        spec = catalog_by_id[plan.model]
        assert parsed["reasoning_parser"] == ("qwen3" if spec.thinking else ""), argv
        has_tool_calls = bool(get_family(plan.family).tool_call_parser)
        assert parsed["enable_auto_tool_choice"] == has_tool_calls, argv
        assert parsed["tool_call_parser"] in (vllm_answer["tool_parsers"] if has_tool_calls else [None]), argv
        assert parsed["enable_expert_parallel"] == expert_parallel(spec, plan.tp), argv


def test_the_thinking_models_reasoning_parser_is_one_vllm_has(vllm_answer):
    assert "qwen3" in vllm_answer["reasoning_parsers"]


def test_a_bogus_flag_is_rejected_by_vllms_parser(vllm_answer):
    bogus = vllm_answer["refused"]["bogus flag"]
    assert not bogus["ok"] and bogus["error"].endswith(f"unrecognized arguments: {BOGUS_FLAG}")


def test_a_tool_call_parser_vllm_has_not_registered_is_refused(vllm_answer):
    unknown = vllm_answer["refused"]["sglang's tool-call parser"]
    assert not unknown["ok"] and "invalid tool call parser: qwen" in unknown["error"]
