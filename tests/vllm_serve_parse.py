"""Runs inside the vLLM venv (.venv-vllm): parses `vllm serve` argvs the way `vllm serve` itself does.

`python vllm_serve_parse.py ARGVS.json ANSWER.json`: ARGVS.json holds a list of argvs (the words after
`vllm serve`); ANSWER.json gets vLLM's version, its registered tool-call and reasoning parsers, and per argv either
the parsed values or vLLM's complaint (a file, not stdout: vLLM logs to stdout).
The steps are those `vllm serve` takes before it loads a model: the CLI's serve subparser, the serve command's own
validation, AsyncEngineArgs.from_cli_args, and the API server's parser-name check. Imports nothing of the app.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys

from vllm import __version__ as vllm_version
from vllm.engine.arg_utils import AsyncEngineArgs
from vllm.entrypoints.cli.serve import ServeSubcommand
from vllm.entrypoints.common.cli_args import validate_api_server_args
from vllm.reasoning import ReasoningParserManager
from vllm.tool_parsers import ToolParserManager
from vllm.utils.argparse_utils import FlexibleArgumentParser

ENGINE_FIELDS = ("model", "served_model_name", "tensor_parallel_size", "data_parallel_size", "max_model_len",
                 "gpu_memory_utilization", "limit_mm_per_prompt", "quantization", "kv_cache_dtype", "dtype",
                 "reasoning_parser", "enable_expert_parallel", "allowed_local_media_path")
FRONTEND_FIELDS = ("host", "port", "api_key", "tool_call_parser", "enable_auto_tool_choice",
                   "enable_prompt_tokens_details")


def cli_parser() -> tuple[FlexibleArgumentParser, ServeSubcommand]:
    """vllm.entrypoints.cli.main's top-level parser with the serve subcommand alone."""
    parser = FlexibleArgumentParser(description="vLLM CLI")
    subparsers = parser.add_subparsers(required=False, dest="subparser")
    serve = ServeSubcommand()
    serve.subparser_init(subparsers).set_defaults(dispatch_function=serve.cmd)
    return parser, serve


def parse(parser: FlexibleArgumentParser, serve: ServeSubcommand, argv: list[str]) -> dict:
    complaint = io.StringIO()
    try:
        with contextlib.redirect_stderr(complaint):
            args = parser.parse_args(["serve", *argv])
        serve.validate(args)
        args.model = args.model_tag  # what ServeSubcommand.cmd does first
        engine_args = AsyncEngineArgs.from_cli_args(args)
        validate_api_server_args(args)
    except SystemExit:  # argparse's error(): the reason is the last line it printed
        return {"ok": False, "error": complaint.getvalue().strip().splitlines()[-1]}
    except Exception as error:  # any complaint of vLLM's is the answer
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}
    parsed = {name: getattr(engine_args, name) for name in ENGINE_FIELDS}
    parsed.update({name: getattr(args, name) for name in FRONTEND_FIELDS})
    outputs = engine_args.structured_outputs_config
    parsed["structured_outputs"] = {"backend": outputs.backend,
                                    "disable_any_whitespace": outputs.disable_any_whitespace}
    return {"ok": True, "parsed": parsed}


def main() -> None:
    argvs_path, answer_path = sys.argv[1:3]
    with open(argvs_path, encoding="utf-8") as argvs_file:
        argvs = json.load(argvs_file)
    parser, serve = cli_parser()
    results = [parse(parser, serve, argv) for argv in argvs]
    with open(answer_path, "w", encoding="utf-8") as answer:
        json.dump({"vllm": vllm_version, "tool_parsers": sorted(ToolParserManager.list_registered()),
                   "reasoning_parsers": sorted(ReasoningParserManager.list_registered()), "results": results},
                  answer, default=str)


if __name__ == "__main__":
    main()
