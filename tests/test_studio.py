"""The Studio in-process, as the UI, the named API and the batch CLI call it: one behaviour per test, against the
shared stand-in engine (no Gradio, no browser)."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from backend.batch.files import BatchRefused
from backend.chat.session import SamplingParams
from backend.endpoint import Endpoint
from backend.engine.supervisor import Supervisor
from backend.errors import UserError
from backend.grounding.presets import get_preset
from backend.media.preview import browser_plays
from backend.plans.planner import PlanRequest
from backend.studio.fixed_endpoint import FixedEndpoint
from backend.studio.settings import NOTHING_TO_SEND, PUBLIC_MODEL_REFUSAL, StudioSettings
from backend.studio.studio import Studio
from backend.studio.viewer import HIDDEN_URL, AdminRequired
from tests.helpers import ADMIN_TOKEN, TEST_SETTINGS, TWO_H100, pick_free_port, say, spawn_standin, wait_until
from tests.hostile_inputs import write_video

GREEDY = SamplingParams(temperature=0.0, max_tokens=64)


@pytest.fixture
def studio(standin_endpoint: Endpoint, tmp_path: Path) -> Studio:
    """A Studio sending to the shared stand-in (scripted: "find the cat" answers a box at 10,20-110,220)."""
    return Studio(FixedEndpoint(standin_endpoint), StudioSettings(work_dir=tmp_path / "work"))


@pytest.fixture
def public_studio(tmp_path: Path) -> Studio:
    """A public demo's Studio with no engine, on two H100s."""
    settings = StudioSettings(public=True, admin_token=ADMIN_TOKEN, work_dir=tmp_path / "public",
                              default_request=PlanRequest(model="7B", hardware="auto"))
    return Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), settings, TWO_H100)


def photo(path: Path, size: tuple[int, int] = (1280, 720)) -> str:
    Image.new("RGB", size, "white").save(path)
    return str(path)


def test_ask_returns_the_box_in_original_image_pixels_with_an_overlay(studio: Studio, tmp_path: Path) -> None:
    answer = studio.ask("Find the cat.", [photo(tmp_path / "wide.png")], [], GREEDY, studio.viewer())
    # sent at 1288x728 (smart_resize of 1280x720): the box 10,20-110,220 in those pixels, scaled back
    assert answer["images"] == [{"original_size": [1280, 720], "sent_size": [1288, 728]}]
    [item] = answer["items"]
    assert item["label"] == "cat" and item["image_index"] == 0
    assert item["bbox"] == pytest.approx([10 * 1280 / 1288, 20 * 720 / 728, 110 * 1280 / 1288, 220 * 720 / 728],
                                         abs=0.06)  # items are rounded to 0.1 px
    assert answer["overlay"] and Path(answer["overlay"]).is_file()


def test_an_empty_message_is_refused_in_words(studio: Studio) -> None:
    with pytest.raises(UserError, match=NOTHING_TO_SEND):
        studio.ask("  ", [], [], GREEDY, studio.viewer())


def test_a_browser_session_draws_its_answer_into_its_own_folder_and_removes_it_on_close(
        studio: Studio, tmp_path: Path) -> None:
    session = studio.new_session()
    media = studio.prepare_media([photo(tmp_path / "p.png")])
    updates = session.chat.send("Find the cat.", media.images, media.videos)
    view = type(session.view_of(updates.turn))()
    session.show(updates.turn, view)
    list(updates)
    studio.finish_turn(session, updates.turn, view)
    assert view.grounding is not None and [item.label for item in view.grounding.items] == ["cat"]
    assert view.overlay_path and Path(view.overlay_path).is_relative_to(session.files.root)
    session.close()
    assert not session.files.root.exists()


def test_ground_reads_a_pasted_answer_in_the_frame_it_was_sent_in(studio: Studio, tmp_path: Path) -> None:
    image = photo(tmp_path / "big.png", (4000, 3000))
    answer = '[{"bbox_2d": [0, 0, 1000, 1000], "label": "a"}]'
    ours = studio.ground(image, answer, "qwen2.5-vl")
    servers = studio.ground(image, answer, "qwen2.5-vl", max_pixels=12845056)
    assert ours.input_size != servers.input_size
    assert ours.items[0].box[2] > servers.items[0].box[2]  # the same numbers mean more of a smaller frame


def test_a_batch_without_an_engine_is_refused_before_any_file_is_read(public_studio: Studio, tmp_path: Path) -> None:
    with pytest.raises(BatchRefused, match="No model server is running"):
        public_studio.start_batch(["/nonexistent.png"], "Describe.", tmp_path / "b", public_studio.viewer())


def test_a_public_visitor_reads_no_address_pid_or_log(standin_endpoint: Endpoint, tmp_path: Path) -> None:
    settings = StudioSettings(public=True, admin_token=ADMIN_TOKEN, work_dir=tmp_path / "w")
    studio = Studio(FixedEndpoint(standin_endpoint), settings)
    shown = studio.status_json(studio.viewer())
    assert shown["base_url"] is None and shown["pid"] is None and shown["log_tail"] == []
    private = Studio(studio.supervisor, StudioSettings(work_dir=tmp_path / "private"))
    assert private.status_json(private.viewer())["base_url"] == standin_endpoint.base_url
    failing = replace(studio.supervisor.status(), last_error=f"cannot reach {standin_endpoint.base_url}/v1")
    assert studio.viewer().shown(failing).last_error == f"cannot reach {HIDDEN_URL}/v1"


def test_a_public_visitor_may_not_launch_or_stop_but_the_admin_token_may(public_studio: Studio) -> None:
    request = public_studio.settings.default_request
    with pytest.raises(AdminRequired):
        public_studio.launch(request, public_studio.viewer("wrong"))
    with pytest.raises(AdminRequired):
        public_studio.stop(public_studio.viewer())
    assert public_studio.stop(public_studio.viewer(ADMIN_TOKEN)).phase.value == "idle"


def test_a_public_visitor_plans_only_catalog_models(public_studio: Studio) -> None:
    request = replace(public_studio.settings.default_request, model="someone/private-model")
    with pytest.raises(UserError, match=PUBLIC_MODEL_REFUSAL[:40]):
        public_studio.plan(request, public_studio.viewer())
    assert public_studio.plan(replace(request, model="3B"), public_studio.viewer()).fits


# ----- journeys: a second question about the same photo or video ---------------------------------------------------
def test_a_follow_up_without_an_attachment_is_drawn_on_the_conversations_photo(studio: Studio,
                                                                              tmp_path: Path) -> None:
    session = studio.new_session()
    picture = photo(tmp_path / "wide.png")
    first = say(studio, session, "Find the cat.", [picture])
    follow_up = say(studio, session, "Where is the middle of it?")
    assert first.grounding is not None and first.grounding.notes == ()
    assert follow_up.overlay_path and follow_up.grounding_image == picture
    [point] = follow_up.grounding.items
    assert point.point == pytest.approx((1280, 720), abs=0.06)  # the sent frame's corner, on the original
    assert "message 1, the newest image of the conversation" in follow_up.grounding.notes[0]


def test_a_follow_up_is_drawn_on_the_newest_of_several_photos(studio: Studio, tmp_path: Path) -> None:
    session = studio.new_session()
    say(studio, session, "What is in this picture?", [photo(tmp_path / "old.png", (640, 480))])
    newest = photo(tmp_path / "new.png", (1000, 500))
    say(studio, session, "What is in this one?", [newest])
    follow_up = say(studio, session, "Find the cat.")
    assert follow_up.grounding_image == newest and follow_up.grounding.original_size == (1000, 500)
    assert "message 2" in follow_up.grounding.notes[0]


def test_ask_draws_a_follow_up_on_the_image_its_history_holds(studio: Studio, tmp_path: Path) -> None:
    data = "data:image/png;base64," + base64.b64encode(Path(photo(tmp_path / "p.png")).read_bytes()).decode()
    history = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": data}},
                                            {"type": "text", "text": "What is in this picture?"}]},
               {"role": "assistant", "content": "A white picture."}]
    answer = studio.ask("Find the cat.", [], history, GREEDY, studio.viewer())
    [item] = answer["items"]
    assert item["label"] == "cat" and item["bbox"][2] == pytest.approx(110 * 1280 / 1288, abs=0.06)
    assert answer["images"] == [{"original_size": [1280, 720], "sent_size": [1288, 728]}]
    assert answer["overlay"] and any("newest image of the conversation" in note for note in answer["notes"])


def test_video_events_asked_as_a_follow_up_still_fill_the_timeline(studio: Studio, tmp_path: Path) -> None:
    session = studio.new_session()
    clip = str(write_video(tmp_path / "clip.mp4", frames=20, fps=10.0, size=(160, 120)))
    say(studio, session, "What is in this video?", [clip])
    events = say(studio, session, get_preset("video-events").prompt())
    assert [moment.description for moment in events.moments.moments] == ["The screen is dark.", "It turns light."]
    assert "the video of message 1" in events.timeline_note
    # the upload is mp4v, which browsers do not play: the player gets an H.264 preview in the original's seconds
    assert events.moments.player_path.endswith(".mp4") and events.moments.player_path != clip
    assert browser_plays(events.moments.player_path) and events.moments.duration_s == 2.0


# ----- journeys: a dying engine, a public visitor -------------------------------------------------------------------
def test_a_public_visitor_with_no_engine_reads_only_what_they_can_do(public_studio: Studio) -> None:
    session = public_studio.new_session()
    updates = session.chat.send("Hello?")
    list(updates)
    told = updates.turn.error
    assert "only its admin can start one" in told
    assert "Server tab" not in told and "attach" not in told.lower()


def test_the_admin_with_no_engine_is_told_where_to_start_one(studio: Studio, tmp_path: Path) -> None:
    idle = Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), StudioSettings(work_dir=tmp_path / "idle"))
    with pytest.raises(UserError, match="No model server is running. Launch one, or attach"):
        idle.ask("Hello?", [], [], GREEDY, idle.viewer())


def test_an_attached_server_that_dies_is_said_as_it_is_and_answers_again_when_back(tmp_path: Path) -> None:
    port, key = pick_free_port(), "sk-journey"
    studio = Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), StudioSettings(work_dir=tmp_path / "w"))
    engine = spawn_standin(port, key, "--tpot-ms", "1")
    try:
        studio.attach(f"http://127.0.0.1:{port}", key, studio.viewer())
        assert wait_until(lambda: studio.supervisor.status().is_ready, 20)
        assert studio.ask("Hello.", [], [], GREEDY, studio.viewer())["status"] == "done"
        engine.kill()
        engine.wait()
        assert wait_until(lambda: not studio.supervisor.status().is_ready, 20)
        with pytest.raises(UserError, match=r"attached model server at http://127\.0\.0\.1:\d+ is not answering"):
            studio.ask("Still there?", [], [], GREEDY, studio.viewer())
        assert studio.supervisor.served_model() == "Qwen/Qwen2.5-VL-7B-Instruct"  # still known while it is down
        engine = spawn_standin(port, key, "--tpot-ms", "1")
        assert wait_until(lambda: studio.supervisor.status().is_ready, 30)
        assert studio.ask("Back?", [], [], GREEDY, studio.viewer())["status"] == "done"
    finally:
        engine.kill()
        engine.wait()
        studio.supervisor.close()
