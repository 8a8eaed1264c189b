"""Benchmark figures: medians with their spread, result rows with goals, the markdown table and the JSON file."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Summary:
    """A median over repeats, with min/max, the interquartile range (n >= 4) and the samples."""

    median: float
    low: float
    high: float
    n: int
    q1: float | None = None
    q3: float | None = None
    samples: tuple[float, ...] = ()


def summarize(samples: Sequence[float]) -> Summary:
    """Summary of the samples (at least one)."""
    values = tuple(float(value) for value in samples)
    if not values:
        raise ValueError("no samples to summarize")
    q1 = q3 = None
    if len(values) >= 4:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Summary(statistics.median(values), min(values), max(values), len(values), q1, q3, values)


def scaled(summary: Summary, factor: float) -> Summary:
    """The same figures in another unit (e.g. seconds -> milliseconds)."""
    def times(value: float | None) -> float | None:
        return None if value is None else value * factor
    return Summary(summary.median * factor, summary.low * factor, summary.high * factor, summary.n,
                   times(summary.q1), times(summary.q3), tuple(value * factor for value in summary.samples))


@dataclass(frozen=True)
class Goal:
    """A pass rule on a row. kind: ratio_max / ratio_min (app/direct), delta_max (app - direct, row units),
    app_max (the app figure itself), app_band (|app - 1| <= limit, for a ratio held in the app column)."""

    kind: str
    limit: float
    text: str


@dataclass
class Row:
    """One line of the table: the same figure through the app and directly."""

    key: str  # stable id, e.g. "p1_ttft_ms"
    metric: str
    unit: str
    app: Summary | None = None
    direct: Summary | None = None
    goal: Goal | None = None
    note: str = ""  # why a side is missing, or what the columns mean for this row
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """app median / direct median."""
        if self.app is None or self.direct is None or self.direct.median == 0:
            return None
        return self.app.median / self.direct.median

    def verdict(self) -> tuple[bool | None, str]:
        """(passed, the figure the goal was judged on); passed is None when the row lacks the numbers."""
        goal = self.goal
        if goal is None or self.app is None:
            return None, ""
        app = self.app.median
        if goal.kind == "app_max":
            return app <= goal.limit, f"{app:.3g}"
        if goal.kind == "app_band":
            return abs(app - 1.0) <= goal.limit, f"{app:.3g}"
        if self.direct is None:
            return None, ""
        if goal.kind == "delta_max":
            delta = app - self.direct.median
            return delta <= goal.limit, f"{delta:+.3g} {self.unit}"
        ratio = self.ratio
        if ratio is None:
            return None, ""
        if goal.kind == "ratio_max":
            return ratio <= goal.limit, f"{ratio:.3f}"
        if goal.kind == "ratio_min":
            return ratio >= goal.limit, f"{ratio:.3f}"
        raise ValueError(f"unknown goal kind {goal.kind!r}")

    def to_json(self) -> dict:
        """JSON-ready: both sides, ratio, goal and verdict."""
        passed, judged = self.verdict()
        return {"key": self.key, "metric": self.metric, "unit": self.unit,
                "app": asdict(self.app) if self.app else None, "direct": asdict(self.direct) if self.direct else None,
                "ratio": self.ratio, "goal": self.goal.text if self.goal else None, "passed": passed,
                "judged_on": judged, "note": self.note, **({"extra": self.extra} if self.extra else {})}


def format_figure(summary: Summary | None) -> str:
    """'12.3 (11.9-13.0, n=10)' with sensible precision; '-' when missing."""
    if summary is None:
        return "-"
    def number(value: float) -> str:
        magnitude = abs(value)
        return f"{value:.0f}" if magnitude >= 100 else f"{value:.1f}" if magnitude >= 10 else f"{value:.3g}"
    if summary.n == 1:
        return f"{number(summary.median)} (n=1)"
    spread = f"{number(summary.low)}-{number(summary.high)}"
    if summary.q1 is not None and summary.q3 is not None:
        spread += f", IQR {number(summary.q1)}-{number(summary.q3)}"
    return f"{number(summary.median)} ({spread}, n={summary.n})"


def markdown_table(rows: Sequence[Row]) -> str:
    """The results as a markdown table: metric, app, direct, ratio, goal, pass."""
    lines = ["| metric | app | direct | ratio | goal | pass |", "|---|---|---|---|---|---|"]
    for row in rows:
        passed, judged = row.verdict()
        verdict = "-" if passed is None else ("yes" if passed else "NO") + (f" ({judged})" if judged else "")
        ratio = f"{row.ratio:.3f}" if row.ratio is not None else "-"
        metric = f"{row.metric} [{row.unit}]" + (f" - {row.note}" if row.note else "")
        lines.append(f"| {metric} | {format_figure(row.app)} | {format_figure(row.direct)} | {ratio} | "
                     f"{row.goal.text if row.goal else '-'} | {verdict} |")
    return "\n".join(lines)


def markdown_header(header: dict) -> str:
    """The run's context (device, engine, model, flags) as markdown lines."""
    return "\n".join(f"- **{name}**: {value}" for name, value in header.items())


def write_results(path: Path, header: dict, rows: Sequence[Row], details: dict) -> None:
    """Write the header, every row and the raw details as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"header": header, "rows": [row.to_json() for row in rows], "details": details}
    path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
