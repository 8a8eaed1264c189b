"""Send and Stop around a streaming answer, in-process (the pure handlers the chat chains with .then): while an answer
streams Send gives way to the box's stop square and Stop is live; after the answer ends, is stopped or fails, Send is
back and Stop is disabled (issue 26)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from backend.chat.conversation import TurnStatus
from backend.endpoint import Endpoint
from backend.engine.supervisor import Supervisor
from backend.studio.fixed_endpoint import FixedEndpoint
from backend.studio.session import BrowserSession
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from tests.helpers import TEST_SETTINGS
from ui.chat_panel import controls_for, streaming_controls


def looks_streaming(controls: tuple[gr.Button, gr.MultimodalTextbox]) -> bool:
    stop, box = controls
    return stop.interactive is True and stop.variant == "stop" and box.submit_btn is False and box.stop_btn is True


def looks_idle(controls: tuple[gr.Button, gr.MultimodalTextbox]) -> bool:
    stop, box = controls
    return stop.interactive is False and stop.variant == "secondary" and box.submit_btn is True \
        and box.stop_btn is False


@pytest.fixture
def session(standin_endpoint: Endpoint, tmp_path: Path) -> BrowserSession:
    studio = Studio(FixedEndpoint(standin_endpoint), StudioSettings(work_dir=tmp_path / "work"))
    return studio.new_session()


def test_while_an_answer_streams_send_gives_way_to_stop() -> None:
    assert looks_streaming(streaming_controls())


def test_send_is_back_after_an_answer_ends(session: BrowserSession) -> None:
    assert looks_idle(controls_for(session))
    updates = iter(session.chat.send("What is in this picture?"))
    next(updates)
    assert looks_streaming(controls_for(session))
    for _update in updates:
        pass
    assert session.chat.turns[-1].status is TurnStatus.DONE and looks_idle(controls_for(session))


def test_send_is_back_after_stop(session: BrowserSession) -> None:
    updates = iter(session.chat.send("Tell me a long story."))
    next(updates)
    session.chat.stop()
    for _update in updates:
        pass
    assert session.chat.turns[-1].status is TurnStatus.STOPPED and looks_idle(controls_for(session))


def test_send_is_back_after_an_error(tmp_path: Path) -> None:
    no_engine = Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), StudioSettings(work_dir=tmp_path / "work"))
    session = no_engine.new_session()
    for _update in session.chat.send("Hello?"):
        pass
    assert session.chat.turns[-1].status is TurnStatus.FAILED and looks_idle(controls_for(session))
