"""Launch plans over the whole matrix, checked by arithmetic and by the pinned sglang's own argument parser."""

from __future__ import annotations

import itertools
import json

import pytest

from backend.hardware import CATALOG as GPUS
from backend.models import CATALOG as MODELS
from backend.plans.gpu_budget import RUNTIME_OVERHEAD_BYTES
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan

COUNTS = (1, 2, 4, 8)
ENGINES = ("sglang", "vllm")
SIZES = ("3B", "7B", "32B", "72B")  # bf16; tests/test_quantized_plans.py holds the AWQ and FP8 matrix
MATRIX = list(itertools.product(SIZES, [gpu.name for gpu in GPUS], COUNTS, ENGINES))


def plan_for(size: str, gpu: str, count: int, engine: str) -> LaunchPlan:
    return make_plan(PlanRequest(model=size, hardware=gpu, gpus=str(count), engine=engine, port=31234,
                                 api_key="test-key"))


@pytest.fixture(scope="module")
def matrix_plans() -> dict[tuple[str, str, int, str], LaunchPlan]:
    return {key: plan_for(*key) for key in MATRIX}


def flag(argv: tuple[str, ...], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_matrix_covers_4_sizes_11_gpus_4_counts_2_engines(matrix_plans):
    assert len(matrix_plans) == 4 * 11 * 4 * 2


@pytest.mark.parametrize("size", SIZES)
def test_every_plan_splits_the_heads_evenly(matrix_plans, size):
    spec = MODELS[size]
    for (model, _, count, _), plan in matrix_plans.items():
        if model == size and plan.fits:
            assert spec.heads % plan.tp == 0 and spec.vision.heads % plan.tp == 0
            assert plan.tp * plan.dp <= count


def test_7b_is_never_planned_on_tp_8(matrix_plans):
    assert all(plan.tp != 8 for (size, *_), plan in matrix_plans.items() if size == "7B")


def test_every_fitting_plan_fits_by_arithmetic(matrix_plans):
    for key, plan in matrix_plans.items():
        if not plan.fits:
            continue
        spec, memory = MODELS[key[0]], plan.memory
        kv_heads = max(1, spec.kv_heads // plan.tp)
        kv_per_token = 2 * spec.layers * kv_heads * spec.head_dim * 2
        overhead = RUNTIME_OVERHEAD_BYTES[plan.tp > 1]
        needed = memory.weights_bytes + overhead + kv_per_token * plan.context_length
        assert needed <= memory.pool_bytes, key
        assert memory.vision_activation_bytes <= memory.outside_pool_bytes, key
        assert plan.context_length >= 8192 and plan.context_length % 1024 == 0, key


def test_every_refusal_says_why_and_emits_no_command(matrix_plans):
    for key, plan in matrix_plans.items():
        if plan.fits:
            continue
        assert plan.argv == () and plan.env == {}, key
        assert "needs" in plan.refusal or "KV cache for only" in plan.refusal, key
        assert plan.memory is not None and plan.memory.kv_capacity_tokens < 8192, key


def test_every_plan_uses_the_gpus_it_was_given_in_order(matrix_plans):
    for (_, _, count, _), plan in matrix_plans.items():
        if plan.fits:
            assert plan.gpu_ids == tuple(range(plan.tp * plan.dp))
            assert plan.dp == count // plan.tp


def test_vendor_selects_exactly_one_visibility_variable(matrix_plans):
    vendors = {gpu.name: gpu.vendor for gpu in GPUS}
    for (_, gpu, _, engine), plan in matrix_plans.items():
        if not plan.fits:
            continue
        ids = ",".join(str(index) for index in plan.gpu_ids)
        if vendors[gpu] == "amd":
            assert plan.env["HIP_VISIBLE_DEVICES"] == ids and "CUDA_VISIBLE_DEVICES" not in plan.env
            assert engine == "vllm" or plan.env["SGLANG_USE_AITER"] == "1"
        else:
            assert plan.env == {"CUDA_VISIBLE_DEVICES": ids}


def test_vllm_plans_carry_length_memory_share_and_json_mm_limits(matrix_plans):
    for (_, _, _, engine), plan in matrix_plans.items():
        if plan.fits and engine == "vllm":
            assert plan.argv[:2] == ("vllm", "serve")
            assert flag(plan.argv, "--tensor-parallel-size") == str(plan.tp)
            assert flag(plan.argv, "--max-model-len") == str(plan.context_length)
            assert flag(plan.argv, "--gpu-memory-utilization") == "0.90"
            assert json.loads(flag(plan.argv, "--limit-mm-per-prompt")) == {"image": 5, "video": 5}


def test_no_plan_picks_sdpa_vision_attention(matrix_plans):
    assert not any("sdpa" in plan.argv for plan in matrix_plans.values())


def _sglang_argvs(matrix_plans) -> dict[tuple[str, ...], LaunchPlan]:
    plans = [plan for plan in matrix_plans.values() if plan.fits and plan.engine == "sglang"]
    plans += [plan.alternative for plan in plans if plan.alternative is not None]
    extra = [
        make_plan(PlanRequest(model="72B", hardware="L40S", gpus="4", nodes=2, dist_init_addr="10.0.0.1:5000",
                              port=31234, api_key="k")),
        make_plan(PlanRequest(model="7B", hardware="H100", gpus="4", router="sglang-router", port=31234,
                              api_key="k")),
        make_plan(PlanRequest(model="7B", hardware="H100", gpus="1", port=31234, api_key="k",
                              engine_args="--load-format dummy --attention-backend triton "
                                          "--mm-attention-backend triton_attn --sampling-backend pytorch",
                              context_length=32768), check_engine_args=False),
    ]
    argvs = {plan.argv: plan for plan in plans + extra}
    for plan in extra:
        argvs.update({argv: plan for argv in plan.node_argvs})
    return argvs


def test_every_sglang_plan_parses_with_the_pinned_sglang(matrix_plans):
    from sglang.srt.server_args import prepare_server_args

    argvs = _sglang_argvs(matrix_plans)
    assert len(argvs) >= 30  # distinct commands: GPU types with the same tp/dp share one
    for argv, plan in argvs.items():
        assert argv[1:3] == ("-m", "sglang.launch_server") or argv[1:3] == ("-m", "sglang_router.launch_server")
        parsed = prepare_server_args(list(argv[3:]))
        assert parsed.tp_size == plan.tp and parsed.dp_size == plan.dp, argv
        assert parsed.context_length == plan.context_length and parsed.model_path == plan.model
        assert parsed.port == plan.port and parsed.host == "127.0.0.1" and parsed.api_key == plan.api_key
        assert parsed.served_model_name == plan.served_model_name and parsed.enable_metrics
        assert parsed.mm_attention_backend in (None, "triton_attn")


def request(**fields) -> PlanRequest:
    return PlanRequest(**{"port": 31234, "api_key": "test-key", **fields})


def test_72b_on_one_h100_is_refused_with_the_numbers_and_what_would_fit():
    plan = make_plan(request(model="72B", hardware="H100", gpus="1"))
    assert not plan.fits
    assert "146.8 GB of weights" in plan.refusal and "1 x H100 80 GB" in plan.refusal
    assert "choose 4 x H100 80 GB (tp 4)" in plan.refusal


def test_without_gpus_the_fewest_that_fit_are_chosen():
    plan = make_plan(request(model="72B", hardware="H100"))
    assert (plan.tp, plan.dp, plan.gpu_ids) == (4, 1, (0, 1, 2, 3))
    assert "4 is the fewest GPUs that fit" in " ".join(plan.explanation)


def test_forced_tp_that_does_not_divide_the_heads_is_refused():
    plan = make_plan(request(model="7B", hardware="H100", gpus="8", tp=8))
    assert not plan.fits and plan.argv == ()
    assert "tp 8 does not divide the 28 attention heads" in plan.refusal and "valid tp: 1, 2, 4" in plan.refusal


def test_forced_tp_larger_than_the_gpus_given_is_refused():
    plan = make_plan(request(model="7B", hardware="H100", gpus="2", tp=4))
    assert not plan.fits and "needs 4 GPUs" in plan.refusal


def test_extra_gpus_become_data_parallel_replicas():
    plan = make_plan(request(model="7B", hardware="H100", gpus="2"))
    assert (plan.tp, plan.dp) == (1, 2)
    assert flag(plan.argv, "--dp-size") == "2" and flag(plan.argv, "--tp-size") == "1"
    assert any("2 replicas of tp 1" in line for line in plan.explanation)


def test_gpus_that_no_replica_can_use_are_named():
    plan = make_plan(request(model="7B", hardware="L4", gpus="3"))
    assert (plan.tp, plan.dp, plan.gpu_ids) == (2, 1, (0, 1))
    assert any("1 of the 3 GPUs stays unused" in line for line in plan.explanation)


def test_sglang_router_fronts_the_replicas():
    plan = make_plan(request(model="7B", hardware="H100", gpus="4", router="sglang-router"))
    assert plan.argv[1:3] == ("-m", "sglang_router.launch_server")
    assert flag(plan.argv, "--dp-size") == "4"


def test_explicit_gpu_indices_are_the_visible_devices():
    plan = make_plan(request(model="7B", hardware="h100", gpus="0,2"))
    assert plan.env == {"CUDA_VISIBLE_DEVICES": "0,2"} and plan.gpu_ids == (0, 2)


def test_context_is_lowered_when_only_a_shorter_one_fits_and_it_says_so():
    plan = make_plan(request(model="72B", hardware="MI325X", gpus="1"))
    assert plan.fits and plan.tp == 1
    assert 8192 <= plan.context_length < 128000 and plan.context_length % 1024 == 0
    assert plan.memory.kv_capacity_tokens >= plan.context_length
    assert flag(plan.argv, "--context-length") == str(plan.context_length)
    assert any(line.startswith("Context length lowered from 128000") for line in plan.explanation)


def test_requested_context_length_is_passed_on():
    plan = make_plan(request(model="7B", hardware="H100", context_length=32768))
    assert flag(plan.argv, "--context-length") == "32768"


def test_context_longer_than_the_model_is_bad_input():
    from backend.models import ModelError

    with pytest.raises(ModelError, match="1024 to 128000"):
        make_plan(request(model="7B", hardware="H100", context_length=200000))


def test_sglang_reserve_on_an_h100_matches_sglangs_heuristic():
    # reserve = 512 + 8192 * 1.5 + 1/8 * 1024 + 256 * 2 = 13440 MiB; round((81559 - 13440) / 81559, 3) = 0.835
    memory = make_plan(request(model="7B", hardware="H100")).memory
    assert memory.reserve.reserved_mib == 13440
    assert memory.reserve.base_fraction == 0.835
    # adjust_mem_fraction_for_vlm: 0.95 * (1 - 0.1 * (24 * 1280**2 / (24 * 1024**2) - 1))
    assert memory.reserve.vision_factor == pytest.approx(0.8965625)
    assert memory.reserve.fraction == pytest.approx(0.835 * 0.8965625)


def test_rocm_aiter_trims_the_pool_only_past_8192_tokens():
    long = make_plan(request(model="7B", hardware="MI300X")).memory.reserve
    short = make_plan(request(model="7B", hardware="MI300X", context_length=8192)).memory.reserve
    assert long.aiter_factor == 0.85 and short.aiter_factor == 1.0
    assert long.fraction == pytest.approx(short.fraction * 0.85)


def test_amd_cookbook_throughput_choice_is_offered_when_it_differs():
    plan = make_plan(request(model="32B", hardware="MI300X"))
    assert plan.tp == 1 and plan.alternative is not None
    assert plan.alternative.tp == 2 and plan.alternative.gpu_ids == (0, 1)
    assert "cookbook" in plan.alternative.explanation[0]
    big = make_plan(request(model="72B", hardware="MI355X", gpus="8"))
    assert (big.alternative.tp, big.alternative.context_length) == (8, 128000)


def test_no_cookbook_alternative_when_it_matches_or_on_nvidia():
    assert make_plan(request(model="7B", hardware="MI300X")).alternative is None
    assert make_plan(request(model="32B", hardware="H200")).alternative is None


def test_rocm_plan_sets_sglangs_rocm_image_environment():
    plan = make_plan(request(model="7B", hardware="mi300x"))
    assert plan.env["HIP_VISIBLE_DEVICES"] == "0" and "CUDA_VISIBLE_DEVICES" not in plan.env
    assert plan.env["SGLANG_USE_AITER"] == "1" and plan.env["HSA_NO_SCRATCH_RECLAIM"] == "1"
