"""P7's README row: the first partial of a streamed /chat read the way the README tells users to (its own
`stream(job)` helper, taken from the README's Python block as users paste it) beside `for partial in job`, which
the README warns against (gradio_client 2.7.2 sleeps in Job.__next__ holding the lock its SSE reader needs)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bench.soak.targets import REPO_ROOT

README = REPO_ROOT / "README.md"
READERS = ("readme_stream", "for_partial_in_job")


def readme_stream() -> Callable[[Any], Iterator[Any]]:
    """The README's stream() helper, compiled from the README's own text."""
    block = next(code for code in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
                 if "def stream(" in code)
    start = block.index("def stream(")
    names: dict[str, Any] = {"time": time}
    exec(compile(block[start:block.index("\n\n\n", start)], "README.md stream()", "exec"), names)
    return names["stream"]


def first_partial_s(client, args: tuple, read: Callable[[Any], Iterable[Any]]) -> float:
    """Seconds from submit to the first non-empty partial, reading the job with `read`."""
    started = time.perf_counter()
    job = client.submit(*args, api_name="/chat")
    try:
        for partial in read(job):
            if partial:
                return time.perf_counter() - started
        raise RuntimeError(f"/chat gave no text: {job.status()}")
    finally:
        job.cancel()


def measure_readers(client, args_for: Callable[[int], tuple], repeats: int) -> dict[str, list[float]]:
    """Milliseconds to the first partial per reader, the readers taking turns; the first round warms up."""
    readers = {"readme_stream": readme_stream(), "for_partial_in_job": iter}
    samples: dict[str, list[float]] = {name: [] for name in READERS}
    for index in range(repeats + 1):
        for name in READERS:
            seconds = first_partial_s(client, args_for(index), readers[name])
            if index:
                samples[name].append(seconds * 1000)
    return samples
