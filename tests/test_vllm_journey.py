"""A vLLM plan through the Studio, in-process, as the UI and the named API use it: launched (the stand-in playing
vLLM 0.34: its log lines, error bodies, gauges, video sampling), then photos, a follow-up, five images, a video,
an extraction, a batch, the load, stop; and a vLLM someone else started, attached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from backend.chat.session import SamplingParams
from backend.engine.load import read_engine_load
from backend.engine.load_history import ServerMetricsHistory
from backend.engine.status import Phase
from backend.engine.supervisor import Supervisor
from backend.engines import VLLM
from backend.plans.planner import PlanRequest
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from tests.helpers import (
    TEST_SETTINGS,
    TWO_H100,
    StandinSupervisor,
    pick_free_port,
    say,
    spawn_standin,
    standin_stats,
    wait_until,
)
from tests.hostile_inputs import write_video

GREEDY = SamplingParams(temperature=0.0, max_tokens=64)
DETECT = "Detect every object and output its bbox coordinates in JSON format."
VLLM_REQUEST = PlanRequest(model="7B", hardware="auto", engine="vllm")


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    """A Studio on two H100s whose default plan is vLLM, launched (as the stand-in's vllm flavour) and ready."""
    root = tmp_path_factory.mktemp("vllm-journey")
    supervisor = StandinSupervisor(root / "runs", TEST_SETTINGS, load_seconds=0.3, tpot_ms=2)
    studio = Studio(supervisor, StudioSettings(work_dir=root / "work", default_request=VLLM_REQUEST), TWO_H100)
    studio.launch(VLLM_REQUEST, studio.viewer())
    status = supervisor.wait_ready(60)
    assert status.is_ready, (status.message, status.log_tail[-10:])
    yield studio
    supervisor.close()


def photo(path: Path, size: tuple[int, int] = (1280, 720)) -> str:
    Image.new("RGB", size, "white").save(path)
    return str(path)


def test_the_launch_walks_vllms_loading_phases_to_ready(studio: Studio) -> None:
    status = studio.status(studio.viewer())
    reached = [mark.phase for mark in status.phase_marks]
    assert status.plan.engine == "vllm"
    for phase in (Phase.LOADING_WEIGHTS, Phase.KV_CACHE, Phase.CUDA_GRAPHS, Phase.READY):
        assert phase in reached, reached
    assert studio.endpoint().engine is VLLM


def test_a_photo_is_answered_and_its_boxes_drawn_in_original_pixels(studio: Studio, tmp_path: Path) -> None:
    answer = studio.ask(DETECT, [photo(tmp_path / "wide.png")], [], GREEDY, studio.viewer())
    assert answer["images"] == [{"original_size": [1280, 720], "sent_size": [1288, 728]}]
    assert answer["items"] and answer["overlay"]
    for item in answer["items"]:
        left, top, right, bottom = item["bbox"]
        assert 0 <= left < right <= 1280 and 0 <= top < bottom <= 720


def test_a_follow_up_without_an_attachment_is_drawn_on_the_newest_photo(studio: Studio, tmp_path: Path) -> None:
    session = studio.new_session()
    picture = photo(tmp_path / "p.png", (1000, 800))
    first = say(studio, session, DETECT, [picture])
    follow_up = say(studio, session, "Detect them again, as bbox JSON.")
    assert first.grounding is not None and first.grounding.items
    assert follow_up.overlay_path and follow_up.grounding_image == picture
    assert all(item.box[2] <= 1000 and item.box[3] <= 800 for item in follow_up.grounding.items)
    session.close()


def test_five_images_in_one_turn_reach_the_engine(studio: Studio, tmp_path: Path) -> None:
    paths = [photo(tmp_path / f"p{index}.png", (640 + 28 * index, 480)) for index in range(5)]
    answer = studio.ask("Compare these pictures.", paths, [], GREEDY, studio.viewer())
    assert len(answer["images"]) == 5
    assert len(standin_stats(studio.endpoint().base_url)["last_images"]) == 5


def test_vllm_gets_every_frame_the_app_sampled_from_a_video(studio: Studio, tmp_path: Path) -> None:
    clip = write_video(tmp_path / "minute.mp4", frames=1500, fps=25.0, size=(640, 360))  # 60 s
    answer = studio.ask("Describe this video.", [str(clip)], [], GREEDY, studio.viewer())
    [video] = answer["videos"]
    [received] = standin_stats(studio.endpoint().base_url)["last_videos"]
    # the clip is at the app's rate (2 a second here); vLLM's Qwen loader keeps all of it, and the request asks
    # for every frame for loaders that would take fewer
    assert video["frames_sent"] == received["frames"] == 120
    assert received["duration_s"] == pytest.approx(60.0, abs=0.5)


def test_an_extraction_is_held_to_its_schema(studio: Studio, tmp_path: Path) -> None:
    roomy = SamplingParams(temperature=0.0, max_tokens=1024)
    *_, last = studio.extract([photo(tmp_path / "receipt.png")], "receipt", roomy, studio.viewer())
    assert last.document.extraction.status == "valid"
    assert standin_stats(studio.endpoint().base_url)["last_response_format"]["type"] == "json_schema"


def test_a_batch_answers_every_photo(studio: Studio, tmp_path: Path) -> None:
    paths = [photo(tmp_path / f"b{index}.png", (800, 600)) for index in range(6)]
    started = studio.start_batch(paths, DETECT, tmp_path / "batch", studio.viewer(), max_tokens=64)
    *_, last = started.progress()
    assert last.finished and last.answered == 6 and all(result.grounding for result in last.results)


def test_the_load_is_read_from_vllms_gauges(studio: Studio) -> None:
    history = ServerMetricsHistory(interval_s=0.0)
    first = history.refresh(studio.endpoint())
    assert first and first[-1].generated_tokens is not None and first[-1].running_requests == 0
    assert read_engine_load(studio.endpoint()) is not None


def test_an_attached_vllm_is_recognised_by_its_model_list(tmp_path: Path) -> None:
    port = pick_free_port()
    process = spawn_standin(port, "key", "--flavor", "vllm", "--load-seconds", "0.2")
    supervisor = Supervisor(tmp_path / "runs", TEST_SETTINGS)
    try:
        assert wait_until(lambda: supervisor.attach(f"http://127.0.0.1:{port}", "key").is_ready, timeout_s=20)
        endpoint = wait_until(lambda: (e := supervisor.endpoint()) is not None and e.engine is VLLM and e)
        assert endpoint and endpoint.engine is VLLM and not endpoint.reads_original_videos
    finally:
        supervisor.close()
        process.kill()
        process.wait(10)
