"""Assemble a world: areas, children, exploitation, concerns, records, outcomes and truth."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jigsaw.datasets.csvfile import atomic_path, write_csv
from jigsaw.world import (
    _areas,
    _characteristics,
    _concerns,
    _exploitation,
    _mentions,
    _population,
    _records,
)
from jigsaw.world._config import AGENCIES, WorldConfig
from jigsaw.world._text import gather, ids, iso_dates

if TYPE_CHECKING:
    from jigsaw.catalogue import Catalogue

# The last three: what is recorded about the people, vehicles, phones, accounts and places
# around children, and its truth.
TABLES = ("areas", "children", "records", "concerns", "outcomes", "truth",
          "mentions", "mention_truth", "group_truth")  # fmt: skip


@dataclass(frozen=True)
class World:
    """A generated world: its tables and the configuration and catalogue version behind them.

    ``records`` is the input of ``jigsaw link``; ``truth`` says which child each record is and
    whether that child was exploited; see ``docs/methods/world.md`` for every column.
    ``sign_skill`` (not one of the six written tables) holds each area agency's skill at noticing
    each catalogue domain of sign.
    """

    config: WorldConfig
    catalogue_version: str
    areas: pd.DataFrame
    children: pd.DataFrame
    records: pd.DataFrame
    concerns: pd.DataFrame
    outcomes: pd.DataFrame
    truth: pd.DataFrame
    sign_skill: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame, repr=False)
    mentions: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame, repr=False)
    mention_truth: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame, repr=False)
    group_truth: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the tables of :data:`TABLES` by name, in the order they are written."""
        return {name: getattr(self, name) for name in TABLES}


def _load_catalogue() -> Catalogue:
    from jigsaw.catalogue import load

    return load()


_iso = iso_dates


def generate(
    config: WorldConfig | None = None,
    *,
    catalogue: Catalogue | None = None,
    **overrides: Any,  # WorldConfig's fields, of many types: WorldConfig checks each value
) -> World:
    """Generate a synthetic world with known truth.

    Parameters
    ----------
    config : WorldConfig, optional
        All parameters; defaults to ``WorldConfig()``.
    catalogue : jigsaw.catalogue.Catalogue, optional
        Indicator catalogue to draw signs from; defaults to ``jigsaw.catalogue.load()``.
    **overrides
        Fields of :class:`WorldConfig` to replace, e.g. ``children=5000, areas=3, seed=1``.

    Returns
    -------
    World
        Frozen dataclass holding the DataFrames ``areas``, ``children``, ``records``,
        ``concerns``, ``outcomes`` and ``truth``. The same configuration (seed included) always
        gives identical tables.

    Raises
    ------
    ValueError
        For an impossible configuration (no children, rates outside 0-1, an unknown field).

    Examples
    --------
    >>> world = generate(children=300, areas=2, seed=7)
    >>> len(world.children), sorted(world.records["agency"].unique())[:2]
    (300, ['education', 'health'])
    >>> world.truth["record_id"].is_unique
    True
    """
    config = config or WorldConfig()
    unknown = set(overrides) - {f.name for f in dataclasses.fields(WorldConfig)}
    if unknown:
        raise ValueError(f"unknown world parameter(s): {sorted(unknown)}")
    if overrides:
        config = dataclasses.replace(config, **overrides)
    catalogue = catalogue if catalogue is not None else _load_catalogue()
    # The eighth stream (mentions) leaves the first seven, and so every other table, unchanged.
    streams = np.random.SeedSequence(config.seed).spawn(8)
    rng = [np.random.default_rng(s) for s in streams]

    if config.england:
        areas = _areas.england_areas(config.children)
    elif config.la:
        areas = _areas.la_area(config.la, config.children)
    else:
        areas = _areas.synthetic_areas(rng[0], config.areas, config.children)
    pop = _population.build(config, areas, rng[1])
    ex = _exploitation.simulate(config, areas, pop.frame, rng[2])
    concerns = _concerns.simulate(config, pop.frame, ex, catalogue, rng[3], rng[6])
    needed = concerns.frame[["child", "agency"]].drop_duplicates()
    records, truth, record_child, record_agency = _records.build(config, pop, needed, rng[4])

    children = _children_table(pop, ex, config)
    concerns_table, concern_record = _attach_records(
        config, concerns.frame, records, record_child, record_agency, pop, rng[5]
    )
    outcomes = _outcomes(config, pop, ex)
    truth = _truth(truth, children, record_child)
    areas = _area_summary(config, areas, children, outcomes, ex)
    mentions = _mentions.simulate(
        config, children, concerns_table, record_child[concern_record], rng[7]
    )
    return World(
        config=config,
        catalogue_version=str(catalogue.version),
        areas=areas,
        children=children,
        records=records,
        concerns=concerns_table,
        outcomes=outcomes,
        truth=truth,
        sign_skill=_sign_skill(areas, concerns),
        mentions=mentions.mentions,
        mention_truth=mentions.truth,
        group_truth=mentions.groups,
    )


def _sign_skill(areas: pd.DataFrame, concerns: _concerns.Concerns) -> pd.DataFrame:
    """Each area agency's skill at noticing each domain of sign, in long form."""
    skill = concerns.domain_skill
    a, g, d = np.meshgrid(
        np.arange(skill.shape[0]),
        np.arange(skill.shape[1]),
        np.arange(skill.shape[2]),
        indexing="ij",
    )
    return pd.DataFrame(
        {
            "area_code": areas["area_code"].to_numpy()[a.ravel()],
            "agency": np.array(AGENCIES, dtype=object)[g.ravel()],
            "domain": concerns.domains[d.ravel()],
            "skill": np.round(skill.ravel(), 4),
        }
    )


def _children_table(
    pop: _population.Population, ex: _exploitation.Exploitation, config: WorldConfig
) -> pd.DataFrame:
    from jigsaw.world._names import FORENAME_TABLE

    frame = pop.frame
    n = len(frame)
    middle = np.full(n, "", dtype=object)
    has_middle = pop.middle >= 0
    middle[has_middle] = FORENAME_TABLE[pop.middle[has_middle]]
    previous = np.full(n, "", dtype=object)
    one = pop.home[:, 1] >= 0
    previous[one] = pop.postcodes[pop.home[one, 1]]
    two = pop.home[:, 2] >= 0
    previous[two] = previous[two] + ";" + pop.postcodes[pop.home[two, 2]]

    def column(name: str) -> np.ndarray:
        # The population's own column: it is generate's alone, and read but never changed.
        return frame[name].to_numpy()

    # The Census 2021 group of each child, and what the agencies recorded of it and disability.
    recorded = _characteristics.characteristics(config, frame)
    columns = {
        "child_id": column("child_id"),
        "area_code": column("area_code"),
        "family_id": column("family_id"),
        "twin_of": column("twin_of"),
        "first_name": FORENAME_TABLE[pop.forename],
        "middle_name": middle,
        "last_name": pop.surname,
        "alt_last_name": pop.alt_surname,
        "sex": column("sex"),
        "dob": _iso(frame["dob"].to_numpy("datetime64[D]")),
        "age": column("age"),
        "ethnicity": recorded["ethnicity"],
        "name_origin": column("name_origin"),
        **{name: column(name) for name in _population.VULNERABILITIES},
        "ethnicity_recorded": recorded["ethnicity_recorded"],
        "disability_recorded": recorded["disability_recorded"],
        "school": column("school"),
        "postcode": pop.postcodes[pop.home[:, 0]],
        "previous_postcodes": previous,
        "nhs_number": column("nhs_number"),
        "p_exploited": np.round(ex.p_exploited, 8),
        "p_identified": np.round(_exploitation.expected_identified(ex), 8),
        "exploited": ex.exploited,
        "exploitation_start": _iso(ex.start),
        "exploitation_end": _iso(ex.end),
    }
    # Every column is an array of its own: copy=False keeps pandas from copying them all again
    # into one block per type (for millions of text cells, a large share of the time).
    return pd.DataFrame(columns, copy=False)


def _attach_records(
    config: WorldConfig,
    frame: pd.DataFrame,
    records: pd.DataFrame,
    record_child: np.ndarray,
    record_agency: np.ndarray,
    pop: _population.Population,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Give each concern one of the agency's records of the child (agencies never know the
    child's true identity, only their own record); also return each concern's record's row."""
    n_agencies = len(AGENCIES)
    key = record_child.astype(np.int64) * n_agencies + record_agency
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    concern_key = (
        frame["child"].to_numpy().astype(np.int64) * n_agencies + frame["agency"].to_numpy()
    )
    lo = np.searchsorted(sorted_key, concern_key, side="left")
    hi = np.searchsorted(sorted_key, concern_key, side="right")
    if (hi <= lo).any():
        raise AssertionError("a concern has no record at its agency")  # a generator bug
    pick = lo + (rng.random(len(frame)) * (hi - lo)).astype(np.int64)
    row = order[pick]
    record_id = records["record_id"].to_numpy()[row]
    start = np.datetime64(config.start, "D")
    dates = start + frame["day"].to_numpy().astype("timedelta64[D]")
    table = pd.DataFrame(
        {
            "concern_id": ids("K", np.arange(1, len(frame) + 1), 7),
            "record_id": record_id,
            "agency": np.array(AGENCIES, dtype=object)[frame["agency"].to_numpy()],
            "area_code": pop.frame["area_code"].to_numpy()[frame["child"].to_numpy()],
            "date": _iso(dates),
            "indicators": frame["indicators"].to_numpy(),
            "note": frame["note"].to_numpy(),
            "referred_by": frame["referred_by"].to_numpy(),
        },
        copy=False,  # the concerns' own arrays (the simulated frame is not kept)
    )
    return table, row


def _outcomes(
    config: WorldConfig, pop: _population.Population, ex: _exploitation.Exploitation
) -> pd.DataFrame:
    identified = ex.identified_by.any(axis=1)
    days = np.where(
        ex.identified_by,
        (ex.identified_on - np.datetime64(config.start, "D")).astype(np.int64),
        1 << 40,
    )
    first = np.argmin(days, axis=1)
    n = ex.identified_by.shape[0]
    first_date = ex.identified_on[np.arange(n), first]
    agency = np.where(identified, np.array(AGENCIES, dtype=object)[first], "")
    # Every agency whose list the child is on, in the fixed agency order (for capture-recapture).
    lists = np.full(n, "", dtype=object)
    for j, name in enumerate(AGENCIES):
        on = ex.identified_by[:, j]
        lists[on] = np.where(lists[on] == "", name, lists[on] + ";" + name)
    return pd.DataFrame(
        {
            "child_id": pop.frame["child_id"].to_numpy().copy(),  # not the children's array
            "identified": identified,
            "agency": agency,
            "date": np.where(identified, _iso(first_date), ""),
            "agencies": lists,
        },
        copy=False,
    )


def _truth(truth: pd.DataFrame, children: pd.DataFrame, record_child: np.ndarray) -> pd.DataFrame:
    """The records' truth with their child's exploitation beside it (``record_child`` holds each
    record's child's row, so no lookup by id is needed)."""
    columns = {name: truth[name].to_numpy() for name in ("record_id", "child_id")}
    columns["exploited"] = children["exploited"].to_numpy()[record_child]
    for name in ("exploitation_start", "exploitation_end"):  # mostly blank: few distinct
        columns[name] = gather(children[name].to_numpy(), record_child)
    for name in truth.columns[2:]:
        columns[name] = truth[name].to_numpy()
    return pd.DataFrame(columns, copy=False)  # arrays of its own, kept as they are


def _area_summary(
    config: WorldConfig,
    areas: pd.DataFrame,
    children: pd.DataFrame,
    outcomes: pd.DataFrame,
    ex: _exploitation.Exploitation,
) -> pd.DataFrame:
    out = areas.copy()
    per = 10_000 / config.years
    group = children.groupby("area_code", sort=False)
    size = group.size().reindex(out["area_code"]).to_numpy()
    victims = group["exploited"].sum().reindex(out["area_code"]).to_numpy()
    expected = group["p_identified"].sum().reindex(out["area_code"]).to_numpy()
    identified = (
        outcomes.groupby(children["area_code"], sort=False)["identified"].sum()
        .reindex(out["area_code"]).to_numpy()
    )  # fmt: skip
    for j, name in enumerate(AGENCIES):
        out[f"skill_{name}"] = np.round(ex.skill[:, j], 4)
    out["victims"] = victims.astype(np.int64)
    out["identified"] = identified.astype(np.int64)
    out["victims_per_10k"] = np.round(victims / size * 10_000, 3)
    out["identified_per_10k"] = np.round(identified / size * per, 3)
    out["expected_identified_per_10k"] = np.round(expected / size * per, 3)
    return out


def write(world: World, folder: str | Path) -> list[Path]:
    """Write each table of :data:`TABLES` as ``<name>.parquet`` and ``<name>.csv`` into ``folder``.

    Parameters
    ----------
    world : World
        A world from :func:`generate`.
    folder : str or Path
        Where to write; created if missing. Existing tables of the same names are replaced.

    Returns
    -------
    list of Path
        Two files per table (Parquet, CSV), in the order of :data:`TABLES`.

    Notes
    -----
    Each file is written beside its final name and then renamed, so a failed run never leaves a
    half-written table. The bytes depend only on the world (no timestamps), so the same seed
    gives identical files. CSV blanks are empty fields; Parquet uses zstd compression.
    """
    import json
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def one(item: tuple[str, pd.DataFrame]) -> list[Path]:
        name, frame = item
        parquet, text = folder / f"{name}.parquet", folder / f"{name}.csv"
        # Converted to Arrow once for both files: these are the steps of pandas' own
        # frame.to_parquet(index=False, compression="zstd"), so the Parquet bytes are its.
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if frame.attrs:
            table = table.replace_schema_metadata(
                {**table.schema.metadata, "PANDAS_ATTRS": json.dumps(frame.attrs)}
            )
        with atomic_path(parquet) as temporary:
            pq.write_table(table, temporary, compression="zstd")
        write_csv(frame, text, lineterminator="\n", arrow=table)
        return [parquet, text]

    # pyarrow formats, compresses and writes without holding the interpreter lock, so two
    # tables at a time keep two cores busy; each file is complete or absent whatever the order.
    # The largest tables start first, so that neither thread is left with a large one at the end.
    tables = world.tables()
    largest = sorted(tables, key=lambda name: -tables[name].size)
    with ThreadPoolExecutor(max_workers=2) as pool:
        written = {name: pool.submit(one, (name, tables[name])) for name in largest}
        return [path for name in tables for path in written[name].result()]
