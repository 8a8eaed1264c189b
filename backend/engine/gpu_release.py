"""Checking that a stopped engine gave its GPU memory back (NVML; a plain no-op without an NVIDIA GPU)."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class GpuProcess:
    """A process NVML lists as holding memory on a GPU."""

    gpu: int
    pid: int
    used_mib: int


@dataclass(frozen=True)
class GpuReleaseReport:
    """Whether the engine's processes still hold GPU memory after a stop."""

    checked: bool  # False when there is no NVML (CPU host, AMD host)
    released: bool
    message: str
    leftovers: tuple[GpuProcess, ...] = ()
    used_mib_per_gpu: tuple[int, ...] = ()


class NvmlUnavailable(Exception):
    """NVML (nvidia-ml-py + an NVIDIA driver) cannot be used here."""


def _nvml():  # -> module pynvml, initialised
    try:
        import pynvml
    except ImportError as error:
        raise NvmlUnavailable("nvidia-ml-py is not installed") from error
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as error:
        raise NvmlUnavailable(f"no NVIDIA driver ({error})") from error
    return pynvml


def gpu_snapshot() -> tuple[tuple[GpuProcess, ...], tuple[int, ...]]:
    """Every compute process on every NVIDIA GPU, and the memory used per GPU in MiB."""
    nvml = _nvml()
    try:
        processes: list[GpuProcess] = []
        used: list[int] = []
        for index in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            used.append(int(nvml.nvmlDeviceGetMemoryInfo(handle).used // (1024 * 1024)))
            for proc in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                memory = proc.usedGpuMemory or 0
                processes.append(GpuProcess(index, int(proc.pid), int(memory // (1024 * 1024))))
        return tuple(processes), tuple(used)
    finally:
        nvml.nvmlShutdown()


def wait_gpu_released(pids: Collection[int], timeout_s: float = 30.0, poll_s: float = 0.5) -> GpuReleaseReport:
    """Wait until none of pids holds GPU memory; say so plainly, including when there is nothing to check."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            processes, used = gpu_snapshot()
        except NvmlUnavailable as error:
            return GpuReleaseReport(False, True, f"GPU memory not checked: {error}.")
        leftovers = tuple(proc for proc in processes if proc.pid in pids)
        if not leftovers:
            usage = ", ".join(f"GPU{index} {mib} MiB used" for index, mib in enumerate(used))
            return GpuReleaseReport(True, True, f"GPU memory released ({usage}).", (), used)
        if time.monotonic() >= deadline:
            held = ", ".join(f"pid {proc.pid} on GPU{proc.gpu} ({proc.used_mib} MiB)" for proc in leftovers)
            message = f"GPU memory still held after {timeout_s:.0f} s: {held}."
            return GpuReleaseReport(True, False, message, leftovers, used)
        time.sleep(poll_s)
