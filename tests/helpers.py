"""What the tests share besides fixtures (conftest.py holds those): the web UI wired to the stand-in engine, the
engine settings and plans, Chromium, screenshots, the stand-in's counters, batches, model configs.

The Studio's StandinSupervisor launches real plans rewritten by standin.standin_plan, so the UI goes through the
same launch / status / chat paths as with SGLang. Two H100s are "detected" so auto-hardware plans fit."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import gradio as gr
import httpx
from PIL import Image

from backend.endpoint import Endpoint
from backend.engine.settings import SupervisorSettings
from backend.engine.status import ServerStatus
from backend.engine.supervisor import Supervisor
from backend.hardware import DetectedGpu, find_gpu
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan
from backend.plans.ports import free_port as pick_free_port
from backend.studio.session import BrowserSession, TurnView
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from standin import standin_plan
from tests.hostile_inputs import encoded, noise, png_claiming
from ui.batch_api import register_batch_api
from ui.batch_panel import build_batch_panel, wire_batch_panel
from ui.layout import CSS, build_demo, ready_to_serve


class StandinSupervisor(Supervisor):
    """A Supervisor that launches every plan that fits as the stand-in engine, with `options` for it."""

    def __init__(self, runs_dir: Path, settings: SupervisorSettings, **options: object) -> None:
        super().__init__(runs_dir, settings)
        self.options = options

    def launch(self, plan: LaunchPlan) -> ServerStatus:
        return super().launch(standin_plan(plan, **self.options) if plan.fits else plan)


TWO_H100 = (DetectedGpu(0, find_gpu("H100"), "nvml"), DetectedGpu(1, find_gpu("H100"), "nvml"))
ADMIN_TOKEN = "let-me-in"


@dataclass
class RunningUi:
    """A served demo, its context and its URL."""

    url: str
    studio: Studio
    demo: gr.Blocks

    def close(self) -> None:
        """Stop the web server, then the engine it launched."""
        self.demo.close()
        self.studio.supervisor.close()

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        """Block until the shared engine is ready (fail the test otherwise)."""
        status = self.studio.supervisor.wait_ready(timeout_s)
        assert status.is_ready, f"engine not ready: {status.phase} {status.message} {status.log_tail[-5:]}"

    def ensure_ready(self) -> RunningUi:
        """Launch the default plan unless the engine is ready (an earlier test may have stopped or crashed it),
        then wait for it."""
        if not self.studio.supervisor.status().is_ready:
            self.studio.launch(self.studio.settings.default_request, self.studio.viewer())
        self.wait_ready()
        return self

# The two screens every browser test looks at: a desktop and a 390 px phone.
VIEWPORTS = {"desktop": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}

# Debian's Chromium; without the background-networking flags it keeps dialling out on this closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch_chromium(driver):
    """A headless Debian Chromium from a playwright sync driver."""
    return driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def start_ui(root: Path, examples_dir: Path, *, public: bool = False, max_file_size: str | None = None,
             settings_changes: dict[str, object] | None = None, detected: tuple[DetectedGpu, ...] | None = None,
             port: int | None = None, **standin_options: object) -> RunningUi:
    """Serve the UI on a free port; plans it launches run the stand-in with standin_options; settings_changes
    override StudioSettings fields; port: this one instead of a free one."""
    standin_options.setdefault("load_seconds", 1.0)
    standin_options.setdefault("tpot_ms", 20)
    settings = StudioSettings(
        public=public, admin_token=ADMIN_TOKEN if public else "", refresh_s=0.3, work_dir=root / "work",
        examples_dir=examples_dir, default_request=PlanRequest(model="7B", hardware="auto"),
    )
    settings = replace(settings, **(settings_changes or {}))
    studio = Studio(StandinSupervisor(root / "runs", TEST_SETTINGS, **standin_options), settings,
                    TWO_H100 if detected is None else detected)
    demo = ready_to_serve(build_demo(studio), studio)
    port = port or pick_free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS,
                max_file_size=max_file_size)
    return RunningUi(f"http://127.0.0.1:{port}/", studio, demo)


def wait_until(predicate, timeout_s: float = 20.0, every_s: float = 0.1):
    """Poll predicate until it returns something truthy; return it (None after timeout_s)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    return None


def spawn_standin(port: int, key: str, *options: str) -> subprocess.Popen:
    """A stand-in engine on a fixed port, started by hand (someone else's server); the caller kills it."""
    return subprocess.Popen([sys.executable, "-m", "standin", "--port", str(port), "--api-key", key,
                             "--load-seconds", "0.1", *options], cwd=Path(__file__).resolve().parent.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextmanager
def standin_process(served_model_name: str = "Qwen/Qwen2.5-VL-7B-Instruct", *options: str) -> Iterator[Endpoint]:
    """A stand-in engine started by hand (someone else's server, for endpoint mode), ready; killed afterwards."""
    port, key = pick_free_port(), "sk-" + secrets.token_hex(8)
    engine = spawn_standin(port, key, "--served-model-name", served_model_name, *options)
    base_url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _answers(base_url + "/health"), 20), "the stand-in did not come up"
        yield Endpoint(base_url, key, served_model_name)
    finally:
        engine.kill()
        engine.wait(10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


# ----- engine, plans and answers shared by the tests ------------------------------------------------------------
# Fast settings for CPU tests: short grace, quick polling, no long GPU wait.
# warmup_video off: tests that count the warm-up's requests expect the photos only, and each launch saves the
# clip's encode (tests/test_supervisor.py turns it on where the video warm-up itself is the subject)
TEST_SETTINGS = SupervisorSettings(
    grace_s=3.0, ready_timeout_s=60.0, warmup_timeout_s=30.0, poll_s=0.1, health_every_s=0.25,
    health_timeout_s=1.0, unhealthy_after=8, gpu_release_timeout_s=2.0, warmup_video=False,
)


READY_TIMEOUT_S = 30.0


PlanFactory = Callable[..., LaunchPlan]


DEFAULT_ANSWERS = [
    {"match": "(?i)what is in", "answer": "A red square on a blue background."},
    {"match": "(?i)find the cat", "answer": '```json\n[\n\t{"bbox_2d": [10, 20, 110, 220], "label": "cat"}\n]\n```'},
    {"match": "(?i)where is the middle",
     "answer": '```json\n[\n\t{"point_2d": [{input_w}, {input_h}], "label": "corner"}\n]\n```'},
    # the form of Qwen2.5-VL's video-events answers (mm:ss.ff JSON), over a 2 s clip
    {"match": "(?i)localize a series of activity events",
     "answer": '```json\n[{"start_time": "00:00.00", "end_time": "00:01.00", "description": "The screen is dark."},'
               '\n {"start_time": "00:01.00", "end_time": "00:02.00", "description": "It turns light."}]\n```'},
    # a moment an hour into a lecture, in the h:mm:ss.ff form
    {"match": "(?i)when does the speaker write",
     "answer": '[{"start_time": "1:01:30.00", "end_time": "1:02:00.00", "description": "The speaker writes the '
               'formula on the board."}]'},
]


@dataclass(frozen=True)
class StandinServer:
    """A ready stand-in engine and the supervisor holding it."""

    supervisor: Supervisor
    plan: LaunchPlan
    endpoint: Endpoint


def sglang_plan(port: int, model: str = "7B") -> LaunchPlan:
    """A real SGLang launch plan (H100 catalog GPU) on port, as the app would make it (with a fresh API key
    that cannot start with "-", which argparse would take for a flag)."""
    return make_plan(PlanRequest(model=model, hardware="H100", port=port, api_key="k" + secrets.token_hex(16)))


# ----- screenshots and the stand-in's counters ------------------------------------------------------------------
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"


def send(page, text: str, files: list[Path] = ()) -> None:
    """Attach files to the multimodal box, type and press Enter."""
    box = page.locator("#message")
    if files:
        box.locator("input[type=file]").set_input_files([str(path) for path in files])
        page.wait_for_function("n => document.querySelectorAll('#message .thumbnail-item, #message img').length >= n",
                               arg=len(files), timeout=10_000)
    box.locator("textarea").fill(text)
    box.locator("textarea").press("Enter")


def show_tab(page, name: str) -> None:
    """Open a tab the way a person does: its tab button, or on a narrow screen the "More tabs" menu's entry."""
    tab = page.get_by_role("tab", name=name, exact=True)
    if tab.count():
        tab.click()
        return
    page.get_by_label("More tabs").click()
    page.locator(".overflow-dropdown button", has_text=name).click()


def shot(page, name: str) -> None:
    """Save a full-page screenshot for people to look at (test-output/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class RecordingClient(httpx.Client):
    """An httpx client that keeps the JSON body of every chat request it sends."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        super().__init__(event_hooks={"request": [self._record]})

    def _record(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/chat/completions"):
            self.bodies.append(json.loads(request.read()))


# ----- batches -------------------------------------------------------------------------------------------------
# ----- helpers the browser test shares -------------------------------------------------------------------------
def start_batch_ui(root: Path, examples_dir: Path, *, public: bool = False, **standin_options: object) -> RunningUi:
    """A small app of the Batch tab and /batch (as ui/layout.py adds them) on a free port, launching the stand-in."""
    standin_options.setdefault("load_seconds", 0.3)
    standin_options.setdefault("tpot_ms", 2)
    settings = StudioSettings(public=public, admin_token=ADMIN_TOKEN if public else "", refresh_s=0.3,
                          work_dir=root / "work", examples_dir=examples_dir,
                          default_request=PlanRequest(model="7B", hardware="auto"))
    studio = Studio(StandinSupervisor(root / "runs", TEST_SETTINGS, **standin_options), settings, TWO_H100)
    with gr.Blocks(title="batch test") as demo:
        register_batch_api(studio)
        with gr.Tabs(), gr.Tab("Batch", id="batch"):
            panel = build_batch_panel(studio)
        wire_batch_panel(studio, panel)
    demo = ready_to_serve(demo, studio)
    port = pick_free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS)
    running = RunningUi(f"http://127.0.0.1:{port}/", studio, demo)
    studio.launch(settings.default_request, studio.viewer(settings.admin_token))
    running.wait_ready()
    return running


def standin_stats(base_url: str) -> dict:
    """The stand-in's counters at base_url (requests, active, aborted, completed)."""
    return httpx.get(base_url + "/standin/stats", timeout=5).json()


def engine_stats(ui: RunningUi) -> dict:
    """The counters of the stand-in the app's engine runs."""
    return standin_stats(ui.studio.supervisor.status().base_url)


def photos(folder: Path, count: int, start: int = 0) -> list[Path]:
    """count small distinct PNGs."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(start, start + count):
        path = folder / f"photo{index:03d}.png"
        Image.new("RGB", (320 + index % 7, 240), (index * 2 % 256, 90, 160)).save(path)
        paths.append(path)
    return paths


def hostile(folder: Path) -> dict[str, str]:
    """Five files that must be listed as bad, each with the reason (regex) it is listed with."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = {
        "corrupt.jpg": (encoded(noise(640, 480), "JPEG")[:4000], r"truncated or corrupt"),
        "empty.png": (b"", r"empty"),
        "notes.png": (b"<!doctype html><script>alert(1)</script>", r"not an image format"),
        "zero.png": (png_claiming(0, 0), r"not an image format|zero|empty"),
        "giant.png": (png_claiming(60_000, 60_000), r"too large to open safely"),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    return {name: reason for name, (_, reason) in cases.items()}


# ----- model configs -------------------------------------------------------------------------------------------
# The public config.json of Qwen/Qwen2.5-VL-7B-Instruct (the fields that size the model).
QWEN25_VL_7B_CONFIG = {
    "architectures": ["Qwen2_5_VLForConditionalGeneration"],
    "model_type": "qwen2_5_vl",
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "max_position_embeddings": 128000,
    "num_attention_heads": 28,
    "num_hidden_layers": 28,
    "num_key_value_heads": 4,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "vocab_size": 152064,
    "vision_config": {
        "depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
        "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2,
        "spatial_patch_size": 14, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31],
        "tokens_per_second": 2, "temporal_patch_size": 2,
    },
}


def wait_healthy(base_url: str, timeout_s: float = 20.0) -> None:
    """Block until a stand-in's /health answers 200 (fail the test otherwise)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"stand-in at {base_url} never became healthy")


def say(studio: Studio, session: BrowserSession, text: str, paths: Sequence[str] = ()) -> TurnView:
    """Send one message the way the chat panel does and draw its answer; returns what the chat shows for it."""
    media = studio.prepare_media(list(paths))
    updates = session.chat.send(text, media.images, media.videos)
    view = TurnView()
    session.show(updates.turn, view)
    for _update in updates:
        pass
    studio.finish_turn(session, updates.turn, view)
    return view


def phases_until_ready(page, timeout_s: float = 30.0) -> list[str]:
    """The status badge's phases, watched until it says ready or failed (each change once, in order)."""
    phases: list[str] = []

    def settled() -> bool:
        phase = page.locator("#status-badge").get_attribute("data-phase")
        if not phases or phases[-1] != phase:
            phases.append(phase)
        return phase in ("ready", "failed")

    assert wait_until(settled, timeout_s=timeout_s, every_s=0.05), f"never ready; saw {phases}"
    return phases
