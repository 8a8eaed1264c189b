"""The supervisor with real processes on CPU: the stand-in engine launched from a plan, served, stopped, broken."""

from __future__ import annotations

import os
import signal
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import openai
import psutil
import pytest
from PIL import Image

from backend.engine.records import read_record
from backend.engine.settings import SupervisorSettings
from backend.engine.status import Mode, Phase, ServerStatus
from backend.engine.supervisor import Supervisor
from backend.media.images import APP_MAX_PIXELS
from backend.plans.planner import PlanRequest, make_plan
from backend.plans.request import LaunchPlan
from standin import standin_plan
from tests.helpers import READY_TIMEOUT_S, TEST_SETTINGS, PlanFactory, StandinServer, pick_free_port
from tests.process_checks import gone, standin_pids, tree_pids, wait_gone

LOADING_PHASES = [Phase.STARTING, Phase.LOADING_WEIGHTS, Phase.KV_CACHE, Phase.CUDA_GRAPHS, Phase.WARMING_UP,
                  Phase.READY]
# A cut stream surfaces as httpx.RemoteProtocolError while iterating: the openai SDK does not wrap it.
STREAM_ERRORS = (openai.APIError, httpx.HTTPError)


def client_for(server: StandinServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.endpoint.api_base, api_key=server.endpoint.api_key, max_retries=0)


def test_launch_goes_through_the_loading_phases_in_order_then_ready(standin_server: StandinServer) -> None:
    status = standin_server.supervisor.status()
    assert status.phase == Phase.READY
    assert [mark.phase for mark in status.phase_marks] == LOADING_PHASES
    elapsed = [mark.elapsed_s for mark in status.phase_marks]
    assert elapsed == sorted(elapsed)
    assert status.progress == 1.0
    assert status.mode == Mode.LAUNCHED
    assert "The server is fired up and ready to roll!" in Path(status.log_path).read_text()


def test_ready_comes_after_a_warm_up_request(standin_server: StandinServer) -> None:
    log = Path(standin_server.supervisor.status().log_path).read_text()
    assert 'POST /v1/chat/completions HTTP/1.1" 200' in log  # before anyone asked anything
    stats = httpx.get(standin_server.endpoint.base_url + "/standin/stats", timeout=5).json()
    assert stats["completed"] >= 1


def test_the_warm_up_sends_jpeg_photos_at_the_apps_budget_one_and_two_per_request(
        standin_server: StandinServer, sglang_smart_resize) -> None:
    sent = httpx.get(standin_server.endpoint.base_url + "/standin/stats", timeout=5).json()["recent_media"]
    height, width = sglang_smart_resize(3000, 4000, 28, 56 * 56, APP_MAX_PIXELS)  # a phone photo, as the app sends it
    assert sorted(sent) == sorted([[["image", "JPEG", 56, 56]],  # sent at once: they arrive in any order
                                   [["image", "JPEG", width, height], ["image", "JPEG", 1288, 728]]])  # GPU-decoded


def test_ready_says_when_health_answered_and_how_long_the_warm_up_took(standin_server: StandinServer) -> None:
    status = standin_server.supervisor.status()
    ready_at = next(mark.elapsed_s for mark in status.phase_marks if mark.phase == Phase.READY)
    assert status.health_ok_s is not None and status.warmup_s is not None
    assert 0 < status.health_ok_s < ready_at and status.health_ok_s + status.warmup_s <= ready_at + 0.05
    assert f"/health answered after {status.health_ok_s:.1f} s" in status.message
    assert f"warm-up took {status.warmup_s:.1f} s" in status.message
    assert any(line.startswith("[app] /health 200 after") and "1288x728 JPEG" in line for line in status.log_tail)


@contextmanager
def launched_until_ready(tmp_path: Path, plan: LaunchPlan, settings: SupervisorSettings = TEST_SETTINGS
                         ) -> Iterator[tuple[ServerStatus, dict]]:
    """A supervisor launching plan, once ready: its status and the stand-in's stats, read at once (nothing has
    been sent since ready); closed afterwards."""
    supervisor = Supervisor(tmp_path / "runs", settings)
    try:
        supervisor.launch(plan)
        status = supervisor.wait_ready(READY_TIMEOUT_S)
        assert status.phase == Phase.READY, status.log_tail
        yield status, httpx.get(status.base_url + "/standin/stats", timeout=5).json()
    finally:
        supervisor.close()


def test_the_warm_up_sends_its_photos_and_a_short_clip_at_once_before_ready(tmp_path: Path,
                                                                     make_standin_plan: PlanFactory) -> None:
    # each request takes long enough to see them overlap
    with launched_until_ready(tmp_path, make_standin_plan(ttft_ms=300),
                              replace(TEST_SETTINGS, warmup_video=True)) as (status, stats):
        assert [["video", "MP4", 112, 112]] in stats["recent_media"] and stats["errors"] == 0
        assert [["image", "JPEG", 56, 56]] in stats["recent_media"] and len(stats["recent_media"]) == 3
        assert stats["peak_active"] == 3  # sent at once, so first-use costs overlap
        line = next(text for text in status.log_tail if text.startswith("[app] /health 200 after"))
        assert "8-frame clip" in line and "failed" not in line


def test_the_warm_up_goes_out_while_the_engine_runs_its_own_before_health_says_200(
        tmp_path: Path, make_standin_plan: PlanFactory) -> None:
    # SGLang: requests answered, /health 503
    with launched_until_ready(tmp_path, make_standin_plan(own_warmup_seconds=2.0)) as (status, stats):
        assert stats["before_ready"] == 2 and stats["errors"] == 0  # both photo requests, sent early
        assert any("warm-up sent before /health" in line for line in status.log_tail)
        assert status.health_ok_s is not None and status.warmup_s is not None  # ready still waits for /health
        assert status.warmup_s >= 0 and "-0.0" not in status.message  # counted from the unrounded /health moment


def test_a_warm_up_the_engine_refused_before_health_is_sent_again_once_health_says_200(
        tmp_path: Path, make_standin_plan: PlanFactory) -> None:
    plan = make_standin_plan(own_warmup_seconds=1.0, refuse_chat_before_ready=True)
    with launched_until_ready(tmp_path, plan) as (status, stats):
        assert stats["before_ready"] == 0 and stats["completed"] == 2  # the photos, answered after /health
        assert any("warm-up sent before /health failed" in line for line in status.log_tail)


def test_streamed_chat_through_the_openai_sdk(standin_server: StandinServer, tmp_path: Path) -> None:
    image_path = tmp_path / "frame.png"
    Image.new("RGB", (1280, 720), (0, 128, 255)).save(image_path)
    stream = client_for(standin_server).chat.completions.create(
        model=standin_server.endpoint.model,
        messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": str(image_path)}},
                                               {"type": "text", "text": "Describe it."}]}],
        max_tokens=20, stream=True, stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text.startswith("Stand-in saw 1 image: 1288x728 (1196 tokens).")
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 20


def test_stop_ends_the_whole_tree_and_leaves_no_orphan(supervisor: Supervisor, make_standin_plan: PlanFactory) -> None:
    supervisor.launch(make_standin_plan(children=2))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.phase == Phase.READY, status.log_tail
    pids = tree_pids(status.pid)
    assert len(pids) == 3
    stopped = supervisor.stop()
    assert stopped.phase == Phase.STOPPED
    assert all(gone(pid) for pid in pids)
    assert "GPU memory not checked" in stopped.gpu_release  # this CPU host has no NVML
    assert read_record(supervisor.runs_dir, status.plan.port) is None


def test_stop_uses_sigkill_when_the_engine_ignores_sigterm(runs_dir: Path, make_standin_plan: PlanFactory) -> None:
    supervisor = Supervisor(runs_dir, replace(TEST_SETTINGS, grace_s=0.5))
    supervisor.launch(make_standin_plan(ignore_sigterm=True))
    pid = supervisor.wait_ready(READY_TIMEOUT_S).pid
    stopped = supervisor.stop()
    assert "needed SIGKILL" in stopped.message
    assert gone(pid)


def test_crash_mid_stream_is_reported_with_its_cause(standin_server: StandinServer) -> None:
    received: list[str] = []
    with pytest.raises(STREAM_ERRORS):
        stream = client_for(standin_server).chat.completions.create(
            model=standin_server.endpoint.model, messages=[{"role": "user", "content": "please __crash__ now"}],
            max_tokens=50, stream=True,
        )
        received.extend(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    status = standin_server.supervisor.wait_for(lambda s: s.phase == Phase.FAILED, 10.0)
    assert status.phase == Phase.FAILED
    assert status.cause is not None and status.cause.kind == "crashed"
    assert "while serving" in status.cause.summary and "exit code 3" in status.cause.summary
    assert any("crashing on request" in line for line in status.log_tail)
    assert standin_server.supervisor.endpoint() is None


def test_next_launch_after_a_crash_works(standin_server: StandinServer, make_standin_plan: PlanFactory) -> None:
    supervisor = standin_server.supervisor
    crashed_pid = supervisor.status().pid
    before = standin_pids()
    with pytest.raises(STREAM_ERRORS):
        client_for(standin_server).chat.completions.create(
            model=standin_server.endpoint.model, messages=[{"role": "user", "content": "__crash__"}])
    assert supervisor.wait_for(lambda s: s.phase == Phase.FAILED, 10.0).phase == Phase.FAILED
    supervisor.launch(make_standin_plan(port=pick_free_port()))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.phase == Phase.READY and status.cause is None
    assert standin_pids() - before == {status.pid}
    assert gone(crashed_pid)


def test_a_dead_engine_child_is_noticed_while_serving(supervisor: Supervisor, make_standin_plan: PlanFactory) -> None:
    supervisor.launch(make_standin_plan(children=1))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    child = psutil.Process(status.pid).children()[0]
    child.send_signal(signal.SIGKILL)  # what the GPU check does to SGLang's scheduler
    failed = supervisor.wait_for(lambda s: s.phase == Phase.FAILED, 10.0)
    assert failed.cause is not None and failed.cause.kind == "crashed"
    assert f"pid {child.pid}" in failed.cause.summary
    assert wait_gone(status.pid)  # the rest of the tree is ended after the failure is reported


@pytest.mark.parametrize(
    ("failure", "kind", "evidence"),
    [
        ("oom", "oom", "CUDA out of memory"),
        ("argument", "invalid_argument", "error: argument --tp-size"),
        ("nogpu", "no_gpu", "No CUDA GPUs are available"),
        ("notfound", "model_not_found", "RepositoryNotFoundError"),
        ("gated", "model_gated", "GatedRepoError"),
        ("offline", "no_network", "outgoing traffic has been disabled"),
    ],
)
def test_failed_start_reports_the_cause_and_the_log_tail(
    supervisor: Supervisor, make_standin_plan: PlanFactory, failure: str, kind: str, evidence: str
) -> None:
    supervisor.launch(make_standin_plan(fail_at_start=failure))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.phase == Phase.FAILED
    assert status.cause is not None and status.cause.kind == kind
    assert evidence in status.cause.evidence
    assert any(evidence in line for line in status.log_tail)
    assert status.last_error == status.cause.summary


def test_a_taken_port_moves_the_launch_to_a_free_one(
    supervisor: Supervisor, make_standin_plan: PlanFactory, free_port: int
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", free_port))
        squatter.listen()
        supervisor.launch(make_standin_plan(port=free_port))
        status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.phase == Phase.READY
    assert status.plan is not None and status.plan.port != free_port
    assert f"--port {status.plan.port}" in " ".join(status.plan.argv)
    assert supervisor.endpoint().base_url.endswith(f":{status.plan.port}")


def test_a_port_error_from_the_engine_is_retried_once_on_another_port(
    supervisor: Supervisor, make_standin_plan: PlanFactory, free_port: int
) -> None:
    supervisor.launch(make_standin_plan(port=free_port, fail_at_start="port"))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.phase == Phase.FAILED  # the stand-in fails on every port; the retry happened once
    assert status.attempts == 2
    assert status.cause is not None and status.cause.kind == "port_in_use"
    assert status.plan is not None and status.plan.port != free_port


def test_the_api_key_is_masked_in_the_log_tail(supervisor: Supervisor, make_standin_plan: PlanFactory) -> None:
    plan = make_standin_plan(fail_at_start="nogpu")  # fails right after printing its server_args
    supervisor.launch(plan)
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    server_args = next(line for line in status.log_tail if "server_args=" in line)
    assert "api_key='***'" in server_args
    assert plan.api_key not in "\n".join(status.log_tail)
    header = Path(status.log_path).read_text().splitlines()[0]
    assert "--api-key ***" in header and plan.api_key not in header


def test_the_engine_writes_straight_into_a_log_file_only_its_owner_can_read(
    supervisor: Supervisor, make_standin_plan: PlanFactory
) -> None:
    supervisor.launch(make_standin_plan())
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    log = Path(status.log_path).resolve()
    # The file holds the engine's raw output, its API key included (SGLang prints its server_args).
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert [os.readlink(f"/proc/{status.pid}/fd/{fd}") for fd in (1, 2)] == [str(log), str(log)]
    assert log.read_text().startswith("# ") and f" pid {status.pid}: " in log.read_text().splitlines()[0]
    assert descriptors_open_on(log) == 1  # the follower's: the launch closed its own copy
    supervisor.stop()
    assert descriptors_open_on(log) == 0


def descriptors_open_on(path: Path) -> int:
    """How many of this process's file descriptors are open on path."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.readlink(fd) == str(path)
        except OSError:
            continue  # closed meanwhile (the listing's own descriptor, another thread's)
    return count


def test_a_missing_engine_program_is_a_failure_not_an_exception(
    supervisor: Supervisor, make_standin_plan: PlanFactory
) -> None:
    plan = make_standin_plan()
    status = supervisor.launch(replace(plan, argv=("/nonexistent/python3", *plan.argv[1:])))
    assert status.phase == Phase.FAILED
    assert status.cause is not None and status.cause.kind == "engine_not_installed"
    assert "/nonexistent/python3" in status.cause.summary


def test_a_small_context_gets_only_the_warm_up_it_can_hold(supervisor: Supervisor) -> None:
    plan = make_plan(PlanRequest(model="7B", hardware="H100", port=pick_free_port(), context_length=2048))
    supervisor.launch(standin_plan(plan, load_seconds=0.2))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.phase == Phase.READY, status.log_tail  # two budget-size photos (2,426 tokens) would not fit
    sent = httpx.get(status.base_url + "/standin/stats", timeout=5).json()["recent_media"]
    assert sent == [[["image", "JPEG", 56, 56]]]
