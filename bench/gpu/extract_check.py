"""Structured extraction over real SGLang on a GPU host, through the app's own launch with its plan's flags; prints
JSON lines.

    source .whl/carry/device_env.sh
    python3 bench/gpu/extract_check.py --model-path "$QWEN_MODEL_DIR" \
        --engine-args "${SGLANG_DUMMY_FLAGS/--grammar-backend none/}"

(the GPU kit's flags switch the grammar backend off; the app's plans keep it on, and refuse `--grammar-backend
none`.) Steps: plan -> Studio.launch -> `extractions` Studio.extract calls with the receipt template (nested items,
a bbox_2d per item, bounded strings and arrays) at `in_flight` at once, each answer checked with a strict parser
and jsonschema beside the app's verdict -> P10: time per output token of free and schema-held answers on the
same engine, side by side, at 1 and at 16 in flight, for the bounded template and the same schema without its
bounds -> Studio.stop. Dummy weights answer at random: structure and times are what this checks.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import jsonschema  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from backend.chat.session import SamplingParams  # noqa: E402
from backend.engine.settings import SupervisorSettings  # noqa: E402
from backend.engine.supervisor import Supervisor  # noqa: E402
from backend.extract.answer import INCOMPLETE, VALID  # noqa: E402
from backend.extract.schema import ExtractSchema, template  # noqa: E402
from backend.hardware import detect_gpus  # noqa: E402
from backend.plans.planner import PlanRequest  # noqa: E402
from backend.studio.settings import StudioSettings  # noqa: E402
from backend.studio.studio import Studio  # noqa: E402


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, "t": round(time.time(), 3), **fields}, default=str), flush=True)


def receipt_scan(path: Path) -> str:
    image = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    draw = ImageDraw.Draw(image)
    for line in range(24):
        draw.text((120, 160 + line * 56), f"Item {line:02d} ........ {line * 1.25:8.2f}", fill="black")
    image.save(path)
    return str(path)


def strict_check(raw: str, schema: dict) -> str:
    """What a strict reader makes of the raw answer: valid / invalid / unparsable."""
    try:
        data = json.loads(raw)
    except ValueError:
        return "unparsable"
    return "valid" if jsonschema.Draft202012Validator(schema).is_valid(data) else "invalid"


def tpot_ms(metrics: dict | None) -> float | None:
    if not metrics or not metrics.get("tokens_per_s"):
        return None
    return 1000.0 / metrics["tokens_per_s"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-path", required=True)
    parser.add_argument("--engine-args", default="")
    parser.add_argument("--ready-timeout", type=float, default=420.0)
    parser.add_argument("--extractions", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument("--p10-tokens", type=int, default=256)
    parser.add_argument("--only-p10", action="store_true", help="skip the extractions (e.g. another grammar backend)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="extract-check-"))
    detected = tuple(detect_gpus())
    request = PlanRequest(model=args.model_path, hardware="auto", gpus="1", engine_args=args.engine_args)
    supervisor = Supervisor(work / "runs", SupervisorSettings(ready_timeout_s=args.ready_timeout))
    studio = Studio(supervisor, StudioSettings(work_dir=work / "studio", default_request=request), detected)
    admin = studio.viewer()
    plan = studio.plan(request, admin)
    emit("plan", gpus=[gpu.spec.label for gpu in detected], argv=list(plan.argv))
    started = time.monotonic()
    studio.launch(request, admin)
    status = supervisor.wait_for(lambda s: s.is_ready or s.phase.value in ("failed", "stopped"), args.ready_timeout)
    emit("launch", ready=status.is_ready, seconds=round(time.monotonic() - started, 1),
         health_ok_s=status.health_ok_s, warmup_s=status.warmup_s,
         log_tail=[] if status.is_ready else list(status.log_tail[-20:]))
    if not status.is_ready:
        return 1
    scan = receipt_scan(work / "receipt.png")
    receipt = template("receipt")
    try:
        if not args.only_p10:
            extractions(studio, scan, receipt, args)
        # since the bounds fix Studio.extract sends every schema's grammar without length bounds, so both rows now
        # hold decoding to the same grammar; on 2026-12-07 the "bounded" row still sent the template as written
        for name, schema in (("bounded", receipt), ("unbounded", ExtractSchema("receipt", receipt.grammar_schema()))):
            p10(studio, scan, name, schema, args.p10_tokens)
    finally:
        studio.stop(admin)
        emit("stopped", phase=supervisor.status().phase.value)
    return 0


def extractions(studio: Studio, scan: str, schema: ExtractSchema, args: argparse.Namespace) -> None:
    sampling = SamplingParams(temperature=0.0, max_tokens=args.max_tokens)

    def one(_index: int) -> dict:
        began = time.monotonic()
        *_, last = studio.extract([scan], schema, sampling, studio.viewer())
        document = last.document
        extraction = document.extraction
        return {"status": extraction.status, "strict": strict_check(extraction.raw, schema.schema),
                "finish": document.turn.metrics.finish_reason if document.turn.metrics else None,
                "tokens": document.turn.metrics.completion_tokens if document.turn.metrics else None,
                "seconds": time.monotonic() - began, "items": len(document.grounding.items) if document.grounding
                else 0, "errors": list(extraction.errors[:2]), "raw_head": extraction.raw[:160]}

    began = time.monotonic()
    with ThreadPoolExecutor(args.in_flight) as pool:
        results = list(pool.map(one, range(args.extractions)))
    counts: dict[str, int] = {}
    for result in results:
        key = f"{result['status']} / strict {result['strict']} / finish {result['finish']}"
        counts[key] = counts.get(key, 0) + 1
    # "silently wrong": the app says valid where the answer does not follow the schema, or an answer cut by
    # max_tokens is called anything but incomplete
    wrong = [r for r in results if (r["status"] == VALID and r["finish"] != "stop")
             or (r["finish"] == "length" and r["status"] != INCOMPLETE)]
    emit("extractions", n=len(results), in_flight=args.in_flight, seconds=round(time.monotonic() - began, 1),
         counts=counts, silently_wrong=len(wrong), items_drawn=sum(r["items"] for r in results),
         tokens_p50=statistics.median(r["tokens"] or 0 for r in results),
         seconds_p50=round(statistics.median(r["seconds"] for r in results), 2),
         examples=[{k: r[k] for k in ("status", "strict", "finish", "errors", "raw_head")} for r in results[:3]])


def p10(studio: Studio, scan: str, name: str, schema: ExtractSchema, tokens: int) -> None:
    """TPOT of free answers (ignore_eos, so they run to the cap) and schema-held ones, same prompt and image."""
    free = SamplingParams(temperature=0.0, max_tokens=tokens, extra_body={"ignore_eos": True})
    held = replace(free, extra_body=None)
    instruction = schema.instruction(studio.family())

    def free_answer(_index: int) -> float | None:
        answer = studio.ask(instruction, [scan], [], free, studio.viewer())
        return tpot_ms(answer["metrics"])

    def held_answer(_index: int) -> float | None:
        *_, last = studio.extract([scan], schema, held, studio.viewer())
        metrics = last.document.turn.metrics
        return 1000.0 / metrics.tokens_per_s if metrics and metrics.tokens_per_s else None

    for in_flight in (1, 16):
        rounds = 6 if in_flight == 1 else 32
        row = {}
        for label, answer in (("free", free_answer), ("held", held_answer)):
            with ThreadPoolExecutor(in_flight) as pool:
                values = [value for value in pool.map(answer, range(rounds)) if value]
            row[label] = round(statistics.median(values), 2) if values else None
        ratio = row["held"] / row["free"] if row["free"] and row["held"] else None
        emit("p10", schema=name, in_flight=in_flight, tpot_free_ms=row["free"], tpot_held_ms=row["held"],
             ratio=round(ratio, 3) if ratio else None)


if __name__ == "__main__":
    sys.exit(main())
