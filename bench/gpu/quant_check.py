"""GPU check for quantized plans (issue 17): launch each through the app's Supervisor with the plan make_plan gives,
wait for ready, stream one image request, and compare SGLang's own KV token count with the planned one. JSON lines.

    source .whl/carry/device_env.sh
    python3 bench/gpu/quant_check.py --only 7b-awq --timeout 520          # one device call each: ~10 min at most
    python3 bench/gpu/quant_check.py --only 7b-fp8,7b-fp8kv --timeout 280
    python3 bench/gpu/quant_check.py --only 32b-awq,72b-awq --timeout 280

Runs (in this order; --only picks some): 7b-awq (Qwen's AWQ quantization_config on the 7B folder), 7b-fp8
(`--quantization fp8` on the bf16 folder), 7b-fp8kv (fp8 weights and `--kv-cache-dtype fp8_e4m3`; the bundle's
triton attention has no FP8 KV cache, so this run uses flashinfer), 32b-awq and 72b-awq (readiness on one GPU).
AWQ folders are written next to $QWEN_MODEL_DIR from the 7B folder's tokenizer files and a config.json carrying
the catalog's sizes (72B-AWQ: intermediate_size 29696) and Qwen's quantization_config; no weights
(`--load-format dummy` from $SGLANG_DUMMY_FLAGS). The first AWQ start on a fresh host JIT-compiles the Marlin GEMM
(minutes); launch_to_ready_s says how long it took, and the KV count is read even when ready times out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.engine.settings import SupervisorSettings
from backend.engine.supervisor import Supervisor
from backend.models import CATALOG
from backend.plans.planner import PlanRequest, make_plan
from bench.gpu.supervisor_check import emit, follow_launch, image_request, nvidia_smi

# name -> (catalog entry whose sizes the folder gets, --quantization, --kv-cache-dtype, stream a request)
RUNS: dict[str, tuple[str, str, str, bool]] = {
    "7b-awq": ("7B-AWQ", "none", "auto", True),
    "7b-fp8": ("7B", "fp8", "auto", True),
    "7b-fp8kv": ("7B", "fp8", "fp8_e4m3", True),
    "32b-awq": ("32B-AWQ", "none", "auto", False),
    "72b-awq": ("72B-AWQ", "none", "auto", False),
}
KV_PATTERNS = (re.compile(r"max_total_num_tokens=(\d+)"), re.compile(r"KV Cache is allocated\..*?#tokens: (\d+)"))
WEIGHTS_PATTERN = re.compile(r"Load weight end\..*?mem usage=([\d.]+) GB")
MILESTONES = ("Load weight end", "KV Cache is allocated", "Capture cuda graph begin", "Capture cuda graph end",
              "max_total_num_tokens", "The server is fired up")
QWEN_AWQ_CONFIG = {"bits": 4, "group_size": 128, "modules_to_not_convert": ["visual"], "quant_method": "awq",
                   "version": "gemm", "zero_point": True}


def model_folder(base: Path, entry: str) -> Path:
    """The folder for a catalog entry: the base folder itself for 7B, else a sibling with the entry's config."""
    if entry == "7B":
        return base
    spec = CATALOG[entry]
    folder = base.parent / f"model-{entry.lower()}"
    folder.mkdir(exist_ok=True)
    for item in base.iterdir():
        target = folder / item.name
        if item.name != "config.json" and not target.exists():
            target.symlink_to(item.resolve())
    config = json.loads((base / "config.json").read_text())
    config.update(hidden_size=spec.hidden, intermediate_size=spec.intermediate, num_hidden_layers=spec.layers,
                  max_window_layers=spec.layers, num_attention_heads=spec.heads, num_key_value_heads=spec.kv_heads,
                  vocab_size=spec.vocab, tie_word_embeddings=spec.tied_embeddings)
    config["vision_config"].update(intermediate_size=spec.vision.intermediate, out_hidden_size=spec.hidden)
    if spec.quantization is not None:
        config["quantization_config"] = QWEN_AWQ_CONFIG
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return folder


def engine_args(dummy_flags: str, kv_cache_dtype: str) -> str:
    """The bundle's flags; with an FP8 KV cache, flashinfer instead of triton attention."""
    if kv_cache_dtype == "auto":
        return dummy_flags
    return re.sub(r"--attention-backend\s+triton\b", "--attention-backend flashinfer", dummy_flags)


def log_figures(log_path: str, started: float) -> dict:
    """SGLang's own KV token count and weight memory from the engine log, and when its milestones were written."""
    try:
        text = Path(log_path).read_text(errors="replace")
    except OSError as error:
        return {"log_error": str(error)}
    kv = next((int(found[-1]) for pattern in KV_PATTERNS if (found := pattern.findall(text))), None)
    weights = WEIGHTS_PATTERN.findall(text)
    lines = [line.strip()[:200] for line in text.splitlines() if any(mark in line for mark in MILESTONES)]
    jit = [line.strip()[:200] for line in text.splitlines() if re.search(r"(?i)\bjit\b|nvcc|compil", line)]
    return {"sglang_kv_tokens": kv, "sglang_weights_gb": float(weights[-1]) if weights else None,
            "milestones": lines[-12:], "jit_lines": jit[-6:], "log_age_s": round(time.time() - started, 1)}


def run_one(name: str, base: Path, dummy_flags: str, hardware: str, timeout_s: float, runs_dir: Path,
            standin: bool = False) -> dict:
    """Plan, launch, wait, request, compare, stop; returns the summary record."""
    entry, quantization, kv_cache_dtype, stream = RUNS[name]
    folder = model_folder(base, entry)
    plan = make_plan(PlanRequest(model=str(folder), hardware=hardware, gpus="1", quantization=quantization,
                                 kv_cache_dtype=kv_cache_dtype, engine_args=engine_args(dummy_flags, kv_cache_dtype),
                                 api_key="k" + secrets.token_hex(16)))
    planned = plan.memory.kv_capacity_tokens if plan.memory else None
    emit("plan", run=name, fits=plan.fits, refusal=plan.refusal, argv=" ".join(plan.argv), tp=plan.tp,
         context_length=plan.context_length, planned_kv_tokens=planned,
         planned_weights_gib=round(plan.memory.weights_bytes / 2**30, 3) if plan.memory else None,
         mem_fraction_static=round(plan.memory.reserve.fraction, 5) if plan.memory else None)
    summary: dict = {"run": name, "fits": plan.fits, "planned_kv_tokens": planned}
    if not plan.fits:
        return summary
    if standin:
        from standin import standin_plan

        plan = standin_plan(plan, load_seconds=2)
    supervisor = Supervisor(runs_dir / name, SupervisorSettings(ready_timeout_s=timeout_s + 60))
    started = time.time()
    try:
        ready_s = follow_launch(supervisor, plan, timeout_s, name)
        summary["ready"] = ready_s is not None
        summary["launch_to_ready_s"] = round(ready_s, 1) if ready_s is not None else None
        status = supervisor.status()
        summary["phases"] = {mark.phase.value: round(mark.elapsed_s, 1) for mark in status.phase_marks}
        if ready_s is not None and stream:
            try:
                summary["image_request"] = image_request(supervisor)
            except Exception as error:  # noqa: BLE001 - report and go on to the comparison
                summary["image_request"] = {"error": repr(error)[:500]}
        figures = log_figures(status.log_path, started)
        summary.update(figures)
        measured = figures.get("sglang_kv_tokens")
        if measured and planned:
            summary["kv_ratio_planned_to_sglang"] = round(planned / measured, 5)
            summary["kv_within_1_percent"] = abs(planned - measured) <= 0.01 * measured
        if ready_s is None:
            summary["log_tail"] = list(status.log_tail[-15:])
    finally:
        stopped = supervisor.stop()
        supervisor.close()
        summary["stop"] = {"message": stopped.message, "gpu_release": stopped.gpu_release}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(RUNS), help=f"comma-separated runs (default all: {','.join(RUNS)})")
    parser.add_argument("--model-dir", default=os.environ.get("QWEN_MODEL_DIR", ""),
                        help="the 7B config-only folder (default: $QWEN_MODEL_DIR)")
    parser.add_argument("--extra-args", default=os.environ.get("SGLANG_DUMMY_FLAGS", "").replace("--grammar-backend none", ""),
                        help="engine flags (default: $SGLANG_DUMMY_FLAGS)")
    parser.add_argument("--hardware", default="auto")
    parser.add_argument("--timeout", type=float, default=480.0, help="seconds to wait for each run's ready")
    parser.add_argument("--budget", type=float, default=570.0,
                        help="seconds for the whole command; a run gets at most what is left minus 40 s to stop")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs/quant-check"))
    parser.add_argument("--standin", action="store_true",
                        help="rehearse on a CPU host: the stand-in engine instead of SGLang (its KV count is fixed)")
    args = parser.parse_args(argv)
    names = [name.strip().lower() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in RUNS]
    if unknown or not args.model_dir:
        parser.error(f"unknown runs {unknown} (use {', '.join(RUNS)})" if unknown else "no --model-dir / $QWEN_MODEL_DIR")
    deadline = time.monotonic() + args.budget
    results = []
    for name in names:
        left = deadline - time.monotonic() - 40
        if left < 60:
            emit("skipped", run=name, reason=f"only {left:.0f} s of the budget left")
            continue
        summary = run_one(name, Path(args.model_dir), args.extra_args, args.hardware, min(args.timeout, left),
                          args.runs_dir, args.standin)
        emit("result", **summary)
        results.append(summary)
    emit("gpu_after", **nvidia_smi())
    emit("summary", runs=[{key: item.get(key) for key in ("run", "ready", "launch_to_ready_s", "planned_kv_tokens",
                                                          "sglang_kv_tokens", "kv_ratio_planned_to_sglang",
                                                          "sglang_weights_gb")} for item in results])
    return 0 if results and all(item.get("ready") for item in results) else 1


if __name__ == "__main__":
    sys.exit(main())
