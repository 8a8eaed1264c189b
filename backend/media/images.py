"""Images prepared the way Qwen-VL sees them: safe decode, RGB on white, resized on the client to the
server's own grid (so the server's resize is the identity), encoded once and reused byte for byte."""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.errors import UserError
from backend.families import DEFAULT_FAMILY, Family, get_family
from backend.media.encode import jpeg_bytes, png_bytes

IMAGE_FACTOR = DEFAULT_FAMILY.factor  # Qwen2/2.5-VL: patch 14 x spatial merge 2
MIN_PIXELS = DEFAULT_FAMILY.min_pixels  # 3136
MAX_PIXELS = DEFAULT_FAMILY.max_pixels  # 12845056, SGLang's SGLANG_IMAGE_MAX_PIXELS default
MAX_ASPECT_RATIO = 200
PILLOW_DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's own Image.MAX_IMAGE_PIXELS default
WHITE = (255, 255, 255)
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


class MediaError(UserError):
    """A file the app cannot use; str(error) is the message to show the user."""


# Qwen2.5-VL's model card suggests max_pixels = 1280 * 28 * 28 to trade detail for speed (a 12 MP photo costs
# 15,301 vision tokens at the server's own ceiling, 1,280 here). The app sends at most this many pixels per image
# unless configured otherwise (--max-pixels), always on the 28-pixel grid so the server's resize is the identity.
APP_MAX_PIXELS = 1280 * 28 * 28


@dataclass(frozen=True)
class ImageLimits:
    """How images are checked, resized and encoded (min/max pixels should match the server's)."""

    min_pixels: int = MIN_PIXELS
    max_pixels: int = MAX_PIXELS
    factor: int = IMAGE_FACTOR
    max_source_pixels: int = PILLOW_DEFAULT_MAX_PIXELS
    max_file_bytes: int = 100 * 1024 * 1024
    encode_format: str = "jpeg"  # "jpeg" (small) or "png" (lossless, for screenshots)
    jpeg_quality: int = 95

    @classmethod
    def for_family(cls, family: Family | str, **overrides) -> ImageLimits:
        """Defaults matching the model family's own processor (grid and pixel limits, backend.families)."""
        spec = get_family(family)
        values = {"factor": spec.factor, "min_pixels": spec.min_pixels, "max_pixels": spec.max_pixels}
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class PreparedImage:
    """One image as sent to the model; sizes are (width, height)."""

    data_url: str
    mime: str
    original_size: tuple[int, int]  # upright (after EXIF orientation), as the user sees it
    input_size: tuple[int, int]  # model-input pixels; grounding answers are in this space
    sha256: str  # of the source file's bytes
    factor: int = IMAGE_FACTOR
    source_frames: int = 1  # animated images: only the first frame is used
    source: str = ""  # the file it was read from ("" for bytes)

    @property
    def vision_tokens(self) -> int:
        """Image tokens the server spends on it: (h/factor) * (w/factor)."""
        width, height = self.input_size
        return (width // self.factor) * (height // self.factor)

    @property
    def encoded_bytes(self) -> int:
        """Size of the encoded image (before base64)."""
        payload = self.data_url.split(",", 1)[1]
        return len(payload) * 3 // 4 - payload.count("=", -2)


def round_by_factor(number: float, factor: int) -> int:
    """Closest multiple of factor (Python's round: halves go to even)."""
    return round(number / factor) * factor


def ceil_by_factor(number: float, factor: int) -> int:
    """Smallest multiple of factor >= number."""
    return math.ceil(number / factor) * factor


def floor_by_factor(number: float, factor: int) -> int:
    """Largest multiple of factor <= number."""
    return math.floor(number / factor) * factor


def smart_resize(
    height: int,
    width: int,
    factor: int = IMAGE_FACTOR,
    min_pixels: int = MIN_PIXELS,
    max_pixels: int = MAX_PIXELS,
) -> tuple[int, int]:
    """(height, width) on the factor grid with min_pixels <= h*w <= max_pixels, same rule as SGLang's."""
    if height <= 0 or width <= 0:
        raise MediaError(f"The image has no pixels ({width}x{height}).")
    ratio = max(height, width) / min(height, width)
    if ratio > MAX_ASPECT_RATIO:
        raise MediaError(
            f"The image is {width}x{height} pixels: its aspect ratio {ratio:.0f}:1 is over the model's "
            f"limit of {MAX_ASPECT_RATIO}:1. Crop it into shorter pieces and send those."
        )
    h_bar = max(factor, round_by_factor(height, factor))
    w_bar = max(factor, round_by_factor(width, factor))
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = floor_by_factor(height / beta, factor)
        w_bar = floor_by_factor(width / beta, factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = ceil_by_factor(height * beta, factor)
        w_bar = ceil_by_factor(width * beta, factor)
    return h_bar, w_bar


def read_source(source: str | Path | bytes, max_bytes: int, kind: str = "image") -> bytes:
    """The bytes of an upload given as a path or bytes, refusing missing, empty or oversized files."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise MediaError(_too_big(kind, size, max_bytes))
            data = path.read_bytes()
        except FileNotFoundError:
            raise MediaError(f"The {kind} file {path.name} is gone (was it removed?). Upload it again.") from None
        except IsADirectoryError:
            raise MediaError(f"{path.name} is a folder, not an {kind} file.") from None
        except PermissionError:
            raise MediaError(f"The {kind} file {path.name} cannot be read (permission denied).") from None
    if not data:
        raise MediaError(f"The {kind} file is empty.")
    if len(data) > max_bytes:
        raise MediaError(_too_big(kind, len(data), max_bytes))
    return data


def _too_big(kind: str, size: int, max_bytes: int) -> str:
    return f"The {kind} file is {size / 2**20:.0f} MiB; the limit is {max_bytes / 2**20:.0f} MiB."


def check_image_size(width: int, height: int, limits: ImageLimits) -> None:
    """Refuse from the header alone: empty, decompression bombs, aspect ratios over 200."""
    if width <= 0 or height <= 0:
        raise MediaError(f"The image has no pixels ({width}x{height}).")
    if width * height > limits.max_source_pixels:
        raise MediaError(
            f"The image claims to be {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the "
            f"{limits.max_source_pixels / 1e6:.0f} MP safety limit; it may be a decompression bomb. "
            "Scale it down before uploading."
        )
    smart_resize(height, width, limits.factor, limits.min_pixels, limits.max_pixels)  # aspect check


def decode_image(data: bytes, limits: ImageLimits) -> tuple[Image.Image, int]:
    """Decode safely to an upright RGB image at its original size; also returns the source frame count."""
    with warnings.catch_warnings():
        # Our own max_source_pixels check below replaces Pillow's warning; its hard error still applies.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as error:
            raise _bomb(error, limits) from None
        except UnidentifiedImageError:
            raise MediaError("This file is not an image format that can be read (try JPEG or PNG).") from None
        except _DECODE_ERRORS as error:
            raise MediaError(f"The image file is corrupt and cannot be read ({error}).") from None
        check_image_size(image.width, image.height, limits)
        frames = int(getattr(image, "n_frames", 1) or 1)
        try:
            image.seek(0)
            image.load()
            upright = ImageOps.exif_transpose(image)
        except Image.DecompressionBombError as error:
            raise _bomb(error, limits) from None
        except _DECODE_ERRORS as error:
            raise MediaError(f"The image file is truncated or corrupt and cannot be decoded ({error}).") from None
    return to_rgb(upright), frames


def _bomb(error: Exception, limits: ImageLimits) -> MediaError:
    """Pillow's refusal in this app's words: the pixels the header claims, against the app's own limit."""
    claimed = re.search(r"\((\d+) pixels\)|size \((\d+) pixels\)", str(error))
    pixels = next((int(group) for group in claimed.groups() if group), 0) if claimed else 0
    size = f"it claims {pixels / 1e6:,.0f} MP ({pixels} pixels), " if pixels else ""
    return MediaError(f"The image is too large to open safely (decompression bomb?): {size}over the "
                      f"{limits.max_source_pixels / 1e6:.1f} MP safety limit. Scale it down before uploading.")


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB for any Pillow mode; transparency is flattened onto white, 16-bit scaled to 8-bit."""
    if image.mode in _SIXTEEN_BIT_MODES:
        values = np.asarray(image).astype(np.uint32)
        image = Image.fromarray((values // 257).astype(np.uint8))
    elif image.mode in ("I", "F"):
        image = Image.fromarray(_stretch_to_bytes(np.asarray(image, dtype=np.float64)))
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    try:
        if has_alpha:
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, WHITE)
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return image if image.mode == "RGB" else image.convert("RGB")
    except ValueError as error:
        raise MediaError(f"The image's color mode {image.mode} is not supported ({error}).") from None


def _stretch_to_bytes(values: np.ndarray) -> np.ndarray:
    """8-bit copy of a 32-bit int/float image: kept as is within 0..255, else stretched min..max."""
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 255:
        return values.astype(np.uint8)
    span = high - low or 1.0
    return ((values - low) * (255.0 / span)).round().astype(np.uint8)


def encode_image(image: Image.Image, limits: ImageLimits) -> tuple[bytes, str]:
    """Encoded bytes and MIME type; JPEG keeps full chroma (4:4:4) so small text stays legible."""
    if limits.encode_format == "png":
        return png_bytes(image), "image/png"
    if limits.encode_format != "jpeg":
        raise ValueError(f"encode_format must be 'jpeg' or 'png', not {limits.encode_format!r}")
    return jpeg_bytes(image, limits.jpeg_quality, full_chroma=True), "image/jpeg"


def prepare_image_bytes(data: bytes, limits: ImageLimits, sha256: str | None = None) -> PreparedImage:
    """Decode, resize to smart_resize's grid and encode already-read image bytes."""
    image, frames = decode_image(data, limits)
    width, height = image.size
    input_h, input_w = smart_resize(height, width, limits.factor, limits.min_pixels, limits.max_pixels)
    if (input_w, input_h) != image.size:
        image = image.resize((input_w, input_h), Image.Resampling.BICUBIC)
    encoded, mime = encode_image(image, limits)
    return PreparedImage(
        data_url=f"data:{mime};base64,{base64.b64encode(encoded).decode('ascii')}",
        mime=mime,
        original_size=(width, height),
        input_size=(input_w, input_h),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        factor=limits.factor,
        source_frames=frames,
    )


def prepare_image(source: str | Path | bytes, limits: ImageLimits | None = None) -> PreparedImage:
    """Read and prepare one image (no caching; use ImagePreparer to reuse encodings)."""
    limits = limits or ImageLimits()
    return prepare_image_bytes(read_source(source, limits.max_file_bytes), limits)


def load_upright_image(source: str | Path | bytes, limits: ImageLimits | None = None) -> Image.Image:
    """The image at its original size, upright and RGB, e.g. for drawing overlays on."""
    limits = limits or ImageLimits()
    return decode_image(read_source(source, limits.max_file_bytes), limits)[0]


class ImagePreparer:
    """Prepares images once per (content hash, limits) and keeps the last few in a bounded LRU,
    so a re-sent or re-uploaded image reuses identical bytes (and the server's prefix cache hits)."""

    def __init__(self, limits: ImageLimits | None = None, capacity: int = 32) -> None:
        self.limits = limits or ImageLimits()
        self.capacity = max(1, capacity)
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[str, ImageLimits], PreparedImage] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self, source: str | Path | bytes, limits: ImageLimits | None = None) -> PreparedImage:
        """Prepared image for source, from the cache when the same content was prepared before."""
        limits = limits or self.limits
        data = read_source(source, limits.max_file_bytes)
        key = (hashlib.sha256(data).hexdigest(), limits)
        origin = "" if isinstance(source, (bytes, bytearray)) else str(source)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return cached if cached.source == origin else replace(cached, source=origin)
        prepared = replace(prepare_image_bytes(data, limits, sha256=key[0]), source=origin)
        with self._lock:
            self.misses += 1
            self._entries[key] = prepared
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return prepared

    def __len__(self) -> int:
        return len(self._entries)
