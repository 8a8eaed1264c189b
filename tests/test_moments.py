"""Video moments: every time format Qwen writes, mapping to the original video, and seek thumbnails."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from backend.grounding.moments import (
    Moment,
    format_timestamp,
    moment_thumbnails,
    moments_json,
    parse_moments,
    parse_timestamp,
)

MOMENT_CASES = [
    ("The event happens in 64.0 - 72.0 seconds.", [(64.0, 72.0, "The event happens")]),
    ('```json\n[{"start_time": "00:00.00", "end_time": "00:21.80", "description": "A man walks in."},\n'
     ' {"start_time": "00:21.80", "end_time": "01:02.50", "description": "He sits at the desk."}]\n```',
     [(0.0, 21.8, "A man walks in."), (21.8, 62.5, "He sits at the desk.")]),
    ('{"00:23.00 - 00:48.00": "cutting onions", "01:00.00 - 01:10.00": "frying them"}',
     [(23.0, 48.0, "cutting onions"), (60.0, 70.0, "frying them")]),
    ("21.0 - 22.0 seconds, begin to run up.  23.0 - 24.0 seconds, begin to jump up.",
     [(21.0, 22.0, "begin to run up"), (23.0, 24.0, "begin to jump up")]),
    ("From 15.15 seconds to 25.09 seconds, the host reports the news.", [(15.15, 25.09, "the host reports the news")]),
    ("00:01:05 - 00:01:30: the car turns left", [(65.0, 90.0, "the car turns left")]),
    ("1:02:03.5 - 1:02:10 the crowd cheers", [(3723.5, 3730.0, "the crowd cheers")]),
    ('[{"start": 3.5, "end": 7, "caption": "a ball bounces"}, {"timestamp": "00:10 - 00:12", "event": "it stops"}]',
     [(3.5, 7.0, "a ball bounces"), (10.0, 12.0, "it stops")]),
    ('[{"start_time": "12.5s", "end_time": "20s", "description": "a door opens"}]', [(12.5, 20.0, "a door opens")]),
    ('[{"timestamps": [4, 9], "label": "wave"}]', [(4.0, 9.0, "wave")]),
    ("The answer is between 30 and 45 seconds.", [(30.0, 45.0, "The answer is")]),
    ('```json\n[{"start_time": "00:05.00", "end_time": "00:09.00", "description": "first"}, '
     '{"start_time": "00:10.00", "end_ti', [(5.0, 9.0, "first")]),
    ("There are 3 - 5 people in the room.", []),
    ("The video shows a cat.", []),
    ("", []),
]


@pytest.mark.parametrize(("answer", "expected"), MOMENT_CASES, ids=[str(i) for i in range(len(MOMENT_CASES))])
def test_answer_shapes_become_moments_in_seconds(answer: str, expected: list[tuple[float, float, str]]) -> None:
    result = parse_moments(answer)
    assert [(m.start_s, m.end_s, m.description) for m in result.moments] == pytest.approx(expected)


def test_moments_are_sorted_and_inverted_ranges_swapped() -> None:
    result = parse_moments('[{"start": 30, "end": 20, "caption": "b"}, {"start": 1, "end": 2, "caption": "a"}]')
    assert [(m.start_s, m.end_s, m.description) for m in result.moments] == [(1, 2, "a"), (20, 30, "b")]


def test_events_past_the_end_are_cut_or_dropped_with_notes() -> None:
    result = parse_moments("10 - 40 seconds, running. 50 - 60 seconds, resting.", duration_s=30)
    assert [(m.start_s, m.end_s) for m in result.moments] == [(10, 30)]
    assert any("Cut an event" in note for note in result.notes)
    assert any("Dropped an event at 00:50.00" in note for note in result.notes)


def test_clip_offset_and_time_scale_map_to_the_original_video() -> None:
    (moment,) = parse_moments("The event happens in 2.0 - 4.0 seconds.", offset_s=60, time_scale=1.5).moments
    assert (moment.start_s, moment.end_s) == (63.0, 66.0)


def test_junk_never_raises() -> None:
    for junk in (None, 7, "[", '{"start_time": "99:99:99:99", "end_time": []}', "00:00 - ", "- 5 seconds"):
        parse_moments(junk)


@pytest.mark.parametrize(("text", "seconds"), [("00:21.80", 21.8), ("01:02.50", 62.5), ("1:00:00", 3600.0),
                                               ("12.5", 12.5), ("12.5s", 12.5), ("7 seconds", 7.0), (3, 3.0),
                                               ("abc", None), (-4, None), ("", None)])
def test_parse_timestamp(text: object, seconds: float | None) -> None:
    assert parse_timestamp(text) == seconds


def test_format_timestamp_matches_the_cookbook_form() -> None:
    assert [format_timestamp(s) for s in (0, 21.8, 62.5, 3725.456)] == ["00:00.00", "00:21.80", "01:02.50", "1:02:05.46"]


def test_moments_json_rows() -> None:
    assert moments_json([Moment(1.0, 2.5, "x", "text")]) == [
        {"start_s": 1.0, "end_s": 2.5, "start": "00:01.00", "end": "00:02.50", "description": "x", "source": "text"}
    ]


SECOND_COLORS = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255), (255, 0, 255), (255, 255, 0)]  # BGR per second


@pytest.fixture(scope="module")
def colour_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 s, 10 fps clip whose every second has its own solid colour."""
    path = tmp_path_factory.mktemp("video") / "seconds.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    for color in SECOND_COLORS:
        for _ in range(10):
            writer.write(np.full((48, 64, 3), color, np.uint8))
    writer.release()
    return path


def _dominant_rgb(image) -> tuple[int, int, int]:
    return tuple(int(round(channel / 255)) * 255 for channel in np.asarray(image).reshape(-1, 3).mean(axis=0))


def _rgb_of_second(second: int) -> tuple[int, int, int]:
    blue, green, red = SECOND_COLORS[second]
    return red, green, blue


def test_thumbnails_show_the_frames_at_start_and_middle(colour_video: Path) -> None:
    moments = [Moment(0.2, 2.6, "a", "json"), Moment(3.3, 5.9, "b", "json")]
    thumbnails, notes = moment_thumbnails(colour_video, moments)
    assert notes == []
    assert [(_dominant_rgb(t.start), _dominant_rgb(t.middle)) for t in thumbnails] == [
        (_rgb_of_second(0), _rgb_of_second(1)), (_rgb_of_second(3), _rgb_of_second(4))]


def test_thumbnail_at_the_very_end_falls_back_to_the_last_frame(colour_video: Path) -> None:
    (thumb,), notes = moment_thumbnails(colour_video, [Moment(6.0, 6.0, "end", "text")])
    assert _dominant_rgb(thumb.start) == _rgb_of_second(5) and notes == []


def test_thumbnails_are_scaled_down(colour_video: Path) -> None:
    (thumb,), _ = moment_thumbnails(colour_video, [Moment(1, 2, "x", "text")], max_side=32)
    assert max(thumb.start.size) == 32


def test_unreadable_video_gives_empty_thumbnails_and_a_note(tmp_path: Path) -> None:
    missing = tmp_path / "none.mp4"
    thumbnails, notes = moment_thumbnails(missing, [Moment(1, 2, "x", "text")])
    assert (thumbnails[0].start, thumbnails[0].middle) == (None, None)
    assert notes and "Could not open" in notes[0]
