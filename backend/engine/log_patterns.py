"""Reading an engine's output: loading phases with percentages, and failures in plain words.

The patterns are SGLang's own log lines (sglang/srt: model_runner "Load weight begin/end", the tqdm bar
"Loading safetensors checkpoint shards:  40% Completed | 2/5", memory_pool "KV Cache is allocated",
kv_cache_configurator "Memory pool end", cuda_graph_setup "Capture decode CUDA graph begin/end" and
"Capturing batches (bs=.. avail_mem=..):  50%", http_server "The server is fired up and ready to roll!"),
uvicorn's start-up lines, huggingface_hub's download bars, and the errors torch, argparse, uvicorn and
huggingface_hub print when a start fails. vLLM's own lines and errors are in vllm_log.py; both engines' rules
are in the two registries below.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from backend.engine import vllm_log
from backend.engine.status import LOADING_ORDER, PHASE_START_FRACTION, FailureCause, FailureKind, Phase


@dataclass(frozen=True)
class _PhaseRule:
    """A log pattern that moves the engine into a phase (group 1, when present, is a percentage)."""

    phase: Phase
    pattern: re.Pattern[str]
    fixed_fraction: float | None = None  # fraction within the phase when the line carries no percentage
    after_kv_sized: bool = False  # counts only once the KV cache phase is complete


def _rule(phase: Phase, regex: str, fraction: float | None = None) -> _PhaseRule:
    return _PhaseRule(phase, re.compile(regex, re.IGNORECASE), fraction, regex == vllm_log.CAPTURE_BARS)


PHASE_RULES: tuple[_PhaseRule, ...] = (
    _rule(Phase.DOWNLOADING, r"Fetching \d+ files:\s+(\d+)%"),
    _rule(Phase.DOWNLOADING, r"\.safetensors:\s+(\d+)%\|"),
    _rule(Phase.LOADING_WEIGHTS, r"Load weight begin", 0.0),
    _rule(Phase.LOADING_WEIGHTS, r"Loading (?:safetensors|pt|np_cache) checkpoint shards:\s+(\d+)%"),
    _rule(Phase.LOADING_WEIGHTS, r"Multi-thread loading pt checkpoint shards:\s+(\d+)%"),
    _rule(Phase.LOADING_WEIGHTS, r"Load weight end", 1.0),
    _rule(Phase.KV_CACHE, r"KV Cache (?:is allocated|VA upper bound)", 0.5),
    _rule(Phase.KV_CACHE, r"Memory pool end", 1.0),
    _rule(Phase.CUDA_GRAPHS, r"Capture .*graph begin", 0.0),
    _rule(Phase.CUDA_GRAPHS, r"Capturing batches \(.*?\):\s+(\d+)%"),
    _rule(Phase.CUDA_GRAPHS, r"Capture .*graph end", 1.0),
    _rule(Phase.WARMING_UP, r"Uvicorn running on|Application startup complete", 0.1),
    _rule(Phase.WARMING_UP, r"The server is fired up and ready to roll", 0.5),
    *(_rule(phase, regex, fraction) for phase, regex, fraction in vllm_log.VLLM_PHASES),
)

KV_TOKEN_PATTERNS = (re.compile(r"KV Cache is allocated\..*?#tokens: (\d+)"), re.compile(r"max_total_num_tokens=(\d+)"),
                     re.compile(vllm_log.VLLM_KV_TOKENS))


def kv_cache_tokens(lines: Iterable[str]) -> int | None:
    """The KV-cache size in tokens the engine reported last (SGLang's or vLLM's line), or None."""
    found = None
    for line in lines:
        for pattern in KV_TOKEN_PATTERNS:
            if match := pattern.search(line):
                found = int(match.group(1).replace(",", ""))
    return found


@dataclass(frozen=True)
class PhaseUpdate:
    """The phase a log line reveals, and how far into it (0..1)."""

    phase: Phase
    fraction: float
    line: str
    after_kv_sized: bool = False  # see _PhaseRule


def parse_phase_line(line: str) -> PhaseUpdate | None:
    """The phase a single log line reveals, or None for an ordinary line."""
    for rule in PHASE_RULES:
        match = rule.pattern.search(line)
        if match is None:
            continue
        if rule.fixed_fraction is not None:
            fraction = rule.fixed_fraction
        else:
            fraction = min(1.0, int(match.group(1)) / 100.0)
        return PhaseUpdate(rule.phase, fraction, line.strip(), rule.after_kv_sized)
    return None


def overall_progress(phase: Phase, fraction: float) -> float:
    """Position on the whole start-up bar (0..1) for a phase and the fraction done within it."""
    if phase not in PHASE_START_FRACTION:
        return 0.0
    start = PHASE_START_FRACTION[phase]
    position = LOADING_ORDER.index(phase)
    end = PHASE_START_FRACTION[LOADING_ORDER[position + 1]] if position + 1 < len(LOADING_ORDER) else 1.0
    return round(start + (end - start) * max(0.0, min(1.0, fraction)), 4)


class PhaseTracker:
    """Follows log lines and keeps the furthest phase reached (phases only move forward)."""

    def __init__(self) -> None:
        self.phase: Phase = Phase.STARTING
        self.fraction: float = 0.0

    def feed(self, line: str) -> PhaseUpdate | None:
        """Apply one log line; return the update when the phase or its percentage moved forward."""
        update = parse_phase_line(line)
        if update is None or (update.after_kv_sized and not self._kv_sized):
            return None
        return self.advance(update.phase, update.fraction, update.line)

    @property
    def _kv_sized(self) -> bool:
        kv_cache = LOADING_ORDER.index(Phase.KV_CACHE)
        position = LOADING_ORDER.index(self.phase)
        return position > kv_cache or (position == kv_cache and self.fraction >= 1.0)

    def advance(self, phase: Phase, fraction: float, line: str = "") -> PhaseUpdate | None:
        """Move to a phase (and fraction) if that is forward of where we are."""
        current, target = LOADING_ORDER.index(self.phase), LOADING_ORDER.index(phase)
        if target < current or (target == current and fraction <= self.fraction):
            return None
        self.phase, self.fraction = phase, fraction
        return PhaseUpdate(phase, fraction, line)

    @property
    def progress(self) -> float:
        """Position on the whole start-up bar (0..1)."""
        return overall_progress(self.phase, self.fraction)


@dataclass(frozen=True)
class _FailureRule:
    """A log pattern that names why an engine failed."""

    kind: FailureKind
    pattern: re.Pattern[str]
    summary: str
    suggestion: str | Callable[[dict[str, str | None]], str]  # a function of the pattern's named groups

    def cause(self, match: re.Match[str], line: str) -> FailureCause:
        suggestion = self.suggestion if isinstance(self.suggestion, str) else self.suggestion(match.groupdict())
        return FailureCause(self.kind, self.summary, suggestion, line.strip()[:500])


def _failure(kind: FailureKind, regex: str, summary: str, suggestion: object) -> _FailureRule:
    return _FailureRule(kind, re.compile(regex, re.IGNORECASE), summary, suggestion)  # type: ignore[arg-type]


# Checked in this order: the first rule whose pattern appears anywhere in the tail wins. vLLM's own rules come
# first and its config-error rule last, for vLLM plans only (SGLang's logs can hold the same words).
VLLM_FIRST: tuple[_FailureRule, ...] = tuple(_failure(*rule) for rule in vllm_log.VLLM_FAILURES)
VLLM_CONFIG_ERROR = _failure(*vllm_log.VLLM_CONFIG_ERROR)
FAILURE_RULES: tuple[_FailureRule, ...] = (
    _failure(
        FailureKind.ENGINE_NOT_INSTALLED,
        r"No module named '?(?:sglang|vllm)\b",
        "The engine is not installed in this Python environment.",
        "Install it (pip install sglang / pip install vllm) or pick the other engine.",
    ),
    _failure(
        FailureKind.INVALID_ARGUMENT,
        r"error: (?:unrecognized arguments|argument |the following arguments are required)|invalid choice:",
        "The engine rejected a launch argument.",
        "Check the extra arguments; the line below says which one is wrong.",
    ),
    _failure(
        FailureKind.PORT_IN_USE,
        r"address already in use|Errno 98|Port is already in use|is not available in \d+ seconds",
        "The port is already taken by another program.",
        "Pick another port (the supervisor retries once on a free port by itself).",
    ),
    _failure(
        FailureKind.NO_GPU,
        r"No CUDA GPUs are available|Found no NVIDIA driver|no CUDA-capable device|CUDA driver initialization "
        r"failed|No HIP GPUs are available|hipErrorNoDevice|NVIDIA driver on your system is too old",
        "No usable GPU is visible to the engine.",
        "Check CUDA_VISIBLE_DEVICES / HIP_VISIBLE_DEVICES, the driver (nvidia-smi / rocm-smi) and the plan's "
        "GPU ids.",
    ),
    _failure(
        FailureKind.OOM,
        r"CUDA out of memory|OutOfMemoryError|HIP out of memory|Not enough memory\. Please try to increase "
        r"--mem-fraction-static|out of memory",
        "The GPU ran out of memory.",
        "Try the next smaller plan: a smaller model, more GPUs (tensor parallel), a shorter context length, "
        "or a lower memory share (--mem-fraction-static / --gpu-memory-utilization); free GPU memory held by other "
        "programs.",
    ),
    _failure(
        FailureKind.MODEL_GATED,
        r"GatedRepoError|Cannot access gated repo|Access to model .* is restricted|gated repo|401 Client Error",
        "The model is gated on the Hugging Face Hub and this machine has no access to it.",
        "Accept the model's licence on the Hub and set HF_TOKEN, or point the plan at a local copy.",
    ),
    _failure(
        FailureKind.NO_NETWORK,
        r"LocalEntryNotFoundError|couldn't connect to 'https://huggingface\.co'|Max retries exceeded with url|"
        r"Temporary failure in name resolution|Network is unreachable|"
        r"outgoing traffic has been disabled|Failed to resolve",
        "The model is not on this machine and it could not be downloaded (no network).",
        "Download the model beforehand (huggingface-cli download) or give a local model folder.",
    ),
    _failure(
        FailureKind.MODEL_NOT_FOUND,
        r"RepositoryNotFoundError|Repository Not Found|is not a local folder and is not a valid model identifier|"
        r"404 Client Error|does not appear to have a file named config\.json|Can't load the configuration of|"
        r"No such file or directory: .*config\.json",
        "The model was not found (wrong Hugging Face id or local path).",
        "Check the model id or folder; a local folder needs config.json and the weights.",
    ),
)
_ENGINE_INIT_FAILED = re.compile(vllm_log.ENGINE_INIT_FAILED)
_EXCEPTION_LINE = re.compile(vllm_log.EXCEPTION_LINE)


def describe_exit_code(exit_code: int | None) -> str:
    """Plain words for a process exit status (negative means killed by a signal)."""
    if exit_code is None:
        return "still running"
    if exit_code < 0:
        try:
            return f"killed by {signal.Signals(-exit_code).name}"
        except ValueError:
            return f"killed by signal {-exit_code}"
    return f"exit code {exit_code}"


def last_lines(lines: Iterable[str], count: int = 5) -> str:
    """The last non-empty lines, joined for display."""
    kept = [line.rstrip() for line in lines if line.strip()]
    return "\n".join(kept[-count:])


def classify_failure(
    lines: Sequence[str], exit_code: int | None, *, while_serving: bool = False, engine: str = "sglang"
) -> FailureCause:
    """Name the cause of a failed start or a crash of `engine` ("sglang" or "vllm") from the log tail and the exit
    status."""
    rules = FAILURE_RULES
    if engine == "vllm":
        rules = (*VLLM_FIRST, *FAILURE_RULES, *(() if while_serving else (VLLM_CONFIG_ERROR,)))
    for rule in rules:
        for line in lines:
            if match := rule.pattern.search(line):
                return rule.cause(match, line)
    if engine == "vllm" and (engine_core := _engine_core_failure(lines)) is not None:
        return engine_core
    how = describe_exit_code(exit_code)
    if while_serving:
        return FailureCause(
            FailureKind.CRASHED,
            f"The engine stopped while serving ({how}).",
            "Relaunch it; if it happens again, look at the log for the request that triggered it.",
            last_lines(lines),
        )
    if exit_code == -signal.SIGKILL:
        return FailureCause(
            FailureKind.UNKNOWN,
            f"The engine was {how} (the host may have run out of RAM, or something killed it).",
            "Check host memory (dmesg) and relaunch.",
            last_lines(lines),
        )
    return FailureCause(
        FailureKind.UNKNOWN,
        f"The engine stopped while starting ({how}).",
        "Read the last log lines below.",
        last_lines(lines),
    )


def _engine_core_failure(lines: Sequence[str]) -> FailureCause | None:
    """vLLM's "Engine core initialization failed. See root cause above": the last exception line above it (the
    engine core's own "EngineCore failed to start." comes before its traceback, so the tail's end is searched)."""
    marks = [index for index, line in enumerate(lines) if _ENGINE_INIT_FAILED.search(line)]
    if not marks:
        return None
    generic = [index for index in marks if "initialization failed" in lines[index]]
    end = generic[-1] if generic else len(lines)
    root = next((line for line in reversed(lines[:end]) if _EXCEPTION_LINE.search(line)
                 and not _ENGINE_INIT_FAILED.search(line)), lines[marks[-1]])
    return FailureCause(
        FailureKind.ENGINE_INIT_FAILED,
        "vLLM's engine core failed while starting.",
        "The line below is the root cause vLLM reported; the log above it holds the whole traceback.",
        root.strip()[:500],
    )
