"""Plain-language lines that say why a plan has its numbers, or why there is none."""

from __future__ import annotations

from backend.hardware import GpuSpec
from backend.models import ModelSpec
from backend.plans.gpu_budget import STATE_RATIO, MemoryBudget, largest_image_pixels
from backend.plans.weights import weight_bytes, weights_label


def gb(count: float) -> str:
    """Bytes as decimal GB with one decimal ('16.6 GB')."""
    return f"{count / 1e9:.1f} GB"


def short_name(model: ModelSpec) -> str:
    """'Qwen2.5-VL-7B-Instruct' from 'Qwen/Qwen2.5-VL-7B-Instruct'."""
    return model.hf_id.rstrip("/").rsplit("/", 1)[-1]


def weights_line(model: ModelSpec, fp8: bool = False) -> str:
    """What the weights weigh, from the parameter count and how each layer is stored."""
    line = (f"{short_name(model)}: {model.total_params / 1e9:.2f} B parameters (language model "
            f"{model.text_params / 1e9:.2f} B, vision tower {model.vision_params / 1e9:.2f} B) = "
            f"{gb(weight_bytes(model, fp8).total)} of {weights_label(model, fp8)} weights")
    awq = model.awq
    if model.fp8_checkpoint is not None:
        kept = ", ".join(model.fp8_checkpoint.modules_to_not_convert) or "none"
        return (f"{line}: Qwen's FP8 release, the language model's linear layers in FP8 E4M3 with one fp32 scale per "
                f"{model.fp8_checkpoint.block} x {model.fp8_checkpoint.block} block; counted 16-bit: {kept}, "
                "embeddings, lm_head, norms and MoE routers.")
    if awq is not None:
        kept = ", ".join(awq.modules_to_not_convert) or "none"
        return (f"{line}: the language model's linear layers as packed {awq.bits}-bit int32 weights, zero points "
                f"and 16-bit scales per group of {awq.group_size} inputs; the vision tower (not converted: {kept}), "
                "embeddings and lm_head stay 16-bit.")
    if fp8:
        return (f"{line} (--quantization fp8, quantized at load): every linear layer, the vision tower's included, "
                "in FP8 E4M3 with one scale per output channel; embeddings, lm_head and norms stay bf16.")
    return line + "."


def tp_line(model: ModelSpec, tp: int, valid: list[int], per_gpu_weights: int, why: str) -> str:
    """Why this tensor-parallel size: head divisibility, and why this one of the valid sizes."""
    group = model.awq.group_size if model.awq else 0
    rules = f" and cut every AWQ layer's inputs into whole groups of {group}" if group else ""
    if model.fp8_checkpoint is not None:
        rules += f" and cut every FP8 layer into whole {model.fp8_checkpoint.block}-wide blocks"
    if model.moe is not None:
        rules += f" and split each of the {model.moe.experts} experts' {model.moe.intermediate}-wide MLP"
    if model.linear_attention is not None:
        gdn = model.linear_attention
        rules += f" and the {gdn.key_heads} / {gdn.value_heads} linear-attention key / value heads"
    return (f"Tensor parallel {tp}: {gb(per_gpu_weights)} of weights per GPU. tp must divide the "
            f"{model.heads} attention heads and the {model.vision.heads} vision heads and suit the "
            f"{model.kv_heads} KV heads{rules}, so tp can be {', '.join(str(value) for value in valid)}; {tp} is "
            f"{why}.")


def reserve_line(engine: str, gpu: GpuSpec, memory: MemoryBudget) -> str:
    """How the engine splits one GPU."""
    reserve = memory.reserve
    if engine == "vllm":
        return (f"vLLM on {gpu.label}: --gpu-memory-utilization {reserve.base_fraction:.2f} minus ~"
                f"{reserve.reserved_mib * 1024 * 1024 / 1e9:.1f} GB of profiled activations (text chunk of "
                f"{reserve.chunked_prefill_size} tokens, the largest image) and CUDA graphs leaves "
                f"{gb(memory.pool_bytes)} per GPU for weights and KV cache.")
    if reserve.reserved_mib == 0.0:
        return (f"SGLang on {gpu.label}: --mem-fraction-static {reserve.base_fraction:.3f} (given) "
                f"-> {gb(memory.pool_bytes)} per GPU for weights and KV cache.")
    trims = f" x {reserve.vision_factor:.3f} for the vision tower"
    if reserve.aiter_factor != 1.0:
        trims += f" x {reserve.aiter_factor:.2f} for ROCm aiter attention with a context over 8192"
    return (f"SGLang on {gpu.label}: it keeps {reserve.reserved_mib / 1024:.1f} GiB for activations and CUDA "
            f"graphs (chunked prefill {reserve.chunked_prefill_size} tokens, graph batch up to "
            f"{reserve.cuda_graph_max_bs}), so mem_fraction_static = {reserve.base_fraction:.3f}{trims} = "
            f"{reserve.fraction:.3f}: {gb(memory.pool_bytes)} per GPU for weights and KV cache.")


def kv_line(model: ModelSpec, tp: int, context_length: int, memory: MemoryBudget) -> str:
    """KV cache per token, for the context, and how many full-length requests the pool holds."""
    heads = model.kv_heads_per_gpu(tp)
    replicated = " (KV heads replicated: tp > KV heads)" if tp > model.kv_heads else ""
    layers = model.full_attention_layers
    kv_bytes = memory.kv_bytes_per_token // (2 * layers * heads * model.head_dim)
    full = memory.kv_capacity_tokens // max(1, context_length)
    dtype = "fp8_e4m3" if kv_bytes == 1 else "bf16"
    attention = f" attention layers (of {model.layers})" if layers != model.layers else " layers"
    return (f"KV cache ({dtype}): 2 x {layers}{attention} x {heads} KV heads x {model.head_dim} x {kv_bytes} "
            f"byte{'s' if kv_bytes != 1 else ''} = "
            f"{memory.kv_bytes_per_token / 1024:.0f} KiB per token per GPU{replicated}; a {context_length}-token "
            f"request needs {gb(memory.kv_bytes_per_token * context_length)}. After weights and "
            f"{gb(memory.overhead_bytes)} of runtime buffers{state_part(memory)}, {gb(memory.kv_pool_bytes)} hold "
            f"{memory.kv_capacity_tokens:,} tokens ({full} full-length request{'s' if full != 1 else ''} at once).")


def state_part(memory: MemoryBudget) -> str:
    """', and 31.2 GB of linear-attention state (…)' for a hybrid model ('' otherwise)."""
    if not memory.state_bytes_per_request:
        return ""
    return (f", and {gb(memory.state_pool_bytes)} of linear-attention state ({memory.state_slots:,} slots of "
            f"{memory.state_bytes_per_request / 1e6:.1f} MB: SGLang gives the state {STATE_RATIO} of what the KV "
            f"cache gets; at most {memory.max_running_requests:,} requests run at once)")


def vision_line(model: ModelSpec, memory: MemoryBudget) -> str:
    """The vision tower's activations against what the engine keeps outside its pool."""
    pixels = largest_image_pixels(model)
    tokens = pixels // (model.vision.patch_size * model.vision.spatial_merge_size) ** 2
    return (f"Vision tower: the largest image ({pixels} pixels, {tokens} tokens) needs about "
            f"{gb(memory.vision_activation_bytes)} of activations per GPU, inside the {gb(memory.outside_pool_bytes)} "
            f"the engine keeps outside its pool.")


def attention_line(gpu: GpuSpec, engine: str, extra: tuple[str, ...]) -> str:
    """Which vision attention the engine will use."""
    if engine == "vllm":
        return "vLLM picks its own vision attention backend."
    if "--mm-attention-backend" in " ".join(extra):
        return "Vision attention: as given in --engine-args."
    default = {"hopper": "fa3", "blackwell": "fa4", "cdna3": "aiter_attn", "cdna4": "aiter_attn"}.get(gpu.arch,
                                                                                                       "triton_attn")
    return (f"Vision attention: SGLang's default for {gpu.arch} ({default}); never sdpa, which builds a dense "
            "mask over every image of a batch.")


def lowered_line(requested: int, context_length: int, tp: int) -> str:
    """Why the context length is shorter than asked."""
    return (f"Context length lowered from {requested} to {context_length} tokens: that is the most the KV cache "
            f"holds at tp {tp} with these GPUs. More GPUs (or larger ones) give the full length.")


def refusal_text(model: ModelSpec, gpu: GpuSpec, count: int, engine: str, memory: MemoryBudget,
                 context_length: int, suggestion: str, fp8: bool = False) -> str:
    """Why the model does not fit on count x gpu, and what would."""
    engine_name = "SGLang" if engine == "sglang" else "vLLM"
    gpus = f"{count} x {gpu.label}"
    if not memory.weights_fit:
        why = (f"{short_name(model)} in {weights_label(model, fp8)} needs ~{gb(weight_bytes(model, fp8).total)} of "
               "weights; "
               f"{gpus} hold{'s' if count == 1 else ''} at most ~{gb(memory.pool_bytes * count)} for weights and KV "
               f"cache after {engine_name}'s runtime reserve")
    else:
        why = (f"{short_name(model)} on {gpus} leaves KV cache for only {memory.kv_capacity_tokens:,} tokens, "
               f"fewer than the {context_length} asked for and the 8192-token minimum")
    return f"{why}; {suggestion}." if suggestion else f"{why}."


def scale_lines(engine: str, asked: int | None, tp: int, dp: int, routed: bool, router_asked: bool) -> list[str]:
    """Data-parallel replicas, unused GPUs, and an unused router."""
    lines = []
    if dp > 1:
        front = ("sglang-router (python -m sglang_router.launch_server)" if routed else
                 "SGLang's built-in data-parallel controller (--dp-size)" if engine == "sglang" else
                 "vLLM's data parallelism (--data-parallel-size)")
        lines.append(f"The model fits on {tp} GPU(s); the {asked} GPUs given run {dp} replicas of tp {tp} behind "
                     f"{front}, one endpoint with {dp}x the throughput.")
    leftover = (asked or 0) - tp * dp
    if leftover > 0:
        verb = "stays" if leftover == 1 else "stay"
        lines.append(f"{leftover} of the {asked} GPUs {verb} unused: replicas of tp {tp} do not divide {asked}.")
    if router_asked and dp == 1:
        lines.append("sglang-router is not used: there is a single replica.")
    return lines
