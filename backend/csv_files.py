"""CSV files people open in spreadsheets: cells that a spreadsheet would run as formulas are defused, columns are
the union of the rows' keys."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """A text cell a spreadsheet would take for a formula, made plain text (a leading apostrophe)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_table(rows: Sequence[dict[str, Any]], first: Sequence[str], path: Path) -> Path:
    """Rows as a CSV whose columns are `first`, then every other key in the order the rows bring them."""
    columns = list(first)
    for row in rows:
        columns += [key for key in row if key not in columns]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: defuse(value) for key, value in row.items()})
    return path
