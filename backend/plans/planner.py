"""Launch plans: the exact SGLang (or vLLM) command for a Qwen-VL model on a set of GPUs, with the reason why."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, replace

from backend.families import DEFAULT_FAMILY
from backend.hardware import DetectedGpu, HardwareError
from backend.models import CATALOG as MODEL_CATALOG
from backend.models import ModelError, ModelSpec, resolve_model
from backend.plans import commands, explain
from backend.plans.engine_args import EngineArgs, EngineArgsError, check_with_installed_sglang, parse_engine_args
from backend.plans.fit import (
    MAX_GPUS_PER_NODE,
    GpuChoice,
    gpu_budget,
    select_gpus,
    suggestion,
    valid_tp_reason,
    valid_tps,
)
from backend.plans.gpu_budget import MemoryBudget
from backend.plans.ports import pick_port

ENGINES = ("sglang", "vllm")
ROUTERS = ("builtin", "sglang-router")
MIN_CONTEXT = 8192
# The SGLang cookbook's throughput choice on AMD Instinct (MI300X/MI325X/MI355X): (tp, context length).
AMD_COOKBOOK: dict[str, tuple[int, int | None]] = {"72B": (8, 128000), "32B": (2, None), "7B": (1, None),
                                                   "3B": (1, None)}


@dataclass(frozen=True)
class PlanRequest:
    """What the user asked for."""

    model: str = "7B"  # 3B/7B/32B/72B, a Hugging Face id, or a local folder
    hardware: str = "auto"  # a catalog GPU name (case-insensitive) or "auto" (this host's GPUs)
    # a count ("4"), indices as text ("0,2"; one GPU "1,") or as ints ((1,), (0, 2)); None: the fewest that fit
    gpus: str | tuple[int, ...] | None = None
    engine: str = "sglang"
    context_length: int | None = None  # None: the model's full length
    engine_args: str = ""  # extra engine flags, one shell-quoted string
    tp: int | None = None  # force a tensor-parallel size (refused when invalid)
    nodes: int = 1  # >1: one tensor-parallel server spanning nodes (SGLang only)
    dist_init_addr: str | None = None  # "host:port" of node 0, needed when nodes > 1
    router: str = "builtin"  # data-parallel front: SGLang's own --dp-size, or sglang-router
    host: str = "127.0.0.1"
    port: int | None = None  # None: a free port
    api_key: str | None = None  # None: a random one
    served_model_name: str | None = None
    detected: tuple[DetectedGpu, ...] | None = None  # for hardware="auto": None detects now


@dataclass(frozen=True)
class LaunchPlan:
    """A launch command with its environment and the reasons for its numbers (or a refusal)."""

    engine: str
    model: str
    served_model_name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    host: str
    port: int
    api_key: str
    tp: int
    dp: int
    context_length: int
    gpu_ids: tuple[int, ...]
    fits: bool
    explanation: tuple[str, ...]
    refusal: str
    family: str = DEFAULT_FAMILY.name
    hardware: str = ""
    node_argvs: tuple[tuple[str, ...], ...] = ()
    memory: MemoryBudget | None = None
    alternative: LaunchPlan | None = None

    @property
    def base_url(self) -> str:
        """Server root, without /v1."""
        return f"http://{self.host}:{self.port}"

    def shell_line(self) -> str:
        """Copy-paste shell line: environment assignments and the command."""
        return commands.shell_line(self.env, self.argv)

    def node_shell_lines(self) -> tuple[str, ...]:
        """One shell line per node for a multi-node plan (empty otherwise)."""
        return tuple(commands.shell_line(self.env, argv) for argv in self.node_argvs)

    def python_snippet(self) -> str:
        """A short openai-client program for this server."""
        return commands.python_snippet(self.base_url, self.api_key, self.served_model_name)

    def on_port(self, port: int) -> LaunchPlan:
        """The same plan serving on another port."""
        return replace(self, port=port, argv=commands.argv_with_port(tuple(self.argv), port))

    def to_dict(self) -> dict:
        """JSON-ready fields (memory as numbers, the alternative nested)."""
        data = asdict(replace(self, alternative=None))
        data["base_url"] = self.base_url
        data["alternative"] = self.alternative.to_dict() if self.alternative else None
        return data


def _refused(request: PlanRequest, model: ModelSpec, model_path: str, served: str, reason: str,
             memory: MemoryBudget | None = None) -> LaunchPlan:
    return LaunchPlan(
        engine=request.engine, model=model_path, served_model_name=served, argv=(), env={}, host=request.host,
        port=0, api_key="", tp=0, dp=0, context_length=0, gpu_ids=(), fits=False, explanation=(reason,),
        refusal=reason, family=model.family, hardware=request.hardware, memory=memory,
    )


def _check_request(request: PlanRequest, model: ModelSpec, requested: int) -> None:
    if request.engine not in ENGINES:
        raise EngineArgsError(f"unknown engine {request.engine!r}: use {' or '.join(ENGINES)}")
    if request.router not in ROUTERS:
        raise EngineArgsError(f"unknown router {request.router!r}: use {' or '.join(ROUTERS)}")
    if not 1024 <= requested <= model.max_context:
        raise ModelError(f"--context-length {requested}: {explain.short_name(model)} takes 1024 to "
                         f"{model.max_context} tokens")
    if request.nodes < 1:
        raise HardwareError("--nodes must be at least 1")
    if request.nodes > 1 and request.engine != "sglang":
        raise EngineArgsError("multi-node plans are made for SGLang; for vLLM start a Ray cluster (see vLLM docs)")
    if request.nodes > 1 and not (request.dist_init_addr and ":" in request.dist_init_addr and request.gpus):
        raise HardwareError("a multi-node plan needs --gpus (per node) and --dist-init-addr HOST:PORT of node 0")


def make_plan(request: PlanRequest, check_engine_args: bool = True) -> LaunchPlan:
    """The plan for request (fits=False with a refusal when nothing fits).

    Raises ModelError, HardwareError or EngineArgsError (all ValueError) on unusable input.
    """
    resolved = resolve_model(request.model)
    model = resolved.spec
    served = request.served_model_name or resolved.served_name
    requested = request.context_length or model.max_context
    _check_request(request, model, requested)
    args = parse_engine_args(request.engine_args)
    gpus = select_gpus(request.hardware, request.gpus, request.detected)
    if isinstance(gpus, str):
        return _refused(request, model, resolved.model_path, served, gpus)
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
                            f"{explain.short_name(model)}: {reason} (valid tp: {valid})")
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
                                        suggestion(request.engine, model, gpus.spec, requested, args))
            return _refused(request, model, resolved.model_path, served, text, budgets[tp])
        why = "as asked" if forced is not None else "the size with the most KV-cache room"
        notes.append(explain.lowered_line(requested, context, tp))
    dp = gpus.asked // tp if gpus.asked and request.nodes == 1 else 1
    plan = _build(request, resolved.model_path, served, model, gpus, args, tp, dp, context, why, notes,
                  check_engine_args)
    return replace(plan, alternative=_cookbook_alternative(request, model, gpus, plan))


def _build(request: PlanRequest, model_path: str, served: str, model: ModelSpec, gpus: GpuChoice, args: EngineArgs,
           tp: int, dp: int, context: int, why: str, notes: list[str], check_engine_args: bool) -> LaunchPlan:
    memory = gpu_budget(request.engine, model, gpus.spec, tp, context, args)
    gpu_ids = gpus.ids if request.nodes > 1 else gpus.ids[: tp * dp]
    port = request.port or pick_port(request.host, commands.SGLANG_DEFAULT_PORT)
    api_key = request.api_key or "sk-" + secrets.token_hex(24)  # never starts with "-", which argparse would read as a flag
    routed = request.router == "sglang-router" and dp > 1 and request.engine == "sglang"
    lines = [gpus.note] if gpus.note else []
    lines += [explain.weights_line(model), explain.tp_line(model, tp, valid_tps(model), memory.weights_bytes, why),
              explain.reserve_line(request.engine, gpus.spec, memory), explain.kv_line(model, tp, context, memory),
              explain.vision_line(memory), *notes]
    node_argvs: tuple[tuple[str, ...], ...] = ()
    if request.engine == "sglang":
        flags = commands.sglang_server_flags(model_path, served, request.host, port, api_key, tp, dp, context,
                                             args.tokens)
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
                                  args.tokens)
    asked = gpus.asked if request.nodes == 1 else None
    lines += explain.scale_lines(request.engine, asked, tp, dp, routed, request.router == "sglang-router")
    lines.append(explain.attention_line(gpus.spec, request.engine, args.tokens))
    per_node = f" per node x {request.nodes} nodes" if request.nodes > 1 else ""
    return LaunchPlan(
        engine=request.engine, model=model_path, served_model_name=served, argv=argv,
        env=commands.vendor_env(gpus.spec.vendor, request.engine, gpu_ids), host=request.host, port=port,
        api_key=api_key, tp=tp, dp=dp, context_length=context, gpu_ids=gpu_ids, fits=True,
        explanation=tuple(lines), refusal="", family=model.family,
        hardware=f"{len(gpu_ids)} x {gpus.spec.label}{per_node}", node_argvs=node_argvs, memory=memory,
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
    size = next((key for key, spec in MODEL_CATALOG.items() if spec.hf_id == model.hf_id), None)
    if gpus.spec.vendor != "amd" or request.engine != "sglang" or size is None or request.nodes > 1:
        return None
    tp, cookbook_context = AMD_COOKBOOK[size]
    context = cookbook_context or plan.context_length
    if request.tp is not None or (tp, context) == (plan.tp, plan.context_length):
        return None
    if request.hardware.strip().lower() == "auto" and len(gpus.ids) < tp:
        return None
    ids = tuple(gpus.ids[:tp]) if len(gpus.ids) >= tp else str(tp)  # indices as ints: (3,) is GPU 3, "3" 3 GPUs
    cookbook = replace(request, tp=tp, gpus=ids, context_length=context, port=plan.port, api_key=plan.api_key)
    alternative = make_plan(cookbook, check_engine_args=False)
    if not alternative.fits:
        return None
    note = (f"The SGLang cookbook's throughput choice for {explain.short_name(model)} on {gpus.spec.name}: tp {tp}, "
            f"context {context} (the plan above uses the fewest GPUs instead).")
    return replace(alternative, explanation=(note, *alternative.explanation))
