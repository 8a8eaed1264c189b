"""Read the engine's load from its Prometheus /metrics: running and queued requests, KV-cache use, decode speed.

SGLang exports these gauges with --enable-metrics (every SGLang plan sets it), one series per data-parallel rank
(only the first tensor-parallel rank of each reports); vLLM exports its own (backend.engines: per engine, a counter
of generated tokens instead of a speed gauge); an endpoint without /metrics simply has no load to read.
The text is parsed with prometheus_client, the library SGLang itself exports with."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import httpx
from prometheus_client.parser import text_string_to_metric_families

from backend.endpoint import Endpoint
from backend.engines import ENGINES

RATE_GAP_S = 5.0  # readings further apart than this give no decode speed


@dataclass(frozen=True)
class EngineLoad:
    """One reading of the engine's gauges."""

    at: float  # time.time() of the reading
    running_requests: float
    queued_requests: float
    kv_cache_use: float  # 0..1
    decode_tokens_per_s: float
    generated_tokens: float | None = None  # vLLM's counter (its speed is the rate between two readings)

    def after(self, earlier: EngineLoad | None, longest_gap_s: float = RATE_GAP_S) -> EngineLoad:
        """This reading with its decode speed taken from the generated-token counter since the earlier one
        (engines that export no speed gauge); unchanged otherwise, and after a gap in the readings (nobody was
        watching: an average over minutes is not the speed now)."""
        if self.generated_tokens is None or earlier is None or earlier.generated_tokens is None:
            return self
        elapsed = self.at - earlier.at
        if not 0 < elapsed <= longest_gap_s or self.generated_tokens < earlier.generated_tokens:  # a restart resets
            return self
        return replace(self, decode_tokens_per_s=(self.generated_tokens - earlier.generated_tokens) / elapsed)


def parse_engine_metrics(text: str, at: float = 0.0) -> EngineLoad | None:
    """The load in Prometheus text, read with the gauges of whichever engine exported them (SGLang's or vLLM's);
    None when neither's are there. ValueError: not Prometheus text."""
    values: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values.setdefault(sample.name, []).append(sample.value)
    for engine in ENGINES.values():
        gauges = engine.gauges
        if any(name in values for name in gauges.names):
            return EngineLoad(at, sum(values.get(gauges.running, ())), sum(values.get(gauges.queued, ())),
                              max(values.get(gauges.kv_use, ()), default=0.0),  # the fullest rank counts
                              sum(values.get(gauges.decode_speed, ())),
                              sum(values.get(gauges.generated_total, ())) if gauges.generated_total else None)
    return None


def read_engine_load(endpoint: Endpoint, timeout_s: float = 1.0) -> EngineLoad | None:
    """GET /metrics once and parse it; None when the engine does not answer or exports no gauges the app reads."""
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
