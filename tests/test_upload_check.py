"""Chat uploads checked when they arrive, in-process: a file that cannot be sent (a text file renamed .jpg) is taken
out of the message box at once and the notice says why in Send's own words; files already checked are not read
again on every keystroke (issue 26)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest
from PIL import Image

from backend.engine.supervisor import Supervisor
from backend.media.uploads import UploadError
from backend.media.video_limits import VideoChoice
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from tests.helpers import TEST_SETTINGS, TWO_H100
from ui.chat_panel import checked_uploads

SKIP = gr.skip()


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    """A Studio with no engine: checking uploads needs none."""
    return Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), StudioSettings(work_dir=tmp_path / "work"), TWO_H100)


@pytest.fixture
def photo(tmp_path: Path) -> str:
    path = tmp_path / "photo.png"
    Image.new("RGB", (320, 240), "white").save(path)
    return str(path)


@pytest.fixture
def renamed_text(tmp_path: Path) -> str:
    path = tmp_path / "notes.jpg"
    path.write_text("Shopping list: eggs, milk.\n", encoding="utf-8")
    return str(path)


def send_refusal(studio: Studio, path: str) -> str:
    """What Send says about this file."""
    with pytest.raises(UploadError) as refused:
        studio.prepare_media([path])
    return str(refused.value)


def test_a_text_file_renamed_jpg_is_taken_out_at_once_in_sends_words(studio: Studio, photo: str,
                                                                      renamed_text: str) -> None:
    message = {"text": "What is this?", "files": [photo, renamed_text]}
    box, notice, checked = checked_uploads(studio, message, [], VideoChoice())
    assert box == {"text": "What is this?", "files": [photo]} and checked == [photo]
    said = send_refusal(studio, renamed_text)
    assert said.startswith("notes.jpg: This file is not an image format")
    assert notice == f"⚠ {said} Taken out of the message."


def test_a_text_file_renamed_mp4_is_refused_the_same_way(studio: Studio, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_text("not a video", encoding="utf-8")
    box, notice, checked = checked_uploads(studio, {"text": "", "files": [str(clip)]}, [], VideoChoice())
    assert box == {"text": "", "files": []} and checked == []
    assert notice == f"⚠ {send_refusal(studio, str(clip))} Taken out of the message."


def test_good_uploads_leave_the_box_and_the_notice_alone(studio: Studio, photo: str) -> None:
    assert checked_uploads(studio, {"text": "hi", "files": [photo]}, [], VideoChoice()) == (SKIP, SKIP, [photo])


def test_files_already_checked_are_not_read_again(studio: Studio, tmp_path: Path) -> None:
    gone = str(tmp_path / "checked-then-deleted.png")  # reading it would refuse it
    assert checked_uploads(studio, {"text": "typing…", "files": [gone]}, [gone], VideoChoice()) == (SKIP, SKIP, SKIP)
    assert checked_uploads(studio, {"text": "", "files": []}, [gone], VideoChoice()) == (SKIP, SKIP, [])
    assert checked_uploads(studio, None, [], VideoChoice()) == (SKIP, SKIP, SKIP)
