"""The minutes as a PDF: A4 pages of wrapped lines, each page carrying the protective marking.

Minutes of a multi-agency meeting are printed and filed; the protective marking (for example
OFFICIAL-SENSITIVE) must be at the top and bottom of every page. fpdf2 lays the pages out and
writes the file. Only the standard Helvetica font is used, so no font file has to be on the
server: it speaks Windows-1252 (Latin-1 plus the typographic quotes, dashes and the euro sign
that text pasted from a word processor brings), and any other character is printed as ``?``,
so a gap in a name is visible on the page rather than the character vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

ENCODING = "cp1252"  # what the standard fonts can draw (PDF's WinAnsiEncoding)
MARGIN = 56  # points
LEADING = 14  # points from one line of 10 pt text to the next
BODY_TOP = MARGIN + 8  # the body starts below the top marking
LINES_PER_PAGE = 49  # lines of body text on a page; the bottom margin below follows from it
INDENT = 14  # continuation lines of a wrapped line are indented by this much


def printable(text: str) -> str:
    """``text`` with every character the standard fonts cannot draw replaced by ``?``."""
    return text.encode(ENCODING, "replace").decode(ENCODING)


class _Minutes(FPDF):
    """A4 pages whose header and footer carry the marking, and the footer the page number."""

    def __init__(self, marking: str) -> None:
        super().__init__(orientation="portrait", unit="pt", format="A4")
        self.core_fonts_encoding = ENCODING
        self.marking = printable(marking)
        self.set_margins(MARGIN, BODY_TOP, MARGIN)
        # Half a point of slack so that rounding never pushes the last line onto the next page.
        bottom = self.h - BODY_TOP - LINES_PER_PAGE * LEADING - 0.5
        self.set_auto_page_break(True, margin=bottom)

    def header(self) -> None:
        self.set_font("helvetica", "B", 11)
        self.set_xy(MARGIN, MARGIN - 28)
        self.cell(self.epw, LEADING, self.marking, align=Align.C)
        self.set_xy(MARGIN, BODY_TOP)

    def footer(self) -> None:
        y = self.h - MARGIN + 14
        self.set_font("helvetica", "B", 11)
        self.set_xy(MARGIN, y)
        self.cell(self.epw, LEADING, self.marking, align=Align.C)
        self.set_font("helvetica", "", 9)
        self.set_xy(MARGIN, y)
        self.cell(self.epw, LEADING, f"Page {self.page_no()} of {{nb}}", align=Align.R)


def text_pdf(lines: Iterable[str], *, marking: str, title: str) -> bytes:
    """A PDF of ``lines`` (wrapped), ``marking`` centred at the top and bottom of every page and
    page numbers in the footer; ``title`` is the document's title in its information."""
    pdf = _Minutes(marking)
    pdf.set_title(title)
    pdf.set_creator("Jigsaw")
    pdf.add_page()
    pdf.set_font("helvetica", "", 10)
    for line in lines:
        if not line.strip():
            pdf.ln(LEADING)
            continue
        # The first row of a line takes the full width; the rest hang indented beneath it.
        text = printable(line)
        rows = pdf.multi_cell(pdf.epw, LEADING, text, dry_run=True, output="LINES")
        if not isinstance(rows, list):  # the return type depends on ``output``; mypy cannot see it
            raise TypeError(f"fpdf2 returned {type(rows).__name__} for the rows of a line")
        # The rows come back in the font's one-byte encoding: only their length is taken.
        cut = len(str(rows[0]))
        pdf.cell(pdf.epw, LEADING, text[:cut], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        rest = text[cut:].lstrip(" ")
        if rest:
            pdf.set_x(MARGIN + INDENT)
            pdf.multi_cell(
                pdf.epw - INDENT, LEADING, rest, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
    return bytes(pdf.output())
