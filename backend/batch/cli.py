"""`python app.py batch --endpoint URL --prompt "..." FILES_OR_DIR... --out results.jsonl`: a batch for scripts
(`--schema receipt` or `--schema my_schema.json` instead of a prompt: structured extraction).

Exit codes: 0 every file answered; 1 some file gave no answer (bad, failed or cancelled: the files still hold
every result), or the endpoint could not be reached; 2 bad arguments or a batch refused as a whole."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path

from backend.batch.export import write_coco, write_csv, write_extraction_tables, write_jsonl
from backend.batch.runner import DEFAULT_CONCURRENCY, BatchProgress
from backend.endpoint import Endpoint, is_local_url, strip_api_suffix
from backend.engine.probes import model_cards
from backend.engines import engine_for_owner
from backend.errors import UserError
from backend.extract.schema import TEMPLATE_NAMES, load_schema
from backend.families import family_for_model, get_family
from backend.media.images import APP_MAX_PIXELS
from backend.studio.batch import StartedBatch
from backend.studio.fixed_endpoint import FixedEndpoint
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from backend.studio.viewer import Viewer

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_ARGS = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The batch command line; every flag is documented in --help."""
    parser = argparse.ArgumentParser(
        prog="app.py batch", description="Send one prompt with each image or video (files, folders, zips) to an "
        "OpenAI-compatible Qwen-VL server, many side by side, and write the answers with their boxes and points in "
        "original-image pixels.", epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("inputs", nargs="+", metavar="FILES_OR_DIR", help="images, videos, folders or zips")
    parser.add_argument("--endpoint", required=True, help="the server, http://HOST:PORT (with or without /v1)")
    parser.add_argument("--api-key", default="", help="its API key (default: none)")
    parser.add_argument("--model", default=None,
                        help="served model name (default: the first one GET /v1/models lists); it also tells the "
                             "coordinate family (Qwen2-VL, Qwen2.5-VL, Qwen3-VL)")
    parser.add_argument("--family", default=None, help="coordinate family if the model name does not say it")
    parser.add_argument("--prompt", default="", help="the prompt sent with every file (optional with --schema)")
    parser.add_argument("--schema", default=None, metavar="FILE_OR_TEMPLATE",
                        help="extract with a JSON Schema: a .json file, or a template (receipt, invoice, form, table); "
                             "the engine holds every answer to it")
    parser.add_argument("--fields-csv", type=Path, default=None,
                        help="with --schema: one row per file, nested objects as dotted columns")
    parser.add_argument("--rows-csv", type=Path, default=None,
                        help="with --schema: one row per element of each array of objects (file, array, index, ...)")
    parser.add_argument("--system-prompt", default=None, help="system prompt (default: the chat's)")
    parser.add_argument("--out", required=True, type=Path, help="JSON lines file: one result per file")
    parser.add_argument("--coco", type=Path, default=None, help="also write a COCO dataset here")
    parser.add_argument("--csv", type=Path, default=None, help="also write a CSV here")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                        help=f"requests in flight at once, so the engine batches them (default: {DEFAULT_CONCURRENCY})")
    parser.add_argument("--max-tokens", type=int, default=1024, help="most tokens per answer (default: 1024)")
    parser.add_argument("--temperature", type=float, default=0.0, help="sampling temperature (default: 0)")
    parser.add_argument("--max-pixels", type=int, default=APP_MAX_PIXELS,
                        help=f"most pixels per image sent, as the web UI's --max-pixels (default: {APP_MAX_PIXELS:,})")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the batch; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.max_tokens < 1:
        parser.error("--concurrency and --max-tokens must be at least 1")
    if not args.prompt.strip() and not args.schema:
        parser.error("--prompt is empty (give a prompt, or --schema to extract)")
    if (args.fields_csv or args.rows_csv) and not args.schema:
        parser.error("--fields-csv and --rows-csv need --schema")
    try:
        schema = load_schema(schema_text(args.schema)) if args.schema else None
    except (OSError, UserError) as error:
        parser.error(f"--schema: {error}")
    try:
        family = get_family(args.family).name if args.family else None
    except ValueError as error:
        parser.error(str(error))
    base = strip_api_suffix(args.endpoint)
    cards = model_cards(base, args.api_key)
    model = args.model or next((str(card["id"]) for card in cards if "id" in card), None)
    if model is None:
        print(f"app.py batch: cannot reach {base}/v1/models (is the server up, is the API key right?); "
              "or name the model with --model.", file=sys.stderr)
        return EXIT_PROBLEMS
    family = family or family_for_model(model).name
    engine = engine_for_owner(str(cards[0].get("owned_by", ""))) if cards else None
    endpoint = Endpoint(base, args.api_key, model, family, local=is_local_url(base),
                        engine_name=engine.name if engine else "")
    with tempfile.TemporaryDirectory(prefix="qwen-vl-batch-") as work:
        studio = Studio(FixedEndpoint(endpoint), StudioSettings(image_max_pixels=args.max_pixels,
                                                                work_dir=Path(work) / "studio"))
        try:
            started = studio.start_batch(args.inputs, args.prompt, Path(work) / "batch", Viewer(),
                                         max_tokens=args.max_tokens, temperature=args.temperature,
                                         system_prompt=args.system_prompt, overlays=False,
                                         concurrency=args.concurrency, schema=schema)
        except UserError as error:
            print(f"app.py batch: {error}", file=sys.stderr)
            return EXIT_BAD_ARGS
        last = run_with_progress(started, quiet=args.quiet)
    results = list(last.results)
    write_jsonl(results, args.out)
    written = [str(args.out)]
    if args.coco:
        written.append(str(write_coco(results, args.coco)))
    if args.csv:
        written.append(str(write_csv(results, args.csv)))
    if args.fields_csv or args.rows_csv:
        with tempfile.TemporaryDirectory() as scratch:
            fields, rows = args.fields_csv or Path(scratch) / "f.csv", args.rows_csv or Path(scratch) / "r.csv"
            write_extraction_tables(results, fields, rows)
        written += [str(path) for path in (args.fields_csv, args.rows_csv) if path]
    for problem in last.problems:
        print(f"  {problem.file}: {problem.status}: {problem.error}", file=sys.stderr)
    print(f"{last.line()}; wrote {', '.join(written)}", file=sys.stderr)
    return EXIT_PROBLEMS if last.problems else EXIT_OK


def schema_text(value: str) -> str:
    """--schema's text: a template's name as given, else the JSON file's content."""
    return value if value.lower() in TEMPLATE_NAMES else Path(value).read_text(encoding="utf-8")


def run_with_progress(started: StartedBatch, quiet: bool) -> BatchProgress:
    """Run to the end, printing a progress line now and then. Ctrl-C cancels: what is in flight is stopped on the
    engine, and every result that finished is still written."""
    last: BatchProgress | None = None
    shown = -1.0
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: started.runner.cancel()) if main_thread else None
    try:
        for last in started.progress():
            if not quiet and (last.finished or last.elapsed_s - shown >= 1.0):
                shown = last.elapsed_s
                print(last.line(), file=sys.stderr, flush=True)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    assert last is not None
    return last

