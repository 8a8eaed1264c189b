"""A new Gradio session of the app renders no block config up front (each REST call and page load is one), and a
deep link still gets every component's config, the same as Gradio's own eager session state gives."""

from __future__ import annotations

import gradio.state_holder as state_holder
import pytest

from backend.engine.supervisor import Supervisor
from backend.plans.planner import PlanRequest
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from ui.layout import build_demo, ready_to_serve
from ui.lazy_session_state import _EAGER, LazySessionState


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("sessions")
    settings = StudioSettings(work_dir=root / "work", default_request=PlanRequest(model="7B", hardware="auto"))
    studio = Studio(Supervisor(root / "runs"), settings, ())
    return ready_to_serve(build_demo(studio), studio)


def test_gradio_starts_the_apps_sessions_lazily(demo) -> None:
    holder = state_holder.StateHolder()
    holder.capacity, holder.blocks = 10, demo  # what set_blocks does, without taking over the demo's holder
    assert isinstance(holder["a-new-session"], LazySessionState)


def test_a_new_session_renders_no_block_config(demo) -> None:
    assert len(demo.blocks) > 100
    assert LazySessionState(demo).config_values == {}


def test_a_deep_link_gets_the_same_components_as_the_eager_session(demo) -> None:
    eager = {config["id"]: config for config in _EAGER(demo).components}
    lazy = {config["id"]: config for config in LazySessionState(demo).components}
    assert len(eager) == len(demo.blocks)
    assert lazy == eager


def test_a_session_still_keeps_its_own_state_values(demo) -> None:
    state_id = next(key for key, block in demo.blocks.items() if block.stateful)
    first, second = LazySessionState(demo), LazySessionState(demo)
    first[state_id] = ["a turn"]
    assert first[state_id] == ["a turn"] and second[state_id] != ["a turn"]
