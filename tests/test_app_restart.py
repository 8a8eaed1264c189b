"""The app is killed with SIGKILL while its engine serves: a restarted app adopts that engine (or ends it when the
plan changed), never starts a second one, and the engine's output keeps landing in its log file throughout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import openai

from backend.engine.process_tree import terminate_tree
from backend.engine.records import read_record
from backend.engine.status import Mode
from backend.engine.supervisor import Supervisor
from standin import REPO_ROOT, standin_plan
from tests.helpers import READY_TIMEOUT_S, TEST_SETTINGS, pick_free_port, sglang_plan, wait_until
from tests.process_checks import gone, standin_pids, wait_gone


def earlier_app_run(port: int, runs_dir: Path) -> int:
    """Run an app that launches the stand-in on port, kill it with SIGKILL once serving; the engine's pid."""
    app = subprocess.Popen([sys.executable, str(REPO_ROOT / "tests" / "supervisor_app.py"), str(port), str(runs_dir)],
                           stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                           env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        ready = json.loads(app.stdout.readline())
        assert ready["phase"] == "ready"
    finally:
        app.kill()  # no exit handler runs: the engine is left behind
        app.wait()
    assert not gone(ready["pid"])
    return int(ready["pid"])


def test_app_killed_while_serving_adopts_its_engine_when_restarted(runs_dir: Path) -> None:
    old_port = pick_free_port()
    engine_pid = earlier_app_run(old_port, runs_dir)
    before = standin_pids()
    restarted = Supervisor(runs_dir, TEST_SETTINGS)
    try:
        # the same plan, but the restarted app picked another free port and drew a new API key
        status = restarted.launch(standin_plan(sglang_plan(pick_free_port()), load_seconds=0.2, tpot_ms=1))
        assert status.mode == Mode.ADOPTED and status.pid == engine_pid and status.plan.port == old_port
        assert standin_pids() == before  # nothing new was started
        endpoint = restarted.endpoint()
        reply = openai.OpenAI(base_url=endpoint.api_base, api_key=endpoint.api_key).chat.completions.create(
            model=endpoint.model, messages=[{"role": "user", "content": "hello"}], max_tokens=3)
        assert reply.choices[0].message.content
    finally:
        restarted.stop()
        restarted.close()
    assert wait_gone(engine_pid)


def test_engine_output_after_its_app_was_killed_still_reaches_its_log_file(runs_dir: Path) -> None:
    port = pick_free_port()
    engine_pid = earlier_app_run(port, runs_dir)
    record = read_record(runs_dir, port)
    assert record is not None
    try:
        httpx.get(f"http://127.0.0.1:{port}/standin/stats?after-the-app-was-killed", timeout=5).raise_for_status()
        # the engine's own access-log line: written by the engine into its file, no app in between
        assert wait_until(lambda: "after-the-app-was-killed" in Path(record.log_path).read_text(), 10)
        assert not gone(engine_pid)
    finally:
        terminate_tree(engine_pid, engine_pid, TEST_SETTINGS.grace_s)


def test_an_adopted_engine_shows_its_new_output_after_an_app_restart(runs_dir: Path) -> None:
    engine_pid = earlier_app_run(pick_free_port(), runs_dir)
    restarted = Supervisor(runs_dir, TEST_SETTINGS)
    try:
        status = restarted.launch(standin_plan(sglang_plan(pick_free_port()), load_seconds=0.2, tpot_ms=1))
        assert status.mode == Mode.ADOPTED and status.pid == engine_pid
        assert not any("fired up" in line for line in status.log_tail)  # followed from the end, not replayed
        httpx.get(status.base_url + "/standin/stats?seen-by-the-restarted-app", timeout=5).raise_for_status()
        assert wait_until(lambda: any("seen-by-the-restarted-app" in line for line in restarted.status().log_tail),
                          10), restarted.status().log_tail
    finally:
        restarted.stop()
        restarted.close()
    assert wait_gone(engine_pid)


def test_app_killed_then_restarted_with_another_plan_ends_the_old_engine(runs_dir: Path) -> None:
    engine_pid = earlier_app_run(pick_free_port(), runs_dir)
    before = standin_pids()
    restarted = Supervisor(runs_dir, TEST_SETTINGS)
    try:
        restarted.launch(standin_plan(sglang_plan(pick_free_port(), model="3B"), load_seconds=0.2, tpot_ms=1))
        status = restarted.wait_ready(READY_TIMEOUT_S)
        assert status.is_ready and status.mode == Mode.LAUNCHED
        assert gone(engine_pid)  # ended before the new one started: never two engines on the GPUs
        assert standin_pids() - before == {status.pid}
    finally:
        restarted.stop()
        restarted.close()
