"""GPU catalog, name matching, detection (with its fallbacks), and --gpus parsing."""

from __future__ import annotations

import json
import subprocess

import pytest

from backend import hardware
from backend.hardware import (
    CATALOG,
    DetectedGpu,
    GpuSelection,
    HardwareError,
    detect_gpus,
    find_gpu,
    match_reported_name,
    parse_gpus,
    parse_nvidia_smi,
    parse_rocm_smi,
)

REQUIRED = {"L4", "A10G", "L40S", "A100 40GB", "A100 80GB", "H100", "H200", "B200", "MI300X", "MI325X", "MI355X"}


def test_catalog_holds_every_required_gpu_with_vendor_and_arch():
    assert {spec.name for spec in CATALOG} >= REQUIRED
    for spec in CATALOG:
        assert spec.vendor in ("nvidia", "amd") and spec.arch and spec.memory_mib > 20 * 1024


def test_amd_memory_sizes_are_192_256_288_gb():
    assert [find_gpu(name).label for name in ("MI300X", "MI325X", "MI355X")] == [
        "MI300X 192 GB", "MI325X 256 GB", "MI355X 288 GB"]


@pytest.mark.parametrize(("name", "expected"), [
    ("h100", "H100"), ("H100", "H100"), ("mi300x", "MI300X"), ("MI355X", "MI355X"), (" l40s ", "L40S"),
    ("a100-40", "A100 40GB"), ("A100", "A100 80GB"), ("b200", "B200"), ("H200", "H200"), ("a10g", "A10G"),
])
def test_short_names_match_case_insensitively(name, expected):
    assert find_gpu(name).name == expected


def test_unknown_gpu_name_is_an_error_listing_the_catalog():
    with pytest.raises(HardwareError, match="H100"):
        find_gpu("h900")


@pytest.mark.parametrize(("reported", "memory", "vendor", "expected"), [
    ("NVIDIA H100 80GB HBM3", 81559, "nvidia", "H100"),
    ("NVIDIA A100-SXM4-40GB", 40960, "nvidia", "A100 40GB"),
    ("NVIDIA A100-SXM4-80GB", 81920, "nvidia", "A100 80GB"),
    ("NVIDIA L4", 23034, "nvidia", "L4"),
    ("NVIDIA L40S", 46068, "nvidia", "L40S"),
    ("AMD Instinct MI300X", 196288, "amd", "MI300X"),
])
def test_driver_product_names_map_to_the_catalog(reported, memory, vendor, expected):
    spec = match_reported_name(reported, memory, vendor)
    assert (spec.name, spec.memory_mib) == (expected, memory)


def test_unknown_product_keeps_its_name_and_detected_memory():
    spec = match_reported_name("NVIDIA L40", 46068, "nvidia")  # an L40 is not an L4
    assert (spec.name, spec.arch, spec.memory_mib) == ("NVIDIA L40", "unknown", 46068)


def test_nvidia_smi_csv_is_parsed():
    output = "0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA H100 80GB HBM3, 81559\n"
    found = parse_nvidia_smi(output)
    assert [(gpu.index, gpu.spec.name, gpu.source) for gpu in found] == [(0, "H100", "nvidia-smi"),
                                                                          (1, "H100", "nvidia-smi")]


def test_rocm_smi_json_is_parsed():
    cards = {f"card{index}": {"Card Series": "AMD Instinct MI300X OAM", "Card Model": "0x74a1",
                              "VRAM Total Memory (B)": "205822885888", "VRAM Total Used Memory (B)": "298500096"}
             for index in range(2)}
    found = parse_rocm_smi(json.dumps(cards))
    assert [(gpu.index, gpu.spec.name, gpu.spec.memory_mib) for gpu in found] == [(0, "MI300X", 196288),
                                                                                   (1, "MI300X", 196288)]


def test_rocm_smi_garbage_is_no_gpus():
    assert parse_rocm_smi("not json") == []


def _no_libraries(monkeypatch):
    def missing():
        raise ImportError("not installed")

    monkeypatch.setattr(hardware, "_detect_nvml", missing)
    monkeypatch.setattr(hardware, "_detect_amdsmi", missing)


def test_no_gpu_anywhere_is_an_empty_answer(monkeypatch):
    _no_libraries(monkeypatch)
    monkeypatch.setattr(hardware.shutil, "which", lambda program: None)
    assert detect_gpus() == []


def test_falls_back_to_nvidia_smi_run_as_an_argv_list(monkeypatch):
    _no_libraries(monkeypatch)
    calls = []

    def fake_run(argv, **options):
        calls.append((argv, options))
        return subprocess.CompletedProcess(argv, 0, stdout="0, NVIDIA L4, 23034\n", stderr="")

    monkeypatch.setattr(hardware.shutil, "which", lambda program: f"/usr/bin/{program}")
    monkeypatch.setattr(hardware.subprocess, "run", fake_run)
    found = detect_gpus()
    assert [gpu.spec.name for gpu in found] == ["L4"]
    argv, options = calls[0]
    assert isinstance(argv, list) and argv[0] == "nvidia-smi" and not options.get("shell")


def test_falls_back_to_rocm_smi_when_nvidia_smi_finds_nothing(monkeypatch):
    _no_libraries(monkeypatch)
    rocm = json.dumps({"card0": {"Card Series": "AMD Instinct MI325X", "VRAM Total Memory (B)": str(256 * 2**30)}})

    def fake_run(argv, **options):
        stdout = rocm if argv[0] == "rocm-smi" else ""
        return subprocess.CompletedProcess(argv, 0, stdout=stdout, stderr="")

    monkeypatch.setattr(hardware.shutil, "which", lambda program: f"/usr/bin/{program}")
    monkeypatch.setattr(hardware.subprocess, "run", fake_run)
    assert [(gpu.spec.name, gpu.source) for gpu in detect_gpus()] == [("MI325X", "rocm-smi")]


def test_failing_smi_tool_is_no_gpus(monkeypatch):
    _no_libraries(monkeypatch)

    def fake_run(argv, **options):
        return subprocess.CompletedProcess(argv, 9, stdout="garbage", stderr="driver not loaded")

    monkeypatch.setattr(hardware.shutil, "which", lambda program: f"/usr/bin/{program}")
    monkeypatch.setattr(hardware.subprocess, "run", fake_run)
    assert detect_gpus() == []


def test_library_detection_wins_over_tools(monkeypatch):
    gpu = DetectedGpu(0, find_gpu("H200"), "nvml")
    monkeypatch.setattr(hardware, "_detect_nvml", lambda: [gpu])
    assert detect_gpus() == [gpu]


@pytest.mark.parametrize(("text", "expected"), [
    ("4", GpuSelection(4, None)), ("1", GpuSelection(1, None)), ("0,2", GpuSelection(2, (0, 2))),
    (" 1, 3 ", GpuSelection(2, (1, 3))), ("5,", GpuSelection(1, (5,))),
])
def test_gpus_takes_a_count_or_indices(text, expected):
    assert parse_gpus(text) == expected


@pytest.mark.parametrize("text", ["0", "x", "0,,2", "1,1", "-1", "2.5", ""])
def test_bad_gpus_values_are_errors(text):
    with pytest.raises(HardwareError):
        parse_gpus(text)


@pytest.mark.parametrize(("indices", "expected"), [
    ((1,), GpuSelection(1, (1,))), ([0, 2], GpuSelection(2, (0, 2))), ((7, 3), GpuSelection(2, (7, 3))),
])
def test_gpus_given_as_ints_are_always_indices(indices, expected):
    assert parse_gpus(indices) == expected


@pytest.mark.parametrize("indices", [(), (1, 1), (-1,), (True,), ("1",), (1.0,)])
def test_bad_gpu_index_sequences_are_errors(indices):
    with pytest.raises(HardwareError):
        parse_gpus(indices)
