"""People: person mentions matched into persons with Splink, under two thresholds.

Each mention is read into forename, forename group (the linkage nickname table), surname, its
sound code, nickname and approximate age. Splink scores the pairs that share a forename group, a
surname sound or a nickname with a Fellegi-Sunter model whose m and u probabilities are set out
below (chosen, not trained: a partnership's exports hold too few repeated adults to train on) and
with term-frequency adjustments, so that a common name ("Mohammed", "Khan") counts for less than
a rare one. Pairs at or above ``link`` are the same person; pairs between ``review`` and ``link``
are reported for a person to decide, never merged; the rest are different people.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from jigsaw.connect._normalise import parse_person
from jigsaw.linkage import forename_group, soundex

__all__ = ["PERSON_LEVELS", "PeopleResult", "match_people"]

# (label, SQL condition, m, u) per comparison; the first level a pair passes is its level. m is
# the chance among mentions of one person, u among mentions of two people (assumed values, see
# docs/methods/groups.md); u of an exact name is replaced by the name's frequency (tf).
PERSON_LEVELS: dict[str, list[tuple[str, str, float, float]]] = {
    "forename": [
        ("exact", "forename_l = forename_r", 0.6, 0.01),
        ("same group", "forename_group_l = forename_group_r", 0.2, 0.01),
        # Short names one letter apart are different names (Kaz, Maz, Taz), not slips.
        (
            "one slip",
            "damerau_levenshtein(forename_l, forename_r) <= 1 AND length(forename_l) >= 5",
            0.1,
            0.005,
        ),
        ("different", "ELSE", 0.05, 0.981),
    ],
    "surname": [
        ("exact", "surname_l = surname_r", 0.75, 0.005),
        (
            "near",
            "damerau_levenshtein(surname_l, surname_r) <= 1 AND length(surname_l) >= 5",
            0.2,
            0.005,
        ),
        ("different", "ELSE", 0.05, 0.985),
    ],
    "nickname": [
        ("exact", "nickname_l = nickname_r", 0.8, 0.02),
        ("different", "ELSE", 0.2, 0.98),
    ],
    # A person named as the child's relative ("mum Sarah Khan") and one named otherwise are
    # seldom the same person: siblings share their family, unrelated children rarely do.
    "family": [
        ("both or neither", "family_l = family_r", 0.95, 0.7),
        ("one only", "ELSE", 0.05, 0.3),
    ],
    "age": [
        ("within 3 years", "abs(age_l - age_r) <= 3", 0.7, 0.15),
        ("within 8 years", "abs(age_l - age_r) <= 8", 0.25, 0.25),
        ("further apart", "ELSE", 0.05, 0.6),
    ],
}
_TF = {"forename": "forename", "surname": "surname", "nickname": "nickname"}
_COLUMNS = {
    "forename": ["forename"],
    "surname": ["surname"],
    "nickname": ["nickname"],
    "family": ["family"],
    "age": ["age"],
}
# The prior: the chance that two person mentions picked at random are of one person. A person is
# assumed to be mentioned about three times in a file, so the chance is 2 / (n - 1) among n
# mentions: the larger the file, the more evidence one match needs (assumed).
OTHER_MENTIONS = 2.0
BLOCKING = [
    "l.forename_group = r.forename_group",
    "l.surname_sdx = r.surname_sdx",
    "l.nickname = r.nickname",
]


@dataclass(frozen=True)
class PeopleResult:
    """``person`` maps each person mention (index) to a person number; ``links`` lists the pairs
    matched directly (``mention_l, mention_r``); ``review`` the uncertain pairs (``mention_l,
    mention_r, probability``) for a person to decide."""

    person: pd.Series
    links: pd.DataFrame
    review: pd.DataFrame


def _settings(n: int) -> dict[str, Any]:
    comparisons = []
    for name, levels in PERSON_LEVELS.items():
        nulls = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in _COLUMNS[name])
        out: list[dict[str, Any]] = [
            {"sql_condition": nulls, "label_for_charts": "missing", "is_null_level": True}
        ]
        for label, sql, m, u in levels:
            level: dict[str, Any] = {
                "sql_condition": sql,
                "label_for_charts": label,
                "m_probability": m,
                "u_probability": u,
            }
            if label == "exact" and name in _TF:
                level["tf_adjustment_column"] = _TF[name]
                level["tf_adjustment_weight"] = 1.0
            out.append(level)
        comparisons.append({"output_column_name": name, "comparison_levels": out})
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": min(0.5, OTHER_MENTIONS / max(n - 1, 1)),
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": BLOCKING,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


def person_table(values: pd.Series) -> pd.DataFrame:
    """Return the parsed form of each person mention (index kept), as Splink reads it."""
    parsed = [parse_person(v) for v in values.tolist()]
    frame = pd.DataFrame(
        {
            "forename": [p.forename for p in parsed],
            "surname": [p.surname for p in parsed],
            "nickname": [p.nickname for p in parsed],
            "age": pd.array([p.age for p in parsed], dtype="Int64"),
            "family": [p.family for p in parsed],
            "specificity": [p.specificity for p in parsed],
        },
        index=values.index,
    )
    # A nickname alone is also the name the person is known by: it blocks and compares as one.
    frame["forename_group"] = [forename_group(f) for f in frame["forename"]]
    frame["surname_sdx"] = [soundex(s) for s in frame["surname"]]
    return frame


def match_people(table: pd.DataFrame, *, link: float, review: float) -> PeopleResult:
    """Match parsed person mentions (see :func:`person_table`) into persons.

    Mentions with neither a name nor a nickname are persons of their own.
    """
    import duckdb
    from splink import DuckDBAPI, Linker

    people = pd.Series(range(len(table)), index=table.index, dtype="int64")
    usable = table[(table["forename"].notna() | table["nickname"].notna())]
    empty_review = pd.DataFrame(columns=["mention_l", "mention_r", "probability"])
    if len(usable) < 2:
        return PeopleResult(people, pd.DataFrame(columns=["mention_l", "mention_r"]), empty_review)
    frame = usable[
        ["forename", "forename_group", "surname", "surname_sdx", "nickname", "family", "age"]
    ].copy()
    frame["age"] = frame["age"].astype("float64")
    frame.insert(0, "unique_id", range(len(frame)))
    # No progress bar: the command prints its own progress, and a bar would fill a log.
    connection = duckdb.connect(":memory:")
    connection.execute("SET enable_progress_bar = false")
    db_api = DuckDBAPI(connection=connection)
    linker = Linker(db_api.register(frame), _settings(len(frame)), log_level=logging.ERROR)
    predictions = linker.inference.predict(threshold_match_probability=review)
    pairs: pd.DataFrame = linker.misc.query_sql(  # type: ignore[no-untyped-call]
        # The table name is Splink's own, never user input.
        f"select unique_id_l, unique_id_r, match_probability from {predictions.physical_name}",  # noqa: S608
        output_type="pandas",
    )
    connection.close()
    index = usable.index.to_numpy()
    strong = pairs[pairs["match_probability"] >= link]
    parent = list(range(len(frame)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in zip(
        strong["unique_id_l"].tolist(), strong["unique_id_r"].tolist(), strict=True
    ):
        a, b = find(int(left)), find(int(right))
        if a != b:
            parent[max(a, b)] = min(a, b)
    base = len(table)
    values = people.to_numpy().copy()
    values[table.index.get_indexer(pd.Index(index))] = [base + find(k) for k in range(len(index))]
    people = pd.Series(values, index=table.index, dtype="int64")
    uncertain = pairs[pairs["match_probability"] < link]
    review_pairs = pd.DataFrame(
        {
            "mention_l": index[uncertain["unique_id_l"].to_numpy(int)],
            "mention_r": index[uncertain["unique_id_r"].to_numpy(int)],
            "probability": uncertain["match_probability"].round(4).to_numpy(),
        }
    )
    links = pd.DataFrame(
        {
            "mention_l": index[strong["unique_id_l"].to_numpy(int)],
            "mention_r": index[strong["unique_id_r"].to_numpy(int)],
        }
    )
    return PeopleResult(people, links, review_pairs)
