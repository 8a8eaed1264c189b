"""Why a file OpenCV cannot read as video might be audio only: a light look at its container."""

from __future__ import annotations

import struct
from pathlib import Path

MAX_BOX_SCAN = 64  # top-level MP4 boxes looked at before giving up
MAX_MOOV_BYTES = 64 * 1024 * 1024
_AUDIO_ONLY = "This file has no video stream (it looks like audio only). Upload a video with a picture track."


def no_video_stream_reason(path: str | Path) -> str | None:
    """A user-facing message when path is recognisably audio without video, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
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
    """WAV, FLAC, MP3 (ID3 tag or frame sync) by their magic bytes."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return True
    if head[:4] == b"fLaC" or head[:3] == b"ID3":
        return True
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0


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
