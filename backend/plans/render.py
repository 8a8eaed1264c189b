"""A launch plan as the text people read: the CLI's --dry-run output and the /plan API's answer."""

from __future__ import annotations

import shlex

from backend.plans.planner import LaunchPlan


def render_plan(plan: LaunchPlan) -> str:
    """The plan as text: the command line first, then environment, explanation, and how to use the server."""
    out = [shlex.join(plan.argv), "", "environment:"]
    out += [f"  {name}={value}" for name, value in plan.env.items()]
    out += ["", (f"plan: {plan.hardware}, tp {plan.tp}, dp {plan.dp}, context {plan.context_length} tokens, "
                 f"endpoint {plan.base_url}/v1"), "", "explanation:"]
    out += [f"  - {line}" for line in plan.explanation]
    if plan.node_argvs:
        out += ["", "per-node commands:"] + [f"  node {rank}: {line}" for rank, line in
                                             enumerate(plan.node_shell_lines())]
    out += ["", "shell:", f"  {plan.shell_line()}"] + ([f"  {plan.exposure_note}"] if plan.exposure_note else [])
    if plan.alternative is not None:
        out += ["", "alternative:", f"  {plan.alternative.explanation[0]}", f"  {plan.alternative.shell_line()}"]
    if plan.quantized is not None and plan.quantized.plan is not None:
        out += ["", "quantized:", f"  {plan.quantized.text}.", f"  {plan.quantized.plan.shell_line()}"]
    out += ["", "python client (openai):"] + [f"  {line}" for line in plan.python_snippet().splitlines()]
    return "\n".join(out)
