"""A vLLM plan in Debian's Chromium: the Server tab shows `vllm serve`, Launch walks vLLM's own start-up lines to
ready, and a photo's boxes are drawn (the stand-in playing vLLM 0.34); desktop and 390 px. Screenshots go to
test-output/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from backend.plans.planner import PlanRequest
from tests.helpers import CHROMIUM, VIEWPORTS, RunningUi, phases_until_ready, send, shot, show_tab, start_ui, wait_until

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")



@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The UI whose default plan is vLLM; the stand-in loads for 1.5 s and streams a token every 20 ms."""
    root = tmp_path_factory.mktemp("vllm-ui")
    request = PlanRequest(model="7B", hardware="auto", engine="vllm")
    running = start_ui(root, examples_dir, settings_changes={"default_request": request}, load_seconds=1.5)
    yield running
    running.close()


def open_page(browser, ui: RunningUi, viewport: str):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.goto(ui.url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    return context, page


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_launch_follows_vllms_start_up_to_ready(browser, ui: RunningUi, viewport: str) -> None:
    if ui.studio.supervisor.status().is_ready:
        ui.studio.stop(ui.studio.viewer())
    context, page = open_page(browser, ui, viewport)
    try:
        show_tab(page, "Server")
        command = page.locator("#command")
        assert wait_until(lambda: "vllm serve" in command.inner_text(), timeout_s=15), command.inner_text()
        assert "--limit-mm-per-prompt" in command.inner_text()
        page.get_by_role("button", name="Launch").click()
        phases = phases_until_ready(page, timeout_s=40)
        assert phases[-1] == "ready", (phases, ui.studio.supervisor.status().log_tail[-8:])
        page.locator("#load-progress[data-progress='100']").wait_for(state="attached", timeout=5_000)
        checked = page.locator("#load-progress li[data-mark='✓']").all_inner_texts()
        for step in ("loading weights", "KV cache", "CUDA graphs"):
            assert any(step.lower() in line.lower() for line in checked), checked
        shot(page, f"vllm-server-ready-{viewport}")
        if viewport == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"the Server tab is {width} px wide on a 390 px phone"
    finally:
        context.close()


def test_a_photos_boxes_are_drawn_from_a_vllm_answer(browser, ui: RunningUi, tmp_path: Path) -> None:
    ui.ensure_ready()
    context, page = open_page(browser, ui, "desktop")
    try:
        photo = tmp_path / "white.png"
        Image.new("RGB", (640, 480), "white").save(photo)
        send(page, "detect the object", [photo])
        assert wait_until(lambda: page.locator("#chatbot [data-testid=bot] img").count() > 0, timeout_s=30)
        shot(page, "vllm-detect-overlay")
        show_tab(page, "Grounding")
        page.locator("#grounding-notes").get_by_text("the model saw 644x476").wait_for(timeout=5_000)
    finally:
        context.close()
