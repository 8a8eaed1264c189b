"""The chat column: Chatbot, multimodal input, stop / regenerate / clear, presets, examples, sampling, metrics."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr
import pandas as pd

from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT, Turn
from backend.chat.fair_share import VisitorBusy
from backend.chat.session import SamplingParams, StreamUpdate
from backend.examples import ensure_examples
from backend.grounding.presets import PRESETS, Preset, get_preset, presets_for
from backend.media.uploads import UploadError
from backend.media.video_limits import FPS, VideoChoice
from backend.studio.session import BrowserSession, TurnView
from backend.studio.studio import Studio
from ui.chat_view import chat_messages
from ui.grounding_panel import GroundingPanel
from ui.timeline_view import MomentsPanel, build_moments_panel

CHAT_CONCURRENCY_ID = "chat"
STILL_STREAMING = ("⏳ An answer is still streaming: your message is kept in the box. Send it when the answer ends, "
                   "or press Stop first.")


def visitor_of(request: gr.Request | None, session: BrowserSession) -> str:
    """Whose fair share an answer counts against: the browser (or API client) session."""
    return (request.session_hash if request is not None else None) or str(id(session))


def streaming_controls() -> tuple[gr.Button, gr.MultimodalTextbox]:
    """Stop and the message box while an answer streams: Stop red and enabled, and the box's Send arrow replaced by
    its stop square (as gradio's ChatInterface does), so Send never looks live mid-answer. Typing goes on; Enter
    then keeps the message with a note."""
    return gr.Button(variant="stop", interactive=True), gr.MultimodalTextbox(submit_btn=False, stop_btn=True)


def controls_for(session: BrowserSession) -> tuple[gr.Button, gr.MultimodalTextbox]:
    """Stop and the message box as this session needs them: the streaming look while an answer of its own still
    streams, else Stop plain and disabled and Send back (after an answer ends, is stopped or fails)."""
    if session.chat.busy:
        return streaming_controls()
    return gr.Button(variant="secondary", interactive=False), gr.MultimodalTextbox(submit_btn=True, stop_btn=False)


def speeds_frame(session: BrowserSession) -> gr.LinePlot:
    """The recent answers' decode speeds; answers are labelled "#n" (in answer order) so the axis only ever shows
    whole answers, never #1.5. Shown from the second answer on: one point draws no line, only an empty box."""
    labels = [f"#{number}" for number, _speed in session.speeds]
    frame = pd.DataFrame([(label, speed) for label, (_n, speed) in zip(labels, session.speeds)],
                         columns=["answer", "tok/s"])
    return gr.LinePlot(frame, sort=labels, visible=len(labels) >= 2)


def checked_uploads(studio: Studio, message: dict | None, checked: list[str] | None, video: VideoChoice) -> tuple:
    """The message box once its new uploads are checked as they arrive, each the way Send checks it
    (Studio.prepare_media): a file that cannot be sent is taken out of the box at once and the notice says why,
    in Send's words. Returns (message, notice, checked files), gr.skip() where nothing changes."""
    message = message or {}
    files = list(message.get("files") or [])
    new = [path for path in files if path not in (checked or [])]
    if not new:
        return gr.skip(), gr.skip(), files if files != (checked or []) else gr.skip()
    refusals: list[UploadError] = []
    for path in new:
        try:
            studio.prepare_media([path], video=video)
        except UploadError as error:
            refusals.append(error)
    if not refusals:
        return gr.skip(), gr.skip(), files
    refused = {error.path for error in refusals}
    kept = [path for path in files if path not in refused]
    told = "\n\n".join(f"⚠ {error}" + (" Taken out of the message." if error.path else "") for error in refusals)
    return {"text": message.get("text") or "", "files": kept}, told, kept


@dataclass
class ChatPanel:
    """The chat components the layout wires together."""

    session: gr.State
    chatbot: gr.Chatbot
    message: gr.MultimodalTextbox
    checked_files: gr.State  # the uploads in the message box already checked (checked_uploads)
    stop: gr.Button
    regenerate: gr.Button
    clear: gr.Button
    notice: gr.Markdown
    system_prompt: gr.Textbox
    temperature: gr.Slider
    top_p: gr.Slider
    max_tokens: gr.Slider
    video_fps: gr.Slider
    video_max_frames: gr.Slider
    subject: gr.Textbox
    preset_buttons: list[tuple[gr.Button, Preset]]
    moments: MomentsPanel
    speeds: gr.LinePlot


def build_chat_panel(studio: Studio) -> ChatPanel:
    """Create the chat components (inside the caller's Blocks context)."""
    # each browser gets a fresh copy; gradio deletes it (and close() removes its files) when the session ends
    session = gr.State(studio.new_session(), delete_callback=BrowserSession.close)
    chatbot = gr.Chatbot(label="Conversation", height=560, elem_id="chatbot", buttons=["copy", "copy_all"],
                         feedback_options=None, placeholder="Upload an image or a video, ask, or pick an example.")
    message = gr.MultimodalTextbox(
        file_types=["image", "video"], file_count="multiple", sources=["upload"], elem_id="message",
        placeholder="Ask about the images or video you attach…", show_label=False, autofocus=True)
    with gr.Row(elem_id="chat-actions"):
        stop = gr.Button("■ Stop", variant="secondary", size="sm", elem_id="stop", interactive=False, min_width=60)
        regenerate = gr.Button("↻ Regenerate", size="sm", elem_id="regenerate", min_width=60)
        clear = gr.Button("Clear", size="sm", elem_id="clear", min_width=60)
    notice = gr.Markdown(elem_id="chat-notice")
    moments = build_moments_panel()  # under the answer that named them, on a phone too
    with gr.Row(equal_height=True):
        subject = gr.Textbox(label="Subject for presets", placeholder="e.g. car, person, red ball", scale=2)
        preset_buttons = [(gr.Button(preset.title, size="sm", min_width=90), preset)
                          for media in ("image", "video") for preset in presets_for(media)]
    examples = ensure_examples(studio.settings.examples_dir)
    gr.Examples(examples=[[{"text": get_preset(ex.preset_key).prompt(ex.subject), "files": [str(ex.path)]}]
                          for ex in examples],
                inputs=[message], example_labels=[ex.title for ex in examples], label="Examples (generated offline)")
    with gr.Accordion("System prompt and sampling", open=False):
        system_prompt = gr.Textbox(DEFAULT_SYSTEM_PROMPT, label="System prompt", lines=2)
        with gr.Row():
            temperature = gr.Slider(0.0, 2.0, value=SamplingParams.temperature, step=0.05, label="Temperature")
            top_p = gr.Slider(0.05, 1.0, value=SamplingParams.top_p, step=0.05, label="Top-p")
            max_tokens = gr.Slider(16, 8192, value=SamplingParams.max_tokens, step=16, label="Max tokens")
        with gr.Row():
            video_fps = gr.Slider(0.0, FPS, value=0.0, step=0.01, label="Video frames per second (0: Qwen's rule)",
                                  info=f"at most {FPS:g}; long videos get fewer within the frame cap",
                                  elem_id="video-fps")
            video_max_frames = gr.Slider(0, 768, value=0, step=2, label="Max frames per video (0: what fits)",
                                         info="at most what the engine's context holds", elem_id="video-max-frames")
    # rendered by the layout beside the chat
    speeds = gr.LinePlot(x="answer", y="tok/s", title="Decode speed of your recent answers", height=180,
                         y_axis_format="~g", elem_id="speed-plot", render=False, visible=False)
    return ChatPanel(session, chatbot, message, gr.State([]), stop, regenerate, clear, notice, system_prompt, temperature, top_p,
                     max_tokens, video_fps, video_max_frames, subject, preset_buttons, moments, speeds)


def wire_chat_panel(studio: Studio, panel: ChatPanel, grounding: GroundingPanel) -> None:
    """Attach the chat events; answers share one concurrency group large enough for the engine to batch."""
    settings = [panel.system_prompt, panel.temperature, panel.top_p, panel.max_tokens, panel.video_fps,
                panel.video_max_frames]
    # the session is an output so gradio registers it: only then does it delete it (and call close) after the tab goes
    outputs = [panel.chatbot, panel.message, panel.notice, *panel.moments.outputs, panel.speeds, panel.session,
               *grounding.outputs]
    queue_options = {"concurrency_limit": studio.settings.chat_concurrency, "concurrency_id": CHAT_CONCURRENCY_ID,
                     "api_visibility": "private", "show_progress": "hidden"}

    def respond(message: dict | None, system: str, temperature: float, top_p: float, max_tokens: float,
                video_fps: float, video_max_frames: float, session: BrowserSession,
                request: gr.Request | None = None) -> Iterator[dict]:
        message = message or {}
        text, files = (message.get("text") or "").strip(), list(message.get("files") or [])
        if not text and not files:
            return
        if session.chat.busy:  # the message stays in the box, so sending it later is one press
            yield {panel.notice: STILL_STREAMING, panel.message: message}
            return
        try:
            with studio.fair_share.slot(visitor_of(request, session)):
                yield from answer(message, text, files, system, temperature, top_p, max_tokens,
                                  VideoChoice(float(video_fps or 0), int(video_max_frames or 0)), session)
        except VisitorBusy as error:
            yield {panel.notice: f"⚠ {error}", panel.message: message}

    def answer(message: dict, text: str, files: list, system: str, temperature: float, top_p: float,
               max_tokens: float, video: VideoChoice, session: BrowserSession) -> Iterator[dict]:
        try:
            media = studio.prepare_media(files, video=video)
        except UploadError as error:
            gr.Warning(str(error))
            # keep the text and the other files, so removing the bad one is all it takes to send again
            kept = {"text": text, "files": [path for path in files if path != error.path]}
            yield {panel.notice: f"⚠ {error}", panel.message: kept}
            return
        session.configure(system, SamplingParams(temperature, top_p, int(max_tokens)))
        updates = session.chat.send(text, media.images, media.videos)  # the turn is added before streaming
        view = TurnView()
        session.show(updates.turn, view)
        yield {panel.message: gr.MultimodalTextbox(value=None), panel.notice: "", panel.session: session}
        yield from render_stream(studio, session, updates.turn, view, updates, panel, grounding)

    def regenerate(system: str, temperature: float, top_p: float, max_tokens: float, _video_fps: float,
                   _video_max_frames: float, session: BrowserSession,
                   request: gr.Request | None = None) -> Iterator[dict]:
        if not session.chat.turns:
            return
        if session.chat.busy:  # the answer still streaming keeps its view (and its drawings)
            yield {panel.notice: "⏳ An answer is still streaming: stop it first, then regenerate."}
            return
        session.configure(system, SamplingParams(temperature, top_p, int(max_tokens)))
        try:
            with studio.fair_share.slot(visitor_of(request, session)):
                view = TurnView()  # what the earlier answer drew goes; its files stay with the turn
                session.show(session.chat.turns[-1], view)
                updates = session.chat.regenerate()
                yield from render_stream(studio, session, session.chat.turns[-1], view, updates, panel, grounding)
        except VisitorBusy as error:
            yield {panel.notice: f"⚠ {error}"}

    def stop(session: BrowserSession) -> None:
        session.chat.stop()  # the streaming handler notices, closes the stream and marks the answer stopped

    def clear(session: BrowserSession) -> dict:
        session.clear()
        return {panel.chatbot: [], panel.notice: "", **panel.moments.cleared(), **grounding.cleared()}

    # Stop is bright, and Send gives way to the box's stop square, only while this browser's answer streams (pure
    # handlers: one quick event when the answer starts, one chained after it however it ends). Quick events of their
    # own set them, since Gradio's front end does not let a button that is an output of the running answer be clicked
    quick = {"queue": False, "api_visibility": "private", "show_progress": "hidden"}
    controls = [panel.stop, panel.message]
    # trigger_mode "multiple": a message sent while an answer streams reaches the handler, which keeps it with a
    # note (Gradio's default, "once", would drop it without a word)
    for trigger, handler, inputs in ((panel.message.submit, respond, [panel.message, *settings, panel.session]),
                                     (panel.regenerate.click, regenerate, [*settings, panel.session])):
        trigger(streaming_controls, None, controls, **quick)
        trigger(handler, inputs, outputs, trigger_mode="multiple", **queue_options).then(
            controls_for, [panel.session], controls, **quick)
    for stop_button in (panel.stop.click, panel.message.stop):
        stop_button(stop, [panel.session], None, queue=False, api_visibility="private")

    def check_uploads(message: dict | None, checked: list[str] | None, video_fps: float,
                      video_max_frames: float) -> tuple:
        return checked_uploads(studio, message, checked, VideoChoice(float(video_fps or 0), int(video_max_frames or 0)))

    # an upload is checked when it arrives, not at Send: a file Pillow cannot open is said at once
    panel.message.change(check_uploads, [panel.message, panel.checked_files, panel.video_fps, panel.video_max_frames],
                         [panel.message, panel.notice, panel.checked_files], trigger_mode="always_last", **quick)
    panel.clear.click(clear, [panel.session], outputs, queue=False, api_visibility="private")
    for button, preset in panel.preset_buttons:
        button.click(_preset_filler(preset), [panel.message, panel.subject, panel.system_prompt],
                     [panel.message, panel.system_prompt, panel.notice], queue=False, api_visibility="private")


def render_stream(studio: Studio, session: BrowserSession, turn: Turn, view: TurnView,
                  updates: Iterator[StreamUpdate], panel: ChatPanel, grounding: GroundingPanel) -> Iterator[dict]:
    """Show each update of the turn's answer; when it ends, draw its results and show them everywhere."""
    for update in updates:
        if not update.done:
            yield {panel.chatbot: chat_messages(session)}
            continue
        if not any(kept is turn for kept in session.chat.turns):  # cleared while it streamed
            yield {panel.chatbot: chat_messages(session)}
            return
        studio.finish_turn(session, turn, view)
        yield {  # an error shows in the answer's bubble and under the chat, not also as a toast
            panel.chatbot: chat_messages(session),
            panel.notice: "",  # the answer's bubble says how it ended: said once, there
            **panel.moments.show(view.moments),
            panel.speeds: speeds_frame(session),
            **grounding.show(studio, session, view),
        }


def _preset_filler(preset: Preset):
    def fill(message: dict | None, subject: str, system: str) -> tuple[dict, str, str]:
        files = list((message or {}).get("files") or [])
        if preset.system_prompt:
            sized = " Its {screen_width}x{screen_height} become each screenshot's sent size." \
                if "{screen_width}" in preset.system_prompt else ""
            told = (f"ℹ The {preset.title} preset uses a system prompt of its own (under System prompt and "
                    f"sampling).{sized}")
            return {"text": preset.prompt(subject), "files": files}, preset.system_prompt, told
        # leaving a preset that set its own system prompt (document parsing) goes back to the default one
        preset_prompts = {other.system_prompt for other in PRESETS if other.system_prompt}
        kept = DEFAULT_SYSTEM_PROMPT if system in preset_prompts else system
        told = "ℹ Back to the default system prompt." if kept != system else ""
        return {"text": preset.prompt(subject), "files": files}, kept, told
    return fill
