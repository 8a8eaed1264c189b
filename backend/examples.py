"""Offline example media, drawn with code into a cache folder at first use (nothing downloaded or committed)."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from backend.grounding.draw import load_font

CACHE_ENV = "QWEN_STUDIO_CACHE"
_VERSION = "v2"  # bump when a drawing changes, so stale files are redrawn


@dataclass(frozen=True)
class Example:
    """One bundled example: a generated file and the preset (and subject) it demonstrates."""

    key: str
    title: str
    media: str  # "image" | "video"
    path: Path
    preset_key: str
    subject: str = ""


def default_cache_dir() -> Path:
    """$QWEN_STUDIO_CACHE/examples, else $XDG_CACHE_HOME (or ~/.cache)/qwen-vl-studio/examples."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]) / "examples"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "qwen-vl-studio" / "examples"


def ensure_examples(cache_dir: Path | None = None) -> tuple[Example, ...]:
    """Every example, drawing the files that are missing."""
    folder = (cache_dir or default_cache_dir()) / _VERSION
    folder.mkdir(parents=True, exist_ok=True)
    specs: tuple[tuple[Example, Callable[[Path], None]], ...] = (
        (Example("street", "Street scene", "image", folder / "street.png", "detect", "car"), draw_street),
        (Example("signs", "Street signs (text)", "image", folder / "street.png", "spot-text"), draw_street),
        (Example("balls", "Coloured balls", "image", folder / "balls.png", "count", "balls"), draw_balls),
        (Example("document", "Document page", "image", folder / "document.png", "document"), draw_document),
        (Example("shapes-video", "Shapes video", "video", folder / "shapes.webm", "video-events"),
         write_shapes_video),
    )
    for example, make in specs:
        if not example.path.exists():
            _atomic_write(example.path, make)
    return tuple(example for example, _ in specs)


def _atomic_write(path: Path, make: Callable[[Path], None]) -> None:
    """Draw into a temporary file beside `path`, then rename: two processes never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(handle)
    try:
        make(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def draw_street(path: Path) -> None:
    """A 1280x800 street: sky, buildings with windows, shop signs, a STOP sign, cars, a person."""
    image = Image.new("RGB", (1280, 800), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    for x, width, height, color in ((0, 300, 420, (150, 120, 100)), (320, 260, 500, (120, 125, 140)),
                                    (600, 340, 380, (170, 150, 120)), (960, 320, 460, (110, 110, 120))):
        top = 560 - height
        draw.rectangle((x, top, x + width, 560), fill=color)
        for wx in range(x + 25, x + width - 40, 60):
            for wy in range(top + 30, 480, 70):
                draw.rectangle((wx, wy, wx + 30, wy + 40), fill=(240, 230, 160))
    sign_font = load_font(40)
    for text, x in (("BAKERY", 40), ("CAFE 24", 640)):
        draw.rectangle((x, 450, x + 230, 510), fill=(250, 250, 245), outline=(40, 40, 40), width=4)
        draw.text((x + 18, 458), text, font=sign_font, fill=(180, 30, 30))
    draw.rectangle((0, 560, 1280, 800), fill=(70, 70, 75))
    for x in range(0, 1280, 160):
        draw.rectangle((x + 20, 672, x + 110, 684), fill=(240, 240, 240))
    draw.rectangle((1176, 420, 1186, 600), fill=(90, 90, 90))
    octagon = [(1181 + 50 * dx, 380 + 50 * dy) for dx, dy in
               ((-0.41, -1), (0.41, -1), (1, -0.41), (1, 0.41), (0.41, 1), (-0.41, 1), (-1, 0.41), (-1, -0.41))]
    draw.polygon(octagon, fill=(200, 20, 30))
    draw.text((1145, 365), "STOP", font=load_font(26), fill=(255, 255, 255))
    for x, y, color in ((80, 600, (200, 30, 40)), (520, 640, (30, 80, 190)), (880, 590, (240, 200, 40))):
        draw.rounded_rectangle((x, y, x + 260, y + 80), radius=18, fill=color)
        draw.rounded_rectangle((x + 50, y - 45, x + 200, y + 5), radius=14, fill=color)
        draw.rectangle((x + 65, y - 35, x + 185, y - 2), fill=(190, 220, 240))
        for wheel_x in (x + 55, x + 205):
            draw.ellipse((wheel_x - 28, y + 55, wheel_x + 28, y + 111), fill=(20, 20, 20))
    draw.ellipse((455, 455, 485, 485), fill=(230, 190, 160))
    draw.rectangle((450, 485, 490, 560), fill=(40, 120, 60))
    draw.rectangle((452, 560, 468, 620), fill=(30, 30, 60))
    draw.rectangle((472, 560, 488, 620), fill=(30, 30, 60))
    image.save(path, format="PNG")


def draw_balls(path: Path, count: int = 9, seed: int = 7) -> None:
    """900x600 table top with `count` non-overlapping coloured balls."""
    rng = random.Random(seed)
    image = Image.new("RGB", (900, 600), (222, 200, 160))
    draw = ImageDraw.Draw(image)
    placed: list[tuple[int, int, int]] = []
    while len(placed) < count:
        radius = rng.randint(30, 55)
        x, y = rng.randint(radius, 900 - radius), rng.randint(radius, 600 - radius)
        if all((x - px) ** 2 + (y - py) ** 2 > (radius + pr + 10) ** 2 for px, py, pr in placed):
            placed.append((x, y, radius))
    for x, y, radius in placed:
        color = tuple(rng.randint(30, 230) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color, outline=(40, 40, 40), width=3)
        draw.ellipse((x - radius // 3, y - radius // 2, x, y - radius // 5), fill=(250, 250, 250))
    image.save(path, format="PNG")


def draw_document(path: Path) -> None:
    """A 1000x1400 report page: title, paragraphs, a table and a bar chart."""
    image = Image.new("RGB", (1000, 1400), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((80, 70), "Quarterly Field Report", font=load_font(48), fill=(20, 20, 20))
    body = load_font(24)
    paragraphs = (
        ("Summary", "Deliveries rose in every region this quarter. The north depot",
         "opened two new routes and the coastal team cut waiting times."),
        ("Method", "Counts come from the route logs; each route was checked by",
         "two drivers. Missing days were filled from the weekly totals."),
    )
    y = 170
    for heading, *lines in paragraphs:
        draw.text((80, y), heading, font=load_font(32), fill=(30, 60, 120))
        y += 50
        for line in lines:
            draw.text((80, y), line, font=body, fill=(40, 40, 40))
            y += 36
        y += 30
    rows = (("Region", "Q1", "Q2", "Change"), ("North", "1,240", "1,410", "+14%"),
            ("Coast", "980", "1,105", "+13%"), ("Hills", "610", "655", "+7%"))
    top = y + 10
    for row_number, row in enumerate(rows):
        for column, cell in enumerate(row):
            x0, y0 = 80 + column * 210, top + row_number * 56
            draw.rectangle((x0, y0, x0 + 210, y0 + 56), outline=(90, 90, 90), width=2)
            draw.text((x0 + 16, y0 + 14), cell, font=body, fill=(20, 20, 20))
    chart_top = top + len(rows) * 56 + 80
    draw.text((80, chart_top - 50), "Figure 1. Deliveries per region", font=body, fill=(40, 40, 40))
    for index, value in enumerate((141, 110, 65)):
        x0 = 140 + index * 220
        draw.rectangle((x0, chart_top + 320 - value * 2, x0 + 120, chart_top + 320), fill=(70, 130, 200))
    draw.line((100, chart_top + 320, 820, chart_top + 320), fill=(0, 0, 0), width=3)
    image.save(path, format="PNG")


def write_shapes_video(path: Path, fps: int = 10, seconds_per_scene: int = 3) -> None:
    """A 9 s 320x240 clip: a red square slides right, a blue ball bounces, then the words THE END.

    Written as VP8 in WebM (path should end in .webm), which browsers play: OpenCV's wheels have no H.264 encoder,
    and their default MPEG-4 Part 2 ('mp4v') is refused by Chromium. OpenCV logs that the 'VP80' tag is not
    stored in WebM; the stream is VP8 all the same."""
    import cv2  # OpenCV writes the clip
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), fps, (320, 240))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path}")
    frames = fps * seconds_per_scene
    try:
        for scene in range(3):
            for step in range(frames):
                frame = np.full((240, 320, 3), 235, np.uint8)
                if scene == 0:
                    x = 20 + step * 240 // frames
                    cv2.rectangle(frame, (x, 90), (x + 60, 150), (40, 40, 220), -1)
                elif scene == 1:
                    y = 60 + abs((step % 20) - 10) * 12
                    cv2.circle(frame, (160, y), 30, (200, 80, 30), -1)
                else:
                    cv2.putText(frame, "THE END", (70, 135), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (20, 20, 20), 3)
                writer.write(frame)
    finally:
        writer.release()
