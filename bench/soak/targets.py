"""What the soak runs against and watches: an app URL (or the app plus a stand-in engine started here), the app
process's memory and file descriptors, and the files in its temporary folders."""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

from backend.endpoint import Endpoint
from backend.plans.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
STANDIN_MODEL = "Qwen/Qwen2.5-VL-7B-Instruct"


@dataclass(frozen=True)
class ResourceSample:
    """The app process at one moment: resident memory, open descriptors, files in its temp folders."""

    at_s: float
    rss_bytes: int | None
    fds: int | None
    temp_files: int


@dataclass
class SoakTarget:
    """The app under test: its URL, its process when it runs on this host, and the folders its files go to."""

    url: str
    app_pid: int | None
    temp_dirs: tuple[Path, ...]
    note: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    scratch: Path | None = None  # removed on close (--standin)
    engine: Endpoint | None = None  # the stand-in engine behind the app, when started here

    def sample(self, at_s: float) -> ResourceSample:
        """Measure the app now (None where the process cannot be read)."""
        rss = fds = None
        if self.app_pid is not None:
            try:
                process = psutil.Process(self.app_pid)
                rss, fds = process.memory_info().rss, process.num_fds()
            except psutil.Error:
                pass
        return ResourceSample(at_s, rss, fds, sum(count_files(folder) for folder in self.temp_dirs))

    def close(self, keep_logs: Path | None = None) -> None:
        """Stop what was started here (app first, then the engine) and remove the scratch folder, after copying
        its logs (the app's and the engines') into keep_logs when given."""
        stop_processes(self.processes, 30.0)
        if self.scratch is not None:
            if keep_logs is not None:
                keep_logs.mkdir(parents=True, exist_ok=True)
                for log in self.scratch.rglob("*.log"):
                    shutil.copy2(log, keep_logs / log.name)
            shutil.rmtree(self.scratch, ignore_errors=True)


def stop_processes(processes: list[subprocess.Popen[bytes]], grace_s: float = 20.0) -> None:
    """Terminate each process in the order given, killing one that outlives grace_s."""
    for process in processes:
        process.terminate()
        try:
            process.wait(grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def count_files(folder: Path) -> int:
    """Regular files under folder (0 when it does not exist)."""
    total = 0
    for _root, _dirs, files in os.walk(folder):
        total += len(files)
    return total


def wait_http(url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Block until url answers 200 (RuntimeError after timeout_s, or when process exits first)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[1:3]} exited with {process.returncode} before serving {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout_s:.0f} s")


def app_listening_on(url: str) -> int | None:
    """The pid of the process listening on url's port on this host, if any can be seen."""
    port = urlsplit(url).port or 80
    try:
        for conn in psutil.net_connections("tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return conn.pid
    except psutil.AccessDenied:
        return None
    return None


def app_temp_dirs(pid: int | None) -> tuple[Path, ...]:
    """Gradio's upload cache and the app's work folders, from the app process's environment when readable."""
    environ: dict[str, str] = {}
    if pid is not None:
        try:
            environ = psutil.Process(pid).environ()
        except psutil.Error:
            environ = {}
    tmp = Path(environ.get("TMPDIR") or tempfile.gettempdir())
    gradio = Path(environ.get("GRADIO_TEMP_DIR") or tmp / "gradio")
    return (gradio, *sorted(tmp.glob("qwen-vl-studio-*")))


def attach(url: str) -> SoakTarget:
    """An app someone else started; its process is measured when it listens on this host."""
    pid = app_listening_on(url)
    note = "" if pid is not None else "the app's process is not on this host (or not visible): RSS/fds not measured"
    return SoakTarget(url.rstrip("/") + "/", pid, app_temp_dirs(pid), note)


def start_with_standin(tpot_ms: float, ttft_ms: float = 0.0, script: Path | None = None) -> SoakTarget:
    """Start the stand-in engine (answering from script, when given) and `python app.py --endpoint` against it,
    each in a private scratch folder; the target's engine says where the stand-in listens."""
    scratch = Path(tempfile.mkdtemp(prefix="qwen-vl-soak-"))
    engine_port, app_port, key = free_port(), free_port(), "sk-" + secrets.token_hex(16)
    (scratch / "tmp").mkdir()
    answers = ["--script", str(script)] if script else []
    engine = subprocess.Popen(
        [sys.executable, "-m", "standin", "--port", str(engine_port), "--api-key", key, "--load-seconds", "0.2",
         "--tpot-ms", str(tpot_ms), "--ttft-ms", str(ttft_ms), "--context-length", "32768", "--enable-metrics",
         "--served-model-name", STANDIN_MODEL, *answers],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = SoakTarget(f"http://127.0.0.1:{app_port}/", None, (scratch / "gradio", scratch / "tmp"),
                        processes=[engine], scratch=scratch,
                        engine=Endpoint(f"http://127.0.0.1:{engine_port}", key, STANDIN_MODEL))
    try:
        wait_http(f"http://127.0.0.1:{engine_port}/health", 60, engine)
        app = spawn_app(["--endpoint", f"http://127.0.0.1:{engine_port}", "--api-key", key, "--served-model-name",
                         STANDIN_MODEL], app_port, scratch,
                        extra_env={"PUBLIC_DEMO": "", "AUTO_LAUNCH": "", "MAX_FILE_SIZE": ""})
        target.processes.insert(0, app)
        target.app_pid = app.pid
        wait_http(target.url, 120, app)
    except BaseException:
        target.close()
        raise
    return target


def start_app(app_args: str, timeout_s: float = 900.0) -> SoakTarget:
    """Start `python app.py APP_ARGS` here (e.g. `--model DIR --engine-args "..." --launch` on a GPU host) and wait
    until its /status says the engine is ready; closing the target stops the app, which stops its engine."""
    scratch = Path(tempfile.mkdtemp(prefix="qwen-vl-soak-"))
    (scratch / "tmp").mkdir()
    app_port = free_port()
    app = spawn_app(shlex.split(app_args), app_port, scratch)
    target = SoakTarget(f"http://127.0.0.1:{app_port}/", app.pid, (scratch / "gradio", scratch / "tmp"),
                        processes=[app], scratch=scratch)
    try:
        wait_http(target.url, 120, app)
        wait_engine_ready(target.url, time.monotonic() + timeout_s, app)
    except BaseException:
        target.close()
        raise
    return target


def spawn_app(app_args: list[str], port: int, scratch: Path, log_name: str = "app",
              extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`python app.py APP_ARGS` on port, its runs folder, caches and temp files in scratch (scratch/tmp must exist),
    its output in scratch/LOG_NAME.log."""
    env = {**os.environ, "TMPDIR": str(scratch / "tmp"), "GRADIO_TEMP_DIR": str(scratch / "gradio"),
           "QWEN_STUDIO_CACHE": str(scratch / "cache"), "GRADIO_ANALYTICS_ENABLED": "False", **(extra_env or {})}
    with (scratch / f"{log_name}.log").open("wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen([sys.executable, "app.py", *app_args, "--server-port", str(port),
                                 "--runs-dir", str(scratch / "runs")], cwd=REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def wait_engine_ready(url: str, deadline: float, app: subprocess.Popen[bytes]) -> None:
    """Poll the app's /status API until the engine is ready (RuntimeError when it fails or time runs out)."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    last = ""
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise RuntimeError(f"app.py exited with {app.returncode} before the engine was ready")
        status = client.predict(api_name="/status")
        if status["ready"]:
            print(f"engine ready: {status['model']} ({status['message']})", file=sys.stderr, flush=True)
            return
        if status["phase"] == "failed":
            raise RuntimeError(f"the engine failed to start: {status['message']} {status['log_tail'][-5:]}")
        if status["phase"] != last:
            last = status["phase"]
            print(f"engine: {last}", file=sys.stderr, flush=True)
        time.sleep(2.0)
    raise RuntimeError("the engine was not ready in time")
