"""One model's architecture as its config.json states it, and the parameter counts the memory arithmetic needs.

Three generations share these shapes: Qwen2.5-VL (attention with q/k/v biases, a gated MLP in the vision tower),
Qwen3-VL (q/k norms instead of biases, mixture-of-experts layers in its MoE models, a LayerNorm vision tower with a
position embedding and "deepstack" mergers) and Qwen3.5 (Qwen3-VL's tower without deepstack, attention whose q_proj
also writes an output gate, three of every four layers Gated DeltaNet linear attention that keeps a fixed-size
state per request instead of a KV cache). tests/test_model_spec.py checks every count against transformers' own
models built on the meta device.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VisionTower:
    """The vision_config numbers of a Qwen-VL model."""

    depth: int
    hidden: int
    heads: int
    intermediate: int
    out_hidden: int
    patch_size: int = 14
    temporal_patch_size: int = 2
    spatial_merge_size: int = 2
    in_channels: int = 3
    gated_mlp: bool = True  # Qwen2.5-VL: gate/up/down with RMSNorm; Qwen3-VL and Qwen3.5: fc1/fc2 with LayerNorm
    position_embeddings: int = 0  # Qwen3-VL / Qwen3.5: a learned 48 x 48 grid (2304)
    deepstack: int = 0  # Qwen3-VL: mergers feeding these vision layers' features into the language model

    @property
    def params(self) -> int:
        """Patch embedding, position embedding, blocks, the patch merger and the deepstack mergers."""
        h, i = self.hidden, self.intermediate
        patch_embed = self.in_channels * self.temporal_patch_size * self.patch_size**2 * h
        attention = h * 3 * h + 3 * h + h * h + h
        if self.gated_mlp:
            mlp, norms, merger_norm = 3 * (h * i) + 2 * i + h, 2 * h, h
        else:
            mlp, norms, merger_norm = 2 * (h * i) + i + h, 4 * h, 2 * h
            patch_embed += h  # the convolution's bias
        merged = h * self.spatial_merge_size**2
        projector = merged * merged + merged + merged * self.out_hidden + self.out_hidden
        deepstack = self.deepstack * (2 * merged + projector)  # each normalises the merged features itself
        return (patch_embed + self.position_embeddings * h + self.depth * (attention + mlp + norms) + merger_norm
                + projector + deepstack)


@dataclass(frozen=True)
class AwqConfig:
    """The quantization_config of an AWQ checkpoint (Qwen's: 4 bit, group 128, zero point, vision not converted)."""

    bits: int = 4
    group_size: int = 128
    zero_point: bool = True
    version: str = "gemm"
    modules_to_not_convert: tuple[str, ...] = ("visual",)


@dataclass(frozen=True)
class Fp8Config:
    """A block-wise FP8 checkpoint's quantization_config (Qwen's -FP8 releases: "fine-grained fp8 quantization with
    block size of 128"): one byte per weight and one fp32 scale per block of its linears."""

    block: int = 128
    modules_to_not_convert: tuple[str, ...] = ("visual",)


@dataclass(frozen=True)
class MoeSpec:
    """The mixture-of-experts MLP of every decoder layer: routed experts, and Qwen3.5's one shared expert."""

    experts: int
    active: int  # experts each token goes through (num_experts_per_tok)
    intermediate: int  # moe_intermediate_size, per expert
    shared_intermediate: int = 0  # shared_expert_intermediate_size (0: none)

    def params(self, hidden: int) -> int:
        """One layer's router, experts and shared expert (with its one-output gate)."""
        shared = 3 * hidden * self.shared_intermediate + hidden if self.shared_intermediate else 0
        return hidden * self.experts + self.experts * 3 * hidden * self.intermediate + shared


@dataclass(frozen=True)
class LinearAttention:
    """Qwen3.5's Gated DeltaNet layers: every `interval`-th layer is full attention, the others linear attention."""

    interval: int  # full_attention_interval
    key_heads: int
    value_heads: int
    key_dim: int
    value_dim: int
    conv_kernel: int = 4

    @property
    def qkv_width(self) -> int:
        """Outputs of in_proj_qkv, and the channels of the causal convolution."""
        return 2 * self.key_heads * self.key_dim + self.value_heads * self.value_dim

    def params(self, hidden: int) -> int:
        """One linear-attention layer: projections, convolution, decay and gate vectors, norm, output."""
        values = self.value_heads * self.value_dim
        return (hidden * self.qkv_width + hidden * values + 2 * hidden * self.value_heads
                + self.qkv_width * self.conv_kernel + 2 * self.value_heads + self.value_dim + values * hidden)

    def state_bytes(self, tp: int, conv_bytes: int = 2, ssm_bytes: int = 4) -> int:
        """One request's state in one linear-attention layer on one GPU, as SGLang sizes it
        (`configs/mamba_utils.py`: conv state of kernel - 1 steps in bf16, a value_dim x key_dim fp32 matrix per
        value head)."""
        conv = self.qkv_width // tp * (self.conv_kernel - 1) * conv_bytes
        ssm = self.value_heads // tp * self.value_dim * self.key_dim * ssm_bytes
        return conv + ssm


@dataclass(frozen=True)
class ModelSpec:
    """One model's architecture as its config.json states it."""

    hf_id: str
    family: str  # "qwen2.5-vl" | "qwen2-vl" | "qwen3-vl" | "qwen3.5" | other model_type
    layers: int
    hidden: int
    intermediate: int
    vocab: int
    heads: int
    kv_heads: int
    head_dim: int
    tied_embeddings: bool
    max_context: int
    vision: VisionTower
    dtype_bytes: int = 2  # bf16
    quantization: AwqConfig | Fp8Config | None = None  # a quantized checkpoint's quantization_config
    attention_bias: bool = True  # Qwen2.5-VL: q/k/v biases; Qwen3 models: q/k RMSNorms instead
    output_gate: bool = False  # Qwen3.5: q_proj writes the query and a gate of the same width
    moe: MoeSpec | None = None
    linear_attention: LinearAttention | None = None
    thinking: bool = False  # answers start with reasoning (Qwen3-VL -Thinking; Qwen3.5 by its chat template)

    @property
    def awq(self) -> AwqConfig | None:
        """The AWQ quantization_config (None for none or FP8)."""
        return self.quantization if isinstance(self.quantization, AwqConfig) else None

    @property
    def fp8_checkpoint(self) -> Fp8Config | None:
        """The block-FP8 quantization_config (None for none or AWQ)."""
        return self.quantization if isinstance(self.quantization, Fp8Config) else None

    @property
    def full_attention_layers(self) -> int:
        """Layers with attention and a KV cache (all of them but Qwen3.5's linear-attention layers)."""
        if self.linear_attention is None:
            return self.layers
        return self.layers // self.linear_attention.interval

    @property
    def linear_attention_layers(self) -> int:
        """Gated DeltaNet layers (0 for models without them)."""
        return self.layers - self.full_attention_layers

    @property
    def attention_params(self) -> int:
        """One full-attention layer's projections (and biases or q/k norms)."""
        q_out, kv_out = self.heads * self.head_dim, self.kv_heads * self.head_dim
        q_proj = self.hidden * q_out * (2 if self.output_gate else 1)
        extra = q_out + 2 * kv_out if self.attention_bias else 2 * self.head_dim
        return q_proj + 2 * self.hidden * kv_out + q_out * self.hidden + extra

    @property
    def mlp_params(self) -> int:
        """One layer's MLP: dense, or router and experts."""
        return self.moe.params(self.hidden) if self.moe else 3 * self.hidden * self.intermediate

    @property
    def text_params(self) -> int:
        """Parameters of the language model (embeddings, decoder layers, final norm, lm_head)."""
        linear = self.linear_attention.params(self.hidden) if self.linear_attention else 0
        mixers = self.full_attention_layers * self.attention_params + self.linear_attention_layers * linear
        embeddings = self.vocab * self.hidden * (1 if self.tied_embeddings else 2)
        return mixers + self.layers * (self.mlp_params + 2 * self.hidden) + embeddings + self.hidden

    @property
    def active_params(self) -> int:
        """Parameters one token goes through (all of them but the experts it is not routed to)."""
        if self.moe is None:
            return self.total_params
        idle = self.moe.experts - self.moe.active
        return self.total_params - self.layers * idle * 3 * self.hidden * self.moe.intermediate

    @property
    def kv_proj_params(self) -> int:
        """Parameters of the k/v projections (these are replicated, not split, when tp > kv heads)."""
        kv_out = self.kv_heads * self.head_dim
        bias = kv_out if self.attention_bias else 0
        return self.full_attention_layers * 2 * (self.hidden * kv_out + bias)

    @property
    def vision_params(self) -> int:
        """Parameters of the vision tower."""
        return self.vision.params

    @property
    def total_params(self) -> int:
        """All parameters."""
        return self.text_params + self.vision_params

    def kv_heads_per_gpu(self, tp: int) -> int:
        """KV heads each GPU stores: kv_heads / tp, but at least one (heads are replicated when tp > kv_heads)."""
        return max(1, self.kv_heads // tp)

    def kv_bytes_per_token(self, tp: int, kv_dtype_bytes: int = 2) -> int:
        """KV-cache bytes per token on one GPU: 2 (K and V) x attention layers x kv heads per GPU x head_dim x
        bytes (linear-attention layers keep no KV cache)."""
        return 2 * self.full_attention_layers * self.kv_heads_per_gpu(tp) * self.head_dim * kv_dtype_bytes

    def state_bytes_per_request(self, tp: int) -> int:
        """Linear-attention state one request holds on one GPU (0 for models without linear attention)."""
        if self.linear_attention is None:
            return 0
        return self.linear_attention_layers * self.linear_attention.state_bytes(tp)
