"""Model catalog: the Qwen2.5-VL facts the memory arithmetic needs, and resolving any model name to them.

The catalog copies the public config.json of Qwen/Qwen2.5-VL-{3B,7B,32B,72B}-Instruct (text model sizes and
vision_config) and of their -AWQ releases (the same architecture, except 72B-AWQ's intermediate_size 29696 =
232 x 128, padded so that tp 2/4/8 split down_proj into whole groups; plus the quantization_config). Parameter
counts and weight bytes (backend/plans/weights.py) are computed from these numbers, never typed in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from backend.families import QWEN25_VL, family_for_model_type
from backend.plans.errors import PlanInputError


class ModelError(PlanInputError):
    """The model name cannot be resolved to an architecture (user-facing message)."""


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


@dataclass(frozen=True)
class AwqConfig:
    """The quantization_config of an AWQ checkpoint (Qwen's: 4 bit, group 128, zero point, vision not converted)."""

    bits: int = 4
    group_size: int = 128
    zero_point: bool = True
    version: str = "gemm"
    modules_to_not_convert: tuple[str, ...] = ("visual",)


# Qwen2_5_VLVisionConfig's defaults (transformers), for the fields Qwen's own config.json files leave out
# (no depth / num_heads anywhere, no intermediate_size in 3B and 7B).
QWEN25_VISION_DEFAULTS = {"depth": 32, "hidden_size": 1280, "num_heads": 16, "intermediate_size": 3420,
                          "patch_size": 14, "temporal_patch_size": 2, "spatial_merge_size": 2, "in_channels": 3}


@dataclass(frozen=True)
class ModelSpec:
    """One model's architecture as its config.json states it."""

    hf_id: str
    family: str  # "qwen2.5-vl" | "qwen2-vl" | "qwen3-vl" | other model_type
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
    quantization: AwqConfig | None = None  # an AWQ checkpoint's quantization_config

    @property
    def text_params(self) -> int:
        """Parameters of the language model (embeddings, decoder layers, final norm, lm_head)."""
        q_out = self.heads * self.head_dim
        kv_out = self.kv_heads * self.head_dim
        attention = self.hidden * q_out + q_out + 2 * (self.hidden * kv_out + kv_out) + q_out * self.hidden
        mlp = 3 * self.hidden * self.intermediate
        per_layer = attention + mlp + 2 * self.hidden
        embeddings = self.vocab * self.hidden * (1 if self.tied_embeddings else 2)
        return self.layers * per_layer + embeddings + self.hidden

    @property
    def kv_proj_params(self) -> int:
        """Parameters of the k/v projections (these are replicated, not split, when tp > kv heads)."""
        kv_out = self.kv_heads * self.head_dim
        return self.layers * 2 * (self.hidden * kv_out + kv_out)

    @property
    def vision_params(self) -> int:
        """Parameters of the vision tower: patch embedding, blocks, patch merger."""
        v = self.vision
        patch_embed = v.in_channels * v.temporal_patch_size * v.patch_size**2 * v.hidden
        attention = v.hidden * 3 * v.hidden + 3 * v.hidden + v.hidden * v.hidden + v.hidden
        mlp = 2 * (v.hidden * v.intermediate + v.intermediate) + v.intermediate * v.hidden + v.hidden
        block = attention + mlp + 2 * v.hidden
        merged = v.hidden * v.spatial_merge_size**2
        merger = v.hidden + merged * merged + merged + merged * v.out_hidden + v.out_hidden
        return patch_embed + v.depth * block + merger

    @property
    def total_params(self) -> int:
        """All parameters."""
        return self.text_params + self.vision_params

    def kv_heads_per_gpu(self, tp: int) -> int:
        """KV heads each GPU stores: kv_heads / tp, but at least one (heads are replicated when tp > kv_heads)."""
        return max(1, self.kv_heads // tp)

    def kv_bytes_per_token(self, tp: int, kv_dtype_bytes: int = 2) -> int:
        """KV-cache bytes per token on one GPU: 2 (K and V) x layers x kv heads per GPU x head_dim x bytes."""
        return 2 * self.layers * self.kv_heads_per_gpu(tp) * self.head_dim * kv_dtype_bytes


def _qwen25vl(size: str, layers: int, hidden: int, intermediate: int, vocab: int, heads: int, kv_heads: int,
              tied: bool, vision_intermediate: int, awq: AwqConfig | None = None) -> ModelSpec:
    return ModelSpec(
        hf_id=f"Qwen/Qwen2.5-VL-{size}-Instruct" + ("-AWQ" if awq else ""), family=QWEN25_VL.name, layers=layers,
        hidden=hidden,
        intermediate=intermediate, vocab=vocab, heads=heads, kv_heads=kv_heads, head_dim=hidden // heads,
        tied_embeddings=tied, max_context=128000,
        vision=VisionTower(depth=32, hidden=1280, heads=16, intermediate=vision_intermediate, out_hidden=hidden),
        quantization=awq,
    )


CATALOG: dict[str, ModelSpec] = {
    "3B": _qwen25vl("3B", 36, 2048, 11008, 151936, 16, 2, True, 3420),
    "7B": _qwen25vl("7B", 28, 3584, 18944, 152064, 28, 4, False, 3420),
    "32B": _qwen25vl("32B", 64, 5120, 27648, 152064, 40, 8, False, 3456),
    "72B": _qwen25vl("72B", 80, 8192, 29568, 152064, 64, 8, False, 3456),
    "3B-AWQ": _qwen25vl("3B", 36, 2048, 11008, 151936, 16, 2, True, 3420, AwqConfig()),
    "7B-AWQ": _qwen25vl("7B", 28, 3584, 18944, 152064, 28, 4, False, 3420, AwqConfig()),
    "32B-AWQ": _qwen25vl("32B", 64, 5120, 27648, 152064, 40, 8, False, 3456, AwqConfig()),
    "72B-AWQ": _qwen25vl("72B", 80, 8192, 29696, 152064, 64, 8, False, 3456, AwqConfig()),
}
CATALOG_KEYS = {spec.hf_id: key for key, spec in CATALOG.items()}

_SIZE_IN_NAME = re.compile(r"qwen2\.5-vl-(3|7|32|72)b", re.IGNORECASE)
# Hugging Face's repo id rule: [namespace/]name of letters, digits, '-', '_', '.', starting with a letter or digit.
_HF_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?", re.ASCII)


@dataclass(frozen=True)
class ResolvedModel:
    """A model name turned into what the engine loads and what the arithmetic uses."""

    spec: ModelSpec
    model_path: str  # HF id or local folder handed to the engine
    served_name: str
    notes: tuple[str, ...] = ()


def awq_from_config(config: dict) -> AwqConfig | None:
    """The AwqConfig of an AWQ quantization_config (None for none or another method)."""
    quant = config.get("quantization_config") or config.get("text_config", {}).get("quantization_config")
    if not isinstance(quant, dict) or str(quant.get("quant_method", "")).lower() != "awq":
        return None
    return AwqConfig(bits=int(quant.get("bits", 4)), group_size=int(quant.get("group_size", 128)),
                     zero_point=bool(quant.get("zero_point", True)), version=str(quant.get("version", "gemm")),
                     modules_to_not_convert=tuple(quant.get("modules_to_not_convert") or ()))


def _vision_field(vision: dict, defaults: dict, *names: str) -> int:
    for name in names:
        if vision.get(name) is not None:
            return int(vision[name])
    return int(defaults[names[0]])  # KeyError: a size this family has no default for


def spec_from_config(config: dict, name: str) -> ModelSpec:
    """A ModelSpec from the contents of a Qwen-VL config.json (text fields top-level or under text_config).

    Vision fields Qwen2.5-VL configs leave out take transformers' Qwen2_5_VLVisionConfig defaults; other families
    must state them.
    """
    text = {**config, **config.get("text_config", {})}
    vision = config.get("vision_config")
    family = family_for_model_type(str(config.get("model_type", "unknown")))
    defaults = QWEN25_VISION_DEFAULTS if family == QWEN25_VL.name else {}
    try:
        heads = int(text["num_attention_heads"])
        hidden = int(text["hidden_size"])
        tower = VisionTower(
            depth=_vision_field(vision, defaults, "depth", "num_hidden_layers"),
            hidden=_vision_field(vision, defaults, "hidden_size"),
            heads=_vision_field(vision, defaults, "num_heads", "num_attention_heads"),
            intermediate=_vision_field(vision, defaults, "intermediate_size"),
            out_hidden=int(vision.get("out_hidden_size") or hidden),
            patch_size=_vision_field(vision, defaults | {"patch_size": 14}, "patch_size"),
            temporal_patch_size=_vision_field(vision, defaults | {"temporal_patch_size": 2}, "temporal_patch_size"),
            spatial_merge_size=_vision_field(vision, defaults | {"spatial_merge_size": 2}, "spatial_merge_size"),
        )
        dtype = str(text.get("torch_dtype") or text.get("dtype") or config.get("torch_dtype") or "bfloat16")
        return ModelSpec(
            hf_id=name, family=family,
            layers=int(text["num_hidden_layers"]), hidden=hidden, intermediate=int(text["intermediate_size"]),
            vocab=int(text["vocab_size"]), heads=heads, kv_heads=int(text.get("num_key_value_heads", heads)),
            head_dim=int(text.get("head_dim") or hidden // heads),
            tied_embeddings=bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False))),
            max_context=int(text.get("max_position_embeddings", 32768)), vision=tower,
            dtype_bytes=4 if dtype in ("float32", "torch.float32") else 2, quantization=awq_from_config(config),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelError(f"{name}: config.json lacks the text or vision sizes the planner needs ({error!r})") from error


def _read_config(folder: Path) -> dict:
    try:
        return json.loads((folder / "config.json").read_text())
    except FileNotFoundError as error:
        raise ModelError(f"{folder}: no config.json in this folder") from error
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"{folder}/config.json cannot be read: {error}") from error


def _config_notes(config: dict, source: Path) -> tuple[str, ...]:
    notes = [f"Sizes read from {source}."]
    awq = awq_from_config(config)
    if awq is not None:
        notes.append(f"AWQ checkpoint ({awq.bits} bit, group {awq.group_size}): its quantized layers are counted "
                     "as packed weights, zero points and scales; the layers it does not convert stay 16-bit.")
    elif "quantization_config" in config:
        notes.append("The checkpoint is quantized with a method the planner does not model: the estimate counts "
                     "16-bit weights, so it is an upper bound.")
    return tuple(notes)


def _cached_hub_config(hf_id: str) -> Path | None:
    """config.json of hf_id from the local Hugging Face cache, without any network access."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(hf_id, "config.json")
    return Path(found) if isinstance(found, str) else None


def catalog_spec(name: str) -> ModelSpec | None:
    """The catalog entry named by '7B' or its Hugging Face id (any case), else None; never looks at files."""
    text = name.strip()
    if text.upper() in CATALOG:
        return CATALOG[text.upper()]
    return next((spec for spec in CATALOG.values() if text.lower() == spec.hf_id.lower()), None)


def resolve_model(name: str) -> ResolvedModel:
    """Resolve '7B', 'Qwen/Qwen2.5-VL-7B-Instruct', a local folder, or another HF id (cached or name-matched)."""
    text = name.strip()
    if not text:
        raise ModelError("no model given: use 3B, 7B, 32B, 72B (or 3B-AWQ ... 72B-AWQ), a Hugging Face id or a "
                         "local folder")
    if text.startswith("-"):
        raise ModelError(f"{text}: a model name cannot start with '-' (the engine would read it as a flag)")
    spec = catalog_spec(text)
    if spec is not None:
        return ResolvedModel(spec, spec.hf_id, spec.hf_id)
    folder = Path(text).expanduser()
    if folder.is_dir():
        config = _read_config(folder)
        spec = spec_from_config(config, str(folder))
        return ResolvedModel(spec, str(folder.resolve()), folder.resolve().name,
                             _config_notes(config, folder.resolve() / "config.json"))
    if text.startswith((".", "/", "~")):
        raise ModelError(f"{text}: no such folder")
    if not _HF_ID.fullmatch(text):
        raise ModelError(f"{text}: not a Hugging Face model id (namespace/name: letters, digits, '-', '_', '.') "
                         "nor a local folder")
    cached = _cached_hub_config(text)
    if cached is not None:
        config = json.loads(cached.read_text())
        return ResolvedModel(spec_from_config(config, text), text, text, _config_notes(config, cached))
    matched = _SIZE_IN_NAME.search(text)
    if matched:
        awq = "awq" in text.lower()
        base = CATALOG[f"{matched.group(1)}B" + ("-AWQ" if awq else "")]
        quantized = "with Qwen's AWQ quantization_config; " if awq else ""
        note = (f"{text} is not cached here; assuming the architecture of {base.hf_id} from its name "
                f"({quantized}a quantized or otherwise changed checkpoint needs different memory).")
        return ResolvedModel(replace(base, hf_id=text), text, text, (note,))
    raise ModelError(
        f"{text}: unknown model. Use 3B, 7B, 32B or 72B (-AWQ for Qwen's 4-bit releases), a local folder with "
        "config.json, or download the model "
        "first so its config.json is in the Hugging Face cache."
    )
