"""The README's launch-plan tables (model sizes x common GPUs), generated from the catalog so they cannot drift.

    python -m backend.plans.table            # prints the markdown tables
"""

from __future__ import annotations

from backend.hardware import CATALOG
from backend.models import CATALOG as CATALOG_MODELS
from backend.models import CATALOG_KEYS
from backend.plans.planner import LaunchPlan, PlanRequest, make_plan

SIZES = ("3B", "7B", "32B", "72B")
TABLE_GPUS = ("L4", "A10G", "L40S", "A100 40GB", "A100 80GB", "H100", "H200", "B200", "MI300X", "MI325X", "MI355X")
MAX_GPUS = 8
QWEN3_MODELS = ("Qwen3-VL-8B-Instruct", "Qwen3-VL-32B-Instruct", "Qwen3-VL-30B-A3B-Instruct",
                "Qwen3-VL-235B-A22B-Instruct", "Qwen3.5-27B", "Qwen3.5-35B-A3B", "Qwen3.5-122B-A10B",
                "Qwen3.5-397B-A17B")
QWEN3_GPUS = ("L4", "A100 80GB", "H100", "H200", "B200", "MI300X")
QWEN3_CAPTION = ("Qwen3-VL and Qwen3.5 at their full 262,144-token context, by the same rule: the bf16 release / Qwen's FP8 "
                 "release; cells are GPUs x context, `*` a shorter context, `no` when 8 do not hold it. MoE "
                 "experts are all held in memory; Qwen3.5 keeps a KV cache for one layer in four and SGLang's "
                 "linear-attention state beside it.")
QUANTIZED_CAPTION = ("Quantized, by the same rule: **fp8** is `--quantization fp8` on the bf16 checkpoint (every "
                     "linear layer in FP8, weight-only through Marlin on A100/A10G), **AWQ** is Qwen's 4-bit "
                     "`<size>-AWQ` checkpoint; cells are GPUs x context, `*` a shorter context.")


def fewest_gpus(size: str, gpu: str, quantization: str = "none") -> LaunchPlan | None:
    """The plan on the fewest GPUs (1, 2, 4, 8) that holds the full context; when none does, the longest context."""
    full_context = CATALOG_MODELS[size].max_context
    fitting = []
    for count in (1, 2, 4, 8):
        plan = make_plan(PlanRequest(model=size, hardware=gpu, gpus=str(count), port=30000, api_key="k",
                                     quantization=quantization), check_engine_args=False, offer_quantized=False)
        if plan.fits and plan.dp == 1:
            if plan.context_length >= full_context:
                return plan
            fitting.append(plan)
    return max(fitting, key=lambda plan: plan.context_length, default=None)


def fewest_gpus_cell(size: str, gpu: str) -> str:
    """'N GPUs, tp N, K ctx' for the fewest GPUs (up to 8) that fit the model's full context, else the shortest."""
    plan = fewest_gpus(size, gpu)
    if plan is None:
        return f"does not fit on {MAX_GPUS}"
    count = len(plan.gpu_ids)
    shortened = "" if plan.context_length >= CATALOG_MODELS[size].max_context else " (shorter context)"
    return f"{count} GPU{'s' if count > 1 else ''}, tp {plan.tp}, {plan.context_length // 1000}k ctx{shortened}"


def _short_cell(plan: LaunchPlan | None) -> str:
    if plan is None:
        return "no"
    full = CATALOG_MODELS[CATALOG_KEYS[plan.model]].max_context
    return f"{len(plan.gpu_ids)} x {plan.context_length // 1000}k{'' if plan.context_length >= full else '*'}"


def quantized_cell(size: str, gpu: str) -> str:
    """'fp8 cell / AWQ cell', e.g. '2 x 128k / 1 x 59k*'."""
    return f"{_short_cell(fewest_gpus(size, gpu, 'fp8'))} / {_short_cell(fewest_gpus(f'{size}-AWQ', gpu))}"


def markdown_table() -> str:
    """The bf16 table (one row per GPU, one column per size), then the fp8 / AWQ table."""
    names = {spec.name: spec.label for spec in CATALOG}
    lines = ["| GPU | " + " | ".join(f"Qwen2.5-VL-{s}" for s in SIZES) + " |",
             "|---|" + "---|" * len(SIZES)]
    quantized = ["", QUANTIZED_CAPTION, "", "| GPU | " + " | ".join(f"{s} fp8 / AWQ" for s in SIZES) + " |",
                 "|---|" + "---|" * len(SIZES)]
    for gpu in TABLE_GPUS:
        lines.append(f"| {names[gpu]} | " + " | ".join(fewest_gpus_cell(size, gpu) for size in SIZES) + " |")
        quantized.append(f"| {names[gpu]} | " + " | ".join(quantized_cell(size, gpu) for size in SIZES) + " |")
    return "\n".join(lines + quantized)


def qwen3_table() -> str:
    """One row per GPU, one column per Qwen3-VL / Qwen3.5 model: the bf16 release, then Qwen's FP8 release."""
    names = {spec.name: spec.label for spec in CATALOG}
    lines = [QWEN3_CAPTION, "", "| GPU | " + " | ".join(QWEN3_MODELS) + " |", "|---|" + "---|" * len(QWEN3_MODELS)]
    for gpu in QWEN3_GPUS:
        cells = [f"{_short_cell(fewest_gpus(model, gpu))} / {_short_cell(fewest_gpus(f'{model}-FP8', gpu))}"
                 for model in QWEN3_MODELS]
        lines.append(f"| {names[gpu]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
    print()
    print(qwen3_table())
