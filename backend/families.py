"""The one place that knows each Qwen-VL family: the frame its coordinates live in, the grid its images are cut
on, its pixel limits, and how to tell it from a model name or a config.json."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.errors import UserError

RELATIVE_RANGE = 1000.0  # Qwen2-VL and Qwen3-VL write coordinates as 0..1000 of the width and height


class UnknownFamilyError(UserError, ValueError):
    """A model family name this app has no coordinate system for."""


@dataclass(frozen=True)
class Sampling:
    """A family's recommended sampling (its README's or model card's generation hyperparameters)."""

    temperature: float
    top_p: float
    top_k: int
    presence_penalty: float


@dataclass(frozen=True)
class Family:
    """What one Qwen-VL generation means by a coordinate, and how its processor cuts images."""

    name: str  # "qwen2.5-vl"
    model_types: tuple[str, ...]  # config.json's model_type values (dense, MoE)
    absolute_pixels: bool  # True: pixels of the image as sent (after smart_resize); False: 0..1000
    factor: int  # the image grid: patch size x spatial merge
    min_pixels: int  # the processor's defaults (preprocessor_config.json)
    max_pixels: int
    tool_call_parser: str = ""  # SGLang's --tool-call-parser for its chat template's tool calls ("": none set)
    summary: str = ""  # one line for the model picker
    answering: Sampling | None = None  # recommended sampling of its Instruct / non-thinking models (None: none)
    thinking: Sampling | None = None  # ... of its Thinking models, or in thinking mode

    def recommended(self, thinks_first: bool) -> Sampling | None:
        """The sampling Qwen recommends for a model of this family that thinks first (or not)."""
        return self.thinking if thinks_first else self.answering

    def frame(self, sent_size: tuple[int, int]) -> tuple[float, float]:
        """Width and height of the frame the model's numbers live in, for an image sent at sent_size."""
        if self.absolute_pixels:
            return float(sent_size[0]), float(sent_size[1])
        return RELATIVE_RANGE, RELATIVE_RANGE

    def sent_budget(self, frame: str, custom_pixels: float | None = None) -> int:
        """The pixel budget an image was sent with, for a frame choice: "app" (this app's: 0), "server" (the
        server's default for the family: what another client's request gets) or "custom" (custom_pixels)."""
        if frame == "server":
            return self.max_pixels
        if frame != "custom":
            return 0
        pixels = int(custom_pixels or 0)
        if not self.min_pixels <= pixels <= self.max_pixels:
            raise UserError(f"A custom budget is between {self.min_pixels:,} and {self.max_pixels:,} pixels "
                            f"for {self.name}; {pixels:,} is not.")
        return pixels


# Qwen2/2.5-VL: patch 14 x merge 2, 3136..12845056 pixels (SGLang's SGLANG_IMAGE_MAX_PIXELS default too).
# Qwen3-VL: patch 16 x merge 2, 65536..16777216 pixels (its preprocessor_config.json "size"). Qwen3.5 uses Qwen3-VL's
# vision tower and processor sizes (its image preprocessor_config was not found; docs/research/qwen3-catalog.md).
# Tool-call parsers: sgl-cookbook's qwen3vl.yaml (qwen) and qwen35.yaml (qwen3_coder: <function=..><parameter=..>).
# Sampling: QwenLM/Qwen3-VL@96588727 README.md L1143-1163 (Instruct 0.7 / 0.8 / 20 / 1.5, Thinking 0.6 / 0.95 / 20 /
# 0.0); the Qwen3.5-0.8B card's vision-language settings (non-thinking the same, thinking 0.6 / 0.95 / 20 / 0.0).
QWEN3_ANSWERING = Sampling(temperature=0.7, top_p=0.8, top_k=20, presence_penalty=1.5)
QWEN3_THINKING = Sampling(temperature=0.6, top_p=0.95, top_k=20, presence_penalty=0.0)
QWEN25_VL = Family("qwen2.5-vl", ("qwen2_5_vl",), True, 28, 4 * 28 * 28, 16384 * 28 * 28,
                   summary="Qwen2.5-VL: grounding in the image's own pixels, documents, agents; 3B to 72B, AWQ")
QWEN2_VL = Family("qwen2-vl", ("qwen2_vl",), False, 28, 4 * 28 * 28, 16384 * 28 * 28)
QWEN3_VL = Family("qwen3-vl", ("qwen3_vl", "qwen3_vl_moe"), False, 32, 65536, 16777216, "qwen",
                  summary="Qwen3-VL: 256K context, hour-long video, Instruct or Thinking, dense 2B-32B and MoE "
                          "30B-A3B / 235B-A22B, FP8", answering=QWEN3_ANSWERING, thinking=QWEN3_THINKING)
QWEN3_5 = Family("qwen3.5", ("qwen3_5", "qwen3_5_moe"), False, 32, 65536, 16777216, "qwen3_coder",
                 summary="Qwen3.5: natively multimodal, thinks before answering, linear attention for long inputs; "
                         "0.8B-27B dense, 35B-A3B to 397B-A17B MoE", answering=QWEN3_ANSWERING, thinking=QWEN3_THINKING)
DEFAULT_FAMILY = QWEN25_VL
FAMILIES: dict[str, Family] = {family.name: family for family in (QWEN25_VL, QWEN2_VL, QWEN3_VL, QWEN3_5)}

_QWEN35_RE = re.compile(r"qwen[-_ ]?3[._]5(?!\d)", re.IGNORECASE)
_NAME_RE = re.compile(r"qwen[-_ ]?(\d+(?:[._]\d+)?)[-_ ]?(?:vl|omni)", re.IGNORECASE)


def detect_family(name: str) -> Family | None:
    """The family a model id or path names (the last Qwen-VL name in it wins), None when it names none."""
    matches = [*_NAME_RE.finditer(name or ""), *_QWEN35_RE.finditer(name or "")]
    for match in sorted(matches, key=lambda found: found.start(), reverse=True):
        if match.re is _QWEN35_RE:
            return QWEN3_5
        version = match.group(1).replace("_", ".")
        if version in ("2.5", "25"):
            return QWEN25_VL
        if version == "2":
            return QWEN2_VL
        if version.split(".")[0] == "3":  # Qwen3-VL and its point releases
            return QWEN3_VL
    return None


def thinks_first(model: str | None) -> bool:
    """Whether a model name says its answers start with reasoning: Qwen3-VL's -Thinking releases, and the Qwen3.5
    family, whose chat template thinks by default (enable_thinking). Its chat template then opens `<think>` before
    the model writes, so the streamed text holds no opening tag."""
    return "thinking" in (model or "").lower() or detect_family(model or "") is QWEN3_5


def family_for_model(name: str | None) -> Family:
    """The family of a served model name or local path; Qwen2.5-VL when the name does not say."""
    return detect_family(name or "") or DEFAULT_FAMILY


def get_family(name: Family | str) -> Family:
    """The family itself, or the family for a family name ("qwen3-vl") or a model name (the names API callers and
    config files give); raises UnknownFamilyError otherwise."""
    if isinstance(name, Family):
        return name
    lowered = name.strip().lower()
    family = FAMILIES.get(lowered) or detect_family(lowered)
    if family is None:
        raise UnknownFamilyError(f"Unknown model family {name!r}; expected one of {', '.join(FAMILIES)}.")
    return family


def family_for_model_type(model_type: str) -> str:
    """The family name for config.json's model_type (other model types are kept as they are)."""
    return next((family.name for family in FAMILIES.values() if model_type in family.model_types), model_type)
