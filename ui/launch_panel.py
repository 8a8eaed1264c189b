"""The server tab: choose engine / model / hardware / GPUs / context, read the plan live, launch and stop the one
shared engine, watch its load phases and log. Every browser sees the same engine (the context's Supervisor)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import gradio as gr

from backend.endpoint import Endpoint
from backend.engine.status import Phase, ServerStatus
from backend.engine.supervisor import LaunchRefused
from backend.hardware import CATALOG
from backend.models import CATALOG as MODEL_CATALOG
from backend.plans.commands import python_snippet
from backend.plans.errors import PlanInputError
from backend.plans.planner import ENGINES, PlanRequest
from ui.context import AdminRequired, AppContext
from ui.status_view import (
    ATTACH_HELP,
    failure_markdown,
    log_text,
    mask_secret,
    plan_markdown,
    progress_html,
)

ENGINE_CONCURRENCY_ID = "engine"
NO_SERVER_SNIPPET = "# No server is answering yet: launch or attach one."
GPU_COUNTS = [("fewest that fit", 0), ("1", 1), ("2", 2), ("4", 4), ("8", 8)]


@dataclass
class LaunchPanel:
    """The launch tab's components."""

    engine: gr.Radio
    model: gr.Dropdown
    hardware: gr.Dropdown
    gpus: gr.CheckboxGroup
    gpu_count: gr.Dropdown
    context_length: gr.Number
    plan: gr.Markdown
    command: gr.Textbox
    snippet: gr.Code
    launch: gr.Button
    stop: gr.Button
    progress: gr.HTML
    failure: gr.Markdown
    log: gr.Code

    @property
    def request_inputs(self) -> list[gr.components.Component]:
        """The inputs a plan request is made of."""
        return [self.engine, self.model, self.hardware, self.gpus, self.gpu_count, self.context_length]


def gpus_choice(hardware: str, checked: list[int] | None, count: int | None) -> str | tuple[int, ...] | None:
    """The GPU choice the panel describes: checked GPUs of this host (indices), or a count of a catalog GPU."""
    if hardware != "auto":
        return str(int(count)) if count else None
    return tuple(sorted(int(index) for index in checked or [])) or None


def plan_request(base: PlanRequest, engine: str, model: str, hardware: str, gpus: str | tuple[int, ...] | None,
                 context_length: float | None) -> PlanRequest:
    """The base request (host, port, key, extra flags from the command line) with the user's choices."""
    return replace(base, model=(model or "7B").strip(), hardware=(hardware or "auto").strip(),
                   gpus=gpus if isinstance(gpus, tuple) else (gpus or "").strip() or None, engine=engine or "sglang",
                   context_length=int(context_length) if context_length else None)


def panel_request(context: AppContext, engine: str, model: str, hardware: str, checked: list[int] | None,
                  count: int | None, context_length: float | None) -> PlanRequest:
    """The request for the launch panel's current values."""
    return plan_request(context.settings.default_request, engine, model, hardware,
                        gpus_choice(hardware, checked, count), context_length)


def build_launch_panel(context: AppContext) -> LaunchPanel:
    """Create the launch tab's components (inside the caller's Tab)."""
    default, public = context.settings.default_request, context.settings.public
    editable = not public
    detected = context.detected
    if detected:
        names = ", ".join(sorted({gpu.spec.label for gpu in detected}))
        auto_label = f"auto — detected {len(detected)} x {names}"
    else:
        auto_label = "auto — no GPU detected"
        gr.Markdown(ATTACH_HELP, elem_id="attach-help")
    hardware_choices = [(auto_label, "auto")] + [(spec.label, spec.name) for spec in CATALOG]
    auto = default.hardware == "auto"
    with gr.Row():
        with gr.Column(scale=2):
            engine = gr.Radio(list(ENGINES), value=default.engine, label="Engine", interactive=editable)
            model = gr.Dropdown(list(MODEL_CATALOG), value=default.model, label="Model", allow_custom_value=True,
                                info="3B / 7B / 32B / 72B Instruct, or a Hugging Face id or local folder",
                                interactive=editable, elem_id="model")
            hardware = gr.Dropdown(hardware_choices, value=default.hardware, label="Hardware", interactive=editable,
                                   elem_id="hardware")
            gpus = gr.CheckboxGroup([(f"GPU {gpu.index}: {gpu.spec.label}", gpu.index) for gpu in detected],
                                    label="GPUs (none checked: the fewest that fit)", interactive=editable,
                                    visible=auto and bool(detected), elem_id="gpus")
            gpu_count = gr.Dropdown(GPU_COUNTS, value=int(default.gpus) if (default.gpus or "").isdigit() else 0,
                                    label="GPU count", visible=not auto, interactive=editable, elem_id="gpu-count")
            context_length = gr.Number(default.context_length, label="Context length (0: the model's full length)",
                                       precision=0, minimum=0, interactive=editable)
            with gr.Row(visible=editable):
                launch = gr.Button("Launch", variant="primary", elem_id="launch", visible=editable)
                stop = gr.Button("Stop engine", variant="stop", elem_id="stop-engine", visible=editable)
            progress = gr.HTML(elem_id="progress")
            failure = gr.Markdown(elem_id="failure")
        with gr.Column(scale=3):
            plan = gr.Markdown(elem_id="plan")
            command = gr.Textbox(label="Launch command (copy-paste)", lines=3, max_lines=6, buttons=["copy"],
                                 interactive=False, elem_id="command")
            snippet = gr.Code(NO_SERVER_SNIPPET, language="python", label="Client snippet for the running server",
                              lines=8, max_lines=20, interactive=False, elem_id="snippet")
    with gr.Accordion("Engine log", open=False):
        log = gr.Code(label="Last lines", lines=14, max_lines=14, interactive=False, elem_id="engine-log")
    return LaunchPanel(engine, model, hardware, gpus, gpu_count, context_length, plan, command, snippet, launch,
                       stop, progress, failure, log)


def wire_launch_panel(context: AppContext, panel: LaunchPanel, demo: gr.Blocks) -> None:
    """Live plan preview, launch / stop (one at a time, on one concurrency id), and the hardware switch."""
    public = context.settings.public

    def preview(engine: str, model: str, hardware: str, gpus: list[int], gpu_count: int,
                context_length: float | None) -> tuple[str, gr.Textbox]:
        request = panel_request(context, engine, model, hardware, gpus, gpu_count, context_length)
        try:
            plan = context.plan(request)
        except PlanInputError as error:
            return f"### ⚠ {error}", gr.Textbox("", visible=False)
        command = mask_secret(plan.shell_line(), plan.api_key if public else "") if plan.fits else ""
        return plan_markdown(plan, public), gr.Textbox(command, visible=plan.fits)

    def switch_hardware(hardware: str) -> tuple[gr.CheckboxGroup, gr.Dropdown]:
        auto = hardware == "auto"
        return gr.CheckboxGroup(visible=auto and bool(context.detected)), gr.Dropdown(visible=not auto)

    def launch_clicked(engine: str, model: str, hardware: str, gpus: list[int], gpu_count: int,
                       context_length: float | None) -> tuple[str, str]:
        request = panel_request(context, engine, model, hardware, gpus, gpu_count, context_length)
        try:
            status = context.launch(request)
        except (AdminRequired, LaunchRefused, PlanInputError) as error:
            raise gr.Error(str(error)) from None
        return progress_html(status), failure_markdown(status)

    def stop_clicked() -> tuple[str, str]:
        try:
            status = context.stop()
        except AdminRequired as error:
            raise gr.Error(str(error)) from None
        return progress_html(status), failure_markdown(status)

    previewed = [panel.plan, panel.command]
    for component in panel.request_inputs:
        component.change(preview, panel.request_inputs, previewed, api_visibility="private", queue=False,
                         show_progress="hidden")
    panel.hardware.change(switch_hardware, [panel.hardware], [panel.gpus, panel.gpu_count], queue=False,
                          api_visibility="private")
    demo.load(preview, panel.request_inputs, previewed, api_visibility="private", queue=False)
    if not public:
        engine_queue = {"concurrency_limit": 1, "concurrency_id": ENGINE_CONCURRENCY_ID, "api_visibility": "private"}
        panel.launch.click(launch_clicked, panel.request_inputs, [panel.progress, panel.failure], **engine_queue)
        panel.stop.click(stop_clicked, None, [panel.progress, panel.failure], **engine_queue)


def client_snippet(endpoint: Endpoint | None, public: bool) -> str:
    """An openai-client program for the server that answers now (API key masked in public mode)."""
    if endpoint is None:
        return NO_SERVER_SNIPPET
    snippet = python_snippet(endpoint.base_url, endpoint.api_key, endpoint.model)
    return mask_secret(snippet, endpoint.api_key if public else "")


def refresh_values(panel: LaunchPanel, status: ServerStatus, endpoint: Endpoint | None, public: bool) -> dict:
    """The launch tab's live values for one status snapshot (the engine's API key masked in public mode)."""
    busy = status.phase in (Phase.STARTING, Phase.STOPPING)
    log = mask_secret(log_text(status), status.plan.api_key if public and status.plan else "")
    return {panel.progress: progress_html(status), panel.failure: failure_markdown(status), panel.log: log,
            panel.snippet: client_snippet(endpoint, public),
            panel.stop: gr.Button(interactive=status.phase not in (Phase.IDLE, Phase.STOPPED) and not busy)}
