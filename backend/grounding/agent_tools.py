"""The agent presets' tools, as Qwen's cookbooks give them to the model (QwenLM/Qwen2.5-VL
cookbooks/utils/agent_function_call.py: MobileUse, ComputerUse, kept as data in agent_tools.json; the system
prompt is Qwen-Agent's NousFnCallPrompt, whose rendering is saved in cookbooks/mobile_agent.ipynb). Qwen3-VL and
Qwen3.5 get Qwen3-VL's own versions (QwenLM/Qwen3-VL@96588727 cookbooks/utils/agent_function_call.py, rendered by
qwen-agent 0.0.34: computer_use adds triple_click, hscroll and answer). The screen size in the tool's description
must be the frame the model answers in: the app fills {screen_width}x{screen_height} per request."""

from __future__ import annotations

import json
from pathlib import Path

SCREEN_SIZE = "{screen_width}x{screen_height}"  # filled with the sent screenshot's size when the request is built

_TOOLS = json.loads(Path(__file__).with_name("agent_tools.json").read_text(encoding="utf-8"))
MOBILE_USE: dict = _TOOLS["mobile_use"]
COMPUTER_USE: dict = _TOOLS["computer_use"]
QWEN3_TOOLS: dict[str, dict] = {"mobile_use": _TOOLS["qwen3_mobile_use"], "computer_use": _TOOLS["qwen3_computer_use"]}
RELATIVE_FAMILIES_TOOLS = ("qwen3-vl", "qwen3.5")  # the families Qwen3-VL's tool definitions are written for


def tool_system_prompt(tool: dict, assistant: str = "You are a helpful assistant.") -> str:
    """The system message Qwen-Agent renders for one tool (NousFnCallPrompt), screen size still to fill."""
    return (
        f"{assistant}\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        f"{json.dumps(tool, ensure_ascii=False)}\n</tools>\n\n"
        "For each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
    )


def with_screen_size(system_prompt: str, size: tuple[int, int] | None) -> str:
    """The system prompt with the screenshot's sent size in place of {screen_width}x{screen_height}."""
    if size is None or SCREEN_SIZE not in system_prompt:
        return system_prompt
    return system_prompt.replace(SCREEN_SIZE, f"{size[0]}x{size[1]}")


def for_family(system_prompt: str, family: str) -> str:
    """An agent preset's system prompt with the family's own tool definitions (Qwen3-VL's for Qwen3-VL and
    Qwen3.5; the prompt as it is otherwise)."""
    if family not in RELATIVE_FAMILIES_TOOLS:
        return system_prompt
    for tool in (MOBILE_USE, COMPUTER_USE):
        written = json.dumps(tool, ensure_ascii=False)
        if written in system_prompt:
            own = json.dumps(QWEN3_TOOLS[tool["function"]["name"]], ensure_ascii=False)
            return system_prompt.replace(written, own)
    return system_prompt
