"""An hour-long video's moments in Debian's Chromium, desktop and 390 px, against the stand-in: the timeline spans
the hour (ticks, moments in place, the list grouped by ten minutes), the upload (MPEG-4 Part 2, which Chromium
does not play) gets a playable player, and a click on a moment seeks the player there. Screenshots go to
test-output/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers import CHROMIUM, VIEWPORTS, RunningUi, send, shot, start_ui, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
MOMENTS = [("0:02:00.00", "0:03:10.00", "The lecturer introduces the topic."),
           ("0:15:30.00", "0:16:00.00", "A slide with the outline."),
           ("0:31:00.00", "0:33:00.00", "A question from the audience."),
           ("0:47:10.00", "0:48:00.00", "A demonstration on the laptop."),
           ("1:01:30.00", "1:02:00.00", "The speaker writes the formula on the board."),
           ("1:08:00.00", "1:09:30.00", "Closing remarks.")]
HOUR_S = 70 * 60


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    root = tmp_path_factory.mktemp("moments")
    script = root / "answers.json"
    events = [{"start_time": start, "end_time": end, "description": text} for start, end, text in MOMENTS]
    script.write_text(json.dumps([{"match": "(?i)lecture events", "answer": "```json\n" + json.dumps(events)
                                   + "\n```"}]), encoding="utf-8")
    running = start_ui(root, examples_dir, load_seconds=0.2, tpot_ms=1, script=str(script))
    yield running.ensure_ready()
    running.close()


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """70 minutes, one tiny frame a second, MPEG-4 Part 2 (as OpenCV writes it)."""
    path = tmp_path_factory.mktemp("lecture") / "lecture.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 1.0, (64, 48))
    for second in range(HOUR_S):
        writer.write(np.full((48, 64, 3), (second * 7) % 251, np.uint8))
    writer.release()
    return path


def player_time(page) -> float:
    return page.evaluate("document.querySelector('#moments-player video').currentTime")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_hours_moments_sit_on_one_timeline_and_a_click_seeks_the_player(browser, ui: RunningUi, lecture: Path,
                                                                         size: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    try:
        page.goto(ui.url)
        page.locator("#status-badge").wait_for(timeout=20_000)
        send(page, "List the lecture events with their times.", [lecture])
        page.locator("#moments li button").first.wait_for(timeout=60_000)
        rows = page.locator("#moments li:not(.group)")
        assert rows.count() == 6
        assert "1:01:30.00–1:02:00.00" in rows.nth(4).inner_text() and "writes the formula" in rows.nth(4).inner_text()
        groups = page.locator("#moments li.group").all_inner_texts()
        assert groups == ["0:00–10:00", "10:00–20:00", "30:00–40:00", "40:00–50:00", "1:00:00–1:10:00"]
        head = page.locator("#moments .moments-head").inner_text()
        assert "1:10:00" in head and "768 frames sent, one every 5.5 s" in head and "6 moments" in head
        # the bar spans the hour: the 1:01:30 moment starts 3690 / 4200 of the way along it
        bar = page.locator("#moments .moments-bar").bounding_box()
        segment = page.locator("#moments .moments-bar .moment").nth(4).bounding_box()
        assert (segment["x"] - bar["x"]) / bar["width"] == pytest.approx(3690 / HOUR_S, abs=0.01)
        assert page.locator("#moments .tick").count() >= 4
        # Chromium cannot play the upload (mp4v): the player gets the H.264 clip, in the original's seconds
        page.wait_for_function("document.querySelector('#moments-player video')?.readyState >= 1", timeout=20_000)
        assert page.evaluate("document.querySelector('#moments-player video').duration") == pytest.approx(HOUR_S,
                                                                                                          abs=1)
        rows.nth(4).locator("button").click()
        assert wait_until(lambda: abs(player_time(page) - 3690) < 6, timeout_s=10), player_time(page)
        page.locator("#moments .moments-bar .moment").nth(1).click()
        assert wait_until(lambda: abs(player_time(page) - 930) < 6, timeout_s=10), player_time(page)
        if size == "phone":  # under the answer, inside the screen's width
            chat, moments = page.locator("#chatbot").bounding_box(), page.locator("#moments").bounding_box()
            assert moments["y"] > chat["y"] + chat["height"] - 1
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator("#moments").scroll_into_view_if_needed()
        shot(page, f"moments-hour-{size}")
    finally:
        context.close()
