"""Talking to a running engine from the supervisor: health probes and the model list (the warm-up: warmup.py)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from backend.endpoint import bearer_headers


@dataclass(frozen=True)
class HealthProbe:
    """One health probe: the HTTP status (None when nothing answered) and what went wrong."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        """True on HTTP 200."""
        return self.status == 200


def probe(base_url: str, path: str = "/health", api_key: str = "", timeout_s: float = 2.0) -> HealthProbe:
    """GET base_url+path once; never raises."""
    try:
        response = httpx.get(base_url.rstrip("/") + path, headers=bearer_headers(api_key), timeout=timeout_s)
    except httpx.HTTPError as error:
        return HealthProbe(None, f"{type(error).__name__}: {error}")
    return HealthProbe(response.status_code, "" if response.status_code == 200 else response.text[:200])


def probe_liveness(base_url: str, api_key: str = "", timeout_s: float = 2.0) -> HealthProbe:
    """/health, or /v1/models for servers that have no /health (hosted OpenAI-compatible APIs)."""
    result = probe(base_url, "/health", api_key, timeout_s)
    if result.status in (404, 405):
        return probe(base_url, "/v1/models", api_key, timeout_s)
    return result


def served_models(base_url: str, api_key: str = "", timeout_s: float = 5.0) -> list[str]:
    """The model ids GET /v1/models lists (empty when the call fails)."""
    return [str(card["id"]) for card in model_cards(base_url, api_key, timeout_s) if "id" in card]


def model_cards(base_url: str, api_key: str = "", timeout_s: float = 5.0) -> list[dict]:
    """The cards GET /v1/models lists (id, owned_by: "sglang" or "vllm", vLLM's max_model_len); empty when the
    call fails."""
    try:
        response = httpx.get(base_url.rstrip("/") + "/v1/models", headers=bearer_headers(api_key), timeout=timeout_s)
        response.raise_for_status()
        return [card for card in response.json().get("data", []) if isinstance(card, dict)]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError):
        return []
