"""The model picker's choices, grouped by family, and one line on what the chosen model is good at and needs."""

from __future__ import annotations

from backend.families import FAMILIES, detect_family
from backend.model_spec import ModelSpec
from backend.models import CATALOG, catalog_spec
from backend.plans.weights import weight_bytes, weights_label

FAMILY_TITLES = {"qwen2.5-vl": "Qwen2.5-VL", "qwen3-vl": "Qwen3-VL", "qwen3.5": "Qwen3.5"}


def _needs(spec: ModelSpec) -> str:
    size = f"{spec.total_params / 1e9:.1f} B"
    if spec.moe is not None:
        size += f" ({spec.active_params / 1e9:.1f} B active)"
    return f"{size}, {weight_bytes(spec).total / 1e9:.0f} GB {weights_label(spec)}"


def picker_choices() -> list[tuple[str, str]]:
    """(label, catalog key) for every catalog model, family by family: 'Qwen3-VL · Qwen3-VL-8B-Instruct · 8.8 B,
    18 GB bf16'."""
    choices = []
    for family, title in FAMILY_TITLES.items():
        for key, spec in CATALOG.items():
            if spec.family == family:
                choices.append((f"{title} · {key} · {_needs(spec)}", key))
    return choices


def about_model(name: str) -> str:
    """What the family is good at, and what this model needs ('' for a name of no known family)."""
    spec = catalog_spec(name)
    family = FAMILIES.get(spec.family) if spec is not None else detect_family(name)
    if family is None or not family.summary:
        return ""
    if spec is None:
        return f"{family.summary}. Sizes are read from the folder's or the cache's config.json."
    traits = ["thinks before answering (shown folded as Thinking)" if spec.thinking else "answers directly"]
    if spec.moe is not None:
        traits.append(f"{spec.moe.experts} experts, {spec.moe.active} per token: all held in GPU memory")
    if spec.linear_attention is not None:
        traits.append("3 of 4 layers keep a fixed-size state instead of a KV cache")
    return f"{family.summary}. {name}: {_needs(spec)}; {'; '.join(traits)}."
