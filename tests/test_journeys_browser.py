"""Journeys in Debian's Chromium (Playwright), desktop and 390 px, against the stand-in: a photo, then follow-up
questions that attach nothing; an attached server that dies and comes back; a public visitor with no engine; an
answer pasted from another client's frame. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.helpers import (
    CHROMIUM,
    VIEWPORTS,
    RunningUi,
    pick_free_port,
    send,
    shot,
    show_tab,
    spawn_standin,
    start_ui,
    wait_until,
)

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
FOLLOW_UPS = ["Point to the center of it.", "Locate the object again.", "Detect every shape."]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """Its own app and stand-in (its default answers: boxes for detect / locate, a point for point)."""
    running = start_ui(tmp_path_factory.mktemp("journeys"), examples_dir, load_seconds=0.2, tpot_ms=2)
    yield running.ensure_ready()
    running.close()


def open_page(browser, url: str, size: str):
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    page.goto(url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    return context, page


def overlays(page) -> list[str]:
    return page.locator("#chatbot [data-testid=bot] img").evaluate_all("images => images.map(image => image.src)")


def bubbles(page) -> list[str]:
    return [text.strip() for text in page.locator("#chatbot [data-testid=bot]").all_inner_texts() if text.strip()]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_three_follow_ups_without_attaching_again_are_each_drawn_on_the_photo(browser, ui: RunningUi,
                                                                            tmp_path: Path, size: str) -> None:
    photo = tmp_path / "photo.png"
    Image.new("RGB", (640, 480), "white").save(photo)
    context, page = open_page(browser, ui.url, size)
    try:
        send(page, "Detect the object.", [photo])
        assert wait_until(lambda: len(overlays(page)) == 1, timeout_s=30), bubbles(page)
        for number, question in enumerate(FOLLOW_UPS, start=2):
            send(page, question)
            assert wait_until(lambda: len(overlays(page)) == number, timeout_s=30), bubbles(page)[-1:]
            assert wait_until(lambda: "message 1, the newest image of the conversation" in bubbles(page)[-1],
                              timeout_s=10), bubbles(page)[-1]
        shot(page, f"journey-follow-ups-{size}")
        drawn = [Image.open(io.BytesIO(httpx.get(src, timeout=10).content)).size for src in overlays(page)]
        assert drawn == [(640, 480)] * 4  # every answer drawn on the photo itself
        show_tab(page, "Grounding")
        page.locator("#grounding-notes").get_by_text("newest image of the conversation").wait_for(timeout=5_000)
        shot(page, f"journey-follow-ups-grounding-{size}")
        page.get_by_label("Answer shown (the chat's answers with items)").click()  # back to the first answer
        page.get_by_role("option", name="#1: Detect the object.").click()
        notes = page.locator("#grounding-notes")
        assert wait_until(lambda: "newest image" not in notes.inner_text() and "1 item(s)" in notes.inner_text(),
                          timeout_s=10), notes.inner_text()
    finally:
        context.close()


def test_a_visitor_of_a_public_demo_with_no_engine_is_told_only_what_they_can_do(browser, tmp_path: Path,
                                                                                examples_dir: Path) -> None:
    public = start_ui(tmp_path, examples_dir, public=True, detected=())
    try:
        for size in VIEWPORTS:
            context, page = open_page(browser, public.url, size)
            send(page, "Hello?")
            notice = page.locator("#chat-notice")
            assert wait_until(lambda: "only its admin can start one" in " ".join(bubbles(page))
                              + notice.inner_text(), timeout_s=15), bubbles(page)
            shot(page, f"journey-public-no-engine-chat-{size}")
            show_tab(page, "Server")
            page.locator("#plan").get_by_text("Read-only public demo").wait_for(timeout=10_000)
            text = page.locator("body").inner_text()
            shot(page, f"journey-public-no-engine-server-{size}")
            assert "--hardware" not in text and "Attach to a running server below" not in text
            context.close()
    finally:
        public.close()


def test_an_attached_server_that_dies_and_comes_back_is_said_as_it_is(browser, tmp_path: Path,
                                                                     examples_dir: Path) -> None:
    port, key = pick_free_port(), "sk-journey"
    script = tmp_path / "answers.json"
    script.write_text(json.dumps([{"match": ".", "answer": "Yes, I am here."}]), encoding="utf-8")
    engine = spawn_standin(port, key, "--tpot-ms", "2", "--script", str(script))
    app = start_ui(tmp_path, examples_dir, detected=())
    context, page = open_page(browser, app.url, "desktop")
    try:
        app.studio.attach(f"http://127.0.0.1:{port}", key, app.studio.viewer())
        assert wait_until(lambda: app.studio.supervisor.status().is_ready, 20)
        send(page, "Hello there.")
        assert wait_until(lambda: len(bubbles(page)) == 1 and "▌" not in bubbles(page)[0], timeout_s=40), bubbles(page)
        engine.kill()
        engine.wait()
        assert wait_until(lambda: not app.studio.supervisor.status().is_ready, 20)
        send(page, "Are you still there?")
        assert wait_until(lambda: "attached model server" in " ".join(bubbles(page)), timeout_s=20), bubbles(page)
        told = bubbles(page)[-1]
        assert "No model server is running" not in told and "keeps checking" in told
        show_tab(page, "Server")
        info = page.locator("#server-info")
        assert wait_until(lambda: "not answering" in info.inner_text(), timeout_s=10), info.inner_text()
        shot(page, "journey-attached-server-down")
        server_tab = page.locator("#load-progress").inner_text() + info.inner_text() + \
            page.locator("#failure").inner_text()
        assert server_tab.count("Errno 111") == 1, server_tab  # the error, said once
        assert "Load:" not in info.inner_text() and "Model: `unknown`" not in info.inner_text()
        engine = spawn_standin(port, key, "--tpot-ms", "2", "--script", str(script))
        assert wait_until(lambda: "✓ answering" in info.inner_text(), timeout_s=30), info.inner_text()
        show_tab(page, "Chat")
        send(page, "Back again?")
        assert wait_until(lambda: len(bubbles(page)) == 3 and "▌" not in bubbles(page)[-1]
                          and "⚠" not in bubbles(page)[-1], timeout_s=20), bubbles(page)
        shot(page, "journey-attached-server-back")
    finally:
        context.close()
        app.close()
        engine.kill()
        engine.wait()


def test_an_answer_pasted_from_another_clients_frame_lands_where_it_was_meant(browser, ui: RunningUi,
                                                                              tmp_path: Path) -> None:
    photo = tmp_path / "big.jpg"
    Image.new("RGB", (4032, 3024), "white").save(photo, quality=85)  # another client sends it as it is
    answer = '```json\n[{"bbox_2d": [1000, 800, 3000, 2400], "label": "table"}]\n```'
    context, page = open_page(browser, ui.url, "desktop")
    try:
        show_tab(page, "Grounding")
        page.get_by_text("Draw a pasted answer on an image").click()
        page.locator("#pasted-image input[type=file]").set_input_files(str(photo))
        page.locator("#pasted-answer textarea").fill(answer)
        page.locator("#pasted-draw").click()
        notes = page.locator("#grounding-notes")
        assert wait_until(lambda: "Choose the frame it was sent in" in notes.inner_text(), 20), notes.inner_text()
        assert "switch the model family" not in notes.inner_text()  # the family is not the likely cause here
        page.locator("#pasted-frame").get_by_text("The server's default").click()
        page.locator("#pasted-draw").click()
        assert wait_until(lambda: "the model saw 4032x3024" in notes.inner_text(), 20), notes.inner_text()
        shot(page, "journey-pasted-server-frame")
        items = page.locator("#grounding-json").inner_text()
        assert "1000" in items and "3000" in items and "Choose the frame" not in notes.inner_text()
    finally:
        context.close()
