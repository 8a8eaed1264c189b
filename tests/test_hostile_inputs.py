"""Every hostile case of tests/hostile_inputs.py through the app's real paths against the stand-in engine: the
chat's own submit handler (what Gradio runs when a visitor presses Enter), the named API (gradio_client) and,
for markup, the browser. Each case: a clear message, the engine still serving, the conversation kept."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from backend.chat.conversation import DEFAULT_SYSTEM_PROMPT, Turn, TurnStatus
from backend.engine.supervisor import Supervisor
from backend.plans.planner import PlanRequest, make_plan
from standin import standin_plan
from tests.helpers import CHROMIUM, READY_TIMEOUT_S, RunningUi, engine_stats, launch_chromium, start_ui, wait_until
from tests.hostile_inputs import (
    ANSWER_CASES,
    HELLO,
    HELLO_ANSWER,
    HOSTILE_CONTEXT_LENGTH,
    PLAN_CASES,
    RTL_ANSWER,
    SCRIPT_PROMPT,
    SHELL_METACHARACTER_FOLDER,
    TEXT_CASES,
    UPLOAD_CASES,
    AnswerCase,
    PlanCase,
    TextCase,
    UploadCase,
    answer_script,
    case_count,
    qwen_config,
)
from ui.chat_view import told_lines

MAX_TOKENS = 208  # room for every scripted answer (one word or sign per token), on the slider's 16-step grid


@dataclass(frozen=True)
class Reply:
    """What the submit handler showed: what the visitor was told (the notice line and the answer bubble's ⚠ / ℹ
    lines), what it put back in the message box, its grounding notes."""

    notice: str
    message: object  # the message box's new value (a dict keeps the text and files; a component clears it)
    grounding_notes: str
    updates: int


class Chat:
    """One visitor's conversation, driven through the chat panel's own submit handler."""

    def __init__(self, respond: Callable[..., Iterator[dict]], ui: RunningUi) -> None:
        self.respond = respond
        self.session = ui.studio.new_session()

    @property
    def turns(self) -> list[Turn]:
        """The conversation so far."""
        return self.session.chat.turns

    def send(self, text: str, files: list[Path] = ()) -> Reply:
        """Press Enter with this text and these files; run the handler to its end."""
        message = {"text": text, "files": [str(path) for path in files]}
        updates = list(self.respond(message, DEFAULT_SYSTEM_PROMPT, 0.7, 0.8, MAX_TOKENS, 0.0, 0, self.session))
        values: dict[str, object] = {}
        for update in updates:
            values.update({getattr(component, "elem_id", None): value for component, value in update.items()})
        told = [str(values.get("chat-notice") or ""), *told_lines(values.get("chatbot") or [])]
        return Reply("\n".join(told).strip(), values.get("message"), str(values.get("grounding-notes") or ""),
                     len(updates))


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUi]:
    """The app with a ready stand-in (context 4096 tokens) scripted with the hostile answers."""
    root = tmp_path_factory.mktemp("hostile")
    script = root / "answers.json"
    script.write_text(json.dumps(answer_script()), encoding="utf-8")
    running = start_ui(root, root / "examples", load_seconds=0.2, tpot_ms=1, script=str(script))
    request = replace(running.studio.settings.default_request, context_length=HOSTILE_CONTEXT_LENGTH)
    running.studio.launch(request, running.studio.viewer())
    running.wait_ready()
    yield running
    running.close()


@pytest.fixture(scope="module")
def respond(ui: RunningUi) -> Callable[..., Iterator[dict]]:
    """The function Gradio runs when the chat's message box is submitted."""
    handlers = [block.fn for block in ui.demo.fns.values() if getattr(block.fn, "__name__", "") == "respond"]
    assert len(handlers) == 1
    return handlers[0]


@pytest.fixture(scope="module")
def client(ui: RunningUi) -> Client:
    """A gradio_client for the app's named API."""
    return Client(ui.url, verbose=False)


def started_chat(respond: Callable[..., Iterator[dict]], ui: RunningUi) -> Chat:
    """A conversation with one answered turn, so there is something to keep."""
    chat = Chat(respond, ui)
    chat.send(HELLO)
    assert chat.turns[-1].answer == HELLO_ANSWER
    return chat


def assert_conversation_goes_on(chat: Chat, ui: RunningUi) -> None:
    """The first turn is intact, the engine still serves, and the next message gets its answer."""
    first = chat.turns[0]
    assert (first.user_text, first.answer, first.status) == (HELLO, HELLO_ANSWER, TurnStatus.DONE)
    assert ui.studio.supervisor.status().is_ready
    chat.send(HELLO)
    assert (chat.turns[-1].answer, chat.turns[-1].status) == (HELLO_ANSWER, TurnStatus.DONE)


def white_photo(folder: Path) -> Path:
    """A plain 640x480 picture to ground answers on."""
    path = folder / "white.png"
    Image.new("RGB", (640, 480), "white").save(path)
    return path


def test_there_are_at_least_thirty_hostile_cases() -> None:
    assert case_count() >= 30


@pytest.mark.parametrize("case", UPLOAD_CASES, ids=lambda case: case.name)
def test_upload(case: UploadCase, ui: RunningUi, respond, tmp_path: Path) -> None:
    chat = started_chat(respond, ui)
    files = case.make(tmp_path)
    reply = chat.send(case.text, files)
    if case.refused:
        assert re.search(case.refused, reply.notice), reply.notice
        if isinstance(reply.message, dict):  # refused before sending: the text stays in the box
            # a bad file is taken out; for too many files they all stay, for the visitor to choose from
            expected_files = [] if len(files) == 1 else [str(path) for path in files]
            assert reply.message == {"text": case.text, "files": expected_files}
            assert len(chat.turns) == 1
        else:  # refused by the chat: the message is kept in the conversation, marked failed
            assert (chat.turns[-1].user_text, chat.turns[-1].status) == (case.text, TurnStatus.FAILED)
    else:
        turn = chat.turns[-1]
        assert turn.status is TurnStatus.DONE and re.search(case.answered, turn.answer), turn.answer
        assert reply.notice == ""
    assert_conversation_goes_on(chat, ui)


@pytest.mark.parametrize("case", TEXT_CASES, ids=lambda case: case.name)
def test_text(case: TextCase, ui: RunningUi, respond) -> None:
    chat = started_chat(respond, ui)
    requests_before = engine_stats(ui)["requests"]
    text = case.make()
    reply = chat.send(text)
    if case.outcome == "ignored":
        assert reply.updates == 0 and len(chat.turns) == 1
        assert engine_stats(ui)["requests"] == requests_before
    elif case.outcome == "refused":
        turn = chat.turns[-1]
        assert turn.status is TurnStatus.FAILED and turn.user_text == text.strip()
        assert re.search(case.expect, reply.notice), reply.notice[:300]
    else:
        turn = chat.turns[-1]
        assert turn.status is TurnStatus.DONE and re.search(case.expect, turn.answer), turn.answer
    assert_conversation_goes_on(chat, ui)


@pytest.mark.parametrize("case", ANSWER_CASES, ids=lambda case: case.name)
def test_model_answer(case: AnswerCase, ui: RunningUi, respond, tmp_path: Path) -> None:
    chat = started_chat(respond, ui)
    reply = chat.send(f"{case.trigger}: find the objects", [white_photo(tmp_path)])
    turn, view = chat.turns[-1], chat.session.views[-1]
    assert turn.status is TurnStatus.DONE and turn.answer == case.answer  # kept verbatim, whatever it holds
    assert (view.overlay_path is not None) == case.drawn
    if case.drawn:
        assert Image.open(view.overlay_path).size == (640, 480)
        boxes = [item["bbox"] for item in view.grounding.to_json()["items"] if item.get("bbox")]
        assert boxes and all(0 <= x <= 640 and 0 <= y <= 480 for box in boxes for x, y in (box[:2], box[2:]))
    if case.note:  # the visitor is told why nothing (or less) was drawn
        assert re.search(case.note, reply.grounding_notes + reply.notice), (reply.grounding_notes, reply.notice)
    assert_conversation_goes_on(chat, ui)


@pytest.mark.parametrize("case", PLAN_CASES, ids=lambda case: case.name)
def test_launch_choice_is_refused_through_the_api(case: PlanCase, ui: RunningUi, client: Client) -> None:
    serving = ui.studio.supervisor.status().pid
    for api_name, extra in (("/plan", ()), ("/launch", ("",))):
        with pytest.raises(AppError, match=case.refused):
            client.predict(case.model, case.hardware, case.gpus, "sglang", case.context_length, *extra,
                           api_name=api_name)
    status = ui.studio.supervisor.status()
    assert status.is_ready and status.pid == serving
    assert not Path("/tmp/hostile-pwned").exists()


@pytest.mark.parametrize("case", [case for case in UPLOAD_CASES if case.refused], ids=lambda case: case.name)
def test_refused_upload_through_the_api(case: UploadCase, ui: RunningUi, client: Client, tmp_path: Path) -> None:
    files = [handle_file(str(path)) for path in case.make(tmp_path)]
    with pytest.raises(AppError, match=case.refused):
        client.predict(case.text, files, [], MAX_TOKENS, api_name="/chat")
    assert client.predict(HELLO, [], [], MAX_TOKENS, api_name="/chat") == HELLO_ANSWER


@pytest.mark.parametrize("text", ["", "   \n\t "], ids=["empty", "whitespace"])
def test_empty_message_through_the_api_is_refused_without_asking_the_engine(text: str, ui: RunningUi,
                                                                            client: Client) -> None:
    requests_before = engine_stats(ui)["requests"]
    with pytest.raises(AppError, match="(?i)empty|type a message|nothing to send"):
        client.predict(text, [], [], MAX_TOKENS, api_name="/chat")
    assert engine_stats(ui)["requests"] == requests_before


def test_one_megabyte_prompt_through_the_api_gets_the_context_message(ui: RunningUi, client: Client) -> None:
    text = next(case for case in TEXT_CASES if case.name == "one_megabyte_of_text").make()
    with pytest.raises(AppError, match=rf"over the model's context of {HOSTILE_CONTEXT_LENGTH} tokens"):
        client.predict(text, [], [], MAX_TOKENS, api_name="/chat")
    assert client.predict(HELLO, [], [], MAX_TOKENS, api_name="/chat") == HELLO_ANSWER


def test_model_folder_with_shell_metacharacters_is_one_argv_item(supervisor: Supervisor, free_port: int,
                                                                  tmp_path: Path) -> None:
    folder = tmp_path / SHELL_METACHARACTER_FOLDER
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(qwen_config()), encoding="utf-8")
    plan = make_plan(PlanRequest(model=str(folder), hardware="H100", port=free_port))
    assert plan.fits
    assert plan.argv[plan.argv.index("--model-path") + 1] == str(folder.resolve())
    assert shlex.split(plan.shell_line())[len(plan.env):] == list(plan.argv)  # the copy-paste line quotes it
    supervisor.launch(standin_plan(plan, load_seconds=0.2, tpot_ms=1))
    status = supervisor.wait_ready(READY_TIMEOUT_S)
    assert status.is_ready, status.log_tail
    models = httpx.get(plan.base_url + "/v1/models", headers={"Authorization": f"Bearer {plan.api_key}"}).json()
    assert [card["id"] for card in models["data"]] == [SHELL_METACHARACTER_FOLDER]
    assert not list(tmp_path.rglob("hostile-pwned")) and not (Path.cwd() / "hostile-pwned").exists()


# ----- in the browser: markup from the visitor and from the model stays inert -------------------------------
LIVE_MARKUP = """() => {
    const chat = document.querySelector('#chatbot');
    const handlers = [...chat.querySelectorAll('*')].filter(el => [...el.attributes].some(a => /^on/i.test(a.name)));
    return {
        pwned: window.__pwned === undefined ? null : String(window.__pwned),
        scripts: chat.querySelectorAll('script').length,
        frames: chat.querySelectorAll('iframe, object, embed').length,
        handlers: handlers.map(el => el.outerHTML.slice(0, 80)),
        jsLinks: chat.querySelectorAll('a[href^="javascript:" i]').length,
    };
}"""


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_markup_in_prompts_and_answers_renders_inert_in_the_browser(ui: RunningUi) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as driver:
        browser = launch_chromium(driver)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(ui.url)
            page.locator("#status-badge").wait_for(timeout=20_000)
            page.get_by_text("System prompt and sampling").click()
            page.get_by_role("spinbutton", name="Max tokens").fill(str(MAX_TOKENS))
            page.get_by_role("spinbutton", name="Max tokens").press("Tab")
            # the slider shows the typed value once the component holds it (a message sent earlier would go
            # out with the default max tokens, and the stand-in would talk for far longer than the wait below)
            playwright_api.expect(page.get_by_role("slider", name="Max tokens")).to_have_value(str(MAX_TOKENS))
            box = page.locator("#message textarea")
            for text, expected in ((SCRIPT_PROMPT, "Stand-in saw no image"), ("hostile-html please", "done"),
                                   ("שלום", RTL_ANSWER)):
                box.fill(text)
                box.press("Enter")
                assert wait_until(lambda expected=expected: _finished_with(page, expected), timeout_s=30), \
                    _last_answer(page)[-300:]
            chat = page.locator("#chatbot")
            for selector in ("#injected-div", "#injected-link", "img"):
                for element in chat.locator(selector).all():
                    element.hover(timeout=2_000)
            if chat.locator("#injected-link").count():
                chat.locator("#injected-link").first.click(timeout=2_000)
            page.wait_for_timeout(300)
            live = page.evaluate(LIVE_MARKUP)
            assert live == {"pwned": None, "scripts": 0, "frames": 0, "handlers": [], "jsLinks": 0}
            assert "Here you go" in chat.inner_text()  # the answer's text is still shown
        finally:
            browser.close()
    assert ui.studio.supervisor.status().is_ready


def _finished_with(page, expected: str) -> bool:
    answer = _last_answer(page)
    return expected in answer and "▌" not in answer  # chat_view's cursor while an answer streams


def _last_answer(page) -> str:
    texts = [text.strip() for text in page.locator("#chatbot [data-testid=bot]").all_inner_texts()]
    return next((text for text in reversed(texts) if text), "")
