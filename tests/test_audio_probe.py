"""Audio-only uploads: an MP3 is recognised by its ID3 tag or two consecutive MPEG audio frames, never by the
first eleven set bits alone (a JPEG and plenty of random files start with those too)."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from backend.media.images import MediaError
from backend.media.video import prepare_video
from backend.media.video_probe import no_video_stream_reason

FFMPEG = shutil.which("ffmpeg")
AUDIO_ONLY = "looks like audio only"


def mpeg1_layer3_frame(padding: int = 0) -> bytes:
    """One 128 kbps, 44.1 kHz MPEG-1 Layer III frame: 144 * 128000 / 44100 = 417 bytes (+1 padded)."""
    header = 0xFFFB9000 | (padding << 9)  # sync, MPEG-1, Layer III, no CRC, bitrate 9, 44.1 kHz
    return header.to_bytes(4, "big") + bytes(417 + padding - 4)


def generated_mp3(folder: Path, *extra: str) -> Path:
    """One second of sine tone encoded by ffmpeg's libmp3lame."""
    path = folder / "tone.mp3"
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libmp3lame",
                    *extra, str(path)], check=True, timeout=60)
    return path


def jpeg_bytes() -> bytes:
    """A small JPEG (it starts FF D8 FF, i.e. with eleven set bits)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed")
@pytest.mark.parametrize("options,start", [((), b"ID3"), (("-id3v2_version", "0", "-write_id3v1", "0"), b"\xff\xfb")],
                         ids=["id3-tag", "bare-frames"])
def test_a_real_mp3_upload_is_refused_as_audio_only(tmp_path: Path, options: tuple[str, ...], start: bytes) -> None:
    path = generated_mp3(tmp_path, *options)
    assert path.read_bytes().startswith(start)
    assert AUDIO_ONLY in (no_video_stream_reason(path) or "")
    with pytest.raises(MediaError, match=AUDIO_ONLY):
        prepare_video(path)


def test_two_consecutive_mpeg_frames_are_audio(tmp_path: Path) -> None:
    path = tmp_path / "frames.mp3"
    path.write_bytes(mpeg1_layer3_frame() + mpeg1_layer3_frame(padding=1) + mpeg1_layer3_frame())
    assert AUDIO_ONLY in (no_video_stream_reason(path) or "")


def test_one_frame_header_followed_by_anything_else_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "lonely.mp4"
    path.write_bytes(mpeg1_layer3_frame() + b"\x00" * 2000)
    assert no_video_stream_reason(path) is None


@pytest.mark.parametrize("field,header", [
    ("reserved version", 0xFFEB9000), ("reserved layer", 0xFFF99000), ("bitrate index 0", 0xFFFB0000),
    ("bitrate index 15", 0xFFFBF000), ("sample-rate index 3", 0xFFFB9C00),
])
def test_frames_with_reserved_header_fields_are_not_audio(tmp_path: Path, field: str, header: int) -> None:
    frame = header.to_bytes(4, "big") + bytes(413)
    path = tmp_path / "odd.mp4"
    path.write_bytes(frame * 4)
    assert no_video_stream_reason(path) is None, field


def test_a_jpeg_posing_as_a_video_is_not_called_audio(tmp_path: Path) -> None:
    path = tmp_path / "photo.mp4"
    path.write_bytes(jpeg_bytes())
    assert no_video_stream_reason(path) is None
    with pytest.raises(MediaError) as refusal:
        prepare_video(path)
    assert "audio" not in str(refusal.value)


def test_random_bytes_starting_with_the_frame_sync_are_not_audio(tmp_path: Path) -> None:
    generator = random.Random(7)
    path = tmp_path / "noise.mp4"
    reasons = set()
    for _ in range(300):
        path.write_bytes(bytes([0xFF, 0xE0 | generator.randrange(32)]) + generator.randbytes(8190))
        reasons.add(no_video_stream_reason(path))
    assert reasons == {None}


def test_an_id3_lookalike_with_a_broken_tag_header_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "id3ish.mp4"
    path.write_bytes(b"ID3\x09\x00\x00\xff\xff\xff\xff" + bytes(100))  # version 9, sizes not syncsafe
    assert no_video_stream_reason(path) is None
