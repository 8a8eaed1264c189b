"""Recent samples of the engine's Prometheus /metrics (running requests, KV-cache use) for the live plot.

SGLang exports these with --enable-metrics (every plan sets it); an endpoint without /metrics just yields no
samples. Parsing uses prometheus_client (installed with sglang)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from backend.endpoint import Endpoint

RUNNING = "sglang:num_running_reqs"  # per data-parallel rank: summed
KV_USE = "sglang:token_usage"  # fraction of the KV-cache pool in use: the fullest rank counts


@dataclass(frozen=True)
class ServerSample:
    """One scrape of /metrics."""

    at: float  # time.time()
    running_requests: float
    kv_cache_use: float  # 0..1


def parse_metrics(text: str) -> tuple[float, float] | None:
    """(running requests, KV-cache use) from Prometheus text; None when SGLang's gauges are absent."""
    running: list[float] = []
    usage: list[float] = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == RUNNING:
                running.append(sample.value)
            elif sample.name == KV_USE:
                usage.append(sample.value)
    if not running and not usage:
        return None
    return sum(running), max(usage, default=0.0)


class ServerMetricsHistory:
    """The last samples, shared by every browser; scraped at most once per interval whoever asks."""

    def __init__(self, keep: int = 120, interval_s: float = 1.0, timeout_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._samples: deque[ServerSample] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._last_try = 0.0

    def refresh(self, endpoint: Endpoint | None) -> list[ServerSample]:
        """Scrape when due (and an endpoint is ready), then return the samples, oldest first."""
        with self._lock:
            due = endpoint is not None and time.monotonic() - self._last_try >= self.interval_s
            if due:
                self._last_try = time.monotonic()
        if due and endpoint is not None:
            sample = self._scrape(endpoint)
            if sample is not None:
                with self._lock:
                    self._samples.append(sample)
        with self._lock:
            return list(self._samples)

    def _scrape(self, endpoint: Endpoint) -> ServerSample | None:
        headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
        try:
            reply = httpx.get(endpoint.base_url + "/metrics", headers=headers, timeout=self.timeout_s)
        except httpx.HTTPError:
            return None
        if reply.status_code != 200:
            return None
        try:
            values = parse_metrics(reply.text)
        except ValueError:  # not Prometheus text
            return None
        return ServerSample(time.time(), *values) if values is not None else None
