"""Boxes land right on real-sized photos in every path of the named API: /ask (the chat's own turn), /ground with
the same answer, /ground for an answer another client produced at the server's default budget — each within 2 px
of the truth on the upright original. The frame is checked against SGLang's own smart_resize (the oracle) and
against what the stand-in engine actually received."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from backend.media.images import APP_MAX_PIXELS
from bench.photos import Photo, alpha_png, middle_half_box, phone_photo, plain_jpeg, within
from tests.helpers import RunningUi, pick_free_port, start_ui, wait_until

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_DEFAULT_PIXELS = 12845056
BOX_COLOR = (230, 25, 75)  # backend.grounding.draw.PALETTE[0], the first label's colour
PHOTOS = {
    "exif3": lambda folder: phone_photo(folder, 3),
    "exif6": lambda folder: phone_photo(folder, 6),
    "exif8": lambda folder: phone_photo(folder, 8),
    "6000x4000": plain_jpeg,
    "png-alpha": alpha_png,
}




@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Photo]:
    folder = tmp_path_factory.mktemp("photos")
    return {name: make(folder) for name, make in PHOTOS.items()}


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    running = start_ui(tmp_path_factory.mktemp("frames-ui"), examples_dir, load_seconds=0.3, tpot_ms=1)
    running.ensure_ready()
    yield running
    running.close()


@pytest.fixture(scope="module")
def client(ui: RunningUi) -> Client:
    return Client(ui.url, verbose=False)


def sent_size(sglang_smart_resize, upright: tuple[int, int], max_pixels: int) -> tuple[int, int]:
    height, width = sglang_smart_resize(upright[1], upright[0], max_pixels=max_pixels)
    return width, height


def last_images(ui: RunningUi) -> list[list[int]]:
    plan = ui.studio.supervisor.status().plan
    return httpx.get(f"{plan.base_url}/standin/stats", timeout=5).json()["last_images"]


@pytest.mark.parametrize("name", PHOTOS)
def test_ask_places_the_box_on_the_upright_original(name: str, photos, client: Client, ui: RunningUi,
                                                    sglang_smart_resize) -> None:
    photo = photos[name]
    reply = client.predict("Detect the object.", [handle_file(str(photo.path))], [], 256, 0.0, api_name="/ask")
    sent = sent_size(sglang_smart_resize, photo.upright, APP_MAX_PIXELS)
    assert reply["images"] == [{"original_size": list(photo.upright), "sent_size": list(sent)}]
    assert last_images(ui) == [list(sent)]  # what the engine received is that frame
    [item] = reply["items"]
    assert item["image_index"] == 0 and within(item["bbox"], middle_half_box(photo.upright, sent))


@pytest.mark.parametrize("name", PHOTOS)
def test_ask_overlay_is_drawn_upright_where_the_box_is(name: str, photos, client: Client, sglang_smart_resize) -> None:
    photo = photos[name]
    reply = client.predict("Detect the object.", [handle_file(str(photo.path))], [], 256, 0.0, api_name="/ask")
    overlay = Image.open(reply["overlay"] if isinstance(reply["overlay"], str) else reply["overlay"]["path"])
    assert overlay.size == photo.upright
    frame = sent_size(sglang_smart_resize, photo.upright, APP_MAX_PIXELS)
    left, top, right, bottom = middle_half_box(photo.upright, frame)
    middle_y = round((top + bottom) / 2)
    assert overlay.convert("RGB").getpixel((round(left) + 1, middle_y)) == BOX_COLOR
    assert overlay.convert("RGB").getpixel((round(right) - 2, middle_y)) == BOX_COLOR


@pytest.mark.parametrize("name", PHOTOS)
def test_ground_reads_a_chat_answer_in_the_frame_the_chat_sent(name: str, photos, client: Client,
                                                               sglang_smart_resize) -> None:
    photo = photos[name]
    answer = client.predict("Detect the object.", [handle_file(str(photo.path))], [], 256, 0.0,
                            api_name="/ask")["answer"]
    overlay, items = client.predict(handle_file(str(photo.path)), answer, "", 0, api_name="/ground")
    assert overlay is not None and Image.open(overlay).size == photo.upright
    frame = sent_size(sglang_smart_resize, photo.upright, APP_MAX_PIXELS)
    assert within(items[0]["bbox"], middle_half_box(photo.upright, frame))


@pytest.mark.parametrize("name", ["exif6", "6000x4000"])
def test_ground_reads_an_answer_made_at_the_servers_default_budget(name: str, photos, client: Client,
                                                                   sglang_smart_resize) -> None:
    photo = photos[name]
    width, height = sent_size(sglang_smart_resize, photo.upright, SERVER_DEFAULT_PIXELS)
    answer = json.dumps([{"bbox_2d": [width // 4, height // 4, 3 * width // 4, 3 * height // 4], "label": "cup"}])
    _overlay, items = client.predict(handle_file(str(photo.path)), answer, "qwen2.5-vl", SERVER_DEFAULT_PIXELS,
                                     api_name="/ground")
    assert within(items[0]["bbox"], middle_half_box(photo.upright, (width, height)))


def test_ask_reports_metrics_and_no_overlay_without_items(client: Client, photos) -> None:
    reply = client.predict("Describe it.", [handle_file(str(photos["exif6"].path))], [], 24, 0.0, api_name="/ask")
    assert reply["items"] == [] and reply["overlay"] is None and reply["answer"]
    metrics = reply["metrics"]
    # 3000x4000 upright is sent as 840x1148
    assert metrics["ttft_s"] >= 0 and metrics["vision_tokens"] == (840 // 28) * (1148 // 28)
    assert metrics["prompt_tokens"] >= metrics["vision_tokens"] and metrics["text_tokens"] >= 0


def test_ask_with_several_images_says_which_one_was_drawn_on(client: Client, photos) -> None:
    files = [handle_file(str(photos[name].path)) for name in ("exif3", "6000x4000")]
    reply = client.predict("Detect the object.", files, [], 256, 0.0, api_name="/ask")
    assert [item["image_index"] for item in reply["items"]] == [1]
    assert any("image 2 of 2" in note or "(2 of 2)" in note for note in reply["notes"]), reply["notes"]


def test_chat_accepts_history_given_as_json_text(client: Client) -> None:
    history = json.dumps([{"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello!"}])
    answer = client.predict("And now?", [], history, 16, 0.0, api_name="/chat")
    assert isinstance(answer, str) and answer


def test_chat_refuses_history_that_is_not_a_list_in_plain_words(client: Client) -> None:
    with pytest.raises(AppError, match="history is not valid JSON"):
        client.predict("Hi", [], "[{'role': 'user'", 16, 0.0, api_name="/chat")
    with pytest.raises(AppError, match="history must be a list of messages"):
        client.predict("Hi", [], '{"role": "user", "content": "x"}', 16, 0.0, api_name="/chat")


@pytest.fixture(scope="module")
def qwen3_ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The UI attached (endpoint mode) to a stand-in serving a Qwen3-VL model name."""
    port, key = pick_free_port(), "sk-qwen3-test"
    engine = subprocess.Popen([sys.executable, "-m", "standin", "--port", str(port), "--api-key", key,
                               "--served-model-name", "Qwen/Qwen3-VL-8B-Instruct", "--load-seconds", "0.1",
                               "--tpot-ms", "1"], cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    running = start_ui(tmp_path_factory.mktemp("qwen3-ui"), examples_dir)
    running.studio.supervisor.attach(f"http://127.0.0.1:{port}", key)
    assert wait_until(lambda: running.studio.supervisor.status().is_ready, 20)
    yield running
    running.close()
    engine.kill()
    engine.wait(10)


def test_a_qwen3_endpoint_gets_images_on_its_32_grid_and_answers_mapped_exactly(qwen3_ui: RunningUi, photos,
                                                                                sglang_smart_resize) -> None:
    photo = photos["exif6"]
    reply = Client(qwen3_ui.url, verbose=False).predict("Detect the object.", [handle_file(str(photo.path))], [], 256,
                                                        0.0, api_name="/ask")
    height, width = sglang_smart_resize(photo.upright[1], photo.upright[0], factor=32, min_pixels=65536,
                                        max_pixels=APP_MAX_PIXELS)
    stats = httpx.get(f"{qwen3_ui.studio.endpoint().base_url}/standin/stats", timeout=5).json()
    assert stats["last_images"] == [[width, height]] and width % 32 == 0 and height % 32 == 0
    assert reply["images"][0]["sent_size"] == [width, height]
    upright_w, upright_h = photo.upright  # the stand-in answers [250, 250, 750, 750] of 1000
    assert within(reply["items"][0]["bbox"], [upright_w / 4, upright_h / 4, 3 * upright_w / 4, 3 * upright_h / 4])
