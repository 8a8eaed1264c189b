"""The warm-up: before the status says ready, the engine gets what users will send, so the first of them does not
pay for it. That is JPEG photos encoded by the app's own encoder at the app's pixel budget, one and two per request:
SGLang decodes JPEG on the GPU (torchvision's decode_jpeg, nvJPEG), whose first use imports torchvision (~1 s), so a
PNG-only warm-up left that second to the first user. A short clip warms the video path (the first video request
loads SGLang's video decoder, ~1 s) beside the photo requests, before ready: sent after ready, in the background, it
landed on the first user's request and doubled its time to first token (H200, SGLang 0.5.16: 0.26 s against 0.135 s
for the second; 0.18 s against 0.16 s without it)."""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import openai
from PIL import Image, ImageDraw

from backend.endpoint import Endpoint
from backend.families import get_family
from backend.media.clip import ClipWriter
from backend.media.images import APP_MAX_PIXELS, ImageLimits, encode_image, smart_resize

WARMUP_PROMPT = "What colour is the square in this picture? Answer in one word."
PHOTO_SHAPE = (4000, 3000)  # a phone photo (w, h): warmed at the frame the app sends it in
SMALL_SIZE = (56, 56)
CLIP_SIZE, CLIP_FRAMES, CLIP_FPS = (112, 112), 8, 2.0
TEXT_ROOM = 256  # context kept for the template, the prompt and the answer beside a request's images


@dataclass(frozen=True)
class WarmupStep:
    """One warm-up request: what it carried and how long it took to its last token."""

    name: str
    seconds: float
    prompt_tokens: int
    text: str


@dataclass(frozen=True)
class WarmupResult:
    """The warm-up requests that completed (the photos in order, then the clip; all were sent at once), why any
    other did not, and the wall-clock time of the whole warm-up."""

    steps: tuple[WarmupStep, ...]
    seconds: float
    problems: tuple[str, ...] = ()

    def line(self) -> str:
        """'56x56 JPEG 0.4 s, 1148x840 + 1288x728 JPEG 0.9 s, 8-frame clip 1.1 s' (and any request that failed)."""
        return ", ".join([f"{step.name} {step.seconds:.1f} s" for step in self.steps] +
                         [f"failed: {problem}" for problem in self.problems])


class WarmupFailed(Exception):
    """A warm-up request did not complete."""


def picture(size: tuple[int, int]) -> Image.Image:
    """A red square on a blue ground, size (w, h)."""
    width, height = size
    image = Image.new("RGB", size, (20, 40, 160))
    ImageDraw.Draw(image).rectangle([width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(220, 30, 30))
    return image


def jpeg_data_url(size: tuple[int, int], limits: ImageLimits) -> str:
    """A picture of size encoded as the app encodes what it sends."""
    data, mime = encode_image(picture(size), limits)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_requests(family: str, max_pixels: int = APP_MAX_PIXELS, context_length: int | None = None
                   ) -> list[tuple[str, list[str]]]:
    """(name, image data URLs) of each warm-up request: a tiny photo, then a phone photo at the app's budget with
    a 720p frame beside it (two images in one request) where the engine's context holds them."""
    limits = ImageLimits.for_family(family, max_pixels=max_pixels)
    def sent(width: int, height: int) -> tuple[int, int]:  # the frame the app sends a picture of that size in
        new_h, new_w = smart_resize(height, width, limits.factor, limits.min_pixels, limits.max_pixels)
        return new_w, new_h

    requests = [[sent(*SMALL_SIZE)], [sent(*PHOTO_SHAPE), sent(1280, 720)]]
    if context_length:  # a request the context cannot hold would fail; users cannot send it either
        fits = [sizes for sizes in requests if image_tokens(sizes, limits.factor) <= context_length - TEXT_ROOM]
        requests = fits or requests[:1]
    return [(" + ".join(f"{w}x{h}" for w, h in sizes) + " JPEG", [jpeg_data_url(size, limits) for size in sizes])
            for sizes in requests]


def image_tokens(sizes: Sequence[tuple[int, int]], factor: int) -> int:
    """Vision tokens of images of these sent sizes (one per factor x factor cell)."""
    return sum((width // factor) * (height // factor) for width, height in sizes)


def clip_data_url(factor: int) -> str:
    """A 4 s clip of a moving square, as the app re-encodes videos for a remote engine (H.264, 2 fps)."""
    size = (max(CLIP_SIZE[0], 4 * factor), max(CLIP_SIZE[1], 4 * factor))
    with ClipWriter(size, CLIP_FPS) as writer:
        for index in range(CLIP_FRAMES):
            frame = np.full((size[1], size[0], 3), (160, 40, 20), np.uint8)
            left = index * (size[0] // 2) // CLIP_FRAMES
            frame[size[1] // 4: 3 * size[1] // 4, left: left + size[0] // 2] = (30, 30, 220)
            writer.add(frame)
        data = writer.finish()
    return "data:video/mp4;base64," + base64.b64encode(data).decode("ascii")


def warm_up(endpoint: Endpoint, max_pixels: int = APP_MAX_PIXELS, timeout_s: float = 600.0,
            context_length: int | None = None, max_tokens: int = 8, video: bool = True) -> WarmupResult:
    """Send the warm-up requests (streamed, as the chat sends, on one client) all at once: the engine's first-use
    costs (torchvision's import, the video decoder's, kernels) overlap instead of adding up. Raises WarmupFailed
    when the first photo fails (the engine cannot answer images); another request that fails is only noted in the
    result (a video request will report its own error to its user)."""
    started = time.monotonic()
    photos = image_requests(endpoint.family, max_pixels, context_length)
    clip = clip_data_url(get_family(endpoint.family).factor) if video else None
    with _client(endpoint, timeout_s) as client, \
            ThreadPoolExecutor(len(photos) + 1, thread_name_prefix="warmup") as pool:
        sent = [pool.submit(_request, client, endpoint.model, name, urls, (), max_tokens) for name, urls in photos]
        if clip is not None:
            sent.append(pool.submit(_request, client, endpoint.model, f"{CLIP_FRAMES}-frame clip", (), (clip,),
                                    max_tokens, endpoint.engine.request_fields(has_video=True)))
        steps, problems = [], []
        for index, future in enumerate(sent):
            try:
                steps.append(future.result())
            except WarmupFailed as error:
                if index == 0:
                    raise
                problems.append(str(error))
    return WarmupResult(tuple(steps), time.monotonic() - started, tuple(problems))


def _client(endpoint: Endpoint, timeout_s: float) -> openai.OpenAI:
    return openai.OpenAI(base_url=endpoint.api_base, api_key=endpoint.api_key or "none", timeout=timeout_s,
                         max_retries=0)


def _request(client: openai.OpenAI, model: str, name: str, image_urls: Sequence[str], video_urls: Sequence[str],
             max_tokens: int, fields: dict[str, object] | None = None) -> WarmupStep:
    content = [{"type": "video_url", "video_url": {"url": url}} for url in video_urls]
    content += [{"type": "image_url", "image_url": {"url": url}} for url in image_urls]
    content.append({"type": "text", "text": WARMUP_PROMPT})
    started = time.monotonic()
    parts: list[str] = []
    prompt_tokens = 0
    try:
        stream = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": content}], max_tokens=max_tokens,
            temperature=0.0, stream=True, stream_options={"include_usage": True}, extra_body=fields or None)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
            if chunk.usage is not None:
                prompt_tokens = chunk.usage.prompt_tokens
    except openai.OpenAIError as error:
        raise WarmupFailed(f"{name}: {type(error).__name__}: {error}") from error
    return WarmupStep(name, time.monotonic() - started, prompt_tokens, "".join(parts))
