"""Concerns: what each agency records about a child, with the indicators it saw.

Indicators are picked from the catalogue by level, kind, domain and the agencies that see them,
never by id, so any catalogue version works. Three sources of concerns:

* victims produce signs at agency-specific rates while exploited (scaled by the area's skill);
* every agency that identifies a child records an identifying concern on that day, with at least
  one medium or high indicator; police concerns are referred on to social care;
* children who are not exploited produce some concerns too, mostly low-level (false positives).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import numpy as np
import pandas as pd

from jigsaw.world._config import AGENCIES, WorldConfig
from jigsaw.world._exploitation import Exploitation
from jigsaw.world._population import VULNERABILITIES

if TYPE_CHECKING:
    from jigsaw.catalogue import Catalogue

# The catalogue domain that holds the vulnerability each child attribute stands for.
_VULNERABILITY_DOMAIN = {
    "looked_after": "family",
    "child_protection": "family",
    "prior_abuse": "family",
    "missing": "missing_absence",
    "disability": "wellbeing",
    "substance_misuse": "substances",
    "excluded": "education",
    "mental_health": "wellbeing",
}

# Relative weight of an indicator by (level) for each class of concern; disclosures separate.
_LEVEL_WEIGHT = {
    "victim": {"low": 1.0, "medium": 2.0, "high": 1.5, "disclosure": 0.08},
    "other": {"low": 3.0, "medium": 1.0, "high": 0.08, "disclosure": 0.0},
    "strong": {"low": 0.0, "medium": 2.0, "high": 2.0, "disclosure": 0.15},
    # Identifying a child who is not exploited: a medium or high sign, never a disclosure.
    "false_strong": {"low": 0.0, "medium": 2.0, "high": 1.0, "disclosure": 0.0},
}
# An agency not listed among those "most likely to see" an indicator still sees it, rarely.
_OTHER_AGENCY_WEIGHT = 0.05

# How each agency's notes begin.
_NOTE_OPENINGS = {
    "police": ("Officer noted:", "Return interview:", "Seen on patrol:"),
    "education": ("Form tutor reports:", "DSL note:", "Pastoral team noted:"),
    "social_care": ("Social worker noted:", "Home visit:", "Duty record:"),
    "health": ("Clinic note:", "School nurse noted:", "A&E attendance:"),
    "youth_justice": ("YOT worker noted:", "Case worker noted:"),
    "voluntary": ("Youth worker noted:", "Outreach session:"),
    "housing": ("Housing officer noted:", "Tenancy visit:"),
}
# Agencies raising concerns about children who are not exploited, and how often (assumed).
_OTHER_AGENCY_SHARE = {
    "police": 0.15, "education": 0.35, "social_care": 0.15, "health": 0.2,
    "youth_justice": 0.03, "voluntary": 0.07, "housing": 0.05,
}  # fmt: skip


@dataclass
class Concerns:
    """Concerns before record ids are attached: ``child`` and ``agency`` are integer indices."""

    frame: pd.DataFrame  # child, agency, day, indicators, note, referred_by
    domain_skill: np.ndarray  # (areas, agencies, domains): skill at noticing each kind of sign
    domains: np.ndarray  # catalogue domain ids, in the order of domain_skill's last axis


class _IndicatorTables(TypedDict):
    """The catalogue's indicators as arrays, in catalogue order, for drawing signs."""

    ids: np.ndarray  # indicator ids (object)
    labels: np.ndarray  # indicator labels (object)
    weight: np.ndarray  # (classes of concern, agencies, indicators): chance weights
    domains: np.ndarray  # the distinct domain ids, sorted
    domain_index: np.ndarray  # each indicator's position in ``domains``
    vulnerable: dict[str, np.ndarray]  # child vulnerability -> indicators that record it


def _indicator_tables(catalogue: Catalogue) -> _IndicatorTables:
    ids = np.array([i.id for i in catalogue.indicators], dtype=object)
    labels = np.array([i.label for i in catalogue.indicators], dtype=object)
    level = np.array([i.level for i in catalogue.indicators])
    kind = np.array([i.kind for i in catalogue.indicators])
    domain = np.array([i.domain for i in catalogue.indicators])
    seen = np.array([[a in i.agencies for a in AGENCIES] for i in catalogue.indicators], dtype=bool)
    weight = np.empty((len(_LEVEL_WEIGHT), len(AGENCIES), len(ids)))
    for k, (klass, weights) in enumerate(_LEVEL_WEIGHT.items()):
        w_level = np.where(
            kind == "disclosure",
            weights["disclosure"],
            np.where(kind == "indicator", [weights[lv] for lv in level], 0.0),
        )
        for j in range(len(AGENCIES)):
            weight[k, j] = w_level * np.where(seen[:, j], 1.0, _OTHER_AGENCY_WEIGHT)
            if weight[k, j].sum() <= 0:
                raise ValueError(f"the catalogue has no indicator for a {klass} concern")
    domains, domain_index = np.unique(domain, return_inverse=True)
    vulnerable = {}
    any_vulnerability = np.flatnonzero(kind == "vulnerability")
    for name, dom in _VULNERABILITY_DOMAIN.items():
        hits = np.flatnonzero((kind == "vulnerability") & (domain == dom))
        vulnerable[name] = hits if len(hits) else any_vulnerability
    return {
        "ids": ids,
        "labels": labels,
        "weight": weight,
        "domains": domains,
        "domain_index": domain_index,
        "vulnerable": vulnerable,
    }


def simulate(
    config: WorldConfig,
    children: pd.DataFrame,
    ex: Exploitation,
    catalogue: Catalogue,
    rng: np.random.Generator,
    domain_rng: np.random.Generator,
) -> Concerns:
    """Return every concern of the window with its indicators and note."""
    start = np.datetime64(config.start, "D")
    days = int((np.datetime64(config.end, "D") - start).astype(np.int64))
    n, n_agencies = len(children), len(AGENCIES)
    skill = ex.skill[ex.area_index]
    ref_col, police_col = AGENCIES.index("social_care"), AGENCIES.index("police")
    parts = []

    # 1. Victims' signs during the part of their exploitation inside the window.
    victims = np.flatnonzero(ex.exploited)
    lo = np.clip((ex.start[victims] - start).astype(np.int64), 0, days - 1)
    hi = np.clip((ex.end[victims] - start).astype(np.int64), 0, days - 1)
    hi = np.maximum(hi, lo)
    years = (hi - lo + 1) / 365.25
    rate = np.array([config.victim_concerns_per_year[a] for a in AGENCIES])
    lam = rate[None, :] * skill[victims] * np.minimum(ex.visibility[victims], 3.0) * years[:, None]
    counts = rng.poisson(lam)
    child = np.repeat(np.repeat(victims, n_agencies), counts.ravel())
    agency = np.repeat(np.tile(np.arange(n_agencies), len(victims)), counts.ravel())
    span_lo = np.repeat(np.repeat(lo, n_agencies), counts.ravel())
    span_hi = np.repeat(np.repeat(hi, n_agencies), counts.ravel())
    day = span_lo + (rng.random(len(child)) * (span_hi - span_lo + 1)).astype(np.int64)
    parts.append(pd.DataFrame({"child": child, "agency": agency, "day": day, "klass": "victim"}))

    # 2. Identifying concerns, one per agency that identified the child, on that day.
    who, which = np.nonzero(ex.identified_by)
    day = (ex.identified_on[who, which] - start).astype(np.int64)
    klass = np.where(ex.exploited[who], "strong", "false_strong")
    parts.append(pd.DataFrame({"child": who, "agency": which, "day": day, "klass": klass}))

    # 3. Concerns about children who are not exploited (most of them false positives).
    vuln_count = sum(children[v].to_numpy().astype(float) for v in VULNERABILITIES)
    age = children["age"].to_numpy()
    lam_other = (
        config.nonvictim_concern_rate * config.years * (1 + vuln_count) * (age >= 8)
        * skill.mean(axis=1) * ~ex.exploited
    )  # fmt: skip
    counts = rng.poisson(lam_other)
    child = np.repeat(np.arange(n), counts)
    share = np.array([_OTHER_AGENCY_SHARE[a] for a in AGENCIES])
    agency = rng.choice(n_agencies, size=len(child), p=share / share.sum())
    day = rng.integers(0, days, len(child))
    parts.append(pd.DataFrame({"child": child, "agency": agency, "day": day, "klass": "other"}))

    frame = pd.concat(parts, ignore_index=True)
    frame["referred_by"] = ""
    # Police pass concerns about victims on to social care, which records its own concern.
    police_victim = (frame["agency"].to_numpy() == police_col) & (
        frame["klass"] != "other"
    ).to_numpy()
    refer = police_victim & (rng.random(len(frame)) < config.police_referral_to_social_care)
    referral = frame[refer].copy()
    referral["agency"] = ref_col
    referral["day"] = np.minimum(
        referral["day"].to_numpy() + rng.integers(1, 15, len(referral)), days - 1
    )
    referral["klass"] = referral["klass"].replace({"strong": "victim", "false_strong": "other"})
    referral["referred_by"] = "police"
    # A social-care identification that came from a police referral is marked as such.
    strong_sc = (frame["klass"] == "strong") & (frame["agency"] == ref_col)
    frame.loc[strong_sc & ex.referred[frame["child"].to_numpy()], "referred_by"] = "police"
    frame = pd.concat([frame, referral], ignore_index=True)
    frame = frame.sort_values(["day", "child", "agency"], kind="stable").reset_index(drop=True)

    tables = _indicator_tables(catalogue)
    # Each area's agencies notice some kinds of sign better than others.
    domain_skill = np.exp(
        domain_rng.normal(
            0, config.domain_skill_sd, (len(ex.skill), len(AGENCIES), len(tables["domains"]))
        )
    )
    frame["indicators"], frame["note"] = _indicators_and_notes(
        frame, children, tables, config, rng, ex.area_index, domain_skill
    )
    return Concerns(
        frame=frame.drop(columns="klass"), domain_skill=domain_skill, domains=tables["domains"]
    )


def _indicators_and_notes(
    frame: pd.DataFrame,
    children: pd.DataFrame,
    tables: _IndicatorTables,
    config: WorldConfig,
    rng: np.random.Generator,
    area_index: np.ndarray,
    domain_skill: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    m = len(frame)
    if m == 0:
        return np.array([], dtype=object), np.array([], dtype=object)
    klass = frame["klass"].to_numpy()
    agency = frame["agency"].to_numpy()
    k = 1 + rng.poisson(config.indicators_per_concern, m)
    slot_concern = np.repeat(np.arange(m), k)
    first = np.r_[True, slot_concern[1:] != slot_concern[:-1]]
    slot_class = klass[slot_concern].astype(object)
    # The first indicator of an identifying concern is medium or high; the rest as for victims
    # (or, for a child identified though not exploited, as for other children).
    slot_class[(slot_class == "strong") & ~first] = "victim"
    slot_class[(slot_class == "false_strong") & ~first] = "other"
    u = rng.random(len(slot_concern))
    # Each slot's weights: the class and agency's, times the area agency's skill at noticing
    # signs of each domain. Done in chunks to keep the (slots x indicators) matrix small.
    klass_code = pd.Index(list(_LEVEL_WEIGHT)).get_indexer(pd.Index(slot_class))
    slot_agency = agency[slot_concern]
    slot_area = area_index[frame["child"].to_numpy()][slot_concern]
    indicator = np.empty(len(slot_concern), dtype=np.int64)
    for lo in range(0, len(slot_concern), 50_000):
        part = slice(lo, lo + 50_000)
        w = tables["weight"][klass_code[part], slot_agency[part]]
        w = w * domain_skill[slot_area[part], slot_agency[part]][:, tables["domain_index"]]
        cum = np.cumsum(w, axis=1)
        pick = (u[part, None] * cum[:, -1:] > cum).sum(axis=1)
        indicator[part] = np.minimum(pick, w.shape[1] - 1)
    # A vulnerability the child really has is often recorded alongside.
    child = frame["child"].to_numpy()
    has = np.column_stack([children[v].to_numpy()[child] for v in VULNERABILITIES])
    pick = np.argmax(has * rng.random(has.shape), axis=1)
    add = has.any(axis=1) & (rng.random(m) < 0.4)
    extra_concern = np.flatnonzero(add)
    extra = np.empty(len(extra_concern), dtype=np.int64)
    for v, name in enumerate(VULNERABILITIES):
        hit = np.flatnonzero(pick[extra_concern] == v)
        options = tables["vulnerable"][name]
        if len(hit) and len(options):
            extra[hit] = options[rng.integers(0, len(options), len(hit))]
        elif len(hit):
            extra[hit] = -1
    keep = extra >= 0
    pairs = pd.DataFrame(
        {
            "concern": np.concatenate([slot_concern, extra_concern[keep]]),
            "indicator": np.concatenate([indicator, extra[keep]]),
        }
    ).drop_duplicates()
    pairs = pairs.sort_values(["concern", "indicator"], kind="stable")
    concern = pairs["concern"].to_numpy()
    starts = np.flatnonzero(np.r_[True, concern[1:] != concern[:-1]])
    joined = np.add.reduceat(tables["ids"][pairs["indicator"].to_numpy()] + ";", starts)
    indicators = np.array([s[:-1] for s in joined], dtype=object)

    # Notes: an agency's opening and the label of the concern's first sign.
    first_indicator = indicator[first]
    opening = np.empty(m, dtype=object)
    for j, a in enumerate(AGENCIES):
        hit = np.flatnonzero(agency == j)
        options = np.array(_NOTE_OPENINGS[a], dtype=object)
        opening[hit] = options[rng.integers(0, len(options), len(hit))]
    label = np.array([s.lower() for s in tables["labels"]], dtype=object)[first_indicator]
    note = opening + " " + label + "."
    referred = frame["referred_by"].to_numpy() == "police"
    note[referred] = "Police referral. " + note[referred]
    return indicators, note
