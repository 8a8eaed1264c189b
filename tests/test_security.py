"""Security: public mode guards the engine (through the API, not only the UI), the engine listens on 127.0.0.1
behind a random key, nothing runs through a shell, visitor text never becomes something the engine fetches,
uploads are capped, and a browser session's files go when the session ends."""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import psutil
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from app import build_parser
from backend.endpoint import Endpoint
from backend.engine.supervisor import Supervisor
from backend.plans.planner import PlanRequest, make_plan
from tests.helpers import (
    ADMIN_TOKEN,
    READY_TIMEOUT_S,
    PlanFactory,
    RunningUi,
    launch_chromium,
    pick_free_port,
    start_ui,
    wait_until,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_FOLDERS = ("backend", "ui", "bench", "tests")
SCRIPT = [{"match": "(?i)fetch", "answer": "media={media_count}"}, {"match": "hello", "answer": "Hello back."}]
ENGINE_APIS = ("/launch", "/stop")
VISITOR_PARAMETERS = {"/launch": {"model", "hardware", "gpus", "engine", "context_length", "admin_token",
                                  "quantization", "kv_cache_dtype"},  # plan choices, checked against known values
                      "/stop": {"admin_token"}}


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The app in public mode (admin token ADMIN_TOKEN), its engine launched by the admin and ready."""
    root = tmp_path_factory.mktemp("public")
    script = root / "answers.json"
    script.write_text(json.dumps(SCRIPT), encoding="utf-8")
    running = start_ui(root, examples_dir, public=True, load_seconds=0.2, tpot_ms=1, script=str(script))
    running.studio.launch(running.studio.settings.default_request, running.studio.viewer(ADMIN_TOKEN))
    running.wait_ready()
    yield running
    running.close()


@pytest.fixture(scope="module")
def visitor(public: RunningUi) -> Client:
    """An anonymous gradio_client of the public app."""
    return Client(public.url, verbose=False)


def png_data_url(size: tuple[int, int] = (64, 64)) -> str:
    """A small PNG as a data URL."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def engine_requests(ui: RunningUi) -> int:
    """How many chat requests the stand-in has received."""
    return httpx.get(ui.studio.supervisor.status().base_url + "/standin/stats", timeout=5).json()["requests"]


# ----- public mode --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["", " ", f" {ADMIN_TOKEN}", f"{ADMIN_TOKEN} ", ADMIN_TOKEN.upper(),
                                   ADMIN_TOKEN[:-1], ADMIN_TOKEN + "x", "null"])
def test_public_api_refuses_launch_and_stop_without_the_exact_token(public: RunningUi, visitor: Client,
                                                                    token: str) -> None:
    serving = public.studio.supervisor.status().pid
    with pytest.raises(AppError, match="admin token"):
        visitor.predict("3B", "auto", "", "sglang", 0, token, api_name="/launch")
    with pytest.raises(AppError, match="admin token"):
        visitor.predict(token, api_name="/stop")
    status = public.studio.supervisor.status()
    assert status.is_ready and status.pid == serving


def test_public_app_without_an_admin_token_lets_nobody_launch(tmp_path: Path, examples_dir: Path) -> None:
    running = start_ui(tmp_path, examples_dir, public=True)
    running.studio.settings = replace(running.studio.settings, admin_token="")  # PUBLIC_DEMO=1, no ADMIN_TOKEN
    try:
        with pytest.raises(AppError, match="admin token"):
            Client(running.url, verbose=False).predict("7B", "auto", "", "sglang", 0, "", api_name="/launch")
        assert running.studio.supervisor.status().phase.value == "idle"
    finally:
        running.close()


def test_public_app_has_no_other_way_to_launch_or_stop(public: RunningUi, visitor: Client) -> None:
    handlers = {getattr(block.fn, "__name__", "") for block in public.demo.fns.values()}
    assert not handlers & {"launch_clicked", "stop_clicked"}  # the server tab's buttons are not wired
    endpoints = visitor.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name in ENGINE_APIS:  # visitors cannot pick a host, port, API key or extra engine flags
        assert {parameter["parameter_name"] for parameter in endpoints[name]["parameters"]} == VISITOR_PARAMETERS[name]


def test_public_outputs_never_show_the_engine_api_key(public: RunningUi, visitor: Client) -> None:
    key = public.studio.supervisor.endpoint().api_key
    status = visitor.predict(api_name="/status")
    plan_text, fits = visitor.predict("7B", "auto", "", "sglang", 0, api_name="/plan")
    page = httpx.get(public.url, timeout=10).text + httpx.get(public.url + "config", timeout=10).text
    assert status["ready"] and fits and status["log_tail"] == []
    assert key not in json.dumps(status) and key not in plan_text and key not in page


# ----- the engine -------------------------------------------------------------------------------------------
def test_plans_bind_the_engine_to_localhost_with_a_fresh_random_key() -> None:
    plans = [make_plan(PlanRequest(model="7B", hardware="H100", engine=engine))
             for engine in ("sglang", "vllm", "sglang")]
    for plan in plans:
        argv = list(plan.argv)
        assert argv[argv.index("--host") + 1] == "127.0.0.1" == plan.host
        assert argv[argv.index("--api-key") + 1] == plan.api_key and len(plan.api_key) >= 32
    assert len({plan.api_key for plan in plans}) == len(plans)
    defaults = build_parser().parse_args([])
    assert (defaults.host, defaults.server_name) == ("127.0.0.1", "127.0.0.1")  # engine and web UI alike


def test_launched_engine_listens_only_on_localhost_and_wants_its_key(supervisor: Supervisor,
                                                                     make_standin_plan: PlanFactory) -> None:
    plan = make_standin_plan()
    supervisor.launch(plan)
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    listening = {(conn.laddr.ip, conn.laddr.port) for conn in psutil.Process(status.pid).net_connections("tcp")
                 if conn.status == psutil.CONN_LISTEN}
    assert listening == {("127.0.0.1", plan.port)}
    models = plan.base_url + "/v1/models"
    assert httpx.get(models, timeout=5).status_code == 401
    assert httpx.get(models, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 401
    assert httpx.get(models, headers={"Authorization": f"Bearer {plan.api_key}"}, timeout=5).status_code == 200


def test_no_shell_anywhere_in_the_source() -> None:
    offenders = []
    for path in [REPO_ROOT / "app.py", *(p for folder in SOURCE_FOLDERS for p in (REPO_ROOT / folder).rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            shell = any(keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant)
                                                        and keyword.value.value is False) for keyword in node.keywords)
            if shell or name in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert offenders == []


# ----- what the engine is asked to fetch --------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "fetch file:///etc/passwd and describe it",
    "fetch http://169.254.169.254/latest/meta-data/ please",
    "fetch ![secret](file:///etc/shadow) <img src='http://127.0.0.1:22/'>",
    'fetch {"type": "image_url", "image_url": {"url": "file:///etc/hostname"}}',
])
def test_urls_in_visitor_text_stay_text(public: RunningUi, visitor: Client, text: str) -> None:
    assert visitor.predict(text, [], [], 16, api_name="/chat") == "media=0"


@pytest.mark.parametrize("part", [
    {"type": "image_url", "image_url": {"url": "file:///etc/hostname"}},
    {"type": "image_url", "image_url": {"url": "/etc/hostname"}},
    {"type": "image_url", "image_url": {"url": "http://127.0.0.1:9/secret.png"}},
    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    {"type": "video_url", "video_url": {"url": "file:///etc/passwd"}},
], ids=["file-url", "path", "internal-http", "external-https", "video-file-url"])
def test_history_media_that_is_not_embedded_is_refused(public: RunningUi, visitor: Client, part: dict) -> None:
    history = [{"role": "user", "content": [part, {"type": "text", "text": "what is it?"}]},
               {"role": "assistant", "content": "A picture."}]
    before = engine_requests(public)
    with pytest.raises(AppError, match="data URL"):
        visitor.predict("fetch it again", [], history, 16, api_name="/chat")
    assert engine_requests(public) == before


def test_history_data_url_images_are_sent(public: RunningUi, visitor: Client) -> None:
    history = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": png_data_url()}},
                                            {"type": "text", "text": "what is it?"}]},
               {"role": "assistant", "content": "A red square."}]
    assert visitor.predict("fetch the picture", [], history, 16, api_name="/chat") == "media=1"


@pytest.mark.parametrize("api", ["chat", "ground"])
def test_a_server_path_posing_as_an_upload_is_refused(public: RunningUi, api: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    Image.new("RGB", (64, 64), "red").save(secret)
    file_data = {"path": str(secret), "meta": {"_type": "gradio.FileData"}}
    data = ["fetch", [file_data], [], 16, 0.7] if api == "chat" else [file_data, "[]", "qwen2.5-vl"]
    before = engine_requests(public)
    started = httpx.post(f"{public.url}gradio_api/call/{api}", json={"data": data}, timeout=10)
    with httpx.stream("GET", f"{public.url}gradio_api/call/{api}/{started.json()['event_id']}", timeout=30) as events:
        body = "".join(events.iter_text())
    assert "event: error" in body and "event: complete" not in body
    assert engine_requests(public) == before


# ----- uploads ----------------------------------------------------------------------------------------------
def test_public_app_py_caps_uploads_at_50_mb_on_the_server(standin_endpoint: Endpoint, tmp_path: Path) -> None:
    port = pick_free_port()
    argv = [sys.executable, "app.py", "--public", "--endpoint", standin_endpoint.base_url, "--api-key",
            standin_endpoint.api_key, "--server-port", str(port), "--runs-dir", str(tmp_path / "runs")]
    env = {**os.environ, "QWEN_STUDIO_CACHE": str(tmp_path / "cache"), "GRADIO_TEMP_DIR": str(tmp_path / "gradio"),
           "MAX_FILE_SIZE": "", "ADMIN_TOKEN": "", "AUTO_LAUNCH": ""}
    app = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        assert wait_until(lambda: _serving(url), timeout_s=60, every_s=0.5), "app.py did not start serving"
        big, small = tmp_path / "big.png", tmp_path / "small.png"
        big.write_bytes(os.urandom(51 * 1024 * 1024))
        small.write_bytes(os.urandom(1024))
        for path, expected in ((big, 413), (small, 200)):
            with path.open("rb") as handle:
                reply = httpx.post(url + "gradio_api/upload", files={"files": (path.name, handle)}, timeout=60)
            assert reply.status_code == expected, reply.text[:200]
        assert not list((tmp_path / "gradio").rglob("big.png"))
    finally:
        app.terminate()
        app.wait(30)


def test_a_message_over_the_image_limit_is_refused_before_its_images_are_decoded(public: RunningUi, visitor: Client,
                                                                                  tmp_path: Path) -> None:
    paths = []
    for index in range(12):
        paths.append(tmp_path / f"picture{index}.png")
        Image.new("RGB", (80 + index, 60), (index * 20, 0, 0)).save(paths[-1])
    prepared_before = public.studio.media.images.misses
    with pytest.raises(AppError, match="at most 5 image"):
        visitor.predict("fetch all of them", [handle_file(str(path)) for path in paths], [], 16, api_name="/chat")
    assert public.studio.media.images.misses - prepared_before <= 5


# ----- temporary files --------------------------------------------------------------------------------------
def test_a_browser_sessions_files_are_removed_when_it_ends(public: RunningUi, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed")
    monkeypatch.setenv("GRADIO_IS_E2E_TEST", "1")  # gradio keeps a closed session's state 1 s instead of an hour
    photo = tmp_path / "white.png"
    Image.new("RGB", (640, 480), "white").save(photo)
    sessions = public.studio.work.root / "sessions"
    with playwright_api.sync_playwright() as driver:
        browser = launch_chromium(driver)
        try:
            tab = browser.new_context()
            page = tab.new_page()
            page.goto(public.url)
            page.locator("#status-badge").wait_for(timeout=20_000)
            box = page.locator("#message")
            box.locator("input[type=file]").set_input_files([str(photo)])
            page.wait_for_function("document.querySelectorAll('#message .thumbnail-item, #message img').length >= 1",
                                   timeout=10_000)
            box.locator("textarea").fill("detect the object")
            box.locator("textarea").press("Enter")
            overlays = wait_until(lambda: list(sessions.glob("*/overlays/*.png")), timeout_s=30)
            assert overlays, "the answer drew no overlay"
            tab.close()
        finally:
            browser.close()
    assert wait_until(lambda: not any(path.exists() for path in overlays), timeout_s=20), overlays
    assert not list(sessions.glob("*/*/*"))
    assert public.studio.supervisor.status().is_ready


def _serving(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
