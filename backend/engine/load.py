"""Read the engine's load from its Prometheus /metrics: running and queued requests, KV-cache use, decode speed.

SGLang exports these gauges with --enable-metrics (every plan sets it), one series per data-parallel rank (only
the first tensor-parallel rank of each reports); an endpoint without /metrics simply has no load to read.
The text is parsed with prometheus_client, the library SGLang itself exports with."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from backend.endpoint import Endpoint

RUNNING = "sglang:num_running_reqs"  # per rank: summed
QUEUED = "sglang:num_queue_reqs"  # per rank: summed
KV_USE = "sglang:token_usage"  # fraction of the rank's KV-cache pool in use: the fullest rank counts
DECODE_SPEED = "sglang:gen_throughput"  # tokens/s per rank: summed
GAUGES = (RUNNING, QUEUED, KV_USE, DECODE_SPEED)


@dataclass(frozen=True)
class EngineLoad:
    """One reading of the engine's gauges."""

    at: float  # time.time() of the reading
    running_requests: float
    queued_requests: float
    kv_cache_use: float  # 0..1
    decode_tokens_per_s: float


def parse_engine_metrics(text: str, at: float = 0.0) -> EngineLoad | None:
    """The load in Prometheus text; None when none of SGLang's gauges is there. ValueError: not Prometheus text."""
    values: dict[str, list[float]] = {name: [] for name in GAUGES}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in values:
                values[sample.name].append(sample.value)
    if not any(values.values()):
        return None
    return EngineLoad(at, sum(values[RUNNING]), sum(values[QUEUED]), max(values[KV_USE], default=0.0),
                      sum(values[DECODE_SPEED]))


def read_engine_load(endpoint: Endpoint, timeout_s: float = 1.0) -> EngineLoad | None:
    """GET /metrics once and parse it; None when the engine does not answer or exports no SGLang gauges."""
    try:
        reply = httpx.get(endpoint.base_url + "/metrics", headers=endpoint.headers, timeout=timeout_s)
    except httpx.HTTPError:
        return None
    if reply.status_code != 200:
        return None
    try:
        return parse_engine_metrics(reply.text, at=time.time())
    except ValueError:  # not Prometheus text (e.g. an HTML error page)
        return None
