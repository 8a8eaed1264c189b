"""The named API endpoints through gradio_client, against the UI wired to the stand-in engine; and app.py serving
the UI in endpoint mode."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from gradio.utils import get_upload_folder
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from backend.endpoint import Endpoint
from backend.studio.files import RecentFiles
from tests.helpers import ADMIN_TOKEN, RunningUi, pick_free_port, start_ui, wait_until

REPO_ROOT = Path(__file__).resolve().parent.parent
BOX_COLOR = (230, 25, 75)  # backend.grounding.draw.PALETTE[0]


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The UI (not public) whose launches run the stand-in."""
    running = start_ui(tmp_path_factory.mktemp("api-ui"), examples_dir, load_seconds=0.5, tpot_ms=5)
    yield running
    running.close()


@pytest.fixture(scope="module")
def client(ui: RunningUi) -> Client:
    """A gradio_client for the UI."""
    return Client(ui.url, verbose=False)


@pytest.fixture
def ready(ui: RunningUi, client: Client) -> Client:
    """The client, with the shared engine launched (through /launch) and ready."""
    if not ui.studio.supervisor.status().is_ready:
        client.predict("7B", "auto", "", "sglang", 0, "", api_name="/launch")
    ui.wait_ready()
    return client


def white_image(path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A white PNG of size (width, height)."""
    Image.new("RGB", size, "white").save(path)
    return path


def test_plan_refuses_72b_on_one_h100_and_says_why(client: Client) -> None:
    text, fits = client.predict("72B", "H100", "1", "sglang", 0, api_name="/plan")
    assert fits is False
    assert "146.8 GB" in text and "4 x H100 80 GB (tp 4)" in text


def test_plan_for_7b_on_the_detected_gpus_gives_the_command(client: Client) -> None:
    text, fits = client.predict("7B", "auto", "", "sglang", 32768, api_name="/plan")
    assert fits is True
    assert "-m sglang.launch_server" in text and "--tp-size 1" in text and "--context-length 32768" in text
    assert "CUDA_VISIBLE_DEVICES=0" in text


def test_plan_with_an_unknown_gpu_name_is_a_clear_error(client: Client) -> None:
    with pytest.raises(AppError, match="unknown hardware 'Z80'"):
        client.predict("7B", "Z80", "", "sglang", 0, api_name="/plan")


def test_private_plan_reads_local_model_folders_as_before(client: Client, tmp_path: Path) -> None:
    with pytest.raises(AppError, match="no config.json in this folder"):
        client.predict(str(tmp_path), "auto", "", "sglang", 0, api_name="/plan")
    with pytest.raises(AppError, match="no such folder"):
        client.predict(str(tmp_path / "missing"), "auto", "", "sglang", 0, api_name="/plan")


def test_launch_then_status_reports_the_phases_and_ready(ui: RunningUi, client: Client) -> None:
    if ui.studio.supervisor.status().phase.value != "idle":
        ui.studio.stop(ui.studio.viewer())
    started = client.predict("7B", "auto", "1", "sglang", 0, "", api_name="/launch")
    assert started["phase"] == "starting" and started["plan"]["gpu_ids"] == [0]
    status = wait_until(lambda: (s := client.predict(api_name="/status"))["ready"] and s, timeout_s=30)
    assert status, client.predict(api_name="/status")
    phases = [mark["phase"] for mark in status["phases"]]
    assert phases[0] == "starting" and phases[-1] == "ready" and "loading weights" in phases
    assert status["model"] == "Qwen/Qwen2.5-VL-7B-Instruct" and status["plan"]["tp"] == 1


def test_chat_streams_a_growing_answer_about_the_image(ready: Client, tmp_path: Path) -> None:
    job = ready.submit("describe it", [handle_file(str(white_image(tmp_path / "w.png")))], [], 60, api_name="/chat")
    partials = list(job)
    final = job.result()
    assert final.startswith("Stand-in saw 1 image: 644x476 (391 tokens).")
    assert len(partials) >= 3 and all(final.startswith(part) for part in partials)
    assert len(set(partials)) >= 3


def test_chat_sends_the_history_with_its_images(ready: Client, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 320), "red").save(buffer, format="PNG")
    data_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    history = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url}},
                                     {"type": "text", "text": "what colour?"}]},
        {"role": "assistant", "content": "Red."},
    ]
    final = ready.predict("describe both", [handle_file(str(white_image(tmp_path / "w.png")))], history, 40,
                          api_name="/chat")
    assert final.startswith("Stand-in saw 2 images: 308x308 (121 tokens), 644x476 (391 tokens).")


def test_chat_refuses_a_link_in_the_history(ready: Client) -> None:
    history = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://169.254.169.254/x.png"}},
                                            {"type": "text", "text": "what is it?"}]},
               {"role": "assistant", "content": "A cat."}]
    with pytest.raises(AppError, match="history message 1, image 1: .*links are never fetched"):
        ready.predict("and now?", [], history, api_name="/chat")


def test_chat_with_a_corrupt_file_names_it_and_why(ready: Client, tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(AppError, match="broken.png: This file is not an image"):
        ready.predict("what is this?", [handle_file(str(broken))], [], api_name="/chat")


def test_ground_maps_the_box_to_original_pixels_and_draws_it(client: Client, tmp_path: Path) -> None:
    photo = white_image(tmp_path / "wide.png", (1280, 720))  # model input 1288x728
    answer = '```json\n[{"bbox_2d": [322, 182, 966, 546], "label": "car"}]\n```'
    overlay_path, items = client.predict(handle_file(str(photo)), answer, "qwen2.5-vl", api_name="/ground")
    assert items[0]["label"] == "car"
    assert items[0]["bbox"] == [320.0, 180.0, 960.0, 540.0]
    overlay = Image.open(overlay_path).convert("RGB")
    assert overlay.size == (1280, 720)
    assert overlay.getpixel((321, 360)) == BOX_COLOR and overlay.getpixel((640, 360)) == (255, 255, 255)


def test_ground_keeps_only_the_newest_overlays_and_the_latest_still_downloads(
        examples_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("backend.studio.studio.API_OVERLAY_CAP", 3)
    uploads = Path(get_upload_folder())
    uploads.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="api-overlays-", dir=uploads))  # where app.py puts its work folder
    running = start_ui(root, examples_dir)
    try:
        client = Client(running.url, verbose=False, download_files=str(tmp_path / "downloads"))
        kept_folder = running.studio.api_overlays.folder
        photo = white_image(root / "wide.png", (1280, 720))  # model input 1288x728: x_input * 160/161 = x
        downloads = []
        for index in range(6):
            answer = f'[{{"bbox_2d": [{161 * (2 + index)}, 182, 1288, 546], "label": "box {index}"}}]'
            overlay_path, items = client.predict(handle_file(str(photo)), answer, "qwen2.5-vl", api_name="/ground")
            downloads.append(Path(overlay_path))
            assert items[0]["bbox"][0] == 160.0 * (2 + index)
            assert len(list(kept_folder.glob("*.png"))) == min(index + 1, 3)
        assert sorted(path.name for path in kept_folder.iterdir()) == sorted(path.name for path in downloads[-3:])
        latest = Image.open(downloads[-1]).convert("RGB")
        assert latest.getpixel((1121, 360)) == BOX_COLOR and latest.getpixel((961, 360)) == (255, 255, 255)
        served = {path.name: httpx.get(f"{running.url}gradio_api/file={kept_folder / path.name}", timeout=10)
                  for path in (downloads[0], downloads[-1])}
        assert served[downloads[0].name].status_code == 403  # the oldest is gone
        assert served[downloads[-1].name].content == downloads[-1].read_bytes()
        copies = [path for path in uploads.rglob("*.png") if path.name in {item.name for item in downloads}]
        assert sorted(copies) == sorted(kept_folder.iterdir())  # served where they are, never copied elsewhere
    finally:
        running.close()
        shutil.rmtree(root, ignore_errors=True)


def test_recent_files_keep_the_cap_under_concurrent_writers(tmp_path: Path) -> None:
    recent = RecentFiles(tmp_path / "kept", cap=5)
    written: list[Path] = []

    def writer() -> None:
        for _ in range(25):
            written.append(recent.write(".txt", lambda path: path.write_text("x")))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(written) == 200
    assert len(list((tmp_path / "kept").iterdir())) == 5


def test_a_failed_overlay_write_leaves_nothing_behind(tmp_path: Path) -> None:
    recent = RecentFiles(tmp_path / "kept", cap=5)

    def half_written(path: Path) -> None:
        path.write_bytes(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        recent.write(".png", half_written)
    assert list((tmp_path / "kept").iterdir()) == []


def test_ground_without_boxes_returns_no_overlay(client: Client, tmp_path: Path) -> None:
    overlay_path, items = client.predict(handle_file(str(white_image(tmp_path / "w.png"))), "A white square.",
                                         "qwen2.5-vl", api_name="/ground")
    assert overlay_path is None and items == []


def test_public_mode_launch_and_stop_need_the_admin_token(tmp_path: Path, examples_dir: Path) -> None:
    public = start_ui(tmp_path, examples_dir, public=True, max_file_size="20kb", load_seconds=0.3, tpot_ms=2)
    try:
        visitor = Client(public.url, verbose=False)
        with pytest.raises(AppError, match="admin token"):
            visitor.predict("7B", "auto", "", "sglang", 0, "wrong", api_name="/launch")
        assert public.studio.supervisor.status().phase.value == "idle"
        started = visitor.predict("7B", "auto", "", "sglang", 0, ADMIN_TOKEN, api_name="/launch")
        assert started["phase"] == "starting" and started["log_tail"] == []
        with pytest.raises(AppError, match="admin token"):
            visitor.predict("", api_name="/stop")
        assert visitor.predict(ADMIN_TOKEN, api_name="/stop")["phase"] == "stopped"
        with pytest.raises(AppError, match="No model server is running"):
            visitor.predict("hello?", [], [], api_name="/chat")
        big = tmp_path / "big.png"
        Image.frombytes("RGB", (100, 100), os.urandom(30_000)).save(big)  # ~30 KB of noise: over the 20 kB cap
        with pytest.raises(ValueError, match="exceeds the maximum file size of 20480 bytes"):
            visitor.predict(handle_file(str(big)), "[]", "qwen2.5-vl", api_name="/ground")
    finally:
        public.close()


def test_app_py_serves_the_ui_attached_to_an_endpoint(standin_endpoint: Endpoint, tmp_path: Path) -> None:
    port = pick_free_port()
    argv = [sys.executable, "app.py", "--endpoint", standin_endpoint.base_url, "--api-key", standin_endpoint.api_key,
            "--server-port", str(port), "--runs-dir", str(tmp_path / "runs")]
    env = {**os.environ, "QWEN_STUDIO_CACHE": str(tmp_path / "cache"), "AUTO_LAUNCH": "", "PUBLIC_DEMO": ""}
    process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        client = wait_until(lambda: _connect(f"http://127.0.0.1:{port}/"), timeout_s=60, every_s=0.5)
        assert client is not None, "app.py did not start serving"
        status = client.predict(api_name="/status")
        assert status["ready"] and status["mode"] == "attached"
        assert client.predict("What is in the picture?", [], [], api_name="/chat") == \
            "A red square on a blue background."
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert "Endpoint mode: Attached to" in output


def _connect(url: str) -> Client | None:
    try:
        return Client(url, verbose=False)
    except (httpx.HTTPError, ValueError, OSError):  # not serving yet
        return None


def test_one_checked_gpu_of_this_host_is_planned_on_that_gpu() -> None:
    from backend.hardware import DetectedGpu, find_gpu
    from backend.plans.planner import PlanRequest, make_plan
    from ui.plan_choices import gpus_choice, plan_request

    detected = tuple(DetectedGpu(index, find_gpu("H100"), "nvml") for index in range(4))
    request = plan_request(PlanRequest(port=31234, api_key="k1"), "sglang", "7B", "auto",
                           gpus_choice("auto", [2], None), 0)
    plan = make_plan(replace(request, detected=detected))
    assert (plan.gpu_ids, plan.dp) == ((2,), 1)


def test_too_many_uploads_are_refused_before_any_is_read(ui: RunningUi, tmp_path: Path) -> None:
    from backend.media.uploads import UploadError

    missing = [str(tmp_path / f"never-written-{index}.png") for index in range(6)]  # reading one would fail
    with pytest.raises(UploadError, match=r"6 image\(s\) and 0 video\(s\); one request may carry at most 5") as error:
        ui.studio.prepare_media(missing)
    assert error.value.path == ""
