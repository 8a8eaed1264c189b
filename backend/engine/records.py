"""Small state files about engines the app launched, so a later run can adopt a healthy one."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from backend.engine.process_tree import process_create_time, running_with_cmdline

SECRET_FLAGS = ("--api-key", "--admin-api-key")


def _this_app_started() -> float:
    return process_create_time(os.getpid()) or 0.0


@dataclass(frozen=True)
class EngineRecord:
    """What was launched on a port: enough to find the process again and to talk to it."""

    pid: int
    port: int
    api_key: str
    cmdline: tuple[str, ...]
    create_time: float
    served_model_name: str
    log_path: str
    owner_pid: int = field(default_factory=os.getpid)  # the app process that launched it
    owner_create_time: float = field(default_factory=_this_app_started)

    @property
    def owner_alive(self) -> bool:
        """True while the app run that launched this engine still runs (it may be this process)."""
        started = process_create_time(self.owner_pid) if self.owner_pid > 0 else None
        return started is not None and abs(started - self.owner_create_time) < 1.0


def record_path(runs_dir: Path, port: int) -> Path:
    """Where the record for an engine on port lives."""
    return runs_dir / f"engine-{port}.json"


def write_record(runs_dir: Path, record: EngineRecord) -> Path:
    """Write the record atomically (readable only by this user: it holds the API key)."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = record_path(runs_dir, record.port)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(record), handle, indent=1)
    temporary.replace(path)
    return path


def read_record(runs_dir: Path, port: int) -> EngineRecord | None:
    """The record for port, or None when there is none or it is unreadable."""
    try:
        data = json.loads(record_path(runs_dir, port).read_text(encoding="utf-8"))
        return EngineRecord(
            pid=int(data["pid"]),
            port=int(data["port"]),
            api_key=str(data["api_key"]),
            cmdline=tuple(str(arg) for arg in data["cmdline"]),
            create_time=float(data["create_time"]),
            served_model_name=str(data["served_model_name"]),
            log_path=str(data.get("log_path", "")),
            owner_pid=int(data.get("owner_pid", 0)),  # records written before owners were kept: no owner
            owner_create_time=float(data.get("owner_create_time", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def claimed(record: EngineRecord) -> EngineRecord:
    """The record with this app run as its owner (after adopting the engine)."""
    return replace(record, owner_pid=os.getpid(), owner_create_time=_this_app_started())


def orphaned_records(runs_dir: Path) -> list[EngineRecord]:
    """Records of engines still running whose app run has ended (killed, or exited without stopping them);
    records of engines that are gone are removed. Engines of an app run that is still alive are left out."""
    orphans = []
    for path in sorted(runs_dir.glob("engine-*.json")):
        try:
            port = int(path.stem.removeprefix("engine-"))
        except ValueError:
            continue
        record = read_record(runs_dir, port)
        if record is None or record.owner_alive:
            continue
        if running_with_cmdline(record.pid, record.cmdline, record.create_time):
            orphans.append(record)
        else:
            remove_record(runs_dir, port)
    return orphans


def remove_record(runs_dir: Path, port: int) -> None:
    """Forget the engine on port."""
    record_path(runs_dir, port).unlink(missing_ok=True)


def without_secrets(argv: Sequence[str]) -> tuple[str, ...]:
    """argv with API key values blanked, so plans that draw a fresh key still compare equal."""
    result: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            result.append("***")
            hide_next = False
        elif arg in SECRET_FLAGS:
            result.append(arg)
            hide_next = True
        elif arg.startswith(tuple(flag + "=" for flag in SECRET_FLAGS)):
            result.append(arg.split("=", 1)[0] + "=***")
        else:
            result.append(arg)
    return tuple(result)


def record_matches(record: EngineRecord, argv: Sequence[str]) -> bool:
    """True when the recorded engine is alive, is the same process, and runs the command argv would run."""
    return without_secrets(record.cmdline) == without_secrets(argv) and running_with_cmdline(
        record.pid, record.cmdline, record.create_time
    )
