"""Hostile inputs, made in code: files a visitor may attach, texts they may send, answers a model may give and
launch choices they may type, each with what the app must do about it. tests/test_hostile_inputs.py runs every
case through the app's real paths (media preparation, the chat's submit handler, the named API) against the
stand-in engine."""

from __future__ import annotations

import io
import re
import struct
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from backend.media.images import APP_MAX_PIXELS, smart_resize

HOSTILE_CONTEXT_LENGTH = 4096  # the stand-in's context in these tests: long prompts fail quickly
HELLO = "hello again"  # a plain follow-up message; the stand-in answers it with HELLO_ANSWER
HELLO_ANSWER = "Hello back."


def audio_only_mp4() -> bytes:
    """A valid MP4 whose only track is 1 s of 8 kHz PCM sound (ffprobe: one Audio stream, no video)."""

    def box(kind, body):
        return struct.pack(">I", 8 + len(body)) + kind + body

    def full(kind, body, flags=0):
        return box(kind, struct.pack(">I", flags) + body)

    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    samples = 8000
    ftyp = box(b"ftyp", b"M4A " + struct.pack(">I", 0) + b"M4A mp42isom")
    mvhd = full(b"mvhd", struct.pack(">IIIIIH", 0, 0, 1000, 1000, 0x10000, 0x100) + bytes(10) + matrix
                + bytes(24) + struct.pack(">I", 2))
    tkhd = full(b"tkhd", struct.pack(">IIIII", 0, 0, 1, 0, 1000) + bytes(8) + struct.pack(">HHHH", 0, 0, 0x100, 0)
                + matrix + struct.pack(">II", 0, 0), flags=7)
    mdhd = full(b"mdhd", struct.pack(">IIIIHH", 0, 0, 8000, samples, 0x55C4, 0))
    hdlr = full(b"hdlr", struct.pack(">I", 0) + b"soun" + bytes(12) + b"SoundHandler\0")
    minf_head = full(b"smhd", struct.pack(">HH", 0, 0)) + box(
        b"dinf", full(b"dref", struct.pack(">I", 1) + full(b"url ", b"", flags=1))
    )
    entry = box(b"sowt", bytes(6) + struct.pack(">H", 1) + bytes(8) + struct.pack(">HHHHI", 1, 16, 0, 0, 8000 << 16))
    tables = (full(b"stsd", struct.pack(">I", 1) + entry) + full(b"stts", struct.pack(">III", 1, samples, 1))
              + full(b"stsc", struct.pack(">IIII", 1, 1, samples, 1)) + full(b"stsz", struct.pack(">II", 2, samples)))

    def moov(data_offset):
        stbl = box(b"stbl", tables + full(b"stco", struct.pack(">II", 1, data_offset)))
        trak = box(b"trak", tkhd + box(b"mdia", mdhd + hdlr + box(b"minf", minf_head + stbl)))
        return box(b"moov", mvhd + trak)

    data_offset = len(ftyp) + len(moov(0)) + 8
    return ftyp + moov(data_offset) + box(b"mdat", bytes(2 * samples))


@dataclass(frozen=True)
class UploadCase:
    """Files attached to one message: the app refuses them with a message matching `refused`, or sends them and
    the answer matches `answered` (the stand-in states the model-input sizes it saw)."""

    name: str
    make: Callable[[Path], list[Path]]
    refused: str = ""  # regex of the user-facing message ("" : accepted)
    answered: str = ""  # regex the answer matches when accepted
    text: str = "what is in this picture?"


@dataclass(frozen=True)
class TextCase:
    """A message without files: "ignored" (nothing is sent), "refused" (the message shown matches `expect`) or
    "answered" (the answer matches `expect`)."""

    name: str
    make: Callable[[], str]
    outcome: str
    expect: str = ""


@dataclass(frozen=True)
class AnswerCase:
    """A hostile model answer, given by the stand-in when `trigger` is in the prompt (sent with one image)."""

    name: str
    trigger: str
    answer: str
    drawn: bool  # a box or point still lands on the image
    note: str = ""  # regex of the grounding note the user reads


@dataclass(frozen=True)
class PlanCase:
    """Launch choices typed into the server tab or sent to /plan and /launch; all are refused with `refused`."""

    name: str
    refused: str
    model: str = "7B"
    hardware: str = "auto"
    gpus: str = ""
    context_length: int = 0


# ----- files ------------------------------------------------------------------------------------------------
def saw_image(width: int, height: int) -> str:
    """The stand-in's answer for one image of this upright size, as the app resizes it (regex)."""
    input_h, input_w = smart_resize(height, width, max_pixels=APP_MAX_PIXELS)
    return re.escape(f"Stand-in saw 1 image: {input_w}x{input_h} ")


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    """Random RGB pixels (they compress badly, so truncation cuts real image data)."""
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (height, width, 3), np.uint8))


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    """The image encoded in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (valid CRC) but which carries almost no pixel data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))


def black_png(width: int, height: int) -> bytes:
    """A complete, valid 1-bit PNG of width x height black pixels (tiny on disk, huge once decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data)
            + _png_chunk(b"IEND", b""))


def jpeg_with_orientation(orientation: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG stored sideways whose EXIF orientation tag says how to turn it upright."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(noise(*size, seed=orientation), "JPEG", quality=90, exif=exif)


def write_video(path: Path, frames: int, fps: float, size: tuple[int, int]) -> Path:
    """An MP4 (mp4v) of flat frames whose shade changes with the frame number."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for index in range(frames):
        writer.write(np.full((size[1], size[0], 3), (index * 23) % 256, np.uint8))
    writer.release()
    return path


def _file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], list[Path]]:
    def make(folder: Path) -> list[Path]:
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return [path]
    return make


def _image(name: str, image: Callable[[], Image.Image], image_format: str, **options: object):
    return _file(name, lambda: encoded(image(), image_format, **options))


def _video(name: str, frames: int, fps: float, size: tuple[int, int]) -> Callable[[Path], list[Path]]:
    return lambda folder: [write_video(folder / name, frames, fps, size)]


def _truncated(data: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: (whole := data())[: len(whole) // 2]


def _many_images(count: int) -> Callable[[Path], list[Path]]:
    def make(folder: Path) -> list[Path]:
        paths = [folder / f"picture{index}.png" for index in range(count)]
        for index, path in enumerate(paths):
            Image.new("RGB", (64 + index, 64), (index * 40, 0, 0)).save(path)
        return paths
    return make


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (200, 150), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def _sixteen_bit() -> Image.Image:
    ramp = np.tile(np.linspace(0, 65535, 300, dtype=np.uint16), (200, 1))
    return Image.fromarray(ramp)  # uint16: mode I;16


def _mp4_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:  # OpenCV writes files only
        return write_video(Path(folder) / "v.mp4", 12, 6.0, (160, 120)).read_bytes()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">'
       b'<script>alert(1)</script><rect width="640" height="480" fill="red"/></svg>')
HTML = b"<!doctype html><html><body><img src=x onerror=alert(1)><script>alert(2)</script></body></html>"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")

UPLOAD_CASES: tuple[UploadCase, ...] = (
    UploadCase("zero_byte_file", _file("empty.png", b""), refused=r"empty\.png: The image file is empty"),
    UploadCase("truncated_jpeg", _file("cut.jpg", _truncated(lambda: encoded(noise(640, 480), "JPEG"))),
               refused=r"cut\.jpg: The image file is truncated or corrupt"),
    UploadCase("png_bomb_header", _file("bomb.png", png_claiming(60_000, 60_000)),
               refused=r"bomb\.png: The image is too large to open safely \(decompression bomb\?\)"),
    UploadCase("png_bomb_header_under_pillows_own_limit", _file("bomb2.png", png_claiming(12_000, 10_000)),
               refused=r"bomb2\.png: The image claims to be 12000x10000 pixels \(120 MP\), over the 89 MP safety"),
    UploadCase("strip_1x10000", _image("strip.png", lambda: Image.new("RGB", (1, 10_000), "red"), "PNG"),
               refused=r"strip\.png: .*aspect ratio 10000:1 is over the model's limit of 200:1"),
    UploadCase("real_20000x20000_png", _file("huge.png", lambda: black_png(20_000, 20_000)),
               refused=r"huge\.png: The image is too large to open safely \(decompression bomb\?\): .*\(400000000 "),
    UploadCase("cmyk_jpeg", _image("cmyk.jpg", lambda: Image.new("CMYK", (500, 400), (0, 255, 255, 0)), "JPEG"),
               answered=saw_image(500, 400)),
    UploadCase("sixteen_bit_png", _image("deep.png", _sixteen_bit, "PNG"), answered=saw_image(300, 200)),
    UploadCase("animated_gif", _file("moving.gif", _animated_gif), answered=saw_image(200, 150)),
    UploadCase("jpeg_named_png", _image("photo.png", lambda: noise(320, 240), "JPEG"), answered=saw_image(320, 240)),
    UploadCase("svg_named_png", _file("vector.png", SVG), refused=r"vector\.png: This file is not an image format"),
    UploadCase("html_named_png", _file("page.png", HTML), refused=r"page\.png: This file is not an image format"),
    UploadCase("pdf_named_png", _file("doc.png", PDF), refused=r"doc\.png: This file is not an image format"),
    UploadCase("exif_orientation_6", _file("turned6.jpg", lambda: jpeg_with_orientation(6)),
               answered=saw_image(480, 640)),
    UploadCase("exif_orientation_8", _file("turned8.jpg", lambda: jpeg_with_orientation(8)),
               answered=saw_image(480, 640)),
    UploadCase("mp4_named_png", _file("clip.png", _mp4_bytes), refused=r"clip\.png: This file is not an image format"),
    UploadCase("png_named_mp4", _image("still.mp4", lambda: noise(64, 48), "PNG"),
               refused=r"still\.mp4: The video has no frames that can be decoded"),
    UploadCase("mp4_without_frames", _video("nothing.mp4", 0, 10.0, (64, 64)),
               refused=r"nothing\.mp4: .*no frames"),
    UploadCase("mp4_audio_only", _file("sound.mp4", audio_only_mp4),
               refused=r"sound\.mp4: This file has no video stream \(it looks like audio only\)"),
    UploadCase("corrupt_mp4", _file("noise.mp4", lambda: bytes(np.random.default_rng(0).integers(0, 256, 5000,
                                                                                                   np.uint8))),
               refused=r"noise\.mp4: This video cannot be read"),
    UploadCase("truncated_mp4", _file("half.mp4", _truncated(_mp4_bytes)),
               refused=r"half\.mp4: This video cannot be read: the file is corrupt, truncated"),
    # 4K at one frame every two minutes: a 4K video of more than 2 hours that takes a second to make.
    UploadCase("video_4k_over_2_hours", _video("long4k.mp4", 62, 1 / 120, (3840, 2160)),
               refused=r"long4k\.mp4: The video is 2:0\d:\d\d long; the limit is 2:00:00"),
    UploadCase("video_4k_9_minutes", _video("ok4k.mp4", 9, 1 / 60, (3840, 2160)),
               answered=r"Stand-in saw 1 video: \d+x\d+, 8 frames", text="what happens in this video?"),
    UploadCase("more_images_than_the_limit", _many_images(6),
               refused=r"This message has 6 image\(s\) and 0 video\(s\); one request may carry at most 5 image"),
)


# ----- texts ------------------------------------------------------------------------------------------------
RTL_AND_EMOJI = "שלום עולם — مرحبا بالعالم 👋🏽 👨‍👩‍👧 \u202egnp.exe"
RTL_ANSWER = "ברוך הבא! أهلاً وسهلاً 👋🏽👨‍👩‍👧 — \u202egnp.exe"
SCRIPT_PROMPT = ('<script>window.__pwned = "prompt"</script><img src=x onerror="window.__pwned = \'prompt-img\'">'
                 '<iframe src="javascript:window.__pwned=\'prompt-frame\'"></iframe> what is <b>this</b>?')
CONTEXT_REFUSAL = rf"over the model's context of {HOSTILE_CONTEXT_LENGTH} tokens"

TEXT_CASES: tuple[TextCase, ...] = (
    TextCase("empty_message", lambda: "", "ignored"),
    TextCase("whitespace_only", lambda: " \n\t \u3000\u00a0 ", "ignored"),
    TextCase("one_megabyte_of_text", lambda: ("lorem ipsum " * 90_000)[: 1 << 20], "refused", CONTEXT_REFUSAL),
    TextCase("prompt_longer_than_the_context", lambda: " ".join(["word"] * 5000), "refused", CONTEXT_REFUSAL),
    TextCase("rtl_and_emoji", lambda: RTL_AND_EMOJI, "answered", re.escape(RTL_ANSWER)),
    TextCase("html_and_script_tags_in_the_prompt", lambda: SCRIPT_PROMPT, "answered", r"Stand-in saw no image\."),
)


# ----- model answers ----------------------------------------------------------------------------------------
SCRIPT_ANSWER = ('Here you go: <script>window.__pwned = "answer"</script>'
                 '<img src=x onerror="window.__pwned = \'answer-img\'">'
                 '<iframe src="javascript:window.__pwned=\'answer-frame\'"></iframe>'
                 '<a href="javascript:window.__pwned=\'answer-link\'" id="injected-link">click me</a>'
                 '<div id="injected-div" onmouseover="window.__pwned=\'answer-div\'">hover</div> **done**')

ANSWER_CASES: tuple[AnswerCase, ...] = (
    AnswerCase("html_and_script_tags_in_the_answer", "hostile-html", SCRIPT_ANSWER, drawn=False),
    AnswerCase("truncated_json_answer", "hostile-truncated", '```json\n[{"bbox_2d": [10, 20, 1', drawn=False,
               note="none could be read"),
    AnswerCase("malformed_json_values", "hostile-values", '[{"bbox_2d": ["a", null, 1e999, -1], "label": "nan"}]',
               drawn=False, note="none could be read"),
    AnswerCase("unbalanced_json_brackets", "hostile-brackets", '```json\n{{{[[[ "bbox_2d" ]]\n```', drawn=False),
    AnswerCase("boxes_far_outside_the_image", "hostile-outside",
               '```json\n[{"bbox_2d": [-5000, -5000, 99999, 99999], "label": "huge"},'
               ' {"bbox_2d": [9000, 9000, 9500, 9600], "label": "away"}]\n```', drawn=True,
               note=r"(?s)Clamped 1 box.*Dropped 1 item"),
    AnswerCase("points_at_infinity", "hostile-points", '[{"point_2d": [1e308, -1e308], "label": "far"}]', drawn=False,
               note="outside the image"),
)


def answer_script() -> list[dict]:
    """The stand-in's script for these tests: the hostile answers, the RTL answer and the plain follow-up."""
    entries = [{"match": re.escape(case.trigger), "answer": case.answer} for case in ANSWER_CASES]
    return [*entries, {"match": "שלום", "answer": RTL_ANSWER}, {"match": re.escape(HELLO), "answer": HELLO_ANSWER}]


# ----- launch choices ---------------------------------------------------------------------------------------
PLAN_CASES: tuple[PlanCase, ...] = (
    PlanCase("unknown_model_id", r"not-a-real/model-xyz: unknown model", model="not-a-real/model-xyz"),
    PlanCase("model_path_with_dotdot", r"no such folder", model="../../../../../../no-such-dir/../etc/passwd"),
    PlanCase("model_id_with_shell_metacharacters", r"not a Hugging Face model id",
             model="Qwen/Qwen2.5-VL-7B-Instruct; touch /tmp/hostile-pwned"),
    PlanCase("model_id_with_command_substitution", r"not a Hugging Face model id",
             model="$(touch /tmp/hostile-pwned)Qwen2.5-VL-7B"),
    PlanCase("model_name_that_is_a_flag", r"cannot start with '-'", model="--trust-remote-code"),
    PlanCase("non_numeric_gpu_list", r"give a count \(4\) or GPU indices", gpus="a,b"),
    PlanCase("gpu_list_with_shell_metacharacters", r"give a count \(4\) or GPU indices", gpus="0;reboot"),
    PlanCase("negative_gpu_count", r"give a count \(4\) or GPU indices", gpus="-1"),
    PlanCase("absurd_gpu_count", r"one host has at most 16 GPUs", hardware="H100", gpus="99999"),
    PlanCase("negative_context_length", r"takes 1024 to 128000 tokens", context_length=-4096),
    PlanCase("context_length_past_the_model", r"takes 1024 to 128000 tokens", context_length=10**9),
)

SHELL_METACHARACTER_FOLDER = "qwen2.5-vl; touch hostile-pwned $(id) `id` && echo |"


def qwen_config() -> dict:
    """A config.json with Qwen2.5-VL-7B-Instruct's sizes (enough for the planner's arithmetic)."""
    return {
        "model_type": "qwen2_5_vl", "architectures": ["Qwen2_5_VLForConditionalGeneration"],
        "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
        "num_key_value_heads": 4, "vocab_size": 152064, "max_position_embeddings": 128000,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16",
        "vision_config": {"depth": 32, "hidden_size": 1280, "num_heads": 16, "intermediate_size": 3420,
                          "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2},
    }


def case_count() -> int:
    """How many hostile cases there are."""
    return len(UPLOAD_CASES) + len(TEXT_CASES) + len(ANSWER_CASES) + len(PLAN_CASES) + 1  # + the folder case
