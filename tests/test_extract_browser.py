"""The Extract tab in Debian's Chromium, desktop and 390 px, against the stand-in: a receipt extracted as valid
fields with its boxes drawn and downloads; a schema derived from an example; a bad schema refused in one message
with the schema kept. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.helpers import CHROMIUM, VIEWPORTS, RunningUi, shot, show_tab, start_ui, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    running = start_ui(tmp_path_factory.mktemp("extract-journeys"), examples_dir, load_seconds=0.2, tpot_ms=1)
    yield running.ensure_ready()
    running.close()


def receipt(path: Path) -> Path:
    image = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(image)
    for line in range(10):
        draw.text((80, 120 + line * 70), f"Item {line}    {line * 1.5:6.2f}", fill="black")
    image.save(path)
    return path


def open_extract_tab(browser, url: str, size: str):
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    page.goto(url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    show_tab(page, "Extract")
    return context, page


def uploaded(page, name: str) -> bool:
    """Wait until the file box lists name (its stem and extension may sit in separate elements)."""
    return bool(wait_until(lambda: name in page.locator("#extract-files").inner_text().replace("\n", ""),
                           timeout_s=30))


def verdict(page) -> str:
    return page.locator("#extract-verdict").inner_text()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_receipt_is_extracted_into_fields_boxes_and_downloads(browser, ui: RunningUi, tmp_path: Path,
                                                              size: str) -> None:
    context, page = open_extract_tab(browser, ui.url, size)
    try:
        page.locator("#extract-files input[type=file]").set_input_files(str(receipt(tmp_path / "receipt.png")))
        assert uploaded(page, "receipt.png")
        page.locator("#extract-run").click()
        assert wait_until(lambda: "Valid" in verdict(page), timeout_s=30), verdict(page)
        fields = page.locator("#extract-fields").inner_text()
        assert "vendor" in fields and "items[1].name" in fields and "name 2" in fields
        assert page.locator("#extract-drawn").get_by_text("name 1").count() >= 1  # the box's legend
        downloads = page.locator("#extract-downloads").inner_text().replace("\n", "")
        assert "extraction.json" in downloads and "extraction.csv" in downloads
        # on a phone the result sits right under the button that made it
        button, result = page.locator("#extract-run").bounding_box(), page.locator("#extract-verdict").bounding_box()
        if size == "phone":
            assert 0 < result["y"] - (button["y"] + button["height"]) < 80
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, f"extract-receipt-{size}")
    finally:
        context.close()


def test_a_schema_derived_from_an_example_is_used_for_the_next_extraction(browser, ui: RunningUi,
                                                                         tmp_path: Path) -> None:
    context, page = open_extract_tab(browser, ui.url, "desktop")
    try:
        page.get_by_text("Derive a schema from an example answer").click()
        example = page.locator("#extract-example .cm-content")
        example.click()
        page.keyboard.press("Control+A")
        page.keyboard.type('{"company": "", "total": 1.5}')
        page.locator("#extract-derive").click()
        assert wait_until(lambda: '"company"' in page.locator("#extract-schema").inner_text(), timeout_s=10)
        page.locator("#extract-files input[type=file]").set_input_files(str(receipt(tmp_path / "r.png")))
        assert uploaded(page, "r.png")
        page.locator("#extract-run").click()
        assert wait_until(lambda: "Valid" in verdict(page), timeout_s=30), verdict(page)
        fields = page.locator("#extract-fields").inner_text()
        assert "company" in fields and "total" in fields and "vendor" not in fields
        shot(page, "extract-derived-desktop")
    finally:
        context.close()


def test_a_bad_schema_is_refused_in_one_message_and_kept_for_fixing(browser, ui: RunningUi, tmp_path: Path) -> None:
    context, page = open_extract_tab(browser, ui.url, "desktop")
    try:
        schema = page.locator("#extract-schema .cm-content")
        schema.click()
        page.keyboard.press("Control+A")
        page.keyboard.type('{"type": "object", "properties": {"total": {"type": "numbr"}}}')
        page.locator("#extract-files input[type=file]").set_input_files(str(receipt(tmp_path / "r.png")))
        assert uploaded(page, "r.png")
        page.locator("#extract-run").click()
        toast = page.locator(".toast-body").filter(has_text="not a valid JSON Schema (at properties/total/type)")
        toast.first.wait_for(timeout=10_000)
        assert '"numbr"' in page.locator("#extract-schema").inner_text()
        shot(page, "extract-bad-schema-desktop")
    finally:
        context.close()
