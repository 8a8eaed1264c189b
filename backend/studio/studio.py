"""The Studio: the one application layer. It owns the engine supervisor, the media preparer, the fair share and the
work files, and has one method per use case; the web UI, the named API, the batch CLI and the tests all call it.
Data flows one way through it: upload -> media -> chat -> engine -> grounding -> overlay."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from backend.batch.files import BatchLimits, BatchRefused, discover
from backend.batch.runner import DEFAULT_CONCURRENCY, BatchJob, BatchRunner
from backend.chat.conversation import Turn, conversation_from_openai
from backend.chat.fair_share import FairShare
from backend.chat.grounded import ground_turn_answer, with_thought
from backend.chat.reasoning import split_text
from backend.chat.session import ChatSession, SamplingParams, StreamUpdate
from backend.endpoint import Endpoint
from backend.engine.load_history import ServerMetricsHistory
from backend.engine.status import Mode, ServerStatus
from backend.engine.supervisor import LaunchRefused
from backend.errors import UserError
from backend.extract.document import ExtractionUpdate, read_document
from backend.extract.schema import ExtractSchema, load_schema
from backend.families import DEFAULT_FAMILY, Family, get_family
from backend.grounding import GroundingResult, ground
from backend.hardware import DetectedGpu, missing_gpus_refusal
from backend.media.encode import save_picture
from backend.media.fetch import UrlFetcher
from backend.media.uploads import MediaPolicy, MediaPreparer, PreparedMedia, upright_picture
from backend.media.video_limits import VideoChoice, VideoLimits
from backend.models import ModelError, catalog_spec
from backend.plans.commands import gradio_snippet, python_snippet
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan
from backend.plans.request import for_another_machine
from backend.studio import drawing
from backend.studio.batch import StartedBatch, overlay_saver
from backend.studio.files import RecentFiles, WorkFolder
from backend.studio.reports import answer_json, status_json, unavailable_text
from backend.studio.session import BrowserSession, TurnView
from backend.studio.settings import (
    API_OVERLAY_CAP,
    ATTACHED_REFUSAL,
    NO_DOCUMENT,
    NO_ENGINE_FOR_BATCH,
    NO_GPU_REFUSAL,
    NO_SERVER_SNIPPET,
    NOTHING_TO_SEND,
    PUBLIC_ANSWERS_PER_VISITOR,
    PUBLIC_MODEL_REFUSAL,
    StudioSettings,
)
from backend.studio.viewer import Viewer


class AnswerFailed(UserError):
    """The engine's answer failed or was cut off; str(error) is what the chat shows under the answer."""


class Engine(Protocol):
    """The engine the Studio drives: a Supervisor, or the batch CLI's fixed endpoint (which refuses to launch)."""

    def status(self) -> ServerStatus: ...
    def endpoint(self) -> Endpoint | None: ...
    def served_model(self) -> str: ...
    def launch(self, plan: LaunchPlan) -> ServerStatus: ...
    def attach(self, base_url: str, api_key: str = "") -> ServerStatus: ...
    def stop(self) -> ServerStatus: ...


class Studio:
    """Every use case of the app, Gradio-free. Refusals a user should read are UserError."""

    def __init__(self, engine: Engine, settings: StudioSettings | None = None,
                 detected: tuple[DetectedGpu, ...] = ()) -> None:
        self.supervisor = engine
        self.settings = settings = settings or StudioSettings()
        self.detected = detected
        root = settings.work_dir or Path(tempfile.mkdtemp(prefix="qwen-vl-studio-"))
        root.mkdir(parents=True, exist_ok=True)
        self.work = WorkFolder(root)
        self.api_overlays = RecentFiles(root / "api-overlays", API_OVERLAY_CAP)
        self.media = MediaPreparer(settings.image_max_pixels)  # the one way uploads become what is sent
        share = settings.answers_per_visitor or (PUBLIC_ANSWERS_PER_VISITOR if settings.public
                                                 else settings.chat_concurrency)
        self.fair_share = FairShare(share)
        self.server_metrics = ServerMetricsHistory()
        self.fetcher = UrlFetcher()
        # a public demo fetches links only where its admin allowed it: the demo's host would make the requests
        self.fetches_links = settings.fetch_urls if settings.fetch_urls is not None else not settings.public

    def viewer(self, token: str | None = None, visitor: str = "") -> Viewer:
        """Who asks: the admin (a private app, or the admin token given) or a public demo's visitor."""
        return Viewer.of(self.settings.public, self.settings.admin_token, token, visitor)

    # --- the engine ---------------------------------------------------------------------------------------------

    def plan(self, request: PlanRequest, viewer: Viewer) -> LaunchPlan:
        """The plan on the GPUs detected at start (a public demo's visitor: only catalog models and the
        configured one)."""
        # One refusal for every other name: how a path is refused must not tell a visitor whether it exists here.
        if not viewer.admin and not self._public_model(request.model):
            raise ModelError(PUBLIC_MODEL_REFUSAL)
        return make_plan(replace(request, detected=self.detected))

    def shown_plan(self, request: PlanRequest, viewer: Viewer) -> LaunchPlan:
        """The plan the Server tab and /plan show: with no GPU here, one for a GPU host that this app attaches to."""
        return self.plan(request if self.detected else for_another_machine(request), viewer)

    def _public_model(self, model: str) -> bool:
        return catalog_spec(model) is not None or model.strip() == self.settings.default_request.model.strip()

    def host_refusal(self) -> str:
        """Why nothing can be launched here whatever the plan (empty when something can): attached, or no GPU."""
        if self.supervisor.status().mode is Mode.ATTACHED:
            return ATTACHED_REFUSAL
        return "" if self.detected else NO_GPU_REFUSAL

    def launch_refusal(self, request: PlanRequest, plan: LaunchPlan) -> str:
        """Why this plan cannot be launched from here (empty when it can): attached to someone else's server,
        no GPU on this host, or GPUs this host does not have. Said before anyone clicks Launch."""
        if refusal := self.host_refusal():
            return refusal
        if not plan.fits:
            return plan.refusal
        return missing_gpus_refusal(self.detected, request.hardware, plan.gpu_ids, plan.hardware)

    def launch(self, request: PlanRequest, viewer: Viewer) -> ServerStatus:
        """Launch the plan for request (returns at once; the status shows the phases). Raises LaunchRefused for a
        plan this host cannot run, AdminRequired for a public demo's visitor."""
        viewer.require_admin()
        plan = self.plan(request, viewer)
        if refusal := self.launch_refusal(request, plan):
            raise LaunchRefused(refusal)
        return self.supervisor.launch(plan)

    def attach(self, base_url: str, api_key: str, viewer: Viewer) -> ServerStatus:
        """Endpoint mode: use someone else's OpenAI-compatible server (again, or another one)."""
        viewer.require_admin()
        url = base_url.strip()
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
            raise LaunchRefused(f"{url[:80]!r} is not a server URL; give one like http://gpu-host:30000")
        return self.supervisor.attach(url, api_key.strip())

    def stop(self, viewer: Viewer) -> ServerStatus:
        """Stop (or detach from) the engine."""
        viewer.require_admin()
        return self.supervisor.stop()

    def status(self, viewer: Viewer) -> ServerStatus:
        """The engine's state as this viewer may read it."""
        return viewer.shown(self.supervisor.status())

    def status_json(self, viewer: Viewer) -> dict[str, Any]:
        """The engine's state as JSON (/status) as this viewer may read it."""
        return status_json(self.supervisor.status(), self.endpoint(), viewer)

    def endpoint(self) -> Endpoint | None:
        """Where chats go now (None until an engine is ready)."""
        return self.supervisor.endpoint()

    def unavailable(self, viewer: Viewer) -> str:
        """Why nothing answers now, in words that match the engine's state and name only what this viewer can do."""
        return unavailable_text(self.status(viewer), viewer)

    def family(self) -> Family:
        """The coordinate family of the engine serving now (of its plan while it loads; Qwen2.5-VL when unknown)."""
        endpoint = self.endpoint()
        if endpoint is not None:
            return get_family(endpoint.family)
        plan = self.supervisor.status().plan
        return get_family(plan.family) if plan and plan.family else DEFAULT_FAMILY

    def client_snippet(self, viewer: Viewer, page_url: str = "") -> str:
        """How to call what answers now: the openai client for the engine, or, for a public demo's visitor,
        gradio_client for the demo itself (visitors never see the engine's address or key)."""
        if not viewer.sees_internals:
            return gradio_snippet(page_url or "https://THIS-DEMO-URL/")
        endpoint = self.endpoint()
        if endpoint is None:
            return NO_SERVER_SNIPPET
        return python_snippet(endpoint.base_url, endpoint.api_key, endpoint.model)

    # --- media and chat -----------------------------------------------------------------------------------------

    def video_limits(self) -> VideoLimits:
        """Video sampling sized to the running engine's context length (defaults before one runs), on its grid."""
        plan = self.supervisor.status().plan
        factor = self.family().factor
        return VideoLimits.for_context(plan.context_length, factor=factor) if plan and plan.context_length else \
            VideoLimits(factor=factor)

    def prepare_media(self, paths: Sequence[str], policy: MediaPolicy | None = None,
                      video: VideoChoice | None = None) -> PreparedMedia:
        """The uploads of one message as they are sent to the engine serving now (see MediaPreparer.message);
        video: how a person asked its videos sampled."""
        return self.media.message(paths, self.family(), self.video_limits(), policy, video)

    def new_session(self) -> BrowserSession:
        """A fresh browser session (its conversation and its own work folder)."""
        viewer = self.viewer()
        return BrowserSession(self.work, self.endpoint, viewer.sees_internals, lambda: self.unavailable(viewer))

    def finish_turn(self, session: BrowserSession, turn: Turn, view: TurnView) -> None:
        """Draw a finished answer of the session: boxes and points on its image, or its video's moments."""
        drawing.finish_turn(session, self.family(), turn, view)

    def _one_shot(self, text: str, paths: Sequence[str], history: list[dict] | str, sampling: SamplingParams,
                  viewer: Viewer, video: VideoChoice | None = None) -> tuple[ChatSession, PreparedMedia]:
        """A one-request chat session with the history and files prepared the way the browser's chat would."""
        if not (text or "").strip() and not paths:
            raise UserError(NOTHING_TO_SEND)
        session = ChatSession(self.endpoint, sampling=sampling, name_server=viewer.sees_internals,
                              unavailable=lambda: self.unavailable(viewer))
        family = self.family()
        fetch = self.fetcher.fetch if self.fetches_links else None
        session.conversation = conversation_from_openai(history, lambda data: self.media.image(data, family), fetch)
        return session, self.prepare_media(paths, video=video)

    def _answer(self, session: ChatSession, text: str, media: PreparedMedia, viewer: Viewer) -> Iterator[StreamUpdate]:
        """The answer as it grows, within the viewer's fair share; AnswerFailed when it fails or is cut off
        (after the partial answer was already streamed)."""
        with self.fair_share.slot(viewer.visitor or "api"):
            for update in session.send(text, media.images, media.videos):
                if update.done and update.error:
                    raise AnswerFailed(update.error)
                yield update

    def stream_chat(self, text: str, paths: Sequence[str], history: list[dict] | str, sampling: SamplingParams,
                    viewer: Viewer, video: VideoChoice | None = None, with_reasoning: bool = False
                    ) -> Iterator[str | dict[str, str]]:
        """Stream an answer (the text so far, each time, without the model's reasoning) after an OpenAI-style
        history, within the viewer's fair share; with_reasoning: each time {"answer", "reasoning"} so far.
        Raises AnswerFailed when the answer fails or is cut off."""
        session, media = self._one_shot(text, paths, history, sampling, viewer, video)
        for update in self._answer(session, text, media, viewer):
            yield {"answer": update.text, "reasoning": update.reasoning} if with_reasoning else update.text

    def ask(self, text: str, paths: Sequence[str], history: list[dict] | str, sampling: SamplingParams,
            viewer: Viewer, video: VideoChoice | None = None) -> dict[str, Any]:
        """The finished answer as one JSON value: answer, metrics, items (original-image pixels, with
        image_index), notes, images (original and sent size), moments (videos), overlay (a path, or None)."""
        session, media = self._one_shot(text, paths, history, sampling, viewer, video)
        for _update in self._answer(session, text, media, viewer):
            pass
        turn = session.turns[-1]  # a follow-up that attaches nothing is drawn on the history's newest image
        grounding = ground_turn_answer(turn, self.family(), session.turns)
        found = grounding is not None and grounding.found and grounding.overlay is not None
        return answer_json(turn, grounding, self.save_api_overlay(grounding) if found else None, session.turns)

    def extract(self, paths: Sequence[str], schema: ExtractSchema | str, sampling: SamplingParams,
                viewer: Viewer) -> Iterator[ExtractionUpdate]:
        """Extract a JSON Schema's fields (a template name or schema text) from document images, the engine holding
        decoding to the schema: the raw answer as it grows, then (last update) the document read from it."""
        chosen = schema if isinstance(schema, ExtractSchema) else load_schema(schema)
        if not paths:
            raise UserError(NO_DOCUMENT)
        family = self.family()
        instruction = chosen.instruction(family)
        session, media = self._one_shot(instruction, paths, [], replace(
            sampling, response_format=chosen.response_format()), viewer)
        if media.videos:
            raise UserError("Extraction reads images (scans, photos, screenshots), not videos.")
        for update in self._answer(session, instruction, media, viewer):  # the answer only: never its reasoning
            yield ExtractionUpdate(update.text)
        yield ExtractionUpdate(session.turns[-1].answer, read_document(session.turns[-1], chosen, family))

    # --- grounding ----------------------------------------------------------------------------------------------

    def ground(self, image_path: str, answer: str, family: Family | str | None = None, max_pixels: int = 0
               ) -> GroundingResult:
        """Ground an answer on an image file in the frame the image was sent in: this app's budget (max_pixels 0)
        or another sender's, e.g. the server's default 12845056; family: the engine's when not given."""
        chosen = family if isinstance(family, Family) else get_family(family) if family else self.family()
        sent = self.media.image(image_path, chosen, max_pixels)
        said = split_text(answer)  # a pasted thinking model's answer: only what follows its </think> is drawn
        result = ground(said.answer, sent.original_size, sent.input_size, chosen, upright_picture(sent))
        return replace(result, items=with_thought(result.items, said.reasoning))

    def save_api_overlay(self, result: GroundingResult) -> str:
        """Write an API overlay as PNG among the most recent ones (older ones are deleted); returns its path."""
        overlay = result.overlay
        assert overlay is not None
        return str(self.api_overlays.write(".png", lambda path: save_picture(overlay, path)))

    # --- batches ------------------------------------------------------------------------------------------------

    def start_batch(self, paths: list[str], prompt: str, folder: Path, viewer: Viewer, *, max_tokens: int = 1024,
                    temperature: float = 0.0, system_prompt: str | None = None, overlays: bool = True,
                    concurrency: int = DEFAULT_CONCURRENCY, schema: ExtractSchema | str | None = None
                    ) -> StartedBatch:
        """Find the files (expanding zips into folder) and set up their batch on the engine serving now; raises
        BatchRefused, in plain words, for an empty prompt, no files, no engine, or a batch over a public demo's
        caps (a visitor's batch also runs within their fair share). schema (a template name, schema text): every
        answer is held to it and read as an extraction; the prompt may then be empty (the schema's instruction)."""
        chosen = schema if isinstance(schema, ExtractSchema) else load_schema(schema) if (schema or "").strip() \
            else None
        family, videos = self.family(), self.video_limits()
        prompt = (prompt or "").strip() or (chosen.instruction(family) if chosen else "")
        if not prompt:
            raise BatchRefused("The prompt is empty: pick a preset or type what to ask about every file.")
        if not paths:
            raise BatchRefused("No files: add images or videos (or a zip of them), then run again.")
        endpoint = self.endpoint()
        if endpoint is None:
            raise BatchRefused(NO_ENGINE_FOR_BATCH)
        folder.mkdir(parents=True, exist_ok=True)
        found = discover(paths, folder / "files", BatchLimits.public() if viewer.public else BatchLimits())
        sampling = SamplingParams(temperature=float(temperature), max_tokens=int(max_tokens),
                                  response_format=chosen.response_format() if chosen else None)
        job = BatchJob(
            endpoint, prompt, family, lambda path: self.media.message([path], family, videos), sampling,
            system_prompt=system_prompt, concurrency=concurrency, fair_share=self.fair_share if viewer.public else None,
            visitor=viewer.visitor, save_overlay=overlay_saver(folder / "overlays") if overlays else None,
            schema=chosen)
        return StartedBatch(BatchRunner(job), found, folder)
