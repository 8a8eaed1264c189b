"""Where the Studio writes what it hands back (overlays, thumbnails, exports): a work folder with one sub-folder per
browser session, and a capped folder for files an API client downloads right after its call."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WorkFolder:
    """A folder the Studio writes fresh files into; a session's folder is removed with the session."""

    root: Path

    def new_file(self, folder: str, suffix: str) -> Path:
        """A fresh path under `folder` (gradio serves files from here once a handler returns them)."""
        target = self.root / folder
        target.mkdir(parents=True, exist_ok=True)
        return target / f"{uuid.uuid4().hex}{suffix}"

    def new_folder(self, folder: str) -> Path:
        """A fresh, empty folder under `folder`, for files whose names people see (downloads)."""
        target = self.root / folder / uuid.uuid4().hex
        target.mkdir(parents=True)
        return target

    def session(self) -> WorkFolder:
        """A fresh folder of its own, for one browser session."""
        return WorkFolder(self.root / "sessions" / uuid.uuid4().hex)

    def remove(self) -> None:
        """Delete the folder and everything in it."""
        shutil.rmtree(self.root, ignore_errors=True)


class RecentFiles:
    """A folder that keeps only the newest `cap` files written through it (oldest deleted first); thread-safe."""

    def __init__(self, folder: Path, cap: int) -> None:
        self.folder = folder
        self.cap = cap
        self._kept: deque[Path] = deque()
        self._lock = threading.Lock()

    def write(self, suffix: str, save: Callable[[Path], None]) -> Path:
        """A fresh path filled by save(path); it stays until `cap` newer files have been written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid.uuid4().hex}{suffix}"
        try:
            save(path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        with self._lock:
            self._kept.append(path)
            stale = [self._kept.popleft() for _ in range(len(self._kept) - self.cap)]
        for old in stale:
            old.unlink(missing_ok=True)
        return path
