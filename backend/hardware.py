"""GPU catalog, detection of this host's GPUs, and parsing of a --gpus selection."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from backend.plans.errors import PlanInputError

MIB = 1024 * 1024


class HardwareError(PlanInputError):
    """A hardware name or GPU selection that cannot be used (user-facing message)."""


@dataclass(frozen=True)
class GpuSpec:
    """One GPU model: its memory as the driver reports it (MiB), vendor and architecture."""

    name: str
    vendor: str  # "nvidia" | "amd"
    arch: str  # e.g. "hopper", "cdna3"
    memory_mib: int
    aliases: tuple[str, ...] = ()
    nominal_gb: int = 0  # the size it is sold as ('80' for an H100); 0: derive from memory_mib

    @property
    def label(self) -> str:
        """Name with the memory it is sold with, e.g. 'H100 80 GB'."""
        if "GB" in self.name:
            return self.name
        return f"{self.name} {self.nominal_gb or round(self.memory_mib / 1024)} GB"


# Memory: the MiB total nvidia-smi / rocm-smi report (what SGLang's get_device_memory_capacity reads);
# MI325X and MI355X use their nominal 256 / 288 GiB.
CATALOG: tuple[GpuSpec, ...] = (
    GpuSpec("L4", "nvidia", "ada", 23034, ("l4",), 24),
    GpuSpec("A10G", "nvidia", "ampere", 23028, ("a10g", "a10"), 24),
    GpuSpec("L40S", "nvidia", "ada", 46068, ("l40s",), 48),
    GpuSpec("A100 40GB", "nvidia", "ampere", 40960, ("a100-40", "a100-40gb", "a100_40gb", "a100 40gb"), 40),
    GpuSpec("A100 80GB", "nvidia", "ampere", 81920, ("a100", "a100-80", "a100-80gb", "a100_80gb", "a100 80gb"), 80),
    GpuSpec("H100", "nvidia", "hopper", 81559, ("h100", "h100-80gb", "h100 80gb", "h100-sxm"), 80),
    GpuSpec("H200", "nvidia", "hopper", 143771, ("h200", "h200-141gb", "h200 141gb"), 141),
    GpuSpec("B200", "nvidia", "blackwell", 183359, ("b200",), 180),
    GpuSpec("MI300X", "amd", "cdna3", 196288, ("mi300x", "mi300"), 192),
    GpuSpec("MI325X", "amd", "cdna3", 262144, ("mi325x", "mi325"), 256),
    GpuSpec("MI355X", "amd", "cdna4", 294912, ("mi355x", "mi355"), 288),
)


def find_gpu(name: str) -> GpuSpec:
    """The catalog GPU for a name, matched case-insensitively on its name or short aliases."""
    wanted = re.sub(r"\s+", " ", name.strip().lower())
    for spec in CATALOG:
        if wanted == spec.name.lower() or wanted in spec.aliases:
            return spec
    known = ", ".join(spec.name for spec in CATALOG)
    raise HardwareError(f"unknown hardware {name!r}: use auto or one of {known}")


# Patterns on a driver's product name, lower-cased with separators removed; the first match wins.
_REPORTED_NAMES: tuple[tuple[str, str], ...] = (
    (r"h200", "H200"), (r"h100", "H100"), (r"b200", "B200"), (r"a100", "A100"), (r"l40s", "L40S"),
    (r"a10g|a10(?!\d)", "A10G"), (r"l4(?!\d)", "L4"),
    (r"mi355", "MI355X"), (r"mi325", "MI325X"), (r"mi300", "MI300X"),
)


def match_reported_name(reported: str, memory_mib: int, vendor: str) -> GpuSpec:
    """Map a driver's product name ('NVIDIA H100 80GB HBM3', 'AMD Instinct MI300X') to a GpuSpec.

    The detected memory is kept (it is what SGLang will see); an unknown product keeps its reported name.
    """
    compact = re.sub(r"[^a-z0-9]", "", reported.lower())
    for pattern, name in _REPORTED_NAMES:
        if re.search(pattern, compact):
            if name == "A100":
                name = "A100 80GB" if memory_mib >= 60 * 1024 else "A100 40GB"
            spec = find_gpu(name)
            if spec.vendor == vendor:
                return GpuSpec(spec.name, vendor, spec.arch, memory_mib, spec.aliases, spec.nominal_gb)
    return GpuSpec(reported.strip() or f"{vendor} GPU", vendor, "unknown", memory_mib)


@dataclass(frozen=True)
class DetectedGpu:
    """A GPU found on this host."""

    index: int
    spec: GpuSpec
    source: str  # "nvml" | "nvidia-smi" | "amdsmi" | "rocm-smi"


def _detect_nvml() -> list[DetectedGpu]:
    import pynvml  # nvidia-ml-py

    pynvml.nvmlInit()
    try:
        found = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            name = name.decode() if isinstance(name, bytes) else str(name)
            memory = int(pynvml.nvmlDeviceGetMemoryInfo(handle).total // MIB)
            found.append(DetectedGpu(index, match_reported_name(name, memory, "nvidia"), "nvml"))
        return found
    finally:
        pynvml.nvmlShutdown()


def _detect_amdsmi() -> list[DetectedGpu]:
    import amdsmi

    amdsmi.amdsmi_init()
    try:
        found = []
        for index, handle in enumerate(amdsmi.amdsmi_get_processor_handles()):
            name = str(amdsmi.amdsmi_get_gpu_asic_info(handle).get("market_name", "AMD GPU"))
            memory = int(amdsmi.amdsmi_get_gpu_memory_total(handle, amdsmi.AmdSmiMemoryType.VRAM) // MIB)
            found.append(DetectedGpu(index, match_reported_name(name, memory, "amd"), "amdsmi"))
        return found
    finally:
        amdsmi.amdsmi_shut_down()


def _run(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        return ""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def parse_nvidia_smi(output: str) -> list[DetectedGpu]:
    """GPUs from `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`."""
    found = []
    for line in output.splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit():
            found.append(DetectedGpu(int(parts[0]), match_reported_name(parts[1], int(parts[2]), "nvidia"),
                                     "nvidia-smi"))
    return found


def parse_rocm_smi(output: str) -> list[DetectedGpu]:
    """GPUs from `rocm-smi --showproductname --showmeminfo vram --json`."""
    try:
        cards = json.loads(output or "{}")
    except json.JSONDecodeError:
        return []
    found = []
    for key, fields in sorted(cards.items()):
        index = re.fullmatch(r"card(\d+)", key)
        if not index or not isinstance(fields, dict):
            continue
        total = next((value for name, value in fields.items() if "vram total memory" in name.lower()), None)
        if total is None or not str(total).isdigit():
            continue
        name = str(fields.get("Card Series") or fields.get("Card SKU") or fields.get("Card Model") or "AMD GPU")
        found.append(DetectedGpu(int(index.group(1)), match_reported_name(name, int(total) // MIB, "amd"), "rocm-smi"))
    return found


def detect_gpus() -> list[DetectedGpu]:
    """This host's GPUs (NVIDIA first, then AMD); an empty list when there are none."""
    for library_probe in (_detect_nvml, _detect_amdsmi):
        try:
            found = library_probe()
        except Exception:  # the library is missing or finds no driver: try the next way
            found = []
        if found:
            return found
    found = parse_nvidia_smi(_run(["nvidia-smi", "--query-gpu=index,name,memory.total",
                                   "--format=csv,noheader,nounits"]))
    if found:
        return found
    return parse_rocm_smi(_run(["rocm-smi", "--showproductname", "--showmeminfo", "vram", "--json"]))


@dataclass(frozen=True)
class GpuSelection:
    """What --gpus asked for: a count, or explicit GPU indices."""

    count: int
    indices: tuple[int, ...] | None  # None: the first `count` GPUs


def parse_gpus(value: str | Sequence[int]) -> GpuSelection:
    """Parse a GPU choice. Text (--gpus): a count ('4') or comma-separated indices ('0,2'); a single index needs a
    trailing comma ('1,') because '1' is a count. From code, a sequence of ints ((1,) or [0, 2]) always means
    indices, so callers that hold indices never have to spell them as text."""
    if not isinstance(value, str):
        return _indices_selection(tuple(value), repr(value))
    text = value.strip()
    if re.fullmatch(r"\d+", text):
        count = int(text)
        if count < 1:
            raise HardwareError("--gpus needs at least one GPU")
        return GpuSelection(count, None)
    if re.fullmatch(r"\d+(\s*,\s*\d+)+,?|\d+\s*,", text):
        return _indices_selection(tuple(int(part) for part in text.split(",") if part.strip()), repr(value))
    raise HardwareError(f"--gpus {value!r}: give a count (4) or GPU indices (0,2; one GPU as 1,)")


def _indices_selection(indices: tuple, shown: str) -> GpuSelection:
    if not indices or not all(isinstance(index, int) and not isinstance(index, bool) and index >= 0
                              for index in indices):
        raise HardwareError(f"--gpus {shown}: GPU indices must be one or more whole numbers from 0")
    if len(set(indices)) != len(indices):
        raise HardwareError(f"--gpus {shown} names a GPU twice")
    return GpuSelection(len(indices), indices)


def describe_gpus(gpus: tuple[DetectedGpu, ...]) -> str:
    """'2 x H100 80 GB (GPUs 0, 1)' for the GPUs of a host."""
    names = ", ".join(dict.fromkeys(gpu.spec.label for gpu in gpus))
    return f"{len(gpus)} x {names} (GPU{'s' if len(gpus) > 1 else ''} {', '.join(str(gpu.index) for gpu in gpus)})"


def missing_gpus_refusal(detected: tuple[DetectedGpu, ...], hardware: str, gpu_ids: tuple[int, ...],
                         planned_for: str) -> str:
    """Why a plan for `planned_for` on gpu_ids cannot start on the detected GPUs ('' when they are these)."""
    here = {gpu.index: gpu.spec for gpu in detected}
    wanted = None if hardware == "auto" else find_gpu(hardware)
    if all(index in here and (wanted is None or here[index].name == wanted.name) for index in gpu_ids):
        return ""
    return (f"This host has {describe_gpus(detected)}; this plan is for {planned_for}, which it does not have. "
            "Choose the \u201cauto \u2014 detected \u2026\u201d entry under Hardware to plan for these GPUs.")
