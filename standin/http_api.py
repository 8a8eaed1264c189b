"""The stand-in engine's HTTP side: SGLang's routes, chunk format, error bodies and status codes."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from standin.answers import (
    EOS_TOKEN_ID,
    Answer,
    ScriptEntry,
    choose_answer,
    last_user_text,
    prompt_tokens,
    reasoning_for,
    thinks,
    with_reasoning,
)
from standin.media import ImageGrid, MediaItem, MediaLoadError, grid_for_model, load_image, load_video
from standin.schema_answer import schema_of
from standin.sglang_wire import error_body, sse, stream_chunk, usage_info

NO_GRAMMAR = ("Grammar-based generation (json_schema, regex, ebnf, structural_tag) is not supported when the server "
              "is launched with --grammar-backend none")

CRASH_WORD = "__crash__"
# streams an error event whose message is empty before any text, as vLLM 0.26.0 does when its engine raises while
# generating (EngineGenerateError carries no message: serve/utils/error_response.py makes it InternalServerError, 500)
ENGINE_ERROR_WORD = "__engine_error__"
CRASH_AFTER_PIECES = 3


@dataclass
class StandinState:
    """Settings and counters shared by the request threads."""

    model: str
    served_model_name: str
    api_key: str | None
    context_length: int
    enable_metrics: bool
    tpot_s: float
    ttft_s: float
    script: tuple[ScriptEntry, ...]
    compat: str
    grammar_backend: str = "xgrammar"
    reasoning_parser: str | None = None  # "qwen3": a thinking model's reasoning goes in reasoning_content
    ready: threading.Event = field(default_factory=threading.Event)  # /health says 200
    serving: threading.Event = field(default_factory=threading.Event)  # requests answered (SGLang: before /health)
    chat_before_ready: bool = True  # chat requests answered between serving and ready (as SGLang does)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: dict[str, int] = field(
        default_factory=lambda: {"requests": 0, "aborted": 0, "completed": 0, "active": 0, "errors": 0,
                                 "peak_active": 0,  # the most requests in flight at once
                                 "before_ready": 0}  # chat requests taken while /health still said 503
    )
    prompt_tokens_total: int = 0
    generation_tokens_total: int = 0
    last_images: list[list[int]] = field(default_factory=list)  # (w, h) of each image the last request carried
    # what each recent request carried, oldest first: [[kind, format, w, h], ...] per request
    recent_media: deque[list[list]] = field(default_factory=lambda: deque(maxlen=64))
    last_system: str = ""  # the last request's system message
    last_response_format: dict | None = None  # the last request's response_format (None: free text)
    # each video the last request carried: {"frames": sampled, "duration_s", "size": [w, h] of the file}
    last_videos: list[dict] = field(default_factory=list)

    @property
    def grid(self) -> ImageGrid:
        """How the served model cuts images (Qwen3-VL names get Qwen3-VL's grid and 0..1000 answers)."""
        return grid_for_model(self.served_model_name)

    @property
    def accepting(self) -> bool:
        """Whether requests other than /health are answered yet."""
        return self.serving.is_set() or self.ready.is_set()

    def bump(self, **changes: int) -> None:
        """Add to the counters."""
        with self.lock:
            for name, delta in changes.items():
                self.counts[name] += delta
            self.counts["peak_active"] = max(self.counts["peak_active"], self.counts["active"])


class RequestError(Exception):
    """A request SGLang would refuse: HTTP status and the ErrorResponse fields."""

    def __init__(self, status: int, message: str, err_type: str) -> None:
        super().__init__(message)
        self.status, self.message, self.err_type = status, message, err_type


class StandinHandler(BaseHTTPRequestHandler):
    """Routes: /health, /health_generate, /v1/models, /metrics, /model_info, /v1/chat/completions, /standin/stats."""

    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "uvicorn"

    @property
    def state(self) -> StandinState:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        try:
            sys.stdout.write(f'INFO:     {self.client_address[0]}:{self.client_address[1]} - "{self.requestline}" '
                             f"{args[1] if len(args) > 1 else ''}\n")
            sys.stdout.flush()
        except OSError:
            pass  # the app reading our output was killed: like SGLang's logging, keep serving without a log

    # What the vLLM flavour (standin/vllm_flavor.py) answers differently: error body, chunk, message, usage, URLs.
    error_body = staticmethod(error_body)
    chunk = staticmethod(stream_chunk)
    usage = stream_usage = staticmethod(usage_info)

    def message(self, reasoning: str | None, text: str) -> dict:
        return {"role": "assistant", "content": text, "reasoning_content": reasoning}

    def check_media(self, kind: str, index: int, url: str) -> None:
        """Refuse a media URL before it is read (SGLang reads any)."""

    def too_long(self, prompt: int) -> RequestError:
        return RequestError(400, f"The input ({prompt} tokens) is longer than the model's context length "
                                 f"({self.state.context_length} tokens).", "BadRequestError")

    def _send_json(self, status: int, payload: object) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_empty(self, status: int) -> None:
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def _authorized(self) -> bool:
        key = self.state.api_key
        if not key or self.headers.get("Authorization", "") == f"Bearer {key}":
            return True
        self._send_json(401, {"error": "Unauthorized"})
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        state = self.state
        if path == "/standin/stats":
            with state.lock:
                return self._send_json(200, {**state.counts, "last_images": state.last_images,
                                             "recent_media": list(state.recent_media),
                                             "last_system": state.last_system,
                                             "last_response_format": state.last_response_format,
                                             "last_videos": state.last_videos})
        if path in ("/health", "/health_generate"):
            return self._send_empty(200 if state.ready.is_set() else 503)
        if path == "/metrics":
            if not state.enable_metrics:
                return self._send_json(404, {"detail": "Not Found"})
            return self._send_metrics()
        if not state.accepting:  # SGLang's HTTP server is not up yet
            return self._send_empty(503)
        if not self._authorized():
            return None
        if path == "/v1/models":
            card = {"id": state.served_model_name, "object": "model", "created": int(time.time()), "owned_by": "sglang",
                    "root": state.served_model_name, "parent": None, "max_model_len": state.context_length}
            return self._send_json(200, {"object": "list", "data": [card]})
        if path == "/model_info":
            return self._send_json(200, {"model_path": state.model, "tokenizer_path": state.model,
                                         "is_generation": True, "preferred_sampling_params": None,
                                         "weight_version": "default", "has_image_understanding": True,
                                         "has_audio_understanding": False, "model_type": "qwen2_5_vl",
                                         "architectures": ["Qwen2_5_VLForConditionalGeneration"]})
        return self._send_json(404, {"detail": "Not Found"})

    def _send_metrics(self) -> None:
        state = self.state
        label = f'{{model_name="{state.served_model_name}"}}'
        with state.lock:
            rows = [("sglang:num_running_reqs", "gauge", state.counts["active"]),
                    ("sglang:num_queue_reqs", "gauge", 0),
                    ("sglang:num_requests_total", "counter", state.counts["requests"]),
                    ("sglang:num_aborted_requests_total", "counter", state.counts["aborted"]),
                    ("sglang:prompt_tokens_total", "counter", state.prompt_tokens_total),
                    ("sglang:generation_tokens_total", "counter", state.generation_tokens_total)]
        text = "".join(f"# TYPE {name} {kind}\n{name}{label} {float(value)}\n" for name, kind, value in rows).encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if path != "/v1/chat/completions":
            return self._send_json(404, {"detail": "Not Found"})
        if not self.state.accepting or not (self.state.chat_before_ready or self.state.ready.is_set()):
            return self._send_empty(503)
        if not self._authorized():
            return None
        self.state.bump(requests=1, before_ready=0 if self.state.ready.is_set() else 1)
        try:
            request = self._parse(body)
            media = self._load_media(request["messages"], self.video_sampling(request))
            prompt = prompt_tokens(request["messages"], media)
            if prompt >= self.state.context_length:
                raise self.too_long(prompt)
        except RequestError as error:
            self.state.bump(errors=1)
            return self._send_json(error.status, self.error_body(error.status, error.message, error.err_type))
        schema = schema_of(request)
        with self.state.lock:
            self.state.last_response_format = request.get("response_format")
        if schema is not None and self.state.grammar_backend == "none":
            # the scheduler aborts the request (400); a stream gets it as an error chunk after its headers
            self.state.bump(errors=1)
            if request.get("stream"):
                return self._stream_error(self.error_body(400, NO_GRAMMAR, "BadRequestError"))
            return self._send_json(400, self.error_body(400, NO_GRAMMAR, "BadRequestError"))
        if request.get("stream") and ENGINE_ERROR_WORD in last_user_text(request["messages"]):
            self.state.bump(errors=1)
            return self._stream_error(self.error_body(500, "", "InternalServerError"))
        max_tokens = request.get("max_completion_tokens") or request.get("max_tokens")
        answer = choose_answer(request["messages"], media, self.state.script, max_tokens, self.state.grid.relative,
                               schema)
        if thinks(self.state.served_model_name):
            answer = with_reasoning(answer, reasoning_for(request["messages"], media), max_tokens)
        crash = CRASH_WORD in last_user_text(request["messages"])
        with self.state.lock:
            self.state.prompt_tokens_total += prompt
        if request.get("stream"):
            return self._stream(request, answer, prompt, media, crash)
        return self._complete(request, answer, prompt, media, crash)

    def _parse(self, body: bytes) -> dict:
        try:
            request = json.loads(body)
        except ValueError as error:
            raise RequestError(400, f"JSON decode error: {error}", "Bad Request") from error
        if not isinstance(request, dict) or not isinstance(request.get("messages"), list) or "model" not in request:
            raise RequestError(400, "1 validation error for ChatCompletionRequest: messages/model: Field required",
                               "Bad Request")
        return request

    def video_sampling(self, request: dict) -> Callable[[int, float], int] | None:
        """How this engine picks a video's frames for this request (None: SGLang's 2 fps rule)."""
        return None

    def _load_media(self, messages: list[dict], frames_for: Callable[[int, float], int] | None = None
                    ) -> list[MediaItem]:
        media: list[MediaItem] = []
        counts = {"image": 0, "video": 0}
        for message in messages:
            parts = message.get("content") if isinstance(message.get("content"), list) else []
            for part in parts:
                kind = {"image_url": "image", "video_url": "video"}.get(part.get("type", ""))
                if kind is None:
                    continue
                url = str((part.get(part["type"]) or {}).get("url", ""))
                self.check_media(kind, counts[kind], url)
                try:
                    media.append(load_image(url, self.state.grid) if kind == "image" else load_video(url, frames_for))
                except MediaLoadError as error:
                    raise self._media_error(kind, counts[kind], error) from error
                counts[kind] += 1
        system = next((m.get("content") for m in messages if m.get("role") == "system"), "")
        with self.state.lock:  # what the last request sent, for tests that check the frame the app chose
            self.state.last_images = [list(item.original_size) for item in media if item.kind == "image"]
            self.state.recent_media.append([[item.kind, item.format, *item.original_size] for item in media])
            self.state.last_system = system if isinstance(system, str) else ""
            self.state.last_videos = [{"frames": item.frames, "duration_s": round(item.duration_s, 3),
                                       "size": list(item.original_size)} for item in media if item.kind == "video"]
        return media

    def _media_error(self, kind: str, index: int, error: Exception) -> RequestError:
        message = f"An exception occurred while loading {kind.upper()} data at index {index}: {error}"
        if self.state.compat == "0.5.16":  # a RuntimeError there, turned into a 500 by serving_base
            return RequestError(500, f"Internal server error: {message}", "InternalServerError")
        return RequestError(400, message, "BadRequestError")

    def _complete(self, request: dict, answer: Answer, prompt: int, media: list[MediaItem], crash: bool) -> None:
        state = self.state
        state.bump(active=1)
        if crash:
            _crash()
        time.sleep(state.ttft_s + state.tpot_s * len(answer.pieces))
        completion = len(answer.pieces) + (1 if answer.finish_reason == "stop" else 0)
        matched = EOS_TOKEN_ID if answer.finish_reason == "stop" else None
        reasoning, text = self._parsed(answer)
        choice = {"index": 0, "message": self.message(reasoning, text),
                  "logprobs": None, "finish_reason": answer.finish_reason, "matched_stop": matched}
        payload = {"id": uuid.uuid4().hex, "object": "chat.completion", "created": int(time.time()),
                   "model": request["model"], "choices": [choice], "usage": self.usage(prompt, completion, media),
                   "metadata": None}
        with state.lock:
            state.generation_tokens_total += completion
        state.bump(active=-1, completed=1)
        self._send_json(200, payload)

    def _parsed(self, answer: Answer) -> tuple[str | None, str]:
        """(reasoning_content, content) of a whole answer: apart under a reasoning parser, else all in the text."""
        if self.state.reasoning_parser is None or not answer.reasoning_pieces:
            return None, answer.text
        pieces = answer.pieces
        return "".join(pieces[:answer.reasoning_pieces]), "".join(pieces[answer.reasoning_pieces + 1:])

    def _stream(self, request: dict, answer: Answer, prompt: int, media: list[MediaItem], crash: bool) -> None:
        state = self.state
        chunk_id, created, model = uuid.uuid4().hex, int(time.time()), request["model"]
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        state.bump(active=1)
        sent = 0
        try:
            time.sleep(state.ttft_s)
            self._write(sse(self.chunk(chunk_id, created, model, role="assistant", content="")))
            parsed = state.reasoning_parser is not None and answer.reasoning_pieces
            for index, piece in enumerate(answer.pieces):
                if crash and sent >= CRASH_AFTER_PIECES:
                    _crash()
                time.sleep(state.tpot_s)
                if not parsed or index > answer.reasoning_pieces:
                    self._write(sse(self.chunk(chunk_id, created, model, content=piece)))
                elif index < answer.reasoning_pieces:  # the parser's reasoning delta; </think> itself sends nothing
                    self._write(sse(self.chunk(chunk_id, created, model, reasoning=piece)))
                sent += 1
            completion = sent + (1 if answer.finish_reason == "stop" else 0)
            matched = EOS_TOKEN_ID if answer.finish_reason == "stop" else None
            self._write(sse(self.chunk(chunk_id, created, model, finish_reason=answer.finish_reason,
                                         matched_stop=matched)))
            if include_usage:
                usage = self.stream_usage(prompt, completion, media)
                self._write(sse({"id": chunk_id, "object": "chat.completion.chunk", "created": created,
                                 "model": model, "choices": [], "usage": usage}))
            self._write(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client went away: SGLang aborts the request (tokenizer_manager create_abort_task).
            with state.lock:
                state.generation_tokens_total += sent
            state.bump(active=-1, aborted=1)
            self.close_connection = True
            return
        with state.lock:
            state.generation_tokens_total += completion
        state.bump(active=-1, completed=1)

    def _stream_error(self, body: dict) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self._write(sse(self.stream_error_event(body)))
        self._write(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    @staticmethod
    def stream_error_event(body: dict) -> dict:
        """The event a stream that fails after its headers sends: SGLang wraps its ErrorResponse in "error"."""
        return {"error": body}

    def _write(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _crash() -> None:
    sys.stderr.write("Stand-in: crashing on request (__crash__ in the prompt)\n")
    sys.stderr.flush()
    os._exit(3)
