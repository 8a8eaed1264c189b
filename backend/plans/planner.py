"""Launch plans: the exact SGLang (or vLLM) command for a Qwen-VL model on a set of GPUs, with the reason why."""

from __future__ import annotations

import secrets
from dataclasses import replace

from backend.engines import ENGINE_NAMES
from backend.hardware import HardwareError, detect_gpus
from backend.models import CATALOG_KEYS, ModelError, ModelSpec, resolve_model
from backend.plans import commands, explain, quantized
from backend.plans.engine_args import (
    KV_DTYPE_BYTES,
    EngineArgs,
    EngineArgsError,
    check_with_installed_sglang,
    parse_engine_args,
)
from backend.plans.fit import (
    MAX_GPUS_PER_NODE,
    GpuChoice,
    expert_parallel,
    gpu_budget,
    select_gpus,
    suggestion,
    valid_tp_reason,
    valid_tps,
)
from backend.plans.gpu_budget import MemoryBudget
from backend.plans.ports import pick_port
from backend.plans.request import KV_CACHE_DTYPES, WEIGHT_QUANTIZATIONS, LaunchPlan, PlanRequest, QuantizedOffer

__all__ = ["ENGINES", "KV_CACHE_DTYPES", "ROUTERS", "WEIGHT_QUANTIZATIONS", "LaunchPlan", "PlanRequest",
           "QuantizedOffer", "make_plan"]

ENGINES = ENGINE_NAMES
ROUTERS = ("builtin", "sglang-router")
MIN_CONTEXT = 8192
# The SGLang cookbook's throughput choice on AMD Instinct (MI300X/MI325X/MI355X): (tp, context length).
AMD_COOKBOOK: dict[str, tuple[int, int | None]] = {"72B": (8, 128000), "32B": (2, None), "7B": (1, None),
                                                   "3B": (1, None)}


def _refused(request: PlanRequest, model: ModelSpec, model_path: str, served: str, reason: str,
             memory: MemoryBudget | None = None) -> LaunchPlan:
    return LaunchPlan(
        engine=request.engine, model=model_path, served_model_name=served, argv=(), env={}, host=request.host,
        port=0, api_key="", tp=0, dp=0, context_length=0, gpu_ids=(), explanation=(reason,),
        refusal=reason, family=model.family, hardware=request.hardware, memory=memory,
        quantization=request.quantization, kv_cache_dtype=request.kv_cache_dtype,
    )


def _check_request(request: PlanRequest, model: ModelSpec, requested: int) -> None:
    if request.engine not in ENGINES:
        raise EngineArgsError(f"unknown engine {request.engine!r}: use {' or '.join(ENGINES)}")
    if request.router not in ROUTERS:
        raise EngineArgsError(f"unknown router {request.router!r}: use {' or '.join(ROUTERS)}")
    if request.quantization not in WEIGHT_QUANTIZATIONS:
        raise EngineArgsError(f"unknown quantization {request.quantization!r}: use {' or '.join(WEIGHT_QUANTIZATIONS)}"
                              " (AWQ: pick an -AWQ model, e.g. 72B-AWQ)")
    if request.kv_cache_dtype not in KV_CACHE_DTYPES:
        raise EngineArgsError(f"unknown KV cache dtype {request.kv_cache_dtype!r}: use "
                              f"{' or '.join(KV_CACHE_DTYPES)}")
    if not 1024 <= requested <= model.max_context:
        raise ModelError(f"--context-length {requested}: {explain.short_name(model)} takes 1024 to "
                         f"{model.max_context} tokens")
    if request.nodes < 1:
        raise HardwareError("--nodes must be at least 1")
    if request.nodes > 1 and request.engine != "sglang":
        raise EngineArgsError("multi-node plans are made for SGLang; for vLLM start a Ray cluster (see vLLM docs)")
    if request.nodes > 1 and not (request.dist_init_addr and ":" in request.dist_init_addr and request.gpus):
        raise HardwareError("a multi-node plan needs --gpus (per node) and --dist-init-addr HOST:PORT of node 0")


def make_plan(request: PlanRequest, check_engine_args: bool = True, offer_quantized: bool = True) -> LaunchPlan:
    """The plan for request (fits=False with a refusal when nothing fits), with the quantized way that would fit
    (or fit a longer context, or on fewer GPUs) as plan.quantized when offer_quantized.

    Raises ModelError, HardwareError or EngineArgsError (all ValueError) on unusable input.
    """
    if request.hardware.strip().lower() == "auto" and request.detected is None:
        request = replace(request, detected=tuple(detect_gpus()))  # detect once for the plan and its offers
    plan, requested, where = _plan(request, check_engine_args)
    if not offer_quantized:
        return plan
    offer = quantized.offer(request, plan, requested, where,
                            lambda changed: make_plan(changed, check_engine_args=False, offer_quantized=False))
    return replace(plan, quantized=offer)


def _plan(request: PlanRequest, check_engine_args: bool) -> tuple[LaunchPlan, int, str]:
    """The plan, the context asked for, and the GPUs it was planned for ('8 x H100 80 GB')."""
    resolved = resolve_model(request.model)
    model = resolved.spec
    served = request.served_model_name or resolved.served_name
    requested = request.context_length or model.max_context
    _check_request(request, model, requested)
    args = parse_engine_args(request.engine_args)
    gpus = select_gpus(request.hardware, request.gpus, request.detected)
    if isinstance(gpus, str):
        return _refused(request, model, resolved.model_path, served, gpus), requested, request.hardware
    where = f"{len(gpus.ids) if gpus.asked or request.nodes > 1 else min(len(gpus.ids), MAX_GPUS_PER_NODE)} x "
    where += gpus.spec.label + (f" per node x {request.nodes} nodes" if request.nodes > 1 else "")
    why_not = quantized.refusal(model, gpus.spec, request.engine, request.quantization, request.kv_cache_dtype, args)
    if why_not:
        return _refused(request, model, resolved.model_path, served, why_not), requested, where
    args = replace(args, fp8_weights=request.quantization == "fp8",
                   kv_dtype_bytes=KV_DTYPE_BYTES[request.kv_cache_dtype])
    if request.nodes > 1:
        limit = len(gpus.ids) * request.nodes
        if request.tp not in (None, limit):
            raise HardwareError(f"a {request.nodes}-node plan runs tp {limit} (nodes x --gpus), not tp {request.tp}")
        forced: int | None = limit
    else:
        limit = len(gpus.ids) if gpus.asked else min(len(gpus.ids), MAX_GPUS_PER_NODE)
        forced = request.tp
    if forced is not None:
        reason = valid_tp_reason(model, forced)
        if not reason and forced > limit:
            reason = f"tp {forced} needs {forced} GPUs, but {limit} are available"
        if reason:
            valid = ", ".join(str(tp) for tp in valid_tps(model))
            return _refused(request, model, resolved.model_path, served,
                            f"{explain.short_name(model)}: {reason} (valid tp: {valid})"), requested, where
    candidates = [forced] if forced is not None else valid_tps(model, limit)
    budgets = {tp: gpu_budget(request.engine, model, gpus.spec, tp, requested, args) for tp in candidates}
    fitting = [tp for tp in candidates if budgets[tp].fits(requested)]
    notes = list(resolved.notes)
    if fitting:
        tp, context = fitting[0], requested
        why = "as asked" if forced is not None else "the fewest GPUs that fit"
    else:
        roomy = [tp for tp in candidates if budgets[tp].weights_fit and budgets[tp].vision_fits]
        tp = max(roomy, key=lambda value: budgets[value].kv_capacity_tokens) if roomy else candidates[-1]
        context = min(requested, budgets[tp].kv_capacity_tokens // 1024 * 1024)
        if not roomy or context < MIN_CONTEXT:
            text = explain.refusal_text(model, gpus.spec, tp, request.engine, budgets[tp], requested,
                                        suggestion(request.engine, model, gpus.spec, requested, args),
                                        args.fp8_weights)
            return _refused(request, model, resolved.model_path, served, text, budgets[tp]), requested, where
        why = "as asked" if forced is not None else "the size with the most KV-cache room"
        notes.append(explain.lowered_line(requested, context, tp))
    dp = gpus.asked // tp if gpus.asked and request.nodes == 1 else 1
    plan = _build(request, resolved.model_path, served, model, gpus, args, tp, dp, context, why, notes,
                  check_engine_args)
    return replace(plan, alternative=_cookbook_alternative(request, model, gpus, plan)), requested, where


def _build(request: PlanRequest, model_path: str, served: str, model: ModelSpec, gpus: GpuChoice, args: EngineArgs,
           tp: int, dp: int, context: int, why: str, notes: list[str], check_engine_args: bool) -> LaunchPlan:
    memory = gpu_budget(request.engine, model, gpus.spec, tp, context, args)
    gpu_ids = gpus.ids if request.nodes > 1 else gpus.ids[: tp * dp]
    port = request.port or pick_port(request.host, commands.SGLANG_DEFAULT_PORT)
    api_key = request.api_key or "sk-" + secrets.token_hex(24)  # never starts with "-" (argparse would read a flag)
    routed = request.router == "sglang-router" and dp > 1 and request.engine == "sglang"
    lines = [gpus.note] if gpus.note else []
    lines += [explain.weights_line(model, args.fp8_weights),
              explain.tp_line(model, tp, valid_tps(model), memory.weights_bytes, why),
              explain.reserve_line(request.engine, gpus.spec, memory), explain.kv_line(model, tp, context, memory),
              explain.vision_line(model, memory), *notes,
              *quantized.notes(model, gpus.spec, request.engine, request.quantization, request.kv_cache_dtype)]
    ep = tp if expert_parallel(model, tp) else 1
    own = (quantized.engine_flags(model, gpus.spec, request.quantization, request.kv_cache_dtype)
           + commands.model_flags(model, request.engine, ep))
    if ep > 1:
        lines.append(f"Expert parallel {ep}: each GPU holds {model.moe.experts // ep} whole experts (split "
                     f"tensor-parallel, their {model.moe.intermediate}-wide FP8 layers would break into partial "
                     "blocks).")
    if model.thinking:
        lines.append("Reasoning parser qwen3: the model's thinking streams apart from its answer (shown folded "
                     "as Thinking; kept out of grounding).")
    node_argvs: tuple[tuple[str, ...], ...] = ()
    if request.engine == "sglang":
        flags = commands.sglang_server_flags(model_path, served, request.host, port, api_key, tp, dp, context,
                                             own + args.tokens)
        if check_engine_args and args.tokens:
            lines.append(_checked_by_sglang(flags))
        argv = commands.sglang_argv(flags, routed)
        if request.nodes > 1:
            node_argvs = commands.multinode_argvs(argv, request.nodes, str(request.dist_init_addr))
            argv = node_argvs[0]
            lines.append(f"Multi-node: tp {tp} spans {request.nodes} nodes x {len(gpus.ids)} GPUs; run command "
                         f"i on node i (node 0, at {request.dist_init_addr}, serves HTTP).")
    else:
        utilization = None if args.gpu_memory_utilization else memory.reserve.base_fraction
        argv = commands.vllm_argv(model_path, served, request.host, port, api_key, tp, dp, context, utilization,
                                  own + args.tokens)
    asked = gpus.asked if request.nodes == 1 else None
    lines += explain.scale_lines(request.engine, asked, tp, dp, routed, request.router == "sglang-router")
    lines.append(explain.attention_line(gpus.spec, request.engine, args.tokens))
    per_node = f" per node x {request.nodes} nodes" if request.nodes > 1 else ""
    return LaunchPlan(
        engine=request.engine, model=model_path, served_model_name=served, argv=argv,
        env=commands.vendor_env(gpus.spec.vendor, request.engine, gpu_ids), host=request.host, port=port,
        api_key=api_key, tp=tp, dp=dp, context_length=context, gpu_ids=gpu_ids,
        explanation=tuple(lines), refusal="", family=model.family,
        hardware=f"{len(gpu_ids)} x {gpus.spec.label}{per_node}", node_argvs=node_argvs, memory=memory,
        quantization=request.quantization, kv_cache_dtype=request.kv_cache_dtype,
    )


def _checked_by_sglang(flags: list[str]) -> str:
    try:
        complaint = check_with_installed_sglang(flags)
    except ImportError:
        return "Extra engine flags: not checked (sglang is not installed on this machine)."
    if complaint:
        raise EngineArgsError(f"the installed sglang rejects the extra engine flags: {complaint}")
    return "Extra engine flags: accepted by the installed sglang's argument parser."


def _cookbook_alternative(request: PlanRequest, model: ModelSpec, gpus: GpuChoice,
                          plan: LaunchPlan) -> LaunchPlan | None:
    """The SGLang cookbook's AMD throughput choice, when it differs from the fewest-GPU plan."""
    size = CATALOG_KEYS.get(model.hf_id)
    if gpus.spec.vendor != "amd" or request.engine != "sglang" or size not in AMD_COOKBOOK or request.nodes > 1:
        return None
    tp, cookbook_context = AMD_COOKBOOK[size]
    context = cookbook_context or plan.context_length
    if request.tp is not None or (tp, context) == (plan.tp, plan.context_length):
        return None
    if request.hardware.strip().lower() == "auto" and len(gpus.ids) < tp:
        return None
    ids = tuple(gpus.ids[:tp]) if len(gpus.ids) >= tp else str(tp)  # indices as ints: (3,) is GPU 3, "3" 3 GPUs
    cookbook = replace(request, tp=tp, gpus=ids, context_length=context, port=plan.port, api_key=plan.api_key)
    alternative = make_plan(cookbook, check_engine_args=False, offer_quantized=False)
    if not alternative.fits:
        return None
    note = (f"The SGLang cookbook's throughput choice for {explain.short_name(model)} on {gpus.spec.name}: tp {tp}, "
            f"context {context} (the plan above uses the fewest GPUs instead).")
    return replace(alternative, explanation=(note, *alternative.explanation))
