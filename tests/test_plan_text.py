"""The plan as text (backend.plans.render): what --dry-run prints and /plan answers."""

from __future__ import annotations

import shlex

from backend.plans.planner import PlanRequest, make_plan
from backend.plans.render import render_plan


def test_text_starts_with_the_exact_command_then_its_environment():
    plan = make_plan(PlanRequest(model="7B", hardware="H100", gpus="0,2", port=30100, api_key="k123"))
    lines = render_plan(plan).splitlines()
    assert shlex.split(lines[0]) == list(plan.argv)
    assert lines[2] == "environment:"
    assert "  CUDA_VISIBLE_DEVICES=0,2" in lines
    assert f"  {plan.shell_line()}" in lines


def test_multi_node_plan_lists_one_command_per_node():
    plan = make_plan(PlanRequest(model="72B", hardware="H100", gpus="8", nodes=2, dist_init_addr="10.0.0.1:5000",
                                 port=30100, api_key="k123"))
    text = render_plan(plan)
    assert "per-node commands:" in text
    assert "  node 0: " in text and "  node 1: " in text
