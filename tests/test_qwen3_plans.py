"""Qwen3-VL and Qwen3.5 in the planner: the catalog's parameter counts against transformers' own models, the
linear-attention state against SGLang's own sizing code, and plans for every listed model on L4 / A100 / H100 /
H200 / MI300X at 1, 2, 4 and 8 GPUs, each command parsed by the pinned sglang."""

from __future__ import annotations

import itertools

import pytest

from backend.families import QWEN3_5, QWEN3_VL, detect_family, get_family
from backend.models import CATALOG, QWEN3_MODELS, resolve_model, spec_from_config
from backend.plans.fit import expert_parallel, valid_tps
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan
from backend.plans.weights import weight_bytes

RELEASES = [key for key, model in QWEN3_MODELS.items() if model.variant in ("Instruct", "")]
GPUS = ("L4", "A100 80GB", "H100", "H200", "MI300X")
COUNTS = (1, 2, 4, 8)
MATRIX = list(itertools.product(QWEN3_MODELS, GPUS, COUNTS))


def request(**fields) -> PlanRequest:
    return PlanRequest(**{"port": 31234, "api_key": "test-key", **fields})


@pytest.fixture(scope="module")
def matrix_plans() -> dict[tuple[str, str, int], LaunchPlan]:
    return {(model, gpu, count): make_plan(request(model=model, hardware=gpu, gpus=str(count)), offer_quantized=False)
            for model, gpu, count in MATRIX}


def flag(argv: tuple[str, ...], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


@pytest.mark.parametrize("key", RELEASES)
def test_parameter_count_equals_transformers_own_model(key):
    import torch
    import transformers

    config = QWEN3_MODELS[key].config
    architecture = config["architectures"][0]
    config_class = getattr(transformers, architecture.replace("ForConditionalGeneration", "Config"))
    fields = {name: value for name, value in config.items() if name not in ("architectures", "model_type")}
    with torch.device("meta"):
        model = getattr(transformers, architecture)(config_class(**fields))
    assert CATALOG[key].total_params == sum(parameter.numel() for parameter in model.parameters())


@pytest.mark.parametrize("key", [key for key in RELEASES if key.startswith("Qwen3.5")])
@pytest.mark.parametrize("tp", [1, 2, 4])
def test_linear_attention_state_equals_sglangs_own_sizing(key, tp):
    from sglang.srt.configs.mamba_utils import Mamba2CacheParams, Mamba2StateShape

    text = QWEN3_MODELS[key].config["text_config"]
    spec = CATALOG[key]
    shape = Mamba2StateShape.create(
        tp_world_size=tp, intermediate_size=text["linear_value_head_dim"] * text["linear_num_value_heads"],
        n_groups=text["linear_num_key_heads"], num_heads=text["linear_num_value_heads"],
        head_dim=text["linear_value_head_dim"], state_size=text["linear_key_head_dim"],
        conv_kernel=text["linear_conv_kernel_dim"])
    layers = [index for index in range(spec.layers) if (index + 1) % text["full_attention_interval"]]
    assert spec.state_bytes_per_request(tp) == Mamba2CacheParams(shape=shape, layers=layers).mamba_cache_per_req


def test_kv_cache_is_counted_for_the_full_attention_layers_only():
    nine = CATALOG["Qwen3.5-9B"]  # 32 layers, every fourth full attention, 4 KV heads of 256
    assert (nine.full_attention_layers, nine.linear_attention_layers) == (8, 24)
    assert nine.kv_bytes_per_token(1) == 2 * 8 * 4 * 256 * 2
    assert CATALOG["Qwen3-VL-8B-Instruct"].kv_bytes_per_token(1) == 2 * 36 * 8 * 128 * 2


def test_moe_weights_are_resident_in_full_though_few_are_active():
    moe = CATALOG["Qwen3-VL-30B-A3B-Instruct"]
    assert moe.total_params == pytest.approx(31.07e9, rel=1e-3) and moe.active_params == pytest.approx(3.9e9, rel=0.01)
    assert weight_bytes(moe).total == pytest.approx(2 * moe.total_params, rel=1e-9)


def test_fp8_release_weighs_about_half_of_bf16():
    bf16, fp8 = (weight_bytes(CATALOG[key]).total for key in ("Qwen3-VL-8B-Instruct", "Qwen3-VL-8B-Instruct-FP8"))
    assert 0.5 < fp8 / bf16 < 0.62


@pytest.mark.parametrize("name, family", [("Qwen/Qwen3.5-9B", QWEN3_5), ("qwen3_5-35b-a3b-fp8", QWEN3_5),
                                          ("Qwen/Qwen3-VL-30B-A3B-Thinking", QWEN3_VL), ("/models/Qwen3-VL-8B", QWEN3_VL)])
def test_model_names_give_their_family(name, family):
    assert detect_family(name) is family and get_family(name) is family


@pytest.mark.parametrize("name, hf_id", [("Qwen3-VL-8B", "Qwen/Qwen3-VL-8B-Instruct"),
                                         ("qwen3-vl-8b-thinking", "Qwen/Qwen3-VL-8B-Thinking"),
                                         ("Qwen/Qwen3.5-35B-A3B-FP8", "Qwen/Qwen3.5-35B-A3B-FP8")])
def test_short_names_and_hub_ids_resolve_to_the_release(name, hf_id):
    resolved = resolve_model(name)
    assert resolved.model_path == hf_id and "from:" in resolved.notes[0]


def test_a_config_json_of_a_qwen35_moe_reads_like_the_catalog():
    model = QWEN3_MODELS["Qwen3.5-35B-A3B"]
    assert spec_from_config(model.config, model.hf_id) == CATALOG["Qwen3.5-35B-A3B"]


def test_layer_types_that_contradict_the_interval_are_refused():
    config = QWEN3_MODELS["Qwen3.5-0.8B"].config
    config["text_config"]["layer_types"] = ["full_attention"] * 24
    with pytest.raises(ValueError, match="layer_types"):
        spec_from_config(config, "odd")


def test_every_model_gets_a_plan_on_eight_h200s(matrix_plans):
    refused = [model for model in QWEN3_MODELS if not matrix_plans[(model, "H200", 8)].fits]
    assert refused == []


def test_every_refusal_names_what_would_fit(matrix_plans):
    for key, plan in matrix_plans.items():
        if not plan.fits:
            assert plan.argv == () and ("choose" in plan.refusal or "one " in plan.refusal
                                        or "needs more than" in plan.refusal), key


def test_every_plan_splits_heads_experts_and_linear_heads_evenly(matrix_plans):
    for (key, _, _), plan in matrix_plans.items():
        if plan.fits:
            spec = CATALOG[key]
            assert plan.tp in valid_tps(spec) and spec.heads % plan.tp == 0 and spec.vision.heads % plan.tp == 0
            if spec.linear_attention:
                assert spec.linear_attention.value_heads % plan.tp == 0


def test_every_sglang_plan_parses_with_the_pinned_sglang_and_carries_the_family_flags(matrix_plans):
    from sglang.srt.server_args import prepare_server_args

    argvs = {plan.argv: (key, plan) for key, plan in matrix_plans.items() if plan.fits}
    assert len(argvs) >= 100
    for argv, ((model, _, _), plan) in argvs.items():
        spec = CATALOG[model]
        parsed = prepare_server_args(list(argv[3:]))
        assert (parsed.tp_size, parsed.context_length, parsed.model_path) == (plan.tp, plan.context_length, plan.model)
        assert parsed.reasoning_parser == ("qwen3" if spec.thinking else None), argv
        assert parsed.tool_call_parser == get_family(spec.family).tool_call_parser, argv
        assert parsed.ep_size == (plan.tp if expert_parallel(spec, plan.tp) else 1), argv


def test_thinking_releases_get_the_reasoning_parser_and_instruct_ones_do_not(matrix_plans):
    thinking = matrix_plans[("Qwen3-VL-8B-Thinking", "H100", 1)]
    instruct = matrix_plans[("Qwen3-VL-8B-Instruct", "H100", 1)]
    assert flag(thinking.argv, "--reasoning-parser") == "qwen3" and "--reasoning-parser" not in instruct.argv
    assert flag(matrix_plans[("Qwen3.5-9B", "H100", 1)].argv, "--tool-call-parser") == "qwen3_coder"


def test_fp8_moe_whose_experts_break_into_partial_blocks_runs_expert_parallel():
    plan = make_plan(request(model="Qwen3-VL-30B-A3B-Instruct-FP8", hardware="H100", gpus="4", tp=4))
    assert flag(plan.argv, "--ep-size") == "4"  # 768 / 4 = 192 is not a multiple of 128
    assert any("Expert parallel 4" in line for line in plan.explanation)
    two = make_plan(request(model="Qwen3-VL-30B-A3B-Instruct-FP8", hardware="H100", gpus="2", tp=2))
    assert "--ep-size" not in two.argv  # 384 is three whole blocks


def test_hybrid_plan_splits_the_rest_between_kv_cache_and_linear_attention_state():
    plan = make_plan(request(model="Qwen3.5-9B", hardware="H100", gpus="1"))
    memory = plan.memory
    assert memory.state_bytes_per_request == CATALOG["Qwen3.5-9B"].state_bytes_per_request(1)
    assert memory.state_pool_bytes / memory.kv_pool_bytes == pytest.approx(0.9, rel=0.01)
    assert memory.max_running_requests == memory.state_slots // 5
    assert any("linear-attention state" in line for line in plan.explanation)


def test_235b_on_one_h100_is_refused_naming_what_fits():
    plan = make_plan(request(model="Qwen3-VL-235B-A22B-Instruct", hardware="H100", gpus="1"))
    assert not plan.fits and "Qwen3-VL-235B-A22B-Instruct" in plan.refusal


def test_the_fp8_release_is_offered_before_quantizing_at_load():
    plan = make_plan(request(model="Qwen3-VL-32B-Instruct", hardware="L4", gpus="4"))
    assert plan.quantized is not None and plan.quantized.changes["model"] == "Qwen3-VL-32B-Instruct-FP8"


def test_fp8_on_an_fp8_release_is_refused_with_the_reason():
    plan = make_plan(request(model="Qwen3.5-27B-FP8", hardware="H100", quantization="fp8"))
    assert not plan.fits and "already an FP8 checkpoint" in plan.refusal
