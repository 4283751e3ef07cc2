"""A small text-only PDF writer for minutes: A4 pages of wrapped lines, each page marked.

Minutes of a multi-agency meeting are printed and filed; the protective marking (for example
OFFICIAL-SENSITIVE) must be at the top and bottom of every page. Only the 14 standard fonts are
used, so nothing is embedded and no library is needed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

WIDTH, HEIGHT = 595, 842  # A4 in points
MARGIN = 56
LEADING = 14
WRAP = 92  # characters of 10 pt Helvetica that fit between the margins
LINES_PER_PAGE = (HEIGHT - 2 * MARGIN - 3 * LEADING) // LEADING


def _escape(text: str) -> str:
    # The standard fonts speak Latin-1 (WinAnsi); anything else is replaced, never dropped silently.
    latin = text.encode("latin-1", "replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def wrap(lines: Iterable[str]) -> list[str]:
    """Each line wrapped to the page width; blank lines kept."""
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, WRAP, subsequent_indent="  ") or [""])
    return out


def text_pdf(lines: Iterable[str], *, marking: str, title: str) -> bytes:
    """A PDF of ``lines`` (wrapped), ``marking`` centred at the top and bottom of every page and
    page numbers in the footer; ``title`` is the document's title in its information."""
    body = wrap(lines)
    pages = [body[i : i + LINES_PER_PAGE] for i in range(0, len(body), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = []

    def add(content: bytes) -> int:
        objects.append(content)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    info = add(f"<< /Title ({_escape(title)}) /Producer (Jigsaw) >>".encode("latin-1"))
    kids = []
    for number, page_lines in enumerate(pages, start=1):
        mark_x = WIDTH / 2 - len(marking) * 3.3
        parts = [
            f"BT /F2 11 Tf {mark_x:.1f} {HEIGHT - MARGIN + 20} Td ({_escape(marking)}) Tj ET",
            f"BT /F2 11 Tf {mark_x:.1f} {MARGIN - 30} Td ({_escape(marking)}) Tj ET",
            f"BT /F1 9 Tf {WIDTH - MARGIN - 60} {MARGIN - 30} Td (Page {number} of {len(pages)}) Tj ET",
            f"BT /F1 10 Tf {MARGIN} {HEIGHT - MARGIN - LEADING} Td {LEADING} TL",
        ]
        parts += [f"({_escape(line)}) '" for line in page_lines]
        parts.append("ET")
        stream = "\n".join(parts).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] "
                f"/Resources << /Font << /F1 {font} 0 R /F2 {bold} 0 R >> >> "
                f"/Contents {content} 0 R >>".encode("latin-1")
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode("latin-1")
    objects[pages_id - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    ).encode("latin-1")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for index, entry in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % index + entry + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (
        b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, info, xref)
    )
    return bytes(out)
