"""How a browser session looks in the Chatbot: user files and text, a thinking model's reasoning as a collapsible
message, the answer with its status and metrics, and the overlay drawn from it (gradio 6 message dicts; files as
{"path": ...})."""

from __future__ import annotations

from backend.chat.conversation import Turn, TurnStatus
from backend.chat.metrics import format_metrics
from backend.grounding import GroundingResult
from backend.studio.session import BrowserSession, TurnView

STOPPED_MARK = "■ Stopped"  # the tests look for this under a stopped answer
CURSOR = " ▌"
THINKING_TITLE = "Thinking"


def chat_messages(session: BrowserSession) -> list[dict]:
    """The whole conversation as Chatbot messages."""
    messages: list[dict] = []
    for turn in session.chat.turns:
        view = session.view_of(turn)
        messages.append({"role": "user", "content": _user_content(turn)})
        if turn.reasoning:
            messages.append(thinking_message(turn))
        if turn.answer or not thinking_now(turn):  # while it thinks, the Thinking message alone shows it
            messages.append({"role": "assistant", "content": answer_markdown(turn, view)})
        if view.overlay_path:
            count = len(view.grounding.items) if view.grounding else 0
            messages.append({"role": "assistant",
                             "content": {"path": view.overlay_path, "alt_text": f"{count} item(s) drawn on the image"}})
    return messages


def thinking_now(turn: Turn) -> bool:
    """The model is still thinking: reasoning streams and no answer has begun."""
    return bool(turn.reasoning) and turn.thinking_s is None and turn.status in (TurnStatus.PENDING,
                                                                               TurnStatus.STREAMING)


def thinking_message(turn: Turn) -> dict:
    """The turn's reasoning as a collapsible "Thinking" message (Gradio's message metadata): open with a spinner
    while it streams, closed once the answer begins, with how long it took."""
    metadata: dict = {"title": THINKING_TITLE, "status": "pending" if thinking_now(turn) else "done"}
    if turn.thinking_s is not None:
        metadata["duration"] = round(turn.thinking_s, 1)
    return {"role": "assistant", "content": turn.reasoning.replace("\t", "  "), "metadata": metadata}


def _user_content(turn: Turn) -> list:
    paths = [video.source_path for video in turn.videos] + [image.source for image in turn.images]
    files: list = [{"path": path} for path in paths if path]
    return [*files, turn.user_text] if turn.user_text else files or [""]


def answer_markdown(turn: Turn, view: TurnView | None = None) -> str:
    """The answer text, then how it ended, what was drawn from it (on which image, what was left out), and what it
    cost."""
    text = turn.answer.replace("\t", "  ")  # tab-indented JSON would render with huge indents
    if turn.status in (TurnStatus.PENDING, TurnStatus.STREAMING):
        return (text + CURSOR) if text else "*Thinking…*"
    lines = [text] if text else []
    if turn.status is TurnStatus.STOPPED:
        lines.append(f"**{STOPPED_MARK}** — the partial answer is kept; regenerate for a full one.")
    elif turn.status in (TurnStatus.FAILED, TurnStatus.INTERRUPTED):
        lines.append(f"⚠ **{turn.error}**")
    if turn.notice:
        lines.append(f"ℹ {turn.notice}")
    if view is not None and view.grounding is not None and any(i.kind == "action" for i in view.grounding.items):
        lines.append(action_list(view.grounding))
    if view is not None and view.timeline_note:
        lines.append(f"ℹ {view.timeline_note}")
    if view is not None and view.grounding is not None and view.grounding.notes:
        lines.append("\n".join(f"ℹ {note}  " for note in view.grounding.notes))
    if turn.metrics is not None and turn.status is not TurnStatus.FAILED:
        lines.append(f"<sub>{format_metrics(turn.metrics)}{sent_sizes(turn)}</sub>")
    return "\n\n".join(lines)


def sent_sizes(turn: Turn) -> str:
    """The sizes the turn's images were sent at (what grounding answers are in), and each video's frames and
    rate, after the metrics."""
    sizes = [f"{w}x{h}" + (f" (from {ow}x{oh})" if (ow, oh) != (w, h) else "")
             for image in turn.images for (w, h), (ow, oh) in [(image.input_size, image.original_size)]]
    sizes += [f"{len(video.plan.frame_indices)} frames of {video.input_size[0]}x{video.input_size[1]} at "
              f"{video.effective_fps:.3g} fps (one every {1 / video.effective_fps:.1f} s)" if video.effective_fps
              else f"{len(video.plan.frame_indices)} frames" for video in turn.videos]
    return f" · sent {', '.join(sizes)}" if sizes else ""


def action_list(result: GroundingResult) -> str:
    """The agent's actions in order, where they land on the screenshot (its own pixels)."""
    rows = []
    for item in sorted((i for i in result.items if i.kind == "action"), key=lambda action: action.step):
        where = f" at ({item.point[0]:.0f}, {item.point[1]:.0f})" if item.point else ""
        to = f" → ({item.point2[0]:.0f}, {item.point2[1]:.0f})" if item.point2 else ""
        said = f" “{item.text}”" if item.text else ""
        rows.append(f"{item.step}. **{item.label}**{where}{to}{said}")
    return "**Actions**\n\n" + "\n".join(rows)


def told_lines(messages: list[dict]) -> list[str]:
    """What the last answer's bubble tells the visitor besides the answer: its ⚠ and ℹ lines."""
    texts = [m["content"] for m in messages if m.get("role") == "assistant" and isinstance(m.get("content"), str)]
    return [line.strip() for line in (texts[-1] if texts else "").splitlines() if line.strip()[:1] in ("⚠", "ℹ")]
