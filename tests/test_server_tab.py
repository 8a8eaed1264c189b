"""The Server tab and the public demo from the user's side, in Chromium (desktop and 390 px) and through the API:
controls follow the state (launched, attached, no GPU), nothing internal reaches a public visitor, and one greedy
visitor cannot starve another."""

from __future__ import annotations

import re
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.helpers import ADMIN_TOKEN, CHROMIUM, RunningUi, shot, show_tab, standin_process, start_ui, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}




def open_page(browser, url: str, viewport: dict, tab: str | None = None):
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(url)
    page.locator("#status-badge").wait_for(timeout=20_000)
    if tab:
        show_tab(page, tab)
    return page


@pytest.fixture(scope="module")
def attached(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[tuple[RunningUi, object]]:
    """The UI in endpoint mode, attached to someone else's server (a stand-in that exports no metrics)."""
    with standin_process() as endpoint:
        running = start_ui(tmp_path_factory.mktemp("attached"), examples_dir)
        running.studio.attach(endpoint.base_url, endpoint.api_key, running.studio.viewer())
        assert wait_until(lambda: running.studio.supervisor.status().is_ready, 20)
        yield running, endpoint
        running.close()


def test_attached_server_tab_shows_the_server_and_offers_detach_not_launch(attached, browser) -> None:
    ui, endpoint = attached
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_page(browser, ui.url, viewport, "Server")
        page.locator("#server-info").get_by_text("Attached server").wait_for(timeout=10_000)
        info = page.locator("#server-info").inner_text()
        assert endpoint.base_url in info and endpoint.model in info and "answering" in info
        assert page.locator("#stop-engine").inner_text().strip() == "Detach"
        assert page.locator("#launch").is_disabled()
        assert "Attached to a running server" in page.locator("#launch-verdict").inner_text()
        assert "No GPU was detected" not in page.locator("#attach-help").inner_text()
        shot(page, f"server-attached-{name}")
        page.context.close()


def test_detach_asks_first_and_attach_brings_the_server_back(attached, browser) -> None:
    ui, endpoint = attached
    page = open_page(browser, ui.url, DESKTOP, "Server")
    page.locator("#stop-engine").get_by_text("Detach").wait_for(timeout=10_000)
    page.locator("#stop-engine").click()
    page.locator("#confirm-detach-no").wait_for(timeout=5_000)
    page.locator("#confirm-detach-no").click()
    time.sleep(0.5)
    assert ui.studio.supervisor.status().is_ready  # cancelled: still attached
    page.locator("#stop-engine").click()
    page.locator("#confirm-detach-yes").click()
    assert wait_until(lambda: not ui.studio.supervisor.status().is_ready, 10), "detach did not happen"
    page.get_by_text("Attach to a running server").click()
    page.locator("#attach-url textarea, #attach-url input").first.fill(endpoint.base_url)
    page.locator("#attach-key input").fill(endpoint.api_key)
    page.locator("#attach-button").click()
    assert wait_until(lambda: ui.studio.supervisor.status().is_ready, 15), "attach did not happen"
    shot(page, "server-reattached")
    page.context.close()


def test_a_server_without_metrics_says_so_instead_of_an_empty_plot(attached, browser) -> None:
    ui, _endpoint = attached
    page = open_page(browser, ui.url, DESKTOP)
    page.get_by_text("This server exports no load metrics").wait_for(timeout=10_000)
    assert not page.locator("#server-plot").is_visible()
    page.context.close()


@pytest.fixture(scope="module")
def no_gpu(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    running = start_ui(tmp_path_factory.mktemp("no-gpu"), examples_dir, detected=())
    yield running
    running.close()


def test_a_host_without_a_gpu_cannot_launch_even_a_named_gpu(no_gpu: RunningUi, browser) -> None:
    page = open_page(browser, no_gpu.url, DESKTOP, "Server")
    page.get_by_label("Hardware", exact=True).click()
    page.get_by_role("option", name="H100 80 GB", exact=True).click()
    page.locator("#launch-verdict").get_by_text("No GPU was detected").wait_for(timeout=10_000)
    assert page.locator("#launch").is_disabled()
    assert "Attach to a running server" in page.locator("#attach-help").inner_text()
    shot(page, "server-no-gpu")
    page.context.close()
    with pytest.raises(AppError, match="No GPU was detected on this host"):
        Client(no_gpu.url, verbose=False).predict("7B", "H100", "1", "sglang", 0, "", api_name="/launch")
    assert no_gpu.studio.supervisor.status().pid is None  # nothing was started


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_copy_paste_command_is_portable_listens_for_the_app_and_says_so(no_gpu: RunningUi, browser,
                                                                             size: str) -> None:
    """No GPU here: the command is run on a GPU host this app attaches to, so it listens on every interface."""
    page = open_page(browser, no_gpu.url, DESKTOP if size == "desktop" else PHONE, "Server")
    page.get_by_label("Hardware", exact=True).click()
    page.get_by_role("option", name="H100 80 GB", exact=True).click()
    command = page.locator("#command")
    command.get_by_text("python3 -m sglang.launch_server").wait_for(timeout=10_000)
    lines = [line for line in command.locator(".cm-line").all_inner_texts() if line.strip()]
    assert lines[0].startswith("# --host 0.0.0.0: any machine that can reach port")
    assert lines[1].startswith("CUDA_VISIBLE_DEVICES=0 python3 -m sglang.launch_server")
    assert all(line.strip().startswith("--") for line in lines[2:]) and len(lines) > 6
    assert "--host 0.0.0.0 \\" in [line.strip() for line in lines] and "/bin/python" not in command.inner_text()
    assert "attach to http://GPU-HOST:" in page.locator("#plan").inner_text()
    command.scroll_into_view_if_needed()
    shot(page, f"server-no-gpu-command-{size}")
    page.context.close()


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """A public demo with its engine running: a stand-in that streams slowly (40 ms a token)."""
    running = start_ui(tmp_path_factory.mktemp("public"), examples_dir, public=True, load_seconds=0.2, tpot_ms=40)
    admin = running.studio.viewer(ADMIN_TOKEN)
    running.studio.launch(running.studio.settings.default_request, admin)  # the admin starts the engine
    running.wait_ready()
    yield running
    running.close()


def test_nothing_a_public_visitor_can_read_holds_the_engine_address_or_key(public: RunningUi, browser) -> None:
    status = public.studio.supervisor.status()
    # The engine's address in any spelling; a generic example such as the "http://gpu-host:30000" placeholder
    # is not one, even when the engine happens to listen on SGLang's default port.
    hosts = ("127.0.0.1", "localhost", "0.0.0.0", socket.gethostname())
    secrets = [status.base_url, status.plan.api_key, *(f"{host}:{status.plan.port}" for host in hosts)]
    visitor = Client(public.url, verbose=False)
    readable = [httpx.get(public.url, timeout=10).text, httpx.get(public.url + "config", timeout=10).text,
                str(visitor.predict(api_name="/status")), str(visitor.predict("7B", "auto", "", "sglang", 0,
                                                                              api_name="/plan"))]
    page = open_page(browser, public.url, DESKTOP, "Server")
    page.locator("#snippet").get_by_text("gradio_client").wait_for(timeout=10_000)
    readable += [page.content(), page.locator("#snippet").inner_text(), page.locator("#status-badge").inner_text()]
    shot(page, "public-server-tab")
    page.context.close()
    leaks = [(secret, index) for index, text in enumerate(readable) for secret in secrets if secret in text]
    assert leaks == []


def test_one_greedy_visitor_does_not_starve_another(public: RunningUi) -> None:
    def first_token_s(client: Client) -> float:
        started = time.monotonic()
        job = client.submit("Describe it.", [], [], 20, 0.0, api_name="/chat")
        while not job.outputs() and not job.done():
            time.sleep(0.01)
        assert job.outputs(), job.exception()
        job.cancel()
        return time.monotonic() - started

    polite = Client(public.url, verbose=False)
    idle = statistics.median(first_token_s(polite) for _ in range(3))
    greedy = Client(public.url, verbose=False)  # its 4 admitted answers stream for ~6 s (150 tokens x 40 ms)
    jobs = [greedy.submit("Tell me everything.", [], [], 150, 0.0, api_name="/chat") for _ in range(40)]
    time.sleep(0.5)  # the flood is in
    busy = statistics.median(first_token_s(polite) for _ in range(3))
    outcomes = []
    for job in jobs:
        try:
            outcomes.append(("answer", job.result(timeout=120)))
        except AppError as error:
            outcomes.append(("refused", str(error)))
    assert busy <= 3 * max(idle, 0.1), (busy, idle)
    assert all(kind == "answer" and text or re.search(r"Busy: \d+ of your requests are running", text)
               for kind, text in outcomes), outcomes[:3]
    assert any(kind == "answer" for kind, _ in outcomes) and any(kind == "refused" for kind, _ in outcomes)


def test_while_an_answer_streams_a_new_message_is_kept_with_a_note(public: RunningUi, browser) -> None:
    page = open_page(browser, public.url, DESKTOP)
    box = page.locator("#message textarea")
    box.fill("Tell me a long story.")
    box.press("Enter")
    page.locator("#stop:not([disabled])").wait_for(timeout=10_000)
    page.locator("#chatbot [data-testid=bot]").first.wait_for(timeout=15_000)  # the answer is streaming
    assert "stop" in (page.locator("#stop").get_attribute("class") or "")
    box.fill("And another thing")
    box.press("Enter")
    page.locator("#chat-notice").get_by_text("still streaming").wait_for(timeout=10_000)
    assert box.input_value() == "And another thing"
    shot(page, "chat-busy-note")
    page.locator("#stop").click()
    page.locator("#stop[disabled]").wait_for(timeout=15_000)
    assert "secondary" in (page.locator("#stop").get_attribute("class") or "")
    page.context.close()


def test_the_phone_layout_keeps_presets_in_view_and_the_badge_on_one_line(public: RunningUi, browser) -> None:
    page = open_page(browser, public.url, PHONE)
    preset = page.get_by_role("button", name="Detect all", exact=True)
    preset.wait_for(timeout=10_000)
    assert preset.bounding_box()["y"] + preset.bounding_box()["height"] <= PHONE["height"]
    badge = page.locator("#status-badge").bounding_box()
    assert badge["height"] <= 32, badge
    shot(page, "chat-phone")
    show_tab(page, "Server")
    shot(page, "server-phone-public")
    page.context.close()


def test_the_verdict_sits_beside_launch(no_gpu: RunningUi, browser) -> None:
    page = open_page(browser, no_gpu.url, PHONE, "Server")
    launch, verdict = page.locator("#launch").bounding_box(), page.locator("#launch-verdict").bounding_box()
    assert abs(launch["y"] - verdict["y"]) < launch["height"], (launch, verdict)
    shot(page, "server-phone-no-gpu")
    page.context.close()


def test_a_public_visitor_cannot_detach_or_attach_the_shared_server(public: RunningUi) -> None:
    visitor = Client(public.url, verbose=False)
    with pytest.raises(AppError, match="need the admin token"):
        visitor.predict("http://127.0.0.1:9/", "", "", api_name="/attach")
    with pytest.raises(AppError, match="need the admin token"):
        visitor.predict("", api_name="/stop")
    assert public.studio.supervisor.status().is_ready


def test_with_no_engine_the_chat_says_so_once_and_where_to_start_one(no_gpu: RunningUi, browser) -> None:
    page = open_page(browser, no_gpu.url, DESKTOP)
    box = page.locator("#message textarea")
    box.fill("hello")
    box.press("Enter")
    page.locator("#chatbot").get_by_text("No model server is running").wait_for(timeout=15_000)
    time.sleep(1.0)  # a toast or a notice would have arrived by now
    text = page.locator("body").inner_text()
    assert text.count("No model server is running") == 1, text
    assert "Server tab" in text and page.locator("[data-testid=toast-body]").count() == 0
    send_button = page.locator("#message [data-testid=submit-button]")  # the answer failed: Send is back
    send_button.wait_for(state="visible", timeout=10_000)
    assert send_button.is_enabled() and page.locator("#message button[aria-label=Stop]").count() == 0
    shot(page, "chat-no-engine")
    page.context.close()
