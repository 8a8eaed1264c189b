"""Hour-long videos and several videos a turn: only the frames sent are decoded (seeking), a 70-minute video is
accepted and reaches the engine as at most 768 frames in a clip as long as the original, a moment an hour in maps
back to the same seconds, five videos and five images share one turn, and a person's sampling choice is checked
and used."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from backend.chat.session import SamplingParams
from backend.endpoint import Endpoint
from backend.media.decode import decode_frames
from backend.media.uploads import MediaPreparer, UploadError
from backend.media.video_limits import VideoChoice, VideoLimits
from backend.studio.fixed_endpoint import FixedEndpoint
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from tests.helpers import standin_stats
from tests.hostile_inputs import write_video

GREEDY = SamplingParams(temperature=0.0, max_tokens=64)
LECTURE_S = 70 * 60


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 70-minute video (one tiny frame a second, each frame showing its own second)."""
    path = tmp_path_factory.mktemp("lecture") / "lecture.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 1.0, (64, 48))
    for second in range(LECTURE_S):
        writer.write(np.full((48, 64, 3), second % 251, np.uint8))
    writer.release()
    return path


@pytest.fixture
def remote(standin_endpoint: Endpoint, tmp_path: Path) -> Studio:
    """A Studio whose engine is on another host (videos go as clips)."""
    return Studio(FixedEndpoint(replace(standin_endpoint, local=False)), StudioSettings(work_dir=tmp_path / "w"))


def test_only_the_frames_asked_for_are_decoded_at_their_real_times(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", 600, 30.0, (64, 48))  # 20 s
    shades = []
    times = decode_frames(video, [0.0, 5.0, 12.5, 19.9], lambda frame: shades.append(int(frame[10, 10, 0])))
    assert times == pytest.approx([0.0, 5.0, 12.5, 19.9], abs=0.5 / 30)
    # write_video shades frame n with (23 n) % 256: the frames handed over are the ones at those times
    assert shades == pytest.approx([(23 * round(t * 30)) % 256 for t in (0.0, 5.0, 12.5, 19.9)], abs=6)


def test_a_70_minute_video_reaches_the_engine_as_768_frames_lasting_70_minutes(remote: Studio, lecture: Path,
                                                                              standin_endpoint: Endpoint) -> None:
    answer = remote.ask("Describe the lecture.", [str(lecture)], [], GREEDY, remote.viewer())
    [seen] = standin_stats(standin_endpoint.base_url)["last_videos"]
    assert seen["frames"] == 768 and seen["duration_s"] == pytest.approx(LECTURE_S, abs=0.01)
    [sent] = answer["videos"]
    assert sent["frames_sent"] == 768 and sent["duration_s"] == LECTURE_S
    assert sent["effective_fps"] == pytest.approx(768 / LECTURE_S, rel=1e-3)
    # the real time of each frame sent: evenly spread over the whole lecture, within a frame of the plan
    assert sent["frame_times_s"][0] == 0.0 and sent["frame_times_s"][-1] == pytest.approx(767 * LECTURE_S / 768, abs=1)


def test_a_moment_an_hour_in_maps_to_the_same_seconds(remote: Studio, lecture: Path) -> None:
    answer = remote.ask("When does the speaker write the formula?", [str(lecture)], [], GREEDY, remote.viewer())
    [moment] = answer["moments"]
    assert (moment["start_s"], moment["end_s"]) == (3690.0, 3720.0)


def test_a_long_video_goes_to_an_engine_on_this_host_as_frames_a_short_one_as_its_path(tmp_path: Path) -> None:
    short = write_video(tmp_path / "short.mp4", 60, 20.0, (320, 240))
    hour = write_video(tmp_path / "hour.mp4", 360, 0.1, (1280, 720))  # a frame every 10 s for an hour
    [long_video] = MediaPreparer().message([str(hour)], videos=VideoLimits.for_context(128000)).videos
    [short_video] = MediaPreparer().message([str(short)], videos=VideoLimits.for_context(128000)).videos
    # SGLang's own rule would send the hour's frames bigger than this app's share of the context allows
    assert long_video.sampled_by_app and not short_video.sampled_by_app
    assert short_video.url(original=True).startswith("file://")


def test_five_videos_and_five_images_share_one_turn(remote: Studio, tmp_path: Path,
                                                    standin_endpoint: Endpoint) -> None:
    videos = [str(write_video(tmp_path / f"v{n}.mp4", 200, 10.0, (320, 240))) for n in range(5)]
    images = []
    for n in range(5):
        Image.new("RGB", (320, 240), (n * 40, 90, 160)).save(tmp_path / f"i{n}.png")
        images.append(str(tmp_path / f"i{n}.png"))
    answer = remote.ask("Compare them.", videos + images, [], GREEDY, remote.viewer())
    assert len(answer["videos"]) == 5 and len(answer["images"]) == 5
    stats = standin_stats(standin_endpoint.base_url)
    assert [video["frames"] for video in stats["last_videos"]] == [40] * 5  # 20 s at 2 fps each
    assert re.search(r"5 images: .*; 5 videos: ", answer["answer"])


def test_six_videos_are_refused_before_any_is_decoded(remote: Studio, tmp_path: Path) -> None:
    videos = [str(tmp_path / f"missing{n}.mp4") for n in range(6)]  # never opened: the count is checked first
    with pytest.raises(UploadError, match=r"6 video\(s\); one request may carry at most 5 image\(s\) and 5 video"):
        remote.prepare_media(videos)


def test_a_chosen_rate_is_what_reaches_the_engine(remote: Studio, tmp_path: Path, standin_endpoint: Endpoint) -> None:
    clip = str(write_video(tmp_path / "minute.mp4", 600, 10.0, (320, 240)))  # 60 s
    answer = remote.ask("What happens?", [clip], [], GREEDY, remote.viewer(), VideoChoice(fps=0.5))
    assert answer["videos"][0]["frames_sent"] == 30
    assert standin_stats(standin_endpoint.base_url)["last_videos"][0]["frames"] == 30


def test_max_frames_caps_a_long_video(remote: Studio, lecture: Path, standin_endpoint: Endpoint) -> None:
    answer = remote.ask("Describe it.", [str(lecture)], [], GREEDY, remote.viewer(), VideoChoice(max_frames=120))
    assert answer["videos"][0]["frames_sent"] == 120
    assert standin_stats(standin_endpoint.base_url)["last_videos"][0]["duration_s"] == pytest.approx(LECTURE_S,
                                                                                                    abs=0.01)


@pytest.mark.parametrize(("choice", "words"), [
    (VideoChoice(fps=5.0), "Frames per second is between 0.01 and 2 (the engine samples a video at most 2 times a "
                           "second); 5 is not."),
    (VideoChoice(max_frames=2), "Max frames is between 4 and 768"),
    (VideoChoice(max_frames=1000), "Max frames is between 4 and 768 (what this engine's context holds); 1000 is not."),
])
def test_a_sampling_choice_the_model_cannot_take_gets_a_clear_message(remote: Studio, tmp_path: Path,
                                                                      choice: VideoChoice, words: str) -> None:
    clip = str(write_video(tmp_path / "v.mp4", 40, 10.0, (160, 120)))
    with pytest.raises(UploadError, match=re.escape(words)):
        remote.prepare_media([clip], video=choice)


def write_ts(path: Path, seconds: int, fps: int = 10) -> Path:
    """An MPEG-TS (H.264) whose timestamps start at 1.4 s, as FFmpeg's muxer writes them; frame n shaded 20 n."""
    import av

    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for number in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (number * 20) % 250, np.uint8), format="rgb24")
            frame.pts = number
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_a_video_whose_timestamps_start_late_is_sampled_from_its_start(tmp_path: Path) -> None:
    shades = []
    times = decode_frames(write_ts(tmp_path / "late.ts", 3), [0.0, 0.5, 1.0, 2.0],
                          lambda frame: shades.append(int(frame[10, 10, 0])))
    assert times == pytest.approx([0.0, 0.5, 1.0, 2.0], abs=0.06)
    assert shades == pytest.approx([0, 100, 200, 150], abs=12)  # frames 0, 5, 10, 20 (shade 20 n % 250)


def test_a_video_corrupt_past_its_header_is_refused_in_words(tmp_path: Path) -> None:
    source = write_video(tmp_path / "ok.mp4", 300, 30.0, (320, 240)).read_bytes()
    damaged = bytearray(source)
    for offset in range(len(damaged) // 3, len(damaged) - 64, 97):
        damaged[offset] ^= 0x5A
    (tmp_path / "damaged.mp4").write_bytes(bytes(damaged))
    try:
        media = MediaPreparer().message([str(tmp_path / "damaged.mp4")], videos=VideoLimits())
    except UploadError as error:  # refused where it is prepared: the app's words, never PyAV's exception
        assert "damaged.mp4: " in str(error)
        return
    from backend.media.video import with_clip
    with pytest.raises(Exception) as raised:
        with_clip(media.videos[0])
    assert type(raised.value).__module__.startswith("backend"), raised.value


def test_a_frame_cap_applies_to_each_of_several_videos(remote: Studio, tmp_path: Path) -> None:
    videos = [str(write_video(tmp_path / f"v{n}.mp4", 600, 10.0, (160, 120))) for n in range(2)]  # 60 s each
    media = remote.prepare_media(videos, video=VideoChoice(max_frames=100))
    assert [len(video.plan.frame_indices) for video in media.videos] == [100, 100]
