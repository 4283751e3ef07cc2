"""Connect: children linked through the people, places, vehicles and phones around them.

Mentions recorded on concerns and return interviews (``mention_id, child_id, agency, date, kind,
value``) are normalised and resolved into entities (people with Splink, under two thresholds
and with uncertain matches sent for review; registrations, phone numbers, online accounts and
places by their normal forms), and children who share distinctive entities within a time window
are connected into groups, each with the entities and mentions that connect it.

A group is a set of recorded facts for people to review at the MASH and the MACE panel. Nothing
here scores a child or an adult. Method: ``docs/methods/groups.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from jigsaw.connect._connect import Settings, connect
from jigsaw.connect._evaluate import Figures, evaluate
from jigsaw.connect._normalise import (
    Key,
    Person,
    is_family,
    normalise_online,
    normalise_phone,
    normalise_place,
    normalise_vehicle,
    parse_person,
)
from jigsaw.connect._read import MENTION_COLUMNS, check_mentions, read_mentions
from jigsaw.connect._resolve import KINDS, resolve

__all__ = [
    "KINDS",
    "MENTION_COLUMNS",
    "Figures",
    "GroupsResult",
    "Key",
    "Person",
    "Settings",
    "check_mentions",
    "evaluate",
    "find_groups",
    "is_family",
    "normalise_online",
    "normalise_phone",
    "normalise_place",
    "normalise_vehicle",
    "parse_person",
    "read_mentions",
]


@dataclass(frozen=True)
class GroupsResult:
    """The outcome of :func:`find_groups`.

    ``groups`` (``group_id, child_id``, children in groups of two or more), ``entities``
    (``entity_id, kind, label, mentions, children``), ``evidence`` (``group_id, child_id,
    entity_id, mention_ids``), ``review`` (uncertain person matches: ``mention_l, mention_r,
    probability``, never merged), ``pairs`` (every pair of children sharing a distinctive
    entity, connected or not), ``mentions`` (each mention with its ``entity_id``) and ``links``
    (the person mentions matched directly).
    """

    groups: pd.DataFrame
    entities: pd.DataFrame
    evidence: pd.DataFrame
    review: pd.DataFrame
    pairs: pd.DataFrame
    mentions: pd.DataFrame
    links: pd.DataFrame


def find_groups(
    mentions: pd.DataFrame,
    settings: Settings | None = None,
    *,
    same_people: Sequence[tuple[str, str]] = (),
) -> GroupsResult:
    """Resolve mentions into entities and connect children into groups.

    Parameters
    ----------
    mentions : pandas.DataFrame
        ``mention_id, child_id, agency, date, kind, value``, as text or (``date``) dates; checked
        with :func:`check_mentions`.
    settings : Settings, optional
        Window, commonness threshold and person-matching thresholds (defaults documented).
    same_people : sequence of (mention_id, mention_id), optional
        Person mentions a reviewer decided are one adult (an uncertain match confirmed): merged
        and matched directly. Nothing else is ever merged below the link threshold.

    Returns
    -------
    GroupsResult
    """
    settings = settings or Settings()
    checked = check_mentions(mentions.astype({"date": str}) if "date" in mentions else mentions)
    resolved = resolve(
        checked,
        person_link=settings.person_link,
        person_review=settings.person_review,
        same_people=same_people,
    )
    connections = connect(resolved.mentions, settings, resolved.links)
    return GroupsResult(
        groups=connections.groups,
        entities=resolved.entities,
        evidence=connections.evidence,
        review=resolved.review,
        pairs=connections.pairs,
        mentions=resolved.mentions,
        links=resolved.links,
    )
