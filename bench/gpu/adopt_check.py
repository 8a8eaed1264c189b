"""GPU check: the app is SIGKILLed while its engine serves; a restarted app adopts that engine and shows its new log.

    python -m bench.gpu.adopt_check --app-args "--model DIR --engine-args '...' --launch" [--out adopt.jsonl]

Starts `python app.py APP_ARGS`, waits for the engine, kills the app with SIGKILL (its engine keeps running and
keeps writing into its own log file), starts the app again with the same arguments, and checks: the engine was
adopted (same pid, mode "adopted", one engine), a chat through the new app is answered, the engine's new lines
reach the new app's log tail and the log file, and /stop leaves no GPU process. One JSON line per step.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.gpu.supervisor_check import emit, nvidia_smi
from bench.soak.targets import free_port, spawn_app, wait_engine_ready, wait_http


def start_app(app_args: str, port: int, scratch: Path, name: str) -> subprocess.Popen[bytes]:
    """app.py with app_args on port, sharing scratch (runs folder, temp files) with the other run."""
    (scratch / "tmp").mkdir(exist_ok=True)
    return spawn_app(shlex.split(app_args), port, scratch, log_name=name)


def main(argv: list[str] | None = None) -> int:
    """Run the steps; exit 0 when every check held."""
    parser = argparse.ArgumentParser(prog="python -m bench.gpu.adopt_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-args", required=True, help="app.py arguments that launch an engine (with --launch)")
    parser.add_argument("--keep-logs", type=Path, default=None, help="copy the app and engine logs here")
    args = parser.parse_args(argv)
    from gradio_client import Client

    scratch = Path(tempfile.mkdtemp(prefix="adopt-check-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    checks: dict[str, bool] = {}
    first = start_app(args.app_args, port, scratch, "app-first")
    wait_http(url, 120, first)
    began = time.monotonic()
    wait_engine_ready(url, time.monotonic() + 480, first)
    before = Client(url, verbose=False).predict(api_name="/status")
    engine_pid = before["pid"]
    emit("first_app_ready", seconds=round(time.monotonic() - began, 1), pid=engine_pid, mode=before["mode"])
    log_file = next((scratch / "runs" / "logs").glob("engine-*.log"))
    size_at_kill = log_file.stat().st_size

    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(2.0)
    checks["engine_survives_app_kill"] = psutil.pid_exists(engine_pid)
    emit("app_killed", engine_alive=checks["engine_survives_app_kill"])

    began = time.monotonic()
    second = start_app(args.app_args, port, scratch, "app-second")
    try:
        wait_http(url, 120, second)
        wait_engine_ready(url, time.monotonic() + 300, second)
        client = Client(url, verbose=False)
        after = client.predict(api_name="/status")
        checks["adopted_same_engine"] = after["mode"] == "adopted" and after["pid"] == engine_pid
        engines = [proc for proc in psutil.process_iter(["cmdline"])
                   if "sglang.launch_server" in " ".join(proc.info["cmdline"] or [])]
        checks["one_engine"] = len(engines) == 1
        emit("second_app_ready", seconds=round(time.monotonic() - began, 1), mode=after["mode"], pid=after["pid"],
             engines=len(engines))
        answer = client.predict("Say hello.", [], [], 32, api_name="/chat")
        checks["chat_answered"] = bool(answer)
        time.sleep(2.0)
        tail = client.predict(api_name="/status")["log_tail"]
        marker = next((i for i, line in enumerate(tail) if line.startswith("(adopted engine")), None)
        checks["new_lines_in_log_tail"] = marker is not None and len(tail) > marker + 1
        checks["log_file_grew_after_kill"] = log_file.stat().st_size > size_at_kill
        emit("after_chat", answer_chars=len(answer or ""), tail_after_adoption=tail[(marker or 0):][:6],
             log_bytes_at_kill=size_at_kill, log_bytes_now=log_file.stat().st_size)
        stopped = client.predict(api_name="/stop")
        time.sleep(3.0)
        smi = nvidia_smi()
        checks["gpu_free_after_stop"] = not smi["compute_apps"].strip() and not psutil.pid_exists(engine_pid)
        emit("stopped", phase=stopped["phase"], message=stopped["message"], **smi)
    finally:
        second.terminate()
        second.wait(60)
        if args.keep_logs is not None:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for log in scratch.rglob("*.log"):
                (args.keep_logs / log.name).write_bytes(log.read_bytes())
    emit("result", ok=all(checks.values()), **checks)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
