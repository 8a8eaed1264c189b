"""Which GPUs a plan may use, which tensor-parallel sizes split the model, and what would fit instead."""

from __future__ import annotations

from dataclasses import dataclass

from backend.hardware import CATALOG as GPU_CATALOG
from backend.hardware import DetectedGpu, GpuSpec, HardwareError, detect_gpus, find_gpu, parse_gpus
from backend.model_spec import ModelSpec
from backend.plans.engine_args import EngineArgs
from backend.plans.gpu_budget import MemoryBudget, budget
from backend.plans.weights import quantized_tp_reason

MAX_GPUS_PER_NODE = 8
MAX_GPUS_PER_HOST = 16  # the most any server in the catalog holds (e.g. DGX-2); guards plans for named hardware


def valid_tp_reason(model: ModelSpec, tp: int) -> str:
    """Why tp cannot split this model ('' when it can)."""
    if tp < 1:
        return "tp must be at least 1"
    if model.heads % tp:
        return f"tp {tp} does not divide the {model.heads} attention heads"
    if model.vision.heads % tp:
        return f"tp {tp} does not divide the {model.vision.heads} vision-tower heads"
    if model.kv_heads % tp and tp % model.kv_heads:
        return f"tp {tp} neither divides nor is a multiple of the {model.kv_heads} KV heads"
    gdn = model.linear_attention
    if gdn is not None and (gdn.key_heads % tp or gdn.value_heads % tp):
        return f"tp {tp} does not divide the {gdn.key_heads} / {gdn.value_heads} linear-attention key / value heads"
    if model.moe is not None and model.moe.intermediate % tp and model.moe.experts % tp:
        return f"tp {tp} divides neither the experts' {model.moe.intermediate}-wide MLP nor the {model.moe.experts} experts"
    reason = quantized_tp_reason(model, tp)
    if reason and expert_parallel(model, tp):
        return ""
    return reason


def expert_parallel(model: ModelSpec, tp: int) -> bool:
    """Whether the plan runs the experts expert-parallel (--ep-size tp: each GPU holds whole experts): SGLang splits
    them tensor-parallel by default, which cuts a block-FP8 expert into partial blocks at some sizes (Qwen3-VL-30B-A3B
    -FP8's 768-wide experts at tp 4), and which expert parallelism avoids."""
    if model.moe is None or tp == 1 or model.moe.experts % tp:
        return False
    split_by_tp = model.moe.intermediate % tp or quantized_tp_reason(model, tp)
    return bool(split_by_tp) and not quantized_tp_reason(model, tp, expert_parallel=True)


def valid_tps(model: ModelSpec, limit: int = MAX_GPUS_PER_NODE) -> list[int]:
    """Every tensor-parallel size from 1 to limit that splits the model."""
    return [tp for tp in range(1, limit + 1) if not valid_tp_reason(model, tp)]


@dataclass(frozen=True)
class GpuChoice:
    """The GPUs a plan may use."""

    spec: GpuSpec  # the smallest of them (every GPU of a tp group must hold its share)
    ids: tuple[int, ...]  # usable indices in order (named hardware without --gpus: 0..7)
    asked: int | None  # how many --gpus asked for (None: the fewest that fit)
    note: str  # what detection found ('' for named hardware)


def select_gpus(hardware: str, gpus: str | tuple[int, ...] | None,
                detected: tuple[DetectedGpu, ...] | None) -> GpuChoice | str:
    """The usable GPUs, or a refusal when 'auto' finds none; HardwareError for a bad name or selection."""
    selection = parse_gpus(gpus) if gpus else None
    asked = selection.count if selection else None
    if hardware.strip().lower() != "auto":
        spec = find_gpu(hardware)
        if selection and max(selection.count, *(index + 1 for index in selection.indices or ()), 0) > MAX_GPUS_PER_HOST:
            raise HardwareError(f"--gpus {gpus}: one host has at most {MAX_GPUS_PER_HOST} GPUs (numbered 0 to "
                                f"{MAX_GPUS_PER_HOST - 1})")
        if selection and selection.indices:
            return GpuChoice(spec, selection.indices, asked, "")
        return GpuChoice(spec, tuple(range(asked or MAX_GPUS_PER_NODE)), asked, "")
    found = detected if detected is not None else tuple(detect_gpus())
    if not found:
        return ("No GPU was detected on this host (NVML, amdsmi, nvidia-smi and rocm-smi found none); name the "
                "hardware (Hardware in the Server tab, or --hardware H100) to plan for another machine")
    by_index = {gpu.index: gpu for gpu in found}
    chosen = list(found)
    if selection and selection.indices:
        missing = [index for index in selection.indices if index not in by_index]
        if missing:
            raise HardwareError(f"--gpus names GPU {missing[0]}, but this host has GPUs {sorted(by_index)}")
        chosen = [by_index[index] for index in selection.indices]
    elif selection and selection.count > len(found):
        raise HardwareError(f"--gpus asks for {selection.count} GPUs, but this host has {len(found)}")
    if len({gpu.spec.vendor for gpu in chosen}) > 1:
        raise HardwareError("the chosen GPUs mix NVIDIA and AMD; pick GPUs of one vendor with --gpus")
    smallest = min(chosen, key=lambda gpu: gpu.spec.memory_mib).spec
    names = ", ".join(sorted({gpu.spec.label for gpu in chosen}))
    note = f"Detected on this host ({chosen[0].source}): {len(found)} GPU(s); planning for {names}."
    return GpuChoice(smallest, tuple(gpu.index for gpu in chosen), asked, note)


def gpu_budget(engine: str, model: ModelSpec, gpu: GpuSpec, tp: int, context: int, args: EngineArgs) -> MemoryBudget:
    """The per-GPU budget with the memory-related values of the extra engine flags applied."""
    return budget(engine, model, gpu.memory_mib, tp, gpu.vendor, context, args.kv_dtype_bytes,
                  args.chunked_prefill_size, args.cuda_graph_max_bs, args.mem_fraction_static,
                  args.gpu_memory_utilization, args.fp8_weights)


def suggestion(engine: str, model: ModelSpec, gpu: GpuSpec, context: int, args: EngineArgs) -> str:
    """What would fit the full context: more of this GPU, or one larger catalog GPU."""
    options = []
    for tp in valid_tps(model):
        if gpu_budget(engine, model, gpu, tp, context, args).fits(context):
            options.append(f"choose {tp} x {gpu.label} (tp {tp})")
            break
    for other in sorted(GPU_CATALOG, key=lambda spec: spec.memory_mib):
        if other.memory_mib > gpu.memory_mib and gpu_budget(engine, model, other, 1, context, args).fits(context):
            options.append(f"one {other.label} GPU")
            break
    return " or ".join(options) if options else f"it needs more than {MAX_GPUS_PER_NODE} x {gpu.label}"
