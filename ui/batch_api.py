"""The /batch named endpoint, and how the Batch tab and it start a batch on the engine serving now: the chat's
media preparer and family, public caps and the visitor's fair share, exports into the work folder."""

# No `from __future__ import annotations` here: gr.api reads the real return types for the API docs.
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from gradio.data_classes import FileData
from PIL import Image

from backend.batch.export import result_json, write_exports
from backend.batch.files import BatchLimits, BatchRefused, Discovery, discover
from backend.batch.runner import DEFAULT_CONCURRENCY, BatchJob, BatchProgress, BatchRunner
from backend.chat.session import SamplingParams
from backend.media.encode import save_picture
from ui.api import file_data, path_of
from ui.chat_flow import family_now, video_limits
from ui.context import AppContext

BATCH_CONCURRENCY_ID = "batch"
BATCHES_AT_ONCE = 4  # batch events running side by side (each keeps up to DEFAULT_CONCURRENCY requests in flight)
API_RUNS_KEPT = 16  # /batch result folders kept; each new one past this deletes the oldest
OVERLAY_MAX_SIDE = 1600  # gallery overlays are saved at most this big (JPEG), the originals stay untouched
STREAM_EVERY_S = 0.5
NO_ENGINE = "No model server is running. Start one (or attach to one) on the Server tab, then run the batch again."


@dataclass
class StartedBatch:
    """A batch ready to run: the runner, the files it found (and left out), and its folder."""

    runner: BatchRunner
    found: Discovery
    folder: Path

    def progress(self) -> Iterator[BatchProgress]:
        """The runner's progress (see BatchRunner.run)."""
        return self.runner.run(self.found.files, self.found.rejected)

    def exports(self, progress: BatchProgress) -> dict[str, str]:
        """JSON lines, COCO and CSV of the results, written into the batch's folder."""
        return write_exports(list(progress.results), self.folder / "exports")


def start_batch(context: AppContext, paths: list[str], prompt: str, folder: Path, *, max_tokens: int = 1024,
                temperature: float = 0.0, system_prompt: str | None = None, visitor: str = "",
                overlays: bool = True) -> StartedBatch:
    """Find the files (expanding zips into folder) and set up their batch; raises BatchRefused, in plain words,
    for an empty prompt, no files, no engine, or a batch over the public demo's caps."""
    prompt = (prompt or "").strip()
    if not prompt:
        raise BatchRefused("The prompt is empty: pick a preset or type what to ask about every file.")
    if not paths:
        raise BatchRefused("No files: add images or videos (or a zip of them), then run again.")
    endpoint = context.endpoint()
    if endpoint is None:
        raise BatchRefused(NO_ENGINE)
    public = context.settings.public
    folder.mkdir(parents=True, exist_ok=True)
    found = discover(paths, folder / "files", BatchLimits.public() if public else BatchLimits())
    family, videos = family_now(context), video_limits(context)
    job = BatchJob(
        endpoint, prompt, family, lambda path: context.media.message([path], family, videos),
        SamplingParams(temperature=float(temperature), max_tokens=int(max_tokens)), system_prompt=system_prompt,
        concurrency=DEFAULT_CONCURRENCY, fair_share=context.fair_share if public else None, visitor=visitor,
        save_overlay=_overlay_saver(folder / "overlays") if overlays else None)
    return StartedBatch(BatchRunner(job), found, folder)


def _overlay_saver(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)

    def save(overlay: Image.Image) -> str:
        path = folder / f"{uuid.uuid4().hex}.jpg"
        picture = overlay.convert("RGB")
        picture.thumbnail((OVERLAY_MAX_SIDE, OVERLAY_MAX_SIDE))
        save_picture(picture, path, quality=88)
        return str(path)
    return save


def api_folder(context: AppContext) -> Path:
    """A fresh folder for one /batch call; the oldest go once more than API_RUNS_KEPT exist."""
    root = context.work_dir / "batch-api"
    root.mkdir(parents=True, exist_ok=True)
    runs = sorted((path for path in root.iterdir() if path.is_dir()), key=lambda path: path.stat().st_mtime)
    for old in runs[: max(0, len(runs) - API_RUNS_KEPT + 1)]:
        shutil.rmtree(old, ignore_errors=True)
    return root / uuid.uuid4().hex


def register_batch_api(context: AppContext) -> None:
    """Register /batch (inside the caller's Blocks context)."""

    def batch(files: list[FileData], prompt: str, max_tokens: int = 1024, temperature: float = 0.0,
              request: gr.Request = None) -> Iterator[dict]:
        """One prompt over many images / videos (or zips of them), many requests side by side. Streams
        {"progress": {done, total, answered, problems, files_per_s, eta_s, ...}} while it runs and ends with
        {"progress", "results": [{file, status, answer, items (original-image pixels), error, metrics,
        original_size, sent_size, ...}], "files": {"jsonl", "coco", "csv"}}. Bad files are listed with their
        error; the rest finish. Closing the call stops what is in flight. A public demo caps a batch at 20 files
        and 200 MB and runs it within the visitor's fair share."""
        folder = api_folder(context)
        visitor = getattr(request, "session_hash", None) or "api"
        try:
            started = start_batch(context, [path_of(item) for item in files or []], prompt, folder,
                                  max_tokens=int(max_tokens or 1024), temperature=float(temperature or 0.0),
                                  visitor=visitor, overlays=False)
        except BatchRefused as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise gr.Error(str(error)) from None
        shown = 0.0
        for progress in started.progress():
            if progress.finished:
                exports = started.exports(progress)
                shutil.rmtree(folder / "files", ignore_errors=True)  # expanded zips: no longer needed
                yield {"progress": progress.summary(), "results": [result_json(item) for item in progress.results],
                       "files": {kind: file_data(path) for kind, path in exports.items()}}
            elif time.monotonic() - shown >= STREAM_EVERY_S:
                shown = time.monotonic()
                yield {"progress": progress.summary()}

    gr.api(batch, api_name="batch", concurrency_limit=BATCHES_AT_ONCE, concurrency_id=BATCH_CONCURRENCY_ID)
