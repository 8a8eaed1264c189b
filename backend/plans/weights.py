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

from backend.models import AwqConfig, ModelSpec

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


def linears(model: ModelSpec) -> list[Linear]:
    """Every linear layer of the language model and the vision tower (biases are counted apart)."""
    q_out, kv_out, layers = model.heads * model.head_dim, model.kv_heads * model.head_dim, model.layers
    v = model.vision
    merged = v.hidden * v.spatial_merge_size**2
    return [
        Linear(model.hidden, q_out, layers), Linear(model.hidden, kv_out, 2 * layers, kv=True),
        Linear(q_out, model.hidden, layers, row_parallel=True),
        Linear(model.hidden, model.intermediate, 2 * layers),
        Linear(model.intermediate, model.hidden, layers, row_parallel=True),
        Linear(v.hidden, 3 * v.hidden, v.depth, vision=True), Linear(v.hidden, v.hidden, v.depth, vision=True),
        Linear(v.hidden, v.intermediate, 2 * v.depth, vision=True),
        Linear(v.intermediate, v.hidden, v.depth, vision=True),
        Linear(merged, merged, 1, vision=True), Linear(merged, v.out_hidden, 1, vision=True),
    ]


def awq_quantizes(awq: AwqConfig, layer: Linear) -> bool:
    """SGLang's substring test of modules_to_not_convert against the layer's prefix ('visual.blocks...')."""
    prefix = "visual.blocks" if layer.vision else "model.layers"
    return not any(module in prefix for module in awq.modules_to_not_convert)


def linear_bytes(model: ModelSpec, layer: Linear, fp8: bool) -> int:
    """Bytes of one such layer's weight (and its quantization tensors), biases excluded."""
    k, n = layer.inputs, layer.outputs
    awq = model.quantization
    if awq is not None and awq_quantizes(awq, layer):
        packed = n * awq.bits // 32
        groups = k // awq.group_size
        return k * packed * 4 + groups * packed * 4 + groups * n * model.dtype_bytes
    if fp8:
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
    kv_bias = 2 * model.layers * kv_out * model.dtype_bytes
    kv = sum(linear_bytes(model, layer, fp8) * layer.count for layer in layers if layer.kv) + kv_bias
    return WeightBytes(sum(linear_bytes(model, layer, fp8) * layer.count for layer in layers) + rest, kv)


def weights_per_gpu(model: ModelSpec, tp: int, fp8: bool = False) -> int:
    """Weight bytes one GPU holds at tensor-parallel size tp."""
    return weight_bytes(model, fp8).per_gpu(model, tp)


def weights_label(model: ModelSpec, fp8: bool = False) -> str:
    """'bf16', 'fp32', 'AWQ 4-bit' or 'FP8': how the weights are stored on the GPU."""
    if model.quantization is not None:
        return f"AWQ {model.quantization.bits}-bit"
    if fp8:
        return "FP8"
    return "fp32" if model.dtype_bytes == 4 else "bf16"


def awq_tp_reason(model: ModelSpec, tp: int) -> str:
    """Why tp cannot split an AWQ model's quantized layers into whole groups and packed columns ('' when it can)."""
    awq = model.quantization
    if awq is None:
        return ""
    pack = 32 // awq.bits
    for layer in linears(model):
        if layer.kv or not awq_quantizes(awq, layer):
            continue
        if layer.row_parallel and (layer.inputs // tp) % awq.group_size:
            return (f"tp {tp} splits a {layer.inputs}-input AWQ layer into {layer.inputs / tp:g} inputs per GPU, "
                    f"not a multiple of the group size {awq.group_size}")
        if not layer.row_parallel and (layer.outputs // tp) % pack:
            return f"tp {tp} splits a {layer.outputs}-output AWQ layer across packed int32 columns"
    return ""
