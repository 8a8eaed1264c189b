"""A thinking model end to end, against the stand-in serving "Qwen3-VL-8B-Thinking" both ways SGLang may: the
reasoning in the text before `</think>` (no reasoning parser), or in reasoning_content deltas (`--reasoning-parser
qwen3`). Its reasoning holds a loose box of its own, which nothing may draw, read or send back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PIL import Image

from backend.chat.conversation import TurnStatus
from backend.chat.session import ChatSession, SamplingParams
from backend.endpoint import Endpoint
from backend.studio.fixed_endpoint import FixedEndpoint
from backend.studio.session import TurnView
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from tests.helpers import DEFAULT_ANSWERS, RecordingClient, standin_process
from ui.chat_view import THINKING_TITLE, chat_messages

THINKING_MODEL = "Qwen/Qwen3-VL-8B-Thinking"
GREEDY = SamplingParams(temperature=0.0, max_tokens=512)
CAT = DEFAULT_ANSWERS[1]["answer"]  # the scripted box for "find the cat"
STYLES = {"in the text": (), "reasoning parser": ("--reasoning-parser", "qwen3")}


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("thinking") / "answers.json"
    path.write_text(json.dumps(DEFAULT_ANSWERS), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module", params=list(STYLES))
def engine(request: pytest.FixtureRequest, script: str) -> Iterator[Endpoint]:
    """A Qwen3-VL Thinking stand-in, once per way of sending reasoning."""
    with standin_process(THINKING_MODEL, "--script", script, "--tpot-ms", "1", *STYLES[request.param]) as endpoint:
        yield replace(endpoint, family="qwen3-vl")


@pytest.fixture
def studio(engine: Endpoint, tmp_path: Path) -> Studio:
    return Studio(FixedEndpoint(engine), StudioSettings(work_dir=tmp_path / "work"))


def photo(path: Path) -> str:
    Image.new("RGB", (1000, 800), "white").save(path)
    return str(path)


def test_the_standin_sends_reasoning_the_way_its_launch_flags_say(engine: Endpoint) -> None:
    body = {"model": engine.model, "messages": [{"role": "user", "content": "Find the cat."}], "stream": True}
    with httpx.stream("POST", engine.api_base + "/chat/completions", json=body, headers=engine.headers) as response:
        deltas = [json.loads(line[6:])["choices"][0]["delta"] for line in response.iter_lines()
                  if line.startswith("data: {")][1:-1]
    text = "".join(delta.get("content") or "" for delta in deltas)
    fields = "".join(delta["reasoning_content"] or "" for delta in deltas)
    assert "<think>" not in text and text.endswith(CAT)
    if fields:  # SGLang's parser: the reasoning in its own field, </think> gone, the answer after a blank line
        assert fields.startswith("Okay, the user asks") and text == "\n\n" + CAT
    else:  # no parser: the template opened <think>, so the text holds the reasoning and only the closing tag
        assert text.startswith("Okay, the user asks") and "\n</think>\n\n" + CAT in text


def test_a_session_streams_the_reasoning_first_then_the_answer_apart(engine: Endpoint) -> None:
    session = ChatSession(engine, sampling=GREEDY)
    updates = [update for update in session.send("Find the cat.") if update.text or update.reasoning]
    flags = [update.thinking for update in updates]
    assert flags == sorted(flags, reverse=True) and True in flags and False in flags  # it thinks, then answers
    assert all(not update.text for update in updates if update.thinking)  # while it thinks, no answer shows
    turn = session.turns[-1]
    assert turn.status is TurnStatus.DONE and turn.answer == CAT and turn.thinking_s is not None
    assert turn.reasoning.startswith("Okay, the user asks") and "</think>" not in turn.reasoning


def test_a_follow_up_sends_back_only_the_earlier_answer(engine: Endpoint) -> None:
    recorder = RecordingClient()
    session = ChatSession(engine, sampling=GREEDY, http_client=recorder)
    list(session.send("Find the cat."))
    list(session.send("Is it asleep?"))
    assert recorder.bodies[1]["messages"][2] == {"role": "assistant", "content": CAT}


def test_an_answer_cut_while_thinking_is_all_reasoning_and_left_out_of_the_history(engine: Endpoint) -> None:
    recorder = RecordingClient()
    session = ChatSession(engine, sampling=replace(GREEDY, max_tokens=12), http_client=recorder)
    final = list(session.send("Find the cat."))[-1]
    assert final.metrics.finish_reason == "length" and final.text == ""
    assert final.reasoning.startswith("Okay, the user asks") and session.turns[-1].thinking_s is not None
    list(session.send("Try again, briefly."))
    assert [message["role"] for message in recorder.bodies[1]["messages"]] == ["system", "user"]


def test_ask_gives_the_reasoning_apart_and_draws_only_the_answers_box(studio: Studio, tmp_path: Path) -> None:
    answer = studio.ask("Find the cat.", [photo(tmp_path / "cat.png")], [], GREEDY, studio.viewer())
    assert answer["answer"] == CAT and answer["reasoning"].startswith("Okay, the user asks")
    assert [item["label"] for item in answer["items"]] == ["cat"]  # not the reasoning's "whole picture"
    assert answer["items"][0]["bbox"] == pytest.approx([10, 16, 110, 176])  # 0–1000 of the 1000x800 photo
    assert answer["overlay"]


def test_ask_of_a_model_that_does_not_think_gives_an_empty_reasoning(standin_endpoint: Endpoint,
                                                                      tmp_path: Path) -> None:
    studio = Studio(FixedEndpoint(standin_endpoint), StudioSettings(work_dir=tmp_path / "work"))
    answer = studio.ask("What is in the picture?", [photo(tmp_path / "p.png")], [], GREEDY, studio.viewer())
    assert answer["reasoning"] == "" and answer["answer"] == "A red square on a blue background."


def test_stream_chat_streams_the_answer_alone_or_with_its_reasoning(studio: Studio) -> None:
    texts = list(studio.stream_chat("Find the cat.", [], [], GREEDY, studio.viewer()))
    parts = list(studio.stream_chat("Find the cat.", [], [], GREEDY, studio.viewer(), with_reasoning=True))
    assert texts[-1] == CAT and not any("Okay" in text for text in texts)
    assert parts[-1] == {"answer": CAT, "reasoning": parts[-1]["reasoning"]}
    assert parts[-1]["reasoning"].startswith("Okay, the user asks")
    assert any(part["reasoning"] and not part["answer"] for part in parts)  # the thinking streams before it


def test_extraction_reads_only_the_answer(studio: Studio, tmp_path: Path) -> None:
    *_, last = studio.extract([photo(tmp_path / "receipt.png")], "receipt", GREEDY, studio.viewer())
    document = last.document
    assert document.extraction.status == "valid"  # the reasoning's {"bbox_2d": ..., "label": ...} was never read
    assert document.turn.reasoning and "whole picture" not in document.extraction.raw


def test_a_pasted_agent_answer_keeps_its_thought_on_the_first_action(standin_endpoint: Endpoint,
                                                                      tmp_path: Path) -> None:
    studio = Studio(FixedEndpoint(standin_endpoint), StudioSettings(work_dir=tmp_path / "work"))
    answer = ("<think>\nThe search box is at the top; I will click it to type the query.\n</think>\n"
              '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [640, 40]}}'
              "\n</tool_call>")
    [action] = studio.ground(photo(tmp_path / "screen.png"), answer, "qwen2.5-vl").items
    assert action.kind == "action" and action.label == "left_click"
    assert action.attributes["thought"] == "The search box is at the top; I will click it to type the query."


def test_the_chat_shows_the_reasoning_as_a_collapsible_thinking_message_before_the_answer(studio: Studio) -> None:
    session = studio.new_session()
    updates = session.chat.send("Find the cat.")
    session.show(updates.turn, TurnView())
    shown = []
    for update in updates:
        if update.reasoning:
            shown.append(chat_messages(session))
    thinking = next(messages for messages in shown if len(messages) == 2)  # the user's, then Thinking alone
    assert thinking[1]["metadata"] == {"title": THINKING_TITLE, "status": "pending"}
    final = chat_messages(session)
    assert [message.get("metadata", {}).get("status") for message in final] == [None, "done", None]
    assert final[1]["content"].startswith("Okay, the user asks") and final[1]["metadata"]["duration"] >= 0
    assert final[2]["content"].startswith(CAT.replace("\t", "  "))  # the answer's bubble, as it always was
