"""Real-sized photos for checks and tests (12 MP phone JPEGs with EXIF orientations, a 6000x4000 JPEG, a PNG with
alpha), and where a box the stand-in draws at the middle half of the sent image lands on the upright original."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Photo:
    """A photo file and its upright size (what the user sees)."""

    path: Path
    upright: tuple[int, int]


def _pixels(width: int, height: int, alpha: bool = False) -> Image.Image:
    """A smooth gradient with some texture: photo-like for JPEG size, cheap to make."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    texture = (np.sin(x / 7.0) * np.cos(y / 5.0) * 20).astype(np.float32)
    channels = [np.clip(x + 0 * y + texture, 0, 255), np.clip(y + 0 * x - texture, 0, 255),
                np.clip(255 - (x + y) / 2 + 0 * texture, 0, 255)]
    if alpha:
        channels.append(np.full((height, width), 160, dtype=np.float32))
    return Image.fromarray(np.stack(channels, axis=-1).astype(np.uint8), "RGBA" if alpha else "RGB")


def phone_photo(folder: Path, orientation: int, stored: tuple[int, int] = (4000, 3000)) -> Photo:
    """A JPEG stored at `stored` (w, h) whose EXIF orientation rotates it (6 and 8: a quarter turn)."""
    path = folder / f"phone-exif{orientation}.jpg"
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    _pixels(*stored).save(path, format="JPEG", quality=85, exif=exif)
    upright = (stored[1], stored[0]) if orientation in (5, 6, 7, 8) else stored
    return Photo(path, upright)


def plain_jpeg(folder: Path, size: tuple[int, int] = (6000, 4000)) -> Photo:
    """A JPEG with no orientation tag."""
    path = folder / f"camera-{size[0]}x{size[1]}.jpg"
    _pixels(*size).save(path, format="JPEG", quality=85)
    return Photo(path, size)


def alpha_png(folder: Path, size: tuple[int, int] = (1600, 1200)) -> Photo:
    """A PNG with a half-transparent alpha channel."""
    path = folder / "screenshot-alpha.png"
    _pixels(*size, alpha=True).save(path, format="PNG")
    return Photo(path, size)


def middle_half_box(upright: tuple[int, int], sent: tuple[int, int]) -> list[float]:
    """On the upright original, the box the stand-in answers in the sent frame: [w//4, h//4, 3w//4, 3h//4]."""
    (width, height), (sent_w, sent_h) = upright, sent
    corners = (sent_w // 4, sent_h // 4, 3 * sent_w // 4, 3 * sent_h // 4)
    return [corners[0] * width / sent_w, corners[1] * height / sent_h, corners[2] * width / sent_w,
            corners[3] * height / sent_h]


def within(box: list[float], truth: list[float], pixels: float = 2.0) -> bool:
    """Every corner within `pixels` of the truth."""
    return len(box) == len(truth) and all(abs(a - b) <= pixels for a, b in zip(box, truth))
