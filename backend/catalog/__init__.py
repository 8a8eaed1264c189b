"""The Qwen3-VL and Qwen3.5 models the planner knows, stored as data (qwen3.json): each model's config.json fields,
its Hugging Face ids by variant (Instruct / Thinking / FP8), and the sources of its numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG_FILE = Path(__file__).with_name("qwen3.json")


@dataclass(frozen=True)
class CatalogModel:
    """One released checkpoint: 'Qwen3-VL-8B-Instruct' is Qwen/Qwen3-VL-8B-Instruct with that config.json."""

    short_name: str
    hf_id: str
    family: str
    variant: str  # "Instruct", "Thinking-FP8", "" (Qwen3.5's one release), "FP8"
    config_text: str  # config.json's fields as JSON (a string keeps the dataclass hashable)
    checked: str  # "official" | "derived" | "third-party"
    sources: tuple[str, ...]

    @property
    def config(self) -> dict:
        """The config.json fields (a quantized variant's with its quantization_config)."""
        return json.loads(self.config_text)


@cache
def qwen3_models() -> tuple[CatalogModel, ...]:
    """Every Qwen3-VL and Qwen3.5 checkpoint of the catalog, in the file's order (families, then sizes)."""
    data = json.loads(CATALOG_FILE.read_text())
    fp8 = {key: value for key, value in data["fp8_quantization_config"].items() if key != "note"}
    models = []
    for entry in data["models"]:
        for variant, hf_id in entry["variants"].items():
            config = dict(entry["config"], **({"quantization_config": fp8} if "FP8" in variant else {}))
            models.append(CatalogModel(hf_id.split("/")[-1], hf_id, entry["family"], variant, json.dumps(config),
                                       entry["checked"], tuple(entry["sources"])))
    return tuple(models)


def source_line(model: CatalogModel) -> str:
    """Where the model's numbers come from, for a plan's notes."""
    sources = json.loads(CATALOG_FILE.read_text())["sources"]
    cited = "; ".join(f"`{sources[key]}`" for key in model.sources if key in sources)  # paths hold __init__.py
    return f"Architecture of {model.short_name} ({model.checked} figures) from: {cited}"
