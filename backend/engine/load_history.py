"""Recent engine load readings (backend.engine.load) kept for the live plot, shared by every browser."""

from __future__ import annotations

import threading
import time
from collections import deque

from backend.endpoint import Endpoint
from backend.engine.load import EngineLoad, read_engine_load

ServerSample = EngineLoad  # one point of the plot


class ServerMetricsHistory:
    """The last readings; the engine is read at most once per interval, whoever asks."""

    def __init__(self, keep: int = 120, interval_s: float = 1.0, timeout_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self._samples: deque[EngineLoad] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._last_try = 0.0
        self.exports_metrics: bool | None = None  # None until the engine was read once; False: it has no /metrics

    def refresh(self, endpoint: Endpoint | None) -> list[EngineLoad]:
        """Read the engine when due (and an endpoint is ready), then return the readings, oldest first."""
        with self._lock:
            due = endpoint is not None and time.monotonic() - self._last_try >= self.interval_s
            if due:
                self._last_try = time.monotonic()
        if due and endpoint is not None:
            sample = read_engine_load(endpoint, self.timeout_s)
            self.exports_metrics = sample is not None
            if sample is not None:
                with self._lock:
                    self._samples.append(sample.after(self._samples[-1] if self._samples else None))
        with self._lock:
            return list(self._samples)
