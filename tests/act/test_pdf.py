"""The minutes PDF, read back with pypdf: every page carries the marking, all the text is there."""

from __future__ import annotations

import io

import pypdf

from jigsaw.act.pdf import LINES_PER_PAGE, text_pdf

MARKING = "OFFICIAL-SENSITIVE"


def _pages(data: bytes) -> tuple[pypdf.PdfReader, list[list[str]]]:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    return reader, [page.extract_text().splitlines() for page in reader.pages]


def test_every_page_is_a4_and_marked_at_top_and_bottom_and_numbered():
    lines = [f"Line {i} (with brackets) and a back\\slash" for i in range(LINES_PER_PAGE * 2 + 3)]
    reader, pages = _pages(text_pdf(lines, marking=MARKING, title="MACE panel 2026-03-04"))
    assert reader.metadata.title == "MACE panel 2026-03-04"
    assert len(pages) == 3  # 49 + 49 + 3 lines
    for number, (page, text) in enumerate(zip(reader.pages, pages, strict=True), start=1):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        assert text[0] == MARKING
        assert text[-1] == f"{MARKING} Page {number} of 3"
    bodies = [text[1:-1] for text in pages]
    assert [len(body) for body in bodies] == [LINES_PER_PAGE, LINES_PER_PAGE, 3]
    assert sum(bodies, []) == lines  # every line, in order, brackets and backslashes intact


def test_a_long_line_wraps_onto_more_rows_and_loses_no_word():
    words = [f"word{i}" for i in range(120)]
    _, pages = _pages(
        text_pdf(["Before", " ".join(words), "", "After"], marking=MARKING, title="t")
    )
    body = pages[0][1:-1]
    assert body[0] == "Before" and body[-1] == "After"
    rows = body[1:-1]
    assert len(rows) > 3  # 120 words do not fit on one row of an A4 page
    assert " ".join(rows).split() == words


def test_blank_lines_take_a_row_so_the_page_count_follows_the_lines():
    _, pages = _pages(text_pdf(["x", ""] * LINES_PER_PAGE, marking=MARKING, title="t"))
    assert len(pages) == 2


def test_no_lines_still_give_one_marked_page():
    _, pages = _pages(text_pdf([], marking=MARKING, title="t"))
    assert pages == [[MARKING, f"{MARKING} Page 1 of 1"]]


def test_typographic_quotes_print_and_other_characters_are_replaced_visibly():
    # Windows-1252 covers the quotes a word processor inserts; Ł is outside it and shows as ?.
    reader, pages = _pages(
        text_pdf(["Zoë said “no” – to Łukasz"], marking=MARKING, title="Łódź – minutes")
    )
    assert pages[0][1] == "Zoë said “no” – to ?ukasz"
    assert reader.metadata.title == "Łódź – minutes"  # the information dictionary is Unicode
