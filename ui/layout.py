"""The whole Blocks app: a status badge, then Chat, Grounding, Extract, Batch and Server tabs, a timer that polls the shared engine,
and the named API endpoints. `build_demo(studio)` makes it over one Studio; `ready_to_serve` sets up its queue."""

from __future__ import annotations

import time

import gradio as gr

from backend.studio.studio import Studio
from ui.api import register_api
from ui.batch_api import register_batch_api
from ui.batch_panel import build_batch_panel, wire_batch_panel
from ui.chat_panel import build_chat_panel, wire_chat_panel
from ui.extract_panel import build_extract_panel, wire_extract_panel
from ui.grounding_panel import build_grounding_panel, wire_grounding_panel
from ui.launch_panel import build_launch_panel, refresh_values, wire_launch_panel
from ui.lazy_session_state import render_session_configs_lazily
from ui.status_view import server_frame, status_badge
from ui.timeline_view import CSS as MOMENTS_CSS

TITLE = "Qwen-VL studio"
CSS = """
#status-badge { font-size: 0.95rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#chatbot img { max-height: 420px; object-fit: contain; }
#launch-row { flex-wrap: nowrap !important; align-items: center; }
#launch-row > #launch-verdict { min-width: 0 !important; flex: 1 1 auto; }
#launch-row > #launch { flex: 0 0 auto; }
button:disabled { opacity: 0.45; cursor: not-allowed; }
#chat-actions { flex-wrap: nowrap !important; }
@media (max-width: 640px) {
  #title p { display: none; }
  #title-row { flex-wrap: wrap !important; gap: 0 !important; }
  #title-row > * { min-width: 100% !important; }
  /* 300 px while short, so the presets stay in view; it grows with the conversation up to the viewport */
  #chatbot { height: auto !important; min-height: 300px; max-height: calc(100vh - 120px) !important; }
  #chatbot img { max-height: 40vh; }
}
""" + MOMENTS_CSS


def build_demo(studio: Studio) -> gr.Blocks:
    """The app over this Studio (not launched)."""
    cache = (studio.settings.cache_check_every_s, studio.settings.cache_max_age_s)
    with gr.Blocks(title=TITLE, delete_cache=cache) as demo:
        register_api(studio)  # first, so the named endpoints get their names
        register_batch_api(studio)
        with gr.Row(equal_height=True, elem_id="title-row"):
            gr.Markdown(f"## {TITLE}\nChat about images and videos with Qwen2.5-VL, Qwen3-VL or Qwen3.5 "
                        "served by SGLang or vLLM; boxes and points are drawn on your images.", elem_id="title")
            badge = gr.HTML(elem_id="badge")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row():
                with gr.Column(scale=3):
                    chat = build_chat_panel(studio)
                with gr.Column(scale=1, min_width=280):
                    gr.Markdown("#### Server load")
                    server_plot = gr.LinePlot(x="seconds", y="value", color="series", height=220,
                                              x_title="seconds ago", x_axis_format="d", y_axis_format="~g",
                                              title="Running requests / KV-cache use", elem_id="server-plot",
                                              visible=False)
                    no_metrics = gr.Markdown("*No server yet: its load shows here once one answers.*",
                                             elem_id="server-plot-empty")
                    chat.speeds.render()
            with gr.Tab("Grounding", id="grounding"):
                grounding = build_grounding_panel(studio)
            with gr.Tab("Extract", id="extract"):
                extract = build_extract_panel()
            with gr.Tab("Batch", id="batch"):
                batch = build_batch_panel(studio)
            with gr.Tab("Server", id="server"):
                launch = build_launch_panel(studio)
        wire_chat_panel(studio, chat, grounding)
        wire_grounding_panel(studio, grounding, chat.session)
        wire_extract_panel(studio, extract, chat.session)
        wire_launch_panel(studio, launch, demo)
        wire_batch_panel(studio, batch)

        def refresh(request: gr.Request) -> dict:
            status, endpoint = studio.status(studio.viewer()), studio.endpoint()
            samples = studio.server_metrics.refresh(endpoint)
            model = endpoint.model if endpoint else studio.supervisor.served_model()
            plot, empty = server_load_views(samples, endpoint is not None, studio.server_metrics.exports_metrics)
            return {badge: status_badge(status, model), server_plot: plot, no_metrics: empty,
                    **refresh_values(launch, studio, page_url(request))}

        live = [badge, server_plot, no_metrics, *launch.live_outputs]
        timer = gr.Timer(studio.settings.refresh_s)
        timer.tick(refresh, None, live, api_visibility="private", show_progress="hidden", concurrency_limit=None)
        demo.load(refresh, None, live, api_visibility="private", show_progress="hidden")
    return demo


def server_load_views(samples: list, serving: bool, exports: bool | None) -> tuple[gr.LinePlot, str]:
    """The load plot when there are readings, else a line saying why there are none."""
    if samples:
        return gr.LinePlot(server_frame(samples, time.time()), visible=True), ""
    if serving and exports is False:
        why = ("*This server exports no load metrics the app reads (SGLang's with `--enable-metrics`, vLLM's by "
               "default): no load to plot.*")
    else:
        why = "*No server yet: its load shows here once one answers.*"
    return gr.LinePlot(visible=False), why


def page_url(request: gr.Request | None) -> str:
    """The address visitors reach this page at (behind a proxy too), for snippets that call the demo itself."""
    if request is None:
        return ""
    headers = request.headers
    host = headers.get("x-forwarded-host") or headers.get("host") or ""
    scheme = headers.get("x-forwarded-proto") or "http"
    return f"{scheme}://{host}/" if host else ""


def ready_to_serve(demo: gr.Blocks, studio: Studio) -> gr.Blocks:
    """The demo as app.py and the tests serve it: chat answers run side by side (the engine batches them), the
    queue is bounded so a flood of requests is refused with a message instead of growing without end, and Gradio
    renders each new session's block configs lazily (ui/lazy_session_state.py)."""
    render_session_configs_lazily()
    return demo.queue(default_concurrency_limit=studio.settings.chat_concurrency, max_size=studio.settings.queue_size)
