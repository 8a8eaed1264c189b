"""Failures of a chat request, turned into plain messages a user can act on."""

from __future__ import annotations

import re

import httpx
import openai

from backend.chat.conversation import BuiltRequest

_INPUT_TOO_LONG = re.compile(r"input \((\d+) tokens\) is longer than the model's context length \((\d+) tokens\)")
_TOTAL_TOO_LONG = re.compile(
    r"maximum context length of (\d+) tokens\. You requested a total of (\d+) tokens: (\d+) tokens from the "
    r"input messages and (\d+) tokens for the completion"
)
# vLLM 0.34.0 (vllm/renderers/params.py, vllm/v1/engine/input_processor.py); it clamps max_tokens to what is left
_VLLM_PROMPT_TOO_LONG = re.compile(
    r"maximum context length is (\d+) tokens\. However, your prompt contains (?:at least )?(\d+) input tokens")
_VLLM_OVER_MODEL_LENGTH = re.compile(r"prompt \(length (\d+)\)(?: plus the number of requested output tokens "
                                     r"\(at least 1\))? is longer than the maximum model length of (\d+)")
_MEDIA_FAILURE = re.compile(
    r"loading (IMAGE|VIDEO) data at index (\d+)|could not decode (image|video)|aspect ratio|loading multimodal",
    re.IGNORECASE,
)


class ChatError(Exception):
    """A request that failed; str(error) is the message to show."""


class ServerNotReady(ChatError):
    """No server, or it is still loading."""


class ContextTooLong(ChatError):
    """The conversation no longer fits the model's context."""


class BadMedia(ChatError):
    """The server could not use an image or video."""


class ConnectionLost(ChatError):
    """The connection dropped in the middle of an answer."""


class RequestFailed(ChatError):
    """Any other refusal by the server."""


class SchemaNotServed(ChatError):
    """The server cannot hold an answer to this JSON Schema: no grammar backend, or one that cannot compile it."""


def schema_failure(message: str) -> SchemaNotServed | None:
    """The plain message for a server that cannot constrain decoding to a schema (SGLang's and vLLM's words)."""
    if "grammar-backend none" in message or "grammar_backend='none'" in message:
        return SchemaNotServed(
            "This server was started without a grammar backend (--grammar-backend none), so it cannot hold an "
            "answer to a JSON Schema. Relaunch it from this app (its plans keep SGLang's xgrammar) or without that "
            "flag, then extract again.")
    if re.search(r"Failed to compile \w+ grammar|not supported by xgrammar|Invalid JSON schema", message):
        return SchemaNotServed(f"The engine could not turn this schema into a grammar ({message.strip()[:300]}). "
                               "Simplify the schema (drop patterns, formats or deep nesting), then extract again.")
    return None


def server_message(error: openai.APIStatusError) -> str:
    """The message field of an SGLang/OpenAI error body, else the SDK's text."""
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        for key in ("message", "detail", "error"):
            if isinstance(inner.get(key), str) and inner[key]:
                return inner[key]
    return error.message


def explain(error: Exception, base_url: str, request: BuiltRequest | None) -> ChatError:
    """The ChatError for an exception raised before the first chunk arrived."""
    if isinstance(error, ChatError):
        return error
    if isinstance(error, openai.APITimeoutError):
        return RequestFailed("The server did not answer in time. It may be overloaded; try again.")
    if isinstance(error, (openai.APIConnectionError, httpx.ConnectError)):
        where = f" at {base_url}" if base_url else ""
        return ServerNotReady(f"The model server{where} is not answering. Start it, or wait until it is "
                              "ready, then send again.")
    if not isinstance(error, openai.APIStatusError):
        return RequestFailed(f"The request failed: {error}")
    message = server_message(error)
    if error.status_code == 503:
        return ServerNotReady("The model server is still loading. Wait until it is ready, then send again.")
    if error.status_code == 401:
        return RequestFailed("The server refused the API key.")
    if "context length" in message or _VLLM_OVER_MODEL_LENGTH.search(message):
        return context_too_long(message, request)
    if refusal := schema_failure(message):
        return refusal
    if _MEDIA_FAILURE.search(message):
        return bad_media(message)
    return RequestFailed(f"The server refused the request (HTTP {error.status_code}): {message}")


def context_too_long(message: str, request: BuiltRequest | None) -> ContextTooLong:
    """Say how far over the limit the request is and what to remove."""
    advice = ["clear the chat to start fresh"]
    lines = []
    if match := _TOTAL_TOO_LONG.search(message):
        limit, total, prompt, completion = (int(group) for group in match.groups())
        lines.append(f"This request needs {prompt} prompt tokens plus {completion} for the answer, over the "
                     f"model's context of {limit} tokens.")
        advice.insert(0, "lower Max tokens")
    elif match := _INPUT_TOO_LONG.search(message) or _VLLM_OVER_MODEL_LENGTH.search(message):
        prompt, limit = (int(group) for group in match.groups())
        lines.append(f"This conversation is {prompt} tokens long, over the model's context of {limit} tokens.")
    elif match := _VLLM_PROMPT_TOO_LONG.search(message):
        limit, prompt = (int(group) for group in match.groups())
        lines.append(f"This conversation is {prompt} tokens long, over the model's context of {limit} tokens.")
    else:
        lines.append("This conversation is longer than the model's context.")
    if request is not None and request.vision_tokens:
        biggest = ", ".join(f"{name}: {tokens} tokens" for name, tokens in request.biggest_media())
        lines.append(f"Images and videos take {request.vision_tokens} of them ({biggest}).")
        advice.insert(0, "remove an image or the video (or send a shorter clip)")
    lines.append("To fit: " + ", or ".join(advice) + ".")
    return ContextTooLong(" ".join(lines))


def bad_media(message: str) -> BadMedia:
    """Which media item the server could not use, and why."""
    match = re.search(r"loading (IMAGE|VIDEO) data at index (\d+): (.*)", message, re.DOTALL)
    if match:
        kind, index, why = match.group(1).lower(), int(match.group(2)) + 1, match.group(3).strip()
        return BadMedia(f"The server could not use {kind} {index} of this request: {why}. Remove or replace it.")
    return BadMedia(f"The server could not use an image or video in this request: {message}. Remove or replace it.")


# What the openai SDK says when a server's error event carries no message (vLLM 0.26.0 sends an empty one when its
# engine raises while generating): the cause is then only in the server's log.
SDK_UNDESCRIBED_STREAM_ERROR = "An error occurred during streaming"


def explain_broken_stream(error: Exception, partial: bool = True) -> ChatError:
    """The ChatError for a stream that broke after it started; `partial`: some of the answer came (and is kept)."""
    kept = "the partial answer is kept; " if partial else ""
    if isinstance(error, openai.APIError) and not isinstance(error, openai.APIConnectionError):
        if refusal := schema_failure(error.message):
            return refusal
        if error.message in ("", SDK_UNDESCRIBED_STREAM_ERROR):
            return RequestFailed("The server ended the answer with an error it did not describe; the server's log "
                                 f"names the cause. {_sentence(kept + 'regenerate to try again.')}")
        return RequestFailed(f"The server ended the answer with an error: {error.message}. "
                             f"{_sentence(kept + 'regenerate to try again.')}")
    return ConnectionLost(f"The connection to the model server was lost mid-answer ({type(error).__name__}). "
                          f"{_sentence(kept + 'check the server status, then regenerate.')}")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


STREAM_ERRORS = (httpx.HTTPError, httpx.StreamError, openai.APIError, OSError, ValueError)
