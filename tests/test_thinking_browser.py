"""A thinking model's reasoning in the served app. In Debian's Chromium (Playwright), desktop and 390 px: a
collapsible "Thinking" message before the answer, open with a spinner while the model thinks, closed with its
duration once the answer begins, and only the answer's box drawn. The named API gives the reasoning on request.
The app is attached to a stand-in serving Qwen3-VL-8B-Thinking without a reasoning parser (the reasoning comes
inside the text). Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from PIL import Image

from tests.helpers import (
    CHROMIUM,
    DEFAULT_ANSWERS,
    VIEWPORTS,
    RunningUi,
    pick_free_port,
    send,
    shot,
    spawn_standin,
    start_ui,
    wait_until,
)

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
THOUGHT = "#chatbot .thought-group"


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The app attached to a thinking stand-in that writes slowly enough (40 ms a token) to be seen thinking."""
    root = tmp_path_factory.mktemp("thinking-ui")
    script = root / "answers.json"
    script.write_text(json.dumps(DEFAULT_ANSWERS), encoding="utf-8")
    port, key = pick_free_port(), "sk-thinking"
    engine = spawn_standin(port, key, "--served-model-name", "Qwen/Qwen3-VL-8B-Thinking", "--tpot-ms", "40",
                           "--script", str(script))
    app = start_ui(root, examples_dir, detected=())
    try:
        app.studio.attach(f"http://127.0.0.1:{port}", key, app.studio.viewer())
        assert wait_until(lambda: app.studio.supervisor.status().is_ready, 30), app.studio.supervisor.status()
        yield app
    finally:
        app.close()
        engine.kill()
        engine.wait()


def bot_text(page) -> str:
    return " ".join(page.locator("#chatbot [data-testid=bot]").all_inner_texts())


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_reasoning_shows_as_a_thinking_message_that_closes_when_the_answer_begins(browser, ui: RunningUi,
                                                                                      tmp_path: Path,
                                                                                      size: str) -> None:
    photo = tmp_path / "cat.png"
    Image.new("RGB", (400, 200), (230, 236, 242)).save(photo)
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    try:
        page.goto(ui.url)
        page.locator("#status-badge").wait_for(timeout=20_000)
        send(page, "Find the cat.", [photo])
        title = page.locator(THOUGHT).get_by_role("button").filter(has_text="Thinking")
        title.wait_for(timeout=20_000)
        assert wait_until(lambda: "Okay, the user asks" in bot_text(page), 20), bot_text(page)  # open, streaming
        assert '"label": "cat"' not in bot_text(page)  # no answer yet: only the Thinking message
        title.scroll_into_view_if_needed()
        shot(page, f"thinking-streaming-{size}")
        page.locator("#chatbot [data-testid=bot] img").first.wait_for(timeout=30_000)  # the answer's overlay
        assert wait_until(lambda: "Okay, the user asks" not in bot_text(page), 20), bot_text(page)  # closed
        assert re.fullmatch(r"Thinking\s*\(\d+(\.\d)?s\)", title.inner_text().strip()), title.inner_text()
        assert '"label": "cat"' in bot_text(page) and "whole picture" not in bot_text(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]
        title.scroll_into_view_if_needed()
        shot(page, f"thinking-done-{size}")
        title.click()  # opened again by hand: the whole reasoning, the loose box it dropped included
        assert wait_until(lambda: "whole picture" in bot_text(page), 10), bot_text(page)
        shot(page, f"thinking-reopened-{size}")
    finally:
        context.close()


def test_the_named_api_gives_the_answer_alone_unless_asked_for_the_reasoning(ui: RunningUi) -> None:
    client = Client(ui.url, verbose=False)
    cat = DEFAULT_ANSWERS[1]["answer"]
    assert client.predict("Find the cat.", [], [], 512, 0.0, api_name="/chat") == cat  # as before: the text
    both = client.predict("Find the cat.", [], [], 512, 0.0, 0.0, 0, True, api_name="/chat")
    assert both["answer"] == cat and both["reasoning"].startswith("Okay, the user asks")
    asked = client.predict("Find the cat.", [], [], 512, 0.0, api_name="/ask")
    assert asked["answer"] == cat and asked["reasoning"] == both["reasoning"]
