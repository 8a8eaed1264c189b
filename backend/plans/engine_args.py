"""Extra engine flags passed through a plan (`--engine-args "--load-format dummy ..."`): parsed and validated."""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
from dataclasses import dataclass

from backend.plans.errors import PlanInputError


class EngineArgsError(PlanInputError):
    """Extra engine flags that cannot be used (user-facing message)."""


# Flags the plan itself sets from its own options; passing them again would contradict the arithmetic.
OWNED_FLAGS: dict[str, str] = {
    "--model-path": "--model", "--model": "--model", "--tp-size": "--tp or --gpus", "--tp": "--tp or --gpus",
    "--tensor-parallel-size": "--tp or --gpus", "--dp-size": "--gpus", "--dp": "--gpus",
    "--data-parallel-size": "--gpus", "--port": "--port", "--host": "--host", "--api-key": "--api-key",
    "--served-model-name": "--served-model-name", "--context-length": "--context-length",
    "--max-model-len": "--context-length", "--nnodes": "--nodes", "--node-rank": "--nodes",
    "--dist-init-addr": "--dist-init-addr", "--base-gpu-id": "--gpus",
    "--quantization": "--quantization (fp8) or an -AWQ model", "--kv-cache-dtype": "--kv-cache-dtype",
}
# The plan's KV-cache dtypes and the bytes per K/V element they store (sglang sizes a pool cell by the dtype's
# element size; FP8 keeps no per-token scales). Both SGLang and vLLM accept these names. Formats with block
# scales (mxfp8, nvfp4, fp4_*) are not planned.
KV_DTYPE_BYTES = {"auto": 2, "fp8_e4m3": 1}


@dataclass(frozen=True)
class EngineArgs:
    """Validated extra flags, plus the values among them that change the memory arithmetic."""

    tokens: tuple[str, ...] = ()
    mem_fraction_static: float | None = None
    gpu_memory_utilization: float | None = None
    chunked_prefill_size: int | None = None
    cuda_graph_max_bs: int | None = None
    kv_dtype_bytes: int = 2  # set by the plan's kv_cache_dtype option
    fp8_weights: bool = False  # set by the plan's quantization option

    def value_of(self, flag: str) -> str | None:
        """The value given for flag (`--flag v` or `--flag=v`), the last one winning."""
        found = None
        for index, token in enumerate(self.tokens):
            if token == flag and index + 1 < len(self.tokens):
                found = self.tokens[index + 1]
            elif token.startswith(flag + "="):
                found = token.split("=", 1)[1]
        return found


def _number(args: EngineArgs, flag: str, kind: type, low: float, high: float) -> float | int | None:
    text = args.value_of(flag)
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError as error:
        raise EngineArgsError(f"{flag} {text!r} is not a number") from error
    if not low < value <= high:
        raise EngineArgsError(f"{flag} {text} is out of range ({low}, {high}]")
    return value


def parse_engine_args(text: str) -> EngineArgs:
    """Split and check the extra flags: shell syntax, flags first, no plan-owned flag, no sdpa vision attention."""
    try:
        tokens = tuple(shlex.split(text or ""))
    except ValueError as error:
        raise EngineArgsError(f"--engine-args cannot be split like a shell line: {error}") from error
    if tokens and not tokens[0].startswith("--"):
        raise EngineArgsError(f"--engine-args must start with a flag (--name), not {tokens[0]!r}")
    for token in tokens:
        flag = token.split("=", 1)[0]
        if flag in OWNED_FLAGS:
            raise EngineArgsError(f"{flag} is set by the plan; use the app's {OWNED_FLAGS[flag]} option instead")
    args = EngineArgs(tokens)
    if args.value_of("--grammar-backend") == "none":
        raise EngineArgsError(
            "--grammar-backend none leaves the engine unable to hold answers to a JSON Schema, which the Extract "
            "tab and batch extraction need; leave the grammar backend to SGLang (xgrammar)")
    if args.value_of("--mm-attention-backend") == "sdpa":
        raise EngineArgsError(
            "--mm-attention-backend sdpa builds a dense mask over every image of a batch (on an H100, 16 "
            "concurrent 720p image requests waited 12-16 s for a first token instead of 1.7 s with triton_attn); "
            "use triton_attn, fa3 (Hopper) or leave SGLang's default"
        )
    return EngineArgs(
        tokens=tokens,
        mem_fraction_static=_number(args, "--mem-fraction-static", float, 0.0, 1.0),
        gpu_memory_utilization=_number(args, "--gpu-memory-utilization", float, 0.0, 1.0),
        chunked_prefill_size=_number(args, "--chunked-prefill-size", int, 0, 1 << 20),
        cuda_graph_max_bs=_number(args, "--cuda-graph-max-bs", int, 0, 1 << 14),
    )


def check_with_installed_sglang(server_argv: list[str]) -> str | None:
    """Parse server flags with the installed sglang's own argument parser.

    Returns None when they parse, the parser's complaint when they do not; raises ImportError without sglang.
    Only the argparse layer runs (no model, no GPU): `ServerArgs.add_cli_args` as `prepare_server_args` uses it.
    """
    from sglang.srt.server_args import ServerArgs

    parser = argparse.ArgumentParser(prog="sglang serve", exit_on_error=False)
    ServerArgs.add_cli_args(parser)
    complaint = io.StringIO()
    try:
        with contextlib.redirect_stderr(complaint):
            parser.parse_args(server_argv)
    except (argparse.ArgumentError, SystemExit) as error:
        message = complaint.getvalue().strip().splitlines()
        return message[-1] if message else str(error)
    return None
