"""What the stand-in engine answers: scripted answers, default grounding/point answers, filler text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from standin.media import MediaItem
from standin.schema_answer import answer_for

# <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n, as the Qwen2.5-VL template adds it.
DEFAULT_SYSTEM_TOKENS = 10
PER_MESSAGE_TOKENS = 5  # <|im_start|>role\n ... <|im_end|>\n
GENERATION_PROMPT_TOKENS = 3  # <|im_start|>assistant\n
VISION_WRAP_TOKENS = 2  # <|vision_start|> ... <|vision_end|>
EOS_TOKEN_ID = 151645  # <|im_end|>, SGLang's matched_stop for a normal finish
THINK_CLOSE = "</think>"
FILLER = "The stand-in engine keeps talking so that streaming has something to carry".split()
_TOKEN_PIECE = re.compile(r"\s*\w+|\s*[^\w\s]|\s+$")
_WORD_LIKE = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class ScriptEntry:
    """A scripted answer: used when the regex matches the last user text."""

    match: re.Pattern[str]
    answer: str


@dataclass(frozen=True)
class Answer:
    """The pieces to stream (one "token" each) and why the answer ends."""

    pieces: tuple[str, ...]
    finish_reason: str  # "stop" | "length"
    reasoning_pieces: int = 0  # a thinking model's: how many pieces are reasoning (then comes THINK_CLOSE)

    @property
    def text(self) -> str:
        """The whole answer."""
        return "".join(self.pieces)


def thinks(served_model_name: str) -> bool:
    """A Qwen3-VL *-Thinking checkpoint: its chat template ends the generation prompt with "<think>\\n", so what it
    writes is reasoning, then THINK_CLOSE, then the answer."""
    return "thinking" in served_model_name.lower()


def reasoning_for(messages: list[dict], media: list[MediaItem]) -> str:
    """What the stand-in thinks before answering, Qwen3 Thinking style. Its loose first guess of a box is a trap:
    a client that grounds the reasoning draws it."""
    question = " ".join(last_user_text(messages).split())[:120]
    return (f"Okay, the user asks \u201c{question}\u201d {describe_media(media)} A loose first guess would be "
            '{"bbox_2d": [0, 0, 1000, 1000], "label": "whole picture"}, which is far too wide, so let me look '
            "again and answer only with what the question asks for.\n")


def with_reasoning(answer: Answer, reasoning: str, max_tokens: int | None) -> Answer:
    """The answer as a thinking model writes it: reasoning, THINK_CLOSE (one token in Qwen3's vocabulary), a blank
    line, the answer; max_tokens counts them all, so a small one cuts the reasoning."""
    head = [*split_pieces(reasoning), THINK_CLOSE]
    pieces = [*head, "\n\n", *answer.pieces]
    finish = answer.finish_reason
    if max_tokens is not None and len(pieces) > max_tokens:
        pieces, finish = pieces[:max_tokens], "length"
    return Answer(tuple(pieces), finish, len(head) - 1)


def load_script(path: str | None) -> tuple[ScriptEntry, ...]:
    """Read a JSON list of {"match": regex, "answer": text}."""
    if not path:
        return ()
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(ScriptEntry(re.compile(entry["match"]), str(entry["answer"])) for entry in entries)


def count_text_tokens(text: str) -> int:
    """An estimate of Qwen's BPE count: one token per word or punctuation mark."""
    return len(_WORD_LIKE.findall(text))


def prompt_tokens(messages: list[dict], media: list[MediaItem]) -> int:
    """Text tokens with the chat template's own, plus each image's or video's tokens like SGLang counts them."""
    total = GENERATION_PROMPT_TOKENS + PER_MESSAGE_TOKENS * len(messages)
    if not messages or messages[0].get("role") != "system":
        total += DEFAULT_SYSTEM_TOKENS
    for message in messages:
        total += sum(count_text_tokens(text) for text in message_texts(message))
    return total + sum(item.tokens + VISION_WRAP_TOKENS for item in media)


def message_texts(message: dict) -> list[str]:
    """The text parts of one chat message."""
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"]
    return []


def last_user_text(messages: list[dict]) -> str:
    """The text of the last user message."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return "\n".join(message_texts(message))
    return ""


def describe_media(media: list[MediaItem]) -> str:
    """The sentence the default answer starts with, stating the model-input sizes seen."""
    if not media:
        return "Stand-in saw no image."
    images = [item for item in media if item.kind == "image"]
    videos = [item for item in media if item.kind == "video"]
    parts = []
    if images:
        sizes = ", ".join(f"{item.input_size[0]}x{item.input_size[1]} ({item.tokens} tokens)" for item in images)
        parts.append(f"{len(images)} image{'s' if len(images) > 1 else ''}: {sizes}")
    if videos:
        sizes = ", ".join(
            f"{item.input_size[0]}x{item.input_size[1]}, {item.frames} frames ({item.tokens} tokens)" for item in videos
        )
        parts.append(f"{len(videos)} video{'s' if len(videos) > 1 else ''}: {sizes}")
    return f"Stand-in saw {'; '.join(parts)}."


def grounding_answer(text: str, media: list[MediaItem], relative: bool = False) -> str | None:
    """Qwen-VL-style JSON for detect/box/locate or point prompts, in the last image's input pixels (Qwen2.5-VL)
    or, relative, in 0..1000 of its width and height (Qwen2-VL, Qwen3-VL)."""
    images = [item for item in media if item.kind == "image"]
    if not images:
        return None
    width, height = (1000, 1000) if relative else images[-1].input_size
    lowered = text.lower()
    if any(word in lowered for word in ("detect", "box", "locate")):
        item = {"bbox_2d": [width // 4, height // 4, 3 * width // 4, 3 * height // 4], "label": "object"}
    elif "point" in lowered:
        item = {"point_2d": [width // 2, height // 2], "label": "center"}
    else:
        return None
    return "```json\n[\n\t" + json.dumps(item) + "\n]\n```"


def fill_placeholders(answer: str, media: list[MediaItem]) -> str:
    """Replace {input_w}/{input_h} (last image's model-input size) and {media_count} in a scripted answer."""
    images = [item for item in media if item.kind == "image"]
    width, height = images[-1].input_size if images else (0, 0)
    for name, value in (("{input_w}", width), ("{input_h}", height), ("{media_count}", len(media))):
        answer = answer.replace(name, str(value))
    return answer


def split_pieces(text: str) -> list[str]:
    """Cut text into stream pieces, one per word or punctuation mark (leading spaces stay attached)."""
    pieces = _TOKEN_PIECE.findall(text)
    return pieces if "".join(pieces) == text else [text[i : i + 4] for i in range(0, len(text), 4)]


def choose_answer(messages: list[dict], media: list[MediaItem], script: tuple[ScriptEntry, ...],
                  max_tokens: int | None, relative: bool = False, schema: dict | None = None) -> Answer:
    """Scripted answer if one matches, else JSON that follows the request's schema, else grounding JSON, else a
    media description plus filler."""
    text = last_user_text(messages)
    scripted = next((entry.answer for entry in script if entry.match.search(text)), None)
    if scripted is not None:
        chosen: str | None = fill_placeholders(scripted, media)
    elif schema is not None:
        images = [item for item in media if item.kind == "image"]
        chosen = answer_for(schema, (1000, 1000) if relative or not images else images[-1].input_size)
    else:
        chosen = grounding_answer(text, media, relative)
    if chosen is not None:
        pieces = split_pieces(chosen)
        if max_tokens is not None and len(pieces) > max_tokens:
            return Answer(tuple(pieces[:max_tokens]), "length")
        return Answer(tuple(pieces), "stop")
    pieces = split_pieces(describe_media(media))
    if max_tokens is None:
        return Answer(tuple(pieces), "stop")
    index = 0
    while len(pieces) < max_tokens:
        pieces.append(" " + FILLER[index % len(FILLER)])
        index += 1
    return Answer(tuple(pieces[:max_tokens]), "length")
