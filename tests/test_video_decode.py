"""Decoding only the frames sent: far-apart times are shared among several decoders and come back exactly as one
decoder gives them, in order; a keyframe between two close times is started from; the file's end, an unreadable
file and a reader that gives up behave the same."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from backend.media.decode import MAX_DECODERS, _seek_pays, decode_frames, decoder_count, keyframe_times, stretches
from backend.media.images import MediaError
from tests.hostile_inputs import write_video

FAR = [0.0, 1.6, 3.3, 5.0, 6.6, 8.3, 9.9, 11.6, 13.2, 14.9, 16.5, 18.2, 19.8]  # every one a seek


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 s at 30 fps; frame n is shaded (23 n) % 256."""
    return write_video(tmp_path_factory.mktemp("decode") / "v.mp4", 600, 30.0, (64, 48))


def _decode(video: Path, times: list[float], decoders: int, size=None) -> tuple[list[float], list[np.ndarray]]:
    frames: list[np.ndarray] = []

    def keep(frame) -> None:
        frames.append(frame.to_ndarray(format="bgr24") if isinstance(frame, av.VideoFrame) else frame)
    return decode_frames(video, times, keep, size=size, decoders=decoders), frames


def test_times_are_cut_into_stretches_where_a_seek_is_due() -> None:
    assert stretches([0.0, 0.5, 1.0, 3.0, 3.5, 10.0]) == [range(0, 3), range(3, 5), range(5, 6)]  # by distance
    keyframes = [0.0, 0.8, 2.0, 10.0]  # by keyframe: seeks to 0.8, 2.0 and 10.0; none from 2.5 to 3.0 (2.0 again)
    assert stretches([0.0, 0.5, 1.0, 2.5, 3.0, 10.0], keyframes) == [range(0, 2), range(2, 3), range(3, 5),
                                                                     range(5, 6)]
    assert decoder_count(1, cores=8) == 1  # one stretch: one decoder with FFmpeg's threads
    assert decoder_count(13, cores=2) == 2 and decoder_count(13, cores=1) == 1
    assert decoder_count(100, cores=64) == MAX_DECODERS


@pytest.mark.parametrize("size", [None, (32, 24)])
def test_several_decoders_hand_over_the_same_frames_in_order_as_one(video: Path, size) -> None:
    one_times, one_frames = _decode(video, FAR, 1, size)
    assert one_times == pytest.approx(FAR, abs=0.5 / 30)
    for decoders in (2, 3):
        times, frames = _decode(video, FAR, decoders, size)
        assert times == one_times
        assert all(np.array_equal(a, b) for a, b in zip(frames, one_frames, strict=True))
    if size is None:  # full size, the frame shown at each time (write_video shades frame n with (23 n) % 256)
        assert [int(frame[10, 10, 0]) for frame in one_frames] == pytest.approx(
            [(23 * round(t * 30)) % 256 for t in FAR], abs=6)
    else:
        assert {frame.shape for frame in one_frames} == {(24, 32, 3)}


def test_stretches_decoded_forward_are_shared_whole(video: Path) -> None:
    times = [0.0, 0.5, 1.0, 4.0, 4.5, 9.0, 9.5, 10.0, 15.0]
    one_times, one_frames = _decode(video, times, 1)
    times_two, frames_two = _decode(video, times, 2)
    assert times_two == one_times and len(one_times) == len(times)
    assert all(np.array_equal(a, b) for a, b in zip(frames_two, one_frames, strict=True))


def test_a_keyframe_between_two_wanted_times_is_sought_to_instead_of_decoded_up_to() -> None:
    keyframes = [0.0, 0.4, 0.8, 1.2, 10.0]
    assert _seek_pays(0.5, 1.0, keyframes) and _seek_pays(0.5, 0.8, keyframes)  # start at 0.8, skip 0.5-0.8
    assert not _seek_pays(0.5, 0.7, keyframes)  # nothing to skip: decode on
    assert not _seek_pays(1.3, 5.0, keyframes)  # far, but a seek would start at 1.2 and decode 1.2-1.3 again
    assert _seek_pays(0.0, 1.5, None) and not _seek_pays(0.0, 0.9, None)  # no keyframes known: by distance


def _h264_with_gop(path: Path, frames: int, gop: int) -> Path:
    """H.264 at 30 fps with a keyframe every gop frames: a square moving over a changing shade (P-frames)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "bf": "2"}
        for number in range(frames):
            pixels = np.full((48, 64, 3), (number * 7) % 200, np.uint8)
            pixels[10:30, number % 40: number % 40 + 20] = (20, 220, 120)
            frame = av.VideoFrame.from_ndarray(pixels, format="bgr24")
            frame.pts = number
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_close_times_give_the_frames_a_full_decode_gives(tmp_path: Path) -> None:
    video = _h264_with_gop(tmp_path / "gop.mp4", 300, 12)
    assert keyframe_times(video) == pytest.approx([n * 12 / 30 for n in range(25)])
    times = sorted({n * 7 / 12 for n in range(17)} | {0.4, 2.4, 2.6, 7.0, 7.2})  # at, before and after keyframes
    with av.open(str(video)) as container:
        everything = [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]
    shown = [math.ceil(time_s * 30 - 1e-6) for time_s in times]  # the first frame shown at or after each time
    for decoders in (1, 2):  # two: the stretches between keyframes shared out
        sent, frames = _decode(video, times, decoders)
        assert sent == pytest.approx([number / 30 for number in shown])
        assert all(np.array_equal(frame, everything[number]) for number, frame in zip(shown, frames, strict=True))


def test_the_file_ending_early_stops_the_frames_where_one_decoder_stops(video: Path) -> None:
    times = [0.0, 5.0, 10.0, 15.0, 25.0, 30.0, 35.0]  # the video lasts 20 s
    one_times, _ = _decode(video, times, 1)
    assert len(one_times) == 4
    for decoders in (2, 3):
        assert _decode(video, times, decoders)[0] == one_times


def test_an_unreadable_file_is_refused_in_words_from_a_decoder_thread(tmp_path: Path) -> None:
    path = tmp_path / "not-a-video.mp4"
    path.write_bytes(b"this is not a video " * 100)
    with pytest.raises(MediaError, match="cannot be read"):
        decode_frames(path, FAR, lambda _frame: None, decoders=2)


def test_a_reader_that_fails_stops_every_decoder(video: Path) -> None:
    before = threading.active_count()
    handed = []

    def add(frame) -> None:
        handed.append(frame)
        if len(handed) == 3:
            raise RuntimeError("the writer failed")
    with pytest.raises(RuntimeError, match="the writer failed"):
        decode_frames(video, FAR, add, decoders=3)
    assert threading.active_count() == before and len(handed) == 3
