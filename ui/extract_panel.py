"""The Extract tab: document images and a JSON Schema (a template, pasted, uploaded or derived from an example) in;
the engine's answer held to the schema, read and validated, shown as fields, its bbox_2d fields drawn on the
document, with JSON and CSV downloads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from backend.chat.session import SamplingParams
from backend.errors import UserError
from backend.extract.document import ExtractedDocument
from backend.extract.schema import load_schema, schema_from_example, template, template_choices
from backend.studio.drawing import upright_file
from backend.studio.session import BrowserSession
from backend.studio.studio import Studio
from ui.chat_panel import CHAT_CONCURRENCY_ID, visitor_of
from ui.errors import shows_user_errors

FIRST_TEMPLATE = "receipt"
OWN_SCHEMA = "custom"


@dataclass
class ExtractPanel:
    """Inputs (document, schema, limits) and the result views."""

    files: gr.File
    template: gr.Dropdown
    schema: gr.Code
    schema_file: gr.UploadButton
    example: gr.Code
    derive: gr.Button
    max_tokens: gr.Slider
    run: gr.Button
    verdict: gr.Markdown
    fields: gr.Dataframe
    drawn: gr.AnnotatedImage
    raw: gr.Code
    downloads: gr.File

    @property
    def results(self) -> list[gr.components.Component]:
        return [self.verdict, self.fields, self.drawn, self.raw, self.downloads]


def build_extract_panel() -> ExtractPanel:
    """The tab's components (inside the caller's Tab)."""
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            files = gr.File(label="Document: one image per page (scan, photo or screenshot)", file_count="multiple",
                            file_types=["image"], elem_id="extract-files")
            template_box = gr.Dropdown([*template_choices(), ("Your own schema", OWN_SCHEMA)], value=FIRST_TEMPLATE,
                                       label="What to extract (loads its schema below)", elem_id="extract-template")
            schema = gr.Code(template(FIRST_TEMPLATE).text, language="json", label="JSON Schema", lines=12,
                             max_lines=24, elem_id="extract-schema")
            with gr.Row():
                schema_file = gr.UploadButton("Load a schema file", file_types=[".json"], size="sm")
            with gr.Accordion("Derive a schema from an example answer", open=False):
                example = gr.Code('{"vendor": "ACME", "total": 12.5, "items": [{"name": "Tea", "price": 2.5}]}',
                                  language="json", label="Example JSON", lines=4, elem_id="extract-example")
                derive = gr.Button("Derive schema", size="sm", elem_id="extract-derive")
            max_tokens = gr.Slider(64, 8192, value=1024, step=64, label="Max tokens", elem_id="extract-max-tokens")
            run = gr.Button("Extract", variant="primary", elem_id="extract-run")
        with gr.Column(scale=3, min_width=300):
            verdict = gr.Markdown("*Add a document and press Extract.*", elem_id="extract-verdict")
            fields = gr.Dataframe(headers=["field", "value"], column_count=2, wrap=True, interactive=False,
                                  label="Fields", elem_id="extract-fields")
            drawn = gr.AnnotatedImage(label="Where the fields are (bbox_2d)", visible=False, elem_id="extract-drawn")
            raw = gr.Code(language="json", label="Raw answer", lines=6, max_lines=20, interactive=False,
                          elem_id="extract-raw")
            downloads = gr.File(label="Downloads (JSON, CSV)", file_count="multiple", interactive=False,
                                elem_id="extract-downloads")
    return ExtractPanel(files, template_box, schema, schema_file, example, derive, max_tokens, run, verdict, fields,
                        drawn, raw, downloads)


def wire_extract_panel(studio: Studio, panel: ExtractPanel, session: gr.State) -> None:
    """Template, schema file and example fill the editor; Extract streams the raw answer, then the result."""
    private = {"api_visibility": "private"}

    def load_template(name: str) -> dict:
        return {} if name == OWN_SCHEMA else {panel.schema: template(name).text}

    @shows_user_errors
    def load_file(path: str) -> dict:
        return {panel.schema: load_schema(Path(path).read_text(encoding="utf-8")).text,
                panel.template: OWN_SCHEMA}

    @shows_user_errors
    def derive(example: str) -> dict:
        return {panel.schema: schema_from_example(example).text, panel.template: OWN_SCHEMA}

    @shows_user_errors
    def extract(paths: list[str] | None, schema_text: str, max_tokens: float, browser: BrowserSession,
                request: gr.Request | None = None) -> Iterator[dict]:
        sampling = SamplingParams(temperature=0.0, max_tokens=int(max_tokens))
        viewer = studio.viewer(visitor=visitor_of(request, browser))
        updates = studio.extract(list(paths or []), schema_text, sampling, viewer)
        first = next(updates)  # a bad schema, no document, no engine: refused before anything on the page changes
        yield {panel.verdict: "*Extracting…*", panel.raw: first.text, panel.downloads: None}
        try:
            for update in updates:
                yield shown(update.document, browser) if update.document else {panel.raw: update.text}
        except UserError as error:  # the answer failed mid-way: said where the verdict stands, the raw text kept
            yield {panel.verdict: f"**The extraction failed.** {error}"}

    panel.template.change(load_template, panel.template, [panel.schema], **private)
    panel.schema_file.upload(load_file, panel.schema_file, [panel.schema, panel.template], **private)
    panel.derive.click(derive, panel.example, [panel.schema, panel.template], **private)
    panel.run.click(extract, [panel.files, panel.schema, panel.max_tokens, session], panel.results,
                    concurrency_limit=studio.settings.chat_concurrency, concurrency_id=CHAT_CONCURRENCY_ID,
                    show_progress="hidden", **private)

    def shown(document: ExtractedDocument, browser: BrowserSession) -> dict:
        extraction = document.extraction
        lines = [f"**{extraction.headline()}**"]
        lines += [f"- {error}" for error in extraction.errors]
        lines += [f"- {note}" for note in document.notes()]
        grounding = document.grounding
        drawn = gr.AnnotatedImage(visible=False)
        if grounding is not None and grounding.found:
            image = document.images[grounding.image_index or 0]
            drawn = gr.AnnotatedImage((upright_file(browser.files, image.source), grounding.annotations()),
                                      visible=True)
        files = None
        if extraction.data is not None:
            folder = browser.files.new_folder("extract")
            files = document.write_files(folder / "extraction.json", folder / "extraction.csv")
        return {panel.verdict: "\n".join(lines), panel.fields: document.fields() or [["(nothing)", ""]],
                panel.drawn: drawn, panel.raw: extraction.raw, panel.downloads: files}
