"""A fair share of the one engine: how many answers one visitor may have in flight at once. The engine batches
everyone's requests; a visitor over the share is told so at once instead of filling the queue for the others."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from backend.errors import UserError


class VisitorBusy(UserError):
    """This visitor already has their share of answers running; str(error) says so in plain words."""


class FairShare:
    """At most `per_visitor` answers in flight per visitor (a browser session or an API client session)."""

    def __init__(self, per_visitor: int) -> None:
        self.per_visitor = max(1, per_visitor)
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def running(self, visitor: str) -> int:
        """Answers this visitor has in flight now."""
        with self._lock:
            return self._running[visitor]

    @contextmanager
    def slot(self, visitor: str) -> Iterator[None]:
        """Hold one of the visitor's slots while an answer streams; raises VisitorBusy when none is free."""
        with self._lock:
            if self._running[visitor] >= self.per_visitor:
                raise VisitorBusy(
                    f"Busy: {self._running[visitor]} of your requests are running (the limit is {self.per_visitor} "
                    "at once, so every visitor gets a turn). Send this again when one has finished.")
            self._running[visitor] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[visitor] -= 1
                if self._running[visitor] <= 0:
                    del self._running[visitor]
