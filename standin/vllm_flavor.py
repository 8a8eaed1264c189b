"""The stand-in as vLLM 0.34's `vllm serve` (--flavor vllm): what differs from SGLang at the HTTP boundary, and its
start: the port is bound first and listened on only once the engine is up, as vLLM does.

From vllm 0.34.0's source:
- errors: entrypoints/serve/engine/protocol.py ErrorResponse {"error": {message, type, param, code}}, built by
  entrypoints/serve/exception_handling/error_response.py (VLLMValidationError -> 400 BadRequestError, with param);
- models: ModelCard (owned_by "vllm", root = the model path, max_model_len, one ModelPermission);
- chunks: DeltaMessage has `reasoning` (not SGLang's reasoning_content); fields left unset are not sent;
- usage: UsageInfo {prompt_tokens, total_tokens, completion_tokens, completion_tokens_details}, the None ones
  left out of a stream's usage chunk; prompt_tokens_details.multimodal_tokens only with
  --enable-prompt-tokens-details (chat_completion/serving.py:96);
- /metrics: v1/metrics/loggers.py names (vllm:num_requests_running ...), labels model_name and engine;
- media: multimodal/media/connector.py (file:// only under --allowed-local-media-path; http, data or file URLs);
  multimodal/processing/context.py ("At most 5 image(s) may be provided in one prompt.");
- too long: v1/engine/input_processor.py "The decoder prompt (length N) is longer than the maximum model length".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socketserver
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from standin.http_api import RequestError, StandinHandler, StandinState
from standin.media import MediaItem
from standin.vllm_boot import VLLM_VERSION, api_server_lines, argument_error, port_error, run_vllm_boot

# Routes only SGLang has: vLLM answers them 404.
QWEN_LOADER_FPS, QWEN_LOADER_MAX_FPS, QWEN_LOADER_MAX_FRAMES = 2.0, 30.0, 768
SGLANG_ONLY = ("/model_info", "/get_model_info", "/get_server_info", "/health_generate", "/flush_cache",
               "/server_info")
MM_SUGGESTION = ("Make sure that `max_model_len` is no smaller than the number of text tokens plus multimodal tokens. "
                 "For image inputs, the number of image tokens depends on the number of images, and possibly their "
                 "aspect ratios as well.")


def add_vllm_flags(parser: argparse.ArgumentParser) -> None:
    """The `vllm serve` flags the app's plans pass (backend/plans/commands.py vllm_argv, model_flags)."""
    parser.add_argument("--tensor-parallel-size", "-tp", type=int, default=1)
    parser.add_argument("--data-parallel-size", "-dp", type=int, default=1)
    parser.add_argument("--gpu-memory-utilization", type=float, default=0.9)
    parser.add_argument("--limit-mm-per-prompt", type=json.loads, default=None, help='JSON: {"image": 5, "video": 5}')
    parser.add_argument("--allowed-local-media-path", default="")
    parser.add_argument("--tool-call-parser", default=None)
    parser.add_argument("--enable-auto-tool-choice", action="store_true")
    parser.add_argument("--enable-expert-parallel", action="store_true")
    parser.add_argument("--enable-prompt-tokens-details", action="store_true",
                        help="usage.prompt_tokens_details.multimodal_tokens: image/video tokens of the prompt")
    for flag in ("--quantization", "--kv-cache-dtype", "--dtype", "--load-format", "--structured-outputs-config"):
        parser.add_argument(flag, default=None)


class VllmHandler(StandinHandler):
    """SGLang's stand-in routes with vLLM's bodies, metrics and refusals."""

    def version_string(self) -> str:
        return "uvicorn"

    @staticmethod
    def error_body(status: int, message: str, err_type: str) -> dict:
        return {"error": {"message": message, "type": err_type, "param": None, "code": status}}

    @staticmethod
    def stream_error_event(body: dict) -> dict:
        """vLLM streams its ErrorResponse as it is: {"error": {...}} (create_streaming_error_response)."""
        return body

    @staticmethod
    def chunk(chunk_id: str, created: int, model: str, *, role: str | None = None, content: str | None = None,
              finish_reason: str | None = None, matched_stop: int | None = None, reasoning: str | None = None) -> dict:
        fields = {"role": role, "content": content, "reasoning": reasoning}
        delta = {name: value for name, value in fields.items() if value is not None}
        choice: dict = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        if finish_reason is not None:
            choice["stop_reason"] = None
        return {"id": f"chatcmpl-{chunk_id}", "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [choice]}

    def usage(self, prompt: int, completion: int, media: list[MediaItem]) -> dict:
        usage: dict = {"prompt_tokens": prompt, "total_tokens": prompt + completion, "completion_tokens": completion,
                       "completion_tokens_details": None}
        counts = {kind: sum(item.tokens for item in media if item.kind == kind) for kind in ("image", "video")}
        if self.server.prompt_tokens_details and any(counts.values()):  # type: ignore[attr-defined]
            multimodal = {kind: tokens for kind, tokens in counts.items() if tokens}
            usage["prompt_tokens_details"] = {"cached_tokens": 0, "created_cache_tokens": None,
                                              "multimodal_tokens": multimodal}
        return usage

    def stream_usage(self, prompt: int, completion: int, media: list[MediaItem]) -> dict:
        """The usage chunk is dumped with exclude_none (openai/chat_completion/serving.py:500)."""
        usage = self.usage(prompt, completion, media)
        details = usage.get("prompt_tokens_details")
        if details:
            usage["prompt_tokens_details"] = {name: value for name, value in details.items() if value is not None}
        return {name: value for name, value in usage.items() if value is not None}

    def message(self, reasoning: str | None, text: str) -> dict:
        return {"role": "assistant", "content": text, "reasoning": reasoning, "tool_calls": []}

    def check_media(self, kind: str, index: int, url: str) -> None:
        limit = (self.server.mm_limits or {}).get(kind)  # type: ignore[attr-defined]
        if limit is not None and index >= limit:
            raise RequestError(400, f"At most {limit} {kind}(s) may be provided in one prompt.", "BadRequestError")
        if url[:5].lower() == "data:" or urlparse(url).scheme.startswith("http"):
            return
        if urlparse(url).scheme != "file":
            raise RequestError(400, "The URL must be either a HTTP, data or file URL.", "BadRequestError")
        allowed = self.server.allowed_local_media_path  # type: ignore[attr-defined]
        if allowed is None:
            raise RequestError(400, "Cannot load local files without `--allowed-local-media-path`.",
                               "BadRequestError")
        path = Path(unquote(urlparse(url).netloc + urlparse(url).path))
        if allowed not in path.resolve().parents:
            raise RequestError(400, f"The file path {path} must be a subpath of `--allowed-local-media-path "
                                    f"{allowed}`.", "BadRequestError")

    def video_sampling(self, request: dict) -> Callable[[int, float], int]:
        """vLLM 0.34's Qwen2-VL loader (vllm/multimodal/video.py Qwen2VLVideoBackend): total / fps x the asked
        rate (2 by default, media_io_kwargs' fps up to 30), between 4 and 768 frames, even; num_frames is ignored."""
        asked = ((request.get("media_io_kwargs") or {}).get("video") or {})
        rate = min(float(asked.get("fps", QWEN_LOADER_FPS)), QWEN_LOADER_MAX_FPS)

        def frames_for(total: int, video_fps: float) -> int:
            most = math.floor(min(QWEN_LOADER_MAX_FRAMES, total) / 2) * 2
            wanted = min(max(total / video_fps * rate, 4), most, total)
            return max(2, math.floor(wanted / 2) * 2)
        return frames_for

    def too_long(self, prompt: int) -> RequestError:
        return RequestError(400, f"The decoder prompt (length {prompt}) is longer than the maximum model length of "
                                 f"{self.state.context_length}. {MM_SUGGESTION}", "BadRequestError")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        state = self.state
        if path in SGLANG_ONLY:
            return self._send_json(404, {"detail": "Not Found"})
        if path == "/version":
            return self._send_json(200, {"version": VLLM_VERSION})
        if path == "/metrics":
            return self._send_vllm_metrics()
        if path == "/v1/models":
            if not self._authorized():
                return None
            permission = {"id": f"modelperm-{uuid.uuid4().hex}", "object": "model_permission",
                          "created": int(time.time()), "allow_create_engine": False, "allow_sampling": True,
                          "allow_logprobs": True, "allow_search_indices": False, "allow_view": True,
                          "allow_fine_tuning": False, "organization": "*", "group": None, "is_blocking": False}
            card = {"id": state.served_model_name, "object": "model", "created": int(time.time()),
                    "owned_by": "vllm", "root": state.model, "parent": None, "max_model_len": state.context_length,
                    "permission": [permission]}
            return self._send_json(200, {"object": "list", "data": [card]})
        return super().do_GET()

    def _send_vllm_metrics(self) -> None:
        state = self.state
        labels = f'model_name="{state.served_model_name}",engine="0"'
        with state.lock:
            active = state.counts["active"]
            rows = [("vllm:num_requests_running", "gauge", "", active),
                    ("vllm:num_requests_waiting", "gauge", "", 0),
                    # a rough figure: each running request holds 1% of the pool
                    ("vllm:kv_cache_usage_perc", "gauge", "", min(1.0, active / 100)),
                    ("vllm:prompt_tokens", "counter", "", state.prompt_tokens_total),
                    ("vllm:generation_tokens", "counter", "", state.generation_tokens_total),
                    # vLLM 0.26.0 counts no client abort here (OutputProcessor.abort_requests records no stats)
                    ("vllm:request_success", "counter", ',finished_reason="stop"', state.counts["completed"])]
        text = "".join(
            f"# HELP {name} {name}\n# TYPE {name} {kind}\n"
            f"{name}{'_total' if kind == 'counter' else ''}{{{labels}{extra}}} {float(value)}\n"
            for name, kind, extra, value in rows
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain; version=1.0.0; charset=utf-8")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)


class VllmHTTPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Bound at start, listening only once the engine is ready (launcher.py:373: vLLM binds before the engine
    starts; uvicorn listens after it): until then a connection is refused, and a second server cannot bind."""

    request_queue_size = 2048
    allow_reuse_address = True
    daemon_threads = True


def non_default_args(args: argparse.Namespace) -> dict[str, object]:
    """What vLLM's "non-default args:" line shows (the API key redacted, as entrypoints/common/startup.py does)."""
    shown = {"model_tag": args.model_path, "model": args.model_path, "host": args.host, "port": args.port,
             "api_key": "***" if args.api_key else None, "max_model_len": args.context_length,
             "served_model_name": [args.served_model_name] if args.served_model_name else None,
             "tensor_parallel_size": args.tensor_parallel_size, "limit_mm_per_prompt": args.limit_mm_per_prompt,
             "reasoning_parser": args.reasoning_parser, "allowed_local_media_path": args.allowed_local_media_path}
    return {name: value for name, value in shown.items() if value not in (None, "", 1)}


def serve_vllm(args: argparse.Namespace, unknown: list[str], state: StandinState) -> int:
    """Print vLLM's start-up, bind, serve once ready; an exit status when the start fails."""
    if unknown:
        lines, status = argument_error(f"unrecognized arguments: {' '.join(unknown)}")
        print("\n".join(lines), flush=True)
        return status
    allowed = Path(args.allowed_local_media_path).resolve() if args.allowed_local_media_path else None
    if allowed is not None and not allowed.is_dir():  # multimodal/media/connector.py:193
        print(f"(APIServer pid={os.getpid()}) ValueError: Invalid `--allowed-local-media-path`: The path {allowed} "
              f"{'must be a directory' if allowed.exists() else 'does not exist'}.", flush=True)
        return 1
    if args.fail_at_start == "argument":
        lines, status = argument_error("argument --tensor-parallel-size/-tp: invalid int value: 'two'")
        print("\n".join(lines), flush=True)
        return status
    try:
        if args.fail_at_start == "port":
            raise OSError(98, "Address already in use")
        server = VllmHTTPServer((args.host, args.port), VllmHandler, bind_and_activate=False)
        server.server_bind()
    except OSError as error:
        print("\n".join(port_error(args.host, args.port, error.errno or 98)), flush=True)
        return 1
    server.state = state  # type: ignore[attr-defined]
    server.mm_limits = args.limit_mm_per_prompt  # type: ignore[attr-defined]
    server.allowed_local_media_path = allowed  # type: ignore[attr-defined]
    server.prompt_tokens_details = args.enable_prompt_tokens_details  # type: ignore[attr-defined]
    status = run_vllm_boot(args.load_seconds, args.model_path, state.served_model_name, args.host, args.port,
                           args.context_length, args.gpu_memory_utilization, args.data_parallel_size,
                           non_default_args(args), args.fail_at_start, state.ready.set)
    if status is not None:
        server.server_close()
        return status
    server.server_activate()
    threading.Thread(target=server.serve_forever, name="standin-http", daemon=True).start()
    api_server_lines(args.host, args.port)
    threading.Event().wait()
    return 0
