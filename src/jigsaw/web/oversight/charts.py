"""The dashboard's charts: server-rendered SVG in the national report's style, from published values.

Built on :mod:`jigsaw.report.charts` (its frame, ticks and palette), so the dashboard looks like
the national report and works offline without JavaScript. Every value drawn is one the return
publishes (a withheld value is written as text, never drawn), and each chart has a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from jigsaw.report.charts import COLOURS, _fmt, _nice_ticks, _svg

__all__ = ["Bar", "Interval", "bar_chart", "interval_chart"]


@dataclass(frozen=True)
class Interval:
    """One row of an :func:`interval_chart`: a value with its 95% interval, or a text instead."""

    label: str
    value: float | None
    lower: float | None = None
    upper: float | None = None
    text: str = ""  # shown when there is no value to draw ("<5", "withheld", "no estimate")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str


def _finite(*values: float | None) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def interval_chart(
    rows: Sequence[Interval],
    *,
    title: str,
    axis: str,
    reference: float | None = None,
    reference_label: str = "",
    log: bool = False,
    width: int = 560,
) -> str:
    """A dot and its interval per row, top to bottom, with an optional dashed reference line.

    ``log`` draws a ratio axis (a half as far below 1 as two is above).
    """
    row_h, top, label_w, right = 22, 8, 170, 28
    height = top + row_h * max(len(rows), 1) + 36
    plot_w = width - label_w - right
    values = _finite(*(v for r in rows for v in (r.value, r.lower, r.upper)), reference)
    if log:
        positive = [v for v in values if v > 0] or [1.0]
        low, high = min(positive + [1.0]) / 1.25, max(positive + [1.0]) * 1.25
    else:
        low, high = 0.0, max(values + [1.0]) * 1.08

    def sx(x: float) -> float:
        x = min(max(x, low), high)
        if log:
            return (
                label_w
                + (math.log(max(x, low)) - math.log(low))
                / (math.log(high) - math.log(low))
                * plot_w
            )
        return label_w + (x - low) / (high - low) * plot_w

    body: list[str] = []
    bottom = top + row_h * max(len(rows), 1)
    ticks = (
        [t for t in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0) if low <= t <= high]
        if log
        else _nice_ticks(low, high, 4)
    )
    for tick in ticks:
        x = sx(tick)
        body.append(
            f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top}" y2="{bottom}" stroke="{COLOURS["grid"]}"/>'
        )
        body.append(
            f'<text x="{_fmt(x)}" y="{bottom + 14}" font-size="11" text-anchor="middle" fill="{COLOURS["text"]}">{tick:g}</text>'
        )
    described = []
    for i, row in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        name = escape(row.label if len(row.label) <= 24 else row.label[:23] + "…")
        body.append(
            f'<text x="{label_w - 8}" y="{_fmt(cy + 4)}" font-size="12" text-anchor="end" fill="{COLOURS["text"]}">{name}</text>'
        )
        if row.value is None or not math.isfinite(row.value):
            shown = row.text or "not published"
            body.append(
                f'<text x="{label_w + 4}" y="{_fmt(cy + 4)}" font-size="11" fill="{COLOURS["axis"]}">{escape(shown)}</text>'
            )
            described.append(f"{row.label}: {shown}")
            continue
        if (
            row.lower is not None
            and row.upper is not None
            and math.isfinite(row.lower)
            and math.isfinite(row.upper)
        ):
            body.append(
                f'<line x1="{_fmt(sx(row.lower))}" x2="{_fmt(sx(row.upper))}" y1="{_fmt(cy)}" y2="{_fmt(cy)}" stroke="{COLOURS["similar"]}" stroke-width="2"/>'
            )
            described.append(f"{row.label}: {row.value:g} ({row.lower:g} to {row.upper:g})")
        else:
            described.append(f"{row.label}: {row.value:g}")
        body.append(
            f'<circle cx="{_fmt(sx(row.value))}" cy="{_fmt(cy)}" r="4.5" fill="{COLOURS["higher"]}"/>'
        )
    footer = escape(axis)
    if reference is not None and math.isfinite(reference):
        x = sx(reference)
        body.append(
            f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top - 4}" y2="{bottom}" stroke="{COLOURS["lower"]}" stroke-dasharray="5 3" stroke-width="1.5"/>'
        )
        footer += f"; dashed line: {escape(reference_label)} {reference:g}"
    body.append(
        f'<text x="{label_w + plot_w / 2}" y="{height - 4}" font-size="11" text-anchor="middle" fill="{COLOURS["text"]}">{footer}</text>'
    )
    return _svg(width, height, title, "; ".join(described) or "no figures", body, "chart intervals")


def bar_chart(rows: Sequence[Bar], *, title: str, axis: str, width: int = 560) -> str:
    """A horizontal bar per row; a withheld or small value is written as its text, not drawn."""
    row_h, top, label_w, right = 22, 8, 170, 48
    height = top + row_h * max(len(rows), 1) + 36
    plot_w = width - label_w - right
    high = max(_finite(*(r.value for r in rows)) + [1.0]) * 1.05
    body: list[str] = []
    bottom = top + row_h * max(len(rows), 1)
    for tick in _nice_ticks(0, high, 4):
        x = label_w + tick / high * plot_w
        body.append(
            f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top}" y2="{bottom}" stroke="{COLOURS["grid"]}"/>'
        )
        body.append(
            f'<text x="{_fmt(x)}" y="{bottom + 14}" font-size="11" text-anchor="middle" fill="{COLOURS["text"]}">{tick:g}</text>'
        )
    for i, row in enumerate(rows):
        y = top + row_h * i
        name = escape(row.label if len(row.label) <= 24 else row.label[:23] + "…")
        body.append(
            f'<text x="{label_w - 8}" y="{_fmt(y + row_h / 2 + 4)}" font-size="12" text-anchor="end" fill="{COLOURS["text"]}">{name}</text>'
        )
        w = 0.0 if row.value is None else row.value / high * plot_w
        if w > 0:
            body.append(
                f'<rect x="{label_w}" y="{_fmt(y + 4)}" width="{_fmt(w)}" height="{row_h - 8}" fill="{COLOURS["higher"]}"/>'
            )
        body.append(
            f'<text x="{_fmt(label_w + w + 4)}" y="{_fmt(y + row_h / 2 + 4)}" font-size="11" fill="{COLOURS["text"]}">{escape(row.text)}</text>'
        )
    body.append(
        f'<text x="{label_w + plot_w / 2}" y="{height - 4}" font-size="11" text-anchor="middle" fill="{COLOURS["text"]}">{escape(axis)}</text>'
    )
    desc = "; ".join(f"{r.label}: {r.text}" for r in rows) or "no figures"
    return _svg(width, height, title, desc, body, "chart bars")
