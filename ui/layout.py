"""The whole Blocks app: a status badge, then Chat, Grounding and Server tabs, a timer that polls the shared engine,
and the named API endpoints. `build_demo(context)` makes it; app.py and the tests pass their own context."""

from __future__ import annotations

import time

import gradio as gr

from ui.api import register_api
from ui.chat_panel import build_chat_panel, wire_chat_panel
from ui.context import AppContext
from ui.grounding_panel import build_grounding_panel, wire_grounding_panel
from ui.launch_panel import build_launch_panel, refresh_values, wire_launch_panel
from ui.status_view import server_frame, status_badge

TITLE = "Qwen2.5-VL studio"
CSS = """
#status-badge { font-size: 0.95rem; }
#chatbot img { max-height: 420px; object-fit: contain; }
"""


def build_demo(context: AppContext) -> gr.Blocks:
    """The app for this context (not launched)."""
    cache = (context.settings.cache_check_every_s, context.settings.cache_max_age_s)
    with gr.Blocks(title=TITLE, delete_cache=cache) as demo:
        register_api(context)  # first, so the named endpoints get their names
        with gr.Row(equal_height=True):
            gr.Markdown(f"## {TITLE}\nChat about images and videos with Qwen2.5-VL served by SGLang; boxes and "
                        "points are drawn on your images.", elem_id="title")
            badge = gr.HTML(elem_id="badge")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row():
                with gr.Column(scale=3):
                    chat = build_chat_panel(context)
                with gr.Column(scale=1, min_width=280):
                    gr.Markdown("#### Server load")
                    server_plot = gr.LinePlot(x="seconds", y="value", color="series", height=220,
                                              x_title="seconds ago", x_axis_format="~g", y_axis_format="~g",
                                              title="Running requests / KV-cache use", elem_id="server-plot")
                    chat.speeds.render()
                    chat.timeline.render()
            with gr.Tab("Grounding", id="grounding"):
                grounding = build_grounding_panel()
            with gr.Tab("Server", id="server"):
                launch = build_launch_panel(context)
        wire_chat_panel(context, chat, grounding)
        wire_grounding_panel(context, grounding)
        wire_launch_panel(context, launch, demo)

        def refresh() -> dict:
            status, endpoint = context.supervisor.status(), context.endpoint()
            samples = context.server_metrics.refresh(endpoint)
            model = endpoint.model if endpoint else ""
            return {badge: status_badge(status, model), server_plot: server_frame(samples, time.time()),
                    **refresh_values(launch, status, endpoint, context.settings.public)}

        live = [badge, server_plot, launch.progress, launch.failure, launch.log, launch.snippet, launch.stop]
        timer = gr.Timer(context.settings.refresh_s)
        timer.tick(refresh, None, live, api_visibility="private", show_progress="hidden", concurrency_limit=None)
        demo.load(refresh, None, live, api_visibility="private", show_progress="hidden")
    return demo


def queued(demo: gr.Blocks, context: AppContext) -> gr.Blocks:
    """The demo with its queue set up: chat answers run side by side (the engine batches them)."""
    return demo.queue(default_concurrency_limit=context.settings.chat_concurrency)
