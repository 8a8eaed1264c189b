"""The video moments under the chat: a player (the upload, or a browser-playable preview of the frames sent, in the
original's seconds), a bar over the whole video with each moment in place and hour / ten-minute ticks, and the list
of moments — full times and descriptions, grouped by ten minutes in long videos. A click on a moment seeks the
player there and plays."""

from __future__ import annotations

import html
from dataclasses import dataclass

import gradio as gr

from backend.grounding.moments import format_timestamp
from backend.studio.session import MomentsView

GROUP_S = 600.0  # long videos list their moments by ten-minute block
GROUP_FROM_S = 900.0
SEEK_ON_CLICK = """
element.addEventListener('click', (event) => {
  const target = event.target.closest('[data-seek]');
  const player = document.querySelector('#moments-player video');
  if (!target || !player) return;
  player.currentTime = parseFloat(target.dataset.seek);
  player.play().catch(() => {});
});
"""
CSS = """
#moments .moments-head { font-size: 0.9rem; margin: 4px 0; }
#moments .moments-bar { position: relative; height: 22px; background: var(--block-background-fill);
  border: 1px solid var(--border-color-primary); border-radius: 4px; margin: 4px 0 18px; }
#moments .moments-bar .moment { position: absolute; top: 2px; bottom: 2px; min-width: 4px; border-radius: 2px;
  background: var(--color-accent); opacity: 0.8; cursor: pointer; border: none; padding: 0; }
#moments .moments-bar .tick { position: absolute; top: 100%; font-size: 0.7rem; transform: translateX(-50%);
  color: var(--body-text-color-subdued); }
#moments ol { list-style: none; padding: 0; margin: 0; max-height: 360px; overflow-y: auto; }
#moments li { display: flex; gap: 8px; align-items: baseline; padding: 2px 0; }
#moments li.group { font-weight: 600; font-size: 0.8rem; color: var(--body-text-color-subdued); margin-top: 6px; }
#moments li button { flex: 0 0 auto; font-variant-numeric: tabular-nums; cursor: pointer; font-size: 0.85rem;
  border: 1px solid var(--border-color-primary); border-radius: 4px; padding: 0 6px;
  background: var(--button-secondary-background-fill); }
#moments li span { overflow-wrap: anywhere; }
"""


@dataclass
class MomentsPanel:
    """The player and the moments (hidden until an answer names moments)."""

    player: gr.Video
    moments: gr.HTML

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.player, self.moments]

    def show(self, view: MomentsView | None) -> dict:
        """Values for a turn's moments (hidden when there are none)."""
        if view is None:
            return self.cleared()
        return {self.player: gr.Video(value=view.player_path, visible=True),
                self.moments: gr.HTML(moments_html(view), visible=True)}

    def cleared(self) -> dict:
        return {self.player: gr.Video(value=None, visible=False), self.moments: gr.HTML("", visible=False)}


def build_moments_panel() -> MomentsPanel:
    """The components (inside the caller's Blocks context)."""
    player = gr.Video(label="Video moments", visible=False, elem_id="moments-player", interactive=False, height=320)
    moments = gr.HTML("", visible=False, elem_id="moments", js_on_load=SEEK_ON_CLICK)
    return MomentsPanel(player, moments)


def moments_html(view: MomentsView) -> str:
    """The bar and the list for one video's moments (text escaped: descriptions come from the model)."""
    duration = max(view.duration_s, 0.001)
    every = 1 / view.effective_fps if view.effective_fps else 0.0
    head = (f"{html.escape(view.name)} · {_clock(duration)} · {view.frames_sent} frames sent"
            + (f", one every {every:.1f} s" if every else "") + f" · {len(view.moments)} moment"
            + ("s" if len(view.moments) != 1 else ""))
    segments = "".join(
        f'<button class="moment" data-seek="{moment.start_s:.3f}" title="{html.escape(_span(moment))}" '
        f'style="left:{100 * moment.start_s / duration:.3f}%;'
        f'width:{100 * max(moment.end_s - moment.start_s, 0) / duration:.3f}%"></button>'
        for moment in view.moments)
    ticks = "".join(f'<span class="tick" style="left:{100 * at / duration:.3f}%">{_clock(at)}</span>'
                    for at in _ticks(duration))
    rows, group = [], None
    for moment in view.moments:
        block = int(moment.start_s // GROUP_S) if duration >= GROUP_FROM_S else None
        if block is not None and block != group:
            group = block
            rows.append(f'<li class="group">{_clock(block * GROUP_S)}–{_clock(min(duration, (block + 1) * GROUP_S))}'
                        "</li>")
        rows.append(f'<li><button data-seek="{moment.start_s:.3f}">{_span(moment)}</button>'
                    f"<span>{html.escape(moment.description)}</span></li>")
    return (f'<div class="moments-head">{head}</div><div class="moments-bar">{segments}{ticks}</div>'
            f"<ol>{''.join(rows)}</ol>")


def _span(moment) -> str:
    return f"{format_timestamp(moment.start_s)}–{format_timestamp(moment.end_s)}"


def _ticks(duration: float) -> list[float]:
    """Tick marks: every hour for long videos, else every ten minutes, minute or ten seconds (at most ~8)."""
    for step in (10.0, 60.0, 600.0, 3600.0):
        if duration / step <= 8:
            return [step * index for index in range(int(duration // step) + 1)]
    return [3600.0 * index for index in range(int(duration // 3600) + 1)]


def _clock(seconds: float) -> str:
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
