"""The README's launch-plan table (model sizes x common GPUs), generated from the catalog so it cannot drift.

    python -m backend.plans.table            # prints the markdown table
"""

from __future__ import annotations

from backend.hardware import CATALOG
from backend.plans.planner import PlanRequest, make_plan

SIZES = ("3B", "7B", "32B", "72B")
TABLE_GPUS = ("L4", "A10G", "L40S", "A100 40GB", "A100 80GB", "H100", "H200", "B200", "MI300X", "MI325X", "MI355X")
MAX_GPUS = 8


def fewest_gpus_cell(size: str, gpu: str) -> str:
    """'tp N · ctx K' for the fewest GPUs (up to 8) that fit the model's full context, else the shortest that fits."""
    for count in (1, 2, 4, 8):
        plan = make_plan(PlanRequest(model=size, hardware=gpu, gpus=str(count), port=30000, api_key="k"),
                         check_engine_args=False)
        if plan.fits and plan.dp == 1:
            shortened = "" if plan.context_length >= _full_context(size) else " (shorter context)"
            return f"{count} GPU{'s' if count > 1 else ''}, tp {plan.tp}, {plan.context_length // 1000}k ctx{shortened}"
    return f"does not fit on {MAX_GPUS}"


def _full_context(size: str) -> int:
    plan = make_plan(PlanRequest(model=size, hardware="H200", gpus="8", port=30000, api_key="k"),
                     check_engine_args=False)
    return plan.context_length


def markdown_table() -> str:
    """The whole table as markdown, one row per GPU, one column per model size."""
    names = {spec.name: spec.label for spec in CATALOG}
    lines = ["| GPU | " + " | ".join(f"Qwen2.5-VL-{s}" for s in SIZES) + " |",
             "|---|" + "---|" * len(SIZES)]
    for gpu in TABLE_GPUS:
        cells = [fewest_gpus_cell(size, gpu) for size in SIZES]
        lines.append(f"| {names[gpu]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
