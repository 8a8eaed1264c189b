"""The pieces of a launch command: engine argv, vendor environment, a free port, and copy-paste renderings."""

from __future__ import annotations

import json
import shlex
import sys

from backend.engines import MEDIA_PER_REQUEST
from backend.families import FAMILIES
from backend.model_spec import ModelSpec

SGLANG_DEFAULT_PORT = 30000
# What a command run on another machine than the app's listens on, so the app can attach to it over the network
# (the app's own launches listen on 127.0.0.1).
ANY_INTERFACE = "0.0.0.0"
LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost", "::1")
# vLLM's --limit-mm-per-prompt in its JSON form: what the app's requests carry at most.
VLLM_MM_LIMITS = MEDIA_PER_REQUEST
VLLM_STRUCTURED_OUTPUTS = {"backend": "xgrammar", "disable_any_whitespace": True}

# docker/rocm.Dockerfile of SGLang ("Performance environment variable" block), as its ROCm images set them.
# SGLANG_USE_ROCM700A is left out: the image sets it only because it is built on ROCm 7.0, which a host may not be.
ROCM_SGLANG_ENV: dict[str, str] = {
    "SGLANG_USE_AITER": "1",
    "SGLANG_DISABLE_CUDNN_CHECK": "1",
    "HIP_FORCE_DEV_KERNARG": "1",
    "HSA_NO_SCRATCH_RECLAIM": "1",
    "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN": "1",
    "SGLANG_INT4_WEIGHT": "0",
    "SGLANG_MOE_PADDING": "1",
    "SGLANG_ROCM_DISABLE_LINEARQUANT": "0",
    "SGLANG_ROCM_FUSED_DECODE_MLA": "1",
    "SGLANG_SET_CPU_AFFINITY": "1",
    "NCCL_MIN_NCHANNELS": "112",
    "ROCM_QUICK_REDUCE_QUANTIZATION": "INT8",
    "TORCHINDUCTOR_MAX_AUTOTUNE": "1",
    "TORCHINDUCTOR_MAX_AUTOTUNE_POINTWISE": "1",
}
ROCM_VLLM_ENV: dict[str, str] = {"VLLM_ROCM_USE_AITER": "1"}
# vLLM's name for a family's tool-call parser where SGLang's differs: SGLang's qwen (<tool_call>{json}</tool_call>)
# is vLLM's hermes; vLLM refuses to start on a name it has not registered.
VLLM_TOOL_CALL_PARSERS = {"qwen": "hermes"}


def vendor_env(vendor: str, engine: str, gpu_ids: tuple[int, ...]) -> dict[str, str]:
    """GPU selection (CUDA_VISIBLE_DEVICES, or HIP_VISIBLE_DEVICES on ROCm: one of them) plus ROCm tuning."""
    visible = ",".join(str(index) for index in gpu_ids)
    if vendor == "amd":
        tuning = ROCM_SGLANG_ENV if engine == "sglang" else ROCM_VLLM_ENV
        return {"HIP_VISIBLE_DEVICES": visible, **tuning}
    return {"CUDA_VISIBLE_DEVICES": visible}


def model_flags(model: ModelSpec, engine: str, expert_parallel_size: int) -> tuple[str, ...]:
    """The family's own flags (sgl-cookbook's qwen3vl.yaml / qwen35.yaml, vLLM's recipes): a reasoning parser for
    models that think before answering (their thinking then streams apart from the answer), the tool-call parser
    of the family's chat template, and expert parallelism where the plan needs it."""
    family = FAMILIES.get(model.family)
    flags: list[str] = ["--reasoning-parser", "qwen3"] if model.thinking else []
    if family is not None and family.tool_call_parser:
        parser = family.tool_call_parser
        flags += ["--tool-call-parser", VLLM_TOOL_CALL_PARSERS.get(parser, parser) if engine == "vllm" else parser]
        if engine == "vllm":
            flags.append("--enable-auto-tool-choice")
    if expert_parallel_size > 1:
        flags += ["--ep-size", str(expert_parallel_size)] if engine == "sglang" else ["--enable-expert-parallel"]
    return tuple(flags)


def argv_with_port(argv: tuple[str, ...], port: int) -> tuple[str, ...]:
    """argv with its --port value replaced (or --port appended when it has none)."""
    result = list(argv)
    for index, arg in enumerate(result):
        if arg == "--port" and index + 1 < len(result):
            result[index + 1] = str(port)
            return tuple(result)
        if arg.startswith("--port="):
            result[index] = f"--port={port}"
            return tuple(result)
    return (*result, "--port", str(port))


def sglang_server_flags(model_path: str, served_name: str, host: str, port: int, api_key: str, tp: int, dp: int,
                        context_length: int, extra: tuple[str, ...]) -> list[str]:
    """The server flags of `sglang.launch_server` (accepted by both 0.5.16 and 0.5.23)."""
    flags = ["--model-path", model_path, "--served-model-name", served_name, "--host", host, "--port", str(port),
             "--api-key", api_key, "--tp-size", str(tp)]
    if dp > 1:
        flags += ["--dp-size", str(dp)]
    # JSON Schema answers (extraction): xgrammar stays on (SGLang's default); without this flag its grammar lets a
    # model pad JSON with whitespace until max_tokens, which weak and dummy models do (seen on an H100)
    flags += ["--context-length", str(context_length), "--enable-metrics", "--constrained-json-disable-any-whitespace"]
    return flags + list(extra)


def sglang_argv(server_flags: list[str], router: bool) -> tuple[str, ...]:
    """`python -m sglang.launch_server ...`, or `python -m sglang_router.launch_server ...` for routed replicas."""
    module = "sglang_router.launch_server" if router else "sglang.launch_server"
    return (sys.executable, "-m", module, *server_flags)


def multinode_argvs(argv: tuple[str, ...], nodes: int, dist_init_addr: str) -> tuple[tuple[str, ...], ...]:
    """One command per node: the same server flags plus --nnodes/--node-rank/--dist-init-addr."""
    return tuple((*argv, "--nnodes", str(nodes), "--node-rank", str(rank), "--dist-init-addr", dist_init_addr)
                 for rank in range(nodes))


def vllm_argv(model_path: str, served_name: str, host: str, port: int, api_key: str, tp: int, dp: int,
              context_length: int, utilization: float | None, extra: tuple[str, ...]) -> tuple[str, ...]:
    """`vllm serve ...` with the plan's parallelism, length, memory share and multimodal limits."""
    argv = ["vllm", "serve", model_path, "--served-model-name", served_name, "--host", host, "--port", str(port),
            "--api-key", api_key, "--tensor-parallel-size", str(tp)]
    if dp > 1:
        argv += ["--data-parallel-size", str(dp)]
    argv += ["--max-model-len", str(context_length)]
    if utilization is not None:  # None: --engine-args gives its own
        argv += ["--gpu-memory-utilization", f"{utilization:.2f}"]
    argv += ["--limit-mm-per-prompt", json.dumps(VLLM_MM_LIMITS)]
    # usage then counts image and video tokens apart (multimodal_tokens) and cached tokens, as SGLang's does
    argv.append("--enable-prompt-tokens-details")
    # JSON Schema answers without free whitespace (SGLang's plans say --constrained-json-disable-any-whitespace,
    # why there); vLLM allows it with xgrammar or guidance only, not its default "auto"
    argv += ["--structured-outputs-config", json.dumps(VLLM_STRUCTURED_OUTPUTS)]
    return tuple(argv + list(extra))


def shell_line(env: dict[str, str], argv: tuple[str, ...]) -> str:
    """A copy-paste shell line: the plan's variables, then the command (quoted with shlex)."""
    assignments = [f"{name}={shlex.quote(value)}" for name, value in env.items()]
    return " ".join([*assignments, shlex.join(argv)])


def portable_command(env: dict[str, str], argv: tuple[str, ...]) -> str:
    """The command to paste on another machine: `python3` instead of this host's interpreter path, one flag
    (with its value) per line, so it never wraps inside a flag."""
    words = ["python3" if index == 0 and word == sys.executable else word for index, word in enumerate(argv)]
    # the program with its module (`python3 -m sglang.launch_server`) or subcommand and model (`vllm serve M`)
    head_length = 3 if len(words) >= 3 and words[1] in ("-m", "serve") else 1
    lines = [" ".join([*(f"{name}={shlex.quote(value)}" for name, value in env.items()),
                       *map(shlex.quote, words[:head_length])])]
    for word in words[head_length:]:
        if word.startswith("--") or not lines[1:]:
            lines.append("  " + shlex.quote(word))
        else:
            lines[-1] += " " + shlex.quote(word)
    return " \\\n".join(lines)


def any_interface_note(port: int) -> str:
    """One shell comment saying what listening on every interface exposes."""
    return (f"# --host {ANY_INTERFACE}: any machine that can reach port {port} of this host can call the server "
            "(the API key guards it); let only the app's machine in (a firewall rule, or an SSH tunnel).")


def python_snippet(base_url: str, api_key: str, model: str) -> str:
    """A short openai-client program that streams an answer about a local image from this server."""
    return "\n".join([
        "import base64, pathlib",
        "from openai import OpenAI",
        "",
        f"client = OpenAI(base_url={base_url + '/v1'!r}, api_key={api_key!r})",
        'image = base64.b64encode(pathlib.Path("photo.jpg").read_bytes()).decode()',
        "stream = client.chat.completions.create(",
        f"    model={model!r},",
        '    messages=[{"role": "user", "content": [',
        '        {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{image}"}},',
        '        {"type": "text", "text": "Describe this image."},',
        "    ]}],",
        "    stream=True,",
        ")",
        "for chunk in stream:",
        "    if chunk.choices:",
        '        print(chunk.choices[0].delta.content or "", end="", flush=True)',
        "print()",
    ])


def gradio_snippet(page_url: str) -> str:
    """A short gradio_client program for the demo itself (its /ask endpoint: the answer, boxes and metrics)."""
    return "\n".join([
        "from gradio_client import Client, handle_file",
        "",
        f"client = Client({page_url!r})",
        'reply = client.predict("Detect every car.", [handle_file("photo.jpg")], [], 1024, 0.7, api_name="/ask")',
        'print(reply["answer"])',
        'for item in reply["items"]:  # boxes and points in photo.jpg\'s own pixels',
        '    print(item["label"], item.get("bbox") or item.get("point"))',
    ])
