"""The grounding parser on real Qwen answers from public sources (tests/real_answers.py), one test per answer."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from backend.grounding.moments import parse_moments
from backend.grounding.parse import RawItem, parse_answer
from tests.real_answers import REAL_ANSWERS, Item, RealAnswer


def _check_item(got: RawItem, expected: Item, where: str) -> None:
    assert (got.kind, got.label) == (expected.kind, expected.label), where
    assert got.coords == pytest.approx(expected.coords), where
    if expected.text is not None:
        assert got.text == expected.text, where
    for key, value in expected.attributes.items():
        assert key in got.attributes, (where, key, dict(got.attributes))
        assert got.attributes[key] == value, (where, key)


@pytest.mark.parametrize("entry", REAL_ANSWERS, ids=[entry.name for entry in REAL_ANSWERS])
def test_real_answer_parses_as_the_model_wrote_it(entry: RealAnswer) -> None:
    parsed = parse_answer(entry.answer)
    if entry.count is None:
        assert [(item.kind, item.label) for item in parsed.items] == [(item.kind, item.label) for item in entry.items]
        for position, (got, expected) in enumerate(zip(parsed.items, entry.items)):
            _check_item(got, expected, f"item {position}")
    else:
        assert len(parsed.items) == entry.count
        for position, expected in entry.some:
            _check_item(parsed.items[position], expected, f"item {position}")
    for fragment in entry.notes:
        assert any(fragment in note for note in parsed.notes), (fragment, parsed.notes)
    if entry.moments is not None or entry.moment_count is not None:
        got = [(moment.start_s, moment.end_s, moment.description) for moment in parse_moments(entry.answer).moments]
        if entry.moments is not None:
            assert got == pytest.approx(list(entry.moments))
        else:
            assert len(got) == entry.moment_count
            for position, expected in entry.some_moments:
                assert got[position] == pytest.approx(expected), position


def test_corpus_is_large_and_every_entry_names_its_source_and_model() -> None:
    assert len(REAL_ANSWERS) >= 80
    names = Counter(entry.name for entry in REAL_ANSWERS)
    assert [name for name, count in names.items() if count > 1] == []
    for entry in REAL_ANSWERS:
        assert entry.source.strip() and entry.model.strip() and entry.answer.strip(), entry.name
        assert entry.count is None or entry.count >= len(entry.some), entry.name


def test_corpus_covers_the_shapes_qwen_writes() -> None:
    kinds = Counter(item.kind for entry in REAL_ANSWERS for item in parse_answer(entry.answer).items)
    assert kinds["box"] > 100 and kinds["point"] >= 2 and kinds["action"] >= 10
    formats = {fmt for entry in REAL_ANSWERS for fmt in parse_answer(entry.answer).formats}
    assert {"json", "qwenvl-html", "tool-call"} <= formats
    assert sum(entry.moments is not None or entry.moment_count is not None for entry in REAL_ANSWERS) >= 10


@pytest.mark.parametrize("entry", REAL_ANSWERS, ids=[entry.name for entry in REAL_ANSWERS])
def test_every_prefix_of_a_real_answer_parses_without_raising(entry: RealAnswer) -> None:
    """A reply cut anywhere (streaming, max tokens) still parses, to finite numbers; long answers in steps."""
    step = 1 if len(entry.answer) <= 4000 else 7
    for end in range(0, len(entry.answer) + 1, step):
        prefix = entry.answer[:end]
        for item in parse_answer(prefix).items:
            assert all(math.isfinite(value) for value in item.coords), (entry.name, end)
            assert len(item.coords) in ((4,) if item.kind == "box" else (2,) if item.kind == "point" else (0, 2, 4))
        parse_moments(prefix)


def test_label_language_order_is_configurable_and_every_name_is_kept() -> None:
    food = next(entry for entry in REAL_ANSWERS if entry.name == "q3-omni-food-name-zh-en").answer
    anime = next(entry for entry in REAL_ANSWERS if entry.name == "q3-omni-anime-names-dict").answer
    assert parse_answer(food).items[0].label == "Rice"
    chinese = parse_answer(food, label_languages=("zh", "en")).items[0]
    assert (chinese.label, chinese.attributes["name_en"], chinese.attributes["name_zh"]) == ("米饭", "Rice", "米饭")
    assert parse_answer(anime, label_languages=("zh",)).items[0].label == "富冈义勇"
    assert parse_answer(anime, label_languages=("fr",)).items[0].label in ("富冈义勇", "Giyu Tomioka")


def test_actions_are_numbered_in_answer_order_across_tool_calls() -> None:
    """Two real steps of one task written back to back (as a model writing several calls in one reply)."""
    steps = [entry.answer for entry in REAL_ANSWERS if entry.name.startswith("d-guiplus-history-")]
    items = parse_answer("\n".join(steps)).items
    assert [(item.label, item.attributes["step"], item.coords) for item in items] == [
        ("click", 1, (789, 280)), ("click", 2, (112, 134)), ("click", 3, (156, 347)), ("type", 4, ()),
    ]
    assert items[1].attributes["summary"].startswith("点击搜索栏")
    assert items[3].points == () and items[0].points == ((789, 280),)


def test_key_value_answers_never_become_boxes_from_digits_in_strings() -> None:
    for name in ("q25-ocr-key-values-receipt", "tg-ocr-key-values", "q25-ocr-key-values-ticket-zh"):
        answer = next(entry for entry in REAL_ANSWERS if entry.name == name).answer
        assert parse_answer(answer).items == (), name


# Shapes reported for Qwen answers for which no public sample could be found (issue 16); kept as regressions.
REPORTED_SHAPES = [
    ('[{"point_2d": ["38", "314"], "label": "person"}]', [("point", "person", (38, 314))]),
    ('[{"point_2d": ["243, 291"], "label": "cup"}]', [("point", "cup", (243, 291))]),
    ('{"bbox_2d": [1, 2, 30, 40], "description": "a red car"}', [("box", "a red car", (1, 2, 30, 40))]),
    ('[{"bbox": [5, 6, 70, 80], "category": "person"}, {"bbox": [9, 9, 19, 19], "name": "hat"}]',
     [("box", "person", (5, 6, 70, 80)), ("box", "hat", (9, 9, 19, 19))]),
    ('Thought: I should open the menu.\nAction: "Open the menu."\n<tool_call>\n{"name": "computer_use", "arguments": '
     '{"action": "left_click_drag", "coordinate": [10, 20], "coordinate2": [300, 400]}}\n</tool_call>\n<tool_call>\n'
     '{"name": "computer_use", "arguments": {"action": "key", "keys": ["ctrl", "s"]}}\n</tool_call>',
     [("action", "left_click_drag", (10, 20, 300, 400)), ("action", "key", ())]),
    ('<tool_call>\n{"name": "computer_use", "arguments": "{\\"action\\": \\"scroll\\", \\"coordinate\\": [5, 6], '
     '\\"pixels\\": -300}"}\n</tool_call>', [("action", "scroll", (5, 6))]),
]


@pytest.mark.parametrize(("answer", "expected"), REPORTED_SHAPES, ids=[str(i) for i in range(len(REPORTED_SHAPES))])
def test_reported_shapes_without_a_public_sample(answer: str, expected: list[tuple[str, str, tuple]]) -> None:
    assert [(item.kind, item.label, item.coords) for item in parse_answer(answer).items] == expected


def test_reported_video_phrasing_keeps_what_follows_the_time_range() -> None:
    (moment,) = parse_moments("The event occurs from 28 seconds to 50 seconds in the video. During this segment, "
                              "the man slices the onions.").moments
    assert (moment.start_s, moment.end_s, moment.description) == (28, 50, "During this segment, the man slices the onions")
