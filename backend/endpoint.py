"""Where the chat code sends its requests: an OpenAI-compatible Qwen-VL server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible server answering for one served model."""

    base_url: str  # "http://127.0.0.1:30000", no /v1
    api_key: str
    model: str  # the served model name to put in requests
    family: str = "qwen2.5-vl"  # "qwen2.5-vl" | "qwen2-vl" | "qwen3-vl"
    local: bool = True  # the engine runs on this host and may read local files

    @property
    def api_base(self) -> str:
        """The base URL the openai SDK wants (with /v1)."""
        return self.base_url.rstrip("/") + "/v1"


def family_for_model(model: str) -> str:
    """Guess the Qwen-VL family from a model id or path (Qwen2.5-VL when nothing says otherwise)."""
    name = model.lower().replace("_", "-")
    if re.search(r"qwen3-?vl|qwen3\.\d-?vl", name):
        return "qwen3-vl"
    if re.search(r"qwen2\.5-?vl|qwen2-5-?vl", name):
        return "qwen2.5-vl"
    if re.search(r"qwen2-?vl", name):
        return "qwen2-vl"
    return "qwen2.5-vl"


def strip_api_suffix(url: str) -> str:
    """Turn "http://h:1/v1/" or "http://h:1" into "http://h:1" (base URLs never carry /v1)."""
    trimmed = url.strip().rstrip("/")
    if trimmed.endswith("/v1"):
        trimmed = trimmed[: -len("/v1")]
    return trimmed


def is_local_url(url: str) -> bool:
    """True when the URL points at this host (so the engine may read local files)."""
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK_HOSTS or host.startswith("127.")
