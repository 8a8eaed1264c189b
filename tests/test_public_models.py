"""Public mode plans only the catalog models and the operator's own: a visitor's folder path or model id gets one
refusal that never depends on the server's file system (through /plan and the server tab's live plan)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from backend.engine.supervisor import Supervisor
from backend.models import ModelError
from backend.plans.planner import PlanRequest
from backend.studio.settings import PUBLIC_MODEL_REFUSAL, StudioSettings
from backend.studio.studio import Studio
from tests.helpers import TEST_SETTINGS, TWO_H100, RunningUi, start_ui
from tests.hostile_inputs import qwen_config

OUTSIDE_THE_CATALOG = ["/etc", "/nonexistent", "/root", "~", "../../..", "/etc/passwd", "someone/private-model",
                       "Qwen/Qwen2-VL-7B-Instruct", "my-org/Qwen2.5-VL-7B-Instruct-AWQ"]


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The app in public mode (no engine: planning needs none)."""
    running = start_ui(tmp_path_factory.mktemp("public-models"), examples_dir, public=True)
    yield running
    running.close()


@pytest.fixture(scope="module")
def visitor(public: RunningUi) -> Client:
    """An anonymous gradio_client of the public app."""
    return Client(public.url, verbose=False)


@pytest.fixture(scope="module")
def preview(public: RunningUi) -> Callable[..., tuple]:
    """The server tab's live plan handler (engine, model, hardware, checked GPUs, GPU count, context length)."""
    handlers = [block.fn for block in public.demo.fns.values() if getattr(block.fn, "__name__", "") == "preview"]
    assert handlers
    return handlers[0]


def plan_refusal(visitor: Client, model: str) -> str:
    """The error /plan answers for model."""
    with pytest.raises(AppError) as refusal:
        visitor.predict(model, "auto", "", "sglang", 0, api_name="/plan")
    return str(refusal.value)


def test_an_existing_and_a_missing_folder_get_the_same_refusal(visitor: Client) -> None:
    assert plan_refusal(visitor, "/etc") == plan_refusal(visitor, "/nonexistent") == PUBLIC_MODEL_REFUSAL


@pytest.mark.parametrize("model", OUTSIDE_THE_CATALOG)
def test_public_plan_refuses_models_outside_the_catalog(visitor: Client, model: str) -> None:
    assert plan_refusal(visitor, model) == PUBLIC_MODEL_REFUSAL


@pytest.mark.parametrize("model", ["/etc", "/nonexistent", "someone/private-model"])
def test_the_server_tabs_live_plan_gives_the_same_refusal(preview: Callable[..., tuple], model: str) -> None:
    markdown, *_controls = preview("sglang", model, "auto", [], 0, 0)
    assert markdown == f"### ⚠ {PUBLIC_MODEL_REFUSAL}"


@pytest.mark.parametrize("model", ["7B", " 3b ", "Qwen/Qwen2.5-VL-7B-Instruct", "qwen/qwen2.5-vl-32b-instruct"])
def test_public_plan_still_plans_the_catalog_models(visitor: Client, model: str) -> None:
    text, fits = visitor.predict(model, "auto", "", "sglang", 0, api_name="/plan")
    assert fits is True and "-m sglang.launch_server" in text


def test_the_operators_own_model_folder_still_plans_in_public_mode(tmp_path: Path) -> None:
    folder = tmp_path / "my-qwen"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(qwen_config()), encoding="utf-8")
    settings = StudioSettings(public=True, work_dir=tmp_path / "work", default_request=PlanRequest(model=str(folder)))
    studio = Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), settings, TWO_H100)
    visitor = studio.viewer()
    plan = studio.plan(settings.default_request, visitor)
    assert plan.fits and str(folder) in plan.shell_line()
    with pytest.raises(ModelError, match="public demo plans only"):
        studio.plan(replace(settings.default_request, model=str(tmp_path)), visitor)
    private = Studio(studio.supervisor, replace(settings, public=False), TWO_H100)
    with pytest.raises(ModelError, match="no config.json in this folder"):
        private.plan(replace(settings.default_request, model=str(tmp_path)), private.viewer())
