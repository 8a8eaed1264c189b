"""The /batch named endpoint: a few lines over Studio.start_batch, streaming the progress and ending with the
results and their exports."""

# No `from __future__ import annotations` here: gr.api reads the real return types for the API docs.
import shutil
import time
from collections.abc import Iterator

import gradio as gr
from gradio.data_classes import FileData

from backend.batch.export import result_json
from backend.studio.batch import fresh_run_folder
from backend.studio.studio import Studio
from ui.api import api_viewer, file_data, paths_of
from ui.errors import shows_user_errors

BATCH_CONCURRENCY_ID = "batch"
BATCHES_AT_ONCE = 4  # batch events running side by side (each keeps up to DEFAULT_CONCURRENCY requests in flight)
STREAM_EVERY_S = 0.5


def register_batch_api(studio: Studio) -> None:
    """Register /batch (inside the caller's Blocks context)."""

    def batch(files: list[FileData], prompt: str, max_tokens: int = 1024, temperature: float = 0.0,
              schema: str = "", request: gr.Request = None) -> Iterator[dict]:
        """One prompt over many images / videos (or zips of them), many requests side by side. Streams
        {"progress": {done, total, answered, problems, files_per_s, eta_s, ...}} while it runs and ends with
        {"progress", "results": [{file, status, answer, items (original-image pixels), error, metrics,
        original_size, sent_size, ...}], "files": {"jsonl", "coco", "csv"}}. Bad files are listed with their
        error; the rest finish. schema (JSON Schema text or a template name: receipt, invoice, form, table): every
        answer is held to it and read as an extraction (each result gains "extraction": {status, data, valid,
        errors}; the prompt may be empty), and "files" gains "fields_csv" (one row per file, nested objects as
        dotted columns) and "rows_csv" (one row per element of each array of objects). Closing the call stops what is in flight. A public demo caps a batch at 20 files
        and 200 MB and runs it within the visitor's fair share."""
        folder = fresh_run_folder(studio.work.root / "batch-api")
        try:
            started = studio.start_batch(paths_of(files), prompt, folder, api_viewer(studio, request),
                                         max_tokens=int(max_tokens or 1024), temperature=float(temperature or 0.0),
                                         overlays=False, schema=schema or None)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        shown = 0.0
        for progress in started.progress():
            if progress.finished:
                exports = started.exports(progress)
                started.drop_inputs()
                yield {"progress": progress.summary(), "results": [result_json(item) for item in progress.results],
                       "files": {kind: file_data(path) for kind, path in exports.items()}}
            elif time.monotonic() - shown >= STREAM_EVERY_S:
                shown = time.monotonic()
                yield {"progress": progress.summary()}

    gr.api(shows_user_errors(batch), api_name="batch", concurrency_limit=BATCHES_AT_ONCE,
           concurrency_id=BATCH_CONCURRENCY_ID)
