"""The engine's load from /metrics (backend.engine.load): SGLang's gauge text, and the stand-in's live endpoint."""

from __future__ import annotations

import dataclasses

import pytest

from backend.chat.session import ChatSession, SamplingParams
from backend.engine.load import parse_engine_metrics, read_engine_load
from tests.helpers import pick_free_port

# What SGLang prints for two data-parallel ranks (one series per rank; labels as its scheduler collector sets them).
TWO_RANKS = """\
# HELP sglang:num_running_reqs The number of running requests.
# TYPE sglang:num_running_reqs gauge
sglang:num_running_reqs{dp_rank="0",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 3.0
sglang:num_running_reqs{dp_rank="1",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 5.0
# HELP sglang:num_queue_reqs The number of requests in the waiting queue.
# TYPE sglang:num_queue_reqs gauge
sglang:num_queue_reqs{dp_rank="0",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 0.0
sglang:num_queue_reqs{dp_rank="1",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 2.0
# HELP sglang:token_usage The token usage.
# TYPE sglang:token_usage gauge
sglang:token_usage{dp_rank="0",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 0.25
sglang:token_usage{dp_rank="1",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 0.5
# HELP sglang:gen_throughput The generation throughput (token/s).
# TYPE sglang:gen_throughput gauge
sglang:gen_throughput{dp_rank="0",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 410.5
sglang:gen_throughput{dp_rank="1",engine_type="unified",model_name="qwen",moe_ep_rank="0",pp_rank="0",tp_rank="0"} 389.5
# HELP sglang:prompt_tokens_total Number of prefill tokens processed.
# TYPE sglang:prompt_tokens_total counter
sglang:prompt_tokens_total{model_name="qwen"} 12345.0
"""


def test_ranks_are_summed_and_the_fullest_kv_cache_counts():
    load = parse_engine_metrics(TWO_RANKS, at=7.0)
    assert load is not None
    assert (load.at, load.running_requests, load.queued_requests) == (7.0, 8.0, 2.0)
    assert load.kv_cache_use == 0.5 and load.decode_tokens_per_s == 800.0


# vLLM 0.34.0's series (vllm/v1/metrics/loggers.py: num_requests_running / _waiting and kv_cache_usage_perc are
# gauges, generation_tokens a counter), labelled per engine as its PrometheusStatLogger labels them
VLLM_METRICS = """# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="qwen"} 3.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="qwen"} 1.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="qwen"} 0.42
# HELP vllm:generation_tokens_total Number of generation tokens processed.
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{engine="0",model_name="qwen"} %s
"""


def test_vllm_gauges_are_read_with_its_own_names():
    load = parse_engine_metrics(VLLM_METRICS % "1200.0", at=3.0)
    assert load is not None
    assert (load.running_requests, load.queued_requests, load.kv_cache_use) == (3.0, 1.0, 0.42)
    assert load.generated_tokens == 1200.0 and load.decode_tokens_per_s == 0.0


def test_vllm_decode_speed_is_the_rate_of_its_token_counter_between_readings():
    first = parse_engine_metrics(VLLM_METRICS % "1200.0", at=10.0)
    second = parse_engine_metrics(VLLM_METRICS % "1800.0", at=12.0)
    assert second.after(first).decode_tokens_per_s == 300.0
    assert first.after(None).decode_tokens_per_s == 0.0
    restarted = parse_engine_metrics(VLLM_METRICS % "50.0", at=13.0)
    assert restarted.after(second).decode_tokens_per_s == 0.0  # the counter went back: no rate across a restart
    much_later = parse_engine_metrics(VLLM_METRICS % "90000.0", at=300.0)
    assert much_later.after(second).decode_tokens_per_s == 0.0  # nobody read it for minutes: no average as "now"


def test_text_without_either_engines_gauges_has_no_load():
    assert parse_engine_metrics("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 4.0\n") is None


def test_html_instead_of_metrics_is_refused():
    with pytest.raises(ValueError):
        parse_engine_metrics("<html><body>Internal Server Error</body></html>")


def test_live_engine_counts_the_answer_streaming_now(standin_endpoint):
    idle = read_engine_load(standin_endpoint)
    assert idle is not None and idle.running_requests == 0 and idle.at > 0
    updates = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=2000)).send("Keep talking")
    next(updates), next(updates), next(updates)
    busy = read_engine_load(standin_endpoint)
    updates.close()
    assert busy is not None and busy.running_requests == 1


def test_engine_that_does_not_answer_has_no_load(standin_endpoint):
    nobody = dataclasses.replace(standin_endpoint, base_url=f"http://127.0.0.1:{pick_free_port()}")
    assert read_engine_load(nobody, timeout_s=0.5) is None
