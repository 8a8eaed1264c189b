"""The copy-paste command on a host with no GPU, in-process: it is run on a GPU host that this app attaches to from
another machine, so it listens on every interface and says in one line what that exposes; the app's own launches
keep 127.0.0.1 (issue 26). The pasted text, comment and line continuations included, parses with the installed
SGLang."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from backend.engine.supervisor import Supervisor
from backend.plans.planner import LaunchPlan, PlanRequest
from backend.plans.render import render_plan
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from tests.helpers import TEST_SETTINGS, TWO_H100

H100 = PlanRequest(model="7B", hardware="H100", gpus="1", port=31234, api_key="k" + "0" * 31)


def studio_on(tmp_path: Path, detected: tuple) -> Studio:
    return Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), StudioSettings(work_dir=tmp_path / "work"), detected)


def pasted_words(text: str) -> list[str]:
    """The words a shell runs for the copy-paste text (comments dropped, backslash-newlines joined)."""
    return shlex.split(text.replace("\\\n", " "), comments=True)


def flag(argv, name: str) -> str:
    argv = list(argv)
    return argv[argv.index(name) + 1]


def test_without_a_gpu_the_shown_command_listens_on_every_interface_and_says_what_that_exposes(
        tmp_path: Path) -> None:
    studio = studio_on(tmp_path, ())
    plan = studio.shown_plan(H100, studio.viewer())
    assert plan.fits and flag(plan.argv, "--host") == "0.0.0.0"
    note, *command = plan.copy_paste().splitlines()
    assert note.startswith("# --host 0.0.0.0:") and "port 31234" in note and "API key" in note
    assert command[0].startswith("CUDA_VISIBLE_DEVICES=0 python3 -m sglang.launch_server")
    assert not any(line.lstrip().startswith("#") for line in command)  # one line says it
    assert plan.exposure_note in render_plan(plan)  # the CLI's and /plan's text say it too


def test_the_pasted_text_parses_with_the_installed_sglang(tmp_path: Path) -> None:
    from sglang.srt.server_args import prepare_server_args

    studio = studio_on(tmp_path, ())
    plan = studio.shown_plan(H100, studio.viewer())
    words = pasted_words(plan.copy_paste())
    assert words[:4] == ["CUDA_VISIBLE_DEVICES=0", "python3", "-m", "sglang.launch_server"]
    assert tuple(words[4:]) == plan.argv[3:]  # the text is the plan's argv, word for word
    parsed = prepare_server_args(words[4:])
    assert (parsed.host, parsed.port, parsed.api_key) == ("0.0.0.0", 31234, plan.api_key)
    assert (parsed.tp_size, parsed.context_length, parsed.model_path) == (plan.tp, plan.context_length, plan.model)


def test_the_apps_own_launches_keep_loopback(tmp_path: Path) -> None:
    no_gpu, with_gpus = studio_on(tmp_path / "a", ()), studio_on(tmp_path / "b", TWO_H100)
    launched_here: list[LaunchPlan] = [no_gpu.plan(H100, no_gpu.viewer()),  # what launch() plans
                                       with_gpus.shown_plan(PlanRequest(model="7B", port=31234, api_key="k"),
                                                            with_gpus.viewer())]
    for plan in launched_here:
        assert flag(plan.argv, "--host") == "127.0.0.1" and plan.exposure_note == ""
        assert not plan.copy_paste().startswith("#")


@pytest.mark.parametrize("engine", ["sglang", "vllm"])
def test_every_command_of_a_plan_for_another_machine_listens_on_every_interface(tmp_path: Path, engine: str) -> None:
    studio = studio_on(tmp_path, ())
    plan = studio.shown_plan(PlanRequest(model="72B", hardware="H100", gpus="1", engine=engine, port=31234,
                                         api_key="k"), studio.viewer())
    assert not plan.fits and plan.quantized is not None  # 72B needs 4; the suggestion is for the same machine
    assert flag(plan.quantized.plan.argv, "--host") == "0.0.0.0"


def test_each_node_of_a_multinode_plan_for_another_machine_listens_on_every_interface(tmp_path: Path) -> None:
    studio = studio_on(tmp_path, ())
    multinode = studio.shown_plan(PlanRequest(model="72B", hardware="L40S", gpus="4", nodes=2,
                                              dist_init_addr="10.0.0.1:5000", port=31234, api_key="k"),
                                  studio.viewer())
    assert multinode.node_argvs and all(flag(argv, "--host") == "0.0.0.0" for argv in multinode.node_argvs)


def test_an_address_the_user_gave_is_kept(tmp_path: Path) -> None:
    studio = studio_on(tmp_path, ())
    plan = studio.shown_plan(PlanRequest(model="7B", hardware="H100", host="10.1.2.3", port=31234, api_key="k"),
                             studio.viewer())
    assert flag(plan.argv, "--host") == "10.1.2.3" and plan.exposure_note == ""
