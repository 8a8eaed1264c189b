"""Reading SGLang's output: following its log file, phases with percentages and failure causes; helpers for ports and
records."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.engine.log_file import LogFollower
from backend.engine.log_patterns import PhaseTracker, classify_failure, parse_phase_line
from backend.engine.records import without_secrets
from backend.engine.status import Phase
from backend.plans.commands import argv_with_port

# Lines as sglang 0.5.16 / 0.5.23 print them (logger prefix "[time TP0] "), tqdm bars without their "\r".
SGLANG_START = [
    "[2026-01-05 10:00:01] server_args=ServerArgs(model_path='/root/stage/model-7b', port=30000)",
    "[2026-01-05 10:00:09 TP0] Load weight begin. avail mem=78.52 GB",
    "Loading safetensors checkpoint shards:   0% Completed | 0/5 [00:00<?, ?it/s]",
    "Loading safetensors checkpoint shards:  40% Completed | 2/5 [00:01<00:01, 1.90it/s]",
    "Loading safetensors checkpoint shards: 100% Completed | 5/5 [00:02<00:00, 2.01it/s]",
    "[2026-01-05 10:00:12 TP0] Load weight end. type=Qwen2_5_VLForConditionalGeneration, dtype=torch.bfloat16, "
    "avail mem=62.71 GB, mem usage=15.81 GB.",
    "[2026-01-05 10:00:12 TP0] KV Cache is allocated. dtype: torch.bfloat16, #tokens: 1012345, K size: 27.03 GB, "
    "V size: 27.03 GB",
    "[2026-01-05 10:00:12 TP0] Memory pool end. avail mem=7.60 GB",
    "[2026-01-05 10:00:13 TP0] Capture decode CUDA graph begin. backend=triton, num_tokens_per_req=1, avail mem=7.1 GB",
    "Capturing batches (bs=160 avail_mem=6.95 GB):  50%|█████     | 18/36 [00:02<00:02,  8.10it/s]",
    "[2026-01-05 10:00:20 TP0] Capture decode CUDA graph end. bs=[1, 2, 4], elapsed=6.1 s, mem usage=0.4 GB.",
    "INFO:     Uvicorn running on http://127.0.0.1:30000 (Press CTRL+C to quit)",
    "[2026-01-05 10:00:24] The server is fired up and ready to roll!",
]


def test_a_real_start_log_walks_the_phases_in_order() -> None:
    tracker = PhaseTracker()
    seen = [update.phase for line in SGLANG_START if (update := tracker.feed(line)) is not None]
    assert list(dict.fromkeys(seen)) == [Phase.LOADING_WEIGHTS, Phase.KV_CACHE, Phase.CUDA_GRAPHS, Phase.WARMING_UP]


def test_checkpoint_shard_percentage_becomes_progress() -> None:
    update = parse_phase_line(SGLANG_START[3])
    assert update is not None and update.phase == Phase.LOADING_WEIGHTS and update.fraction == 0.4


def test_cuda_graph_capture_bar_becomes_progress() -> None:
    update = parse_phase_line(SGLANG_START[9])
    assert update is not None and update.phase == Phase.CUDA_GRAPHS and update.fraction == 0.5


def test_the_older_capture_line_is_recognised() -> None:
    update = parse_phase_line("[2025-03-01 10:00:13 TP0] Capture cuda graph begin. This can take up to several min.")
    assert update is not None and update.phase == Phase.CUDA_GRAPHS


def test_phases_never_move_backwards() -> None:
    tracker = PhaseTracker()
    tracker.feed(SGLANG_START[7])  # memory pool end
    assert tracker.feed(SGLANG_START[3]) is None  # a late shard line from another rank
    assert tracker.phase == Phase.KV_CACHE


def test_progress_grows_through_the_start() -> None:
    tracker = PhaseTracker()
    progress = []
    for line in SGLANG_START:
        tracker.feed(line)
        progress.append(tracker.progress)
    assert progress == sorted(progress) and 0 < progress[-1] < 1


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.", "oom"),
        ("RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.", "oom"),
        ("ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 30000): address already in use",
         "port_in_use"),
        ("RuntimeError: No CUDA GPUs are available", "no_gpu"),
        ("launch_server.py: error: unrecognized arguments: --bogus-flag", "invalid_argument"),
        ("huggingface_hub.errors.GatedRepoError: 401 Client Error.", "model_gated"),
        ("OSError: We couldn't connect to 'https://huggingface.co' to load the files", "no_network"),
        ("OSError: Qwen/Nope is not a local folder and is not a valid model identifier listed on the Hub",
         "model_not_found"),
        ("ModuleNotFoundError: No module named 'vllm'", "engine_not_installed"),
    ],
)
def test_failure_lines_are_classified(line: str, kind: str) -> None:
    cause = classify_failure(["[..] Load weight begin. avail mem=78.52 GB", line, "exit"], 1)
    assert cause.kind == kind
    assert cause.evidence == line and cause.summary and cause.suggestion


def test_an_unknown_failure_shows_the_last_lines() -> None:
    cause = classify_failure(["step one", "step two", "Segmentation fault"], -signal.SIGSEGV)
    assert cause.kind == "unknown"
    assert "SIGSEGV" in cause.summary and cause.evidence.endswith("Segmentation fault")


def test_a_crash_while_serving_says_so() -> None:
    cause = classify_failure(["Prefill batch ..."], -signal.SIGKILL, while_serving=True)
    assert cause.kind == "crashed" and "killed by SIGKILL" in cause.summary


def test_api_keys_do_not_stop_two_commands_comparing_equal() -> None:
    first = ("python", "-m", "sglang.launch_server", "--api-key", "aaa", "--port", "1")
    second = ("python", "-m", "sglang.launch_server", "--api-key", "bbb", "--port", "1")
    assert without_secrets(first) == without_secrets(second)
    assert without_secrets(("x", "--api-key=abc")) == ("x", "--api-key=***")


def test_the_port_flag_is_rewritten_or_added() -> None:
    assert argv_with_port(("s", "--port", "1", "--host", "h"), 2) == ("s", "--port", "2", "--host", "h")
    assert argv_with_port(("s", "--port=1"), 2) == ("s", "--port=2")
    assert argv_with_port(("s",), 2) == ("s", "--port", "2")


def _eventually(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


def test_the_follower_hands_over_lines_as_they_land_and_stops_once_the_writer_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    path.write_bytes(b"# header\n")
    lines: list[bytes] = []
    writer_gone = threading.Event()
    follower = LogFollower(path, path.stat().st_size, lines.append, writer_gone.is_set, name="follow-test")
    follower.start()
    with path.open("ab", buffering=0) as engine:
        engine.write(b"first\nshards: 10%\rshards: 50%\r")
        assert _eventually(lambda: lines == [b"first", b"shards: 10%", b"shards: 50%"]), lines
        engine.write(b"last, unfinished")
    writer_gone.set()
    follower.join(5.0)
    assert lines[-1] == b"last, unfinished"
    assert "follow-test" not in {thread.name for thread in threading.enumerate()}


def test_a_stopped_follower_ends_while_the_writer_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    path.write_bytes(b"")
    follower = LogFollower(path, 0, lambda raw: None, lambda: False, name="follow-stop-test")
    follower.start()
    follower.stop()
    follower.join(5.0)
    assert "follow-stop-test" not in {thread.name for thread in threading.enumerate()}
