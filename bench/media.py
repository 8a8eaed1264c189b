"""Synthetic benchmark media made with numpy/OpenCV/Pillow: phone-like photos and a 1080p clip (cached in /tmp).

Photos carry multi-octave texture, a sky gradient, shapes and sensor noise, so their JPEGs are as large and as
slow to decode as real ones. Every variant differs in a few pixel blocks: the server's multimodal and prefix
caches must never serve one measured request from another.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CACHE_DIR = Path(os.environ.get("BENCH_CACHE_DIR", "/tmp/qwen-vl-bench"))
PHOTO_SIZE = (4000, 3000)  # (width, height): 12 MP
CLIP_SIZE = (1920, 1080)
CLIP_FPS = 30.0


@dataclass(frozen=True)
class Photo:
    """A JPEG on disk and its pixel size (width, height)."""

    path: Path
    size: tuple[int, int]

    def data_url(self) -> str:
        """The file's own bytes as a data URL (what a client sends when it does no preparation)."""
        return "data:image/jpeg;base64," + base64.b64encode(self.path.read_bytes()).decode("ascii")


def _texture(height: int, width: int, rng: np.random.Generator, octaves: int = 5) -> np.ndarray:
    """Smooth multi-scale value noise in 0..1, float32, shape (height, width)."""
    total = np.zeros((height, width), np.float32)
    weight_sum = 0.0
    for octave in range(octaves):
        cells = 3 * 2**octave
        grid = rng.random((cells, max(2, cells * width // height)), dtype=np.float32)
        weight = 0.55**octave
        total += weight * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        weight_sum += weight
    return np.clip(total / weight_sum, 0.0, 1.0)


def photo_pixels(width: int, height: int, seed: int) -> np.ndarray:
    """An RGB uint8 picture with the statistics of an outdoor photo (sky, textured ground, objects, noise)."""
    rng = np.random.default_rng(seed)
    horizon = int(height * rng.uniform(0.3, 0.5))
    image = np.empty((height, width, 3), np.float32)
    sky_rows = np.linspace(0.0, 1.0, horizon, dtype=np.float32)[:, None]
    for channel, (top, bottom) in enumerate(((70, 190), (120, 215), (200, 240))):
        image[:horizon, :, channel] = top + (bottom - top) * sky_rows
    ground = _texture(height - horizon, width, rng, octaves=8)
    palette = rng.uniform(40, 200, size=(3,)).astype(np.float32)
    for channel in range(3):
        image[horizon:, :, channel] = palette[channel] * (0.45 + 0.9 * ground)
    clouds = _texture(horizon, width, rng, octaves=4)
    image[:horizon] += (np.clip(clouds - 0.55, 0, 1) * 300.0)[:, :, None]
    canvas = np.clip(image, 0, 255).astype(np.uint8)
    scale = width / 1000
    for _ in range(12):
        color = tuple(int(value) for value in rng.integers(0, 255, 3))
        center = (int(rng.integers(0, width)), int(rng.integers(horizon, height)))
        axes = (int(rng.uniform(20, 120) * scale), int(rng.uniform(15, 80) * scale))
        cv2.ellipse(canvas, center, axes, float(rng.uniform(0, 180)), 0, 360, color, -1, cv2.LINE_AA)
    for _ in range(6):
        x, y = int(rng.integers(0, width - 200 * scale)), int(rng.integers(horizon // 2, height - 200 * scale))
        w, h = int(rng.uniform(60, 200) * scale), int(rng.uniform(80, 260) * scale)
        color = tuple(int(value) for value in rng.integers(0, 255, 3))
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, -1, cv2.LINE_AA)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), (20, 20, 20), max(2, int(3 * scale)), cv2.LINE_AA)
    noise = rng.standard_normal(size=(height, width, 1), dtype=np.float32) * 4.5
    return np.clip(canvas.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def stamp_variant(pixels: np.ndarray, variant: int) -> np.ndarray:
    """A copy whose corner blocks encode the variant number (a distinct image for every request)."""
    marked = pixels.copy()
    rng = np.random.default_rng(10_000 + variant)
    block = max(16, pixels.shape[1] // 100)
    for index in range(4):
        top = index * block
        marked[top:top + block, :block] = rng.integers(0, 256, size=(block, block, 3), dtype=np.uint8)
    return marked


def write_jpeg(pixels: np.ndarray, path: Path, quality: int = 92) -> Photo:
    """Save RGB pixels as a baseline JPEG (4:2:0, like a phone camera)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="JPEG", quality=quality)
    return Photo(path, (pixels.shape[1], pixels.shape[0]))


class PhotoMaker:
    """Makes distinct photos of one size from one base picture (the base is drawn once)."""

    def __init__(self, folder: Path, size: tuple[int, int] = PHOTO_SIZE, seed: int = 7) -> None:
        self.folder = folder
        self.size = size
        self._base = photo_pixels(size[0], size[1], seed)
        self._made = 0

    def next(self, tag: str) -> Photo:
        """A new JPEG, different from every earlier one."""
        self._made += 1
        pixels = stamp_variant(self._base, self._made)
        return write_jpeg(pixels, self.folder / f"{tag}-{self.size[0]}x{self.size[1]}-{self._made}.jpg")


def jpeg_bytes(pixels: np.ndarray, quality: int = 90) -> bytes:
    """RGB pixels as JPEG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _clip_frame(background: np.ndarray, index: int, fps: float) -> np.ndarray:
    """One BGR frame: the background panning, a moving object and a clock."""
    height, width = background.shape[:2]
    frame = np.roll(background, shift=(index * 3) % width, axis=1)
    x = int((index * 11) % (width - 240))
    y = int(height * 0.55 + 120 * np.sin(index / 15))
    cv2.rectangle(frame, (x, y), (x + 240, y + 160), (30, 30, 200), -1)
    cv2.circle(frame, (width - x - 1, height // 3), 70, (40, 200, 240), -1)
    cv2.putText(frame, f"t={index / fps:6.2f}s", (40, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.4, (255, 255, 255), 5)
    return frame


def make_clip(seconds: float, size: tuple[int, int] = CLIP_SIZE, fps: float = CLIP_FPS,
              folder: Path = CACHE_DIR) -> Path:
    """An MP4 (mp4v) of a panning textured scene, made once and reused from folder."""
    width, height = size
    path = folder / f"clip-{width}x{height}-{fps:g}fps-{seconds:g}s.mp4"
    if path.exists() and path.stat().st_size > 0:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part.mp4")
    background = cv2.cvtColor(photo_pixels(width, height, seed=3), cv2.COLOR_RGB2BGR)
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write MP4 (mp4v) files on this host")
    try:
        for index in range(round(seconds * fps)):
            writer.write(_clip_frame(background, index, fps))
    finally:
        writer.release()
    partial.replace(path)
    return path
