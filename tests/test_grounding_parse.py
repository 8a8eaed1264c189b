"""Parsing Qwen-VL answers: the table-driven corpus, each format's details, and robustness."""

from __future__ import annotations

import json
import math
import random

import pytest

from backend.grounding import ground, parse_answer
from backend.grounding.jsonscan import iter_json_values, lenient_loads
from tests.grounding_corpus import CASES, Case


def _summary(result) -> list[tuple[str, str, tuple[float, ...]]]:
    return [(item.kind, item.display_label, item.box or item.point) for item in result.items]


def test_corpus_is_large_and_covers_every_format() -> None:
    formats = {fmt for case in CASES for fmt in ground(case.answer, case.original, case.model_input, case.family).formats}
    assert len(CASES) >= 40
    assert formats == {"json", "xml-points", "qwenvl-html", "box-tokens", "plain"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_answer_maps_to_expected_original_pixels(case: Case) -> None:
    result = ground(case.answer, case.original, case.model_input, case.family)
    got = _summary(result)
    assert [(kind, label) for kind, label, _ in got] == [(kind, label) for kind, label, _ in case.expected]
    for (_, _, coords), (_, _, expected) in zip(got, case.expected):
        assert coords == pytest.approx(expected, abs=1e-6)
    for fragment in case.notes:
        assert any(fragment in note for note in result.notes), (fragment, result.notes)
    if case.formats:
        assert result.formats == case.formats


def test_extra_keys_are_kept_as_attributes() -> None:
    answer = '[{"bbox_2d": [1, 2, 3, 4], "label": "motorcyclist", "sub_label": "wearing helmet", "speed": 3}]'
    (item,) = parse_answer(answer).items
    assert item.attributes == {"sub_label": "wearing helmet", "speed": 3}


def test_text_content_is_kept_as_text_and_shown_when_no_label() -> None:
    (item,) = parse_answer('[{"bbox_2d": [1, 2, 3, 4], "text_content": "CINNAMON"}]').items
    assert (item.label, item.text, item.display_label) == ("", "CINNAMON", "CINNAMON")


def test_xml_points_keep_alt_when_phrase_differs() -> None:
    (item,) = parse_answer('<points x1="5" y1="6" alt="pin">rolling pin</points>').items
    assert (item.label, item.attributes) == ("rolling pin", {"alt": "pin"})


def test_html_element_text_includes_nested_text_in_document_order() -> None:
    answer = '<div class="table" data-bbox="0 0 9 9"><p data-bbox="1 1 8 4">a <b>b</b></p>c</div>'
    items = parse_answer(answer).items
    assert [(item.label, item.text) for item in items] == [("table", "a b c"), ("p", "a b")]


def test_html_bbox_that_is_not_four_numbers_is_noted() -> None:
    parsed = parse_answer('<p data-bbox="1 2 3">x</p><p data-bbox="1 2 3 4">y</p>')
    assert [item.text for item in parsed.items] == ["y"]
    assert any("not 4 numbers" in note for note in parsed.notes)


def test_box_token_with_wrong_count_is_noted() -> None:
    parsed = parse_answer("<|object_ref_start|>x<|object_ref_end|><|box_start|>(1,2),(3)<|box_end|>")
    assert parsed.items == ()
    assert any("3 numbers" in note for note in parsed.notes)


def test_thousands_separated_number_is_not_a_plain_box() -> None:
    assert parse_answer("The city has 1,000,000,000 visitors.").items == ()


def test_truncation_note_names_what_was_dropped() -> None:
    parsed = parse_answer('[{"bbox_2d": [1, 2, 3, 4], "label": "a"}, {"bbox_2d": [5, 6')
    assert len(parsed.items) == 1
    assert any('{"bbox_2d": [5, 6' in note for note in parsed.notes)


def test_two_hundred_boxes_parse_in_order() -> None:
    boxes = [{"bbox_2d": [i, i, i + 10, i + 10], "label": f"item{i % 7}"} for i in range(200)]
    parsed = parse_answer("```json\n" + json.dumps(boxes, indent=2) + "\n```")
    assert [item.coords[0] for item in parsed.items] == [float(i) for i in range(200)]


@pytest.mark.parametrize("junk", [None, 42, "", "   ", "[", "{", "[[[[[[", "]]]}}}", "```json", "```json\n```", "\x00\x01",
                                  "[" * 5000, '{"bbox_2d": ' * 300, "<points x1='a' y1='b'>", "<|box_start|><|box_end|>"])
def test_junk_never_raises(junk: object) -> None:
    parsed = parse_answer(junk)
    assert all(len(item.coords) in (2, 4) for item in parsed.items)


def test_every_prefix_of_every_corpus_answer_parses_to_finite_coordinates() -> None:
    for case in CASES:
        for end in range(len(case.answer) + 1):
            for item in parse_answer(case.answer[:end]).items:
                assert all(math.isfinite(value) for value in item.coords), (case.name, end)


def test_random_mutations_never_raise() -> None:
    rng = random.Random(1234)
    alphabet = '[]{}",:\'<>/|()0123456789 -.\nabc'
    for case in CASES:
        for _ in range(20):
            chars = list(case.answer)
            for _ in range(rng.randint(1, 6)):
                if chars:
                    chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            parse_answer("".join(chars))


def test_stray_brackets_in_long_prose_do_not_hide_a_later_answer() -> None:
    prose = "see [note {a} and (b] " * 800
    parsed = parse_answer(prose + '[{"bbox_2d": [1, 2, 3, 4], "label": "x"}]')
    assert [item.label for item in parsed.items] == ["x"]


def test_scanner_reports_how_each_value_was_read() -> None:
    text = '[1, 2] then [1, 2,] then [{"a": 1}, {"b": '
    assert [(found.how, found.value) for found in iter_json_values(text)] == [
        ("strict", [1, 2]), ("lenient", [1, 2]), ("repaired", [{"a": 1}])
    ]


def test_lenient_loads_rejects_non_containers_and_code() -> None:
    assert lenient_loads("'just a string'") is None
    assert lenient_loads("[__import__('os')]") is None
    assert lenient_loads("{'a': True, 'b': null,}") == {"a": True, "b": None}
