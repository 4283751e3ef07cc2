"""Read and validate the indicator catalogue YAML."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from jigsaw.catalogue._model import (
    KINDS,
    LEVELS,
    Agency,
    Catalogue,
    Domain,
    Grade,
    Indicator,
    Rules,
    Source,
)

DEFAULT_PATH = Path(__file__).with_name("indicators.yaml")

# Builds the error for a place in the file ("indicator 3 (missing_overnight)") and a message.
_Fail = Callable[[str, str], ValueError]
_Named = TypeVar("_Named", Domain, Agency)

_INDICATOR_FIELDS = {
    "id",
    "label",
    "description",
    "domain",
    "level",
    "kind",
    "agencies",
    "sources",
    "confirmed_in",
    "note",
}
_REQUIRED = ("id", "label", "description", "domain", "level", "kind", "agencies", "sources")


def load(path: str | Path | None = None) -> Catalogue:
    """Load and validate an indicator catalogue.

    Parameters
    ----------
    path : str or Path, optional
        A catalogue YAML file. Defaults to the catalogue shipped with Jigsaw
        (``jigsaw/catalogue/indicators.yaml``), which is read once and cached.

    Returns
    -------
    Catalogue
        Frozen catalogue with ``.version`` and ``.indicators``.

    Raises
    ------
    ValueError
        When the file is not a valid catalogue: the message names the file, the entry (indicator id
        or position) and the field at fault, e.g. a duplicate id, an unknown domain, level, kind,
        agency or source, or a missing field.

    Examples
    --------
    >>> from jigsaw.catalogue import load
    >>> catalogue = load()
    >>> catalogue["missing_overnight"].level
    'high'
    >>> catalogue.domain("missing_absence").label
    'Going missing and absence'
    """
    if path is None:
        return _load_default()
    return _load_path(Path(path))


@functools.cache
def _load_default() -> Catalogue:
    return _load_path(DEFAULT_PATH)


def _load_path(path: Path) -> Catalogue:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read catalogue: {exc.strerror}") from None
    try:
        # libyaml's safe loader when PyYAML was built with it: the same data, a tenth of the time.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    return parse(data, origin=str(path))


def parse(data: Any, origin: str = "<catalogue>") -> Catalogue:
    """Validate an already-parsed catalogue mapping (as read from YAML) and build the Catalogue.

    ``origin`` names the file in error messages. Raises ``ValueError`` as :func:`load` does.
    """

    def fail(where: str, message: str) -> ValueError:
        return ValueError(f"{origin}: {where}: {message}")

    if not isinstance(data, Mapping):
        raise fail(
            "top level", "expected a mapping with version, domains, agencies, sources, indicators"
        )
    for key in ("version", "domains", "agencies", "sources", "indicators"):
        if key not in data:
            raise fail("top level", f"missing field '{key}'")
    version = str(data["version"]).strip()
    if not version:
        raise fail("top level", "field 'version' is empty")

    domains = tuple(_named(data["domains"], "domains", Domain, fail))
    agencies = tuple(_named(data["agencies"], "agencies", Agency, fail))
    sources = tuple(_sources(data["sources"], fail))
    domain_ids = {d.id for d in domains}
    agency_ids = {a.id for a in agencies}
    source_ids = {s.id for s in sources}

    raw = data["indicators"]
    if not isinstance(raw, list) or not raw:
        raise fail("indicators", "expected a non-empty list")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        where = f"indicator {n}"
        if not isinstance(entry, Mapping):
            raise fail(where, "expected a mapping")
        if isinstance(entry.get("id"), str) and entry["id"]:
            where = f"indicator {n} ({entry['id']})"
        for key in _REQUIRED:
            if key not in entry or entry[key] in (None, "", []):
                raise fail(where, f"missing field '{key}'")
        extra = set(entry) - _INDICATOR_FIELDS
        if extra:
            raise fail(where, f"unknown field '{sorted(extra)[0]}'")
        iid = entry["id"]
        if not isinstance(iid, str) or not iid.isidentifier() or iid != iid.lower():
            raise fail(where, f"field 'id': {iid!r} must be a lower-case snake_case name")
        if iid in seen:
            raise fail(where, f"field 'id': duplicate id {iid!r}")
        seen.add(iid)
        if entry["domain"] not in domain_ids:
            raise fail(where, f"field 'domain': unknown domain {entry['domain']!r}")
        if entry["level"] not in LEVELS:
            raise fail(
                where, f"field 'level': {entry['level']!r} is not one of {', '.join(LEVELS)}"
            )
        if entry["kind"] not in KINDS:
            raise fail(where, f"field 'kind': {entry['kind']!r} is not one of {', '.join(KINDS)}")
        if entry["kind"] == "disclosure" and entry["level"] != "high":
            raise fail(where, "field 'level': a disclosure must be level 'high'")
        ind_agencies = _id_list(entry["agencies"], where, "agencies", agency_ids, "agency", fail)
        ind_sources = _id_list(entry["sources"], where, "sources", source_ids, "source", fail)
        confirmed = _id_list(
            entry.get("confirmed_in") or [], where, "confirmed_in", source_ids, "source", fail
        )
        stray = [s for s in confirmed if s not in ind_sources]
        if stray:
            raise fail(where, f"field 'confirmed_in': {stray[0]!r} is not among its sources")
        for key in ("label", "description"):
            if not isinstance(entry[key], str):
                raise fail(where, f"field '{key}': expected text")
        indicators.append(
            Indicator(
                id=iid,
                label=entry["label"].strip(),
                description=entry["description"].strip(),
                domain=entry["domain"],
                level=entry["level"],
                kind=entry["kind"],
                agencies=ind_agencies,
                sources=ind_sources,
                confirmed_in=confirmed,
                note=str(entry.get("note") or "").strip(),
            )
        )

    sexual = data.get("sexual_activity_indicators") or []
    if not isinstance(sexual, list):
        raise fail("sexual_activity_indicators", "expected a list of indicator ids")
    for iid in sexual:
        if iid not in seen:
            raise fail("sexual_activity_indicators", f"unknown indicator id {iid!r}")

    steps = data.get("next_steps") or {}
    if not isinstance(steps, Mapping):
        raise fail("next_steps", "expected a mapping from grade to text")
    for grade in Grade:
        if not isinstance(steps.get(grade.value), str) or not steps[grade.value].strip():
            raise fail("next_steps", f"missing text for grade '{grade}'")

    rules = _rules(data.get("rules"), fail)

    return Catalogue(
        version=version,
        domains=domains,
        agencies=agencies,
        sources=sources,
        indicators=tuple(indicators),
        sexual_activity_indicators=frozenset(sexual),
        next_steps={g.value: steps[g.value].strip() for g in Grade},
        rules=rules,
    )


def _rules(raw: Any, fail: _Fail) -> Rules:
    if not isinstance(raw, Mapping):
        raise fail("rules", "missing; expected points, recency, corroboration and bands")

    def section(name: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        value = raw.get(name)
        if not isinstance(value, Mapping):
            raise fail("rules", f"missing section '{name}'")
        for key in keys:
            number = value.get(key)
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise fail(f"rules.{name}", f"field '{key}': expected a non-negative number")
        return value

    points = section("points", LEVELS)
    recency = section("recency", ("full_months", "reduced_months", "reduced_weight"))
    corroboration = section("corroboration", ("window_months", "raise_agencies", "medium_agencies"))
    bands = section("bands", LEVELS)
    if not points["low"] <= points["medium"] <= points["high"]:
        raise fail("rules.points", "points must not fall as the level rises")
    if not 0 < bands["low"] <= bands["medium"] <= bands["high"]:
        raise fail("rules.bands", "bands must be positive and rise with the level")
    if not recency["full_months"] <= recency["reduced_months"]:
        raise fail("rules.recency", "field 'reduced_months': must not be shorter than full_months")
    if not 0 <= recency["reduced_weight"] <= 1:
        raise fail("rules.recency", "field 'reduced_weight': must be between 0 and 1")
    return Rules(
        points={lv: int(points[lv]) for lv in LEVELS},
        full_months=int(recency["full_months"]),
        reduced_months=int(recency["reduced_months"]),
        reduced_weight=float(recency["reduced_weight"]),
        window_months=int(corroboration["window_months"]),
        raise_agencies=int(corroboration["raise_agencies"]),
        medium_agencies=int(corroboration["medium_agencies"]),
        bands={lv: float(bands[lv]) for lv in LEVELS},
    )


def _named(raw: Any, section: str, make: Callable[[str, str], _Named], fail: _Fail) -> list[_Named]:
    if not isinstance(raw, list) or not raw:
        raise fail(section, "expected a non-empty list")
    out: list[_Named] = []
    seen: set[Any] = set()
    for n, entry in enumerate(raw, start=1):
        where = f"{section} entry {n}"
        if not isinstance(entry, Mapping):
            raise fail(where, "expected a mapping with id and label")
        for key in ("id", "label"):
            if not entry.get(key):
                raise fail(where, f"missing field '{key}'")
        if entry["id"] in seen:
            raise fail(where, f"field 'id': duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        out.append(make(str(entry["id"]), str(entry["label"])))
    return out


def _sources(raw: Any, fail: _Fail) -> list[Source]:
    if not isinstance(raw, list) or not raw:
        raise fail("sources", "expected a non-empty list")
    out: list[Source] = []
    seen: set[Any] = set()
    for n, entry in enumerate(raw, start=1):
        where = f"sources entry {n}"
        if not isinstance(entry, Mapping):
            raise fail(where, "expected a mapping")
        for key in ("id", "title", "publisher", "year"):
            if not entry.get(key):
                raise fail(where, f"missing field '{key}'")
        if entry["id"] in seen:
            raise fail(where, f"field 'id': duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        out.append(
            Source(
                id=str(entry["id"]),
                title=str(entry["title"]),
                publisher=str(entry["publisher"]),
                year=int(entry["year"]),
                note=str(entry.get("note") or ""),
            )
        )
    return out


def _id_list(
    raw: Any, where: str, field: str, known: set[str], noun: str, fail: _Fail
) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise fail(where, f"field '{field}': expected a list")
    for value in raw:
        if value not in known:
            raise fail(where, f"field '{field}': unknown {noun} {value!r}")
    if len(set(raw)) != len(raw):
        raise fail(where, f"field '{field}': listed twice")
    return tuple(raw)
