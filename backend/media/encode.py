"""Pictures to JPEG / PNG bytes through OpenCV, which releases the GIL while it encodes (Pillow holds it for the
whole encode: a 12 MP overlay stalled every other visitor's stream for as long). libjpeg-turbo either way: the
JPEG bytes equal Pillow's for the same quality and chroma subsampling."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image


class EncodeError(RuntimeError):
    """OpenCV could not encode the picture."""


def jpeg_bytes(image: Image.Image, quality: int = 90, full_chroma: bool = False) -> bytes:
    """JPEG of image (as RGB); full_chroma keeps 4:4:4 (small text stays legible), else 4:2:0 like Pillow."""
    sampling = cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444 if full_chroma else cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420
    return _encode(".jpg", _bgr(image.convert("RGB")),
                   [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_SAMPLING_FACTOR, sampling])


def png_bytes(image: Image.Image) -> bytes:
    """PNG of image (RGB, or RGBA when it has transparency)."""
    picture = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA" if "A" in image.mode else "RGB")
    return _encode(".png", _bgr(picture), [cv2.IMWRITE_PNG_COMPRESSION, 3])


def save_picture(image: Image.Image, path: str | Path, quality: int = 90) -> Path:
    """Write image to path as its suffix says (.jpg / .jpeg: JPEG at quality, else PNG); returns path."""
    path = Path(path)
    jpeg = path.suffix.lower() in (".jpg", ".jpeg")
    path.write_bytes(jpeg_bytes(image, quality) if jpeg else png_bytes(image))
    return path


def _bgr(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image)
    return cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA if image.mode == "RGBA" else cv2.COLOR_RGB2BGR)


def _encode(suffix: str, pixels: np.ndarray, options: list[int]) -> bytes:
    ok, encoded = cv2.imencode(suffix, pixels, options)
    if not ok:
        raise EncodeError(f"OpenCV could not encode a {pixels.shape[1]}x{pixels.shape[0]} picture as {suffix}")
    return encoded.tobytes()
