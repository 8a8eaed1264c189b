"""Which files a batch runs: plain files, folders (walked) and zips (expanded safely), checked against caps.

A zip is expanded into a fresh folder under names this module makes (never the member's own path, so a "../"
member cannot escape), counting the bytes actually inflated (a zip bomb's sizes may lie), and stops at the caps."""

from __future__ import annotations

import os
import re
import stat
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from backend.errors import UserError

MB = 1024 * 1024
PUBLIC_MAX_FILES = 20  # a public demo's batch: this many files at most (after expanding zips)
PUBLIC_MAX_BYTES = 200 * MB  # and this many bytes in all
DEFAULT_MAX_FILES = 5000
DEFAULT_MAX_BYTES = 8 * 1024 * MB
ZIP_MAX_RATIO = 200  # a member inflating more than this many times its packed size is taken for a zip bomb
JUNK_PARTS = ("__MACOSX",)
COPY_CHUNK = MB


class BatchRefused(UserError, ValueError):
    """The batch as a whole cannot run (over a cap, nothing to run); str(error) says why in plain words."""


@dataclass(frozen=True)
class BatchLimits:
    """How big one batch may be."""

    max_files: int = DEFAULT_MAX_FILES
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def public(cls) -> BatchLimits:
        """The public demo's caps."""
        return cls(PUBLIC_MAX_FILES, PUBLIC_MAX_BYTES)


@dataclass(frozen=True)
class BatchFile:
    """One file to run: where it lies now and the name results give it (relative to its folder or zip)."""

    path: str
    name: str


@dataclass(frozen=True)
class Rejected:
    """A file left out of the batch before anything was sent, and why."""

    name: str
    reason: str


@dataclass
class Discovery:
    """The files to run, in the order given, and those left out with their reasons."""

    files: list[BatchFile] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    total_bytes: int = 0


def discover(inputs: Sequence[str | Path], work_dir: Path, limits: BatchLimits = BatchLimits()) -> Discovery:
    """Expand files, folders and zips into the batch's files; raises BatchRefused over the limits or when nothing
    is left to run. Zips are expanded under work_dir."""
    found = Discovery()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for child, name in _walk(path):
                _add_plain(found, child, name, limits)
        elif path.is_file() and path.suffix.lower() == ".zip":
            _add_zip(found, path, work_dir, limits)
        elif path.is_file():
            _add_plain(found, path, path.name, limits)
        else:
            found.rejected.append(Rejected(path.name or str(path), "No such file or folder."))
    if not found.files and not found.rejected:
        raise BatchRefused("Nothing to run: no files were given (folders were empty).")
    _unique_names(found.files)
    return found


def _walk(folder: Path) -> Iterable[tuple[Path, str]]:
    """Files under folder, sorted, hidden ones skipped; names relative to folder."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in JUNK_PARTS)
        for name in sorted(files):
            if not name.startswith("."):
                child = Path(root) / name
                yield child, child.relative_to(folder).as_posix()


def _add_plain(found: Discovery, path: Path, name: str, limits: BatchLimits) -> None:
    _count(found, path.stat().st_size, limits)
    found.files.append(BatchFile(str(path), name))


def _count(found: Discovery, size: int, limits: BatchLimits) -> None:
    """Add one file of size bytes, or refuse the batch when that goes over a cap."""
    if len(found.files) + 1 > limits.max_files:
        raise BatchRefused(f"Too many files: a batch may have at most {limits.max_files} (zips count the files "
                           "inside them). Split it into smaller batches.")
    if found.total_bytes + size > limits.max_bytes:
        raise BatchRefused(f"Too large: a batch may hold at most {_mb(limits.max_bytes)} in all (zips count what "
                           "they expand to). Split it into smaller batches.")
    found.total_bytes += size


def _add_zip(found: Discovery, path: Path, work_dir: Path, limits: BatchLimits) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        found.rejected.append(Rejected(path.name, f"This zip cannot be opened ({error})."))
        return
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir() and not _junk(info.filename)]
        # refuse at once from what the zip declares; the real sizes are counted while inflating below
        if len(found.files) + len(members) > limits.max_files:
            raise BatchRefused(f"Too many files: {path.name} holds {len(members)} files; a batch may have at most "
                               f"{limits.max_files}. Split it into smaller batches.")
        declared = sum(info.file_size for info in members)
        if found.total_bytes + declared > limits.max_bytes:
            raise BatchRefused(f"Too large: {path.name} expands to {_mb(declared)}; a batch may hold at most "
                               f"{_mb(limits.max_bytes)} in all. Split it into smaller batches.")
        target = work_dir / f"zip-{uuid.uuid4().hex[:12]}"
        target.mkdir(parents=True, exist_ok=True)
        for number, info in enumerate(members, start=1):
            name = _member_name(info.filename)
            problem = _member_problem(info, name)
            if problem:
                found.rejected.append(Rejected(name or info.filename, problem))
                continue
            dest = target / f"{number:05d}-{_safe_basename(name)}"
            if _inflate(archive, info, dest, path.name, found, limits):
                found.files.append(BatchFile(str(dest), name))


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, zip_name: str, found: Discovery,
             limits: BatchLimits) -> bool:
    """Write one member to dest, counting the bytes that come out against the caps (a lying header is caught);
    False (and the member listed as rejected) when it cannot be extracted."""
    budget = limits.max_bytes - found.total_bytes
    ratio_cap = max(info.compress_size, 1) * ZIP_MAX_RATIO
    written = 0
    try:
        with archive.open(info) as source, open(dest, "wb") as sink:
            while chunk := source.read(COPY_CHUNK):
                written += len(chunk)
                if written > budget:
                    raise BatchRefused(f"Too large: {zip_name} expands to more than {_mb(limits.max_bytes)}, the "
                                       "most a batch may hold. Split it into smaller batches.")
                if written > ratio_cap and written > MB:
                    raise BatchRefused(f"{zip_name} looks like a zip bomb: {info.filename!r} inflates more than "
                                       f"{ZIP_MAX_RATIO} times its packed size. It was not expanded.")
                sink.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        dest.unlink(missing_ok=True)
        found.rejected.append(Rejected(_member_name(info.filename),
                                       f"This file in {zip_name} cannot be extracted ({error})."))
        return False
    except BatchRefused:
        dest.unlink(missing_ok=True)
        raise
    _count(found, written, limits)
    return True


def _junk(filename: str) -> bool:
    """macOS resource forks and hidden files: skipped without a word."""
    parts = PurePosixPath(filename.replace("\\", "/")).parts
    return any(part in JUNK_PARTS for part in parts) or (bool(parts) and parts[-1].startswith("."))


def _member_name(filename: str) -> str:
    """The member's path as results name it: forward slashes, no drive, no leading slash."""
    return re.sub(r"^([A-Za-z]:)?/+", "", filename.replace("\\", "/"))


def _member_problem(info: zipfile.ZipInfo, name: str) -> str:
    """Why a member is left out ("" when it may run)."""
    parts = PurePosixPath(name).parts
    if not name or ".." in parts or name != info.filename.replace("\\", "/"):
        return "Its path in the zip is unsafe (absolute, or climbing out with '..'); it was not extracted."
    if stat.S_ISLNK(info.external_attr >> 16):
        return "It is a symbolic link inside the zip; links are not followed."
    if info.flag_bits & 0x1:
        return "It is encrypted (password-protected); the zip's other files ran."
    if name.lower().endswith(".zip"):
        return "It is a zip inside the zip; only one level is opened. Unpack it and add it on its own."
    return ""


def _safe_basename(name: str) -> str:
    """A file name made only of safe characters (the extension kept: it tells images from videos)."""
    base = re.sub(r"[^\w.\-]+", "_", PurePosixPath(name).name).lstrip(".") or "file"
    return base[-120:]


def _unique_names(files: list[BatchFile]) -> None:
    """Give repeated names a " (2)", " (3)" suffix before the extension, so exports name each file once."""
    seen: dict[str, int] = {}
    for index, item in enumerate(files):
        count = seen.get(item.name, 0) + 1
        seen[item.name] = count
        if count > 1:
            stem, dot, suffix = item.name.rpartition(".")
            name = f"{stem} ({count}).{suffix}" if dot and stem else f"{item.name} ({count})"
            files[index] = BatchFile(item.path, name)


def _mb(size: int) -> str:
    return f"{size / MB:,.0f} MB"
