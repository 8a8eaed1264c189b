"""The server tab: choose engine / model / hardware / GPUs / context, read the plan live, launch and stop the one
shared engine, watch its load phases and log. Every browser sees the same engine (the Studio's)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.engine.status import Mode, Phase, ServerStatus
from backend.hardware import CATALOG
from backend.plans.errors import PlanInputError
from backend.plans.picker import about_model, picker_choices
from backend.plans.planner import ENGINES
from backend.studio.settings import NO_SERVER_SNIPPET
from backend.studio.studio import Studio
from backend.studio.viewer import Viewer
from ui.errors import shows_user_errors
from ui.plan_choices import AppliedOffer, PanelChoices, after_model_change, current_offer, panel_request, with_offer
from ui.status_view import (
    ATTACH_HELP,
    attached_markdown,
    failure_markdown,
    log_text,
    plan_markdown,
    progress_html,
    verdict_markdown,
)

ENGINE_CONCURRENCY_ID = "engine"
GPU_COUNTS = [("fewest that fit", 0), ("1", 1), ("2", 2), ("4", 4), ("8", 8)]
WEIGHT_CHOICES = [("bf16 (as published)", "none"), ("FP8 (--quantization fp8)", "fp8")]
KV_CHOICES = [("auto (bf16)", "auto"), ("FP8 (fp8_e4m3)", "fp8_e4m3")]


@dataclass
class LaunchPanel:
    """The launch tab's components."""

    engine: gr.Radio
    model: gr.Dropdown
    hardware: gr.Dropdown
    gpus: gr.CheckboxGroup
    gpu_count: gr.Dropdown
    context_length: gr.Number
    weights: gr.Dropdown
    kv_cache: gr.Dropdown
    applied_offer: gr.State  # AppliedOffer | None: what "Use this plan" set, undone when the model changes
    offer_text: gr.Markdown
    use_offer: gr.Button
    plan: gr.Markdown
    command: gr.Code
    snippet: gr.Code
    launch: gr.Button
    verdict: gr.Markdown
    stop: gr.Button
    confirm_row: gr.Row
    confirm_detach: gr.Button
    cancel_detach: gr.Button
    attach_url: gr.Textbox
    attach_key: gr.Textbox
    attach: gr.Button
    notice: gr.Markdown
    server_info: gr.Markdown
    progress: gr.HTML
    failure: gr.Markdown
    log: gr.Code
    model_about: gr.Markdown  # the chosen model's family: what it is good at, and what this model needs

    @property
    def request_inputs(self) -> list[gr.components.Component]:
        """The inputs a plan request is made of, in the order of PanelChoices' fields."""
        return [self.engine, self.model, self.hardware, self.gpus, self.gpu_count, self.context_length, self.weights,
                self.kv_cache]

    @property
    def live_outputs(self) -> list[gr.components.Component]:
        """What refresh_values may fill on every status poll."""
        return [self.progress, self.failure, self.log, self.snippet, self.stop, self.server_info, self.notice,
                self.launch, self.verdict, self.plan, self.command]


def build_launch_panel(studio: Studio) -> LaunchPanel:
    """Create the launch tab's components (inside the caller's Tab)."""
    default = studio.settings.default_request
    editable = studio.viewer().admin
    detected = studio.detected
    if detected:
        names = ", ".join(sorted({gpu.spec.label for gpu in detected}))
        auto_label = f"auto — detected {len(detected)} x {names}"
    else:
        auto_label = "auto — no GPU detected"
    notice = gr.Markdown(elem_id="attach-help")
    hardware_choices = [(auto_label, "auto")] + [(spec.label, spec.name) for spec in CATALOG]
    auto = default.hardware == "auto"
    with gr.Row():
        with gr.Column(scale=2):
            with gr.Row(visible=editable, elem_id="launch-row", equal_height=True):
                launch = gr.Button("Launch", variant="primary", elem_id="launch", visible=editable, scale=0,
                                   min_width=110)
                verdict = gr.Markdown(elem_id="launch-verdict")
            engine = gr.Radio(list(ENGINES), value=default.engine, label="Engine", interactive=editable)
            model = gr.Dropdown(picker_choices(), value=default.model, label="Model", allow_custom_value=True,
                                info="Qwen2.5-VL, Qwen3-VL or Qwen3.5 by size, or a Hugging Face id or local folder",
                                interactive=editable, elem_id="model")
            model_about = gr.Markdown(about_model(default.model), elem_id="model-about")
            hardware = gr.Dropdown(hardware_choices, value=default.hardware, label="Hardware", interactive=editable,
                                   elem_id="hardware")
            gpus = gr.CheckboxGroup([(f"GPU {gpu.index}: {gpu.spec.label}", gpu.index) for gpu in detected],
                                    label="GPUs (none checked: the fewest that fit)", interactive=editable,
                                    visible=auto and bool(detected), elem_id="gpus")
            gpu_count = gr.Dropdown(GPU_COUNTS, value=int(default.gpus) if (default.gpus or "").isdigit() else 0,
                                    label="GPU count", visible=not auto, interactive=editable, elem_id="gpu-count")
            context_length = gr.Number(default.context_length, label="Context length (0: the model's full length)",
                                       precision=0, minimum=0, interactive=editable)
            with gr.Row():
                weights = gr.Dropdown(WEIGHT_CHOICES, value=default.quantization, label="Weights",
                                      interactive=editable, elem_id="weights",
                                      info="4-bit: pick an -AWQ model")
                kv_cache = gr.Dropdown(KV_CHOICES, value=default.kv_cache_dtype, label="KV cache",
                                       interactive=editable, elem_id="kv-cache")
            with gr.Row(equal_height=True):
                offer_text = gr.Markdown(elem_id="quantized-offer")
                use_offer = gr.Button("Use this plan", visible=False, size="sm", elem_id="use-quantized", scale=0)
            stop = gr.Button("Stop engine", variant="secondary", elem_id="stop-engine", visible=editable,
                             interactive=False)
            with gr.Row(visible=False, elem_id="confirm-detach") as confirm_row:
                gr.Markdown("Detach from this server **for every visitor**? Chats stop until a server is attached "
                            "or launched again.")
                confirm_detach = gr.Button("Yes, detach", variant="stop", size="sm", elem_id="confirm-detach-yes")
                cancel_detach = gr.Button("Cancel", size="sm", elem_id="confirm-detach-no")
            with gr.Accordion("Attach to a running server", open=not detected, visible=editable, elem_id="attach"):
                attach_url = gr.Textbox(label="Server URL", placeholder="http://gpu-host:30000", elem_id="attach-url")
                attach_key = gr.Textbox(label="API key", type="password", elem_id="attach-key")
                attach = gr.Button("Attach", elem_id="attach-button")
            progress = gr.HTML(elem_id="progress")
            failure = gr.Markdown(elem_id="failure")
        with gr.Column(scale=3):
            server_info = gr.Markdown(elem_id="server-info")
            plan = gr.Markdown(elem_id="plan")
            command = gr.Code(label="Launch command (copy-paste, on the GPU host)", language="shell", lines=4,
                              max_lines=16, interactive=False, elem_id="command",
                              wrap_lines=True)  # the note on what the address exposes is read whole
            snippet = gr.Code(NO_SERVER_SNIPPET, language="python", label="Client snippet", lines=8, max_lines=20,
                              interactive=False, elem_id="snippet")
    with gr.Accordion("Engine log", open=False):
        log = gr.Code(label="Last lines", lines=14, max_lines=14, interactive=False, elem_id="engine-log")
    return LaunchPanel(engine, model, hardware, gpus, gpu_count, context_length, weights, kv_cache,
                       gr.State(None), offer_text,
                       use_offer, plan, command, snippet, launch,
                       verdict, stop, confirm_row, confirm_detach, cancel_detach, attach_url, attach_key, attach,
                       notice, server_info, progress, failure, log, model_about)


def wire_launch_panel(studio: Studio, panel: LaunchPanel, demo: gr.Blocks) -> None:
    """Live plan preview with Launch enabled only for a plan this host can run; launch / stop / detach / attach
    (one at a time, on one concurrency id); the hardware switch."""
    viewer = studio.viewer()  # the browser: the admin of a private app, a visitor of a public demo

    def preview(*values) -> tuple:
        return preview_values(studio, viewer, PanelChoices(*values))

    def model_changed(applied: AppliedOffer | None, *values) -> tuple:
        """A new model: leaving the model "Use this plan" set puts back the weights and KV cache it replaced, and
        the plan is previewed with them (one answer, so no stale preview can land after it)."""
        choices = PanelChoices(*values)
        kept, still_applied = after_model_change(choices, applied)
        if kept is choices:
            return gr.skip(), gr.skip(), gr.skip(), *preview_values(studio, viewer, choices)
        return (kept.quantization, kept.kv_cache_dtype, still_applied, *preview_values(studio, viewer, kept))

    def use_offer(*values) -> tuple:
        choices = PanelChoices(*values)
        chosen, applied = with_offer(choices, current_offer(studio, viewer, choices))
        if applied is None:  # the suggestion is gone (the choices changed meanwhile)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return chosen.model, chosen.quantization, chosen.kv_cache_dtype, applied

    def switch_hardware(hardware: str) -> tuple[gr.CheckboxGroup, gr.Dropdown]:
        auto = hardware == "auto"
        return gr.CheckboxGroup(visible=auto and bool(studio.detected)), gr.Dropdown(visible=not auto)

    def shown(status: ServerStatus) -> tuple[str, str]:
        status = viewer.shown(status)
        return progress_html(status), failure_markdown(status)

    def launch_clicked(*values) -> tuple[str, str]:
        return shown(studio.launch(panel_request(studio, PanelChoices(*values)), viewer))

    def stop_clicked() -> tuple[gr.Row, str, str]:
        status = studio.supervisor.status()
        if status.mode is Mode.ATTACHED:  # detaching affects every visitor: ask first
            return gr.Row(visible=True), *shown(status)
        return gr.Row(visible=False), *stopped()

    def stopped() -> tuple[str, str]:
        return shown(studio.stop(viewer))

    def attach_clicked(url: str, key: str) -> tuple[str, str]:
        return shown(studio.attach(url, key, viewer))

    previewed = [panel.plan, panel.command, panel.launch, panel.verdict, panel.offer_text, panel.use_offer]
    quiet = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    for component in panel.request_inputs:
        if component is not panel.model:
            component.change(preview, panel.request_inputs, previewed, **quiet)
    panel.model.change(about_model, panel.model, panel.model_about, **quiet)
    panel.model.change(model_changed, [panel.applied_offer, *panel.request_inputs],
                       [panel.weights, panel.kv_cache, panel.applied_offer, *previewed], **quiet)
    for component in (panel.weights, panel.kv_cache):  # chosen by hand: no longer the offer's to undo
        component.input(lambda: None, None, panel.applied_offer, **quiet)
    panel.hardware.change(switch_hardware, [panel.hardware], [panel.gpus, panel.gpu_count], queue=False,
                          api_visibility="private")
    demo.load(preview, panel.request_inputs, previewed, api_visibility="private", queue=False)
    if viewer.admin:
        engine_queue = {"concurrency_limit": 1, "concurrency_id": ENGINE_CONCURRENCY_ID, "api_visibility": "private"}
        outputs = [panel.progress, panel.failure]
        panel.launch.click(shows_user_errors(launch_clicked), panel.request_inputs, outputs, **engine_queue)
        panel.stop.click(shows_user_errors(stop_clicked), None, [panel.confirm_row, *outputs], **engine_queue)
        detached = panel.confirm_detach.click(lambda: gr.Row(visible=False), None, panel.confirm_row, queue=False,
                                              api_visibility="private").then(shows_user_errors(stopped), None,
                                                                             outputs, **engine_queue)
        detached.then(preview, panel.request_inputs, previewed, api_visibility="private", queue=False)
        panel.cancel_detach.click(lambda: gr.Row(visible=False), None, panel.confirm_row, queue=False,
                                  api_visibility="private")
        panel.use_offer.click(use_offer, panel.request_inputs,
                              [panel.model, panel.weights, panel.kv_cache, panel.applied_offer], **quiet)
        attached = panel.attach.click(shows_user_errors(attach_clicked), [panel.attach_url, panel.attach_key],
                                      outputs, **engine_queue)
        attached.then(preview, panel.request_inputs, previewed, api_visibility="private", queue=False)


def preview_values(studio: Studio, viewer: Viewer, choices: PanelChoices) -> tuple:
    """The plan for these choices as the panel shows it: explanation, command, Launch enabled or not with the
    reason beside it, and the quantized suggestion with its "Use this plan" button."""
    request = panel_request(studio, choices)
    try:
        plan = studio.shown_plan(request, viewer)
    except PlanInputError as error:
        return (f"### ⚠ {error}", gr.Code("", visible=False), gr.Button(interactive=False), f"✗ {error}", "",
                gr.Button(visible=False))
    refusal = studio.launch_refusal(request, plan)
    offer = plan.quantized
    attached = studio.supervisor.status().mode is Mode.ATTACHED  # the attached server is shown instead
    return (gr.Markdown(plan_markdown(plan, viewer), visible=not attached),
            gr.Code(viewer.command(plan) if plan.fits else "", visible=plan.fits and not attached),
            gr.Button(interactive=not refusal), verdict_markdown(refusal),
            f"💡 {offer.text}" if offer else "", gr.Button(visible=offer is not None and viewer.admin))


def refresh_values(panel: LaunchPanel, studio: Studio, page_url: str) -> dict:
    """The launch tab's live values for one status snapshot, as the browser may read them: controls follow the
    state (launched: Stop; attached: Detach; nothing to stop: disabled)."""
    viewer = studio.viewer()
    status, endpoint = studio.status(viewer), studio.endpoint()
    attached = status.mode is Mode.ATTACHED
    busy = status.phase in (Phase.STARTING, Phase.STOPPING)
    stoppable = status.phase not in (Phase.IDLE, Phase.STOPPED) and not busy
    model = endpoint.model if endpoint else studio.supervisor.served_model()
    samples = studio.server_metrics.refresh(endpoint) if attached and status.is_ready else []
    info = attached_markdown(status, model, samples[-1] if samples else None) if attached else ""
    values = {  # an attached server's health is said once, in `info`
        panel.progress: progress_html(status), panel.failure: "" if attached else failure_markdown(status),
        panel.log: log_text(status), panel.snippet: studio.client_snippet(viewer, page_url),
        panel.stop: gr.Button("Detach" if attached else "Stop engine", interactive=stoppable,
                              variant="stop" if stoppable else "secondary"),
        panel.server_info: info,
        panel.notice: "" if attached or studio.detected or not viewer.admin else ATTACH_HELP,
    }
    if attached:
        values[panel.plan], values[panel.command] = gr.Markdown(visible=False), gr.Code(visible=False)
    if refusal := studio.host_refusal():
        values[panel.launch] = gr.Button(interactive=False)
        values[panel.verdict] = verdict_markdown(refusal)
    return values
