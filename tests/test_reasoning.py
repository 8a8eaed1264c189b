"""A thinking model's reasoning kept apart from its answer (backend.chat.reasoning), however the engine sends it:
in the text with or without the opening tag, split across chunks anywhere, cut off, or in a parser's own field."""

from __future__ import annotations

import pytest
from openai.types.chat.chat_completion_chunk import ChoiceDelta

from backend.chat.conversation import build_request, conversation_from_openai
from backend.chat.reasoning import ReasoningSplitter, delta_reasoning, split_text
from backend.families import thinks_first
from backend.grounding import ground
from backend.media.uploads import MediaPolicy

# What Qwen3-VL-8B-Thinking writes for a grounding prompt when no reasoning parser runs: its chat template ended the
# prompt with "<think>\n", so the text has no opening tag. The reasoning tries a box before the answer gives two.
REASONING = (
    "Got it, let's see. The user wants every cup in the picture with its box. There's a white mug on the left "
    'side of the table, next to the laptop. A first try: {"bbox_2d": [100, 400, 280, 700], "label": "mug"} — '
    "no, that takes in the laptop's corner, so it starts a bit further right and lower. Then there's a glass on "
    "the right, beside the plate, about a tenth of the width. So two cups, in the 0–1000 grid."
)
ANSWER = (
    '```json\n[\n\t{"bbox_2d": [112, 420, 265, 690], "label": "white mug"},\n'
    '\t{"bbox_2d": [702, 388, 818, 655], "label": "glass cup"}\n]\n```'
)
RECORDED = REASONING + "\n</think>\n\n" + ANSWER


def stream(text: str, size: int, thinks: bool = True) -> tuple[list, object]:
    """Feed text in chunks of `size` characters; (each split while streaming, the final split)."""
    splitter = ReasoningSplitter(thinks)
    splits = [splitter.feed(text[start:start + size]) for start in range(0, len(text), size)]
    return splits, splitter.finish()


def test_a_thinking_answer_without_its_opening_tag_grounds_only_the_answer_boxes() -> None:
    said = split_text(RECORDED)
    assert (said.reasoning, said.answer) == (REASONING, ANSWER)
    result = ground(said.answer, (2000, 1000), (1984, 992), "qwen3-vl")
    assert [item.label for item in result.items] == ["white mug", "glass cup"]
    assert result.items[0].box == pytest.approx((224, 420, 530, 690))  # 0–1000 of the 2000x1000 original
    assert "mug" in [item.label for item in ground(RECORDED, (2000, 1000), (1984, 992), "qwen3-vl").items]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13])
def test_tags_split_across_chunks_never_show_and_split_the_same(size: int) -> None:
    splits, final = stream(RECORDED, size)
    assert (final.reasoning, final.answer, final.thinking) == (REASONING, ANSWER, False)
    for split in splits:  # every view while streaming is the start of the final one: no "</thi" ever shows
        assert REASONING.startswith(split.reasoning) and ANSWER.startswith(split.answer)
    assert [split.thinking for split in splits] == ["</think>" not in RECORDED[:size * (n + 1)]
                                                   for n in range(len(splits))]


def test_an_opening_tag_starts_reasoning_for_any_model() -> None:
    said = split_text("<think>\nThe user wants the button.\n</think>\n\nClick “Send”.")
    assert (said.reasoning, said.answer) == ("The user wants the button.", "Click “Send”.")


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_an_opening_tag_after_blank_lines_split_across_chunks_is_found(size: int) -> None:
    splits, final = stream("\n\n<think>\n" + RECORDED, size, thinks=False)
    assert (final.reasoning, final.answer) == (REASONING, ANSWER)
    assert all(REASONING.startswith(split.reasoning) and ANSWER.startswith(split.answer) for split in splits)


def test_an_answer_cut_before_the_closing_tag_is_all_reasoning_so_far() -> None:
    cut = RECORDED[:RECORDED.index("</think>") + len("</thi")]  # max_tokens ended it inside the tag
    splitter = ReasoningSplitter(thinks_first=True)
    assert splitter.feed(cut).thinking
    final = splitter.finish(cut=True)
    assert (final.reasoning, final.answer, final.thinking) == (REASONING + "\n</thi", "", False)  # as SGLang flushes


def test_a_parsers_reasoning_fields_are_kept_apart_from_the_content() -> None:
    splitter = ReasoningSplitter(thinks_first=True)
    # SGLang --reasoning-parser qwen3: reasoning_content deltas, then the "\n\n" and the answer as content
    deltas = [ChoiceDelta.model_validate({"reasoning_content": REASONING[:40]}),
              ChoiceDelta.model_validate({"reasoning_content": REASONING[40:]}),
              ChoiceDelta.model_validate({"reasoning_content": None, "content": "\n\n"}),
              ChoiceDelta.model_validate({"reasoning": None, "content": ANSWER})]
    splits = [splitter.feed(delta.content or "", delta_reasoning(delta)) for delta in deltas]
    assert [split.thinking for split in splits] == [True, True, True, False]
    assert (splits[-1].reasoning, splits[-1].answer) == (REASONING, ANSWER)
    assert delta_reasoning(ChoiceDelta.model_validate({"reasoning": "newer vLLM"})) == "newer vLLM"


def test_a_model_taken_to_think_first_that_ends_without_closing_was_answering() -> None:
    splitter = ReasoningSplitter(thinks_first=True)
    assert splitter.feed("The picture shows a harbour at dusk.").thinking  # it may still be thinking
    final = splitter.finish(cut=False)  # it ended by itself (finish_reason "stop") and never closed
    assert (final.reasoning, final.answer) == ("", "The picture shows a harbour at dusk.")


def test_a_tool_call_ends_unclosed_reasoning_as_sglangs_qwen3_detector_does() -> None:
    call = '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [512, 88]}}\n' \
           "</tool_call>"
    splits, final = stream("I should open the File menu first.\n" + call, 4)
    assert (final.reasoning, final.answer) == ("I should open the File menu first.", call)
    assert all(call.startswith(split.answer) for split in splits)


def test_an_answer_without_reasoning_comes_through_as_it_was() -> None:
    answer = "<|object_ref_start|>the cat<|object_ref_end|><|box_start|>(120,344),(498,780)<|box_end|>"
    splits, final = stream(answer, 3, thinks=False)
    assert (final.reasoning, final.answer) == ("", answer)
    assert not any(split.thinking or split.reasoning for split in splits)


def test_thinking_checkpoints_are_known_by_their_served_names() -> None:
    assert thinks_first("Qwen/Qwen3-VL-8B-Thinking") and thinks_first("qwen3-vl-30b-a3b-thinking-fp8")
    assert thinks_first("Qwen/Qwen3.5-9B")
    assert not thinks_first("Qwen/Qwen3-VL-8B-Instruct") and not thinks_first("Qwen/Qwen2.5-VL-7B-Instruct")


def test_a_history_sends_back_only_the_answers_of_earlier_turns() -> None:
    history = [{"role": "user", "content": "Where are the cups?"}, {"role": "assistant", "content": RECORDED}]
    conversation = conversation_from_openai(history, prepare_image=lambda data: None)
    assert conversation.turns[0].reasoning == REASONING
    conversation.turns.append(type(conversation.turns[0])(user_text="And the plates?"))
    messages = build_request(conversation, MediaPolicy(), original_videos=True).messages
    assert messages[2] == {"role": "assistant", "content": ANSWER}
