"""Why a file OpenCV cannot read as video might be audio only: a light look at its container."""

from __future__ import annotations

import struct
from pathlib import Path

MAX_BOX_SCAN = 64  # top-level MP4 boxes looked at before giving up
MAX_MOOV_BYTES = 64 * 1024 * 1024
HEAD_BYTES = 4096  # enough for the longest MPEG audio frame (2,881 bytes) plus the next frame's header
_AUDIO_ONLY = "This file has no video stream (it looks like audio only). Upload a video with a picture track."


def no_video_stream_reason(path: str | Path) -> str | None:
    """A user-facing message when path is recognisably audio without video, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            if _is_audio_file(head):
                return _AUDIO_ONLY
            handlers = _mp4_track_handlers(handle)
    except OSError:
        return None
    if handlers is None or b"vide" in handlers:
        return None
    if b"soun" in handlers:
        return _AUDIO_ONLY
    if handlers:
        return "This file has no video stream."
    return "This video file has no frames (an empty recording)."


def _is_audio_file(head: bytes) -> bool:
    """WAV, FLAC, or MP3 (an ID3v2 tag, or two consecutive MPEG audio frames) by their first bytes."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return True
    return head[:4] == b"fLaC" or _is_id3v2(head) or _is_mpeg_audio(head)


def _is_id3v2(head: bytes) -> bool:
    """An ID3v2 tag header: "ID3", major version 2-4, a minor version, flags, and a 4-byte syncsafe size."""
    return (len(head) >= 10 and head[:3] == b"ID3" and head[3] in (2, 3, 4) and head[4] != 0xFF
            and all(byte < 0x80 for byte in head[6:10]))


def _is_mpeg_audio(head: bytes) -> bool:
    """A valid MPEG audio frame header at 0, and another of the same stream where the first frame ends: one
    header alone is 11 set bits plus a few fields, which many files (a JPEG's FF D8 FF) start with by chance."""
    first = _mpeg_frame(head, 0)
    if first is None:
        return False
    length, stream = first
    second = _mpeg_frame(head, length)
    return second is not None and second[1] == stream


def _mpeg_frame(data: bytes, offset: int) -> tuple[int, int] | None:
    """(frame length, version/layer/sample-rate bits) of a valid MPEG audio frame header at offset, else None."""
    if offset + 4 > len(data):
        return None
    header = int.from_bytes(data[offset : offset + 4], "big")
    version, layer = (header >> 19) & 3, (header >> 17) & 3  # version 0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1
    bitrate_index, rate_index = (header >> 12) & 15, (header >> 10) & 3
    if (header >> 21) != 0x7FF or version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    if header & 3 == 2:  # emphasis 2 is reserved
        return None
    mpeg1 = version == 3
    bitrate = _BITRATES_KBPS[(mpeg1, layer)][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[rate_index] >> {3: 0, 2: 1, 0: 2}[version]
    padding = (header >> 9) & 1
    if layer == 3:  # Layer I: 4-byte slots
        length = (12 * bitrate // sample_rate + padding) * 4
    else:  # Layer III of MPEG-2/2.5 has half as many samples per frame
        length = (144 if mpeg1 or layer == 2 else 72) * bitrate // sample_rate + padding
    return length, header & 0xFFFE0C00


_SAMPLE_RATES = (44100, 48000, 32000)  # MPEG-1; MPEG-2 halves them, MPEG-2.5 quarters them
# kbps by (MPEG-1?, layer bits: 3 = Layer I, 2 = Layer II, 1 = Layer III) and bitrate index (0 and 15 invalid)
_BITRATES_KBPS = {
    (True, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


def _mp4_track_handlers(handle) -> list[bytes] | None:
    """Handler types ('vide', 'soun', ...) of the tracks of an ISO-BMFF (MP4/MOV/M4A) file; None if the
    file is not one or its 'moov' box cannot be found."""
    handle.seek(0)
    for _ in range(MAX_BOX_SCAN):
        header = handle.read(8)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            size = struct.unpack(">Q", handle.read(8))[0]
            header_size = 16
        if kind == b"moov":
            body_size = min(size - header_size, MAX_MOOV_BYTES) if size else MAX_MOOV_BYTES
            return _handlers_in(handle.read(body_size))
        if size == 0 or size < header_size or kind not in _TOP_LEVEL_BOXES:
            return None
        handle.seek(size - header_size, 1)
    return None


def _handlers_in(moov: bytes) -> list[bytes]:
    """Each 'hdlr' box holds version/flags (4), pre_defined (4), then the handler type (4)."""
    handlers = []
    position = moov.find(b"hdlr")
    while position != -1:
        handlers.append(moov[position + 12 : position + 16])
        position = moov.find(b"hdlr", position + 4)
    return [handler for handler in handlers if handler in _TRACK_HANDLERS]


_TRACK_HANDLERS = (b"vide", b"soun", b"text", b"sbtl", b"subt", b"hint")
_TOP_LEVEL_BOXES = {b"ftyp", b"free", b"skip", b"mdat", b"wide", b"pdin", b"uuid", b"styp", b"sidx", b"meta", b"moof"}
