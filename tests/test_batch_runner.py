"""The batch runner's scheduling, in-process: how it spends the CPU before the engine sees anything."""

from __future__ import annotations

import threading
import time

import pytest

from backend.batch import runner as batch_runner
from backend.batch.files import BatchFile
from backend.batch.runner import BAD_FILE, BatchJob, BatchRunner
from backend.endpoint import Endpoint
from backend.media.uploads import UploadError


class PreparationLog:
    """A prepare() that takes a while, records the order files started in and the most prepared at once, and
    refuses every file (so nothing is sent: only the preparation is under test)."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.running = self.most_at_once = 0
        self.lock = threading.Lock()

    def __call__(self, path: str) -> None:
        with self.lock:
            self.started.append(path)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        raise UploadError(path, f"{path}: not a picture")


def test_a_batch_prepares_no_more_files_at_once_than_there_are_cores_the_first_files_first(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_runner, "usable_cores", lambda: 2)
    log = PreparationLog()
    job = BatchJob(Endpoint("http://127.0.0.1:9", "", "model"), "Describe.", "qwen2.5-vl", log, concurrency=8)
    files = [BatchFile(f"/photos/{index:02d}.jpg", f"{index:02d}.jpg") for index in range(12)]
    last = list(BatchRunner(job).run(files))[-1]
    assert last.finished and [result.status for result in last.results] == [BAD_FILE] * 12
    assert log.most_at_once == 2  # 16 workers wait their turn instead of slowing the first files down
    assert set(log.started[:4]) == {f"/photos/{index:02d}.jpg" for index in range(4)}
