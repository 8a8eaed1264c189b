"""The Batch tab: many files (or a zip) through one preset or prompt, side by side on the engine, with a progress
line (done / total, files/s, ETA), a gallery of overlays, a results table, bad files with their reasons, Cancel,
and JSON lines / COCO / CSV downloads."""

from __future__ import annotations

import html
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from backend.batch.files import PUBLIC_MAX_BYTES, PUBLIC_MAX_FILES
from backend.batch.runner import OK, BatchProgress, BatchRunner, FileResult
from backend.errors import UserError
from backend.extract.schema import template, template_choices
from backend.grounding.presets import PRESETS, get_preset
from backend.studio.batch import StartedBatch
from backend.studio.studio import Studio
from ui.batch_api import BATCH_CONCURRENCY_ID, BATCHES_AT_ONCE

FREE_PROMPT = ""
EXTRACT = "extract:"  # preset keys "extract:receipt", ...: every answer held to that template's JSON Schema
LINE_EVERY_S = 0.3  # the progress line at most this often
VIEWS_EVERY_S = 2.0  # gallery and table (they resend everything) at most this often
ANSWER_CHARS = 400  # of each answer in the table (the downloads hold all of it)
FILES_LABEL = "Images, videos or a zip"
TABLE_HEADERS = ["file", "answer", "items", "seconds"]
PROBLEM_HEADERS = ["file", "status", "reason"]


class BatchState:
    """One browser's batch (held in a gr.State): the runner in progress, for Cancel, and its files' folder."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.files = studio.work.session()
        self.runner: BatchRunner | None = None

    def __deepcopy__(self, memo: dict) -> BatchState:
        # gr.State hands each browser a deep copy of its initial value: a copy is a fresh, empty one.
        return BatchState(self.studio)

    def new_folder(self) -> Path:
        """A fresh folder for the next run; the last run's files go (its views are replaced anyway)."""
        shutil.rmtree(self.files.root / "batch", ignore_errors=True)
        return self.files.root / "batch" / uuid.uuid4().hex

    def cancel(self) -> None:
        """Stop the batch running now, keeping what finished."""
        if self.runner is not None:
            self.runner.cancel()

    def close(self) -> None:
        """The browser session ended: stop its batch and remove its files."""
        self.cancel()
        self.files.remove()


@dataclass
class BatchPanel:
    """The Batch tab's components."""

    state: gr.State
    files: gr.File
    preset: gr.Dropdown
    subject: gr.Textbox
    prompt: gr.Textbox
    max_tokens: gr.Slider
    temperature: gr.Slider
    run: gr.Button
    cancel: gr.Button
    progress: gr.HTML
    gallery: gr.Gallery
    table: gr.Dataframe
    problems: gr.Dataframe
    downloads: gr.File


def build_batch_panel(studio: Studio) -> BatchPanel:
    """Create the Batch tab's components (inside the caller's Tab)."""
    state = gr.State(BatchState(studio), delete_callback=BatchState.close)
    caps = (f" This public demo takes up to {PUBLIC_MAX_FILES} files and {PUBLIC_MAX_BYTES // 2**20} MB per batch."
            if studio.settings.public else "")
    gr.Markdown("Run one prompt over many images or videos; they go to the engine side by side, so it batches "
                f"them. Boxes and points come back in original-image pixels.{caps}", elem_id="batch-intro")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            files = gr.File(label=FILES_LABEL, file_count="multiple", type="filepath",
                            file_types=["image", "video", ".zip"], elem_id="batch-files", height=200)
        with gr.Column(scale=1, min_width=300):
            choices = [("Free prompt", FREE_PROMPT)] + [(preset.title, preset.key) for preset in PRESETS] + \
                [(f"Extract fields: {title} (JSON Schema)", EXTRACT + name) for title, name in template_choices()]
            with gr.Row():
                preset = gr.Dropdown(choices, value="detect", label="Preset", elem_id="batch-preset", scale=2)
                subject = gr.Textbox(label="Subject", value=get_preset("detect").default_subject,
                                     placeholder="e.g. car, person", elem_id="batch-subject", scale=1)
            prompt = gr.Textbox(get_preset("detect").prompt(), label="Prompt (sent with every file)", lines=2,
                                elem_id="batch-prompt")
            with gr.Accordion("Sampling", open=False), gr.Row():
                max_tokens = gr.Slider(16, 8192, value=1024, step=16, label="Max tokens")
                temperature = gr.Slider(0.0, 2.0, value=0.0, step=0.05, label="Temperature (0: greedy)")
            with gr.Row():
                run = gr.Button("▶ Run batch", variant="primary", elem_id="batch-run")
                cancel = gr.Button("■ Cancel", variant="stop", interactive=False, elem_id="batch-cancel")
    progress = gr.HTML(progress_html(None), elem_id="batch-progress")
    gallery = gr.Gallery(label="Overlays", columns=[4], height=420, object_fit="contain", elem_id="batch-gallery",
                         show_label=True)
    table = gr.Dataframe(headers=TABLE_HEADERS, value=[], interactive=False, wrap=True, label="Results",
                         elem_id="batch-table", max_height=420)
    problems = gr.Dataframe(headers=PROBLEM_HEADERS, value=[], interactive=False, wrap=True, visible=False,
                            label="Files without an answer", elem_id="batch-problems")
    downloads = gr.File(label="Downloads: JSON lines, COCO, CSV", file_count="multiple", interactive=False,
                        elem_id="batch-downloads")
    return BatchPanel(state, files, preset, subject, prompt, max_tokens, temperature, run, cancel, progress,
                      gallery, table, problems, downloads)


def wire_batch_panel(studio: Studio, panel: BatchPanel) -> None:
    """Attach the Batch tab's events (Run streams; Cancel skips the queue so it reaches a busy batch)."""
    outputs = [panel.run, panel.cancel, panel.progress, panel.gallery, panel.table, panel.problems,
               panel.downloads, panel.state]

    def run(files: list[str] | None, preset_key: str, subject: str, prompt: str, max_tokens: float,
            temperature: float, state: BatchState, request: gr.Request) -> Iterator[dict]:
        system = _system_prompt(preset_key, subject, prompt)
        schema = preset_key.removeprefix(EXTRACT) if preset_key.startswith(EXTRACT) else None
        try:
            visitor = studio.viewer(visitor=getattr(request, "session_hash", None) or "browser")
            started = studio.start_batch(list(files or []), prompt, state.new_folder(), visitor,
                                         max_tokens=int(max_tokens), temperature=temperature, system_prompt=system,
                                         schema=schema)
        except UserError as error:  # shown in the tab's progress line, where the run would be
            gr.Warning(str(error))
            yield {panel.progress: progress_html(None, str(error))}
            return
        state.runner = started.runner
        yield {panel.run: gr.Button(interactive=False), panel.cancel: gr.Button(interactive=True),
               panel.gallery: None, panel.table: [], panel.problems: gr.Dataframe(value=[], visible=False),
               panel.downloads: None, panel.state: state}
        yield from _stream(started, panel)
        state.runner = None

    def cancel(state: BatchState) -> None:
        state.cancel()  # the running handler sees every file come back and ends with what finished

    def pick_preset(preset_key: str, prompt: str) -> tuple[str, str]:
        if not preset_key:  # a free prompt: keep what is typed
            return "", prompt
        if preset_key.startswith(EXTRACT):
            return "", template(preset_key.removeprefix(EXTRACT)).instruction(studio.family())
        preset = get_preset(preset_key)
        return preset.default_subject, preset.prompt()

    def fill_prompt(preset_key: str, subject: str, prompt: str) -> str:
        return get_preset(preset_key).prompt(subject) if preset_key and not preset_key.startswith(EXTRACT) else prompt

    panel.run.click(run, [panel.files, panel.preset, panel.subject, panel.prompt, panel.max_tokens,
                          panel.temperature, panel.state], outputs, concurrency_limit=BATCHES_AT_ONCE,
                    concurrency_id=BATCH_CONCURRENCY_ID, api_visibility="private", show_progress="hidden")
    panel.cancel.click(cancel, [panel.state], None, queue=False, api_visibility="private")
    # the box shows a few files and scrolls: its label says how many there are
    panel.files.change(lambda files: gr.File(label=files_label(files)), panel.files, panel.files, queue=False,
                       api_visibility="private", show_progress="hidden")
    panel.preset.input(pick_preset, [panel.preset, panel.prompt], [panel.subject, panel.prompt], queue=False,
                       api_visibility="private")
    for trigger in (panel.subject.submit, panel.subject.blur):
        trigger(fill_prompt, [panel.preset, panel.subject, panel.prompt], [panel.prompt], queue=False,
                api_visibility="private")


def _stream(started: StartedBatch, panel: BatchPanel) -> Iterator[dict]:
    """Progress as files finish (throttled: the gallery and table resend everything), then the full results.
    Leaving early (the browser went) closes the runner's progress, which cancels what is in flight."""
    line_at = views_at = 0.0
    updates = started.progress()
    try:
        for progress in updates:
            now = time.monotonic()
            if progress.finished:
                yield {**views(panel, progress), panel.progress: progress_html(progress),
                       panel.downloads: list(started.exports(progress).values()),
                       panel.run: gr.Button(interactive=True), panel.cancel: gr.Button(interactive=False)}
            elif now - views_at >= VIEWS_EVERY_S:
                line_at = views_at = now
                yield {**views(panel, progress), panel.progress: progress_html(progress)}
            elif now - line_at >= LINE_EVERY_S:
                line_at = now
                yield {panel.progress: progress_html(progress)}
    finally:
        updates.close()


def views(panel: BatchPanel, progress: BatchProgress) -> dict:
    """Gallery, table and problem list for the results so far."""
    answered = [result for result in progress.results if result.status == OK]
    gallery = [(result.overlay_path, f"{result.file} · {result.items} item(s)") for result in answered
               if result.overlay_path]
    table = [[result.file, _shown_answer(result), result.items, round(result.seconds, 2)] for result in answered]
    problems = [[result.file, result.status, result.error] for result in progress.problems]
    return {panel.gallery: gallery or None, panel.table: table,
            panel.problems: gr.Dataframe(value=problems, visible=bool(problems))}


def files_label(files: list[str] | None) -> str:
    count = len(files or [])
    return f"{FILES_LABEL} · {count} file{'s' if count != 1 else ''}" if count else FILES_LABEL


def progress_html(progress: BatchProgress | None, message: str = "") -> str:
    """The progress bar and its line (escaped: file names and messages are not markup)."""
    if progress is None:
        text = message or "Add files, pick a preset or type a prompt, then Run."
        return f'<div class="batch-progress"><span id="batch-line">{html.escape(text)}</span></div>'
    return (f'<div class="batch-progress"><progress id="batch-bar" max="{max(progress.total, 1)}" '
            f'value="{progress.done}" style="width:100%"></progress>'
            f'<span id="batch-line">{html.escape(progress.line())}</span></div>')


def _system_prompt(preset_key: str, subject: str, prompt: str) -> str | None:
    """The preset's own system prompt (document parsing) while its prompt is the one being sent."""
    if not preset_key or preset_key.startswith(EXTRACT):
        return None
    preset = get_preset(preset_key)
    return preset.system_prompt if (prompt or "").strip() == preset.prompt(subject).strip() else None


def _shown_answer(result: FileResult) -> str:
    """An extraction as its verdict and its data (compact JSON), else the answer's text (shortened)."""
    extraction = result.extraction
    if extraction is None:
        return _short(result.answer)
    data = json.dumps(extraction.data, ensure_ascii=False) if extraction.data is not None else result.answer
    return _short(f"{extraction.status}: {data}")


def _short(text: str) -> str:
    return text if len(text) <= ANSWER_CHARS else text[:ANSWER_CHARS] + "…"
