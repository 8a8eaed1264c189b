"""The Server tab's model picker in Debian's Chromium (Playwright), desktop and 390 px: Qwen2.5-VL, Qwen3-VL and
Qwen3.5 family by family, each model with its size and weights; choosing Qwen3.5-9B says what it is good at and
needs, and its plan holds the linear-attention state and the reasoning parser. Screenshots go to
test-output/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, VIEWPORTS, RunningUi, shot, show_tab, start_ui, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    running = start_ui(tmp_path_factory.mktemp("model-picker"), examples_dir)
    yield running
    running.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_picker_lists_families_in_order_and_qwen35_says_what_it_needs(ui: RunningUi, browser, size: str) -> None:
    page = browser.new_context(viewport=VIEWPORTS[size]).new_page()
    page.goto(ui.url)
    page.locator("#status-badge").wait_for(timeout=30_000)
    show_tab(page, "Server")
    about = page.locator("#model-about")
    about.get_by_text("Qwen2.5-VL: grounding in the image's own pixels").wait_for(timeout=20_000)
    page.get_by_label("Model", exact=True).click()
    options = [text.split("\n")[-1] for text in page.get_by_role("option").all_inner_texts()]  # "✓\n" marks the chosen
    families = [option.split(" · ")[0] for option in options]
    assert families == sorted(families, key=["Qwen2.5-VL", "Qwen3-VL", "Qwen3.5"].index), families
    assert "Qwen3-VL · Qwen3-VL-30B-A3B-Instruct · 31.1 B (3.9 B active), 62 GB bf16" in options
    page.get_by_role("option", name=re.compile(r"^Qwen3\.5 · Qwen3\.5-9B · ")).click()
    about.get_by_text("Qwen3.5: natively multimodal").wait_for(timeout=20_000)
    assert "fixed-size state instead of a KV cache" in about.inner_text()
    command = page.locator("#command")
    assert wait_until(lambda: "--reasoning-parser qwen3" in command.inner_text(), 20), command.inner_text()
    assert "--tool-call-parser qwen3_coder" in command.inner_text()
    assert "linear-attention state" in page.locator("#plan").inner_text()
    about.scroll_into_view_if_needed()
    shot(page, f"model-picker-qwen35-{size}")
    page.context.close()
