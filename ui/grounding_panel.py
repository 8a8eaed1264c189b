"""The grounding tab: the last chat answer's boxes and points on its image (gr.AnnotatedImage), as JSON and as a
download; also a manual mode that grounds a pasted answer on an uploaded image."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from backend.errors import UserError
from backend.families import DEFAULT_FAMILY, FAMILIES, get_family
from backend.grounding import GroundingResult
from backend.studio.drawing import upright_file, write_exports
from backend.studio.session import BrowserSession, TurnView
from backend.studio.studio import Studio
from ui.errors import shows_user_errors


@dataclass
class GroundingPanel:
    """Result views plus the manual inputs."""

    annotated: gr.AnnotatedImage
    answer_choice: gr.Dropdown
    result_json: gr.JSON
    download: gr.File
    notes: gr.Markdown
    image: gr.Image
    answer: gr.Textbox
    family: gr.Dropdown
    frame: gr.Radio
    custom_pixels: gr.Number
    draw: gr.Button

    @property
    def outputs(self) -> list[gr.components.Component]:
        """The components a grounding result fills."""
        return [self.annotated, self.answer_choice, self.result_json, self.download, self.notes]

    def show(self, studio: Studio, session: BrowserSession, view: TurnView) -> dict:
        """Values for a chat turn's grounding, and the chat's answers with items to go back to (unchanged views
        when the turn drew nothing)."""
        if view.grounding is None or view.grounding_image is None:
            return {}
        drawn = drawn_answers(session)
        chosen = next((number for number, kept in drawn if kept is view), None)
        return {**self.values(studio, session, view.grounding, view.grounding_image),
                self.answer_choice: gr.Dropdown(choices=[(label, number) for number, _view, label in
                                                         answer_labels(session, drawn)],
                                                value=chosen, visible=len(drawn) > 1)}

    def values(self, studio: Studio, session: BrowserSession, result: GroundingResult, image_path: str) -> dict:
        """Values for a result on the image at image_path (its files go into the session's folder)."""
        downloads = write_exports(session.files, result, image_path) if result.found else None
        found = f"{len(result.items)} item(s) in original-image pixels ({result.original_size[0]}x" \
                f"{result.original_size[1]}; the model saw {result.input_size[0]}x{result.input_size[1]})."
        notes = "\n".join(f"- {note}" for note in result.notes)
        return {self.annotated: (upright_file(session.files, image_path), result.annotations()),
                self.result_json: result.to_json(), self.download: downloads,
                self.notes: found + ("\n\n" + notes if notes else "")}

    def cleared(self) -> dict:
        """Empty views."""
        return {self.annotated: None, self.answer_choice: gr.Dropdown(choices=[], value=None, visible=False),
                self.result_json: None, self.download: None, self.notes: ""}


def drawn_answers(session: BrowserSession) -> list[tuple[int, TurnView]]:
    """(1-based message number, view) of each answer of the chat that has a grounding, in order."""
    return [(number, view) for number, view in enumerate(session.views, start=1)
            if view.grounding is not None and view.grounding_image is not None]


def answer_labels(session: BrowserSession, drawn: list[tuple[int, TurnView]]) -> list[tuple[int, TurnView, str]]:
    """Each drawn answer with a label: its number and the start of the question it answers."""
    turns = session.chat.turns
    return [(number, view, f"#{number}: {turns[number - 1].user_text[:40] or '(no text)'}") for number, view in drawn]


def frame_choices(studio: Studio) -> list[tuple[str, str]]:
    """The frames a pasted answer may have been made in, each with its budget."""
    server = " / ".join(f"{family.max_pixels / 1e6:.1f} MP for {name}" for name, family in FAMILIES.items()
                        if name != "qwen2-vl")
    return [(f"This app's budget ({studio.settings.image_max_pixels / 1e6:.1f} MP: what its chat and /ask send)",
             "app"),
            (f"The server's default: another client's request ({server})", "server"),
            ("A custom budget (pixels)", "custom")]


def build_grounding_panel(studio: Studio) -> GroundingPanel:
    """Create the grounding tab's components (inside the caller's Tab)."""
    gr.Markdown("Boxes and points of the last grounding answer in the chat, mapped to the original image's pixels. "
                "Or paste an answer below and draw it on any image.")
    with gr.Row():
        with gr.Column(scale=3):
            annotated = gr.AnnotatedImage(label="Grounding", height=520, elem_id="annotated")
            answer_choice = gr.Dropdown(label="Answer shown (the chat's answers with items)", choices=[],
                                        visible=False, elem_id="grounding-answer")
        with gr.Column(scale=2):
            notes = gr.Markdown(elem_id="grounding-notes")
            result_json = gr.JSON(label="Items (original-image pixels)", elem_id="grounding-json", open=True)
            download = gr.File(label="Download (JSON, COCO)", file_count="multiple", elem_id="grounding-download")
    with gr.Accordion("Draw a pasted answer on an image", open=False), gr.Row():
        image = gr.Image(type="filepath", label="Image", height=240, sources=["upload"], elem_id="pasted-image")
        with gr.Column():
            answer = gr.Textbox(label="Model answer", lines=6, elem_id="pasted-answer",
                                placeholder='```json\n[{"bbox_2d": [10, 20, 110, 220], "label": "cat"}]\n```')
            family = gr.Dropdown(list(FAMILIES), value=DEFAULT_FAMILY.name, label="Model family",
                                 info="Qwen2.5-VL answers in model-input pixels; Qwen2-VL / Qwen3-VL in 0-1000")
            frame = gr.Radio(frame_choices(studio), value="app", label="The image was sent at",
                             info="Qwen2.5-VL's pixels depend on the size the image was sent at",
                             elem_id="pasted-frame")
            custom_pixels = gr.Number(studio.settings.image_max_pixels, label="Custom budget (pixels)", precision=0,
                                      visible=False, elem_id="pasted-pixels")
            draw = gr.Button("Draw", variant="primary", elem_id="pasted-draw")
    return GroundingPanel(annotated, answer_choice, result_json, download, notes, image, answer, family, frame,
                          custom_pixels, draw)


def wire_grounding_panel(studio: Studio, panel: GroundingPanel, session: gr.State) -> None:
    """The manual Draw button (its overlay and exports go into the browser session's folder)."""

    @shows_user_errors
    def draw(image_path: str | None, answer: str, family: str, frame: str, custom_pixels: float | None,
             browser: BrowserSession) -> dict:
        if not image_path:
            raise UserError("Upload an image first.")
        result = studio.ground(image_path, answer, family, get_family(family).sent_budget(frame, custom_pixels))
        if not result.found:
            gr.Warning("No box or point found in the answer. " + " ".join(result.notes))
        return panel.values(studio, browser, result, image_path)

    panel.draw.click(draw, [panel.image, panel.answer, panel.family, panel.frame, panel.custom_pixels, session],
                     panel.outputs, api_visibility="private", concurrency_limit=4)
    def go_back(number: int | None, browser: BrowserSession) -> dict:
        view = dict(drawn_answers(browser)).get(number)
        if view is None or view.grounding is None or view.grounding_image is None:
            return {}
        return panel.values(studio, browser, view.grounding, view.grounding_image)

    panel.answer_choice.input(go_back, [panel.answer_choice, session], panel.outputs, api_visibility="private",
                              concurrency_limit=4)
    panel.frame.change(lambda frame: gr.Number(visible=frame == "custom"), [panel.frame], [panel.custom_pixels],
                       queue=False, api_visibility="private")
