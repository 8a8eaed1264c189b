"""Chat against the stand-in engine: streaming, metrics, history with media, limits, stop, errors."""

from __future__ import annotations

import base64
import io
import threading

import cv2
import httpx
import numpy as np
from PIL import Image

from backend.chat.conversation import TurnStatus
from backend.chat.session import ChatSession, SamplingParams, StreamUpdate
from backend.endpoint import Endpoint
from backend.media.images import ImagePreparer, PreparedImage, prepare_image
from backend.media.uploads import MediaPolicy
from backend.media.video import prepare_video
from backend.plans.planner import PlanRequest, make_plan
from standin import standin_plan
from tests.helpers import READY_TIMEOUT_S, RecordingClient, pick_free_port, standin_stats, wait_until


def image(width: int, height: int, color=(200, 30, 30)) -> PreparedImage:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return prepare_image(buffer.getvalue())


def run(updates) -> list[StreamUpdate]:
    return list(updates)


def launch(supervisor, **options) -> Endpoint:
    """A fresh stand-in (own settings) through the Supervisor; context_length is the plan's."""
    context_length = options.pop("context_length", None)
    plan = make_plan(PlanRequest(model="7B", hardware="H100", port=pick_free_port(), context_length=context_length))
    supervisor.launch(standin_plan(plan, load_seconds=options.pop("load_seconds", 0.2), **options))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    endpoint = supervisor.endpoint()
    assert endpoint is not None, status.log_tail
    return endpoint


def test_answer_streams_over_several_growing_chunks(standin_endpoint):
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=20))
    updates = run(session.send("Tell me something."))
    texts = [update.text for update in updates if not update.done and update.text]
    assert len(texts) >= 10
    assert all(later.startswith(earlier) and len(later) > len(earlier) for earlier, later in zip(texts, texts[1:]))
    assert updates[-1].done and updates[-1].status is TurnStatus.DONE and updates[-1].text == texts[-1]
    assert session.turns[-1].answer == texts[-1]


def test_metrics_split_prompt_tokens_into_text_and_vision(standin_endpoint):
    picture = image(640, 480)
    final = run(ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=12)).send("Describe", [picture]))[-1]
    metrics = final.metrics
    assert metrics.usage_reported and metrics.completion_tokens == 12 and metrics.finish_reason == "length"
    assert metrics.ttft_s is not None and metrics.ttft_s > 0 and metrics.tokens_per_s > 0
    assert metrics.vision_tokens == picture.vision_tokens == (644 // 28) * (476 // 28)
    assert metrics.server_vision_tokens == metrics.vision_tokens
    assert metrics.text_tokens == metrics.prompt_tokens - metrics.vision_tokens > 0


def test_server_sees_our_input_size(standin_endpoint):
    final = run(ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=12)).send("Hi", [image(1000, 700)]))
    assert "1 image: 1008x700 (900 tokens)" in final[-1].text


def test_follow_up_resends_identical_image_bytes(standin_endpoint):
    recorder = RecordingClient()
    preparer = ImagePreparer()
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 40).convert("RGB").save(buffer, format="PNG")
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=8), http_client=recorder)
    run(session.send("What is in it?", [preparer.prepare(buffer.getvalue())]))
    follow_up = run(session.send("And the colours?"))
    first, second = recorder.bodies
    assert second["messages"][:2] == first["messages"][:2]
    assert second["messages"][2] == {"role": "assistant", "content": session.turns[0].answer}
    assert second["messages"][1]["content"][0]["image_url"]["url"] == preparer.prepare(buffer.getvalue()).data_url
    assert "Stand-in saw 1 image" in follow_up[-1].text


def test_older_images_over_the_limit_are_dropped_with_a_note(standin_endpoint):
    recorder = RecordingClient()
    session = ChatSession(standin_endpoint, policy=MediaPolicy(max_images=2), http_client=recorder,
                          sampling=SamplingParams(max_tokens=12))
    run(session.send("Two pictures", [image(100, 100), image(120, 90, (0, 0, 255))]))
    final = run(session.send("One more", [image(80, 160, (0, 200, 0))]))[-1]
    assert final.status is TurnStatus.DONE
    assert final.notice.startswith("1 older image left out of this request")
    assert session.turns[-1].notice == final.notice
    first_user = recorder.bodies[-1]["messages"][1]["content"]
    assert first_user[0]["text"].startswith("[1 image from this message left out")
    assert sum(part["type"] == "image_url" for part in first_user) == 1
    assert "Stand-in saw 2 images" in final.text


def test_too_many_images_in_one_message_fails_plainly_and_keeps_the_text(standin_endpoint):
    session = ChatSession(standin_endpoint, policy=MediaPolicy(max_images=1))
    final = run(session.send("Compare these", [image(60, 60), image(70, 70)]))[-1]
    assert final.status is TurnStatus.FAILED and "at most 1 image" in final.error
    assert session.turns[-1].user_text == "Compare these" and len(session.turns[-1].images) == 2


def test_stop_mid_answer_keeps_the_partial_answer_and_the_server_aborts(supervisor):
    endpoint = launch(supervisor, tpot_ms=30)
    before = standin_stats(endpoint.base_url)
    session = ChatSession(endpoint, sampling=SamplingParams(max_tokens=400))
    updates = []
    for update in session.send("Talk for a long time"):
        updates.append(update)
        if len(updates) == 4:
            session.stop()
    final = updates[-1]
    assert final.status is TurnStatus.STOPPED and final.done and final.text
    assert session.turns[-1].answer == final.text and final.metrics.finish_reason is None
    assert wait_until(lambda: standin_stats(endpoint.base_url)["aborted"] == before["aborted"] + 1)
    assert standin_stats(endpoint.base_url)["completed"] == before["completed"]


def test_stop_before_the_first_token_from_another_thread(supervisor):
    endpoint = launch(supervisor, ttft_ms=3000, tpot_ms=5)
    before = standin_stats(endpoint.base_url)
    session = ChatSession(endpoint, sampling=SamplingParams(max_tokens=50))
    updates = session.send("Slow start")
    first = next(updates)
    assert first.status is TurnStatus.STREAMING
    threading.Timer(0.3, session.stop).start()
    final = list(updates)[-1]
    assert final.status is TurnStatus.STOPPED and final.text == ""
    assert wait_until(lambda: standin_stats(endpoint.base_url)["aborted"] == before["aborted"] + 1, timeout_s=8.0)


def test_regenerate_replaces_the_last_answer(standin_endpoint):
    recorder = RecordingClient()
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=5), http_client=recorder)
    run(session.send("First question"))
    first_answer = run(session.send("Second question"))[-1].text
    session.sampling = SamplingParams(max_tokens=15)
    again = run(session.regenerate())[-1]
    assert again.status is TurnStatus.DONE and again.text != first_answer
    assert len(session.turns) == 2 and session.turns[-1].answer == again.text
    assert [message["role"] for message in recorder.bodies[-1]["messages"]] == ["system", "user", "assistant", "user"]


def test_clear_forgets_the_history(standin_endpoint):
    recorder = RecordingClient()
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=5), http_client=recorder,
                          system_prompt="Answer briefly.")
    run(session.send("One"))
    session.clear()
    run(session.send("Two"))
    assert len(session.turns) == 1
    assert recorder.bodies[-1]["messages"] == [{"role": "system", "content": "Answer briefly."},
                                               {"role": "user", "content": "Two"}]


def test_context_too_long_says_what_to_remove(supervisor):
    endpoint = launch(supervisor, context_length=2048)
    session = ChatSession(endpoint, sampling=SamplingParams(max_tokens=10))
    final = run(session.send("What is this?", [image(1400, 1400)]))[-1]
    assert final.status is TurnStatus.FAILED and final.error_kind == "ContextTooLong"
    assert "over the model's context of 2048 tokens" in final.error
    assert "image 1400x1400: 2500 tokens" in final.error and "remove an image" in final.error
    assert session.turns[-1].user_text == "What is this?"


def test_image_the_server_cannot_decode_gets_a_plain_message(standin_endpoint):
    broken = PreparedImage(data_url="data:image/png;base64," + base64.b64encode(b"not a png").decode(),
                           mime="image/png", original_size=(28, 28), input_size=(28, 28), sha256="0" * 64)
    session = ChatSession(standin_endpoint)
    final = run(session.send("Look", [broken]))[-1]
    assert final.status is TurnStatus.FAILED and final.error_kind == "BadMedia"
    assert final.error.startswith("The server could not use image 1 of this request")


def test_failed_turn_is_not_resent_as_history(standin_endpoint):
    recorder = RecordingClient()
    broken = PreparedImage(data_url="data:image/png;base64,AAAA", mime="image/png", original_size=(28, 28),
                           input_size=(28, 28), sha256="0" * 64)
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=5), http_client=recorder)
    run(session.send("Broken", [broken]))
    assert run(session.send("Fine"))[-1].status is TurnStatus.DONE
    assert [message["role"] for message in recorder.bodies[-1]["messages"]] == ["system", "user"]


def test_crash_mid_stream_keeps_the_partial_answer_marked_interrupted(supervisor):
    endpoint = launch(supervisor, tpot_ms=5)
    session = ChatSession(endpoint, sampling=SamplingParams(max_tokens=50))
    final = run(session.send("__crash__ now"))[-1]
    assert final.status is TurnStatus.INTERRUPTED and final.error_kind == "ConnectionLost"
    assert final.text == "Stand-in" and session.turns[-1].answer == "Stand-in"
    assert "partial answer is kept" in final.error


def test_no_server_fails_plainly_and_keeps_the_message():
    session = ChatSession(lambda: None)
    final = run(session.send("Anyone there?", [image(50, 50)]))[-1]
    assert final.status is TurnStatus.FAILED and final.error_kind == "ServerNotReady"
    assert session.turns[-1].user_text == "Anyone there?" and len(session.turns[-1].images) == 1


def test_unreachable_server_is_reported_as_not_ready():
    endpoint = Endpoint(base_url=f"http://127.0.0.1:{pick_free_port()}", api_key="k", model="m")
    final = run(ChatSession(endpoint).send("Hello?"))[-1]
    assert final.error_kind == "ServerNotReady" and "is not answering" in final.error


def test_server_still_loading_is_reported_as_not_ready(supervisor):
    plan = standin_plan(make_plan(PlanRequest(model="7B", hardware="H100", port=pick_free_port())), load_seconds=60)
    plan = supervisor.launch(plan).plan or plan  # the supervisor may have moved it to a free port
    endpoint = Endpoint(base_url=plan.base_url, api_key=plan.api_key, model=plan.served_model_name)
    assert wait_until(lambda: _answers_http(endpoint), timeout_s=20.0), supervisor.status()
    final = run(ChatSession(endpoint).send("Ready?"))[-1]
    assert final.error_kind == "ServerNotReady" and "still loading" in final.error


def _answers_http(endpoint: Endpoint) -> bool:
    try:
        return httpx.get(endpoint.base_url + "/health", timeout=1.0).status_code == 503
    except httpx.HTTPError:
        return False


def write_clip(path, frames: int = 40, fps: float = 20.0, size=(320, 240)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for index in range(frames):
        writer.write(np.full((size[1], size[0], 3), (index * 6 % 256, 90, 160), np.uint8))
    writer.release()
    return path


def test_video_reaches_a_remote_engine_as_a_small_clip(standin_endpoint, tmp_path):
    remote = Endpoint(standin_endpoint.base_url, standin_endpoint.api_key, standin_endpoint.model, local=False)
    video = prepare_video(write_clip(tmp_path / "v.mp4"), encode=False)
    recorder = RecordingClient()
    session = ChatSession(remote, sampling=SamplingParams(max_tokens=20), http_client=recorder)
    final = run(session.send("What happens?", videos=[video]))[-1]
    url = recorder.bodies[-1]["messages"][1]["content"][0]["video_url"]["url"]
    assert url.startswith("data:video/mp4;base64,") and session.turns[-1].videos[0].clip is not None
    width, height = video.input_size
    assert f"1 video: {width}x{height}, 4 frames ({video.vision_tokens} tokens)" in final.text
    assert final.metrics.vision_tokens == final.metrics.server_vision_tokens == video.vision_tokens


def test_video_reaches_a_local_engine_as_a_path(standin_endpoint, tmp_path):
    path = write_clip(tmp_path / "v.mp4", frames=60)
    video = prepare_video(path, encode=False)
    recorder = RecordingClient()
    final = run(ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=20), http_client=recorder)
                .send("What happens?", videos=[video]))[-1]
    assert recorder.bodies[-1]["messages"][1]["content"][0]["video_url"]["url"] == path.resolve().as_uri()
    assert final.metrics.server_vision_tokens == video.vision_tokens


def test_dropping_the_update_stream_counts_as_stop(standin_endpoint):
    before = standin_stats(standin_endpoint.base_url)
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=2000))
    updates = session.send("Keep going")
    for _ in range(4):
        next(updates)
    updates.close()
    assert session.turns[-1].status is TurnStatus.STOPPED and session.turns[-1].answer
    assert wait_until(lambda: standin_stats(standin_endpoint.base_url)["aborted"] > before["aborted"])


def test_second_message_while_streaming_is_refused_but_kept(standin_endpoint):
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=2000))
    first = session.send("Long answer please")
    next(first), next(first)
    refused = run(session.send("Another question"))[-1]
    first.close()
    assert refused.status is TurnStatus.FAILED and "still streaming" in refused.error
    assert session.turns[-1].user_text == "Another question"
    assert run(session.regenerate())[-1].status is TurnStatus.DONE
