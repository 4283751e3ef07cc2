"""Linkage on keyed-hash tokens gives the same children as on plain text."""

import re

import numpy as np
import pandas as pd
import pytest

from jigsaw.linkage import link, link_prepared, pairwise_scores, token, tokenise_records
from jigsaw.linkage._tokens import TOKEN_DOMAINS

KEY = b"a shared secret of the agencies"


def test_tokens_hide_values_and_keep_equality():
    assert token(KEY, "name", "jessica") == token(KEY, "name", "jessica")
    assert token(KEY, "name", "jessica") != token(KEY, "group", "jessica")
    assert token(KEY, "name", "jessica") != token(b"another key of 16+ bytes", "name", "jessica")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        token(b"short", "name", "x")


def test_token_linkage_is_within_a_hundredth_of_plain_text_f1(world):
    records = world.records.head(6000)
    plain = link(records)
    shared = tokenise_records(records, KEY)
    # Every compared value leaves as tokens (16 hex digits) or missing: no name, date or
    # postcode in plain text. (A substring test would not do: a token can hold "2011".)
    hex16 = re.compile(r"[0-9a-f]{16}")
    for column in TOKEN_DOMAINS:
        for value in shared.frame[column].head(500):
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            parts = list(value) if isinstance(value, list) else str(value).split()
            assert parts and all(hex16.fullmatch(p) for p in parts), (column, value)
    hidden = link_prepared(shared.frame)
    truth = world.truth
    f1_plain = pairwise_scores(plain.clusters, truth).f1
    f1_tokens = pairwise_scores(hidden.clusters, truth).f1
    assert abs(f1_plain - f1_tokens) <= 0.01
    assert f1_tokens > 0.98
    assert isinstance(hidden.review, pd.DataFrame)
