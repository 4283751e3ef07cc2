"""Every parameter of the synthetic world in one frozen dataclass.

The source or reasoning behind each default is given in ``docs/methods/world.md`` under the same
name; a default marked *assumed* there is a modelling choice, not a published figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from jigsaw.catalogue import load as _load_catalogue
from jigsaw.errors import InputError

_K = TypeVar("_K")
_V = TypeVar("_V")

# The agencies of the world are the catalogue's, in its order (columns of the visibility arrays).
AGENCIES: tuple[str, ...] = tuple(agency.id for agency in _load_catalogue().agencies)


def _frozen(mapping: Mapping[_K, _V]) -> MappingProxyType[_K, _V]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class WorldConfig:
    """Parameters of one synthetic world; see ``docs/methods/world.md`` for each default's source.

    Rates are fractions (0-1). Mappings are keyed by agency id (:data:`AGENCIES`).
    """

    # --- size and time -------------------------------------------------------------------------
    children: int = 10_000
    areas: int = 4
    seed: int = 0
    england: bool = False
    # One English LA (GSS code) that a single-area world stands in for ("" for synthetic areas).
    la: str = ""
    start: dt.date = dt.date(2023, 4, 1)
    years: int = 2

    # --- families --------------------------------------------------------------------------------
    family_size_weights: tuple[float, ...] = (0.45, 0.38, 0.13, 0.04)
    twin_share: float = 0.03
    identical_twin_share: float = 0.33
    middle_name_share: float = 0.55
    double_barrelled_share: float = 0.03
    surname_change_share: float = 0.04
    moved_once_share: float = 0.15
    moved_twice_share: float = 0.04
    households_per_postcode: float = 6.0

    # --- vulnerabilities (national prevalence among children 0-17) ------------------------------
    vulnerability_prevalence: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "looked_after": 0.007,
                "child_protection": 0.004,
                "prior_abuse": 0.05,
                "missing": 0.012,
                "disability": 0.08,
                "substance_misuse": 0.03,
                "excluded": 0.04,
                "mental_health": 0.08,
            }
        )
    )
    vulnerability_family_loading: float = 0.6
    # What agencies record of ethnicity and disability: shares refused, and never asked.
    ethnicity_gap_shares: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"refused": 0.01, "not asked": 0.03})
    )
    disability_gap_shares: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"refused": 0.01, "not asked": 0.06})
    )
    deprivation_loading: float = 0.2

    # --- exploitation --------------------------------------------------------------------------
    prevalence: float = 0.014
    relative_risk: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "looked_after": 4.0,
                "child_protection": 2.5,
                "prior_abuse": 3.0,
                "missing": 5.0,
                "disability": 2.9,
                "substance_misuse": 3.0,
                "excluded": 2.0,
                "mental_health": 1.8,
            }
        )
    )
    boy_relative_risk: float = 0.35
    deprivation_risk_per_sd: float = 0.0
    mean_duration_months: float = 9.0

    # --- identification ------------------------------------------------------------------------
    identified_share_of_victims: float = 0.125
    false_identification_share: float = 0.15
    area_skill_sd: float = 0.55
    size_skill_elasticity: float = -0.22
    agency_skill_sd: float = 0.3
    domain_skill_sd: float = 0.4
    agency_identification_weight: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "police": 1.0,
                "education": 0.6,
                "social_care": 1.2,
                "health": 0.6,
                "youth_justice": 0.3,
                "voluntary": 0.4,
                "housing": 0.1,
            }
        )
    )
    boy_visibility: float = 0.6
    police_referral_to_social_care: float = 0.7

    # --- concerns ------------------------------------------------------------------------------
    victim_concerns_per_year: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "police": 1.0,
                "education": 1.0,
                "social_care": 0.8,
                "health": 0.8,
                "youth_justice": 0.2,
                "voluntary": 0.4,
                "housing": 0.1,
            }
        )
    )
    nonvictim_concern_rate: float = 0.02
    indicators_per_concern: float = 1.2

    # --- records -------------------------------------------------------------------------------
    agency_coverage: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "police": 0.03,
                "education": 0.97,
                "social_care": 0.06,
                "health": 0.85,
                "youth_justice": 0.005,
                "voluntary": 0.02,
                "housing": 0.03,
            }
        )
    )
    extra_records: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "police": 0.4,
                "education": 0.25,
                "social_care": 0.3,
                "health": 0.8,
                "youth_justice": 0.2,
                "voluntary": 0.1,
                "housing": 0.2,
            }
        )
    )
    nhs_number_recorded: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "police": 0.05,
                "education": 0.0,
                "social_care": 0.7,
                "health": 0.97,
                "youth_justice": 0.3,
                "voluntary": 0.05,
                "housing": 0.0,
            }
        )
    )
    day_first_agencies: tuple[str, ...] = ("police", "housing", "voluntary")
    excel_serial_agencies: tuple[str, ...] = ()
    upper_case_agencies: tuple[str, ...] = ("police",)

    # --- identity noise (share of records) ------------------------------------------------------
    nickname_rate: float = 0.12
    middle_name_in_forename_rate: float = 0.03
    first_name_typo_rate: float = 0.02
    last_name_typo_rate: float = 0.02
    case_rate: float = 0.05
    accent_dropped_rate: float = 0.7
    dob_missing_rate: float = 0.03
    dob_swap_rate: float = 0.015
    dob_year_rate: float = 0.01
    dob_day_rate: float = 0.01
    sex_missing_rate: float = 0.04
    postcode_missing_rate: float = 0.03
    postcode_format_rate: float = 0.1
    nhs_invalid_rate: float = 0.02
    nhs_spaced_rate: float = 0.2

    # --- mentions: groups of perpetrators and the people and places around children -----------
    group_victim_share: float = 0.3
    group_children: tuple[int, int] = (3, 8)
    group_adults: tuple[int, int] = (2, 5)
    group_events_per_child: float = 3.0
    group_mentions_per_event: float = 1.5
    background_mentions_per_concern: float = 1.5
    mention_full_name_share: float = 0.4
    mention_typo_rate: float = 0.05
    mention_misread_rate: float = 0.1
    mention_partial_rate: float = 0.15

    def __post_init__(self) -> None:
        if self.children < 1:
            raise InputError(f"children must be at least 1, not {self.children}")
        if not self.england and self.areas < 1:
            raise InputError(f"areas must be at least 1, not {self.areas}")
        if not self.england and self.children < self.areas:
            raise InputError(
                f"children ({self.children}) must be at least the number of areas ({self.areas})"
            )
        if self.la and self.england:
            raise InputError("la (one English LA) cannot be combined with england (all 153)")
        if self.years < 1:
            raise InputError(f"years must be at least 1, not {self.years}")
        for name in ("day_first_agencies", "excel_serial_agencies", "upper_case_agencies"):
            unknown = set(getattr(self, name)) - set(AGENCIES)
            if unknown:
                raise InputError(f"{name} names unknown agencies {sorted(unknown)}")
        for name in ("group_children", "group_adults"):
            low_high = getattr(self, name)
            if len(low_high) != 2 or not 1 <= low_high[0] <= low_high[1]:
                raise InputError(
                    f"{name} is a range [lowest, highest] of at least 1, not {low_high}"
                )
        if self.group_children[0] < 2:
            raise InputError(f"group_children must start at 2 or more, not {self.group_children}")
        for name in ("group_events_per_child", "group_mentions_per_event"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} is a mean of at least 1, not {getattr(self, name)}")
        if self.background_mentions_per_concern < 0:
            raise InputError("background_mentions_per_concern cannot be negative")
        if not 0 <= self.prevalence < 1:
            raise InputError(
                f"prevalence is a fraction at least 0 and below 1, not {self.prevalence}"
            )
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith(("_rate", "_share")) and not 0 <= value <= 1:
                raise InputError(f"{item.name} is a fraction between 0 and 1, not {value}")
            if isinstance(value, Mapping):
                # Keep the config immutable even when a caller passes a plain dict.
                object.__setattr__(self, item.name, _frozen(value))
            if isinstance(value, Mapping) and item.name in (
                "agency_identification_weight",
                "victim_concerns_per_year",
                "agency_coverage",
                "extra_records",
                "nhs_number_recorded",
            ):
                missing = set(AGENCIES) - set(value)
                if missing:
                    raise InputError(f"{item.name} has no value for {sorted(missing)}")

    @property
    def end(self) -> dt.date:
        """The first day after the window of concerns."""
        return self.start.replace(year=self.start.year + self.years)


def load_config(path: str | Path, **overrides: object) -> WorldConfig:
    """Read a :class:`WorldConfig` from a YAML file of field names and values.

    Parameters
    ----------
    path : str or Path
        A YAML mapping, e.g. ``children: 50000`` / ``prevalence: 0.01`` /
        ``agency_coverage: {police: 0.05, ...}``. Fields left out keep their defaults; a mapping
        field must name every agency.
    **overrides
        Fields that win over the file (the command line's explicit options).

    Returns
    -------
    WorldConfig

    Raises
    ------
    InputError
        Naming the file and field when the file is not a mapping, names an unknown field, or holds
        an impossible value.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise InputError(f"{path}: not valid YAML ({error})") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a YAML file") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of world parameters")
    known = {f.name: f for f in fields(WorldConfig)}
    values = {}
    for key, value in {**data, **overrides}.items():
        if key not in known:
            raise InputError(f"{path}: unknown world parameter {key!r}")
        if key == "start" and isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise InputError(
                    f"{path}: start must be a date YYYY-MM-DD, not {value!r}"
                ) from None
        if isinstance(value, list):
            value = tuple(value)
        _check_type(path, known[key], value)
        values[key] = value
    try:
        return WorldConfig(**values)
    except (TypeError, ValueError) as error:
        raise InputError(f"{path}: {error}") from None


def _check_type(path: Path, item: Field[object], value: object) -> None:
    """Refuse a YAML value of the wrong kind by name, before it fails obscurely inside the config."""
    if item.default is not MISSING:
        default = item.default
    elif item.default_factory is not MISSING:
        default = item.default_factory()
    else:  # every field has a default (WorldConfig() is the default world)
        return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
        kind = "true or false"
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
        kind = "a whole number"
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        kind = "a number"
    elif isinstance(default, Mapping):
        ok = isinstance(value, Mapping)
        kind = "a mapping"
    elif isinstance(default, tuple):
        ok = isinstance(value, tuple)
        kind = "a list"
    else:
        return
    if not ok:
        raise InputError(f"{path}: {item.name} must be {kind}, not {value!r}")
