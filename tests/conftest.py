"""Shared fixtures: free ports, scripted answers files, and the stand-in engine launched through the Supervisor."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.endpoint import Endpoint
from backend.engine.supervisor import Supervisor
from backend.plans.planner import LaunchPlan
from backend.plans.ports import free_port as pick_free_port
from standin import standin_plan
from tests.helpers import DEFAULT_ANSWERS, READY_TIMEOUT_S, TEST_SETTINGS, PlanFactory, StandinServer, sglang_plan

# Names a test module imports when it serves the whole Gradio app (over HTTP, to gradio_client or a page).
SERVES_THE_APP = ("start_ui", "start_batch_ui", "build_demo", "Client")


@pytest.fixture
def free_port() -> int:
    """A TCP port free on 127.0.0.1."""
    return pick_free_port()


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """A fresh runs directory (engine logs and adoption records)."""
    return tmp_path / "runs"


@pytest.fixture
def supervisor(runs_dir: Path) -> Iterator[Supervisor]:
    """A Supervisor with fast test settings; stops whatever it still holds afterwards."""
    sup = Supervisor(runs_dir, TEST_SETTINGS)
    yield sup
    sup.stop()
    sup.close()


@pytest.fixture
def write_answers(tmp_path: Path) -> Callable[[list[dict]], Path]:
    """Factory: write a scripted answers file ([{"match": regex, "answer": text}]) and return its path."""
    def write(entries: list[dict]) -> Path:
        path = tmp_path / f"answers-{len(list(tmp_path.glob('answers-*.json')))}.json"
        path.write_text(json.dumps(entries), encoding="utf-8")
        return path
    return write


@pytest.fixture
def answers_file(write_answers: Callable[[list[dict]], Path]) -> Path:
    """A scripted answers file with DEFAULT_ANSWERS (a description, a cat box, a point at the input size)."""
    return write_answers(DEFAULT_ANSWERS)


@pytest.fixture
def make_standin_plan(free_port: int) -> PlanFactory:
    """Factory: an SGLang plan on a free port rewritten to run the stand-in (kwargs are stand-in options)."""
    def make(port: int | None = None, **options: object) -> LaunchPlan:
        options.setdefault("load_seconds", 0.3)
        options.setdefault("tpot_ms", 2)
        return standin_plan(sglang_plan(port or free_port), **options)
    return make


@pytest.fixture
def standin_server(supervisor: Supervisor, make_standin_plan: PlanFactory, answers_file: Path) -> StandinServer:
    """A stand-in launched through Supervisor.launch, warmed up and ready (stopped after the test)."""
    plan = make_standin_plan(script=answers_file)
    supervisor.launch(plan)
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    endpoint = supervisor.endpoint()
    assert endpoint is not None, f"stand-in did not become ready: {status.phase} {status.message} {status.log_tail}"
    return StandinServer(supervisor, status.plan or plan, endpoint)


@pytest.fixture(scope="session")
def standin_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """One ready stand-in shared by a whole test session (scripted with DEFAULT_ANSWERS); yields its Endpoint."""
    root = tmp_path_factory.mktemp("shared-standin")
    answers = root / "answers.json"
    answers.write_text(json.dumps(DEFAULT_ANSWERS), encoding="utf-8")
    sup = Supervisor(root / "runs", TEST_SETTINGS)
    sup.launch(standin_plan(sglang_plan(pick_free_port()), load_seconds=0.2, tpot_ms=1, script=str(answers)))
    status = sup.wait_ready(READY_TIMEOUT_S)
    endpoint = sup.endpoint()
    assert endpoint is not None, f"shared stand-in did not become ready: {status.message} {status.log_tail}"
    yield endpoint
    sup.close()


@pytest.fixture(scope="session")
def examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Example media for the UI tests, drawn once per test run."""
    return tmp_path_factory.mktemp("examples")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for the module (Playwright; skipped where either is missing)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    from tests.helpers import launch_chromium

    with playwright_api.sync_playwright() as driver:
        chromium = launch_chromium(driver)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def sglang_smart_resize():
    """SGLang 0.5.23's own smart_resize, the oracle for every frame (importing it loads torch: once a session)."""
    return pytest.importorskip("sglang.srt.multimodal.processors.qwen_vl").smart_resize


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by what it needs, so `make test-fast` can leave out the slow kinds: `browser` (drives
    Chromium) and `served` (serves the Gradio app; every browser test does too)."""
    for item in items:
        module = getattr(item, "module", None)
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.served)
        elif module is not None and any(hasattr(module, name) for name in SERVES_THE_APP):
            item.add_marker(pytest.mark.served)
