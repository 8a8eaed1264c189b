"""CPU smoke test of the benchmark (`python -m bench --standin --quick`): it runs end to end against the stand-in
engine and reports every figure. Goals are not asserted: the stand-in is not a GPU."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
METRICS_WITH_BOTH_SIDES = (
    "p1_ttft_ms", "p1_tpot_ms", "p2_output_tok_s", "p3_photo_ttft_s", "p4_first_ttft_s", "p4_follow_up_ttft_s",
    "p4_follow_up_ratio", "p5_launch_ready_s", "p5_launch_health_s", "p5_first_vs_second", "p6_video_prep_s",
    "p6_video_prep_mp4v_all_s", "p7_rest_sse_ttft_ms", "p7_queue_sse_ttft_ms", "p7_gradio_client_ttft_ms",
    "p7_client_vs_sse_ms", "p7_readme_stream_ms", "p7_for_partial_in_job_ms",
)


@dataclass(frozen=True)
class BenchRun:
    """What one quick stand-in run printed and wrote."""

    stdout: str
    stderr: str
    results: dict


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> BenchRun:
    """Run the benchmark once for the whole module."""
    root = tmp_path_factory.mktemp("bench")
    out = root / "results.json"
    environment = {**os.environ, "BENCH_CACHE_DIR": str(root / "cache"), "PYTHONPATH": str(REPO_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--standin", "--quick", "--out", str(out), "--work-dir", str(root / "work")],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=240, check=False,
    )
    assert completed.returncode == 0, f"bench failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    return BenchRun(completed.stdout, completed.stderr, json.loads(out.read_text(encoding="utf-8")))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def _rows_by_key(run: BenchRun) -> dict[str, dict]:
    return {row["key"]: row for row in run.results["rows"]}


def test_json_has_every_metric_with_numbers_on_both_sides(bench_run: BenchRun) -> None:
    rows = _rows_by_key(bench_run)
    for key in METRICS_WITH_BOTH_SIDES:
        row = rows[key]
        for side in ("app", "direct"):
            figures = row[side]
            assert figures is not None, f"{key}: no {side} figures"
            assert _is_number(figures["median"]) and figures["low"] <= figures["median"] <= figures["high"], key
            assert figures["n"] == len(figures["samples"]) >= 1, key
        assert _is_number(row["ratio"]), key


def test_video_prep_is_timed_beside_the_decode_floor_on_one_core_and_on_all(bench_run: BenchRun) -> None:
    rows = _rows_by_key(bench_run)
    one, every = rows["p6_video_prep_s"], rows["p6_video_prep_mp4v_all_s"]
    assert one["extra"]["cores"] and len(one["extra"]["cores"]) == 1
    assert every["extra"]["cores"] == sorted(os.sched_getaffinity(0))
    for row in (one, every):
        assert row["extra"]["decoded_frames"] > row["extra"]["frames"] >= 2  # the floor decodes every frame
        assert row["goal"] == "<= 1.2x the decode floor" and isinstance(row["passed"], bool)


def test_video_prep_of_an_h264_clip_or_why_not(bench_run: BenchRun) -> None:
    rows = _rows_by_key(bench_run)
    if shutil.which("ffmpeg"):
        assert {"p6_video_prep_h264_one_s", "p6_video_prep_h264_all_s"} <= set(rows)
        assert rows["p6_video_prep_h264_all_s"]["extra"]["codec"] == "h264"
    else:
        assert "ffmpeg" in bench_run.results["details"]["skipped"]["p6_h264"]


def test_the_hour_long_video_is_left_out_of_quick_runs_with_a_reason(bench_run: BenchRun) -> None:
    reason = bench_run.results["details"]["skipped"]["p9"]
    assert "--quick" in reason and "python -m bench.video_rows p9" in reason
    assert not any(row["key"].startswith("p9") for row in bench_run.results["rows"])


def test_every_goal_row_has_a_verdict(bench_run: BenchRun) -> None:
    judged = [row for row in bench_run.results["rows"] if row["goal"]]
    assert {row["key"] for row in judged} >= {"p1_ttft_ms", "p1_tpot_ms", "p2_output_tok_s", "p3_photo_ttft_s",
                                              "p4_follow_up_ratio", "p5_launch_ready_s", "p5_first_vs_second",
                                              "p6_video_prep_s", "p5_health_to_ready_s"}
    assert all(isinstance(row["passed"], bool) for row in judged)


def test_table_lists_every_metric_with_numbers(bench_run: BenchRun) -> None:
    lines = bench_run.stdout.splitlines()
    assert "| metric | app | direct | ratio | goal | pass |" in lines
    for row in bench_run.results["rows"]:
        line = next((text for text in lines if text.startswith(f"| {row['metric']} [")), None)
        assert line is not None, f"no table line for {row['metric']}"
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[1][0].isdigit(), line
        if row["key"] in METRICS_WITH_BOTH_SIDES:
            assert cells[2][0].isdigit() and cells[3][0].isdigit(), line


def test_header_names_device_engine_model_and_flags(bench_run: BenchRun) -> None:
    header = bench_run.results["header"]
    assert "stand-in" in header["engine"]
    assert header["device"].startswith("CPU only")
    assert "Qwen2.5-VL-7B-Instruct" in header["model"]
    assert "-m standin" in header["flags"] and "--api-key ***" in header["flags"]
    for name in ("device", "engine", "model", "flags"):
        assert f"- **{name}**: {header[name]}" in bench_run.stdout


def test_gradio_part_is_skipped_with_a_reason(bench_run: BenchRun) -> None:
    reason = bench_run.results["details"]["skipped"]["p1_gradio"]
    assert "--app-url" in reason or "not installed" in reason
    assert f"Skipped p1_gradio: {reason}" in bench_run.stdout


def test_bench_modules_do_not_import_gradio() -> None:
    code = ("import sys, bench.__main__, bench.gpu.media_check, bench.video_prep; "
            "print(sorted(name for name in sys.modules if name.split('.')[0] in ('gradio', 'gradio_client')))")
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                               timeout=120, check=False, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


def test_the_web_path_bench_prints_the_app_beside_the_five_line_floor() -> None:
    completed = subprocess.run([sys.executable, "-m", "bench.web_path", "--standin", "--repeats", "3"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=300, check=False,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert completed.returncode == 0, completed.stderr[-2000:]
    figures = json.loads(completed.stdout[completed.stdout.index("{"):])["P7"]
    assert {reader: len(samples) for reader, samples in figures["readme"].items()} == {
        "readme_stream": 3, "for_partial_in_job": 3}
    for path in ("rest_sse", "queue_sse", "gradio_client"):
        assert len(figures[path]["app"]["samples_ms"]) == 3
        assert figures[path]["floor"]["p50_ms"] > 0 and figures[path]["app"]["p50_ms"] > 0
        assert figures[path]["app_minus_floor_ms"] == round(figures[path]["app"]["p50_ms"] -
                                                            figures[path]["floor"]["p50_ms"], 1)


def test_the_bench_runs_a_vllm_plan_beside_a_direct_client(tmp_path: Path) -> None:
    # issue 30's P1 / P2 rows on a vLLM server: here the stand-in as vLLM, on a GPU host the real one
    out = tmp_path / "vllm.json"
    environment = {**os.environ, "BENCH_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO_ROOT)}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--standin", "--quick", "--engine", "vllm", "--skip", "p6", "--skip", "p7",
         "--skip", "p3", "--skip", "p4", "--out", str(out), "--work-dir", str(tmp_path / "work")],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=240, check=False)
    assert completed.returncode == 0, f"bench failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    results = json.loads(out.read_text(encoding="utf-8"))
    assert "serve" in results["header"]["flags"] and "--flavor vllm" in results["header"]["flags"]
    assert "as vllm" in results["header"]["engine"]
    rows = {row["key"]: row for row in results["rows"]}
    for key in ("p1_ttft_ms", "p1_tpot_ms", "p2_output_tok_s"):
        assert _is_number(rows[key]["app"]["median"]) and _is_number(rows[key]["direct"]["median"]), key


def test_the_fault_checks_rehearse_on_the_stand_in_as_vllm(tmp_path: Path) -> None:
    # bench.gpu.faults on a GPU host: a busy GPU's second launch, client aborts read from vLLM's metrics, kill -9
    completed = subprocess.run(
        [sys.executable, "-m", "bench.gpu.faults", "--standin", "--engine", "vllm", "--context-length", "32768",
         "--model-path", "7B", "--hardware", "H100", "--sessions", "2", "--soak-seconds", "2",
         "--abort-within-s", "2", "--runs-dir", str(tmp_path / "runs")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    events = [json.loads(line) for line in completed.stdout.splitlines()]
    busy, = (event for event in events if event["event"] == "second_launch_on_busy_gpu")
    assert (busy["second_phase"], busy["cause"], busy["first_still_answers"]) == ("failed", "gpu_memory_taken", True)
    assert "--gpu-memory-utilization" in busy["suggestion"]
    aborts = {event["how"]: event for event in events if event["event"] == "client_abort"}
    for how in ("stop", "drop"):  # vLLM counts no client abort: its running-requests gauge tells
        assert aborts[how]["running_before"] == 1.0 and aborts[how]["running_zero_after_s"] is not None
        assert aborts[how]["turn_status"] == "stopped" and aborts[how]["ok"]
    summary, = (event for event in events if event["event"] == "summary")
    assert summary["checks"] == {"abort_stop": True, "abort_drop": True, "busy_gpu": True, "mini_soak": True,
                                 "kill_9": True}
