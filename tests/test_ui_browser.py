"""The UI in Debian's Chromium (Playwright), wired to the stand-in engine: launch phases, streaming, overlays,
stop, refusals, a corrupt upload and public mode. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from PIL import Image

from tests.helpers import CHROMIUM, VIEWPORTS, RunningUi, phases_until_ready, send, shot, show_tab, start_ui, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")

BOX_COLOR = (230, 25, 75)  # backend.grounding.draw.PALETTE[0], the first label's colour
ANSWERS = [{"match": "(?i)what is in", "answer": "A red square on a blue background."}]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The UI with a stand-in that loads for 1.5 s and streams a token every 25 ms."""
    root = tmp_path_factory.mktemp("ui")
    script = root / "answers.json"
    script.write_text(json.dumps(ANSWERS), encoding="utf-8")
    running = start_ui(root, examples_dir, load_seconds=1.5, tpot_ms=25, script=str(script))
    yield running
    running.close()




@pytest.fixture
def page(browser, ui: RunningUi) -> Iterator[object]:
    """A fresh browser tab (its own gradio session) on the app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.goto(ui.url)
    tab.locator("#status-badge").wait_for(timeout=20_000)
    yield tab
    context.close()


@pytest.fixture
def ready(ui: RunningUi) -> RunningUi:
    """The UI with its engine ready (launched here when no earlier test did)."""
    return ui.ensure_ready()


def pick(page, label: str, option: str) -> None:
    """Choose an option of a gradio dropdown."""
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def last_answer_text(page) -> str:
    """Text of the last assistant message that has text."""
    texts = [text.strip() for text in page.locator("#chatbot [data-testid=bot]").all_inner_texts()]
    return next((text for text in reversed(texts) if text), "")


def test_refused_plan_shows_its_reason_before_any_click(page) -> None:
    show_tab(page, "Server")
    page.locator("#plan").get_by_text("tp 1, dp 1").wait_for(timeout=10_000)
    page.get_by_label("Model", exact=True).fill("72B")
    page.get_by_label("Model", exact=True).press("Enter")
    pick(page, "Hardware", "H100 80 GB")
    pick(page, "GPU count", "1")
    page.locator("#plan").get_by_text("Cannot launch").wait_for(timeout=10_000)
    plan_text = page.locator("#plan").inner_text()
    shot(page, "refused-72b-on-one-h100")
    assert "Cannot launch" in plan_text
    assert "146.8 GB" in plan_text and "4 x H100" in plan_text
    assert not page.locator("#command").is_visible()  # no command for a refused plan


def test_launch_shows_the_load_phases_then_ready(page, ui: RunningUi) -> None:
    if ui.studio.supervisor.status().is_ready:
        ui.studio.stop(ui.studio.viewer())
    show_tab(page, "Server")
    page.get_by_role("button", name="Launch").click()
    phases = phases_until_ready(page, timeout_s=30)
    page.locator("#load-progress[data-progress='100']").wait_for(state="attached", timeout=5_000)
    shot(page, "server-ready")
    assert phases[-1] == "ready", phases
    loading = [phase for phase in phases if phase not in ("idle", "stopped", "ready")]
    assert len(loading) >= 2, f"expected several load phases before ready, saw {phases}"
    checked = page.locator("#load-progress li[data-mark='✓']").all_inner_texts()
    assert any("loading weights" in line for line in checked) and any("warming up" in line for line in checked)
    endpoint = ui.studio.endpoint()
    assert wait_until(lambda: endpoint.api_key in page.locator("#snippet").inner_text(), timeout_s=5)
    assert f"{endpoint.base_url}/v1" in page.locator("#snippet").inner_text()


def test_detect_streams_then_draws_the_box_where_the_model_put_it(page, ready: RunningUi, tmp_path: Path) -> None:
    photo = tmp_path / "white.png"
    Image.new("RGB", (640, 480), "white").save(photo)  # model input 644x476: the stand-in boxes [161,119,483,357]
    send(page, "detect the object", [photo])
    partials: list[str] = []

    def overlay_shown() -> bool:
        text = last_answer_text(page)
        if text and (not partials or partials[-1] != text):
            partials.append(text)
        return page.locator("#chatbot [data-testid=bot] img").count() > 0

    assert wait_until(overlay_shown, timeout_s=30, every_s=0.03), f"no overlay; answer renders: {partials[-3:]}"
    shot(page, "detect-overlay")
    streaming = {text for text in partials if text.endswith("▌")}  # chat_view's cursor while an answer streams
    assert len(streaming) >= 3, f"expected several partial renders, saw {partials}"
    final = last_answer_text(page)
    assert "bbox_2d" in final and not final.endswith("▌")
    source = page.locator("#chatbot [data-testid=bot] img").last.get_attribute("src")
    overlay = Image.open(io.BytesIO(httpx.get(source, timeout=10).content)).convert("RGB")
    assert overlay.size == (640, 480)
    # the box maps to [160, 120, 480, 360] in the original: outline there, white inside and outside
    assert any(_near(overlay.getpixel((x, 240)), BOX_COLOR) for x in range(157, 164))
    assert any(_near(overlay.getpixel((x, 240)), BOX_COLOR) for x in range(477, 484))
    assert any(_near(overlay.getpixel((320, y)), BOX_COLOR) for y in range(357, 364))
    assert overlay.getpixel((320, 240)) == (255, 255, 255)
    assert overlay.getpixel((60, 240)) == (255, 255, 255)
    show_tab(page, "Grounding")
    page.locator("#grounding-notes").get_by_text("the model saw 644x476").wait_for(timeout=5_000)
    shot(page, "grounding-tab")
    download = page.locator("#grounding-download a").first.get_attribute("href")
    exported = httpx.get(download, timeout=10).json()
    assert exported["items"][0]["bbox"] == [160.0, 120.0, 480.0, 360.0]
    assert exported["items"][0]["label"] == "object"


def test_stop_mid_answer_keeps_the_partial_answer_marked_stopped(page, ready: RunningUi) -> None:
    base_url = ready.studio.supervisor.status().base_url
    aborted_before = httpx.get(base_url + "/standin/stats", timeout=5).json()["aborted"]
    send(page, "tell me a long story")
    assert wait_until(lambda: len(last_answer_text(page)) > 60, timeout_s=20), "the answer never started"
    page.locator("#stop").click()
    assert wait_until(lambda: "Stopped" in last_answer_text(page), timeout_s=10), last_answer_text(page)
    page.locator("#message [data-testid=submit-button]").wait_for(state="visible", timeout=10_000)  # Send is back
    shot(page, "stopped-answer")
    answer = last_answer_text(page)
    partial, _, after = answer.partition("■ Stopped")
    assert partial.startswith("Stand-in saw no image. The stand-in engine keeps talking")
    assert "answer tokens" in after  # the metrics line of the partial answer
    stats = wait_until(lambda: (s := httpx.get(base_url + "/standin/stats", timeout=5).json())["aborted"] > aborted_before
                       and s, timeout_s=10)
    assert stats, "the engine never saw the request aborted"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_send_gives_way_to_stop_while_an_answer_streams_and_comes_back_after(browser, ready: RunningUi,
                                                                             size: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    page.goto(ready.url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    box = page.locator("#message")
    send_button, box_stop = box.locator("[data-testid=submit-button]"), box.locator("button[aria-label=Stop]")
    assert send_button.is_enabled() and box_stop.count() == 0
    send(page, "tell me a long story")
    box_stop.wait_for(state="visible", timeout=15_000)
    assert wait_until(lambda: len(last_answer_text(page)) > 40, timeout_s=20), "the answer never started"
    assert send_button.count() == 0  # no live Send mid-answer
    box.locator("textarea").fill("And then?")  # typing goes on
    shot(page, f"send-while-streaming-{size}")
    box_stop.click()
    assert wait_until(lambda: "Stopped" in last_answer_text(page), timeout_s=15), last_answer_text(page)
    send_button.wait_for(state="visible", timeout=15_000)
    assert send_button.is_enabled() and box_stop.count() == 0
    assert box.locator("textarea").input_value() == "And then?"
    shot(page, f"send-after-stop-{size}")
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_text_file_renamed_jpg_is_refused_when_it_arrives_and_the_chat_still_works(browser, ready: RunningUi,
                                                                                      tmp_path: Path,
                                                                                      size: str) -> None:
    renamed = tmp_path / "notes.jpg"
    renamed.write_text("Shopping list: eggs, milk.\n", encoding="utf-8")
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    page.goto(ready.url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    box, notice = page.locator("#message"), page.locator("#chat-notice")
    box.locator("input[type=file]").set_input_files([str(renamed)])  # no Send: the upload alone is checked
    assert wait_until(lambda: "notes.jpg" in notice.inner_text(), timeout_s=20), notice.inner_text()
    told = notice.inner_text()
    assert "not an image format" in told and "Taken out of the message" in told
    assert wait_until(lambda: box.locator(".thumbnail-item, img").count() == 0, timeout_s=10)  # no broken thumbnail
    shot(page, f"upload-refused-at-once-{size}")
    box.locator("textarea").fill("what is in this picture?")
    box.locator("textarea").press("Enter")
    assert wait_until(lambda: "red square" in last_answer_text(page), timeout_s=20), last_answer_text(page)
    context.close()


def test_public_mode_hides_launch_and_its_api_refuses(browser, tmp_path: Path, examples_dir: Path) -> None:
    public = start_ui(tmp_path, examples_dir, public=True)
    try:
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(public.url)
        tab.get_by_role("tab", name="Server").click()
        tab.locator("#plan").get_by_text("tp 1, dp 1").wait_for(timeout=15_000)
        shot(tab, "public-server-tab")
        assert tab.get_by_role("button", name="Launch").count() == 0
        assert tab.get_by_label("Model", exact=True).is_disabled()
        with pytest.raises(Exception, match="admin token"):
            Client(public.url, verbose=False).predict(api_name="/launch")
        assert public.studio.supervisor.status().phase.value == "idle"
        tab.close()
    finally:
        public.close()


def _near(pixel: tuple[int, int, int], color: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color))
