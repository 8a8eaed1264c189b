"""The Batch tab in Debian's Chromium (Playwright), against the stand-in: a run with a bad file (gallery, table,
problems, downloads), Cancel midway (nothing left running on the engine), and the tab at 390 px wide.
Screenshots go to test-output/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, SCREENSHOTS, RunningUi, engine_stats, hostile, photos, start_batch_ui, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")


pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The Batch tab with a stand-in streaming a token every 5 ms (a free prompt's 1024 tokens: about 5 s)."""
    running = start_batch_ui(tmp_path_factory.mktemp("batch-browser"), examples_dir, tpot_ms=5)
    yield running
    running.close()




def open_tab(browser, ui: RunningUi, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(ui.url)
    page.locator("#batch-run").wait_for(timeout=20_000)
    return context, page


def choose_preset(page, title: str) -> None:
    """Pick a preset from the dropdown the way a person does: open it, click the option."""
    page.locator("#batch-preset input").click()
    page.get_by_role("option", name=title, exact=True).click()


def line(page) -> str:
    return page.locator("#batch-line").inner_text()


def test_a_batch_with_a_bad_file_fills_gallery_table_problems_and_downloads(browser, ui: RunningUi,
                                                                           tmp_path: Path) -> None:
    files = [str(path) for path in photos(tmp_path / "in", 7)] + [str(tmp_path / "bad" / "corrupt.jpg")]
    hostile(tmp_path / "bad")
    context, page = open_tab(browser, ui, 1400, 1000)
    try:
        page.locator("#batch-files input[type=file]").set_input_files(files)
        choose_preset(page, "Locate one")
        prompt = page.locator("#batch-prompt textarea")
        wait_until(lambda: "Locate the largest object" in prompt.input_value(), timeout_s=10)
        assert prompt.input_value().startswith("Locate the largest object, output its bbox")
        assert wait_until(lambda: "photo006" in page.locator("#batch-files").inner_text(), timeout_s=20)  # uploaded
        page.locator("#batch-run").click()
        assert wait_until(lambda: "finished" in line(page), timeout_s=60), line(page)
        assert line(page).startswith("8 / 8 done · 1 without an answer")
        page.locator("#batch-gallery img").first.wait_for(timeout=10_000)
        assert wait_until(lambda: page.locator("#batch-gallery img").count() >= 7, timeout_s=10)
        table = page.locator("#batch-table").inner_text()
        assert "photo003.png" in table and "bbox_2d" in table
        problems = page.locator("#batch-problems").inner_text()
        assert "corrupt.jpg" in problems and "truncated or corrupt" in problems
        downloads = page.locator("#batch-downloads").inner_text().replace("\n", "")  # names and extensions apart
        assert all(name in downloads for name in ("batch-results.jsonl", "batch-coco.json", "batch-results.csv"))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "batch-desktop.png"), full_page=True)
    finally:
        context.close()


def test_a_batch_with_an_extraction_preset_tabulates_valid_fields_and_adds_their_csvs(browser, ui: RunningUi,
                                                                                   tmp_path: Path) -> None:
    context, page = open_tab(browser, ui, 1400, 1000)
    try:
        page.locator("#batch-files input[type=file]").set_input_files([str(p) for p in photos(tmp_path, 4)])
        choose_preset(page, "Extract fields: Receipt (JSON Schema)")
        prompt = page.locator("#batch-prompt textarea")
        assert wait_until(lambda: "JSON Schema" in prompt.input_value(), timeout_s=10), prompt.input_value()
        assert wait_until(lambda: "photo003" in page.locator("#batch-files").inner_text(), timeout_s=20)
        assert wait_until(lambda: "· 4 files" in page.locator("#batch-files").inner_text(), timeout_s=10)
        page.locator("#batch-run").click()
        assert wait_until(lambda: "finished" in line(page), timeout_s=60), line(page)
        assert line(page).startswith("4 / 4 done")
        table = page.locator("#batch-table").inner_text()
        assert table.count('valid: {"vendor": "vendor 1"') == 4
        downloads = page.locator("#batch-downloads").inner_text().replace("\n", "")
        assert "batch-fields.csv" in downloads and "batch-rows.csv" in downloads
        page.screenshot(path=str(SCREENSHOTS / "batch-extract-desktop.png"), full_page=True)
    finally:
        context.close()


def test_cancel_in_the_tab_stops_the_engine_and_keeps_finished_results(browser, ui: RunningUi,
                                                                      tmp_path: Path) -> None:
    before = engine_stats(ui)
    context, page = open_tab(browser, ui, 390, 844)
    try:
        page.locator("#batch-files input[type=file]").set_input_files([str(p) for p in photos(tmp_path, 20)])
        choose_preset(page, "Free prompt")
        page.locator("#batch-prompt textarea").fill("Describe this picture in detail.")
        assert wait_until(lambda: "photo019" in page.locator("#batch-files").inner_text(), timeout_s=20)
        page.locator("#batch-run").click()
        assert wait_until(lambda: engine_stats(ui)["active"] >= 4, timeout_s=20), engine_stats(ui)
        page.locator("#batch-cancel").click()
        assert wait_until(lambda: "cancelled" in line(page), timeout_s=20), line(page)
        stats = wait_until(lambda: (s := engine_stats(ui))["active"] == 0 and s, timeout_s=10)
        assert stats and stats["aborted"] > before["aborted"], engine_stats(ui)
        assert line(page).startswith("20 / 20 done")
        assert "cancelled" in page.locator("#batch-problems").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "batch-mobile-390.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, width  # nothing wider than the phone
    finally:
        context.close()
