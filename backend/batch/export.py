"""A batch's results as files: JSON lines (one per file), one COCO dataset (unique ids, categories from labels,
boxes in original pixels) and CSV (cells a spreadsheet would run as formulas are defused). A batch with a schema
adds two CSVs: its fields, one row per file (nested objects flattened to dotted columns, lists of plain values
joined with "; "), and its arrays of objects, one row per element (file, array, index, the element's fields)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backend.batch.runner import OK, FileResult
from backend.chat.grounded import items_json
from backend.chat.metrics import metrics_json
from backend.csv_files import defuse, write_table
from backend.extract.table import array_rows, field_row, own_columns
from backend.grounding.export import coco_json

CSV_COLUMNS = ("file", "status", "answer", "items", "labels", "seconds", "error", "original_width",
               "original_height", "sent_width", "sent_height", "prompt_tokens", "completion_tokens", "ttft_s")


def result_json(result: FileResult) -> dict[str, Any]:
    """One file's line: answer, items in original pixels, original and sent size, metrics, or its error."""
    return {
        "file": result.file,
        "kind": result.kind,
        "status": result.status,
        "answer": result.answer,
        "items": items_json(result.grounding),
        "error": result.error or None,
        "original_size": list(result.original_size) if result.original_size else None,
        "sent_size": list(result.sent_size) if result.sent_size else None,
        "metrics": metrics_json(result.metrics),
        "seconds": round(result.seconds, 3),
        "notes": list(result.notes),
        **({"moments": result.moments} if result.kind == "video" else {}),
        **({"extraction": result.extraction.to_json()} if result.extraction is not None else {}),
    }


def coco_dataset(results: Sequence[FileResult]) -> dict[str, Any]:
    """Every answered image as one COCO dataset: image ids 1.., annotation ids 1.., one category per label."""
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    categories: dict[str, int] = {}
    for result in results:
        if result.status != OK or result.kind != "image" or result.original_size is None:
            continue
        items = result.grounding.items if result.grounding else ()
        single = coco_json(items, result.original_size, result.file, image_id=len(images) + 1)
        names = {category["id"]: category["name"] for category in single["categories"]}
        images.extend(single["images"])
        for annotation in single["annotations"]:
            name = names[annotation["category_id"]]
            category = categories.setdefault(name, len(categories) + 1)
            annotations.append({**annotation, "id": len(annotations) + 1, "category_id": category})
    return {
        "info": {"description": "Qwen2.5-VL studio batch: boxes and points in original-image pixels"},
        "images": images,
        "annotations": annotations,
        "categories": [{"id": number, "name": name} for name, number in categories.items()],
    }


def csv_row(result: FileResult) -> dict[str, Any]:
    """One file as a CSV row."""
    metrics = result.metrics
    labels = sorted({item.display_label for item in result.grounding.items}) if result.grounding else []
    original, sent = result.original_size or ("", ""), result.sent_size or ("", "")
    return {
        "file": result.file, "status": result.status, "answer": result.answer, "items": result.items,
        "labels": "; ".join(labels), "seconds": round(result.seconds, 3), "error": result.error,
        "original_width": original[0], "original_height": original[1], "sent_width": sent[0],
        "sent_height": sent[1], "prompt_tokens": metrics.prompt_tokens if metrics else "",
        "completion_tokens": metrics.completion_tokens if metrics else "",
        "ttft_s": round(metrics.ttft_s, 4) if metrics and metrics.ttft_s is not None else "",
    }


def write_jsonl(results: Sequence[FileResult], path: Path) -> Path:
    """One JSON object per line, in the order the files were given."""
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(result_json(result), ensure_ascii=False) + "\n" for result in results)
    return path


def write_coco(results: Sequence[FileResult], path: Path) -> Path:
    """The COCO dataset as JSON."""
    path.write_text(json.dumps(coco_dataset(results), indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(results: Sequence[FileResult], path: Path) -> Path:
    """The CSV, with a header row."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for result in results:
            writer.writerow({key: defuse(value) for key, value in csv_row(result).items()})
    return path


def write_extraction_tables(results: Sequence[FileResult], fields_path: Path, rows_path: Path) -> None:
    """The fields CSV (one row per file) and the rows CSV (one per element of each array of objects)."""
    fields, rows = [], []
    for result in results:
        extraction = result.extraction
        data = extraction.data if extraction is not None else None
        own = {"file": result.file, "status": result.status,
               "extraction": extraction.status if extraction is not None else "",
               "errors": " | ".join(extraction.errors) if extraction is not None else result.error}
        fields.append({**own, **own_columns(field_row(data), own)})
        rows += [{"file": result.file, **own_columns(row, ("file",))} for row in array_rows(data)]
    write_table(fields, ("file", "status", "extraction", "errors"), fields_path)
    write_table(rows, ("file", "array", "index"), rows_path)


def write_exports(results: Sequence[FileResult], folder: Path, stem: str = "batch") -> dict[str, str]:
    """The files in folder: {"jsonl", "coco", "csv"}, and for a batch with a schema {"fields_csv", "rows_csv"}."""
    folder.mkdir(parents=True, exist_ok=True)
    exports = {
        "jsonl": str(write_jsonl(results, folder / f"{stem}-results.jsonl")),
        "coco": str(write_coco(results, folder / f"{stem}-coco.json")),
        "csv": str(write_csv(results, folder / f"{stem}-results.csv")),
    }
    if any(result.extraction is not None for result in results):
        fields, rows = folder / f"{stem}-fields.csv", folder / f"{stem}-rows.csv"
        write_extraction_tables(results, fields, rows)
        exports |= {"fields_csv": str(fields), "rows_csv": str(rows)}
    return exports
