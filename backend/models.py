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

from backend.catalog import qwen3_models, source_line
from backend.families import QWEN3_5, QWEN25_VL, family_for_model_type, thinks_first
from backend.model_spec import AwqConfig, Fp8Config, LinearAttention, ModelSpec, MoeSpec, VisionTower
from backend.plans.errors import PlanInputError


class ModelError(PlanInputError):
    """The model name cannot be resolved to an architecture (user-facing message)."""


# Qwen2_5_VLVisionConfig's defaults (transformers), for the fields Qwen's own config.json files leave out
# (no depth / num_heads anywhere, no intermediate_size in 3B and 7B).
QWEN25_VISION_DEFAULTS = {"depth": 32, "hidden_size": 1280, "num_heads": 16, "intermediate_size": 3420,
                          "patch_size": 14, "temporal_patch_size": 2, "spatial_merge_size": 2, "in_channels": 3}


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


def _quantization_config(config: dict) -> dict:
    quant = config.get("quantization_config") or config.get("text_config", {}).get("quantization_config")
    return quant if isinstance(quant, dict) else {}


def awq_from_config(config: dict) -> AwqConfig | None:
    """The AwqConfig of an AWQ quantization_config (None for none or another method)."""
    quant = _quantization_config(config)
    if str(quant.get("quant_method", "")).lower() != "awq":
        return None
    return AwqConfig(bits=int(quant.get("bits", 4)), group_size=int(quant.get("group_size", 128)),
                     zero_point=bool(quant.get("zero_point", True)), version=str(quant.get("version", "gemm")),
                     modules_to_not_convert=tuple(quant.get("modules_to_not_convert") or ()))


def quantization_from_config(config: dict) -> AwqConfig | Fp8Config | None:
    """An AWQ or block-FP8 checkpoint's quantization_config as the planner models it (None for 16-bit weights)."""
    quant = _quantization_config(config)
    if str(quant.get("quant_method", "")).lower() == "fp8" and quant.get("weight_block_size"):
        skipped = quant.get("modules_to_not_convert") or quant.get("ignored_layers") or ()
        return Fp8Config(block=int(quant["weight_block_size"][0]), modules_to_not_convert=tuple(skipped))
    return awq_from_config(config)


def _vision_field(vision: dict, defaults: dict, *names: str) -> int:
    for name in names:
        if vision.get(name) is not None:
            return int(vision[name])
    return int(defaults[names[0]])  # KeyError: a size this family has no default for


def _moe(text: dict) -> MoeSpec | None:
    if not text.get("num_experts"):
        return None
    if int(text.get("decoder_sparse_step", 1)) != 1 or text.get("mlp_only_layers"):
        raise ValueError("dense layers between the MoE layers (decoder_sparse_step / mlp_only_layers)")
    return MoeSpec(experts=int(text["num_experts"]), active=int(text["num_experts_per_tok"]),
                   intermediate=int(text["moe_intermediate_size"]),
                   shared_intermediate=int(text.get("shared_expert_intermediate_size") or 0))


def _linear_attention(text: dict) -> LinearAttention | None:
    """Qwen3.5's layer layout: SGLang places full attention by full_attention_interval alone
    (configs/qwen3_next.py layers_block_type), so layer_types must agree with it."""
    kinds = text.get("layer_types") or []
    if not text.get("full_attention_interval") and "linear_attention" not in kinds:
        return None
    interval = int(text.get("full_attention_interval") or len(kinds) // kinds.count("full_attention"))
    expected = ["full_attention" if (index + 1) % interval == 0 else "linear_attention"
                for index in range(int(text["num_hidden_layers"]))]
    if kinds and list(kinds) != expected:
        raise ValueError("layer_types do not follow full_attention_interval")
    return LinearAttention(interval=interval, key_heads=int(text["linear_num_key_heads"]),
                           value_heads=int(text["linear_num_value_heads"]),
                           key_dim=int(text["linear_key_head_dim"]), value_dim=int(text["linear_value_head_dim"]),
                           conv_kernel=int(text.get("linear_conv_kernel_dim", 4)))


def spec_from_config(config: dict, name: str, thinking: bool | None = None) -> ModelSpec:
    """A ModelSpec from the contents of a Qwen-VL config.json (text fields top-level or under text_config).

    Vision fields Qwen2.5-VL configs leave out take transformers' Qwen2_5_VLVisionConfig defaults; other families
    must state them. thinking: whether answers start with reasoning (None: a -Thinking name, or a Qwen3.5 model).
    """
    text = {**config, **config.get("text_config", {})}
    vision = config.get("vision_config")
    model_type = str(config.get("model_type", "unknown"))
    family = family_for_model_type(model_type)
    qwen2 = model_type in ("qwen2_5_vl", "qwen2_vl")
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
            gated_mlp=model_type == "qwen2_5_vl",
            position_embeddings=int(vision.get("num_position_embeddings") or 0),
            deepstack=len(vision.get("deepstack_visual_indexes") or ()),
        )
        dtype = str(text.get("torch_dtype") or text.get("dtype") or config.get("torch_dtype") or "bfloat16")
        moe = _moe(text)
        return ModelSpec(
            hf_id=name, family=family,
            layers=int(text["num_hidden_layers"]), hidden=hidden,
            intermediate=int(text["intermediate_size"]) if moe is None else int(text.get("intermediate_size") or 0),
            vocab=int(text["vocab_size"]), heads=heads, kv_heads=int(text.get("num_key_value_heads", heads)),
            head_dim=int(text.get("head_dim") or hidden // heads),
            tied_embeddings=bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False))),
            max_context=int(text.get("max_position_embeddings", 32768)), vision=tower,
            dtype_bytes=4 if dtype in ("float32", "torch.float32") else 2,
            quantization=quantization_from_config(config), attention_bias=bool(text.get("attention_bias", qwen2)),
            output_gate=bool(text.get("attn_output_gate", False)), moe=moe, linear_attention=_linear_attention(text),
            thinking=thinking if thinking is not None else thinks_first(name) or family == QWEN3_5.name,
        )
    except (KeyError, TypeError, ValueError, AttributeError, ZeroDivisionError) as error:
        raise ModelError(f"{name}: config.json lacks the text or vision sizes the planner needs ({error!r})") from error


QWEN3_MODELS = {model.short_name: model for model in qwen3_models()}
CATALOG.update({key: spec_from_config(model.config, model.hf_id) for key, model in QWEN3_MODELS.items()})
CATALOG_KEYS = {spec.hf_id: key for key, spec in CATALOG.items()}


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


def catalog_key(name: str) -> str | None:
    """The catalog's key for '7B', 'qwen3-vl-8b-thinking', 'Qwen3-VL-8B' (its Instruct release) or a Hugging Face
    id of the catalog (any case), else None; never looks at files."""
    lowered = name.strip().lower()
    for key, spec in CATALOG.items():
        if lowered in (key.lower(), spec.hf_id.lower()) or f"{lowered}-instruct" in (key.lower(),
                                                                                    spec.hf_id.lower()):
            return key
    return None


def catalog_spec(name: str) -> ModelSpec | None:
    """The catalog entry a name gives (see catalog_key), else None."""
    key = catalog_key(name)
    return CATALOG[key] if key else None


def resolve_model(name: str) -> ResolvedModel:
    """Resolve '7B', 'Qwen/Qwen2.5-VL-7B-Instruct', a local folder, or another HF id (cached or name-matched)."""
    text = name.strip()
    if not text:
        raise ModelError("no model given: use 3B, 7B, 32B, 72B (or 3B-AWQ ... 72B-AWQ), a Hugging Face id or a "
                         "local folder")
    if text.startswith("-"):
        raise ModelError(f"{text}: a model name cannot start with '-' (the engine would read it as a flag)")
    key = catalog_key(text)
    if key is not None:
        spec = CATALOG[key]
        notes = (source_line(QWEN3_MODELS[key]),) if key in QWEN3_MODELS else ()
        return ResolvedModel(spec, spec.hf_id, spec.hf_id, notes)
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
