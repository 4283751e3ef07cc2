"""The comparisons the linkage model makes between two prepared records, written once for SQL
(Splink on DuckDB or Spark) and once for Python (the one-record matcher), side by side.

Each level is a test that a pair of records passes or fails; a pair takes the first level it
passes. The SQL and Python forms of a level must agree: tests/linkage/test_comparisons.py checks
that both give the same level on every pair of a test world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "BLOCKING_RULES",
    "COMPARISONS",
    "FULL_NAME",
    "FULL_NAME_COLUMNS",
    "FULL_NAME_DATE",
    "FULL_NAME_LABEL",
    "BlockingRule",
    "Comparison",
    "Level",
    "full_name_levels",
    "full_name_weight",
]

Record = Mapping[str, object]


@dataclass(frozen=True)
class Level:
    """One level of a comparison: a label, its SQL condition and the same test in Python."""

    label: str
    sql: Callable[[str], str]  # dialect ("duckdb" or "spark") -> SQL condition
    test: Callable[[Record, Record], bool]
    is_null: bool = False
    tf_column: str | None = None
    # A neutral level carries no weight of its own (m = u always, whatever training finds): it
    # keeps a pair out of the catch-all level when another comparison already weighs the same
    # evidence, which counted twice would be taken for two independent agreements.
    neutral: bool = False


@dataclass(frozen=True)
class Comparison:
    """A named comparison: its levels from the null level to the catch-all level."""

    name: str
    description: str
    levels: tuple[Level, ...]

    def level_of(self, left: Record, right: Record) -> int:
        """Return the index of the first level the pair passes (the last level always passes)."""
        for index, level in enumerate(self.levels):
            if level.test(left, right):
                return index
        return len(self.levels) - 1


def _sql(text: str) -> Callable[[str], str]:
    return lambda dialect: text


def _null(*columns: str) -> Level:
    sql = " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)
    return Level(
        "missing on either side",
        _sql(sql),
        lambda a, b: any(a.get(c) is None or b.get(c) is None for c in columns),
        is_null=True,
    )


def _else(label: str) -> Level:
    return Level(label, _sql("ELSE"), lambda a, b: True)


def _equal(column: str, label: str, tf: bool = False) -> Level:
    return Level(
        label,
        _sql(f"{column}_l = {column}_r"),
        lambda a, b: a[column] == b[column],
        tf_column=column if tf else None,
    )


def _overlap(column: str) -> tuple[Callable[[str], str], Callable[[Record, Record], bool]]:
    def sql(dialect: str) -> str:
        function = "arrays_overlap" if dialect == "spark" else "list_has_any"
        return f"{function}({column}_l, {column}_r)"

    def test(a: Record, b: Record) -> bool:
        x, y = a.get(column), b.get(column)
        if not isinstance(x, Iterable) or not isinstance(y, Iterable):
            return False  # a missing list (None) overlaps nothing
        return bool(x) and bool(y) and not set(x).isdisjoint(y)

    return sql, test


def _in_middle(forename: str, middle: object) -> bool:
    return middle is not None and f" {forename} " in f" {middle} "


def _middle_test(a: Record, b: Record) -> bool:
    return _in_middle(str(a["forename"]), b.get("middle_names")) or _in_middle(
        str(b["forename"]), a.get("middle_names")
    )


# Most records have no middle names: testing that first spares the pattern match, built per
# pair, on almost every pair that reaches this level (the same answer: a blank matches nothing).
_MIDDLE_SQL = (
    "(middle_names_r IS NOT NULL AND "
    "concat(' ', middle_names_r, ' ') LIKE concat('% ', forename_l, ' %')) OR "
    "(middle_names_l IS NOT NULL AND "
    "concat(' ', middle_names_l, ' ') LIKE concat('% ', forename_r, ' %'))"
)


def _initial_test(a: Record, b: Record) -> bool:
    # One side is only an initial (its forename equals its initial) and the initials agree.
    a_initial, b_initial = a["forename"] == a["initial"], b["forename"] == b["initial"]
    return (a_initial or b_initial) and a["initial"] == b["initial"]


def _swapped_test(a: Record, b: Record) -> bool:
    return a["forename"] == b.get("surname") and a.get("surname") == b["forename"]


def _parts_test(a: Record, b: Record) -> bool:
    return bool({a["surname_first"], a["surname_last"]} & {b["surname_first"], b["surname_last"]})


_PARTS_SQL = (
    "surname_first_l = surname_first_r OR surname_first_l = surname_last_r OR "
    "surname_last_l = surname_first_r OR surname_last_l = surname_last_r"
)


def _swap_test(a: Record, b: Record) -> bool:
    return (
        a["dob_year"] == b["dob_year"]
        and a["dob_day"] == b["dob_month"]
        and a["dob_month"] == b["dob_day"]
    )


def _month_test(a: Record, b: Record) -> bool:
    return a["dob_year"] == b["dob_year"] and a["dob_month"] == b["dob_month"]


# An NHS number failing its check digit is no one's number, so it is compared on its own, with
# other such numbers only: a mistyped number says nothing against a valid one (the "different
# valid NHS numbers" constraint never reads it), but the same mistyped number copied between
# agencies is strong evidence.
# Every level is an equality or a list overlap, so that it works unchanged on keyed-hash tokens
# (jigsaw.linkage._tokens): typos are found by symmetric deletion (two names one edit apart
# share a name with one letter deleted), a mistyped digit by masking each digit in turn, a
# year slip by windows of a year either side (two windows overlap when the years are at most two
# apart).
_forename_typo_sql, _forename_typo_test = _overlap("forename_del")
_surname_typo_sql, _surname_typo_test = _overlap("surname_del")
_digit_sql, _digit_test = _overlap("dob_masks")
_slip_sql, _slip_test = _overlap("dob_slips")
_full_sql, _full_test = _overlap("postcodes")
_sector_sql, _sector_test = _overlap("sectors")
_district_sql, _district_test = _overlap("districts")

COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "nhs_number",
        "NHS number (valid numbers only)",
        (
            _null("nhs_number"),
            _equal("nhs_number", "same NHS number"),
            _else("different NHS numbers"),
        ),
    ),
    Comparison(
        "forename",
        "forename, with nicknames, middle names and initials",
        (
            _null("forename"),
            _equal("forename", "same forename", tf=True),
            _equal("forename_group", "nickname or variant (Jess/Jessica)"),
            Level("one typo", _forename_typo_sql, _forename_typo_test),
            _equal("forename_sdx", "sounds alike (Soundex)"),
            Level("forename is the other's middle name", _sql(_MIDDLE_SQL), _middle_test),
            Level(
                "initial agrees",
                _sql(
                    "(forename_l = initial_l OR forename_r = initial_r) AND initial_l = initial_r"
                ),
                _initial_test,
            ),
            Level(
                "forename and surname swapped",
                _sql("forename_l = surname_r AND surname_l = forename_r"),
                _swapped_test,
            ),
            _else("different forenames"),
        ),
    ),
    Comparison(
        "surname",
        "surname, with double-barrelled and changed surnames",
        (
            _null("surname"),
            _equal("surname", "same surname", tf=True),
            Level("shares part of a double-barrelled surname", _sql(_PARTS_SQL), _parts_test),
            Level("one typo", _surname_typo_sql, _surname_typo_test),
            _equal("surname_sdx", "sounds alike (Soundex)"),
            # Names typed into each other's fields: the forename comparison weighs the swap; here
            # it only keeps the surnames from counting as different (they are not: each is in the
            # other record, in the wrong field), as Splink's column-reversal levels do.
            Level(
                "forename and surname swapped (weighed with the forename)",
                _sql("forename_l = surname_r AND surname_l = forename_r"),
                _swapped_test,
                neutral=True,
            ),
            _else("different surnames"),
        ),
    ),
    Comparison(
        "dob",
        "date of birth, with day/month swaps and slips",
        (
            _null("dob"),
            _equal("dob", "same date of birth"),
            Level(
                "day and month swapped",
                _sql(
                    "dob_year_l = dob_year_r AND dob_day_l = dob_month_r "
                    "AND dob_month_l = dob_day_r"
                ),
                _swap_test,
            ),
            Level("one digit differs", _digit_sql, _digit_test),
            Level("same day and month, year within two", _slip_sql, _slip_test),
            Level(
                "same year and month",
                _sql("dob_year_l = dob_year_r AND dob_month_l = dob_month_r"),
                _month_test,
            ),
            _else("different dates of birth"),
        ),
    ),
    Comparison(
        "postcode",
        "every postcode the agency has: full, sector, district",
        (
            _null("districts"),
            Level("a postcode in common", _full_sql, _full_test),
            Level("same postcode sector", _sector_sql, _sector_test),
            Level("same postcode district", _district_sql, _district_test),
            _else("different districts"),
        ),
    ),
    Comparison(
        "sex",
        "sex",
        (
            _null("sex"),
            _equal("sex", "same sex"),
            _else("different sex"),
        ),
    ),
    Comparison(
        "nhs_as_written",
        "NHS numbers failing the check digit, compared as written",
        (
            _null("nhs_unchecked"),
            _equal("nhs_unchecked", "same number as written"),
            _else("different numbers as written"),
        ),
    ),
)


# --- Forename and surname together ------------------------------------------------------------
# The term-frequency levels weigh an exact forename by how rare that forename is and an exact
# surname by how rare that surname is, as if the two were chosen independently. They are not:
# names run in families and communities (Priya with Singh, Wei with Wang), so a full name is
# often far commoner than the product of its parts' shares says, and two different children of
# one community born the same day looked like one child. When both names agree exactly, the full
# name's share among the *other* records (those not born on either record's date of birth, so
# not the pair's own child's) replaces the product. It only ever weakens a pair: a full name
# rarer together than apart, or held by no one else, is no reason to trust the names more.

#: The step of a pair's explanation that weighs the full name (after the comparisons' steps).
FULL_NAME = "full_name"
FULL_NAME_LABEL = "forename and surname often found together"
#: The prepared columns whose exact levels the full-name step joins, and the date that tells a
#: child's own records from other children's.
FULL_NAME_COLUMNS: tuple[str, str] = ("forename", "surname")
FULL_NAME_DATE = "dob"


def full_name_weight(forename: Any, surname: Any, others: Any) -> Any:
    """The full-name step in bits, from the shares of the records with a value that hold the
    forename and the surname, and the share that hold both but another date of birth than the
    pair's (``others``); numbers or numpy arrays of them. No other holder, no step.

    >>> float(full_name_weight(0.01, 0.02, 0.0002))  # as common together as apart
    0.0
    >>> float(full_name_weight(0.001, 0.002, 0.00016))  # eighty times commoner together
    -6.321928094887363
    >>> float(full_name_weight(0.05, 0.05, 0.0001))  # rarer together: no extra evidence
    0.0
    >>> float(full_name_weight(0.0001, 0.0001, 0.0))  # one child's name alone
    0.0
    """
    others = np.asarray(others, dtype=float)
    with np.errstate(divide="ignore"):
        lift = np.log2(others / (np.asarray(forename) * surname))
    return np.where(others > 0, 0.0 - np.maximum(lift, 0.0), 0.0)


def full_name_levels() -> dict[str, int]:
    """Each full-name column's comparison and the index of its exact (term-frequency) level."""
    out = {}
    for comparison in COMPARISONS:
        for index, level in enumerate(comparison.levels):
            if level.tf_column in FULL_NAME_COLUMNS:
                out[comparison.name] = index
    return out


@dataclass(frozen=True)
class BlockingRule:
    """Pairs agreeing on all ``columns`` are scored; with ``either_missing``, only when that
    column is missing on at least one side (the pairs no other rule can reach); with
    ``crossed`` (two columns), only when each side's first column equals the other side's
    second (a forename typed into the surname field and the surname into the forename field).
    A crossed condition is symmetric, so it holds whichever record Splink puts on the left."""

    columns: tuple[str, ...]
    either_missing: str | None = None
    crossed: tuple[str, str] | None = None

    def keys(self, record: Record) -> tuple[object, ...]:
        """The values a record is filed under for this rule (``columns``, then ``crossed``)."""
        own = tuple(record.get(c) for c in self.columns)
        return own + (tuple(record.get(c) for c in self.crossed) if self.crossed else ())

    def probe(self, record: Record) -> tuple[object, ...]:
        """The key under which a record's partners are filed: :meth:`keys` with the crossed
        columns the other way round, so ``probe(a) == keys(b)`` exactly when the rule pairs them."""
        own = tuple(record.get(c) for c in self.columns)
        return own + (tuple(record.get(c) for c in reversed(self.crossed)) if self.crossed else ())

    def sql(self) -> str:
        """Return the rule as Splink SQL.

        >>> BlockingRule(("dob", "surname_sdx")).sql()
        'l.dob = r.dob AND l.surname_sdx = r.surname_sdx'
        >>> BlockingRule(("surname",), either_missing="dob").sql()
        'l.surname = r.surname AND (l.dob IS NULL OR r.dob IS NULL)'
        >>> BlockingRule(("dob",), crossed=("forename_sdx", "surname_sdx")).sql()
        'l.dob = r.dob AND l.forename_sdx = r.surname_sdx AND l.surname_sdx = r.forename_sdx'
        """
        parts = [f"l.{c} = r.{c}" for c in self.columns]
        if self.crossed:
            first, second = self.crossed
            parts += [f"l.{first} = r.{second}", f"l.{second} = r.{first}"]
        text = " AND ".join(parts)
        if self.either_missing:
            text += f" AND (l.{self.either_missing} IS NULL OR r.{self.either_missing} IS NULL)"
        return text


# Pairs are scored only when they agree under at least one rule (all on columns of the prepared
# frame). Each rule's blocks stay small nationally; together they reach the pairs that differ
# in any one identifier, and name-only records through the rule for a missing date of birth.
# The last two reach a record whose names were typed into each other's fields (a form or
# system that asks "surname" first): no other rule can, since every other rule compares a
# forename with a forename. Their blocks are small because few forenames are also surnames.
#
# Names that only sound alike, in one sector, also need the birth year or the birth month to
# agree, or a date of birth missing on one side: with names and sector alone, that rule made 38%
# of a 1,000,000-record run's pairs (4.5 million scored for 2,000 true pairs no other rule
# reached); these three keep all but about 60 of those for 0.1 million pairs.
#
# The rules that need a place as well as names take the postcode sector (about 3,000 households),
# not the district (about 10,000 nationally, and 66,000 records each in the synthetic world's
# 15 districts, where those rules made half the pairs scored); the birth day and month rule keeps
# the district, with a rule of its own for records that have none. A child who moved between
# sectors of one district is still reached through the date of birth rules and the day and month
# rule; one who moved to another district and whose birth year was also mistyped is reached
# only through an NHS number.
BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(("nhs_number",)),
    BlockingRule(("dob", "surname_sdx")),
    BlockingRule(("dob", "forename_group")),
    BlockingRule(("forename_sdx", "surname_sdx", "postcode_sector", "dob_year")),
    BlockingRule(("forename_sdx", "surname_sdx", "postcode_sector", "dob_month")),
    BlockingRule(("forename_group", "surname_sdx", "dob_year", "postcode_sector")),
    BlockingRule(("forename_group", "surname_sdx", "dob_month", "dob_day", "district")),
    BlockingRule(
        ("forename_group", "surname_sdx", "dob_month", "dob_day"), either_missing="district"
    ),
    BlockingRule(("forename_group", "surname_sdx", "postcode_sector"), either_missing="dob"),
    BlockingRule(("forename_sdx", "surname_sdx", "postcode_sector"), either_missing="dob"),
    BlockingRule(("dob",), crossed=("forename_sdx", "surname_sdx")),
    BlockingRule(("postcode_sector",), crossed=("forename_sdx", "surname_sdx")),
)
