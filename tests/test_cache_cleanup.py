"""Gradio's file cache is cleaned on a schedule: uploads and returned files go once old, examples stay."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from PIL import Image

from tests.helpers import RunningUi, start_ui, wait_until


@pytest.fixture(scope="module")
def short_lived(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    """The app with a cache that keeps files 1 s and is checked every second, its engine ready."""
    root = tmp_path_factory.mktemp("cache")
    running = start_ui(root, examples_dir, load_seconds=0.2, tpot_ms=1,
                       settings_changes={"cache_max_age_s": 1, "cache_check_every_s": 1})
    running.studio.launch(running.studio.settings.default_request, running.studio.viewer())
    running.wait_ready()
    yield running
    running.close()


def a_unique_photo(folder: Path) -> Path:
    """A photo no other test uploads (gradio stores uploads by content)."""
    rng = random.Random()
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    image.putpixel((rng.randrange(320), rng.randrange(240)), (1, 2, 3))
    path = folder / "unique.png"
    image.save(path)
    return path


def test_uploaded_files_are_deleted_once_older_than_the_limit(short_lived: RunningUi, tmp_path: Path) -> None:
    client = Client(short_lived.url, verbose=False)
    answer = client.predict("what is this?", [handle_file(str(a_unique_photo(tmp_path)))], [], 16, api_name="/chat")
    assert answer
    uploads = set(short_lived.demo.upload_file_set)
    assert uploads, "the upload was not recorded"
    assert wait_until(lambda: not any(Path(path).exists() for path in uploads), timeout_s=15), uploads


def test_examples_stay_in_the_cache(short_lived: RunningUi) -> None:
    kept = set().union(*(getattr(block, "keep_in_cache", set()) for block in short_lived.demo.blocks.values()))
    assert kept, "no example files are marked to keep"
    time.sleep(3)  # three cleanup rounds
    assert all(Path(path).exists() for path in kept)


def test_chat_still_works_after_a_cleanup(short_lived: RunningUi, tmp_path: Path) -> None:
    client = Client(short_lived.url, verbose=False)
    time.sleep(2)  # two cleanup rounds
    answer = client.predict("and now?", [handle_file(str(a_unique_photo(tmp_path)))], [], 16, api_name="/chat")
    assert answer
