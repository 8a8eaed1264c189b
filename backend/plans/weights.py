"""Weight bytes as the engine holds them, layer by layer: 16-bit, a 4-bit AWQ checkpoint, or FP8 quantized at load.

AWQ (sglang `awq/schemes/awq_marlin.py` create_weights; the Marlin repack keeps every element count): each
quantized linear of K inputs and N outputs holds qweight int32 [K, N*bits/32], qzeros int32 [K/group, N*bits/32]
and 16-bit scales [K/group, N]. Only the language model's linears are quantized: modules named in
`modules_to_not_convert` ("visual": the vision tower), the embeddings and lm_head stay 16-bit.
FP8 online (`--quantization fp8`, sglang `fp8.py`): every linear layer, the vision tower's included, becomes one
byte per weight plus one fp32 scale per output channel; embeddings, lm_head, norms, biases and the patch embedding
(a convolution) stay 16-bit. Measured on an H200 (SGLang 0.5.16, 7B): bf16 15.70, fp8 8.96, AWQ 6.75 GB, each
0.2-0.3 GiB above this arithmetic, which the calibrated runtime overhead already holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.model_spec import AwqConfig, Fp8Config, ModelSpec

FP8_SCALE_BYTES = 4  # one fp32 scale per output channel


@dataclass(frozen=True)
class Linear:
    """One linear layer's shape (K inputs, N outputs), how many the model has, and how tensor parallel splits it."""

    inputs: int
    outputs: int
    count: int
    vision: bool = False
    kv: bool = False  # a k or v projection: replicated, not split, past kv_heads
    row_parallel: bool = False  # splits K (o_proj, down_proj); the others split N
    quantized: bool = True  # False: a checkpoint's quantization leaves it 16-bit (MoE routers, one-output gates)


def _text_linears(model: ModelSpec) -> list[Linear]:
    hidden, full = model.hidden, model.full_attention_layers
    q_out, kv_out = model.heads * model.head_dim, model.kv_heads * model.head_dim
    layers = [Linear(hidden, q_out * (2 if model.output_gate else 1), full),
              Linear(hidden, kv_out, 2 * full, kv=True), Linear(q_out, hidden, full, row_parallel=True)]
    gdn, count = model.linear_attention, model.linear_attention_layers
    if gdn is not None:
        values = gdn.value_heads * gdn.value_dim
        layers += [Linear(hidden, gdn.qkv_width, count), Linear(hidden, values, count),
                   Linear(hidden, gdn.value_heads, 2 * count, quantized=False),
                   Linear(values, hidden, count, row_parallel=True)]
    moe = model.moe
    if moe is None:
        return layers + [Linear(hidden, model.intermediate, 2 * model.layers),
                         Linear(model.intermediate, hidden, model.layers, row_parallel=True)]
    experts = moe.experts * model.layers
    layers += [Linear(hidden, moe.experts, model.layers, quantized=False),
               Linear(hidden, moe.intermediate, 2 * experts), Linear(moe.intermediate, hidden, experts, row_parallel=True)]
    if moe.shared_intermediate:
        layers += [Linear(hidden, moe.shared_intermediate, 2 * model.layers),
                   Linear(moe.shared_intermediate, hidden, model.layers, row_parallel=True),
                   Linear(hidden, 1, model.layers, quantized=False)]
    return layers


def linears(model: ModelSpec) -> list[Linear]:
    """Every linear layer of the language model and the vision tower (biases are counted apart)."""
    v = model.vision
    merged = v.hidden * v.spatial_merge_size**2
    mlp = ([Linear(v.hidden, v.intermediate, 2 * v.depth, vision=True)] if v.gated_mlp
           else [Linear(v.hidden, v.intermediate, v.depth, vision=True)])
    return [
        *_text_linears(model),
        Linear(v.hidden, 3 * v.hidden, v.depth, vision=True), Linear(v.hidden, v.hidden, v.depth, vision=True),
        *mlp, Linear(v.intermediate, v.hidden, v.depth, vision=True),
        Linear(merged, merged, 1 + v.deepstack, vision=True), Linear(merged, v.out_hidden, 1 + v.deepstack, vision=True),
    ]


def awq_quantizes(awq: AwqConfig | Fp8Config, layer: Linear) -> bool:
    """SGLang's substring test of modules_to_not_convert against the layer's prefix ('visual.blocks...')."""
    prefix = "visual.blocks" if layer.vision else "model.layers"
    return layer.quantized and not any(module in prefix for module in awq.modules_to_not_convert)


def linear_bytes(model: ModelSpec, layer: Linear, fp8: bool) -> int:
    """Bytes of one such layer's weight (and its quantization tensors), biases excluded."""
    k, n = layer.inputs, layer.outputs
    awq, block_fp8 = model.awq, model.fp8_checkpoint
    if awq is not None and awq_quantizes(awq, layer):
        packed = n * awq.bits // 32
        groups = k // awq.group_size
        return k * packed * 4 + groups * packed * 4 + groups * n * model.dtype_bytes
    if block_fp8 is not None and awq_quantizes(block_fp8, layer):
        return k * n + -(-k // block_fp8.block) * -(-n // block_fp8.block) * FP8_SCALE_BYTES
    if fp8 and layer.quantized:
        return k * n + n * FP8_SCALE_BYTES
    return k * n * model.dtype_bytes


@dataclass(frozen=True)
class WeightBytes:
    """All weight bytes of the model, and the part in k/v projections (replicated when tp > kv heads)."""

    total: int
    kv_proj: int

    def per_gpu(self, model: ModelSpec, tp: int) -> int:
        """What one GPU holds at tensor-parallel size tp."""
        kv_share = self.kv_proj * model.kv_heads_per_gpu(tp) // model.kv_heads
        return (self.total - self.kv_proj) // tp + kv_share


def weight_bytes(model: ModelSpec, fp8: bool = False) -> WeightBytes:
    """The model's weight bytes: every linear by its format, everything else (biases, norms, embeddings) 16-bit."""
    layers = linears(model)
    linear_params = sum(layer.inputs * layer.outputs * layer.count for layer in layers)
    rest = (model.total_params - linear_params) * model.dtype_bytes
    kv_out = model.kv_heads * model.head_dim
    kv_bias = 2 * model.full_attention_layers * kv_out * model.dtype_bytes if model.attention_bias else 0
    kv = sum(linear_bytes(model, layer, fp8) * layer.count for layer in layers if layer.kv) + kv_bias
    return WeightBytes(sum(linear_bytes(model, layer, fp8) * layer.count for layer in layers) + rest, kv)


def weights_per_gpu(model: ModelSpec, tp: int, fp8: bool = False) -> int:
    """Weight bytes one GPU holds at tensor-parallel size tp."""
    return weight_bytes(model, fp8).per_gpu(model, tp)


def weights_label(model: ModelSpec, fp8: bool = False) -> str:
    """'bf16', 'fp32', 'AWQ 4-bit', 'FP8 (block 128)' or 'FP8': how the weights are stored on the GPU."""
    if model.awq is not None:
        return f"AWQ {model.awq.bits}-bit"
    if model.fp8_checkpoint is not None:
        return f"FP8 (block {model.fp8_checkpoint.block})"
    if fp8:
        return "FP8"
    return "fp32" if model.dtype_bytes == 4 else "bf16"


def _is_expert(model: ModelSpec, layer: Linear) -> bool:
    return model.moe is not None and layer.count % (model.moe.experts * model.layers) == 0 and (
        model.moe.intermediate in (layer.inputs, layer.outputs))


def quantized_tp_reason(model: ModelSpec, tp: int, expert_parallel: bool = False) -> str:
    """Why tp cannot split a quantized checkpoint's layers: an AWQ layer into whole groups and packed columns, a
    block-FP8 layer into whole 128-wide blocks (SGLang's fp8.py refuses either) ('' when it can). With expert
    parallelism each GPU holds whole experts, so their widths are not split."""
    awq, block_fp8 = model.awq, model.fp8_checkpoint
    if awq is None and block_fp8 is None:
        return ""
    for layer in linears(model):
        if layer.kv or not awq_quantizes(awq or block_fp8, layer) or (expert_parallel and _is_expert(model, layer)):
            continue
        width, kind = (layer.inputs, "input") if layer.row_parallel else (layer.outputs, "output")
        if awq is not None and layer.row_parallel and (width // tp) % awq.group_size:
            return (f"tp {tp} splits a {width}-input AWQ layer into {width / tp:g} inputs per GPU, "
                    f"not a multiple of the group size {awq.group_size}")
        if awq is not None and not layer.row_parallel and (width // tp) % (32 // awq.bits):
            return f"tp {tp} splits a {width}-output AWQ layer across packed int32 columns"
        if block_fp8 is not None and (width % tp or (width // tp) % block_fp8.block):
            return (f"tp {tp} splits a {width}-{kind} FP8 layer into {width / tp:g} per GPU, not whole "
                    f"{block_fp8.block}-wide blocks")
    return ""
