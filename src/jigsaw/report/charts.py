"""Server-rendered SVG charts for the oversight report: funnel plot, dot plot, sparklines.

Every chart is a plain string of SVG with a ``<title>`` and ``<desc>`` for screen readers, no
scripts, no external fonts, so the page works offline on a closed council network. Colours are
from the GOV.UK Design System palette; the comparison is also shown by shape, so it does not
rely on colour alone.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

__all__ = [
    "COLOURS",
    "DotRow",
    "LimitCurve",
    "dot_plot",
    "funnel_plot",
    "sparkline",
    "year_ratio_plot",
]

#: GOV.UK palette; one colour per comparison with peers.
COLOURS = {
    "lower": "#d4351c",
    "similar": "#505a5f",
    "higher": "#1d70b8",
    "not compared": "#b1b4b6",
    "text": "#0b0c0c",
    "axis": "#6f777b",
    "grid": "#e5e6e7",
}

_FONT = "font-family:Arial,Helvetica,sans-serif"


@dataclass(frozen=True)
class LimitCurve:
    """Funnel limits to draw as one legend entry: one or more lines of (population, rate) points.

    Poisson limits from :func:`jigsaw.stats.funnel.rate_funnel_limits` give each line its own
    population points, so lower and upper lines are separate ``lines``.
    """

    label: str
    lines: tuple[tuple[npt.ArrayLike, npt.ArrayLike], ...]
    dash: str = ""
    colour: str = "#0b0c0c"
    width: float = 1.2


class DotRow(TypedDict):
    """One area of a :func:`dot_plot`: its rate and interval; a missing rate (None or NaN) shows as "no rate"."""

    name: str
    rate: float | None
    lower: float
    upper: float
    subject: NotRequired[bool]  # the area being compared (bold, coloured); peers leave it out


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _svg(
    width: int,
    height: int,
    title: str,
    desc: str,
    body: list[str],
    css_class: str,
    fluid: bool = True,
) -> str:
    # Ids must be unique within the page and stable between runs (reproducible output).
    key = f"{title}|{desc}|{width}|{height}".encode()
    ident = "c" + hashlib.sha1(key, usedforsecurity=False).hexdigest()[:10]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}t {ident}d" '
        f'style="{_FONT}{";max-width:100%;height:auto" if fluid else ""}">'
        f'<title id="{ident}t">{escape(title)}</title><desc id="{ident}d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    start = math.ceil(low / step) * step
    ticks = []
    value = start
    while value <= high + 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _marker(shape: str, x: float, y: float, colour: str, size: float = 4.0) -> str:
    if shape == "lower":  # a downward triangle: fewer identified than peers
        points = f"{x - size},{y - size} {x + size},{y - size} {x},{y + size}"
        return f'<polygon points="{points}" fill="{colour}"'
    if shape == "higher":
        points = f"{x - size},{y + size} {x + size},{y + size} {x},{y - size}"
        return f'<polygon points="{points}" fill="{colour}"'
    if shape == "not compared":
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{size - 1}" fill="none" stroke="{colour}"'
    return (
        f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{size - 1}" fill="{colour}" fill-opacity="0.75"'
    )


def funnel_plot(
    population: npt.ArrayLike,
    rate: npt.ArrayLike,
    labels: Sequence[str],
    comparison: Sequence[str],
    curves: Sequence[LimitCurve],
    centre: float,
    *,
    per: str = "per 10,000 children",
    width: int = 900,
    height: int = 460,
) -> str:
    """Render a funnel plot: each area's rate against its population (log scale), with limits.

    Parameters
    ----------
    population, rate, labels, comparison : array-likes (numbers) and sequences (text) of equal length
        One entry per area; ``comparison`` is ``lower``, ``similar``, ``higher`` or
        ``not compared`` and chooses the marker. Areas with a missing rate are left out.
    curves : sequence of LimitCurve
        Limits to draw (e.g. Poisson 95%, 99.8% and overdispersed).
    centre : float
        The target rate drawn as a horizontal line.

    Returns
    -------
    str
        An ``<svg>`` element.

    Raises
    ------
    ValueError
        If the sequences differ in length or no area has a rate.
    """
    pop = np.asarray(population, dtype=float)
    val = np.asarray(rate, dtype=float)
    if not (len(pop) == len(val) == len(labels) == len(comparison)):
        raise ValueError("funnel_plot: population, rate, labels and comparison differ in length")
    keep = np.isfinite(pop) & np.isfinite(val) & (pop > 0)
    if not keep.any():
        raise ValueError("funnel_plot: no area has both a population and a rate")
    left, right, top, bottom = 64, 230, 16, 52  # the legend sits in the right margin
    plot_w, plot_h = width - left - right, height - top - bottom
    x_min = 10 ** math.floor(math.log10(pop[keep].min()))
    x_max = 10 ** math.ceil(math.log10(pop[keep].max()))
    y_max = max(float(val[keep].max()), centre) * 1.08
    # Let the limits show where the smallest areas sit, without letting them squash the plot.
    tops = [
        float(
            np.nanmax(
                np.where(
                    np.asarray(xs, dtype=float) >= pop[keep].min(),
                    np.asarray(ys, dtype=float),
                    np.nan,
                )
            )
        )
        for c in curves
        for xs, ys in c.lines
        if (np.asarray(xs, dtype=float) >= pop[keep].min()).any()
    ]
    y_max = max([y_max] + [min(t, y_max * 1.3) for t in tops if np.isfinite(t)])

    def sx(x: float) -> float:
        return (
            left
            + (math.log10(x) - math.log10(x_min)) / (math.log10(x_max) - math.log10(x_min)) * plot_w
        )

    def sy(y: float) -> float:
        return top + plot_h - min(max(y, 0), y_max) / y_max * plot_h

    body = [
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="{COLOURS["grid"]}"/>'
    ]
    for tick in _nice_ticks(0, y_max):
        y = sy(tick)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="{COLOURS["grid"]}"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{_fmt(y + 4)}" font-size="12" text-anchor="end" fill="{COLOURS["text"]}">{tick:g}</text>'
        )
    decade = x_min
    while decade <= x_max:
        for mult in (1, 2, 5):
            x_value = decade * mult
            if x_min <= x_value <= x_max:
                x = sx(x_value)
                body.append(
                    f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top}" y2="{top + plot_h}" stroke="{COLOURS["grid"]}"/>'
                )
                body.append(
                    f'<text x="{_fmt(x)}" y="{top + plot_h + 16}" font-size="12" text-anchor="middle" fill="{COLOURS["text"]}">{x_value:,.0f}</text>'
                )
        decade *= 10
    body.append(
        f'<text x="{left + plot_w / 2}" y="{height - 10}" font-size="13" text-anchor="middle" fill="{COLOURS["text"]}">Children aged 0 to 17 (log scale)</text>'
    )
    body.append(
        f'<text transform="translate(16 {top + plot_h / 2}) rotate(-90)" font-size="13" text-anchor="middle" fill="{COLOURS["text"]}">Identified {escape(per)}</text>'
    )
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{_fmt(sy(centre))}" y2="{_fmt(sy(centre))}" stroke="{COLOURS["text"]}" stroke-width="1.5"/>'
    )
    for curve in curves:
        for xs, ys in curve.lines:
            xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
            inside = (xs >= x_min) & (xs <= x_max) & np.isfinite(ys) & (ys <= y_max)
            points = " ".join(
                f"{_fmt(sx(x))},{_fmt(sy(y))}" for x, y in zip(xs[inside], ys[inside], strict=True)
            )
            dash = f' stroke-dasharray="{curve.dash}"' if curve.dash else ""
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{curve.colour}" stroke-width="{curve.width}"{dash}/>'
            )
    order = np.argsort(
        [{"similar": 0, "not compared": 0}.get(c, 1) for c in comparison], kind="stable"
    )
    for i in order:
        if not keep[i]:
            continue
        shape = comparison[i] if comparison[i] in COLOURS else "similar"
        colour = COLOURS[shape]
        tip = f"{labels[i]}: {val[i]:.1f} {per}, {pop[i]:,.0f} children ({comparison[i]})"
        body.append(
            _marker(shape, sx(pop[i]), sy(val[i]), colour)
            + f"><title>{escape(tip)}</title>"
            + ("</polygon>" if shape in ("lower", "higher") else "</circle>")
        )
        if shape in ("lower", "higher"):  # name the flagged areas; there are few of them
            body.append(
                f'<text x="{_fmt(sx(pop[i]) + 7)}" y="{_fmt(sy(val[i]) - 5)}" font-size="11" '
                f'fill="{colour}" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(labels[i])}</text>'
            )
    body.append(_funnel_legend(curves, left + plot_w + 16, top))
    counts = {
        k: int(sum(1 for c, ok in zip(comparison, keep, strict=True) if ok and c == k))
        for k in ("lower", "similar", "higher")
    }
    desc = (
        f"Funnel plot of {int(keep.sum())} areas. Centre line {centre:.1f} {per}. "
        f"{counts['lower']} lower than peers, {counts['similar']} similar, {counts['higher']} higher."
    )
    return _svg(
        width,
        height,
        "Funnel plot: identified rate against number of children",
        desc,
        body,
        "chart funnel",
    )


def _funnel_legend(curves: Sequence[LimitCurve], x: float, y: float) -> str:
    rows = [("line", "Centre (national rate)", "", COLOURS["text"], 1.5)]
    rows += [("line", c.label, c.dash, c.colour, c.width) for c in curves]
    rows += [
        ("mark", "Lower than peers", "lower", COLOURS["lower"], 0),
        ("mark", "Similar to peers", "similar", COLOURS["similar"], 0),
        ("mark", "Higher than peers", "higher", COLOURS["higher"], 0),
    ]
    height = 16 * len(rows) + 8
    parts = [
        f'<g><rect x="{x}" y="{y}" width="210" height="{height}" fill="#fff" stroke="{COLOURS["grid"]}"/>'
    ]
    for i, (kind, label, style, colour, width) in enumerate(rows):
        cy = y + 12 + 16 * i
        if kind == "line":
            dash = f' stroke-dasharray="{style}"' if style else ""
            parts.append(
                f'<line x1="{x + 8}" x2="{x + 36}" y1="{cy}" y2="{cy}" stroke="{colour}" stroke-width="{width}"{dash}/>'
            )
        else:
            close = "</polygon>" if style in ("lower", "higher") else "</circle>"
            parts.append(_marker(style, x + 22, cy, colour) + ">" + close)
        parts.append(
            f'<text x="{x + 44}" y="{cy + 4}" font-size="12" fill="{COLOURS["text"]}">{escape(label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def dot_plot(
    rows: Sequence[DotRow],
    peer_rate: float,
    *,
    title: str,
    per: str = "per 10,000 children",
    width: int = 520,
) -> str:
    """Render one area against its neighbours: a dot and interval per area, a line at peers' rate.

    Parameters
    ----------
    rows : sequence of DotRow
        Each with ``name``, ``rate``, ``lower``, ``upper`` and ``subject`` (True for the area
        being compared); drawn top to bottom in the order given. A missing rate is shown as
        "no rate".
    peer_rate : float
        The pooled rate of the neighbours, drawn as a dashed vertical line.
    title : str
        Accessible title of the chart.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    row_h, top, label_w, right = 20, 8, 190, 24
    height = top + row_h * len(rows) + 34
    plot_w = width - label_w - right
    finite = [v for r in rows for v in (r["rate"], r["upper"]) if v is not None and np.isfinite(v)]
    x_max = max(finite + [peer_rate, 1.0]) * 1.05

    def sx(x: float) -> float:
        return label_w + min(max(x, 0), x_max) / x_max * plot_w

    body = []
    for tick in _nice_ticks(0, x_max, 4):
        x = sx(tick)
        body.append(
            f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top}" y2="{top + row_h * len(rows)}" stroke="{COLOURS["grid"]}"/>'
        )
        body.append(
            f'<text x="{_fmt(x)}" y="{top + row_h * len(rows) + 14}" font-size="11" text-anchor="middle" fill="{COLOURS["text"]}">{tick:g}</text>'
        )
    for i, row in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        weight = ' font-weight="bold"' if row.get("subject") else ""
        name = escape(row["name"] if len(row["name"]) <= 28 else row["name"][:27] + "…")
        body.append(
            f'<text x="{label_w - 8}" y="{_fmt(cy + 4)}" font-size="12" text-anchor="end" fill="{COLOURS["text"]}"{weight}>{name}</text>'
        )
        value = row["rate"]
        if value is None or not np.isfinite(value):
            body.append(
                f'<text x="{label_w + 4}" y="{_fmt(cy + 4)}" font-size="11" fill="{COLOURS["axis"]}">no rate</text>'
            )
            continue
        colour = COLOURS["lower"] if row.get("subject") else COLOURS["similar"]
        body.append(
            f'<line x1="{_fmt(sx(row["lower"]))}" x2="{_fmt(sx(row["upper"]))}" y1="{_fmt(cy)}" y2="{_fmt(cy)}" stroke="{colour}" stroke-width="2"/>'
        )
        tip = f"{row['name']}: {value:.1f} (95% CI {row['lower']:.1f} to {row['upper']:.1f}) {per}"
        body.append(
            f'<circle cx="{_fmt(sx(value))}" cy="{_fmt(cy)}" r="4.5" fill="{colour}"><title>{escape(tip)}</title></circle>'
        )
    x = sx(peer_rate)
    body.append(
        f'<line x1="{_fmt(x)}" x2="{_fmt(x)}" y1="{top - 4}" y2="{top + row_h * len(rows)}" stroke="{COLOURS["higher"]}" stroke-dasharray="5 3" stroke-width="1.5"/>'
    )
    body.append(
        f'<text x="{label_w + plot_w / 2}" y="{height - 4}" font-size="11" text-anchor="middle" fill="{COLOURS["text"]}">Identified {escape(per)}; dashed line: peers\' rate {peer_rate:.1f}</text>'
    )
    subject = next((r for r in rows if r.get("subject")), rows[0])
    desc = f"{subject['name']} compared with {len(rows) - 1} neighbours; peers' rate {peer_rate:.1f} {per}."
    return _svg(width, height, title, desc, body, "chart dots")


def sparkline(
    years: Sequence[int],
    rates: Sequence[float],
    *,
    label: str,
    width: int = 190,
    height: int = 34,
) -> str:
    """Render a small trend line of one area's rate over the years.

    The scale runs from 0 to the area's own highest rate (a shared scale flattens every line
    but Blackpool's), so the first and last values are printed beside the line to keep areas
    comparable. Years with no rate (suppressed, missing or before the area existed) are gaps,
    never zeros.

    Parameters
    ----------
    years, rates : sequences of equal length
        Reporting years and rates (NaN for a gap).
    label : str
        Name used in the accessible title.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    ys = np.asarray(rates, dtype=float)
    finite = [i for i in range(len(ys)) if np.isfinite(ys[i])]
    y_max = float(np.nanmax(ys)) if finite and np.nanmax(ys) > 0 else 1.0
    pad, text_w = 3, 34
    plot_x = text_w
    plot_w, plot_h = width - 2 * text_w - 2 * pad, height - 2 * pad
    n = max(len(years) - 1, 1)

    def point(i: int) -> tuple[float, float]:
        return plot_x + pad + i / n * plot_w, pad + plot_h - ys[i] / y_max * plot_h

    segments, current = [], []
    for i in range(len(ys)):
        if np.isfinite(ys[i]):
            current.append(point(i))
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    base = pad + plot_h
    body = [
        f'<line x1="{plot_x + pad}" x2="{plot_x + pad + plot_w}" y1="{base}" y2="{base}" stroke="{COLOURS["grid"]}"/>'
    ]
    for seg in segments:
        if len(seg) == 1:
            body.append(
                f'<circle cx="{_fmt(seg[0][0])}" cy="{_fmt(seg[0][1])}" r="1.5" fill="{COLOURS["text"]}"/>'
            )
        else:
            pts = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in seg)
            body.append(
                f'<polyline points="{pts}" fill="none" stroke="{COLOURS["text"]}" stroke-width="1.3"/>'
            )
    if finite:
        first, last = finite[0], finite[-1]
        x, y = point(last)
        body.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.2" fill="{COLOURS["higher"]}"/>')
        body.append(
            f'<text x="{plot_x - 2}" y="{height / 2 + 4}" font-size="11" text-anchor="end" fill="{COLOURS["axis"]}">{ys[first]:.1f}</text>'
        )
        body.append(
            f'<text x="{width - 2}" y="{height / 2 + 4}" font-size="11" text-anchor="end" fill="{COLOURS["text"]}">{ys[last]:.1f}</text>'
        )
    described = ", ".join(
        f"{y}: {v:.1f}" if np.isfinite(v) else f"{y}: no rate"
        for y, v in zip(years, ys, strict=True)
    )
    return _svg(width, height, f"Trend for {label}", described, body, "chart spark", fluid=False)


def year_ratio_plot(
    years: Sequence[int],
    ratios: Sequence[float],
    *,
    persistent: float,
    limit: float,
    label: str,
    width: int = 520,
    height: int = 150,
) -> str:
    """Render one area's ratio to its peers in each year, with its persistent ratio and limit.

    The ratio axis is logarithmic (a fifth is as far below 1 as five is above). Years with no
    ratio (no published count, fewer than 5, held out, before the area existed) are gaps.

    Parameters
    ----------
    years, ratios : sequences of equal length
        Years and the area's identified / expected at its peers' rate (NaN for a gap).
    persistent : float
        The area's persistent ratio (geometric mean over its years), drawn as a solid line.
    limit : float
        The lower limit of typical areas' persistent ratios, drawn dashed.
    label : str
        Name used in the accessible title.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    values = np.asarray(ratios, dtype=float)
    finite = [v for v in (*values, persistent, limit, 1.0) if np.isfinite(v) and v > 0]
    low = min(finite) / 1.3
    high = max(finite) * 1.3
    left, right, top, bottom = 56, 16, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(years) - 1, 1)

    def sx(i: int) -> float:
        return left + i / n * plot_w

    def sy(v: float) -> float:
        return top + (math.log(high) - math.log(v)) / (math.log(high) - math.log(low)) * plot_h

    body = []
    for tick in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0):
        if low <= tick <= high:
            y = sy(tick)
            body.append(
                f'<line x1="{left}" x2="{left + plot_w}" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="{COLOURS["grid"]}"/>'
            )
            body.append(
                f'<text x="{left - 6}" y="{_fmt(y + 4)}" font-size="11" text-anchor="end" fill="{COLOURS["text"]}">{tick:g}</text>'
            )
    for i, year in enumerate(years):
        body.append(
            f'<text x="{_fmt(sx(i))}" y="{height - 10}" font-size="11" text-anchor="middle" fill="{COLOURS["text"]}">{year}</text>'
        )
    for value, colour, dash, name in (
        (1.0, COLOURS["axis"], "", "peers"),
        (limit, COLOURS["lower"], "5 3", "limit"),
        (persistent, COLOURS["text"], "", "persistent"),
    ):
        if np.isfinite(value) and value > 0:
            y = sy(value)
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(
                f'<line x1="{left}" x2="{left + plot_w}" y1="{_fmt(y)}" y2="{_fmt(y)}" stroke="{colour}"{dashed} stroke-width="1.3"><title>{name} {value:.2f}</title></line>'
            )
    for i, value in enumerate(values):
        if np.isfinite(value) and value > 0:
            body.append(
                f'<circle cx="{_fmt(sx(i))}" cy="{_fmt(sy(value))}" r="4" fill="{COLOURS["lower"] if value < limit else COLOURS["similar"]}"><title>{years[i]}: {value:.2f} of peers\' rate</title></circle>'
            )
    described = "; ".join(
        f"{y}: {v:.2f}" if np.isfinite(v) else f"{y}: no ratio"
        for y, v in zip(years, values, strict=True)
    )
    desc = (
        f"Ratio to peers by year ({described}); persistent ratio {persistent:.2f}, "
        f"lower limit {limit:.2f}."
    )
    return _svg(width, height, f"{label}: ratio to its peers by year", desc, body, "chart years")
