"""One-click task presets, worded as Qwen2.5-VL's cookbooks word them."""

from __future__ import annotations

from dataclasses import dataclass

from backend.grounding.agent_tools import COMPUTER_USE, MOBILE_USE, tool_system_prompt


class UnknownPresetError(KeyError):
    """No preset has this key."""


@dataclass(frozen=True)
class Preset:
    """A task prompt for one click: template (with {subject} where the user names the thing) and what it yields."""

    key: str
    title: str
    media: str  # "image" | "video"
    template: str
    expects: str  # "boxes" | "points" | "count" | "text-boxes" | "html" | "moments" | "actions"
    default_subject: str = ""
    system_prompt: str | None = None

    @property
    def needs_subject(self) -> bool:
        """True when the prompt names a thing the user can change."""
        return "{subject}" in self.template

    def prompt(self, subject: str | None = None) -> str:
        """The prompt text, with the subject filled in (the default one when none is given)."""
        chosen = (subject or "").strip() or self.default_subject
        return self.template.replace("{subject}", chosen)


# Wording from QwenLM/Qwen2.5-VL cookbooks: spatial_understanding, ocr, document_parsing, video_understanding.
DOCUMENT_SYSTEM_PROMPT = (
    "You are an AI specialized in recognizing and extracting text from images. Your mission is to analyze the "
    "image document and generate the result in QwenVL Document Parser HTML format using specified tags while "
    "maintaining user privacy and data integrity."
)

PRESETS: tuple[Preset, ...] = (
    Preset(
        "detect",
        "Detect all",
        "image",
        "Outline the position of each {subject} and output all the coordinates in JSON format.",
        "boxes",
        "object",
    ),
    Preset(
        "locate",
        "Locate one",
        "image",
        "Locate the {subject}, output its bbox coordinates using JSON format.",
        "boxes",
        "largest object",
    ),
    Preset(
        "point",
        "Point to",
        "image",
        "point to the {subject}, output its coordinates in XML format <points x y>object</points>",
        "points",
        "object",
    ),
    Preset(
        "count",
        "Count",
        "image",
        "Count the number of {subject} in the image. To ensure accuracy, first detect their key points, "
        "then give the total number.",
        "count",
        "objects",
    ),
    Preset(
        "spot-text",
        "Spot all text",
        "image",
        "Spotting all the text in the image with line-level, and output in JSON format.",
        "text-boxes",
    ),
    Preset(
        "document",
        "Parse document (QwenVL HTML)",
        "image",
        "QwenVL HTML",
        "html",
        system_prompt=DOCUMENT_SYSTEM_PROMPT,
    ),
    Preset(
        "computer-use",
        "Computer use",
        "image",
        "The user query: {subject}",
        "actions",
        "Open the browser and search for the weather in Paris",
        system_prompt=tool_system_prompt(COMPUTER_USE),
    ),
    Preset(
        "phone-use",
        "Phone use",
        "image",
        "The user query: {subject}",
        "actions",
        "Open the settings app and turn on dark mode",
        system_prompt=tool_system_prompt(MOBILE_USE),
    ),
    Preset(
        "video-events",
        "Describe video events",
        "video",
        "Localize a series of activity events in the video, output the start and end timestamp for each event, "
        "and describe each event with sentences. Provide the result in json format with 'mm:ss.ff' format for "
        "time depiction.",
        "moments",
    ),
    Preset(
        "video-find",
        "Find a moment in the video",
        "video",
        "Give the query: '{subject}', when does the described content occur in the video? "
        "Use seconds for time format.",
        "moments",
        "a shape appears",
    ),
)


def get_preset(key: str) -> Preset:
    """The preset with this key."""
    for preset in PRESETS:
        if preset.key == key:
            return preset
    raise UnknownPresetError(f"No preset {key!r}; known: {', '.join(p.key for p in PRESETS)}.")


def presets_for(media: str) -> tuple[Preset, ...]:
    """Presets that apply to "image" or "video"."""
    return tuple(preset for preset in PRESETS if preset.media == media)
