"""Where the chat code sends its requests: an OpenAI-compatible Qwen-VL server."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from backend.engines import ENGINES, SGLANG, Engine, get_engine
from backend.families import DEFAULT_FAMILY

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible server answering for one served model."""

    base_url: str  # "http://127.0.0.1:30000", no /v1
    api_key: str
    model: str  # the served model name to put in requests
    family: str = DEFAULT_FAMILY.name  # a backend.families name: how it writes coordinates, how images are cut
    local: bool = True  # the engine runs on this host and may read local files
    engine_name: str = SGLANG.name  # a backend.engines name ("": not known) for which server answers

    @property
    def engine(self) -> Engine:
        """The engine serving this endpoint."""
        return get_engine(self.engine_name)

    @property
    def reads_original_videos(self) -> bool:
        """True when a video may go as its original file: the engine shares this host and samples a short video
        the way the app does."""
        known = ENGINES.get(self.engine_name)
        return self.local and known is not None and known.reads_original_videos

    @property
    def api_base(self) -> str:
        """The base URL the openai SDK wants (with /v1)."""
        return self.base_url.rstrip("/") + "/v1"

    @property
    def headers(self) -> dict[str, str]:
        """The HTTP headers every request to this server carries (its API key)."""
        return bearer_headers(self.api_key)


def bearer_headers(api_key: str) -> dict[str, str]:
    """The Authorization header for an API key (none without a key)."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


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
