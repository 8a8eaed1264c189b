"""Video preparation: OpenCV metadata, qwen-vl-utils' sampling rule, a clip SGLang keeps whole, refusals."""

from __future__ import annotations

import asyncio
import base64
import random
import wave

import cv2
import numpy as np
import pytest

from backend.media.images import MediaError
from backend.media.video import (
    VideoInfo,
    VideoLimits,
    plan_sampling,
    prepare_video,
    probe_video,
    smart_nframes,
    with_clip,
)
from tests.hostile_inputs import audio_only_mp4


@pytest.fixture(scope="module")
def sglang_qwen_vl():
    """SGLang 0.5.23's Qwen-VL processor module (slow import: torch)."""
    return pytest.importorskip("sglang.srt.multimodal.processors.qwen_vl")


def frame_color(index: int) -> tuple[int, int, int]:
    """A distinct flat BGR colour per frame, so a sampled frame tells which original frame it was."""
    return ((index * 4) % 256, 255 - (index * 4) % 256, 128)


def write_video(path, frame_count: int, fps: float, size=(320, 240)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for index in range(frame_count):
        writer.write(np.full((size[1], size[0], 3), frame_color(index), np.uint8))
    writer.release()
    return path


def decode_all(path) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames, fps


def clip_file(tmp_path, video) -> str:
    path = tmp_path / "clip.mp4"
    path.write_bytes(base64.b64decode(video.url(original=False).split(",", 1)[1]))
    return str(path)


def sglang_preprocess(qwen_vl, path, monkeypatch):
    """Run SGLang's own preprocess_video on a file decoded by OpenCV: (frames tensor TCHW, metadata)."""
    import torch
    from sglang.srt.utils.video_decoder import VideoDecoderWrapper

    class OpenCVDecoded(VideoDecoderWrapper):
        """SGLang's decoder interface over frames OpenCV decoded (torchcodec needs system FFmpeg)."""

        def __init__(self, video_path):
            frames, self._fps = decode_all(video_path)
            self._frames = [cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) for frame in frames]

        def __len__(self):
            return len(self._frames)

        @property
        def avg_fps(self):
            return self._fps

        def get_frames_as_tensor(self, indices):
            return torch.from_numpy(np.stack([self._frames[i] for i in indices]))

    monkeypatch.setattr(qwen_vl, "is_cpu", lambda: True)  # no pinned memory without a GPU
    return asyncio.run(qwen_vl.preprocess_video(OpenCVDecoded(path), video_config={}))


def sglang_decoder(source, monkeypatch):
    """SGLang's real VideoDecoderWrapper (torchcodec on CPU), or a skip where FFmpeg's libraries are missing."""
    import sglang.srt.utils.common as sglang_common
    from sglang.srt.utils.video_decoder import VideoDecoderWrapper

    monkeypatch.setattr(sglang_common, "is_cpu", lambda: True)
    try:
        return VideoDecoderWrapper(source)
    except (RuntimeError, OSError, ImportError) as error:
        pytest.skip(f"SGLang's video decoder cannot run here: {str(error).splitlines()[0]}")


def test_probe_reads_opencv_metadata(tmp_path):
    info = probe_video(write_video(tmp_path / "v.mp4", 60, 20.0), VideoLimits())
    assert info == VideoInfo(fps=20.0, frame_count=60, duration_s=3.0, width=320, height=240)


def test_two_frames_per_second_evenly_timed(tmp_path):
    video = prepare_video(write_video(tmp_path / "v.mp4", 60, 20.0))
    assert video.plan.frame_indices == (0, 10, 20, 30, 40, 50)
    assert video.plan.sample_fps == 2.0
    assert video.plan.frame_times_s == (0.0, 0.5, 1.0, 1.5, 2.0, 2.5)


def test_frame_count_matches_qwen_vl_utils_rule_as_sglang_applies_it(sglang_qwen_vl):
    rng = random.Random(3)
    for _ in range(2000):
        fps = rng.choice([1.0, 2.0, 12.5, 23.976, 25.0, 29.97, 30.0, 60.0, 120.0])
        total = rng.randint(2, 60_000)
        ours = smart_nframes(total, fps, VideoLimits())
        assert ours == sglang_qwen_vl.smart_nframes({}, total_frames=total, video_fps=fps), (total, fps)


def test_clip_frame_i_sits_at_the_original_time_of_its_frame(tmp_path):
    original = write_video(tmp_path / "v.mp4", 61, 29.97)
    video = prepare_video(original)
    source_frames, _ = decode_all(original)
    clip_frames, clip_fps = decode_all(clip_file(tmp_path, video))
    assert len(clip_frames) == len(video.plan.frame_indices) == 4
    assert clip_fps == pytest.approx(video.plan.sample_fps, rel=1e-9)
    for i, index in enumerate(video.plan.frame_indices):
        assert abs(video.plan.frame_times_s[i] - index / 29.97) <= 0.5 / 29.97 + 1e-9
        expected = source_frames[index][0, 0].astype(int)
        assert np.abs(clip_frames[i][20, 20].astype(int) - expected).max() <= 12, (i, index)


def test_clip_frames_have_the_planned_model_input_size(tmp_path):
    video = prepare_video(write_video(tmp_path / "v.mp4", 40, 20.0, size=(640, 360)))
    clip_frames, _ = decode_all(clip_file(tmp_path, video))
    width, height = video.input_size
    assert {frame.shape for frame in clip_frames} == {(height, width, 3)}
    assert width % 28 == 0 and height % 28 == 0 and video.original_size == (640, 360)
    assert video.vision_tokens == len(clip_frames) // 2 * (width // 28) * (height // 28)


def test_sglang_keeps_every_clip_frame_at_its_size(tmp_path, sglang_qwen_vl, monkeypatch):
    video = prepare_video(write_video(tmp_path / "v.mp4", 90, 30.0, size=(480, 272)))
    frames, metadata = sglang_preprocess(sglang_qwen_vl, clip_file(tmp_path, video), monkeypatch)
    width, height = video.input_size
    assert tuple(frames.shape) == (len(video.plan.frame_indices), 3, height, width)
    assert list(metadata["frames_indices"]) == list(range(len(video.plan.frame_indices)))


def test_sglang_keeps_every_frame_of_a_short_clip(tmp_path, sglang_qwen_vl, monkeypatch):
    video = prepare_video(write_video(tmp_path / "v.mp4", 30, 30.0))
    assert len(video.plan.frame_indices) == 4 and video.plan.sample_fps == 4.0
    frames, metadata = sglang_preprocess(sglang_qwen_vl, clip_file(tmp_path, video), monkeypatch)
    assert frames.shape[0] == 4 and list(metadata["frames_indices"]) == [0, 1, 2, 3]


def test_sglangs_own_decoder_keeps_every_frame_of_the_clip_bytes(tmp_path, sglang_qwen_vl, monkeypatch):
    video = prepare_video(write_video(tmp_path / "v.mp4", 183, 29.97, size=(640, 360)))
    monkeypatch.setattr(sglang_qwen_vl, "is_cpu", lambda: True)
    decoder = sglang_decoder(video.clip, monkeypatch)
    assert len(decoder) == 12 and decoder.avg_fps == pytest.approx(video.plan.sample_fps)
    frames, metadata = asyncio.run(sglang_qwen_vl.preprocess_video(decoder, video_config={}))
    width, height = video.input_size
    assert tuple(frames.shape) == (12, 3, height, width)
    assert list(metadata["frames_indices"]) == list(range(12))


def test_sglang_samples_the_original_like_we_do(tmp_path, sglang_qwen_vl, monkeypatch):
    original = write_video(tmp_path / "v.mp4", 75, 25.0, size=(400, 300))
    video = prepare_video(original, encode=False)
    frames, _ = sglang_preprocess(sglang_qwen_vl, str(original), monkeypatch)
    width, height = video.input_size
    assert tuple(frames.shape) == (len(video.plan.frame_indices), 3, height, width)


def test_local_engine_gets_the_original_path_and_no_clip_is_made(tmp_path):
    original = write_video(tmp_path / "v.mp4", 40, 20.0)
    video = prepare_video(original, encode=False)
    assert video.clip is None and video.url(original=True) == original.resolve().as_uri()


def test_with_clip_encodes_once_and_the_data_url_is_stable(tmp_path):
    video = with_clip(prepare_video(write_video(tmp_path / "v.mp4", 40, 20.0), encode=False))
    assert video.clip and with_clip(video) is video
    assert video.url(original=False) is video.url(original=False)
    assert video.url(original=False).startswith("data:video/mp4;base64,")


def test_clip_is_much_smaller_than_the_original_for_a_big_video(tmp_path):
    original = write_video(tmp_path / "v.mp4", 90, 30.0, size=(1920, 1080))
    video = prepare_video(original)
    assert len(video.clip) < original.stat().st_size / 2


def test_per_frame_budget_shrinks_with_frame_count(tmp_path):
    info = VideoInfo(fps=30.0, frame_count=30 * 300, duration_s=300.0, width=1920, height=1080)
    limits = VideoLimits(total_pixels=24576 * 28 * 28)
    plan = plan_sampling(info, limits)
    width, height = plan.input_size
    assert len(plan.frame_indices) == 600
    assert width * height <= max(limits.total_pixels / 600 * 2, limits.min_pixels * 1.05)


def test_limits_for_context_fit_the_context(tmp_path):
    limits = VideoLimits.for_context(32768)
    info = VideoInfo(fps=30.0, frame_count=30 * 600, duration_s=600.0, width=1920, height=1080)
    plan = plan_sampling(info, limits)
    width, height = plan.input_size
    assert len(plan.frame_indices) // 2 * (width // 28) * (height // 28) <= 32768 * 0.6


def test_too_long_video_is_refused(tmp_path):
    with pytest.raises(MediaError, match="3 s|0:03.*limit is 0:02"):
        prepare_video(write_video(tmp_path / "v.mp4", 60, 20.0), VideoLimits(max_duration_s=2.0))


def test_corrupt_file_is_refused(tmp_path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(bytes(random.Random(1).getrandbits(8) for _ in range(5000)))
    with pytest.raises(MediaError, match="cannot be read"):
        prepare_video(path)


def test_truncated_file_is_refused(tmp_path):
    whole = write_video(tmp_path / "v.mp4", 60, 20.0).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MediaError, match="truncated"):
        prepare_video(cut)


def test_recording_with_zero_frames_is_refused(tmp_path):
    path = tmp_path / "empty.mp4"
    cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 64)).release()
    with pytest.raises(MediaError, match="no frames"):
        prepare_video(path)


def test_single_frame_video_is_refused(tmp_path):
    with pytest.raises(MediaError, match="only 1 frame"):
        prepare_video(write_video(tmp_path / "one.mp4", 1, 10.0))


def test_mp4_with_only_an_audio_track_is_refused(tmp_path):
    path = tmp_path / "sound.mp4"
    path.write_bytes(audio_only_mp4())
    with pytest.raises(MediaError, match="no video stream"):
        prepare_video(path)


def test_wav_file_is_refused_as_audio_only(tmp_path):
    path = tmp_path / "sound.wav"
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(bytes(16000))
    with pytest.raises(MediaError, match="audio only"):
        prepare_video(path)


def test_missing_and_empty_files_are_refused(tmp_path):
    with pytest.raises(MediaError, match="gone"):
        prepare_video(tmp_path / "missing.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        prepare_video(tmp_path / "empty.mp4")
