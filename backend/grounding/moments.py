"""Video moments: parse the time ranges Qwen-VL writes and take thumbnails of them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from backend.grounding.jsonscan import as_number, iter_json_values, split_repeated

_CLOCK = r"\d{1,2}(?::\d{1,2}){1,2}(?:\.\d+)?"
_SECONDS = r"\d+(?:\.\d+)?"
_UNIT = r"(?:seconds?|secs?|s)\b"
_DASH = r"(?:-|–|—|~|to|and)"
_RANGE_RE = re.compile(
    rf"(?P<a>{_CLOCK})\s*(?:{_UNIT})?\s*{_DASH}\s*(?P<b>{_CLOCK})\s*(?:{_UNIT})?"
    rf"|(?P<c>{_SECONDS})\s*(?P<cu>{_UNIT})?\s*{_DASH}\s*(?P<d>{_SECONDS})\s*(?P<du>{_UNIT})"
    rf"|\bfrom\s+(?P<e>{_SECONDS})\s*(?:{_UNIT})?\s*(?:to|until|-)\s*(?P<f>{_SECONDS})\s*(?:{_UNIT})?",
    re.IGNORECASE,
)
_START_KEYS = ("start_time", "start", "begin", "start_s", "from")
_END_KEYS = ("end_time", "end", "stop", "end_s", "to")
_SPAN_KEYS = ("timestamp", "time", "timestamps", "time_range", "span")
_TEXT_KEYS = ("description", "caption", "event", "label", "text", "content", "summary")
_DESCRIPTION_STRIP = " \t,.;:-–—|*\"'`#()[]"
_TRAILING_FILLER_RE = re.compile(r"\s+(?:in|from|between|at|during)$", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"(?:(?<=[.!?。！？])|(?<=[.!?。！？][\"'”’)]))\s+")
# "occurs from 28 seconds to 50 seconds in the video. During this segment, ...": the description is what follows.
_LEADING_FILLER_RE = re.compile(
    r"^(?:(?:in|of|within|into)\s+(?:the|this)\s+(?:video|clip|footage|recording)\b|in\s+it\b)[\s,.;:!)\]]*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Moment:
    """One video event in seconds of the original video."""

    start_s: float
    end_s: float
    description: str
    source: str  # "json" | "text"

    @property
    def middle_s(self) -> float:
        """The instant halfway through the event."""
        return (self.start_s + self.end_s) / 2


@dataclass(frozen=True)
class MomentsResult:
    """Moments found in an answer, sorted by start, with notes on what was fixed or dropped."""

    moments: tuple[Moment, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class MomentThumbnails:
    """Frames of one moment for a timeline: at its start and in its middle (None if unreadable)."""

    moment: Moment
    start: Image.Image | None
    middle: Image.Image | None


def parse_timestamp(value: object) -> float | None:
    """Seconds from 12.5, "12.5", "12.5s", "mm:ss.ff" or "hh:mm:ss(.ff)"; None if unreadable."""
    number = as_number(value)
    if number is not None:
        return number if number >= 0 else None
    if not isinstance(value, str):
        return None
    text = re.sub(rf"\s*{_UNIT}\s*$", "", value.strip(), flags=re.IGNORECASE)
    if not re.fullmatch(_CLOCK, text):
        number = as_number(text)
        return number if number is not None and number >= 0 else None
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def format_timestamp(seconds: float) -> str:
    """"mm:ss.ff", or "h:mm:ss.ff" from one hour on, as the cookbooks write times."""
    hundredths = round(seconds * 100)
    hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    clock = f"{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"
    return f"{hours}:{clock}" if hours else clock


def parse_moments(
    text: object, duration_s: float | None = None, offset_s: float = 0.0, time_scale: float = 1.0
) -> MomentsResult:
    """Events in an answer as seconds of the original video; never raises on model output.

    A model time t maps to offset_s + t * time_scale (for a clip cut from, or sped up against, the original).
    """
    if not isinstance(text, str) or not text.strip():
        return MomentsResult((), ())
    notes: list[str] = []
    found = _json_moments(text)
    if not found:
        found = _text_moments(text)
    moments = [_to_original(moment, offset_s, time_scale) for moment in found]
    moments = _fit_to_duration(moments, duration_s, notes)
    moments = sorted(dict.fromkeys(moments), key=lambda moment: (moment.start_s, moment.end_s))
    return MomentsResult(tuple(moments), tuple(notes))


def _json_moments(text: str) -> list[Moment]:
    moments: list[Moment] = []
    for found in iter_json_values(text):
        moments.extend(_moments_in_value(found.value))
    return moments


def _moments_in_value(value: Any) -> list[Moment]:
    if isinstance(value, (list, tuple)):
        return [moment for element in value for moment in _moments_in_value(element)]
    if not isinstance(value, dict):
        return []
    groups = split_repeated(value)
    if len(groups) > 1:  # several events packed into one object with repeated keys
        return [moment for group in groups for moment in _moments_in_value(group)]
    moment = _moment_from_object(value)
    if moment is not None:
        return [moment]
    keyed = []
    for key, inner in value.items():
        match = _RANGE_RE.fullmatch(str(key).strip())
        if match is not None:
            start, end = _range_bounds(match)
            keyed.append(Moment(start, end, _describe(inner), "json"))
    return keyed or [moment for inner in value.values() for moment in _moments_in_value(inner)]


def _moment_from_object(obj: dict[str, Any]) -> Moment | None:
    lowered = {str(key).lower(): inner for key, inner in obj.items()}
    start = next((parse_timestamp(lowered[key]) for key in _START_KEYS if key in lowered), None)
    end = next((parse_timestamp(lowered[key]) for key in _END_KEYS if key in lowered), None)
    if start is None or end is None:
        span = next((lowered[key] for key in _SPAN_KEYS if key in lowered), None)
        start, end = _span_bounds(span)
    if start is None or end is None:
        return None
    description = next((_describe(lowered[key]) for key in _TEXT_KEYS if key in lowered), "")
    return Moment(start, end, description, "json")


def _span_bounds(span: Any) -> tuple[float | None, float | None]:
    if isinstance(span, (list, tuple)) and len(span) == 2:
        return parse_timestamp(span[0]), parse_timestamp(span[1])
    if isinstance(span, str):
        match = _RANGE_RE.search(span)
        if match is not None:
            return _range_bounds(match)
    return None, None


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else str(value)


def _range_bounds(match: re.Match[str]) -> tuple[float, float]:
    first, second = next(
        (match.group(a), match.group(b)) for a, b in (("a", "b"), ("c", "d"), ("e", "f")) if match.group(a)
    )
    return parse_timestamp(first) or 0.0, parse_timestamp(second) or 0.0


def _text_moments(text: str) -> list[Moment]:
    moments = []
    for line in text.splitlines():
        matches = list(_RANGE_RE.finditer(line))
        for position, match in enumerate(matches):
            previous_end = matches[position - 1].end() if position else 0
            next_start = matches[position + 1].start() if position + 1 < len(matches) else len(line)
            following = line[match.end():next_start].strip()
            after = _LEADING_FILLER_RE.sub("", following.strip(_DESCRIPTION_STRIP)).strip(_DESCRIPTION_STRIP)
            before = _last_sentence(line[previous_end:match.start()].strip(_DESCRIPTION_STRIP))
            before = _TRAILING_FILLER_RE.sub("", before).strip(_DESCRIPTION_STRIP)
            if following.startswith("(") and before:
                after = ""  # "... 195.2s to 220.7s (since the next scene ...)": an aside, not the event
            start, end = _range_bounds(match)
            moments.append(Moment(start, end, after or before, "text"))
    return moments


def _last_sentence(fragment: str) -> str:
    """The sentence that leads up to a time range, without the sentences before it on the line."""
    return _SENTENCE_END_RE.split(fragment)[-1]


def _to_original(moment: Moment, offset_s: float, time_scale: float) -> Moment:
    start = offset_s + moment.start_s * time_scale
    end = offset_s + moment.end_s * time_scale
    return Moment(min(start, end), max(start, end), moment.description, moment.source)


def _fit_to_duration(moments: list[Moment], duration_s: float | None, notes: list[str]) -> list[Moment]:
    if duration_s is None:
        return moments
    kept = []
    for moment in moments:
        if moment.start_s >= duration_s:
            notes.append(
                f"Dropped an event at {format_timestamp(moment.start_s)}: the video is only "
                f"{format_timestamp(duration_s)} long."
            )
            continue
        if moment.end_s > duration_s:
            notes.append(f"Cut an event that ran past the end of the video at {format_timestamp(duration_s)}.")
            moment = Moment(moment.start_s, float(duration_s), moment.description, moment.source)
        kept.append(moment)
    return kept


def moment_thumbnails(
    video_path: str | Path, moments: Sequence[Moment], max_side: int = 320
) -> tuple[list[MomentThumbnails], list[str]]:
    """Frames at each moment's start and middle, read by seeking (CAP_PROP_POS_MSEC) in the video."""
    import cv2  # OpenCV is only needed here

    capture = cv2.VideoCapture(str(video_path))
    notes: list[str] = []
    if not capture.isOpened():
        unopened = [f"Could not open {video_path} for thumbnails."]
        return [MomentThumbnails(moment, None, None) for moment in moments], unopened
    try:
        thumbnails = [
            MomentThumbnails(
                moment, _frame_at(capture, moment.start_s, max_side), _frame_at(capture, moment.middle_s, max_side)
            )
            for moment in moments
        ]
    finally:
        capture.release()
    unreadable = sum(thumb.start is None or thumb.middle is None for thumb in thumbnails)
    if unreadable:
        notes.append(f"{unreadable} event(s) have a frame that could not be read.")
    return thumbnails, notes


def _frame_at(capture: Any, seconds: float, max_side: int) -> Image.Image | None:
    import cv2

    capture.set(cv2.CAP_PROP_POS_MSEC, max(0.0, seconds) * 1000.0)
    ok, frame = capture.read()
    if not ok:  # seeking at or past the last frame fails on some containers: take the last frame
        frame_count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if frame_count <= 0:
            return None
        capture.set(cv2.CAP_PROP_POS_FRAMES, frame_count - 1)
        ok, frame = capture.read()
        if not ok:
            return None
    image = Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    image.thumbnail((max_side, max_side))
    return image


def moments_json(moments: Sequence[Moment]) -> list[dict[str, Any]]:
    """Moments as JSON-able rows for a timeline."""
    return [
        {
            "start_s": round(moment.start_s, 3),
            "end_s": round(moment.end_s, 3),
            "start": format_timestamp(moment.start_s),
            "end": format_timestamp(moment.end_s),
            "description": moment.description,
            "source": moment.source,
        }
        for moment in moments
    ]
