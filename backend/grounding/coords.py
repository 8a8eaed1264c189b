"""Coordinate systems of Qwen-VL families and the exact mapping onto original-image pixels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from backend.families import DEFAULT_FAMILY, RELATIVE_RANGE, family_for_model, get_family
from backend.grounding.items import RawItem, display_label

Size = tuple[int, int]  # (width, height)

_OUTSIDE_TOLERANCE = 1.1
_NAMED_IN_NOTE = 5


@dataclass(frozen=True)
class GroundedItem:
    """One grounding item mapped onto the original image, in its pixels."""

    index: int  # 1-based position in the answer, stable across dropped items
    kind: str  # "box" | "point" | "action"
    box: tuple[float, float, float, float] | None
    point: tuple[float, float] | None  # a point, or an action's coordinate (None for type / key / wait ...)
    label: str  # for an action: the action ("click", "swipe", ...)
    text: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    source: str = "json"
    model_coords: tuple[float, ...] = ()  # as the model wrote them
    point2: tuple[float, float] | None = None  # a two-point action's coordinate2 (drag, swipe)

    @property
    def display_label(self) -> str:
        """The label to show: the label, else the spotted text, else the kind."""
        return display_label(self.label, self.text, self.kind)

    @property
    def step(self) -> int:
        """An action's place in the answer's sequence of actions (0 for other items)."""
        return int(self.attributes.get("step", 0) or 0)


@dataclass(frozen=True)
class MappedItems:
    """Items in original pixels, plus notes on what was swapped, clamped or dropped."""

    items: tuple[GroundedItem, ...]
    notes: tuple[str, ...]


def normalize_family(family: str) -> str:
    """Canonical family name ("qwen2.5-vl", "qwen2-vl", "qwen3-vl") from a family or model name."""
    return get_family(family).name


def family_from_model_name(name: str | None, override: str | None = None) -> str:
    """The family of a served model name or local path; `override` wins; unknown names give the default."""
    return get_family(override).name if override else family_for_model(name).name


def uses_absolute_pixels(family: str) -> bool:
    """True when the family answers in pixels of the model-input image, False for 0-1000 relative."""
    return get_family(family).absolute_pixels


def coordinate_frame(family: str, input_size: Size) -> tuple[float, float]:
    """Width and height of the frame the model's numbers live in."""
    return get_family(family).frame(input_size)


def frame_to_original(x: float, y: float, frame: tuple[float, float], original_size: Size) -> tuple[float, float]:
    """One model-frame position as a position on the original image (continuous pixel coordinates)."""
    return x * original_size[0] / frame[0], y * original_size[1] / frame[1]


def choose_target_image(image_count: int, requested: int | None = None) -> tuple[int, str]:
    """0-based index of the image an answer refers to (default: the last one) and a sentence saying which."""
    if image_count < 1:
        raise ValueError("A grounding answer needs at least one image in the turn.")
    if image_count == 1:
        return 0, ""
    if requested is not None and 0 <= requested < image_count:
        return requested, f"Drawn on image {requested + 1} of {image_count} (chosen)."
    if requested is not None:
        return image_count - 1, (
            f"There is no image {requested + 1}; drawn on the last image ({image_count} of {image_count})."
        )
    return image_count - 1, f"Drawn on the last image ({image_count} of {image_count}); pick another image to re-map."


def _check_size(name: str, size: Size) -> None:
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"{name} must be a positive (width, height), got {size!r}.")


def map_items(raw_items: Sequence[RawItem], original_size: Size, input_size: Size, family: str) -> MappedItems:
    """Map parsed items onto original pixels: scale, swap inverted corners, clamp, drop degenerate ones."""
    _check_size("original_size", original_size)
    _check_size("input_size", input_size)
    frame = coordinate_frame(family, input_size)
    width, height = float(original_size[0]), float(original_size[1])
    kept: list[GroundedItem] = []
    swapped: list[int] = []
    clamped: list[int] = []
    dropped: list[str] = []
    for index, raw in enumerate(raw_items, start=1):
        if raw.kind == "box":
            x1, y1 = frame_to_original(raw.coords[0], raw.coords[1], frame, original_size)
            x2, y2 = frame_to_original(raw.coords[2], raw.coords[3], frame, original_size)
            if x1 > x2 or y1 > y2:
                swapped.append(index)
                x1, x2 = min(x1, x2), max(x1, x2)
                y1, y2 = min(y1, y2), max(y1, y2)
            box = (_clamp(x1, width), _clamp(y1, height), _clamp(x2, width), _clamp(y2, height))
            if box != (x1, y1, x2, y2):
                clamped.append(index)
            if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
                reason = "no area"
                if clamped and clamped[-1] == index:
                    clamped.pop()
                    reason = "outside the image"
                dropped.append(f"#{index} {raw.display_label!r} ({reason})")
                continue
            kept.append(_grounded(index, raw, box=box))
        elif raw.kind == "action":
            points = [frame_to_original(x, y, frame, original_size) for x, y in raw.points[:2]]
            if any(not (0 <= x <= width and 0 <= y <= height) for x, y in points):
                dropped.append(f"#{index} {raw.display_label!r} (action outside the screenshot)")
                continue
            kept.append(_grounded(index, raw, point=points[0] if points else None,
                                  point2=points[1] if len(points) > 1 else None))
        else:
            x, y = frame_to_original(raw.coords[0], raw.coords[1], frame, original_size)
            if not (0 <= x <= width and 0 <= y <= height):
                dropped.append(f"#{index} {raw.display_label!r} (point outside the image)")
                continue
            kept.append(_grounded(index, raw, point=(x, y)))
    notes = _mapping_notes(swapped, clamped, dropped)
    hint = _frame_hint(raw_items, frame, family)
    return MappedItems(tuple(kept), tuple(notes + ([hint] if hint else [])))


def _grounded(
    index: int,
    raw: RawItem,
    box: tuple[float, float, float, float] | None = None,
    point: tuple[float, float] | None = None,
    point2: tuple[float, float] | None = None,
) -> GroundedItem:
    return GroundedItem(
        index, raw.kind, box, point, raw.label, raw.text, dict(raw.attributes), raw.source, raw.coords, point2
    )


def _clamp(value: float, limit: float) -> float:
    return min(max(value, 0.0), limit)


def _named(indices: Sequence[int]) -> str:
    shown = ", ".join(f"#{index}" for index in indices[:_NAMED_IN_NOTE])
    more = len(indices) - _NAMED_IN_NOTE
    return shown + (f" and {more} more" if more > 0 else "")


def _mapping_notes(swapped: Sequence[int], clamped: Sequence[int], dropped: Sequence[str]) -> list[str]:
    notes = []
    if swapped:
        notes.append(f"Swapped inverted corners of {len(swapped)} box(es): {_named(swapped)}.")
    if clamped:
        notes.append(f"Clamped {len(clamped)} box(es) that reached outside the image: {_named(clamped)}.")
    if dropped:
        shown = "; ".join(dropped[:_NAMED_IN_NOTE])
        more = len(dropped) - _NAMED_IN_NOTE
        notes.append(f"Dropped {len(dropped)} item(s): {shown}" + (f" and {more} more." if more > 0 else "."))
    return notes


def _frame_hint(raw_items: Sequence[RawItem], frame: tuple[float, float], family: str) -> str:
    """A hint when numbers overshoot the frame, which usually means the wrong family was chosen."""
    xs = [value for raw in raw_items for value in raw.coords[0::2]]
    ys = [value for raw in raw_items for value in raw.coords[1::2]]
    if not xs or (max(xs) <= frame[0] * _OUTSIDE_TOLERANCE and max(ys) <= frame[1] * _OUTSIDE_TOLERANCE):
        return ""
    if uses_absolute_pixels(family) and max(*xs, *ys) > RELATIVE_RANGE * _OUTSIDE_TOLERANCE:
        # beyond 0-1000 too: no family reads these, a bigger frame does (another client sent the image larger)
        return (
            f"Some coordinates lie well beyond the {frame[0]:.0f}x{frame[1]:.0f} model-input image: the answer "
            "was probably made for the image sent larger (another client sends up to the server's default, "
            f"{DEFAULT_FAMILY.max_pixels / 1e6:.1f} MP). Choose the frame it was sent in."
        )
    if uses_absolute_pixels(family):
        return (
            f"Some coordinates lie well beyond the {frame[0]:.0f}x{frame[1]:.0f} model-input image; "
            "if this model answers in 0-1000 coordinates (Qwen2-VL, Qwen3-VL), switch the model family."
        )
    return (
        "Some coordinates lie well beyond 0-1000; if this model answers in model-input pixels "
        "(Qwen2.5-VL), switch the model family."
    )
