"""The Server tab's plan choices in Debian's Chromium (Playwright), desktop and 390 px: "Use this plan" sets the
suggested plan as a whole, and going back to 7B drops the suggestion's FP8 weights and KV cache (issue 26).
Screenshots go to test-output/screenshots/."""

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
    """A private app on two (stand-in) H100s; nothing is launched."""
    running = start_ui(tmp_path_factory.mktemp("plan-panel"), examples_dir)
    yield running
    running.close()


def pick(page, label: str, option: str) -> None:
    """Choose an option by its exact name, or a model by its catalog key ('32B': "Qwen2.5-VL · 32B · …")."""
    page.get_by_label(label, exact=True).click()
    name = re.compile(rf"^[\w.-]+ · {re.escape(option)} · ") if label == "Model" else option
    page.get_by_role("option", name=name, exact=isinstance(name, str)).click()


def command_text(page) -> str:
    return page.locator("#command").inner_text()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_use_this_plan_then_back_to_7b_leaves_no_fp8_kv_cache(ui: RunningUi, browser, size: str) -> None:
    page = browser.new_context(viewport=VIEWPORTS[size]).new_page()
    page.goto(ui.url)
    page.locator("#status-badge").wait_for(timeout=30_000)
    show_tab(page, "Server")
    page.locator("#command").get_by_text("--tp-size 1").wait_for(timeout=20_000)
    pick(page, "Model", "32B")  # two H100s in bf16; the planner suggests FP8 on one
    use = page.locator("#use-quantized")
    use.wait_for(state="visible", timeout=20_000)
    use.click()
    kv_cache, weights = page.get_by_label("KV cache", exact=True), page.get_by_label("Weights", exact=True)
    assert wait_until(lambda: kv_cache.input_value() == "FP8 (fp8_e4m3)", 20), kv_cache.input_value()
    assert weights.input_value() == "FP8 (--quantization fp8)"
    assert wait_until(lambda: "--kv-cache-dtype fp8_e4m3" in command_text(page), 20), command_text(page)
    shot(page, f"use-this-plan-32b-{size}")
    pick(page, "Model", "7B")
    assert wait_until(lambda: kv_cache.input_value() == "auto (bf16)", 20), kv_cache.input_value()
    assert weights.input_value() == "bf16 (as published)"
    assert wait_until(lambda: "--kv-cache-dtype" not in command_text(page)
                      and "Qwen2.5-VL-7B" in command_text(page), 20), command_text(page)
    assert "--quantization" not in command_text(page)
    shot(page, f"use-this-plan-back-to-7b-{size}")
    page.context.close()
