"""The web UI wired to the stand-in engine, for the gradio_client and browser tests.

The context's StandinSupervisor launches real plans rewritten by standin.standin_plan, so the UI goes through the
same launch / status / chat paths as with SGLang. Two H100s are "detected" so auto-hardware plans fit."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import gradio as gr
import httpx

from backend.endpoint import Endpoint
from backend.engine.settings import SupervisorSettings
from backend.engine.status import ServerStatus
from backend.engine.supervisor import Supervisor
from backend.hardware import DetectedGpu, find_gpu
from backend.plans.planner import LaunchPlan, PlanRequest
from backend.studio.studio import Studio, StudioSettings
from standin import standin_plan
from tests.conftest import TEST_SETTINGS, pick_free_port
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

# Debian's Chromium; without the background-networking flags it keeps dialling out on this closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch_chromium(driver):
    """A headless Debian Chromium from a playwright sync driver."""
    return driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def start_ui(root: Path, examples_dir: Path, *, public: bool = False, max_file_size: str | None = None,
             settings_changes: dict[str, object] | None = None, detected: tuple[DetectedGpu, ...] | None = None,
             **standin_options: object) -> RunningUi:
    """Serve the UI on a free port; plans it launches run the stand-in with standin_options; settings_changes
    override StudioSettings fields."""
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
    port = pick_free_port()
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


@contextmanager
def standin_process(served_model_name: str = "Qwen/Qwen2.5-VL-7B-Instruct", *options: str) -> Iterator[Endpoint]:
    """A stand-in engine started by hand (someone else's server, for endpoint mode), ready; killed afterwards."""
    port, key = pick_free_port(), "sk-" + secrets.token_hex(8)
    engine = subprocess.Popen([sys.executable, "-m", "standin", "--port", str(port), "--api-key", key,
                               "--served-model-name", served_model_name, "--load-seconds", "0.1", *options],
                              cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
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
