"""The minutes PDF: a well-formed file whose every page carries the protective marking."""

from __future__ import annotations

import re

from jigsaw.act.pdf import LINES_PER_PAGE, text_pdf


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(n): body for n, body in re.findall(rb"(\d+) 0 obj\n(.*?)\nendobj", data, re.S)}


def test_every_page_is_marked_and_the_cross_reference_table_points_at_each_object():
    lines = [f"Line {i} (with brackets) and a back\\slash" for i in range(LINES_PER_PAGE * 2 + 3)]
    data = text_pdf(lines, marking="OFFICIAL-SENSITIVE", title="MACE minutes")
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)", data).group(1))
    table = data[start:].split(b"trailer")[0].splitlines()[3:]
    offsets = [int(row.split()[0]) for row in table]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(b"%d 0 obj" % number)
    streams = [b for b in _objects(data).values() if b"stream" in b]
    assert len(streams) == 3 == int(re.search(rb"/Count (\d+)", data).group(1))
    for stream in streams:
        assert stream.count(b"(OFFICIAL-SENSITIVE) Tj") == 2
    assert b"(Line 0 \\(with brackets\\) and a back\\\\slash) '" in streams[0]
    assert b"Page 3 of 3" in streams[2]


def test_text_outside_latin_1_is_replaced_not_lost():
    data = text_pdf(["Zoë said “no”"], marking="OFFICIAL-SENSITIVE", title="t")
    assert "(Zoë said ?no?) '".encode("latin-1") in data
