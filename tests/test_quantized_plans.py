"""AWQ checkpoints, FP8 weights and an FP8 KV cache: the matrix, the arithmetic against SGLang's own numbers, the
engine flags (parsed by the pinned sglang), where each is refused, and the quantized way the planner offers."""

from __future__ import annotations

import itertools
import json

import pytest

from backend.hardware import CATALOG as GPUS
from backend.hardware import DetectedGpu, GpuSpec
from backend.models import CATALOG as MODELS
from backend.models import resolve_model, spec_from_config
from backend.plans.engine_args import EngineArgsError
from backend.plans.gpu_budget import GIB, RUNTIME_OVERHEAD_BYTES
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan
from backend.plans.render import render_plan
from backend.plans.weights import weight_bytes
from tests.helpers import QWEN25_VL_7B_CONFIG

SIZES = ("3B", "7B", "32B", "72B")
MODES = ("awq", "fp8")
COUNTS = (1, 2, 4, 8)
ENGINES = ("sglang", "vllm")
MATRIX = list(itertools.product(SIZES, MODES, [gpu.name for gpu in GPUS], COUNTS, ENGINES))


def request(**fields) -> PlanRequest:
    return PlanRequest(**{"port": 31234, "api_key": "test-key", **fields})


def mode_request(size: str, mode: str, gpu: str, count: int, engine: str) -> PlanRequest:
    model, quantization = (f"{size}-AWQ", "none") if mode == "awq" else (size, "fp8")
    return request(model=model, quantization=quantization, hardware=gpu, gpus=str(count), engine=engine)


def flag(argv: tuple[str, ...], name: str) -> str:
    return argv[argv.index(name) + 1]


@pytest.fixture(scope="module")
def matrix_plans() -> dict[tuple, LaunchPlan]:
    return {key: make_plan(mode_request(*key), check_engine_args=False) for key in MATRIX}


def test_every_quantized_plan_fits_by_its_own_arithmetic_or_is_refused_with_a_reason(matrix_plans):
    assert len(matrix_plans) == 4 * 2 * 11 * 4 * 2
    for (size, mode, *_), plan in matrix_plans.items():
        if not plan.fits:
            assert plan.argv == () and ("needs" in plan.refusal or "KV cache for only" in plan.refusal), plan.refusal
            continue
        spec = MODELS[f"{size}-AWQ" if mode == "awq" else size]
        memory = plan.memory
        assert memory.weights_bytes == weight_bytes(spec, mode == "fp8").per_gpu(spec, plan.tp)
        needed = memory.weights_bytes + RUNTIME_OVERHEAD_BYTES[plan.tp > 1] + memory.kv_bytes_per_token * \
            plan.context_length
        assert needed <= memory.pool_bytes and plan.context_length >= 8192
        assert (flag(plan.argv, "--quantization") == "fp8") if mode == "fp8" else "--quantization" not in plan.argv


def test_3b_awq_is_never_split_4_or_8_ways(matrix_plans):
    tps = {plan.tp for (size, mode, *_), plan in matrix_plans.items() if (size, mode) == ("3B", "awq") and plan.fits}
    assert tps <= {1, 2}
    plan = make_plan(request(model="3B-AWQ", hardware="L4", gpus="4", tp=4))
    assert not plan.fits and "not a multiple of the group size 128" in plan.refusal and "valid tp: 1, 2" in plan.refusal


def test_amd_awq_plans_ask_for_float16_on_both_engines(matrix_plans):
    vendors = {gpu.name: gpu.vendor for gpu in GPUS}
    for (_, mode, gpu, _, _), plan in matrix_plans.items():
        if plan.fits and mode == "awq":
            assert ("--dtype" in plan.argv) == (vendors[gpu] == "amd")
            assert vendors[gpu] != "amd" or flag(plan.argv, "--dtype") == "float16"


def test_every_quantized_sglang_plan_parses_with_the_pinned_sglang(matrix_plans):
    from sglang.srt.server_args import prepare_server_args

    plans = [plan for plan in matrix_plans.values() if plan.fits and plan.engine == "sglang"]
    plans += [make_plan(request(model="7B", hardware="H100", kv_cache_dtype="fp8_e4m3", quantization="fp8"))]
    offered = [make_plan(request(model=size, hardware=gpu, gpus="1")).quantized for size in SIZES for gpu in
               ("L4", "H100", "MI300X")]
    plans += [offer.plan for offer in offered if offer is not None]
    argvs = {plan.argv: plan for plan in plans}  # GPU types with the same tp share one command: parse it once
    assert len(argvs) >= 20
    for argv, plan in argvs.items():
        parsed = prepare_server_args(list(argv[3:]))
        assert (parsed.tp_size, parsed.context_length, parsed.model_path) == (plan.tp, plan.context_length, plan.model)
        assert parsed.quantization == ("fp8" if plan.quantization == "fp8" else None)
        assert parsed.kv_cache_dtype == plan.kv_cache_dtype
        assert parsed.dtype == ("float16" if "--dtype" in argv else "auto")


# Measured on one H200 (SGLang 0.5.16, 7B, dummy weights, tp 1, context 128000): SGLang's own KV token counts.
MEASURED_H200_KV_TOKENS = {("7B", "none"): 1_824_262, ("7B", "fp8"): 1_950_287, ("7B-AWQ", "none"): 1_991_759}


@pytest.mark.parametrize(("model", "quantization"), sorted(MEASURED_H200_KV_TOKENS))
def test_planned_kv_tokens_are_within_half_a_percent_of_sglangs_on_an_h200(model, quantization):
    plan = make_plan(request(model=model, quantization=quantization, hardware="H200", gpus="1"))
    measured = MEASURED_H200_KV_TOKENS[(model, quantization)]
    assert plan.memory.kv_capacity_tokens == pytest.approx(measured, rel=0.005)


def test_weight_bytes_follow_the_formula_per_mode():
    seven = MODELS["7B"]
    assert weight_bytes(seven).total / GIB == pytest.approx(15.445, abs=0.002)
    assert weight_bytes(seven, fp8=True).total / GIB == pytest.approx(8.747, abs=0.002)
    assert weight_bytes(MODELS["7B-AWQ"]).total / GIB == pytest.approx(6.448, abs=0.002)
    # the 3B AWQ checkpoint's model.safetensors is 3.4 GB
    assert weight_bytes(MODELS["3B-AWQ"]).total / 1e9 == pytest.approx(3.4, abs=0.05)
    assert MODELS["72B-AWQ"].intermediate == 29696 and MODELS["72B"].intermediate == 29568


# Qwen/Qwen2.5-VL-7B-Instruct-AWQ's config.json as published: no vision depth, num_heads or intermediate_size.
AWQ_7B_CONFIG = {
    **{key: value for key, value in QWEN25_VL_7B_CONFIG.items() if key != "vision_config"},
    "vision_config": {"hidden_size": 1280, "in_chans": 3, "model_type": "qwen2_5_vl", "out_hidden_size": 3584,
                      "spatial_patch_size": 14, "tokens_per_second": 2, "torch_dtype": "bfloat16"},
    "quantization_config": {"bits": 4, "group_size": 128, "modules_to_not_convert": ["visual"], "quant_method": "awq",
                            "version": "gemm", "zero_point": True},
}


def test_the_published_awq_configs_give_the_catalog_entries():
    assert spec_from_config(AWQ_7B_CONFIG, MODELS["7B-AWQ"].hf_id) == MODELS["7B-AWQ"]
    big = dict(AWQ_7B_CONFIG, hidden_size=8192, intermediate_size=29696, num_hidden_layers=80, num_attention_heads=64,
               num_key_value_heads=8, vision_config={**AWQ_7B_CONFIG["vision_config"], "intermediate_size": 3456,
                                                     "out_hidden_size": 8192})
    assert spec_from_config(big, MODELS["72B-AWQ"].hf_id) == MODELS["72B-AWQ"]


def test_an_awq_folder_is_planned_from_its_quantization_config(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(AWQ_7B_CONFIG))
    resolved = resolve_model(str(tmp_path))
    assert resolved.spec.quantization == MODELS["7B-AWQ"].quantization and "AWQ checkpoint" in resolved.notes[1]
    assert resolve_model("someone/Qwen2.5-VL-7B-Instruct-AWQ").spec.quantization is not None


def test_72b_on_one_h100_offers_the_awq_model_as_one_click():
    plan = make_plan(request(model="72B", hardware="H100", gpus="1"))
    assert not plan.fits and plan.quantized is not None
    offer = plan.quantized
    assert offer.text.startswith("72B in bf16 does not fit on 1 x H100 80 GB; 72B-AWQ")
    assert "4-bit weights: expect a small quality drop" in offer.text
    assert offer.changes["model"] == "72B-AWQ" and offer.request.model == "72B-AWQ"
    assert offer.plan.fits and offer.plan.tp == 1 and offer.plan.model == "Qwen/Qwen2.5-VL-72B-Instruct-AWQ"
    assert make_plan(offer.request).argv == offer.plan.argv
    assert json.loads(json.dumps(plan.to_dict()))["quantized"]["changes"] == offer.changes
    assert "quantized:" in render_plan(plan)


def test_a_shorter_context_or_more_gpus_get_an_offer_and_a_plain_fit_does_not():
    shorter = make_plan(request(model="72B", hardware="MI325X", gpus="1"))
    assert shorter.fits and shorter.context_length < 128000
    assert shorter.quantized.text.startswith("72B in bf16 fits 1 x MI325X 256 GB only with a 121k context; 72B with "
                                             "--quantization fp8 fits with the full 128k context (8-bit weights")
    assert shorter.quantized.plan.context_length == 128000 and shorter.quantized.changes == {"quantization": "fp8"}
    fewer = make_plan(request(model="72B", hardware="H100"))
    assert fewer.tp == 4 and "needs 4 x H100 80 GB" in fewer.quantized.text
    assert len(fewer.quantized.plan.gpu_ids) < 4
    assert make_plan(request(model="7B", hardware="H100")).quantized is None


def test_fp8_weights_say_how_each_gpu_runs_them():
    hopper = make_plan(request(model="7B", hardware="H100", quantization="fp8"))
    assert any("(W8A8)" in line for line in hopper.explanation)
    ampere = make_plan(request(model="7B", hardware="A100", quantization="fp8"))
    assert any("weight-only FP8 Marlin kernel (W8A16)" in line for line in ampere.explanation)
    vllm = make_plan(request(model="7B", hardware="MI300X", quantization="fp8", kv_cache_dtype="fp8_e4m3",
                             engine="vllm"))
    assert flag(vllm.argv, "--quantization") == "fp8" and flag(vllm.argv, "--kv-cache-dtype") == "fp8_e4m3"


def test_unsupported_combinations_are_refused_with_the_reason():
    assert "cannot re-quantize" in make_plan(request(model="7B-AWQ", hardware="H100", quantization="fp8")).refusal
    turing = GpuSpec("Tesla T4", "nvidia", "unknown", 15360)
    plan = make_plan(request(model="3B", hardware="auto", quantization="fp8", detected=(DetectedGpu(0, turing, "nvml"),)))
    assert not plan.fits and "compute capability 8.0" in plan.refusal
    triton = make_plan(request(model="7B", hardware="H100", kv_cache_dtype="fp8_e4m3",
                               engine_args="--attention-backend triton"))
    assert not triton.fits and "no FP8 KV cache" in triton.refusal
    with pytest.raises(EngineArgsError, match="unknown quantization"):
        make_plan(request(model="7B", hardware="H100", quantization="awq"))
