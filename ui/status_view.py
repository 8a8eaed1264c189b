"""Text and HTML for the engine's state: status badge, load-phase progress bar, failure, plan explanation."""

from __future__ import annotations

import html

import pandas as pd

from backend.engine.load_history import ServerSample
from backend.engine.status import LOADING_ORDER, Mode, Phase, ServerStatus
from backend.engines import get_engine
from backend.plans.commands import ANY_INTERFACE
from backend.plans.planner import LaunchPlan
from backend.studio.settings import NO_GPU
from backend.studio.viewer import HIDDEN_URL, Viewer

_BADGE_COLORS = {"ready": "#15803d", "loading": "#b45309", "failed": "#b91c1c", "idle": "#4b5563"}
ATTACH_HELP = (f"{NO_GPU}, so nothing can be launched here. Attach to a running server below (its URL and API "
               "key), or run the app where the GPUs are.")


def badge_kind(status: ServerStatus) -> str:
    """ready | loading | failed | idle."""
    if status.phase == Phase.READY:
        return "ready"
    if status.phase == Phase.FAILED:
        return "failed"
    return "loading" if status.phase in LOADING_ORDER or status.phase == Phase.STOPPING else "idle"


def status_badge(status: ServerStatus, model: str = "") -> str:
    """A one-line coloured pill with the phase, the model (the plan's, else the given one) and where it serves
    (a status shown to a public visitor has no address)."""
    kind = badge_kind(status)
    model = status.plan.served_model_name if status.plan else model
    where = f" at {status.base_url}" if status.base_url and kind != "idle" else ""
    up = f" · up {status.uptime_s:.0f} s" if status.phase == Phase.READY and status.uptime_s else ""
    attached = " (attached)" if status.mode == Mode.ATTACHED else ""
    label = "no engine" if status.phase == Phase.IDLE else status.phase.value
    if status.mode == Mode.ATTACHED and status.phase == Phase.FAILED:
        label = "not answering"  # an attached server has not failed to start: it stopped answering
    detail = html.escape(f"{model}{where}{attached}{up}".strip())
    return (f'<div id="status-badge" data-phase="{html.escape(status.phase.value)}" data-kind="{kind}">'
            f'<span style="background:{_BADGE_COLORS[kind]};color:white;border-radius:999px;padding:2px 10px;'
            f'font-weight:600">● {html.escape(label)}</span> <span>{detail}</span></div>')


def progress_html(status: ServerStatus) -> str:
    """A bar over the whole start-up and one line per load phase: done, current, to come. An attached server has no
    start-up here: one line says where it is and whether it answers."""
    if status.mode == Mode.ATTACHED:
        health = "answering" if status.is_ready else "not answering (see Attached server)"
        where = status.base_url or HIDDEN_URL
        return (f'<div id="load-progress" data-mode="attached" data-phase="{html.escape(status.phase.value)}">'
                f"Attached to <code>{html.escape(where)}</code>: {health}.</div>")
    if status.phase in (Phase.IDLE, Phase.STOPPED) and not status.phase_marks:  # nothing is launching
        return (f'<div id="load-progress" data-phase="{html.escape(status.phase.value)}">'
                "No engine is starting or running.</div>")
    percent = round(100 * max(0.0, min(1.0, status.progress)))
    seen = {mark.phase: mark.elapsed_s for mark in status.phase_marks}
    rows = []
    for phase in LOADING_ORDER:
        if phase == status.phase and phase != Phase.READY:
            mark = "▶"
        elif phase in seen:
            mark = "✓"
        else:
            mark = "·"
        when = f" <small>at {seen[phase]:.1f} s</small>" if phase in seen else ""
        rows.append(f'<li data-phase="{phase.value}" data-mark="{mark}">{mark} {html.escape(phase.value)}{when}</li>')
    return (f'<div id="load-progress" data-progress="{percent}">'
            f'<div style="background:#e5e7eb;border-radius:6px;height:12px;overflow:hidden">'
            f'<div style="background:#2563eb;width:{percent}%;height:12px"></div></div>'
            f'<div><small>{percent}% · {html.escape(status.message)}</small></div>'
            f'<ul style="list-style:none;padding-left:0;margin:4px 0;columns:2">{"".join(rows)}</ul></div>')


def failure_markdown(status: ServerStatus) -> str:
    """What went wrong, what to try, and the log line that gave it away (empty when nothing failed)."""
    cause = status.cause
    if status.phase != Phase.FAILED or cause is None:
        return ""
    lines = [f"**✗ {cause.summary}**"]
    if cause.suggestion:
        lines.append(f"Try: {cause.suggestion}")
    if cause.evidence:
        lines.append(f"```\n{cause.evidence}\n```")
    return "\n\n".join(lines)


def log_text(status: ServerStatus) -> str:
    """The engine log's last lines."""
    return "\n".join(status.log_tail) or "(no engine output yet)"


def verdict_markdown(refusal: str) -> str:
    """The line beside Launch: why it is disabled, or that the plan can start."""
    return f"✗ {refusal}" if refusal else "✓ Ready to launch on this host."


def plan_markdown(plan: LaunchPlan, viewer: Viewer) -> str:
    """The plan's numbers and their reasons (a plan that does not fit: why, and what would)."""
    if not plan.fits and not viewer.admin:  # a visitor can change nothing here: no advice meant for the admin
        return "### No engine plan here\n\n*Read-only public demo: the admin launches and stops the engine.*"
    if not plan.fits:
        return f"### ✗ Cannot launch\n\n**{plan.refusal}**"
    if not viewer.sees_internals:
        where = "on the port it gets when launched"
    elif plan.host == ANY_INTERFACE:  # run on another machine: this app attaches to it there
        where = f"on port {plan.port} of the GPU host: attach to `http://GPU-HOST:{plan.port}`"
    else:
        where = f"at `{plan.base_url}/v1`"
    head = (f"### {plan.hardware}: tp {plan.tp}, dp {plan.dp}, context {plan.context_length:,} tokens\n\n"
            f"{get_engine(plan.engine).label} serves `{plan.served_model_name}` {where}")
    body = "\n".join(f"- {line}" for line in plan.explanation)
    tail = "" if viewer.admin else "\n\n*Read-only public demo: the admin launches and stops the engine.*"
    return f"{head}\n\n{body}{tail}"


def attached_markdown(status: ServerStatus, model: str, load: ServerSample | None) -> str:
    """The attached server: where (hidden from a public visitor), which model, its health and its load."""
    where = f"`{status.base_url}`" if status.base_url else HIDDEN_URL
    why = status.cause.evidence if status.cause and status.cause.evidence else status.last_error
    health = ("✓ answering" if status.is_ready
              else f"✗ not answering ({why}); the app keeps checking and reconnects by itself")
    lines = [f"### Attached server\n\n- URL: {where}", f"- Model: `{model or 'unknown'}`", f"- Health: {health}"]
    if load is not None:
        lines.append(f"- Load: {load.running_requests:.0f} running, {load.queued_requests:.0f} queued, "
                     f"KV cache {100 * load.kv_cache_use:.0f}% used")
    return "\n".join(lines)


def server_frame(samples: list[ServerSample], now: float) -> pd.DataFrame:
    """Long-form rows for the server plot: seconds before now, value, series."""
    rows = []
    for sample in samples:
        ago = round(sample.at - now, 1)
        rows.append((ago, sample.running_requests, "running requests"))
        rows.append((ago, round(100 * sample.kv_cache_use, 1), "KV cache use %"))
    return pd.DataFrame(rows, columns=["seconds", "value", "series"])
