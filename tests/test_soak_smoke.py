"""A short soak in CI: `python -m bench.soak --standin` with 8 sessions for 20 s (app.py and the stand-in engine as
separate processes). Memory growth needs minutes to mean anything, so its limit is loosened here; the long run
(`--sessions 64 --minutes 10`) checks it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from bench.soak.visitors import TurnTimeout, wait_for_answer

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def soak() -> tuple[int, dict, str]:
    """Exit status, JSON report and stderr of one short soak."""
    run = subprocess.run([sys.executable, "-m", "bench.soak", "--standin", "--sessions", "8", "--minutes", "0.33",
                          "--max-rss-growth", "1.0", "--sample-every-s", "1"],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False)
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr[-2000:]
    return run.returncode, json.loads(lines[-1]), run.stderr


def test_short_soak_passes_with_no_errors(soak: tuple[int, dict, str]) -> None:
    status, report, stderr = soak
    assert report["errors"] == 0, report["first_errors"]
    assert report["turns"] >= 8 and report["sessions"] == 8
    assert report["sessions_answered"] == 8 and report["sessions_with_errors"] == 0
    assert status == 0 and report["ok"], stderr[-2000:]
    assert "verdict: PASS" in stderr


def test_short_soak_reports_latency_percentiles(soak: tuple[int, dict, str]) -> None:
    report = soak[1]
    assert 0 < report["first_text_p50_s"] <= report["latency_p50_s"] <= report["latency_p99_s"]


def test_short_soak_sees_no_descriptor_or_temp_file_growth(soak: tuple[int, dict, str]) -> None:
    report = soak[1]
    assert report["fds_after_warmup"] > 0 and report["fds_ok"]
    assert report["temp_files_end"] - report["temp_files_after_warmup"] <= 4 and report["temp_files_ok"]
    assert report["rss_after_warmup_mb"] > 0 and report["rss_growth"] is not None


class ScriptedJob(Future):
    """A gradio_client Job as the soak sees it: a future with the outputs streamed so far."""

    def __init__(self, outputs: list[str]) -> None:
        super().__init__()
        self._outputs = outputs

    def outputs(self) -> list[str]:
        return self._outputs


def test_a_turn_whose_result_never_arrives_is_an_error_not_a_hang() -> None:
    job = ScriptedJob([])
    begin = time.monotonic()
    with pytest.raises(TurnTimeout, match="no result within 0 s"):
        wait_for_answer(job, begin, timeout_s=0.3)
    assert 0.3 <= time.monotonic() - begin < 2.0
    assert job.cancelled()


def test_a_finished_turn_gives_its_answer_and_time_to_first_text() -> None:
    job = ScriptedJob(["A", "A cat"])
    job.set_result("A cat.")
    answer, first = wait_for_answer(job, time.monotonic() - 0.5, timeout_s=10)
    assert answer == "A cat."
    assert first is not None and first >= 0.5
