"""Task presets (cookbook wording) and the offline examples drawn at first use."""

from __future__ import annotations

import base64
from pathlib import Path

import cv2
import pytest
from PIL import Image

from backend.examples import default_cache_dir, ensure_examples
from backend.grounding import ground
from backend.grounding.moments import parse_moments
from backend.grounding.presets import PRESETS, UnknownPresetError, get_preset, presets_for
from tests.helpers import launch_chromium


def test_detect_preset_names_the_subject_in_cookbook_wording() -> None:
    assert get_preset("detect").prompt("small cake") == (
        "Outline the position of each small cake and output all the coordinates in JSON format."
    )


def test_point_preset_asks_for_xml_points() -> None:
    assert get_preset("point").prompt("rolling pin").endswith("output its coordinates in XML format <points x y>object</points>")


def test_empty_subject_falls_back_to_the_default() -> None:
    preset = get_preset("count")
    assert preset.prompt("  ") == preset.prompt(None) == preset.prompt(preset.default_subject)
    assert "{subject}" not in preset.prompt()


def test_presets_without_a_subject_ignore_one() -> None:
    spot = get_preset("spot-text")
    assert not spot.needs_subject
    assert spot.prompt("anything") == "Spotting all the text in the image with line-level, and output in JSON format."


def test_document_preset_carries_the_qwenvl_html_system_prompt() -> None:
    document = get_preset("document")
    assert document.prompt() == "QwenVL HTML"
    assert document.system_prompt is not None and "QwenVL Document Parser HTML format" in document.system_prompt


def test_presets_split_by_media() -> None:
    assert {p.key for p in presets_for("video")} == {"video-events", "video-find"}
    assert len(presets_for("image")) + len(presets_for("video")) == len(PRESETS)


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(UnknownPresetError):
        get_preset("segment")


def test_examples_are_drawn_once_into_the_cache(tmp_path: Path) -> None:
    first = ensure_examples(tmp_path)
    stamps = {example.path: example.path.stat().st_mtime_ns for example in first}
    second = ensure_examples(tmp_path)
    assert {example.path: example.path.stat().st_mtime_ns for example in second} == stamps
    assert all(example.path.parent.parent == tmp_path for example in first)


def test_example_images_open_and_point_at_real_presets(tmp_path: Path) -> None:
    for example in ensure_examples(tmp_path):
        get_preset(example.preset_key)
        if example.media == "image":
            with Image.open(example.path) as image:
                assert min(image.size) >= 500


def test_example_video_is_readable_and_nine_seconds_long(tmp_path: Path) -> None:
    (video,) = [example for example in ensure_examples(tmp_path) if example.media == "video"]
    capture = cv2.VideoCapture(str(video.path))
    frames, fps = capture.get(cv2.CAP_PROP_FRAME_COUNT), capture.get(cv2.CAP_PROP_FPS)
    capture.release()
    assert frames / fps == pytest.approx(9.0)


def test_example_video_is_vp8_in_webm(tmp_path: Path) -> None:
    (video,) = [example for example in ensure_examples(tmp_path) if example.media == "video"]
    header = video.path.read_bytes()[:64]
    assert video.path.suffix == ".webm" and header.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in header
    capture = cv2.VideoCapture(str(video.path))
    codec = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode("latin-1")
    capture.set(cv2.CAP_PROP_POS_FRAMES, 75)  # the last scene: THE END in dark letters
    ok, frame = capture.read()
    capture.release()
    assert codec == "VP80"
    assert ok and frame.shape == (240, 320, 3) and (frame < 80).any()


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is not installed")
def test_chromium_plays_the_example_video(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    (video,) = [example for example in ensure_examples(tmp_path) if example.media == "video"]
    data = base64.b64encode(video.path.read_bytes()).decode()
    with sync_api.sync_playwright() as driver:
        browser = launch_chromium(driver)
        try:
            outcome = browser.new_page().evaluate(PLAY_VIDEO, "data:video/webm;base64," + data)
        finally:
            browser.close()
    assert outcome == {"error": None, "width": 320, "height": 240, "seconds": 9.0}


PLAY_VIDEO = """async (url) => {
    const video = document.createElement("video");
    video.muted = true;
    const loaded = new Promise((resolve) => {
        video.onloadeddata = () => resolve(null);
        video.onerror = () => resolve(video.error ? video.error.code : -1);
        setTimeout(() => resolve("no answer in 20 s"), 20000);
    });
    video.src = url;
    document.body.appendChild(video);
    const error = await loaded;
    return {error, width: video.videoWidth, height: video.videoHeight, seconds: Math.round(video.duration * 10) / 10};
}"""


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QWEN_STUDIO_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path / "examples"
    monkeypatch.delenv("QWEN_STUDIO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "qwen-vl-studio" / "examples"


def test_document_example_grounds_a_qwenvl_html_answer(tmp_path: Path) -> None:
    (document,) = [example for example in ensure_examples(tmp_path) if example.key == "document"]
    with Image.open(document.path) as image:
        answer = ('```html\n<html><body><h1 data-bbox="80 70 600 120">Quarterly Field Report</h1>'
                  '<p data-bbox="80 220 860 290">Deliveries rose in every region this quarter.</p></body></html>\n```')
        result = ground(answer, image.size, image.size, "qwen2.5-vl", image.convert("RGB"))
    assert [item.text for item in result.items] == ["Quarterly Field Report", "Deliveries rose in every region this quarter."]
    assert result.overlay is not None


def test_video_events_answer_for_the_example_video_parses_to_its_scenes() -> None:
    answer = ('[{"start_time": "00:00.00", "end_time": "00:03.00", "description": "A red square slides right."}, '
              '{"start_time": "00:03.00", "end_time": "00:06.00", "description": "A blue ball bounces."}, '
              '{"start_time": "00:06.00", "end_time": "00:09.50", "description": "THE END appears."}]')
    moments = parse_moments(answer, duration_s=9.0).moments
    assert [(m.start_s, m.end_s) for m in moments] == [(0.0, 3.0), (3.0, 6.0), (6.0, 9.0)]
