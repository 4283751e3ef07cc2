"""The page of ``jigsaw oversight --returns``: partnerships' returns compared, marked OFFICIAL-SENSITIVE."""

from __future__ import annotations

import html

from jigsaw.oversight import NOT_COMPARED
from jigsaw.oversight.national import funnel_limits
from jigsaw.oversight.returns import ReturnsComparison
from jigsaw.report.national import funnel_svg
from jigsaw.report.published import result_frame

__all__ = ["returns_page"]


def returns_page(result: ReturnsComparison) -> str:
    """One offline page: the funnel plot and the table beside it, as published."""
    table = result.comparison.table
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Partnerships' returns compared</title>",
        "<style>body{font-family:Arial,sans-serif;margin:2em}table{border-collapse:collapse}"
        "th,td{border:1px solid #b1b4b6;padding:.2em .5em;text-align:left}"
        ".marking{font-weight:bold;text-align:center;border:2px solid #0b0c0c}</style></head><body>",
        '<p class="marking">OFFICIAL-SENSITIVE</p>',
        f"<h1>Partnerships' returns compared, {result.period_start} to {result.period_end}</h1>",
        "<p>Children identified as victims of CSE or at risk (from the partnerships' recorded outcomes), "
        "per 10,000 children, compared with the area's peers as the national report compares CSE "
        "assessments. Counts below 5 read &lt;5; such areas are shown but not compared.</p>",
    ]
    compared = table[table["comparison"] != NOT_COMPARED]
    if len(compared) >= 4:
        parts.append(funnel_svg(funnel_limits(table), table))
    published = result_frame(table)
    columns = [
        "area_name",
        "identified",
        "children",
        "rate",
        "peers",
        "peer_rate",
        "comparison",
        "shortfall",
        "note",
    ]
    parts.append(
        "<table><thead><tr>"
        + "".join(f'<th scope="col">{c}</th>' for c in columns)
        + "</tr></thead><tbody>"
    )
    for record in published[columns].to_dict("records"):
        parts.append(
            "<tr>" + "".join(f"<td>{html.escape(str(record[c]))}</td>" for c in columns) + "</tr>"
        )
    parts.append("</tbody></table><h2>Dark figures and silent agencies</h2><table><thead><tr>")
    extra = list(result.partnerships.columns)
    parts.append("".join(f'<th scope="col">{c}</th>' for c in extra) + "</tr></thead><tbody>")
    for record in result.partnerships.to_dict("records"):
        parts.append(
            "<tr>" + "".join(f"<td>{html.escape(str(record[c]))}</td>" for c in extra) + "</tr>"
        )
    parts += ["</tbody></table>", '<p class="marking">OFFICIAL-SENSITIVE</p>', "</body></html>", ""]
    return "\n".join(parts)
