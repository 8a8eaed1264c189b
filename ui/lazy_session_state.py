"""A new Gradio session without its up-front config render. Gradio's SessionState renders the config of every block
of the app when a session starts, on the server's event loop, only for deep links (which this app does not offer).
Every REST /gradio_api/call/ request and every page load is a new session: for this app's ~180 blocks that is
~13 ms per session on a 2-core host (P7: the app's REST first token sat ~15 ms above a five-line app's on an H200),
and while it runs no other answer streams. LazySessionState renders a block's config only when something asks for
it; a deep link still gets every component."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio.state_holder as state_holder

_EAGER = state_holder.SessionState


class _ConfigOnly:
    """The Blocks as SessionState.__init__ sees it: the same in every way but with no blocks to render up front."""

    def __init__(self, blocks: Any) -> None:
        self._blocks = blocks
        self.blocks: dict[int, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._blocks, name)


class LazySessionState(_EAGER):  # type: ignore[misc, valid-type]
    """Gradio's SessionState with each block's config rendered on first use instead of at the session's start."""

    def __init__(self, blocks: Any) -> None:
        super().__init__(_ConfigOnly(blocks))
        self._rendered_ids = tuple(blocks.blocks)  # the blocks the eager state would have rendered

    @property
    def components(self) -> Iterator[dict]:
        """Every component's config (what a deep link saves), rendering the ones not rendered yet."""
        for key in self._rendered_ids:
            block = self.blocks_config.blocks.get(key)
            if block is not None and key not in self.config_values:
                self.config_values[key] = self.blocks_config.config_for_block(key, [], block)
        yield from super().components


def render_session_configs_lazily() -> None:
    """Patch Gradio so new sessions are LazySessionState (idempotent; process-wide, as Gradio's StateHolder looks
    the class up at call time). ui.layout.ready_to_serve applies it to the app it serves."""
    state_holder.SessionState = LazySessionState
