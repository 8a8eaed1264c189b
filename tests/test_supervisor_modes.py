"""The supervisor shared by many visitors and app runs: one server per launch race, app exit, adoption,
endpoint mode, refused plans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import openai
import pytest

from backend.engine.status import Mode, Phase
from backend.engine.supervisor import LaunchRefused, Supervisor
from standin import REPO_ROOT
from tests.helpers import READY_TIMEOUT_S, TEST_SETTINGS, PlanFactory, pick_free_port
from tests.process_checks import child_pids, gone, standin_pids, tree_pids


def test_concurrent_launch_calls_start_one_server(supervisor: Supervisor, make_standin_plan: PlanFactory) -> None:
    plans = [make_standin_plan(), make_standin_plan()]  # two visitors: same command, different random API keys
    before = standin_pids()
    threads = [threading.Thread(target=supervisor.launch, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.phase == Phase.READY
    assert status.attempts == 1
    assert standin_pids() - before == {status.pid}


def test_app_exit_on_sigterm_stops_the_launched_engine(tmp_path: Path, free_port: int) -> None:
    app = subprocess.Popen([sys.executable, str(Path(__file__).with_name("supervisor_app.py")), str(free_port),
                            str(tmp_path / "runs")], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                           env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        ready = json.loads(app.stdout.readline())
        assert ready["phase"] == "ready"
        engine_pids = tree_pids(ready["pid"])
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        app.kill()
    assert all(gone(pid) for pid in engine_pids)


def test_a_healthy_engine_from_an_earlier_run_is_adopted_and_left_running_on_exit(
    runs_dir: Path, make_standin_plan: PlanFactory
) -> None:
    plan = make_standin_plan()
    first = Supervisor(runs_dir, TEST_SETTINGS)  # an earlier app run that died without cleaning up
    first.launch(plan)
    pid = first.wait_ready(READY_TIMEOUT_S).pid
    try:
        second = Supervisor(runs_dir, TEST_SETTINGS)
        status = second.launch(make_standin_plan(port=plan.port))  # same command, a fresh API key
        assert status.mode == Mode.ADOPTED and status.phase == Phase.READY and status.pid == pid
        endpoint = second.endpoint()
        reply = openai.OpenAI(base_url=endpoint.api_base, api_key=endpoint.api_key).chat.completions.create(
            model=endpoint.model, messages=[{"role": "user", "content": "hello"}], max_tokens=3)
        assert reply.choices[0].message.content
        second.close()
        assert not gone(pid)
    finally:
        first.stop()
    assert gone(pid)


def test_a_record_with_another_command_is_not_adopted(runs_dir: Path, make_standin_plan: PlanFactory) -> None:
    plan = make_standin_plan()
    first = Supervisor(runs_dir, TEST_SETTINGS)
    first.launch(plan)
    first.wait_ready(READY_TIMEOUT_S)
    try:
        second = Supervisor(runs_dir, TEST_SETTINGS)
        status = second.launch(make_standin_plan(port=plan.port, tpot_ms=7))
        assert status.mode == Mode.LAUNCHED and status.plan.port != plan.port
        second.stop()
    finally:
        first.stop()


def test_endpoint_mode_watches_and_never_spawns(supervisor: Supervisor, make_standin_plan: PlanFactory) -> None:
    plan = make_standin_plan()
    before = child_pids()
    other = subprocess.Popen(list(plan.argv), env={**os.environ, **plan.env}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        supervisor.attach(plan.base_url + "/v1", plan.api_key)
        status = supervisor.wait_for(lambda s: s.phase == Phase.READY, 20.0)
        assert status.mode == Mode.ATTACHED and status.pid is None
        assert supervisor.endpoint().model == plan.served_model_name
        with pytest.raises(LaunchRefused):
            supervisor.launch(plan.on_port(pick_free_port()))
        assert child_pids() - before == {other.pid}
        supervisor.close()
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_endpoint_mode_reports_an_unreachable_server(supervisor: Supervisor, free_port: int) -> None:
    status = supervisor.attach(f"http://127.0.0.1:{free_port}", "key", model="qwen")
    assert status.phase == Phase.FAILED
    assert status.cause is not None and status.cause.kind == "unreachable"
    assert supervisor.endpoint() is None


def test_a_plan_that_does_not_fit_is_refused(supervisor: Supervisor, make_standin_plan: PlanFactory) -> None:
    before = child_pids()
    with pytest.raises(LaunchRefused, match="too big"):
        supervisor.launch(replace(make_standin_plan(), refusal="72B is too big for one GPU."))
    assert child_pids() == before
