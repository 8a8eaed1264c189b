"""The command line: `python app.py --dry-run ...` output and exit codes 0 / 2 / 3, run as a real process."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_dry_run_prints_the_command_first_then_environment_and_explanation():
    done = run_app("--dry-run", "--model", "7B", "--hardware", "H100", "--gpus", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    command = shlex.split(lines[0])
    assert command[1:3] == ["-m", "sglang.launch_server"]
    assert command[command.index("--tp-size") + 1] == "1" and command[command.index("--dp-size") + 1] == "2"
    assert lines.index("environment:") < lines.index("explanation:")
    assert "  CUDA_VISIBLE_DEVICES=0,1" in lines
    assert any("fewest GPUs that fit" in line for line in lines)


def test_vllm_engine_and_context_length():
    done = run_app("--dry-run", "--model", "7B", "--hardware", "H100", "--gpus", "1", "--engine", "vllm",
                   "--context-length", "16384")
    assert done.returncode == 0, done.stderr
    command = shlex.split(done.stdout.splitlines()[0])
    assert command[:3] == ["vllm", "serve", "Qwen/Qwen2.5-VL-7B-Instruct"]
    assert command[command.index("--max-model-len") + 1] == "16384"


@pytest.mark.parametrize("hardware", ["h100", "mi300x", "L40s"])
def test_hardware_short_names_are_case_insensitive(hardware):
    assert run_app("--dry-run", "--model", "3B", "--hardware", hardware).returncode == 0


def test_amd_plan_sets_hip_visible_devices_only():
    done = run_app("--dry-run", "--model", "7B", "--hardware", "MI300X", "--gpus", "0,2")
    assert done.returncode == 0, done.stderr
    assert "  HIP_VISIBLE_DEVICES=0,2" in done.stdout.splitlines()
    assert "CUDA_VISIBLE_DEVICES" not in done.stdout


def test_cannot_fit_exits_3_with_the_reason():
    done = run_app("--dry-run", "--model", "72B", "--hardware", "H100", "--gpus", "1")
    assert done.returncode == 3
    assert "146.8 GB of weights" in done.stderr and "4 x H100" in done.stderr
    assert done.stdout == ""


def test_wrong_tp_exits_3():
    done = run_app("--dry-run", "--model", "7B", "--hardware", "H100", "--gpus", "8", "--tp", "8")
    assert done.returncode == 3 and "28 attention heads" in done.stderr


@pytest.mark.parametrize("args", [
    ["--gpus", "x"], ["--hardware", "H999"], ["--engine", "tgi"], ["--model", "someone/other-model"],
    ["--engine-args", "--port 1"], ["--context-length", "abc"], ["--context-length", "999999"],
    ["--nodes", "2", "--gpus", "4"], ["--engine-args", "--mm-attention-backend sdpa"],
])
def test_bad_arguments_exit_2(args):
    done = run_app("--dry-run", "--hardware", "H100", *args)
    assert done.returncode == 2, done.stdout
    assert "error" in done.stderr


def test_json_output_is_the_plan():
    done = run_app("--dry-run", "--json", "--model", "32B", "--hardware", "MI300X", "--port", "31999")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["fits"] and data["port"] == 31999 and data["alternative"]["tp"] == 2
    assert data["shell_line"].startswith("HIP_VISIBLE_DEVICES=0 ")


def test_help_documents_every_flag():
    from app import build_parser

    done = run_app("--help")
    assert done.returncode == 0
    for action in build_parser()._actions:
        for option in action.option_strings:
            assert option in done.stdout
        assert action.help


def test_app_does_not_import_gradio_at_module_level():
    probe = "import sys, app; print('gradio' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.strip() == "False"


def test_main_returns_the_exit_code_in_process(capsys):
    from app import main

    assert main(["--dry-run", "--model", "3B", "--hardware", "L4", "--port", "31998", "--api-key", "k"]) == 0
    assert "--api-key k" in capsys.readouterr().out
