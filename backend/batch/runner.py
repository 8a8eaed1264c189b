"""Run one prompt over many files, side by side: a bounded number of requests in flight so the engine batches
them, each through the chat's own path (MediaPreparer frame, ChatSession request, grounding on the upright
original). Cancel stops every request in flight on the engine and keeps what finished."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from PIL import Image

from backend.batch.files import BatchFile, Rejected
from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT, Turn, TurnStatus
from backend.chat.fair_share import FairShare, VisitorBusy
from backend.chat.grounded import ground_turn_answer
from backend.chat.metrics import AnswerMetrics
from backend.chat.session import ChatSession, SamplingParams
from backend.endpoint import Endpoint
from backend.extract.answer import Extraction
from backend.extract.document import read_document
from backend.extract.schema import ExtractSchema
from backend.families import Family, get_family
from backend.grounding import GroundingResult
from backend.grounding.moments import moments_json, parse_moments
from backend.media.uploads import PreparedMedia, UploadError

DEFAULT_CONCURRENCY = 16
SLOT_WAIT_S = 0.05  # how often a request waiting for the visitor's fair share looks again

OK, BAD_FILE, FAILED, CANCELLED = "ok", "bad file", "failed", "cancelled"


@dataclass
class FileResult:
    """What one file gave: its answer, items in original pixels, sizes, metrics, or why it has none."""

    file: str  # the name results use (relative to its folder or zip)
    path: str  # where it lay on this machine
    status: str = OK  # ok | bad file | failed | cancelled
    kind: str = "image"  # image | video
    answer: str = ""
    error: str = ""
    grounding: GroundingResult | None = None  # its overlay dropped once saved
    original_size: tuple[int, int] | None = None
    sent_size: tuple[int, int] | None = None
    metrics: AnswerMetrics | None = None
    seconds: float = 0.0  # the request, first byte sent to last token
    overlay_path: str | None = None
    moments: list[dict[str, Any]] = field(default_factory=list)
    notes: tuple[str, ...] = ()
    extraction: Extraction | None = None  # a batch with a schema: the answer read against it

    @property
    def items(self) -> int:
        """How many boxes and points were placed."""
        return len(self.grounding.items) if self.grounding else 0


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands: counts, speed, ETA and the results so far (in the order the files were given)."""

    total: int
    results: tuple[FileResult, ...]
    elapsed_s: float
    finished: bool = False
    cancelled: bool = False

    @property
    def done(self) -> int:
        """Files that have an outcome (answered, bad, failed or cancelled)."""
        return len(self.results)

    @property
    def answered(self) -> int:
        """Files the engine answered."""
        return sum(1 for result in self.results if result.status == OK)

    @property
    def problems(self) -> tuple[FileResult, ...]:
        """Files that gave no answer, with their reasons."""
        return tuple(result for result in self.results if result.status != OK)

    @property
    def files_per_s(self) -> float:
        """Answers per second since the batch started."""
        return self.answered / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current speed (None before the first answer, 0 once finished)."""
        if self.finished:
            return 0.0
        rate = self.files_per_s
        return (self.total - self.done) / rate if rate > 0 else None

    def line(self) -> str:
        """One line for people: "37 / 100 done · 2 without an answer · 12.3 files/s · ETA 0:05"."""
        parts = [f"{self.done} / {self.total} done"]
        if self.problems:
            parts.append(f"{len(self.problems)} without an answer")
        parts.append(f"{self.files_per_s:.2f} files/s")
        if self.cancelled:
            parts.append("cancelled")
        elif self.finished:
            parts.append(f"finished in {_clock(self.elapsed_s)}")
        else:
            parts.append(f"ETA {_clock(self.eta_s) if self.eta_s is not None else '…'}")
        return " · ".join(parts)

    def summary(self) -> dict[str, Any]:
        """The counts as JSON (what /batch streams while it runs)."""
        return {"done": self.done, "total": self.total, "answered": self.answered, "problems": len(self.problems),
                "files_per_s": round(self.files_per_s, 3), "elapsed_s": round(self.elapsed_s, 2),
                "eta_s": round(self.eta_s, 1) if self.eta_s is not None else None, "finished": self.finished,
                "cancelled": self.cancelled}


@dataclass(frozen=True)
class BatchJob:
    """One prompt for every file, sampled the same way, against one endpoint of one family."""

    endpoint: Endpoint
    prompt: str
    family: Family | str  # the engine's family (names come from the command line)
    prepare: Callable[[str], PreparedMedia]  # the chat's own: MediaPreparer.message([path], family, ...)
    sampling: SamplingParams = field(default_factory=SamplingParams)
    system_prompt: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    fair_share: FairShare | None = None  # public mode: hold one of the visitor's slots per request
    visitor: str = ""
    save_overlay: Callable[[Image.Image], str] | None = None  # writes a drawn overlay, returns its path
    schema: ExtractSchema | None = None  # extraction: the sampling holds its response_format, answers are read by it


class BatchRunner:
    """Runs a BatchJob; run() yields progress as files finish, cancel() (any thread) stops the rest."""

    def __init__(self, job: BatchJob) -> None:
        self.job = job
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._active: set[ChatSession] = set()
        # requests in flight on the engine; more workers than that prepare and draw the files around them, so the
        # engine always has `concurrency` requests to batch while the CPU work of the others overlaps
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
        # preparing a file is CPU work: more at once than there are cores only delays the first requests
        self._preparing = threading.BoundedSemaphore(usable_cores())

    @property
    def concurrency(self) -> int:
        """Requests in flight at most (the fair share caps it in public mode)."""
        share = self.job.fair_share.per_visitor if self.job.fair_share else self.job.concurrency
        return max(1, min(self.job.concurrency, share))

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop every request in flight (the engine aborts them) and start no more; finished results stay."""
        with self._lock:
            self._cancel.set()
            active = list(self._active)
        for session in active:
            session.stop()

    def run(self, files: Sequence[BatchFile], rejected: Sequence[Rejected] = ()) -> Iterator[BatchProgress]:
        """Yield progress once at the start, after each file, and at the end (finished=True). Closing the
        iterator early cancels the batch."""
        started = time.perf_counter()
        slots: list[FileResult | None] = [FileResult(item.name, "", BAD_FILE, error=item.reason) for item in rejected]
        slots += [None] * len(files)
        finished: queue.Queue[Future] = queue.Queue()
        pool = ThreadPoolExecutor(max_workers=2 * self.concurrency, thread_name_prefix="batch")
        try:
            for offset, item in enumerate(files, start=len(rejected)):
                future = pool.submit(self._one, offset, item)
                future.add_done_callback(finished.put)
            yield self._progress(slots, started)
            for _ in files:
                index, result = finished.get().result()
                slots[index] = result
                yield self._progress(slots, started)
            yield self._progress(slots, started, finished=True)
        finally:
            if any(result is None for result in slots):
                self.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _progress(self, slots: list[FileResult | None], started: float, finished: bool = False) -> BatchProgress:
        return BatchProgress(len(slots), tuple(result for result in slots if result is not None),
                             time.perf_counter() - started, finished, self.cancelled)

    def _one(self, index: int, item: BatchFile) -> tuple[int, FileResult]:
        try:
            return index, self._answer(item)
        except Exception as error:  # noqa: BLE001 - one file's surprise must not sink the batch
            return index, FileResult(item.name, item.path, FAILED, error=f"{type(error).__name__}: {error}")

    def _answer(self, item: BatchFile) -> FileResult:
        result = FileResult(item.name, item.path)
        if self.cancelled:
            return replace(result, status=CANCELLED, error="Cancelled before it was sent.")
        try:
            with self._preparing:
                media = self.job.prepare(item.path)
        except UploadError as error:
            return replace(result, status=BAD_FILE, error=_reason(error, item.path))
        kind = "video" if media.videos else "image"
        sent = (media.videos or media.images)[0]
        result = replace(result, kind=kind, original_size=tuple(sent.original_size), sent_size=tuple(sent.input_size))
        with self._in_flight, self._slot():
            if self.cancelled:
                return replace(result, status=CANCELLED, error="Cancelled before it was sent.")
            turn = self._send(media)
        result = replace(result, answer=turn.answer, metrics=turn.metrics, notes=(turn.notice,) if turn.notice else (),
                         seconds=turn.metrics.total_s if turn.metrics else 0.0)
        if turn.status is TurnStatus.STOPPED:
            return replace(result, status=CANCELLED, error="Cancelled while it was being answered.")
        if turn.status is not TurnStatus.DONE:
            return replace(result, status=FAILED, error=turn.error or f"The answer ended {turn.status.value}.")
        return self._ground(result, turn, media)

    def _send(self, media: PreparedMedia) -> Turn:
        """One request on a session of its own (so stop() cuts only its socket), registered for cancel()."""
        job = self.job
        session = ChatSession(job.endpoint, system_prompt=job.system_prompt or DEFAULT_SYSTEM_PROMPT,
                              sampling=job.sampling)
        with self._lock:
            self._active.add(session)
        try:
            for _update in session.send(job.prompt, media.images, media.videos):
                if self.cancelled:  # also catches a cancel() that came before the send cleared its stop flag
                    session.stop()
            return session.turns[-1]
        finally:
            with self._lock:
                self._active.discard(session)

    def _ground(self, result: FileResult, turn: Turn, media: PreparedMedia) -> FileResult:
        if self.job.schema is not None:  # extraction: the answer read against the schema, its bbox_2d fields drawn
            document = read_document(turn, self.job.schema, get_family(self.job.family))
            grounding = document.grounding
            result = replace(result, extraction=document.extraction, notes=result.notes + document.extraction.notes)
        elif media.videos:
            video = media.videos[0]
            moments = moments_json(parse_moments(turn.answer, duration_s=video.info.duration_s).moments)
            return replace(result, moments=moments)
        else:
            grounding = ground_turn_answer(turn, self.job.family)
        if grounding is None:
            return result
        overlay_path = None
        if grounding.overlay is not None and self.job.save_overlay is not None:
            overlay_path = self.job.save_overlay(grounding.overlay)
        return replace(result, grounding=replace(grounding, overlay=None), overlay_path=overlay_path,
                       notes=result.notes + grounding.notes)

    @contextmanager
    def _slot(self) -> Iterator[None]:
        """Public mode: wait for one of the visitor's fair-share slots (the chat may hold some), then hold it."""
        share = self.job.fair_share
        if share is None:
            yield
            return
        while True:
            try:
                with share.slot(self.job.visitor):
                    yield
                return
            except VisitorBusy:
                if self._cancel.wait(SLOT_WAIT_S):
                    yield  # cancelled: the caller notices and sends nothing
                    return


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _reason(error: UploadError, path: str) -> str:
    """The preparer's message without its own file-name prefix (the result names the file)."""
    message = str(error)
    prefix = f"{path.rsplit('/', 1)[-1]}: "
    return message.removeprefix(prefix)


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"
