"""Pillow overlays of grounding results: a colour per label, legible tags, rings for points."""

from __future__ import annotations

import colorsys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from backend.grounding.coords import GroundedItem

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Well-separated colours first (Kelly/Tableau-like), then golden-ratio hues for any further label.
PALETTE: tuple[RGB, ...] = (
    (230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40),
    (128, 0, 0), (170, 255, 195), (128, 128, 0), (0, 0, 128),
)
_LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf")
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_MAX_TAG_CHARS = 40


@dataclass(frozen=True)
class DrawStyle:
    """Sizes scaled to one image: outline width, font size, point ring radius, tag padding."""

    line_width: int
    font_size: int
    ring_radius: int
    padding: int


def style_for(size: tuple[int, int], items: int = 1) -> DrawStyle:
    """Line width, font size and ring radius that read well on an image of this size (thumbnails to 8K), also
    when a phone shows it about 350 px wide: tags about 1/36 of the long side, rings at least 1.2% of the short.
    Crowded pictures (over 12 items) get smaller tags, so tags do not hide the boxes around them."""
    short_side, long_side = max(1, min(size)), max(1, max(size))
    line_width = max(2, min(14, round(short_side / 300)))
    crowding = min(1.0, (12 / max(1, items)) ** 0.5)
    font_size = max(11, min(160, round(max(short_side / 45, crowding * long_side / 36))))
    ring_radius = max(6, 4 * line_width, round(short_side * 0.012))
    return DrawStyle(line_width, font_size, ring_radius, max(2, font_size // 5))


def color_for(rank: int) -> RGB:
    """The rank-th distinct label colour."""
    if rank < len(PALETTE):
        return PALETTE[rank]
    hue = (rank * 0.618033988749895) % 1.0
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
    return round(red * 255), round(green * 255), round(blue * 255)


def label_colors(items: Sequence[GroundedItem]) -> dict[str, RGB]:
    """A distinct colour per display label, in order of first appearance."""
    labels = dict.fromkeys(item.display_label for item in items)
    return {label: color_for(rank) for rank, label in enumerate(labels)}


def text_color_on(background: RGB) -> RGB:
    """Black or white, whichever contrasts more with the background (WCAG relative luminance)."""
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(background[0]) + 0.7152 * linear(background[1]) + 0.0722 * linear(background[2])
    return (0, 0, 0) if luminance > 0.179 else (255, 255, 255)


def tag_texts(items: Sequence[GroundedItem]) -> list[str]:
    """Tag per item; labels used more than once are numbered ("car 1", "car 2")."""
    totals = Counter(item.display_label for item in items)
    seen: Counter[str] = Counter()
    tags = []
    for item in items:
        label = item.display_label
        seen[label] += 1
        short = label if len(label) <= _MAX_TAG_CHARS else label[: _MAX_TAG_CHARS - 1] + "…"
        tags.append(f"{short} {seen[label]}" if totals[label] > 1 else short)
    return tags


@dataclass(frozen=True)
class TagFonts:
    """Fonts for tag text: a Latin one, and a CJK one for CJK characters when one is installed."""

    latin: Font
    cjk: Font | None


def _first_font(candidates: Sequence[str], size: int) -> Font | None:
    for candidate in candidates:
        if candidate.startswith("/") and not Path(candidate).exists():
            continue
        try:
            return ImageFont.truetype(candidate, size)
        except OSError:
            continue
    return None


def load_font(size: int) -> Font:
    """A Latin TrueType font of this size (DejaVu Sans, else Pillow's bundled font)."""
    return _first_font(_LATIN_FONTS, size) or ImageFont.load_default(size=size)


def load_tag_fonts(size: int, texts: Sequence[str] = ()) -> TagFonts:
    """The Latin font, plus a CJK font when any text needs one and one is installed."""
    needs_cjk = any(_is_cjk(char) for text in texts for char in text)
    return TagFonts(load_font(size), _first_font(CJK_FONTS, size) if needs_cjk else None)


def _is_cjk(char: str) -> bool:
    return ord(char) >= 0x2E80


def font_runs(text: str, fonts: TagFonts) -> list[tuple[str, Font]]:
    """The text split into runs that each font can draw (CJK runs with the CJK font when there is one)."""
    runs: list[tuple[str, Font]] = []
    for char in text:
        font = fonts.cjk if fonts.cjk is not None and _is_cjk(char) else fonts.latin
        if runs and runs[-1][1] is font:
            runs[-1] = (runs[-1][0] + char, font)
        else:
            runs.append((char, font))
    return runs


def _metrics(font: Font) -> tuple[int, int]:
    if isinstance(font, ImageFont.FreeTypeFont):
        return font.getmetrics()
    left, top, right, bottom = font.getbbox("Ag")
    return bottom, 0


def tag_size(text: str, fonts: TagFonts, padding: int) -> tuple[int, int, int]:
    """Width, height and baseline offset of a tag drawn with these fonts and padding."""
    runs = font_runs(text, fonts)
    ascent = max((_metrics(font)[0] for _, font in runs), default=0)
    descent = max((_metrics(font)[1] for _, font in runs), default=0)
    width = sum(font.getlength(run) for run, font in runs)
    return round(width) + 2 * padding, ascent + descent + 2 * padding, padding + ascent


def draw_overlay(image: Image.Image, items: Sequence[GroundedItem], style: DrawStyle | None = None) -> Image.Image:
    """A copy of the image (RGB, original size) with every box, point, agent action and tag drawn on it."""
    canvas = image.convert("RGB") if image.mode != "RGB" else image.copy()
    style = style or style_for(canvas.size, len(items))
    actions = [item for item in items if item.kind == "action"]
    items = [item for item in items if item.kind != "action"]
    colors = label_colors(items)
    tags = tag_texts(items)
    fonts = load_tag_fonts(style.font_size, tags + [action_tag(item) for item in actions])
    draw = ImageDraw.Draw(canvas)
    if actions:
        draw_actions(draw, canvas.size, actions, fonts, style)
    for item in items:
        color = colors[item.display_label]
        if item.box is not None:
            _draw_box(draw, item.box, color, style)
    for item in items:
        if item.point is not None:
            _draw_ring(draw, item.point, colors[item.display_label], style)
    for item, tag in zip(items, tags):  # tags last, so no outline crosses a tag
        anchor = _tag_anchor(item, style)
        _draw_tag(draw, canvas.size, anchor, tag, colors[item.display_label], fonts, style)
    return canvas


ACTION_COLOR: RGB = (255, 64, 129)
SCROLL_ACTIONS = frozenset(("scroll", "hscroll"))


def action_tag(item: GroundedItem) -> str:
    """"2 click", or with what it types or presses: '3 type "hello"'."""
    said = item.text or " ".join(str(key) for key in item.attributes.get("keys", []) or [])
    said = said if len(said) <= _MAX_TAG_CHARS else said[: _MAX_TAG_CHARS - 1] + "…"
    return f"{item.step or item.index} {item.label}" + (f" “{said}”" if said else "")


def draw_actions(draw: ImageDraw.ImageDraw, size: tuple[int, int], actions: Sequence[GroundedItem], fonts: TagFonts,
                 style: DrawStyle) -> None:
    """Agent actions in order: a numbered ring per click, an arrow per drag / swipe / scroll, and typing or key
    presses labelled at the last place clicked. Actions with no place and no earlier click are only listed."""
    last: tuple[float, float] | None = None
    # a tap is a finger, not a pixel: bigger rings and bolder arrows than a pointed-at object gets
    style = replace(style, ring_radius=2 * style.ring_radius, line_width=max(3, round(1.5 * style.line_width)))
    for item in sorted(actions, key=lambda action: action.step):
        start = item.point or last
        if start is None:
            continue
        end = item.point2 or (_scroll_end(item, size) if item.label in SCROLL_ACTIONS else None)
        if item.label == "left_click_drag" and item.point is not None and last is not None:
            start, end = last, item.point  # computer_use drags from where the cursor is to its coordinate
        if item.point is not None:
            _draw_ring(draw, item.point, ACTION_COLOR, style)
        if end is not None:
            _draw_arrow(draw, start, end, ACTION_COLOR, style)
        below = 0 if item.point is not None else 2 * style.ring_radius + style.font_size  # off the arrow's head
        anchor = (start[0] + style.ring_radius, start[1] + style.ring_radius + below)
        _draw_tag(draw, size, anchor, action_tag(item), ACTION_COLOR, fonts, style)
        last = end or item.point or last


def _scroll_end(item: GroundedItem, size: tuple[int, int]) -> tuple[float, float] | None:
    """Where a scroll arrow points: up or down (left / right for hscroll) a tenth of the screen."""
    if item.point is None:
        return None
    direction = str(item.attributes.get("direction", "")).lower()
    pixels = item.attributes.get("pixels")
    sign = -1 if direction in ("up", "left") or (isinstance(pixels, (int, float)) and pixels > 0) else 1
    x, y = item.point
    if item.label == "hscroll" or direction in ("left", "right"):
        return x + sign * size[0] / 10, y
    return x, y + sign * size[1] / 10


def _draw_arrow(draw: ImageDraw.ImageDraw, start: tuple[float, float], end: tuple[float, float], color: RGB,
                style: DrawStyle) -> None:
    halo = text_color_on(color)
    (x1, y1), (x2, y2) = start, end
    length = max(1.0, ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    head = max(4 * style.line_width, style.ring_radius)
    base = (x2 - ux * head, y2 - uy * head)
    wings = [(base[0] - uy * head / 2, base[1] + ux * head / 2), (base[0] + uy * head / 2, base[1] - ux * head / 2)]
    draw.line((x1, y1, *base), fill=halo, width=style.line_width + 2)
    draw.line((x1, y1, *base), fill=color, width=style.line_width)
    draw.polygon([(x2, y2), *wings], fill=color, outline=halo)


def box_pixels(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """Inclusive pixel rectangle covering a continuous box (x2, y2 are exclusive edges)."""
    left, top = round(box[0]), round(box[1])
    right, bottom = max(left, round(box[2]) - 1), max(top, round(box[3]) - 1)
    return left, top, right, bottom


def _draw_box(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], color: RGB, style: DrawStyle) -> None:
    left, top, right, bottom = box_pixels(box)
    halo = max(1, style.line_width // 2)  # a contrasting rim each side, so a red box on a red object still shows
    draw.rectangle((left - halo, top - halo, right + halo, bottom + halo), outline=text_color_on(color),
                   width=style.line_width + 2 * halo)
    draw.rectangle((left, top, right, bottom), outline=color, width=style.line_width)


def _draw_ring(draw: ImageDraw.ImageDraw, point: tuple[float, float], color: RGB, style: DrawStyle) -> None:
    x, y = point
    radius = style.ring_radius
    halo = text_color_on(color)  # a contrasting rim keeps the ring visible on its own colour
    draw.ellipse((x - radius - 1, y - radius - 1, x + radius + 1, y + radius + 1), outline=halo,
                 width=style.line_width + 2)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=color, width=style.line_width)
    dot = max(1, style.line_width // 2)
    draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=color)


def _tag_anchor(item: GroundedItem, style: DrawStyle) -> tuple[float, float]:
    if item.box is not None:
        return item.box[0], item.box[1]
    assert item.point is not None
    return item.point[0] + style.ring_radius, item.point[1] + style.ring_radius


def _draw_tag(
    draw: ImageDraw.ImageDraw,
    canvas_size: tuple[int, int],
    anchor: tuple[float, float],
    tag: str,
    color: RGB,
    fonts: TagFonts,
    style: DrawStyle,
) -> None:
    width, height, baseline = tag_size(tag, fonts, style.padding)
    x = min(max(0, round(anchor[0])), max(0, canvas_size[0] - width))
    y = round(anchor[1]) - height  # above the box when there is room, else just inside it
    if y < 0:
        y = min(max(0, round(anchor[1])), max(0, canvas_size[1] - height))
    draw.rectangle((x, y, x + width - 1, y + height - 1), fill=color)
    pen = float(x + style.padding)
    for run, font in font_runs(tag, fonts):
        draw.text((pen, y + baseline), run, font=font, fill=text_color_on(color), anchor="ls")
        pen += font.getlength(run)
