"""A 12 MP phone photo with EXIF orientation 6 in Chromium: the chat overlay, the Grounding tab from the chat
(upright picture, downloads named after the photo) and a pasted answer all put the box where the model meant it,
within 2 px on the upright original. Screenshots at desktop and 390 px go to test-output/screenshots/."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from backend.media.images import APP_MAX_PIXELS
from bench.photos import Photo, middle_half_box, phone_photo, within
from tests.helpers import CHROMIUM, SCREENSHOTS, RunningUi, show_tab, start_ui, wait_until

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
BOX_COLOR = (230, 25, 75)  # backend.grounding.draw.PALETTE[0]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    running = start_ui(tmp_path_factory.mktemp("frames-browser"), examples_dir, load_seconds=0.3, tpot_ms=1)
    running.ensure_ready()
    yield running
    running.close()


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Photo:
    return phone_photo(tmp_path_factory.mktemp("phone"), 6)  # stored 4000x3000, upright 3000x4000


@pytest.fixture(scope="module")
def sent(photo: Photo, sglang_smart_resize) -> tuple[int, int]:
    height, width = sglang_smart_resize(photo.upright[1], photo.upright[0], max_pixels=APP_MAX_PIXELS)
    return width, height


def fetch_image(page, locator) -> Image.Image:
    source = locator.get_attribute("src")
    url = source if source.startswith("http") else page.url.rstrip("/") + "/" + source.lstrip("/")
    return Image.open(io.BytesIO(httpx.get(url, timeout=20).content))


def downloads(page) -> dict[str, dict]:
    links = page.locator("#grounding-download a")
    links.first.wait_for(timeout=15_000)
    found = {}
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href")
        found[href.rsplit("/", 1)[-1]] = httpx.get(href, timeout=10).json()
    return found


@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 1000}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_a_rotated_phone_photo_is_drawn_upright_where_the_box_is(browser, ui: RunningUi, photo: Photo, sent,
                                                                 viewport: dict) -> None:
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(ui.url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    box = page.locator("#message")
    box.locator("input[type=file]").set_input_files([str(photo.path)])
    page.wait_for_function("() => document.querySelectorAll('#message .thumbnail-item, #message img').length >= 1",
                           timeout=20_000)
    box.locator("textarea").fill("Detect the object.")
    box.locator("textarea").press("Enter")
    overlay_img = page.locator("#chatbot [data-testid=bot] img").last
    assert wait_until(lambda: page.locator("#chatbot [data-testid=bot] img").count() > 0, 60), "no overlay drawn"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-photo-overlay-{viewport['width']}.png"), full_page=True)
    overlay = fetch_image(page, overlay_img).convert("RGB")
    truth = middle_half_box(photo.upright, sent)
    assert overlay.size == photo.upright
    middle_y = round((truth[1] + truth[3]) / 2)
    assert overlay.getpixel((round(truth[0]) + 1, middle_y)) == BOX_COLOR
    assert overlay.getpixel((round(truth[2]) - 2, middle_y)) == BOX_COLOR
    show_tab(page, "Grounding")
    files = downloads(page)
    assert set(files) == {"phone-exif6-grounding.json", "phone-exif6-coco.json"}
    assert within(files["phone-exif6-grounding.json"]["items"][0]["bbox"], truth)
    shown = page.locator("#annotated img").first
    shown.wait_for(timeout=10_000)
    assert fetch_image(page, shown).size == photo.upright  # the upright picture, so the sections sit on it
    page.screenshot(path=str(SCREENSHOTS / f"phone-photo-grounding-{viewport['width']}.png"), full_page=True)
    page.context.close()


def test_a_pasted_answer_is_read_in_the_frame_the_chat_sends(browser, ui: RunningUi, photo: Photo, sent) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(ui.url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    show_tab(page, "Grounding")
    page.get_by_text("Draw a pasted answer on an image").click()
    page.locator("#pasted-image input[type=file]").set_input_files([str(photo.path)])
    page.locator("#pasted-image img").first.wait_for(timeout=20_000)
    width, height = sent
    answer = json.dumps([{"bbox_2d": [width // 4, height // 4, 3 * width // 4, 3 * height // 4], "label": "cup"}])
    page.locator("#pasted-answer textarea").fill(answer)
    page.locator("#pasted-draw").click()
    files = downloads(page)
    assert within(files["phone-exif6-grounding.json"]["items"][0]["bbox"], middle_half_box(photo.upright, sent))
    assert fetch_image(page, page.locator("#annotated img").first).size == photo.upright
    page.screenshot(path=str(SCREENSHOTS / "phone-photo-pasted.png"), full_page=True)
    page.context.close()
