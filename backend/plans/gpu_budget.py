"""Per-GPU memory arithmetic: weights, KV cache, vision activations, and the runtime reserve the engine keeps.

SGLang: reproduces sglang 0.5.23 `sglang/srt/arg_groups/memory_hook.py` (`handle_gpu_memory_settings`,
`reserve_for_graph_mb`, `adjust_mem_fraction_for_vlm`) and the ROCm aiter trim in
`sglang/srt/arg_groups/attention_hook.py` (`handle_attention_backend_compatibility`); 0.5.16 has the same code in
`ServerArgs._handle_gpu_memory_settings` / `ServerArgs.adjust_mem_fraction_for_vlm` except for GPUs of 20-35 GiB,
where it picks chunked prefill 2048 and graph batch 24 (less reserve); the 0.5.23 numbers are the stricter ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.families import DEFAULT_FAMILY, FAMILIES
from backend.model_spec import ModelSpec
from backend.plans.weights import weights_per_gpu

MIB = 1024 * 1024
GIB = 1024 * MIB
# Default max_pixels of Qwen2.5-VL's preprocessor: the largest image the vision tower sees (16384 tokens).
MAX_IMAGE_PIXELS = DEFAULT_FAMILY.max_pixels
# Allocations inside the static pool that are neither weights nor KV: CUDA/HIP context, NCCL and all-reduce buffers.
# Calibrated on SGLang 0.5.16 (dummy weights), measured KV tokens vs planned with these values:
# 7B tp 1 on H100 806,231 vs 801,525; 7B tp 1 (dp 2) on H200 1,824,261 vs 1,822,865; 32B tp 2 on H200 662,136 vs
# 660,608. mem_fraction_static matched SGLang's own choice exactly in all three.
RUNTIME_OVERHEAD_BYTES = {False: GIB * 11 // 8, True: GIB * 9 // 4}  # keyed by tp > 1
# SGLang's --mamba-full-memory-ratio default: the linear-attention state pool gets 0.9 of what the KV cache gets
# (mem_cache/kv_cache_configurator.py `_handle_max_mamba_cache`), and each running request needs 5 state slots
# (`_calculate_mamba_ratio`: 3, plus 2 for the extra buffer SGLang picks with its overlap scheduler). Seen on an
# H100 with Qwen3.5-9B (SGLang 0.5.16): 420 slots, max_running_requests 84.
STATE_RATIO = 0.9
STATE_SLOTS_PER_REQUEST = 5
VLLM_GPU_MEMORY_UTILIZATION = 0.90  # vLLM's default
VLLM_BATCHED_TOKENS = 8192
VLLM_CUDA_GRAPH_BYTES = 1 * GIB


@dataclass(frozen=True)
class EngineReserve:
    """How the engine splits one GPU: the static pool (weights + KV) and what it keeps outside for activations."""

    fraction: float  # mem_fraction_static (SGLang) or gpu_memory_utilization minus activations (vLLM)
    chunked_prefill_size: int
    cuda_graph_max_bs: int
    reserved_mib: float  # SGLang's activation + graph reserve before the vision trim
    base_fraction: float  # before the vision (and aiter) trims
    vision_factor: float
    aiter_factor: float


def sglang_vision_factor(model: ModelSpec) -> float:
    """`adjust_mem_fraction_for_vlm`: shrink the pool by the ViT's size relative to a ViT-L/14 (24 x 1024)."""
    # SGLang reads vision_config.num_hidden_layers, which Qwen-VL configs do not have (they say "depth"), so it
    # falls back to 24 layers; only the width counts.
    vit_layers = 24
    complexity_ratio = vit_layers * model.vision.hidden**2 / (24 * 1024**2)
    dynamic = max(0.8, min(1.05, 1.0 - 0.1 * (complexity_ratio - 1.0)))
    return 0.95 * dynamic


def sglang_defaults(gpu_mem_mib: int, tp: int) -> tuple[int, int]:
    """(chunked_prefill_size, decode cuda-graph max batch) that `handle_gpu_memory_settings` picks by GPU size."""
    if gpu_mem_mib < 20 * 1024:
        return 2048, 8
    if gpu_mem_mib < 35 * 1024:
        return 4096, 48 if tp < 4 else 160
    if gpu_mem_mib < 60 * 1024:
        return 4096, 32 if tp < 4 else 160
    if gpu_mem_mib < 160 * 1024:
        return 8192, 256 if tp < 4 else 512
    return 16384, 512


def sglang_reserve(model: ModelSpec, gpu_mem_mib: int, tp: int, vendor: str, context_length: int,
                   chunked_prefill_size: int | None = None, cuda_graph_max_bs: int | None = None,
                   mem_fraction_static: float | None = None) -> EngineReserve:
    """The mem_fraction_static SGLang chooses (or applies, when given) for this model on this GPU."""
    default_chunk, default_bs = sglang_defaults(gpu_mem_mib, tp)
    chunk = chunked_prefill_size or default_chunk
    max_bs = cuda_graph_max_bs or default_bs
    # reserve = 512 MiB metadata + 1.5 MiB per activation token + tp/8 GiB + decode graphs (2 MiB per batch slot);
    # prefill CUDA graphs are off for Qwen2.5-VL (not on SGLang's multimodal breakable-graph allow-list).
    reserved = 512 + max(chunk, 2048) * 1.5 + tp / 8 * 1024 + max_bs * 2
    if gpu_mem_mib > 60 * 1024:
        reserved = max(reserved, 10 * 1024)
    # ROCm: the aiter attention backend (SGLANG_USE_AITER=1) trims 15% more when the context exceeds 8192.
    aiter = 0.85 if vendor == "amd" and context_length > 8192 else 1.0
    if mem_fraction_static is not None:
        return EngineReserve(mem_fraction_static * aiter, chunk, max_bs, 0.0, mem_fraction_static, 1.0, aiter)
    base = round((gpu_mem_mib - reserved) / gpu_mem_mib, 3)
    vision = sglang_vision_factor(model)
    return EngineReserve(base * vision * aiter, chunk, max_bs, reserved, base, vision, aiter)


def largest_image_pixels(model: ModelSpec) -> int:
    """The largest image the model's processor sends by default (its family's max_pixels)."""
    family = FAMILIES.get(model.family)
    return family.max_pixels if family else MAX_IMAGE_PIXELS


def vision_activation_bytes(model: ModelSpec, tp: int, pixels: int | None = None) -> int:
    """Peak activations of one vision block for one image of `pixels` (the largest by default), per GPU.

    Residual stream and norm output (2 x hidden) stay whole; qkv, attention output and the MLP (3 x intermediate
    gated, 2 x not) are split across tp. Attention itself is flash/triton (no dense mask).
    """
    v = model.vision
    patches = (pixels or largest_image_pixels(model)) // (v.patch_size**2)
    mlp = (3 if v.gated_mlp else 2) * v.intermediate
    width = 2 * v.hidden + (3 * v.hidden + v.hidden + mlp) // tp
    return patches * width * model.dtype_bytes


def vllm_activation_bytes(model: ModelSpec, tp: int, batched_tokens: int = VLLM_BATCHED_TOKENS) -> int:
    """Activations vLLM's profiling run peaks at: one chunk of text tokens plus the largest image."""
    mlp = model.moe.intermediate * model.moe.active if model.moe else model.intermediate
    text = batched_tokens * (4 * model.hidden + 3 * mlp // tp) * model.dtype_bytes
    return text + vision_activation_bytes(model, tp)


@dataclass(frozen=True)
class MemoryBudget:
    """One GPU's memory, split the way the engine will split it."""

    engine: str
    gpu_bytes: int
    reserve: EngineReserve
    pool_bytes: int  # weights + KV cache + runtime overhead
    weights_bytes: int
    overhead_bytes: int
    kv_bytes_per_token: int
    vision_activation_bytes: int
    outside_pool_bytes: int  # what the engine keeps for activations, graphs and the vision tower
    state_bytes_per_request: int = 0  # linear-attention state of one request (hybrid models)

    @property
    def rest_bytes(self) -> int:
        """What the pool keeps after weights and runtime buffers (negative when the weights alone do not fit)."""
        return self.pool_bytes - self.weights_bytes - self.overhead_bytes

    @property
    def state_slots(self) -> int:
        """Linear-attention state slots SGLang allocates from the rest (0 for models without linear attention)."""
        if not self.state_bytes_per_request or self.rest_bytes <= 0:
            return 0
        return int(self.rest_bytes * STATE_RATIO / (1 + STATE_RATIO)) // self.state_bytes_per_request

    @property
    def state_pool_bytes(self) -> int:
        """Bytes of the linear-attention state pool."""
        return self.state_slots * self.state_bytes_per_request

    @property
    def max_running_requests(self) -> int | None:
        """The most requests that run at once, where state slots bound it (None: the KV cache alone does)."""
        return self.state_slots // STATE_SLOTS_PER_REQUEST if self.state_bytes_per_request else None

    @property
    def kv_pool_bytes(self) -> int:
        """Bytes left for the KV cache (negative when the weights alone do not fit)."""
        return self.rest_bytes - self.state_pool_bytes

    @property
    def kv_capacity_tokens(self) -> int:
        """Tokens of KV cache the pool holds (0 when nothing is left)."""
        return max(0, self.kv_pool_bytes // self.kv_bytes_per_token)

    @property
    def weights_fit(self) -> bool:
        """Weights, runtime overhead and at least one GiB of KV cache fit in the pool."""
        return self.kv_pool_bytes >= GIB

    @property
    def vision_fits(self) -> bool:
        """The largest image's vision activations fit in what the engine keeps outside the pool."""
        return self.vision_activation_bytes <= self.outside_pool_bytes

    def fits(self, context_length: int) -> bool:
        """One full-length request fits: weights, its KV cache (and state), and the vision activations."""
        state_ok = not self.state_bytes_per_request or self.max_running_requests >= 1
        return self.weights_fit and self.vision_fits and state_ok and self.kv_capacity_tokens >= context_length


def budget(engine: str, model: ModelSpec, gpu_mem_mib: int, tp: int, vendor: str, context_length: int,
           kv_dtype_bytes: int = 2, chunked_prefill_size: int | None = None, cuda_graph_max_bs: int | None = None,
           mem_fraction_static: float | None = None, gpu_memory_utilization: float | None = None,
           fp8_weights: bool = False) -> MemoryBudget:
    """The per-GPU budget for `engine` ("sglang" or "vllm") at tensor-parallel size tp.

    Quantization changes only the weights and the KV bytes: SGLang's mem_fraction_static does not depend on it
    (measured: the KV token gain of fp8 and AWQ on an H200 equals their weight savings).
    """
    gpu_bytes = gpu_mem_mib * MIB
    if engine == "sglang":
        reserve = sglang_reserve(model, gpu_mem_mib, tp, vendor, context_length, chunked_prefill_size,
                                 cuda_graph_max_bs, mem_fraction_static)
        pool = int(gpu_bytes * reserve.fraction)
    else:
        utilization = gpu_memory_utilization or VLLM_GPU_MEMORY_UTILIZATION
        activations = vllm_activation_bytes(model, tp) + VLLM_CUDA_GRAPH_BYTES
        pool = int(gpu_bytes * utilization) - activations
        reserve = EngineReserve(pool / gpu_bytes, VLLM_BATCHED_TOKENS, 0, activations / MIB, utilization, 1.0, 1.0)
    return MemoryBudget(
        engine=engine, gpu_bytes=gpu_bytes, reserve=reserve, pool_bytes=pool,
        weights_bytes=weights_per_gpu(model, tp, fp8_weights), overhead_bytes=RUNTIME_OVERHEAD_BYTES[tp > 1],
        kv_bytes_per_token=model.kv_bytes_per_token(tp, kv_dtype_bytes),
        vision_activation_bytes=vision_activation_bytes(model, tp), outside_pool_bytes=gpu_bytes - pool,
        state_bytes_per_request=model.state_bytes_per_request(tp) if engine == "sglang" else 0,
    )
