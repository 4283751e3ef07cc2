"""The FEBRL benchmark configuration reaches the target F1 >= 0.998 on FEBRL4 and FEBRL3.

The truth comes from FEBRL's record ids (``rec-N-org`` and ``rec-N-dup-k`` are one person); the
model is trained without it.
"""

import pandas as pd
import pytest

from jigsaw.linkage import febrl


def test_febrl4_links_a_with_b_at_f1_0998():
    result = febrl.link_febrl4()
    assert result.scores.actual == 5000  # every record of B duplicates one of A
    assert result.scores.f1 >= 0.998
    assert result.scores.precision >= 0.998
    assert len(result.clusters) == 10000


def test_febrl3_dedupes_at_f1_0998():
    result = febrl.dedupe_febrl3()
    assert len(result.clusters) == 5000
    assert result.scores.f1 >= 0.998
    assert result.scores.recall >= 0.998


def test_prepare_lowercases_trims_and_blanks_to_missing():
    frame = pd.DataFrame({c: [" Ab ", ""] for c in febrl.FIELDS})
    frame.index = pd.Index(["rec-1-org", "rec-1-dup-0"], name="rec_id")
    out = febrl.prepare(frame)
    assert list(out["unique_id"]) == ["rec-1-org", "rec-1-dup-0"]
    assert out.loc[0, "surname"] == "ab"
    assert out["surname"].isna().tolist() == [False, True]


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="febrl5"):
        febrl.load("febrl5")
