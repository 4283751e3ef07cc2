"""A group's network picture: server-rendered SVG in the national report's style.

Children on the left, the people, vehicles, phones, accounts and places that connect them on the
right, a line for each child's mentions of an entity. Built on :mod:`jigsaw.report.charts` (its
frame and palette), with no script, so it works offline; a table beside it says the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from jigsaw.report.charts import COLOURS, _fmt, _svg

__all__ = ["network_chart"]

_KIND_COLOUR = {
    "person": COLOURS["lower"],
    "vehicle": COLOURS["higher"],
    "phone": COLOURS["similar"],
    "online": "#4c2c92",
    "place": COLOURS["axis"],
}


def _short(text: str, size: int = 26) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def network_chart(
    children: Sequence[tuple[int, str]],
    entities: Sequence[tuple[str, str, str]],
    edges: Sequence[tuple[int, str, int]],
    *,
    title: str,
    width: int = 620,
) -> str:
    """Children (``id, name``), entities (``id, kind, label``) and edges (``child id, entity id,
    mentions``), drawn as two columns joined by lines (thicker for more mentions)."""
    row_h, top = 30, 16
    rows = max(len(children), len(entities), 1)
    height = top * 2 + row_h * rows + 18
    left_x, right_x = 130, width - 180
    child_y = {
        c: top + row_h * (i + 0.5) + (rows - len(children)) * row_h / 2
        for i, (c, _) in enumerate(children)
    }
    entity_y = {
        e: top + row_h * (i + 0.5) + (rows - len(entities)) * row_h / 2
        for i, (e, _, _) in enumerate(entities)
    }
    body: list[str] = []
    described = []
    names = dict(children)
    labels = {e: label for e, _, label in entities}
    for child, entity, count in edges:
        if child not in child_y or entity not in entity_y:
            continue
        body.append(
            f'<line x1="{left_x}" y1="{_fmt(child_y[child])}" x2="{right_x}" '
            f'y2="{_fmt(entity_y[entity])}" stroke="{COLOURS["axis"]}" '
            f'stroke-width="{min(1 + count, 5)}"/>'
        )
        described.append(f"{names[child]} to {labels[entity]} ({count} mention{'s' * (count > 1)})")
    for child, name in children:
        y = child_y[child]
        body.append(
            f'<circle cx="{left_x}" cy="{_fmt(y)}" r="7" fill="{COLOURS["text"]}"/>'
            f'<text x="{left_x - 12}" y="{_fmt(y + 4)}" font-size="12" text-anchor="end" '
            f'fill="{COLOURS["text"]}">{escape(_short(name, 20))}</text>'
        )
    for entity, kind, label in entities:
        y = entity_y[entity]
        colour = _KIND_COLOUR.get(kind, COLOURS["axis"])
        body.append(
            f'<rect x="{right_x - 7}" y="{_fmt(y - 7)}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{right_x + 12}" y="{_fmt(y + 4)}" font-size="12" '
            f'fill="{COLOURS["text"]}">{escape(kind)}: {escape(_short(label))}</text>'
        )
    body.append(
        f'<text x="{left_x}" y="{height - 6}" font-size="11" text-anchor="middle" '
        f'fill="{COLOURS["text"]}">children</text>'
        f'<text x="{right_x}" y="{height - 6}" font-size="11" text-anchor="middle" '
        f'fill="{COLOURS["text"]}">what connects them</text>'
    )
    return _svg(
        width, height, title, "; ".join(described) or "no connections", body, "chart network"
    )
