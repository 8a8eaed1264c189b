"""Reasoning ("thinking") kept apart from the answer, in one place, however the engine sends it.

- A server with a reasoning parser (SGLang `--reasoning-parser qwen3`, vLLM's) streams it in a delta field of its
  own: `reasoning_content` (sglang 0.5.23 srt/entrypoints/openai/protocol.py:1357 DeltaMessage, :1296 ChatMessage;
  older vLLM) or `reasoning` (newer vLLM); `content` is then the answer.
- Without one (or an attached server set up who knows how) the text holds it: `<think>…</think>answer`, or, since
  Qwen3 Thinking templates end the generation prompt with `<think>\\n`, `…</think>answer` with no opening tag.

The rules follow SGLang's Qwen3Detector (srt/parser/reasoning_parser.py:441, on BaseReasoningFormatDetector): text
before `</think>` is reasoning; a model that thinks first is reasoning until `</think>` though no opening tag came
(SGLang's force_reasoning: set for templates ending `<think>\\n`, srt/parser/template_detection.py:164, and by
the qwen3 parser's default unless a request sets enable_thinking false, srt/entrypoints/openai/serving_chat.py:3565,
which is how hybrid models such as Qwen3.5 think); a `<tool_call>` also ends it (reasoning_parser.py:477: Qwen3.5
sometimes opens one without closing `</think>`); reasoning cut off before `</think>` stays reasoning, a partial tag
included (reasoning_parser.py:188, finish() at :336). Where we differ: only a leading `<think>` opens reasoning; a
`</think>` without its opening tag ends reasoning even for a model not known to think first (SGLang's qwen3 parser
would leave all of it in the text); and a model taken to think first that ends by itself without `</think>` was
answering all along (its server's parser took an empty reasoning, or thinking was off)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

THINK_OPEN, THINK_CLOSE, TOOL_CALL = "<think>", "</think>", "<tool_call>"
REASONING_FIELDS = ("reasoning_content", "reasoning")
_LEADING_BLANKS = re.compile(r"\s*")


def delta_reasoning(delta: Any) -> str:
    """The reasoning a streamed delta (or a message) carries in a field of its own; "" when none."""
    for name in REASONING_FIELDS:
        value = getattr(delta, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


@dataclass(frozen=True)
class Split:
    """The reasoning and the answer so far; thinking: the model is still reasoning (no answer has begun)."""

    reasoning: str
    answer: str
    thinking: bool = False


class ReasoningSplitter:
    """Fed each delta's content and reasoning field, says (reasoning so far, answer so far); tags may be split
    across chunks (a partial tag at the end is held back until the next chunk, or finish(), tells what it is)."""

    def __init__(self, thinks_first: bool = False) -> None:
        self.thinks_first = thinks_first
        self._field = ""  # reasoning sent in its own field
        self._text = ""  # content as it came
        self._found: dict[str, tuple[int, int, int]] = {}  # tag -> (searched from, up to, where it is or -1)

    def feed(self, content: str = "", reasoning: str = "") -> Split:
        """Add one delta; returns the split so far."""
        self._field += reasoning or ""
        self._text += content or ""
        return self._split(final=False)

    def finish(self, cut: bool = False) -> Split:
        """The split once the stream ended; cut: it did not end by itself (max tokens, stopped, broken)."""
        return self._split(final=True, cut=cut)

    def _split(self, final: bool, cut: bool = False) -> Split:
        field = self._field
        # a parser already took the reasoning out: the content is the answer (unless it closes a block itself)
        forced = self.thinks_first and not field
        reasoning, answer, thinking = self._split_text(forced, final, cut)
        if field:
            answer = answer.lstrip()  # SGLang sends the "\n\n" after </think> as content
        still = not final and (thinking or (bool(field) and not answer))
        return Split((field + reasoning).strip(), answer, still)

    def _split_text(self, forced: bool, final: bool, cut: bool) -> tuple[str, str, bool]:
        """(reasoning, answer, still reasoning) of the text so far."""
        text = self._text
        start = _LEADING_BLANKS.match(text).end()
        body = text[start:start + len(THINK_OPEN)]
        opened = body == THINK_OPEN
        if not final and not opened and THINK_OPEN.startswith(body):
            return "", "", forced  # blanks, or "<thi": an opening tag may follow, or the answer's first characters
        if opened:
            start += len(THINK_OPEN)
        close = self._find(THINK_CLOSE, start)
        if opened or forced:
            tool = self._find(TOOL_CALL, start)
            if tool != -1 and (close == -1 or tool < close):  # a tool call ends the reasoning; it is the answer's
                return text[start:tool], text[tool:], False
        if close != -1:
            return text[start:close], text[close + len(THINK_CLOSE):].lstrip(), False
        if not (opened or forced):
            return "", text if final else _held_back(text, (THINK_CLOSE,)), False
        if final and not opened and not cut:  # thought to think first, yet ended by itself without closing
            return "", text, False
        return (text[start:] if final else _held_back(text[start:], (THINK_CLOSE, TOOL_CALL))), "", not final

    def _find(self, tag: str, start: int) -> int:
        """Where tag first is in the text from start, or -1; each search goes on from where the last one ended (a
        long answer would otherwise be searched whole at every token)."""
        begin, looked, where = self._found.get(tag, (start, start, -1))
        if begin != start:  # the text's start moved (leading blanks, an opening tag): look again from it
            begin, looked, where = start, start, -1
        if where == -1:
            where = self._text.find(tag, max(begin, looked - len(tag) + 1))
            looked = len(self._text)
        self._found[tag] = (begin, looked, where)
        return where


def split_text(text: str, thinks_first: bool = False) -> Split:
    """A whole answer's reasoning and answer (a history message, a pasted answer)."""
    splitter = ReasoningSplitter(thinks_first)
    splitter.feed(text)
    return splitter.finish()


def _held_back(text: str, tags: tuple[str, ...]) -> str:
    """The text without a trailing piece that may be the start of one of the tags."""
    if "<" not in text[-max(map(len, tags)):]:
        return text
    keep = len(text)
    for tag in tags:
        for size in range(min(len(tag) - 1, len(text)), 0, -1):
            if text.endswith(tag[:size]):
                keep = min(keep, len(text) - size)
                break
    return text[:keep]


class ThinkingTurn(Protocol):
    """What Thoughts fills in (a backend.chat.conversation.Turn)."""

    answer: str
    reasoning: str
    thinking_s: float | None


class Thoughts:
    """A streaming turn's reasoning kept apart from its answer, and how long the model thought."""

    def __init__(self, turn: ThinkingTurn, thinks_first: bool) -> None:
        self.turn = turn
        self.splitter = ReasoningSplitter(thinks_first)
        self.started: float | None = None

    def feed(self, content: str, reasoning: str) -> bool:
        """Add one delta to the turn; True while the model is still thinking."""
        split = self.splitter.feed(content, reasoning)
        self._show(split.reasoning, split.answer, split.thinking)
        return split.thinking

    def finish(self, cut: bool) -> None:
        """The stream ended (cut: not by itself): a partial tag held back is placed, the thinking time taken."""
        split = self.splitter.finish(cut)
        self._show(split.reasoning, split.answer, False)

    def _show(self, reasoning: str, answer: str, thinking: bool) -> None:
        turn = self.turn
        if self.started is None and (reasoning or thinking):
            self.started = time.perf_counter()
        turn.reasoning, turn.answer = reasoning, answer
        if self.started is not None and not thinking and turn.thinking_s is None and reasoning:
            turn.thinking_s = time.perf_counter() - self.started
