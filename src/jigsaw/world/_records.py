"""Agency records: each agency's identity of a child, with the noise real systems carry.

Every noise step is drawn independently per record at the rate stated in :class:`WorldConfig`
and flagged in the truth table, so tests and linkage evaluations can measure it. At most one
date-of-birth error is applied to a record. Dates are ISO ``YYYY-MM-DD`` except at the agencies
in ``config.day_first_agencies``, which export UK day-first ``DD/MM/YYYY``, and those in
``config.excel_serial_agencies`` (none by default), which export spreadsheet date serials.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd

from jigsaw.linkage import RECORD_COLUMNS
from jigsaw.world import _names
from jigsaw.world._config import AGENCIES, WorldConfig
from jigsaw.world._population import Population
from jigsaw.world._text import date_parts, date_text, digit_codes, gather, ids, strings

#: Record-id prefixes, one per agency.
PREFIX = {
    "police": "POL", "education": "EDU", "social_care": "CSC", "health": "HLT",
    "youth_justice": "YJS", "voluntary": "VOL", "housing": "HSG",
}  # fmt: skip

_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def _presence(config: WorldConfig, pop: Population, rng: np.random.Generator) -> np.ndarray:
    """Return (children, agencies) bool: which agencies hold a record of each child."""
    frame = pop.frame
    age = frame["age"].to_numpy()
    n = len(frame)
    p = np.empty((n, len(AGENCIES)))
    for j, agency in enumerate(AGENCIES):
        p[:, j] = config.agency_coverage[agency]
    col = {a: j for j, a in enumerate(AGENCIES)}
    # Police and youth justice mostly meet teenagers; schools hold children aged 4 and over.
    p[:, col["police"]] *= np.where(age >= 10, 1.6, 0.4)
    p[:, col["youth_justice"]] *= np.where(age >= 10, 2.0, 0.0)
    p[:, col["education"]] *= age >= 4
    in_care = frame["looked_after"].to_numpy() | frame["child_protection"].to_numpy()
    p[:, col["social_care"]] = np.where(in_care, 1.0, p[:, col["social_care"]])
    return rng.random((n, len(AGENCIES))) < np.clip(p, 0, 1)


def _typo(names: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return each name with one keyboard slip: a substitution, deletion, doubling or swap."""
    op = rng.integers(0, 4, len(names))
    where = rng.random(len(names))
    letter = rng.integers(0, len(_KEYBOARD), len(names))
    out = np.empty(len(names), dtype=object)
    for i, (name, o, w, c) in enumerate(zip(names, op, where, letter, strict=True)):
        if len(name) < 3:
            out[i] = name + _KEYBOARD[c]
            continue
        k = 1 + int(w * (len(name) - 2))  # keep the first letter, as most slips do
        if o == 0:
            new = _KEYBOARD[c] if _KEYBOARD[c] != name[k].lower() else _KEYBOARD[(c + 1) % 26]
            out[i] = name[:k] + new + name[k + 1 :]
        elif o == 1:
            out[i] = name[:k] + name[k + 1 :]
        elif o == 2:
            out[i] = name[: k + 1] + name[k] + name[k + 1 :]
        else:
            swapped = name[:k] + name[k + 1] + name[k] + name[k + 2 :]
            out[i] = swapped if swapped != name else name[:k] + name[k + 1 :]
    return out


def _at(agency: np.ndarray, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Which records (by agency number, an index into AGENCIES) are at one of ``names``."""
    return np.isin(agency, [j for j, a in enumerate(AGENCIES) if a in names])


def _each_distinct(values: np.ndarray, change: Callable[[str], str]) -> np.ndarray:
    """``change`` applied to each value, worked out once per distinct value (names repeat)."""
    codes, distinct = pd.factorize(values)
    changed = np.array([change(s) for s in distinct], dtype=object)
    return changed[codes] if len(values) else np.empty(0, dtype=object)


def _fold(name: str) -> str:
    """Drop accents and apostrophes, as older agency systems do."""
    text = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    return "".join(ch for ch in text if not unicodedata.combining(ch) and ch != "'")


def build(
    config: WorldConfig,
    pop: Population,
    needed: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Return ``(records, truth, child, agency)`` for every child (``child`` indexes each record's
    child, ``agency`` its agency in AGENCIES); ``needed`` lists (child, agency) pairs that
    must have a record because the agency raised a concern about the child."""
    n_agencies = len(AGENCIES)
    has = _presence(config, pop, rng)
    has[needed["child"].to_numpy(), needed["agency"].to_numpy()] = True
    extra = np.array([config.extra_records[a] for a in AGENCIES])
    count = has * (1 + rng.poisson(np.broadcast_to(extra, has.shape)))
    child = np.repeat(np.repeat(np.arange(len(has)), n_agencies), count.ravel())
    agency = np.repeat(np.tile(np.arange(n_agencies), len(has)), count.ravel())
    # Shuffle so that record numbers say nothing about which child a record belongs to.
    order = rng.permutation(len(child))
    child, agency = child[order], agency[order]
    order = np.argsort(agency, kind="stable")
    child, agency = child[order], agency[order]
    m = len(child)
    agency_names = np.array(AGENCIES, dtype=object)[agency]
    starts = np.searchsorted(agency, np.arange(n_agencies))
    number = np.arange(m) - starts[agency] + 1
    prefix = np.array([PREFIX[a] for a in AGENCIES], dtype=object)[agency]
    record_id = ids(prefix, number, 7)

    first, first_flag = _first_names(config, pop, child, rng)
    last, last_flag = _last_names(config, pop, child, rng)

    # Case: some systems store names in capitals; any clerk may type in one case.
    case_flag = np.full(m, "", dtype=object)
    upper_agency = _at(agency, config.upper_case_agencies)
    u = rng.random(m)
    to_upper = upper_agency | (u < config.case_rate / 2)
    to_lower = ~upper_agency & (u >= config.case_rate / 2) & (u < config.case_rate)
    first[to_upper] = _each_distinct(first[to_upper], str.upper)
    last[to_upper] = _each_distinct(last[to_upper], str.upper)
    first[to_lower] = _each_distinct(first[to_lower], str.lower)
    last[to_lower] = _each_distinct(last[to_lower], str.lower)
    case_flag[to_upper & ~upper_agency] = "upper"
    case_flag[to_lower] = "lower"

    dob, dob_flag = _dates_of_birth(config, pop, child, agency, rng)

    sex = gather(pop.frame["sex"].to_numpy(), child)
    sex_missing = rng.random(m) < config.sex_missing_rate
    sex[sex_missing] = ""

    postcode, postcode_flag = _postcodes(config, pop, child, rng)
    nhs, nhs_flag = _nhs_numbers(config, pop, child, agency, rng)

    child_ids = pop.frame["child_id"].to_numpy()[child]
    records = pd.DataFrame(
        {
            "record_id": record_id,
            "agency": agency_names,
            "first_name": first,
            "last_name": last,
            "dob": dob,
            "sex": sex,
            "postcode": postcode,
            "nhs_number": nhs,
        },
        columns=list(RECORD_COLUMNS),  # the linkage record schema orders the columns
        copy=False,  # new arrays each: no need to copy them into one block
    )
    truth = pd.DataFrame(
        {
            "record_id": record_id.copy(),  # the truth's own: the records hold the first
            "child_id": child_ids,
            "first_name_noise": first_flag,
            "last_name_noise": last_flag,
            "case_noise": case_flag,
            "dob_noise": dob_flag,
            "sex_missing": sex_missing,
            "postcode_noise": postcode_flag,
            "nhs_noise": nhs_flag,
        },
        copy=False,
    )
    return records, truth, child, agency


def _first_names(
    config: WorldConfig, pop: Population, child: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    m = len(child)
    idx = pop.forename[child]
    first = _names.FORENAME_TABLE[idx].copy()
    flag = np.full(m, "", dtype=object)
    offsets, variants = _names.variant_table()
    n_var = (offsets[1:] - offsets[:-1])[idx]
    use_variant = (n_var > 0) & (rng.random(m) < config.nickname_rate)
    pick = offsets[idx] + (rng.random(m) * np.maximum(n_var, 1)).astype(np.int64)
    first[use_variant] = variants[pick[use_variant]]
    flag[use_variant] = "variant"
    middle = pop.middle[child]
    with_middle = (
        ~use_variant & (middle >= 0) & (rng.random(m) < config.middle_name_in_forename_rate)
    )
    first[with_middle] = first[with_middle] + " " + _names.FORENAME_TABLE[middle[with_middle]]
    flag[with_middle] = "with_middle"
    typo = rng.random(m) < config.first_name_typo_rate
    first[typo] = _typo(first[typo], rng)
    flag[typo] = np.where(flag[typo] == "", "typo", flag[typo] + "+typo")
    return first, flag


def _last_names(
    config: WorldConfig, pop: Population, child: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    m = len(child)
    last = gather(pop.surname, child)
    flag = np.full(m, "", dtype=object)
    alt = gather(pop.alt_surname, child)
    changed = (alt != "") & (rng.random(m) < 0.5)
    last[changed] = alt[changed]
    flag[changed] = "changed"
    other = gather(pop.family_surname_parts, child)
    double = ~changed & (other != "")
    u = rng.random(m)
    half = double & (u < 0.4)
    # Keep one half: the family's own surname, or the other half it was joined with.
    last[half] = [
        s[: -len(o) - 1] if x < 0.2 else o
        for s, o, x in zip(last[half], other[half], u[half], strict=True)
    ]
    flag[half] = "one_half"
    spaced = double & (u >= 0.4) & (u < 0.5)
    last[spaced] = [
        s[: -len(o) - 1] + " " + o for s, o in zip(last[spaced], other[spaced], strict=True)
    ]
    flag[spaced] = "space"
    # Test each distinct surname once, not every record.
    distinct = pd.unique(last)
    foldable = [s for s in distinct if not s.isascii() or "'" in s]
    can_fold = pd.Series(last).isin(foldable).to_numpy()
    fold = can_fold & (rng.random(m) < config.accent_dropped_rate)
    last[fold] = _each_distinct(last[fold], _fold)
    flag[fold] = np.where(flag[fold] == "", "folded", flag[fold] + "+folded")
    typo = rng.random(m) < config.last_name_typo_rate
    last[typo] = _typo(last[typo], rng)
    flag[typo] = np.where(flag[typo] == "", "typo", flag[typo] + "+typo")
    return last, flag


def _dates_of_birth(
    config: WorldConfig,
    pop: Population,
    child: np.ndarray,
    agency: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    m = len(child)
    y, mo, d = (part[child] for part in date_parts(pop.frame["dob"].to_numpy("datetime64[D]")))
    flag = np.full(m, "", dtype=object)
    u = rng.random(m)
    # Police often do not have a date of birth at hand: twice the missing rate.
    missing_rate = config.dob_missing_rate * np.where(_at(agency, ("police",)), 2.0, 1.0)
    missing = u < missing_rate
    cut1 = missing_rate + config.dob_swap_rate
    swap = ~missing & (u < cut1) & (d <= 12) & (d != mo)
    cut2 = cut1 + config.dob_year_rate
    year = ~missing & (u >= cut1) & (u < cut2)
    cut3 = cut2 + config.dob_day_rate
    day = ~missing & (u >= cut2) & (u < cut3)
    y2, m2, d2 = y.copy(), mo.copy(), d.copy()
    m2[swap], d2[swap] = d[swap], mo[swap]
    y2[year] += np.where(rng.random(int(year.sum())) < 0.5, -1, 1)
    d2[year & (m2 == 2) & (d2 == 29)] = 28
    shift = rng.integers(1, 4, m)
    d2[day] = np.where(d[day] + shift[day] <= 28, d[day] + shift[day], d[day] - shift[day])
    flag[missing], flag[swap], flag[year], flag[day] = "missing", "swap", "year", "day"
    day_first = _at(agency, config.day_first_agencies)
    text = date_text(y2, m2, d2, day_first)
    serial = _at(agency, config.excel_serial_agencies)
    if serial.any():
        # A spreadsheet's date serial: days since 1899-12-30 (Excel's 1900 date system).
        months = (y2[serial] - 1970) * 12 + (m2[serial] - 1)
        days = months.astype("datetime64[M]").astype("datetime64[D]") + (d2[serial] - 1)
        number = (days - np.datetime64("1899-12-30")).astype(np.int64)
        text[serial] = number.astype(str).astype(object)
    text[missing] = ""
    return text, flag


def _postcodes(
    config: WorldConfig, pop: Population, child: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    m = len(child)
    home = pop.home[child]
    u = rng.random(m)
    # A record made before a move keeps the old address.
    column = np.where((home[:, 1] >= 0) & (u < 0.35), 1, 0)
    column = np.where((home[:, 2] >= 0) & (u < 0.12), 2, column)
    # Two text objects taken by index, not a new string made for every record.
    flag = np.array(["", "previous"], dtype=object)[(column > 0).astype(np.intp)]
    postcode = pop.postcodes[home[np.arange(m), column]].copy()
    missing = rng.random(m) < config.postcode_missing_rate
    fmt = ~missing & (rng.random(m) < config.postcode_format_rate)
    style = rng.integers(0, 3, m)
    postcode[fmt] = [
        p.replace(" ", "") if s == 0 else p.lower() if s == 1 else p.lower().replace(" ", "")
        for p, s in zip(postcode[fmt], style[fmt], strict=True)
    ]
    flag[fmt] = np.where(flag[fmt] == "", "format", flag[fmt] + "+format")
    postcode[missing] = ""
    flag[missing] = "missing"
    return postcode, flag


def _nhs_numbers(
    config: WorldConfig,
    pop: Population,
    child: np.ndarray,
    agency: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    m = len(child)
    rate = np.array([config.nhs_number_recorded[a] for a in AGENCIES])
    recorded = np.flatnonzero(rng.random(m) < rate[agency])
    number = pop.nhs[child[recorded]]
    invalid = rng.random(len(recorded)) < config.nhs_invalid_rate
    # One mistyped digit always breaks the modulus-11 check (every weight is non-zero mod 11).
    position = rng.integers(0, 10, len(recorded))
    place = 10 ** (9 - position)
    digit = (number // place) % 10
    wrong = (digit + rng.integers(1, 10, len(recorded))) % 10
    number = np.where(invalid, number + (wrong - digit) * place, number)
    codes = digit_codes(number, 10)
    spaced = rng.random(len(recorded)) < config.nhs_spaced_rate
    out = np.full(m, "", dtype=object)
    out[recorded] = strings(codes)
    if spaced.any():
        chars = codes[spaced]
        wide = np.full((len(chars), 12), ord(" "), dtype=np.uint8)
        wide[:, 0:3], wide[:, 4:7], wide[:, 8:12] = chars[:, 0:3], chars[:, 3:6], chars[:, 6:10]
        out[recorded[spaced]] = strings(wide)
    flag = np.full(m, "absent", dtype=object)
    flag[recorded] = np.array(["valid", "invalid"], dtype=object)[invalid.astype(np.intp)]
    return out, flag
