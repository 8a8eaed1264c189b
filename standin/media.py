"""The stand-in engine's media handling: decode images/videos like SGLang and count their tokens like Qwen2.5-VL.

Written from sglang/srt/utils/common.py (load_image: data URLs, file:// URLs, plain paths, raw base64;
EXIF transpose before sizing) and sglang/srt/multimodal/processors/qwen_vl.py (smart_resize, smart_nframes),
independently of backend/media/images.py so the stand-in can check the app's own arithmetic.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from PIL import Image, ImageOps

FACTOR = 28
MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 16384 * 28 * 28
MAX_RATIO = 200
VIDEO_MIN_PIXELS = 128 * 28 * 28
VIDEO_MAX_PIXELS = 768 * 28 * 28
VIDEO_TOTAL_PIXELS = int(128000 * 28 * 28 * 0.9)
VIDEO_FPS = 2.0
FRAME_FACTOR = 2
FPS_MIN_FRAMES = 4
FPS_MAX_FRAMES = 768


class MediaLoadError(ValueError):
    """An image or video that cannot be decoded (SGLang answers these with an HTTP error)."""


@dataclass(frozen=True)
class MediaItem:
    """One decoded image or video: its size as sent and as the model sees it, and its token count."""

    kind: str  # "image" | "video"
    original_size: tuple[int, int]  # (w, h)
    input_size: tuple[int, int]  # (w, h) after smart_resize
    frames: int  # 1 for an image; sampled frames for a video
    tokens: int
    format: str = ""  # what the bytes were: JPEG, PNG, ... (Pillow's name), or MP4 for a video
    duration_s: float = 0.0  # a video's length as its container says (frames / fps)


def smart_resize(height: int, width: int, factor: int = FACTOR, min_pixels: int = MIN_PIXELS,
                 max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """Qwen2.5-VL's resize rule: both sides multiples of factor, pixel count within bounds, aspect kept."""
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise MediaLoadError(
            f"absolute aspect ratio must be smaller than {MAX_RATIO}, got {max(height, width) / min(height, width)}"
        )
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = math.floor(height / beta / factor) * factor
        w_bar = math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def read_media_bytes(url: str) -> bytes:
    """The bytes behind an image_url / video_url value, as SGLang's loaders accept them."""
    try:
        if url.startswith("data:"):
            return base64.b64decode(url.split(",", 1)[1], validate=False)
        if url.startswith("file://"):
            with open(unquote(urlparse(url).path), "rb") as handle:
                return handle.read()
        if url.startswith(("http://", "https://")):
            raise MediaLoadError(f"cannot fetch {url}: the stand-in has no network")
        if url.startswith("/") or os.path.exists(url):
            with open(url, "rb") as handle:
                return handle.read()
        return base64.b64decode(url, validate=False)
    except (binascii.Error, IndexError) as error:
        raise MediaLoadError(f"Incorrect padding or bad base64 data: {error}") from error
    except OSError as error:
        raise MediaLoadError(str(error)) from error


@dataclass(frozen=True)
class ImageGrid:
    """How the served model's processor cuts images, and how it writes coordinates."""

    factor: int = FACTOR
    min_pixels: int = MIN_PIXELS
    max_pixels: int = MAX_PIXELS
    relative: bool = False  # True: grounding answers in 0..1000 (Qwen2-VL, Qwen3-VL); False: input pixels


# Qwen3-VL's preprocessor_config.json: patch 16 x merge 2, "size" {"shortest_edge": 65536, "longest_edge": 16777216}.
QWEN3_GRID = ImageGrid(32, 65536, 16777216, relative=True)


def grid_for_model(name: str) -> ImageGrid:
    """Qwen3-VL's grid for a Qwen3-VL model name, else Qwen2.5-VL's."""
    return QWEN3_GRID if re.search(r"qwen3[-_.]?\d*[-_]?vl", name, re.IGNORECASE) else ImageGrid()


def load_image(url: str, grid: ImageGrid = ImageGrid()) -> MediaItem:
    """Decode an image like SGLang (EXIF orientation applied) and count its tokens on the model's grid."""
    data = read_media_bytes(url)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError) as error:
        raise MediaLoadError(f"Could not decode image: {error}") from error
    encoded_as = image.format or ""
    image = ImageOps.exif_transpose(image)
    width, height = image.size
    input_h, input_w = smart_resize(height, width, grid.factor, grid.min_pixels, grid.max_pixels)
    tokens = (input_h // grid.factor) * (input_w // grid.factor)
    return MediaItem("image", (width, height), (input_w, input_h), 1, tokens, encoded_as)


def _video_frames(total_frames: int, fps: float) -> int:
    """smart_nframes with the default 2 fps sampling."""
    min_frames = math.ceil(FPS_MIN_FRAMES / FRAME_FACTOR) * FRAME_FACTOR
    max_frames = math.floor(min(FPS_MAX_FRAMES, total_frames) / FRAME_FACTOR) * FRAME_FACTOR
    wanted = total_frames / fps * VIDEO_FPS
    wanted = min(min(max(wanted, min_frames), max_frames), total_frames)
    frames = math.floor(wanted / FRAME_FACTOR) * FRAME_FACTOR
    if not FRAME_FACTOR <= frames <= total_frames:
        raise MediaLoadError(f"nframes should in interval [{FRAME_FACTOR}, {total_frames}], but got {frames}.")
    return frames


def load_video(url: str, frames_for: Callable[[int, float], int] | None = None) -> MediaItem:
    """Decode a video's header with OpenCV and count its tokens like SGLang's Qwen-VL video path; frames_for
    (total frames, fps) -> frames sampled replaces SGLang's 2 fps rule (another engine's sampling)."""
    import cv2

    data = read_media_bytes(url)
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(data)
        handle.flush()
        capture = cv2.VideoCapture(handle.name)
        try:
            total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            fps = float(capture.get(cv2.CAP_PROP_FPS)) or 0.0
            width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
            height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
            readable = capture.isOpened() and capture.read()[0]
        finally:
            capture.release()
    if not readable or total <= 0 or fps <= 0 or width <= 0 or height <= 0:
        raise MediaLoadError("Could not decode video: no readable frames")
    frames = (frames_for or _video_frames)(total, fps)
    max_pixels = max(min(VIDEO_MAX_PIXELS, VIDEO_TOTAL_PIXELS / frames * FRAME_FACTOR), int(VIDEO_MIN_PIXELS * 1.05))
    input_h, input_w = smart_resize(height, width, min_pixels=VIDEO_MIN_PIXELS, max_pixels=int(max_pixels))
    tokens = (frames // FRAME_FACTOR) * (input_h // FACTOR) * (input_w // FACTOR)
    return MediaItem("video", (width, height), (input_w, input_h), frames, tokens, "MP4", total / fps)
