"""Figures against the synthetic world's truth: pairwise precision and recall of groups, groups
found from common places alone, and how much earlier a group is visible than to any one agency."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import pandas as pd

__all__ = ["Figures", "evaluate"]


@dataclass(frozen=True)
class Figures:
    """Figures of one run against truth (see :func:`evaluate`)."""

    precision: float
    recall: float
    found_pairs: int
    true_pairs: int
    groups_found: int
    true_groups: int
    common_place_groups: int
    groups_connected: int
    earlier_days_median: float | None
    earlier_share: float
    never_one_agency: int
    earlier_than_agency_connect_median: float | None
    never_one_agency_connect: int
    # The measure of "how much earlier" (docs/methods/groups.md): the share of connected true
    # groups the partnership sees before any one agency's own mentions connect two of their
    # children, a group no agency alone ever connects counting as seen earlier.
    ahead_of_every_agency_share: float = 0.0


def _pairs(groups: pd.DataFrame) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for _, block in groups.groupby("group_id", sort=True):
        out.update(combinations(sorted(block["child_id"].tolist()), 2))
    return out


def _first_inside(pairs: pd.DataFrame, member: pd.Series) -> pd.Series:
    connected = pairs[pairs["connected"].astype(bool)]
    left, right = connected["child_l"].map(member), connected["child_r"].map(member)
    inside = connected[left.notna() & (left == right)]
    return inside.groupby(inside["child_l"].map(member))["visible"].min()


def evaluate(
    result: object, mention_truth: pd.DataFrame, group_truth: pd.DataFrame, settings: object = None
) -> Figures:
    """Compare a :class:`jigsaw.connect.GroupsResult` with the world's truth.

    * precision and recall of "these two children are in the same group", over all pairs;
    * groups whose connecting entities are all of the world's common places and schools;
    * for each true group, the first date two of its children are connected, against the first
      date one agency has mentions of two of them (``earlier_days_median``: the median gain in
      days over the true groups with both dates; ``never_one_agency``: groups no single agency
      ever held two children of); and against the first date one agency's own mentions alone
      connect two of them (the same rule run on each agency's mentions), which is the measure
      of how much earlier a group is visible than through any single agency
      (``earlier_than_agency_connect_median``, ``never_one_agency_connect``,
      ``ahead_of_every_agency_share``): holding two children's records is not seeing that they
      are connected.
    """
    from jigsaw.connect._connect import Settings, connect

    rules = settings if isinstance(settings, Settings) else Settings()
    groups: pd.DataFrame = result.groups  # type: ignore[attr-defined]
    evidence: pd.DataFrame = result.evidence  # type: ignore[attr-defined]
    pairs: pd.DataFrame = result.pairs  # type: ignore[attr-defined]
    resolved: pd.DataFrame = result.mentions  # type: ignore[attr-defined]
    found, true = _pairs(groups), _pairs(group_truth)
    hit = len(found & true)
    precision = hit / len(found) if found else 1.0
    recall = hit / len(true) if true else 1.0

    role = resolved[["mention_id", "entity_id"]].merge(
        mention_truth[["mention_id", "role"]], on="mention_id"
    )
    common_entities = set(
        role.groupby("entity_id")["role"]
        .agg(lambda r: set(r) <= {"common", "school"})
        .loc[lambda s: s]
        .index
    )
    common_groups = sum(
        1 for _, block in evidence.groupby("group_id") if set(block["entity_id"]) <= common_entities
    )

    member = group_truth.set_index("child_id")["group_id"]
    first_connected = _first_inside(pairs, member)
    links: pd.DataFrame | None = getattr(result, "links", None)
    alone = [
        _first_inside(connect(block, rules, links).pairs, member)
        for _, block in resolved.groupby("agency", sort=True)
    ]
    by_agency = (
        pd.concat(alone).groupby(level=0).min() if alone else pd.Series(dtype="datetime64[ns]")
    )
    agency_gains = []
    for group in first_connected.index:
        if group in by_agency.index:
            agency_gains.append(
                (pd.Timestamp(by_agency[group]) - pd.Timestamp(first_connected[group])).days
            )
    agency_series = pd.Series(agency_gains, dtype="float64")
    dated = resolved.assign(group_id=resolved["child_id"].map(member)).dropna(subset=["group_id"])
    first_by_agency = dated.groupby(["group_id", "agency", "child_id"])["date"].min().reset_index()
    # The date an agency first holds a second child of the group: its second-earliest first date.
    second: dict[str, pd.Timestamp] = {}
    ordered = first_by_agency.sort_values("date", kind="stable")
    for (group, _agency), block in ordered.groupby(["group_id", "agency"], sort=True):
        if len(block) >= 2:
            when = pd.Timestamp(block["date"].iloc[1])
            second[str(group)] = min(second.get(str(group), when), when)
    one_agency = pd.Series(second, dtype="datetime64[ns]")
    gains = []
    never = 0
    for group in first_connected.index:
        agency_date = one_agency.get(group, pd.NaT)
        if pd.isna(agency_date):
            never += 1
            continue
        gains.append((pd.Timestamp(agency_date) - pd.Timestamp(first_connected[group])).days)
    series = pd.Series(gains, dtype="float64")
    return Figures(
        precision=round(precision, 4),
        recall=round(recall, 4),
        found_pairs=len(found),
        true_pairs=len(true),
        groups_found=int(groups["group_id"].nunique()),
        true_groups=int(group_truth["group_id"].nunique()),
        common_place_groups=common_groups,
        groups_connected=len(first_connected),
        earlier_days_median=float(series.median()) if len(series) else None,
        earlier_share=round(float((series > 0).mean()), 4) if len(series) else 0.0,
        never_one_agency=never,
        earlier_than_agency_connect_median=float(agency_series.median())
        if len(agency_series)
        else None,
        never_one_agency_connect=len(first_connected) - len(agency_series),
        ahead_of_every_agency_share=round(
            (int((agency_series > 0).sum()) + len(first_connected) - len(agency_series))
            / len(first_connected),
            4,
        )
        if len(first_connected)
        else 0.0,
    )
