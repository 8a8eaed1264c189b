"""One browser's session: its conversation with the engine, what each turn showed, and its recent speeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT, Turn
from backend.chat.session import ChatSession, SamplingParams
from backend.endpoint import Endpoint
from backend.grounding import GroundingResult
from backend.grounding.moments import Moment
from backend.studio.files import WorkFolder


@dataclass(frozen=True)
class MomentsView:
    """A video's moments for the timeline: a file the browser plays (seconds of the original), the video's length
    and how it was sampled, and each moment."""

    name: str
    player_path: str
    duration_s: float
    frames_sent: int
    effective_fps: float
    moments: tuple[Moment, ...]


@dataclass
class TurnView:
    """What the chat shows for one turn besides its text and files: what was drawn from the answer."""

    overlay_path: str | None = None
    grounding: GroundingResult | None = None
    grounding_image: str | None = None  # the uploaded image the grounding belongs to
    moments: MomentsView | None = None  # the video moments the answer names
    timeline_note: str = ""  # a follow-up's moments: which earlier message's video they are in


class BrowserSession:
    """One browser's conversation (held in a gr.State): the chat, its views, and recent answer speeds. Its
    overlays, thumbnails and exports go into a folder of its own, removed by close()."""

    def __init__(self, work: WorkFolder, endpoint: Callable[[], Endpoint | None], name_server: bool,
                 unavailable: Callable[[], str] | None = None) -> None:
        """work: the app's work folder (the session gets a folder of its own in it); endpoint: where answers go
        now; name_server: whether errors may name the engine's address (not to a public demo's visitors);
        unavailable: why there is no endpoint now, as this session's viewer may read it."""
        self._made_with = (work, endpoint, name_server, unavailable)
        self.files = work.session()
        self.chat = ChatSession(endpoint, name_server=name_server, unavailable=unavailable)
        self._views: dict[int, tuple[Turn, TurnView]] = {}  # by id of the turn (turns are not hashable)
        self.speeds: list[tuple[int, float]] = []  # (answer number, tok/s)
        self.answers = 0

    def __deepcopy__(self, memo: dict) -> BrowserSession:
        # gr.State hands each browser a deep copy of its initial value: a copy is a fresh, empty session.
        return BrowserSession(*self._made_with)

    def configure(self, system_prompt: str, sampling: SamplingParams) -> None:
        """Use these settings from the next answer on."""
        self.chat.conversation.system_prompt = system_prompt.strip() or DEFAULT_SYSTEM_PROMPT
        self.chat.sampling = sampling

    def clear(self) -> None:
        """Forget the conversation (speeds stay, they describe the server)."""
        self.chat.clear()
        self._views.clear()

    def close(self) -> None:
        """The browser session ended (gradio deletes its state): stop its answer, forget it, remove its files."""
        self.clear()
        self.files.remove()

    def show(self, turn: Turn, view: TurnView) -> None:
        """From now on, `view` is what the chat shows for `turn` (a new turn, or a regenerated one)."""
        self._views[id(turn)] = (turn, view)

    def view_of(self, turn: Turn) -> TurnView:
        """What the chat shows for `turn` besides its text (an empty view for a turn never shown)."""
        kept = self._views.get(id(turn))
        return kept[1] if kept is not None and kept[0] is turn else TurnView()

    @property
    def views(self) -> list[TurnView]:
        """The views of the turns so far, in turn order."""
        return [self.view_of(turn) for turn in self.chat.turns]

    def record_speed(self, tokens_per_s: float | None) -> None:
        """Keep the last 30 answers' decode speeds for the plot."""
        self.answers += 1
        if tokens_per_s is not None:
            self.speeds = [*self.speeds, (self.answers, round(tokens_per_s, 1))][-30:]
