"""Families and children: who they are, where they live, and what makes them vulnerable.

Everything is vectorised over children (no per-child Python loop) so a million children take
seconds. Names are indices into the tables of :mod:`jigsaw.world._names` until records are written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from jigsaw.identifiers import nhs_check_digit
from jigsaw.world import _names
from jigsaw.world._areas import ETHNICITIES, deprivation_z, postcode_units
from jigsaw.world._config import WorldConfig
from jigsaw.world._text import digits as _digits
from jigsaw.world._text import ids

# Which name origins each ethnic group draws from, and how often (our assumption; see docs).
_ORIGIN_MIX = {
    "white_british": {"english": 1.0},
    "white_irish": {"english": 1.0},
    "white_other": {"eastern_european": 0.75, "english": 0.25},
    "mixed_white_black_caribbean": {"english": 0.6, "caribbean": 0.4},
    "mixed_white_black_african": {"english": 0.5, "african": 0.5},
    "mixed_white_asian": {"english": 0.5, "south_asian_muslim": 0.25, "south_asian_indian": 0.25},
    "mixed_other": {"english": 0.6, "arabic": 0.2, "chinese": 0.2},
    "asian_indian": {"south_asian_indian": 0.9, "south_asian_muslim": 0.1},
    "asian_pakistani": {"south_asian_muslim": 1.0},
    "asian_bangladeshi": {"south_asian_muslim": 1.0},
    "asian_chinese": {"chinese": 0.8, "english": 0.2},
    "asian_other": {"south_asian_indian": 0.5, "south_asian_muslim": 0.3, "chinese": 0.2},
    "black_african": {"african": 1.0},
    "black_caribbean": {"caribbean": 0.6, "english": 0.4},
    "black_other": {"caribbean": 0.5, "african": 0.5},
    "other_arab": {"arabic": 1.0},
    "other_any": {"arabic": 0.3, "english": 0.3, "south_asian_muslim": 0.2, "african": 0.2},
}
_ORIGIN_MATRIX = np.array(
    [[_ORIGIN_MIX[e].get(o, 0.0) for o in _names.ORIGINS] for e in ETHNICITIES]
)

VULNERABILITIES = (
    "looked_after", "child_protection", "prior_abuse", "missing", "disability",
    "substance_misuse", "excluded", "mental_health",
)  # fmt: skip


@dataclass
class Population:
    """Children as arrays (one entry per child) plus the postcode table they index into."""

    frame: pd.DataFrame
    postcodes: np.ndarray  # object array of unit postcodes
    home: np.ndarray  # (children, 3) postcode indices, current first, -1 where none
    forename: np.ndarray  # index into FORENAME_TABLE
    middle: np.ndarray  # index into FORENAME_TABLE, -1 where none
    surname: np.ndarray  # object array (masculine/feminine form already applied)
    alt_surname: np.ndarray  # object array, "" where the surname never changed
    family_surname_parts: np.ndarray  # object array: other half of a double-barrelled name or ""
    nhs: np.ndarray  # int64 NHS numbers (the frame holds them as text)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _weighted_digits(numbers: np.ndarray) -> np.ndarray:
    """The modulus-11 sum of nine-digit numbers: the digits weighted 10, 9, ... 2 from the
    first. Digit by digit, without a (numbers x 9) matrix of them."""
    total = np.zeros(len(numbers), dtype=np.int64)
    rest = np.asarray(numbers, dtype=np.int64).copy()
    for weight in range(2, 11):  # the last digit first
        total += (rest % 10) * weight
        rest //= 10
    return total


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` distinct valid NHS numbers (int64, ten digits) in random order.

    The first nine digits are drawn from 400000000-799999999 (the range issued in England and
    Wales); numbers whose check value would be 10 are never issued, so they are skipped.
    """
    chosen = np.empty(0, dtype=np.int64)
    while len(chosen) < n:
        draw = rng.integers(400_000_000, 800_000_000, int((n - len(chosen)) * 1.15) + 16)
        check = 11 - _weighted_digits(draw) % 11
        draw = draw[check != 10]
        # np.unique's sorted distinct values, by sorting: numpy's hash-based unique is many
        # times slower on a million numbers.
        chosen = np.sort(np.concatenate([chosen, draw]))
        chosen = chosen[np.r_[True, chosen[1:] != chosen[:-1]]]
    chosen = rng.permutation(chosen)[:n]
    check = (11 - _weighted_digits(chosen) % 11) % 11
    full = chosen * 10 + check
    # A spot check that the vectorised rule above is the one in jigsaw.identifiers.
    if n and nhs_check_digit(str(chosen[0])) != check[0]:
        raise RuntimeError(
            f"nhs_numbers: check digit {check[0]} for {chosen[0]} disagrees with "
            "jigsaw.identifiers.nhs_check_digit"
        )
    return full


def _threshold(prevalence: float) -> float:
    return float(ndtri(1.0 - prevalence))


def build(config: WorldConfig, areas: pd.DataFrame, rng: np.random.Generator) -> Population:
    """Return the children of every area, grouped in families with shared home and surname."""
    weights = np.asarray(config.family_size_weights, float)
    weights /= weights.sum()
    family_area, family_size = [], []
    for k, n in enumerate(areas["children"].to_numpy()):
        sizes = rng.choice(np.arange(1, len(weights) + 1), size=int(n), p=weights)
        cut = np.searchsorted(np.cumsum(sizes), n)
        sizes = sizes[: cut + 1].copy()
        sizes[-1] -= sizes.sum() - n
        family_area.append(np.full(len(sizes), k))
        family_size.append(sizes)
    f_area = np.concatenate(family_area)
    f_size = np.concatenate(family_size)
    families = len(f_size)

    # Family attributes: ethnicity from the area's mix, name origin from ethnicity.
    mix = areas[[f"pct_{e}" for e in ETHNICITIES]].to_numpy(float)
    f_eth = _categorical(rng, mix[f_area])
    f_origin = _categorical(rng, _ORIGIN_MATRIX[f_eth])
    f_surname_idx = _names.draw_surnames(rng, f_origin)
    double = rng.random(families) < config.double_barrelled_share
    f_other = np.full(families, "", dtype=object)
    other_origin = np.where(rng.random(families) < 0.5, 0, f_origin)
    f_other[double] = _names.SURNAME_TABLE[_names.draw_surnames(rng, other_origin[double])]
    f_other[double & (f_other == _names.SURNAME_TABLE[f_surname_idx])] = ""

    # Postcodes: each area has its own units; a family's homes are drawn within its area.
    units, unit_offset = [], [0]
    for k in range(len(areas)):
        households = int((f_area == k).sum())
        units.append(postcode_units(rng, k, households, config.households_per_postcode))
        unit_offset.append(unit_offset[-1] + len(units[-1]))
    postcodes = np.concatenate(units)
    offsets = np.asarray(unit_offset)
    n_units = np.diff(offsets)
    home = np.full((families, 3), -1, dtype=np.int64)
    moves = np.where(
        rng.random(families) < config.moved_twice_share,
        2,
        np.where(rng.random(families) < config.moved_once_share, 1, 0),
    )
    for j in range(3):
        pick = offsets[f_area] + (rng.random(families) * n_units[f_area]).astype(np.int64)
        home[:, j] = np.where(moves >= j, pick, -1)

    # Family adversity: shared by siblings, shifted by the area's deprivation.
    dep_z = deprivation_z(areas["deprivation"].to_numpy())
    f_latent = config.deprivation_loading * dep_z[f_area] + np.sqrt(
        1 - config.deprivation_loading**2
    ) * rng.normal(size=families)

    # Children.
    family = np.repeat(np.arange(families), f_size)
    n = len(family)
    first_in_family = np.r_[0, np.cumsum(f_size)[:-1]]
    rank = np.arange(n) - np.repeat(first_in_family, f_size)
    sex = np.where(rng.random(n) < 0.512, "M", "F").astype(object)  # ONS: ~105 boys per 100 girls
    end = np.datetime64(config.end, "D")
    dob = end - 1 - rng.integers(0, 18 * 365 + 4, n).astype("timedelta64[D]")
    p_twins = config.twin_share * n / 2 / max(1, (f_size >= 2).sum())
    twin_family = (f_size >= 2) & (rng.random(families) < p_twins)
    twin_second = (rank == 1) & twin_family[family]
    dob[twin_second] = dob[np.flatnonzero(twin_second) - 1]
    # About a third of twins are identical, so about two thirds of pairs share a sex.
    identical = twin_second & (rng.random(n) < config.identical_twin_share)
    sex[identical] = sex[np.flatnonzero(identical) - 1]
    origin = f_origin[family]
    forename = _names.draw_forenames(rng, sex, origin)
    for _ in range(20):  # twins never share a forename
        same = twin_second & (forename == np.roll(forename, 1))
        if not same.any():
            break
        forename[same] = _names.draw_forenames(rng, sex[same], origin[same])
    middle = np.where(
        rng.random(n) < config.middle_name_share, _names.draw_forenames(rng, sex, origin), -1
    )
    middle[middle == forename] = -1
    girls = sex == "F"
    base = np.where(girls, _names.FEMININE_TABLE[f_surname_idx[family]],
                    _names.SURNAME_TABLE[f_surname_idx[family]])  # fmt: skip
    other = f_other[family]
    surname = base.copy()
    joined = np.flatnonzero(other != "")
    surname[joined] = base[joined] + "-" + other[joined]
    changed = np.flatnonzero(rng.random(n) < config.surname_change_share)
    alt = np.full(n, "", dtype=object)
    new_name = _names.SURNAME_TABLE[_names.draw_surnames(rng, origin[changed])]
    alt[changed] = np.where(new_name == surname[changed], "", new_name)

    # Vulnerabilities: a threshold model on the family's adversity keeps the national prevalence
    # of each at its stated value while letting them cluster in the same children.
    load = config.vulnerability_family_loading
    latent = f_latent[family]
    vuln = {}
    for name in VULNERABILITIES:
        score = load * latent + np.sqrt(1 - load**2) * rng.normal(size=n)
        vuln[name] = score > _threshold(config.vulnerability_prevalence[name])

    age = ((end - 1 - dob).astype(np.int64) // 365.25).astype(np.int64)
    area_codes = areas["area_code"].to_numpy()
    area = f_area[family]
    nhs = nhs_numbers(rng, n)
    # Twenty primary and twenty secondary schools per area; under-fours have none.
    schools = np.array(
        [f"{a}-{k}{j}" for a in area_codes for k in "PS" for j in range(1, 21)] + [""],
        dtype=object,
    )
    pick = area * 40 + np.where(age >= 11, 20, 0) + rng.integers(0, 20, n)
    school = schools[np.where(age >= 4, pick, len(schools) - 1)]
    frame = pd.DataFrame(
        {
            "child_id": ids("C", np.arange(1, n + 1), 7),
            "area_code": area_codes[area],
            "family_id": ids("F", family + 1, 7),
            "sex": sex,
            "dob": dob,
            "age": age,
            "ethnicity": np.asarray(ETHNICITIES, dtype=object)[f_eth[family]],
            "name_origin": np.asarray(_names.ORIGINS, dtype=object)[origin],
            **vuln,
            "school": school,
            "nhs_number": _digits(nhs, 10),
        },
        copy=False,  # new arrays each: no need to copy them into one block
    )
    frame["twin_of"] = ""
    second = np.flatnonzero(twin_second)
    frame.loc[second, "twin_of"] = frame["child_id"].to_numpy()[second - 1]
    frame.loc[second - 1, "twin_of"] = frame["child_id"].to_numpy()[second]
    return Population(
        frame=frame,
        postcodes=postcodes,
        home=home[family],
        forename=forename,
        middle=middle,
        surname=surname,
        alt_surname=alt,
        family_surname_parts=other,
        nhs=nhs,
    )
