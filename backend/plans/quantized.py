"""Quantized plans: which GPUs and engines take FP8 weights, an FP8 KV cache and AWQ checkpoints, the engine flags
they need, and the quantized way the planner offers when bf16 does not fit (or fits only shorter, or on more GPUs).

Sources (sglang 0.5.16 and 0.5.23): `Fp8Config.get_min_capability()` is 80; native W8A8 on compute capability >= 8.9
(`cutlass_fp8_supported`: Ada, Hopper, Blackwell); on 8.0-8.8 (A100, A10G) `can_auto_enable_marlin_fp8` keeps the
weights in FP8 and runs them through the weight-only Marlin kernel (W8A16). ROCm takes fp8 (e4m3fnuz on MI300).
AWQ: awq_marlin is picked automatically on CUDA >= 8.0 with the checkpoint's bf16; ROCm has only the plain awq
kernel, which takes float16 activations only (`--dtype float16`). vLLM documents the same FP8 split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from backend.hardware import GpuSpec
from backend.models import CATALOG, CATALOG_KEYS, ModelSpec, catalog_spec
from backend.plans.engine_args import EngineArgs
from backend.plans.errors import PlanInputError
from backend.plans.request import LaunchPlan, PlanRequest, QuantizedOffer

FP8_NATIVE = {"ada": "8.9", "hopper": "9.0", "blackwell": "10.0"}  # arch -> compute capability
FP8_MARLIN = {"ampere": "8.0/8.6"}
FP8_AMD = {"cdna3": "MI300X/MI325X (e4m3fnuz)", "cdna4": "MI355X"}
# SGLang's attention support matrix (docs: attention_backend, "FP8 KV Cache" column) lists no FP8 KV cache here.
NO_FP8_KV_BACKENDS = ("triton", "fa4", "flex_attention")
QUALITY = {"fp8": "8-bit weights: quality close to bf16", "awq": "4-bit weights: expect a small quality drop",
           "kv": "FP8 KV cache without calibrated scales: a small quality risk on long contexts"}
MARLIN_JIT_NOTE = ("First start on a fresh host: SGLang JIT-compiles its Marlin GEMM kernel (one nvcc build, "
                   "minutes; cached afterwards), inside what looks like the CUDA-graph capture phase.")


def refusal(model: ModelSpec, gpu: GpuSpec, engine: str, quantization: str, kv_cache_dtype: str,
            args: EngineArgs) -> str:
    """Why this GPU or engine cannot run the asked quantization ('' when it can)."""
    if quantization == "fp8" and model.awq is not None:
        return (f"{model.hf_id} is already a {model.awq.bits}-bit AWQ checkpoint: --quantization fp8 "
                "quantizes a 16-bit checkpoint at load and cannot re-quantize it (use the bf16 model with fp8, "
                "or the AWQ model alone)")
    if quantization == "fp8" and model.fp8_checkpoint is not None:
        return (f"{model.hf_id} is already an FP8 checkpoint: leave --quantization at none (the engine reads its "
                "quantization_config)")
    if model.fp8_checkpoint is not None and gpu.arch not in FP8_NATIVE | FP8_MARLIN | FP8_AMD:
        return (f"{model.hf_id} holds FP8 weights, which need compute capability 8.0 or later or an MI300-class "
                f"GPU; {gpu.label} ({gpu.arch}) is not one the planner knows: use the bf16 release")
    known = FP8_NATIVE | FP8_MARLIN | FP8_AMD
    if quantization == "fp8" and gpu.arch not in known:
        return (f"FP8 weights need compute capability 8.0 or later (T4 and V100 are refused) or an MI300-class "
                f"GPU; {gpu.label} ({gpu.arch}) is not one the planner knows: name the hardware or use an -AWQ "
                "model")
    if kv_cache_dtype == "fp8_e4m3":
        backend = args.value_of("--attention-backend")
        if engine == "sglang" and backend in NO_FP8_KV_BACKENDS:
            return (f"--attention-backend {backend} has no FP8 KV cache in SGLang's attention support matrix; "
                    "use flashinfer or leave SGLang's default (fa3 on Hopper, trtllm_mha on Blackwell, "
                    "aiter on ROCm, flashinfer elsewhere)")
        if gpu.arch not in known:
            return f"an FP8 KV cache is planned only on known GPUs; {gpu.label} ({gpu.arch}) is not one"
    return ""


def engine_flags(model: ModelSpec, gpu: GpuSpec, quantization: str, kv_cache_dtype: str) -> tuple[str, ...]:
    """The flags the quantization needs on either engine (the same names on SGLang and vLLM)."""
    flags: list[str] = []
    if quantization == "fp8":
        flags += ["--quantization", "fp8"]
    if model.awq is not None and gpu.vendor == "amd":
        flags += ["--dtype", "float16"]
    if kv_cache_dtype != "auto":
        flags += ["--kv-cache-dtype", kv_cache_dtype]
    return tuple(flags)


def notes(model: ModelSpec, gpu: GpuSpec, engine: str, quantization: str, kv_cache_dtype: str) -> list[str]:
    """What the quantization means on this GPU and engine."""
    lines = []
    engine_name = "SGLang" if engine == "sglang" else "vLLM"
    if model.awq is not None:
        if gpu.vendor == "amd":
            lines.append(f"AWQ on ROCm: {engine_name} runs the plain awq kernel (dequantize, then matmul), which "
                         "takes float16 activations only, hence --dtype float16 (the checkpoint says bfloat16).")
        else:
            lines.append(f"AWQ on {gpu.label}: {engine_name} picks the awq_marlin kernel itself (bf16 activations, "
                         "4-bit weights). " + (MARLIN_JIT_NOTE if engine == "sglang" else ""))
    if quantization == "fp8":
        if gpu.arch in FP8_NATIVE:
            lines.append(f"FP8 on {gpu.label} (compute capability {FP8_NATIVE[gpu.arch]}): native FP8 matmuls "
                         "(W8A8), weights and compute both in FP8.")
        elif gpu.arch in FP8_MARLIN:
            lines.append(f"FP8 on {gpu.label}: no FP8 compute before compute capability 8.9, so {engine_name} "
                         "keeps the weights in FP8 and runs them through the weight-only FP8 Marlin kernel "
                         "(W8A16): the memory is saved, the matmuls run in bf16. "
                         + (MARLIN_JIT_NOTE if engine == "sglang" else ""))
        else:
            lines.append(f"FP8 on {gpu.label} ({FP8_AMD[gpu.arch]}): FP8 weights through ROCm's FP8 kernels.")
    if kv_cache_dtype == "fp8_e4m3":
        lines.append("KV cache in fp8_e4m3: one byte per element, no per-token scales; without "
                     "--quantization-param-path the K/V scales are 1.0.")
    return lines


def _ladder(request: PlanRequest) -> list[dict[str, str]]:
    """Request changes from least to most compressed, starting after what was asked."""
    spec = catalog_spec(request.model)
    key = CATALOG_KEYS.get(spec.hf_id) if spec is not None else None
    base = key.removesuffix("-AWQ") if key else None
    steps: list[dict[str, str]] = [{"quantization": "none", "kv_cache_dtype": "auto"},
                                   {"quantization": "fp8", "kv_cache_dtype": "auto"},
                                   {"quantization": "none", "kv_cache_dtype": "fp8_e4m3"},
                                   {"quantization": "fp8", "kv_cache_dtype": "fp8_e4m3"}]
    if key is not None and f"{key}-FP8" in CATALOG:  # Qwen's own FP8 release before quantizing at load
        steps = [{"model": key, "quantization": "none", "kv_cache_dtype": "auto"},
                 {"model": f"{key}-FP8", "quantization": "none", "kv_cache_dtype": "auto"},
                 {"model": key, "quantization": "none", "kv_cache_dtype": "fp8_e4m3"},
                 {"model": f"{key}-FP8", "quantization": "none", "kv_cache_dtype": "fp8_e4m3"}]
    elif base is not None and f"{base}-AWQ" in CATALOG:
        steps = [{"model": base, **step} for step in steps]
        steps += [{"model": f"{base}-AWQ", "quantization": "none", "kv_cache_dtype": kv}
                  for kv in ("auto", "fp8_e4m3")]
    asked = _asked(request)
    here = next((index for index, step in enumerate(steps) if all(asked[name] == value
                                                                  for name, value in step.items())), None)
    if here is None:
        return []
    return [{name: value for name, value in step.items() if asked[name] != value} for step in steps[here + 1:]]


def _asked(request: PlanRequest) -> dict[str, str]:
    spec = catalog_spec(request.model)
    model = CATALOG_KEYS[spec.hf_id] if spec is not None else request.model.strip()
    return {"model": model, "quantization": request.quantization, "kv_cache_dtype": request.kv_cache_dtype}


def _score(plan: LaunchPlan) -> tuple[bool, int, int]:
    return plan.fits, plan.context_length, -len(plan.gpu_ids)


def _describe(request: PlanRequest, changes: dict[str, str]) -> str:
    """'72B-AWQ', '72B with --quantization fp8', '72B in bf16' ..."""
    changed = {**_asked(request), **changes}
    name = changed["model"]
    spec = catalog_spec(name)
    flags = [f"--quantization {changed['quantization']}"] if changed["quantization"] != "none" else []
    flags += [f"--kv-cache-dtype {changed['kv_cache_dtype']}"] if changed["kv_cache_dtype"] != "auto" else []
    if flags:
        return f"{name} with {' and '.join(flags)}"
    return name if spec is not None and spec.quantization is not None else f"{name} in bf16"


def _quality(changes: dict[str, str]) -> str:
    parts = [QUALITY["awq"]] if changes.get("model", "").endswith("-AWQ") else []
    fp8 = changes.get("quantization") == "fp8" or changes.get("model", "").endswith("-FP8")
    parts += [QUALITY["fp8"]] if fp8 else []
    parts += [QUALITY["kv"]] if changes.get("kv_cache_dtype") == "fp8_e4m3" else []
    return "; ".join(parts)


def offer(request: PlanRequest, plan: LaunchPlan, requested: int, where: str,
          make: Callable[[PlanRequest], LaunchPlan]) -> QuantizedOffer | None:
    """The least-compressed quantized plan that beats plan (fits; then a longer context; then fewer GPUs).

    requested is the asked context, where the GPUs the refusal covered ('1 x H100 80 GB').
    """
    if request.nodes > 1 or (plan.fits and plan.context_length >= requested
                             and (request.gpus is not None or len(plan.gpu_ids) <= 1)):
        return None
    best: tuple[LaunchPlan, dict[str, str]] | None = None
    for changes in _ladder(request):
        try:
            candidate = make(replace(request, **changes))
        except PlanInputError:
            continue
        if _score(candidate) > _score(best[0] if best else plan):
            best = (candidate, changes)
    if best is None:
        return None
    candidate, changes = best
    was = _describe(request, {})
    if not plan.fits:
        why = f"{was} does not fit on {where}"
    elif plan.context_length < requested:
        why = f"{was} fits {plan.hardware} only with a {plan.context_length // 1000}k context"
    else:
        why = f"{was} needs {plan.hardware}"
    count = len(candidate.gpu_ids)
    on = f" on {count} GPU{'s' if count > 1 else ''}" if count < len(plan.gpu_ids) else ""
    length = ("the full" if candidate.context_length >= requested else "a") + f" {candidate.context_length // 1000}k"
    text = f"{why}; {_describe(request, changes)} fits{on} with {length} context ({_quality(changes)})"
    return QuantizedOffer(text, changes, replace(request, **changes), candidate)
