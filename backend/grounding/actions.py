"""Agent actions in answers: computer_use / mobile_use tool calls (or their bare arguments) as items of kind
"action", with the reasoning written around them; numbered in answer order."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from backend.grounding.items import POINT_KEYS, RawItem, flat_numbers, text_of
from backend.grounding.jsonscan import JsonFind, lenient_loads

FIRST_POINT_KEYS = ("coordinate", "coordinate1", "start_coordinate", *POINT_KEYS)
SECOND_POINT_KEYS = ("coordinate2", "end_coordinate")
# Actions of Qwen's computer_use / mobile_use tools; a bare {"action": ...} object needs one of these or a coordinate.
GUI_ACTIONS = frozenset((
    "key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click", "double_click",
    "triple_click", "scroll", "hscroll", "wait", "terminate", "answer", "interact", "click", "long_press", "swipe",
    "system_button", "open", "drag", "press", "hotkey", "finished",
))
_THOUGHT_RE = re.compile(r"(?:^|\n)\s*\**Thought\**\s*[:：]\s*(?P<thought>.*?)(?=\n\s*\**Action\b|\Z)", re.DOTALL)
_SUMMARY_RE = re.compile(r"(?:^|\n)\s*\**Action(?: description)?\**\s*[:：]\s*(?P<summary>[^\n]*)")
_THINKING_TAG_RE = re.compile(r"<(think|thinking)>(?P<thought>.*?)(?:</\1>|\Z)", re.DOTALL)
_CONCLUSION_RE = re.compile(r"<conclusion>(?P<summary>.*?)(?:</conclusion>|\Z)", re.DOTALL)
_TOOL_TAG_RE = re.compile(r"</?tool_call>")


def number_actions(items: list[RawItem]) -> list[RawItem]:
    """Actions get "step" 1, 2, ... in answer order."""
    numbered: list[RawItem] = []
    step = 0
    for item in items:
        if item.kind == "action":
            step += 1
            item = replace(item, attributes={**item.attributes, "step": step})
        numbered.append(item)
    return numbered


def tool_call(obj: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(tool name, arguments) of {"name": ..., "arguments": {...} or a JSON string}; None for other objects."""
    name, arguments = obj.get("name"), obj.get("arguments", obj.get("parameters"))
    if not isinstance(name, str) or arguments is None:
        return None
    if isinstance(arguments, str):
        arguments = lenient_loads(arguments)
    return (name, arguments) if isinstance(arguments, dict) else None


def is_action(obj: Any, *, in_tool_call: bool) -> bool:
    """A computer_use / mobile_use arguments object: {"action": "left_click", "coordinate": [x, y], ...}."""
    if not isinstance(obj, dict) or not isinstance(obj.get("action"), str) or not obj["action"].strip():
        return False
    if in_tool_call:
        return True
    has_point = any(flat_numbers(obj.get(key)) is not None for key in (*FIRST_POINT_KEYS, *SECOND_POINT_KEYS))
    return has_point or obj["action"].strip().lower() in GUI_ACTIONS


def action_item(arguments: dict[str, Any], tool: str) -> RawItem:
    """An agent action as written: label the action, coords its coordinate (and coordinate2), every argument kept."""
    first = _point_at(arguments, FIRST_POINT_KEYS)
    second = _point_at(arguments, SECOND_POINT_KEYS)
    coords = first + second if first else ()
    attributes: dict[str, Any] = {"tool": tool} if tool else {}
    attributes.update(arguments)
    text = arguments.get("text")
    return RawItem("action", coords, text_of(arguments["action"]), text_of(text) if isinstance(text, str) else "",
                   attributes, "tool-call" if tool else "json")


def _point_at(arguments: Mapping[str, Any], keys: Sequence[str]) -> tuple[float, ...]:
    for key in keys:
        coords = flat_numbers(arguments.get(key))
        if coords is not None and len(coords) == 2:
            return coords
    return ()


def with_agent_context(items: list[RawItem], text: str, founds: list[JsonFind], position: int) -> list[RawItem]:
    """Attach the reasoning around a tool call: "Thought:" / <thinking> before it, "Action:" prose as summary."""
    before = text[founds[position - 1].end if position else 0:founds[position].start]
    after = text[founds[position].end:founds[position + 1].start if position + 1 < len(founds) else len(text)]
    context: dict[str, str] = {}
    thought = _THINKING_TAG_RE.search(before) or _THOUGHT_RE.search(_TOOL_TAG_RE.sub("", before))
    if thought is not None and thought.group("thought").strip():
        context["thought"] = " ".join(thought.group("thought").split())
    plain_before = _TOOL_TAG_RE.sub("", before)
    summaries = [match.group("summary").strip().strip('"') for match in _SUMMARY_RE.finditer(plain_before)]
    summaries += [match.group("summary").strip() for match in _CONCLUSION_RE.finditer(after)]
    summaries += [match.group("summary").strip() for match in _SUMMARY_RE.finditer(after.split("<tool_call>")[0])
                  if "description" in match.group(0).lower()]
    summaries = [summary for summary in summaries if summary]
    if summaries:
        context["summary"] = " ".join(summaries)
    if not context:
        return items
    return [replace(item, attributes={**context, **item.attributes}) if item.kind == "action" else item
            for item in items]
