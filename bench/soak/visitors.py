"""The soak's visitors: each one a gradio_client session sending image turns to /chat, and their shared tally."""

from __future__ import annotations

import base64
import io
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

PHOTO_SIZES = ((640, 480), (1280, 720), (480, 640), (1024, 768), (800, 800), (1920, 1080), (320, 240), (900, 600))
QUESTIONS = ("What is in this picture?", "Describe the colours.", "Detect the shapes and give their boxes.",
             "Point at the largest circle.", "How many shapes are there?")
TURNS_PER_CONVERSATION = 4


@dataclass
class Tally:
    """What the sessions measured, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (finished at, seconds)
    first_text: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered_sessions: set[int] = field(default_factory=set)
    failed_sessions: set[int] = field(default_factory=set)

    def turn(self, finished_at: float, latency_s: float, first_s: float | None, session: int) -> None:
        """Record one answered turn."""
        with self.lock:
            self.answered_sessions.add(session)
            self.latencies.append((finished_at, latency_s))
            if first_s is not None:
                self.first_text.append((finished_at, first_s))

    def error(self, message: str, session: int) -> None:
        """Record one failed turn."""
        with self.lock:
            self.errors.append(message)
            self.failed_sessions.add(session)


def make_photos(folder: Path) -> list[tuple[Path, str]]:
    """A few distinct photos (shapes on gradients) and their data URLs, for the turns and their history."""
    photos = []
    for index, (width, height) in enumerate(PHOTO_SIZES):
        rng = random.Random(index)
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = rng.randrange(width - 40), rng.randrange(height - 40)
            size = rng.randrange(20, max(21, min(width, height) // 3))
            color = tuple(rng.randrange(256) for _ in range(3))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + size, y + size), fill=color)
        path = folder / f"soak-{index}.jpg"
        image.save(path, format="JPEG", quality=88)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=88)
        photos.append((path, "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")))
    return photos


def session_loop(url: str, number: int, photos: Sequence[tuple[Path, str]], max_tokens: int, started: float,
                 until: float, tally: Tally, turn_timeout_s: float) -> None:
    """One visitor: image turns with the previous turn as history until the time is up."""
    from gradio_client import handle_file

    rng = random.Random(number)
    client = connect(url, number, tally)
    history: list[dict] = []
    turn = 0
    while client is not None and time.monotonic() < until:
        path, data_url = photos[rng.randrange(len(photos))]
        question = QUESTIONS[rng.randrange(len(QUESTIONS))]
        begin = time.monotonic()
        try:
            job = client.submit(question, [handle_file(str(path))], history, max_tokens, api_name="/chat")
            answer, first = wait_for_answer(job, begin, turn_timeout_s)
        except TurnTimeout as error:
            # The app may have answered and the client missed it (gradio issue #9968): start a fresh client.
            tally.error(f"session {number} turn {turn}: {error}", session=number)
            client.close()
            client = connect(url, number, tally)
            continue
        except Exception as error:  # noqa: BLE001 - every failure is a soak error, whatever raised it
            tally.error(f"session {number} turn {turn}: {type(error).__name__}: {error}"[:300], session=number)
            time.sleep(0.5)
            continue
        now = time.monotonic()
        tally.turn(now - started, now - begin, first, session=number)
        turn += 1
        history = [] if turn % TURNS_PER_CONVERSATION == 0 else [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url}},
                                         {"type": "text", "text": question}]},
            {"role": "assistant", "content": answer},
        ]
    if client is not None:
        client.close()


class TurnTimeout(Exception):
    """A turn got no result in time."""


def connect(url: str, number: int, tally: Tally):
    """A gradio_client for one visitor (None, with the error counted, when the app cannot be reached)."""
    from gradio_client import Client

    try:
        return Client(url, verbose=False)
    except Exception as error:  # noqa: BLE001 - reported, not raised: the soak counts it
        tally.error(f"session {number}: could not connect: {error!r}"[:300], session=number)
        return None


def wait_for_answer(job, begin: float, timeout_s: float) -> tuple[str, float | None]:
    """The job's final answer and the seconds to its first non-empty output; TurnTimeout after timeout_s."""
    first = None
    while True:
        done = job.done()
        if first is None and any(job.outputs()):
            first = time.monotonic() - begin
        if done:
            return job.result(), first
        if time.monotonic() - begin > timeout_s:
            job.cancel()
            raise TurnTimeout(f"no result within {timeout_s:.0f} s")
        time.sleep(0.02)
