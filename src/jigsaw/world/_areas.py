"""Areas (local authorities) and their postcodes.

A synthetic area draws its size, deprivation, urbanity and ethnic mix at random; an English area
takes them from the shipped public data (ONS population 0-17 mid-2024, IDACI 2019, rural-urban
2011, Census 2021 ethnicity, DfE CSE rate 2025). Each area owns a postcode area (one or two
letters) and a block of districts, each district has sectors 1-9 and each sector has units, so
that postcodes cluster as real ones do.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jigsaw.datasets import england
from jigsaw.errors import InputError

ETHNICITIES = (
    "white_british", "white_irish", "white_other", "mixed_white_black_caribbean",
    "mixed_white_black_african", "mixed_white_asian", "mixed_other", "asian_indian",
    "asian_pakistani", "asian_bangladeshi", "asian_chinese", "asian_other", "black_african",
    "black_caribbean", "black_other", "other_arab", "other_any",
)  # fmt: skip

# Census 2021 columns summed into each of our categories.
_CENSUS = {
    "white_british": ["white_british"],
    "white_irish": ["white_irish"],
    "white_other": ["white_other", "white_gypsy_irish_traveller", "white_roma"],
    "mixed_white_black_caribbean": ["mixed_white_black_caribbean"],
    "mixed_white_black_african": ["mixed_white_black_african"],
    "mixed_white_asian": ["mixed_white_asian"],
    "mixed_other": ["mixed_other"],
    "asian_indian": ["asian_indian"],
    "asian_pakistani": ["asian_pakistani"],
    "asian_bangladeshi": ["asian_bangladeshi"],
    "asian_chinese": ["asian_chinese"],
    "asian_other": ["asian_other"],
    "black_african": ["black_african"],
    "black_caribbean": ["black_caribbean"],
    "black_other": ["black_other"],
    "other_arab": ["other_arab"],
    "other_any": ["other_any"],
}

# England's 2021 mix (Census 2021, all ages), used as the centre of a synthetic area's mix.
_ENGLAND_MIX = np.array(
    [73.5, 0.9, 6.8, 0.9, 0.5, 0.9, 0.8, 3.3, 2.8, 1.1, 0.8, 1.6, 2.6, 1.1, 0.5, 0.6, 1.3]
)

_POSTCODE_AREAS = """AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DE DH DL DN
    DT DY E EN EX FY GL GU HA HD HG HP HR HU HX IG IP KT L LA LE LN LS LU M ME MK N NE NG NN NP NR
    NW OL OX PE PL PO PR RG RH RM S SE SG SK SL SM SN SO SP SR SS ST SW SY TA TF TN TQ TR TS TW UB
    W WA WD WF WN WR WS WV YO""".split()

# Letters allowed in the last two places of a postcode (Royal Mail: never C I K M O V).
_UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
_DISTRICTS_PER_BLOCK = 20
_MAX_UNITS_PER_DISTRICT = 9 * len(_UNIT_LETTERS) ** 2


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` by largest remainder (at least 1 each)."""
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(np.int64)
    counts = np.maximum(counts, 1)
    remainder = total - counts.sum()
    if remainder > 0:
        order = np.argsort(-(share - np.floor(share)), kind="stable")
        counts[order[:remainder]] += 1
    elif remainder < 0:
        order = np.argsort(-counts, kind="stable")
        counts[order[:-remainder]] -= 1
    return counts


def synthetic_areas(rng: np.random.Generator, areas: int, children: int) -> pd.DataFrame:
    """Return ``areas`` synthetic areas whose sizes and covariates vary as English LAs do."""
    # Sizes: English LA child populations are roughly log-normal (median 62,700, log-sd ~0.6).
    size = rng.lognormal(0.0, 0.6, areas)
    deprivation_z = rng.normal(0.0, 1.0, areas)
    urban = np.clip(rng.beta(3.0, 1.5, areas) + 0.1 * deprivation_z, 0.0, 1.0)
    # More urban areas are more diverse; a Dirichlet around England's mix gives the spread.
    mix = np.empty((areas, len(ETHNICITIES)))
    for k in range(areas):
        centre = _ENGLAND_MIX.copy()
        centre[1:] *= 0.4 + 1.6 * urban[k]
        mix[k] = rng.dirichlet(centre / centre.sum() * 60.0)
    frame = pd.DataFrame(
        {
            "area_code": [f"A{k + 1:03d}" for k in range(areas)],
            "area_name": [f"Area {k + 1}" for k in range(areas)],
            "children": _allocate(children, size),
            # IDACI 2019 across upper-tier LAs: mean 0.179, sd 0.059 (iod2019_utla.csv).
            "deprivation": np.round(np.clip(0.179 + 0.059 * deprivation_z, 0.03, 0.45), 4),
            "urban": np.round(urban, 3),
        }
    )
    for j, name in enumerate(ETHNICITIES):
        frame[f"pct_{name}"] = np.round(mix[:, j] * 100, 3)
    return frame


def england_areas(children: int) -> pd.DataFrame:
    """Return England's 153 LAs (2025 geography) with real covariates, ``children`` shared out.

    Children are allocated in proportion to the ONS mid-2024 population aged 0-17.
    """
    if children < 153:
        raise ValueError(f"England has 153 areas: ask for at least 153 children, not {children}")
    # Names, codes, the mid-2024 population and the 2025 rate come from the DfE loaders;
    # IDACI and rurality from the same covariates the oversight report uses.
    ident = england.identification("cse", years=[2025])
    ident = ident.rename(columns={"children": "population_0_17"})
    covariates = england.covariates()[["new_la_code", "idaci_score", "pct_rural"]]
    census = england.ethnicity_counts().drop(columns="la_name")
    frame = (
        ident.merge(covariates, on="new_la_code", how="left")
        .merge(census, on="new_la_code", how="left")
        .sort_values("new_la_code", kind="stable")
        .reset_index(drop=True)
    )
    frame["cse_per_10k"] = frame["rate_per_10k"].round(2)
    for column in ("population_0_17", "idaci_score", "white_british"):
        if frame[column].isna().any():
            missing = frame.loc[frame[column].isna(), "la_name"].tolist()
            raise ValueError(f"shipped england data: no {column} for {missing}")
    out = pd.DataFrame(
        {
            "area_code": frame["new_la_code"],
            "area_name": frame["la_name"],
            "children": _allocate(children, frame["population_0_17"].to_numpy(float)),
            "deprivation": frame["idaci_score"].round(4),
            "urban": (1 - frame["pct_rural"].fillna(0) / 100).round(3),
        }
    )
    totals = frame[[c for cols in _CENSUS.values() for c in cols]].sum(axis=1)
    for name, columns in _CENSUS.items():
        out[f"pct_{name}"] = (frame[columns].sum(axis=1) / totals * 100).round(3)
    # Keys for joining real DfE tables (statistical neighbours use the 3-digit code).
    out["old_la_code"] = frame["old_la_code"].astype(str)
    out["region_name"] = frame["region_name"]
    out["population_0_17"] = frame["population_0_17"].astype(np.int64)
    out["real_cse_per_10k_2025"] = frame["cse_per_10k"]
    return out


#: The LA a partnership stands in for when none is named: Derby (E06000015), a unitary city of
#: 62,100 children whose 2025 CSE rate (8.4 per 10,000) is near England's median LA (10.0) and
#: whose ten DfE neighbours (2025) all have comparable counts.
DEFAULT_LA = "E06000015"


def la_area(code: str, children: int) -> pd.DataFrame:
    """One English LA (GSS code) with its real covariates, holding ``children`` children.

    The LA's deprivation, rurality and Census 2021 ethnic mix are its own; the number of
    children may be scaled down from its real population (``population_0_17``) to the demo's
    size: every chance in the world is per child, so rates are kept.
    """
    frame = england_areas(153)
    match = frame[(frame["area_code"] == code) | (frame["old_la_code"] == code)]
    if match.empty:
        raise InputError(
            f"{code!r} is not an English local authority code (GSS, e.g. {DEFAULT_LA}, "
            "or the DfE 3-digit code)"
        )
    out = match.reset_index(drop=True).copy()
    out["children"] = int(children)
    return out


def deprivation_z(deprivation: np.ndarray) -> np.ndarray:
    """Standardise IDACI-like scores against the English LA distribution (mean 0.179, sd 0.059)."""
    return (np.asarray(deprivation, float) - 0.179) / 0.059


def postcode_units(
    rng: np.random.Generator, area_index: int, households: int, per_postcode: float
) -> np.ndarray:
    """Return the postcode units of one area: enough for ``households`` at ``per_postcode`` each.

    Units are spread over districts (outward codes) and sectors 1-9 of the area's own block.
    """
    letters = _POSTCODE_AREAS[area_index % len(_POSTCODE_AREAS)]
    block = area_index // len(_POSTCODE_AREAS)
    if (block + 1) * _DISTRICTS_PER_BLOCK > 99:
        raise ValueError(f"too many areas for distinct postcodes (area {area_index + 1})")
    units = max(1, int(np.ceil(households / per_postcode)))
    districts = int(np.clip(np.ceil(units / 3000), 2, _DISTRICTS_PER_BLOCK))
    if units > districts * _MAX_UNITS_PER_DISTRICT:
        raise ValueError(f"area {area_index + 1} is too large for its postcode block")
    district = rng.integers(0, districts, units)
    sector = rng.integers(1, 10, units)
    # Number units within each (district, sector) so no two share a code.
    key = district * 10 + sector
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    run = np.arange(units) - np.repeat(starts, np.diff(np.r_[starts, units]))
    seq = np.empty(units, dtype=np.int64)
    seq[order] = run
    overflow = seq >= len(_UNIT_LETTERS) ** 2
    if overflow.any():  # move the overflow to the next sector number of the same district
        sector = np.where(overflow, sector % 9 + 1, sector)
        seq = seq % len(_UNIT_LETTERS) ** 2
    code = (seq * 37 + key * 11) % len(_UNIT_LETTERS) ** 2
    first = _UNIT_LETTERS[code // len(_UNIT_LETTERS)]
    second = _UNIT_LETTERS[code % len(_UNIT_LETTERS)]
    district_number = 1 + block * _DISTRICTS_PER_BLOCK + district
    out = np.array(
        [
            f"{letters}{d} {s}{a}{b}"
            for d, s, a, b in zip(district_number, sector, first, second, strict=True)
        ],
        dtype=object,
    )
    return np.array(sorted(set(out.tolist())), dtype=object)  # np.unique's result, sooner
