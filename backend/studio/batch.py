"""A batch the Studio started: the runner, the files it found (and left out), its folder and its exports."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from backend.batch.export import write_exports
from backend.batch.files import Discovery
from backend.batch.runner import BatchProgress, BatchRunner
from backend.media.encode import save_picture

OVERLAY_MAX_SIDE = 1600  # gallery overlays are saved at most this big (JPEG), the originals stay untouched
API_RUNS_KEPT = 16  # /batch result folders kept; each new one past this deletes the oldest


@dataclass
class StartedBatch:
    """A batch ready to run: the runner, the files it found (and left out), and its folder."""

    runner: BatchRunner
    found: Discovery
    folder: Path

    def progress(self) -> Iterator[BatchProgress]:
        """The runner's progress (see BatchRunner.run)."""
        return self.runner.run(self.found.files, self.found.rejected)

    def exports(self, progress: BatchProgress) -> dict[str, str]:
        """JSON lines, COCO and CSV of the results, written into the batch's folder."""
        return write_exports(list(progress.results), self.folder / "exports")

    def drop_inputs(self) -> None:
        """Delete the files expanded from zips (the results and exports stay)."""
        shutil.rmtree(self.folder / "files", ignore_errors=True)


def overlay_saver(folder: Path) -> Callable[[Image.Image], str]:
    """Saves each overlay as a JPEG at most OVERLAY_MAX_SIDE big into folder; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)

    def save(overlay: Image.Image) -> str:
        path = folder / f"{uuid.uuid4().hex}.jpg"
        picture = overlay.convert("RGB")
        picture.thumbnail((OVERLAY_MAX_SIDE, OVERLAY_MAX_SIDE))
        save_picture(picture, path, quality=88)
        return str(path)
    return save


def fresh_run_folder(root: Path, kept: int = API_RUNS_KEPT) -> Path:
    """A fresh folder under root for one batch; the oldest go once more than `kept` exist."""
    root.mkdir(parents=True, exist_ok=True)
    runs = sorted((path for path in root.iterdir() if path.is_dir()), key=lambda path: path.stat().st_mtime)
    for old in runs[: max(0, len(runs) - kept + 1)]:
        shutil.rmtree(old, ignore_errors=True)
    return root / uuid.uuid4().hex
