"""Starting the web UI from app.py: detect GPUs, attach or launch at start, then serve until interrupted."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gradio.utils import get_upload_folder

from backend.chat.transport import shared_ssl_context
from backend.engine.exit_handlers import install_exit_handlers
from backend.engine.settings import SupervisorSettings
from backend.engine.supervisor import Supervisor
from backend.hardware import detect_gpus
from backend.media.images import APP_MAX_PIXELS
from backend.plans.planner import PlanRequest
from backend.studio.settings import NO_GPU, StudioSettings
from backend.studio.studio import Studio
from backend.studio.viewer import PUBLIC_MAX_FILE_SIZE, Viewer
from ui.layout import CSS, build_demo, ready_to_serve

# Browser and API sessions whose state Gradio keeps in memory, least recently used dropped first (Gradio's default
# is 10,000). Each costs ~200 KB of Gradio's own copy of the page config plus its conversation, so this bounds the
# app's memory under a public demo's stream of one-off API clients while no active visitor loses a conversation.
STATE_SESSION_CAPACITY = 1000
NO_GPU_HELP = (f"{NO_GPU}, so nothing can be launched here. Run the app where the GPUs are, or attach to a "
               "running server: python app.py --endpoint http://HOST:PORT --api-key KEY (or from the Server tab).")


@dataclass(frozen=True)
class HostingOptions:
    """How app.py asked the UI to run."""

    server_name: str = "127.0.0.1"
    server_port: int = 7860
    launch_at_start: bool = False  # --launch / AUTO_LAUNCH=1: launch the default plan at start
    endpoint: str | None = None  # attach to this OpenAI-compatible server instead of launching
    endpoint_api_key: str = ""
    endpoint_model: str | None = None
    public: bool = False  # --public / PUBLIC_DEMO=1
    admin_token: str = ""  # ADMIN_TOKEN
    max_file_size: str | None = None  # gradio's syntax ("50mb"); public mode defaults to PUBLIC_MAX_FILE_SIZE
    runs_dir: Path = Path("runs")
    image_max_pixels: int = APP_MAX_PIXELS  # --max-pixels / MAX_PIXELS
    fetch_urls: bool = False  # --fetch-urls / FETCH_URLS=1: a public demo fetches image links too
    vllm_program: str = ""  # --vllm / QWEN_STUDIO_VLLM: the vllm that starts vLLM plans


def start_engine(studio: Studio, options: HostingOptions, request: PlanRequest) -> None:
    """Attach to --endpoint, or launch the default plan when asked; say what happened on stderr."""
    if options.endpoint:
        status = studio.supervisor.attach(options.endpoint, options.endpoint_api_key, options.endpoint_model)
        print(f"Endpoint mode: {status.message}", file=sys.stderr)
        return
    if not studio.detected and request.hardware == "auto":
        print(NO_GPU_HELP, file=sys.stderr)
        return
    if not options.launch_at_start:
        return
    plan = studio.plan(request, Viewer())  # the one who started the app is its admin
    if not plan.fits:
        print(f"Not launching at start: {plan.refusal}", file=sys.stderr)
        return
    studio.supervisor.launch(plan)
    print(f"Launching {plan.served_model_name} on {plan.hardware} (tp {plan.tp}, dp {plan.dp}); "
          "the Server tab shows its progress.", file=sys.stderr)


def serve(options: HostingOptions, request: PlanRequest) -> int:
    """Run the UI in the foreground until Ctrl-C / SIGTERM; the engine it launched is stopped on exit."""
    if options.public and not options.admin_token:
        print("Public mode without ADMIN_TOKEN: nobody can launch or stop the engine from the web.", file=sys.stderr)
    max_file_size = options.max_file_size or (PUBLIC_MAX_FILE_SIZE if options.public else None)
    supervisor = Supervisor(options.runs_dir, SupervisorSettings(warmup_max_pixels=options.image_max_pixels,
                                                                 vllm_program=options.vllm_program))
    install_exit_handlers(supervisor)
    upload_folder = Path(get_upload_folder())
    upload_folder.mkdir(parents=True, exist_ok=True)
    # Overlays and exports, gone at exit. Inside gradio's upload folder, the files handlers return are served as
    # they are instead of copied there, so capping the API's overlays and removing a session's folder free the disk.
    with tempfile.TemporaryDirectory(prefix="qwen-vl-studio-", dir=upload_folder) as work_dir:
        settings = StudioSettings(public=options.public, admin_token=options.admin_token, default_request=request,
                              work_dir=Path(work_dir), image_max_pixels=options.image_max_pixels,
                              fetch_urls=True if options.fetch_urls else None)
        studio = Studio(supervisor, settings, tuple(detect_gpus()))
        shared_ssl_context()  # the chat client's TLS settings, built now rather than during the first answer
        start_engine(studio, options, request)
        demo = ready_to_serve(build_demo(studio), studio)
        demo.launch(server_name=options.server_name, server_port=options.server_port, max_file_size=max_file_size,
                    show_error=True, css=CSS, footer_links=["api", "gradio"],
                    state_session_capacity=STATE_SESSION_CAPACITY)
    return 0
