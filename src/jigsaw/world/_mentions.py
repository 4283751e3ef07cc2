"""Mentions: the people, vehicles, phones, online accounts and places recorded about children.

Two sources, written as the agencies would write them (free text, with their slips):

* **groups of perpetrators**: a few adults with their vehicles, phones, accounts and private
  addresses, who exploit several children of one area over time. Each child of a group is
  mentioned at return interviews and disclosures (extra events during the child's episode) and
  on the child's concerns, each naming one or more of the group's entities;
* **the background** on every concern: family members (named with the relation, and shared by
  siblings), the child's school, the area's takeaways, youth clubs, parks and shopping centre
  (shared by many children), friends and boyfriends with common first names and nicknames, and
  lone adults around exploited children outside any group.

Registrations are written in current UK format with spaces, case, confusable characters
(0/O, 1/I, 5/S, 8/B) and partial reads; phone numbers come only from Ofcom's ranges reserved for
drama (never a real subscriber) and are written in many ways; names have nicknames and typos.

The truth says which true entity each mention is of, and which children are in which group.
``child_id`` is the true child: for the world that is what ``jigsaw link`` would give for a
perfectly linked child, and it keeps the evaluation of connection free of linkage errors.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from jigsaw.world import _names
from jigsaw.world._config import WorldConfig
from jigsaw.world._text import ids

# Agencies that record a group child's return interviews and disclosures, and how often (assumed:
# return interviews after missing episodes are done by police or a commissioned voluntary service).
_EVENT_AGENCIES = ("police", "social_care", "voluntary", "education", "health", "youth_justice")
_EVENT_WEIGHTS = np.array([0.35, 0.25, 0.15, 0.1, 0.1, 0.05])

# Kinds of a group's entity named in one mention, by relative weight (assumed).
_GROUP_KIND_WEIGHTS = {"person": 0.3, "vehicle": 0.25, "phone": 0.25, "online": 0.1, "place": 0.1}

# Kinds of background mention on a concern (assumed).
_BACKGROUND_WEIGHTS = {
    "family": 0.22, "school": 0.2, "common": 0.28, "friend": 0.14, "friend_phone": 0.05,
    "friend_online": 0.08, "family_vehicle": 0.03,
}  # fmt: skip

# Children name their friends mostly by first name or nickname (assumed).
_FRIEND_FULL_NAME_SHARE = 0.15
_RELATIONS = (
    "mum",
    "dad",
    "stepdad",
    "nan",
    "older brother",
    "older sister",
    "aunt",
    "mum's partner",
)
_NICKNAMES = (
    "Mo",
    "Jay",
    "Taz",
    "Kash",
    "Ash",
    "Dee",
    "Bigs",
    "Junior",
    "Smiley",
    "Zee",
    "Kaz",
    "Danny",
    "Tee",
    "Ricky",
    "Sully",
    "Deano",
    "Maz",
    "Jonno",
    "Leo",
    "Sonny",
)  # shared by many unrelated adults: a nickname alone never identifies anyone
_MAKES = (
    ("Vauxhall", "Astra"), ("Vauxhall", "Corsa"), ("Ford", "Focus"), ("Ford", "Fiesta"),
    ("BMW", "3 Series"), ("Audi", "A3"), ("Mercedes", "C Class"), ("Toyota", "Prius"),
    ("Volkswagen", "Golf"), ("Seat", "Leon"), ("Nissan", "Qashqai"), ("Skoda", "Octavia"),
)  # fmt: skip
_COLOURS = ("black", "silver", "white", "grey", "blue", "red", "dark blue")
# Letters of current UK registrations (I, Q and Z are not issued in the random letters).
_PLATE_LETTERS = np.array(list("ABCDEFGHJKLMNOPRSTUVWXY"))
_CONFUSE = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8"}
_PLATFORMS = (
    ("snapchat", ("Snapchat", "snap", "SC", "Snapchat:")),
    ("instagram", ("Instagram", "insta", "IG", "instagram")),
    ("tiktok", ("TikTok", "tiktok", "Tik Tok")),
)
_STREETS = (
    "Mill Street", "Station Road", "Victoria Road", "Church Lane", "Albert Terrace", "Park View",
    "Queen Street", "Canal Side", "Market Street", "Grove Road", "Hope Street", "Brook Lane",
)  # fmt: skip
_SCHOOL_WORDS = (
    "Oakfield", "Riverside", "Hillcrest", "St Mary's", "Westgate", "Northfield", "Meadowbank",
    "Kingsway", "Brookside", "Ashdown", "Elmwood", "Highfield", "Parkside", "Fairfield",
    "Greenbank", "Holy Trinity", "Moorside", "Beechwood", "Castle Hill", "Woodlands",
)  # fmt: skip
_COMMON_PLACES = (
    "McDonald's, {town} centre", "Chicken Cottage, {town}", "KFC, {town} retail park",
    "{town} bus station", "{town} shopping centre", "{town} youth club", "Greggs, {town} centre",
    "{town} park", "Starbucks, {town}", "the skate park, {town}",
)  # fmt: skip
_TOWNS = (
    "Ashford", "Brayton", "Calder", "Denholme", "Eastwood", "Farley", "Garston", "Hexley",
    "Ilkley Vale", "Jarrow Green", "Kirkby Moor", "Linton",
)  # fmt: skip


def _drama_numbers() -> list[str]:
    """Ofcom's numbers reserved for TV and radio drama, national format (never a subscriber)."""
    blocks = [
        "07700 900{:03d}", "0113 496 0{:03d}", "0114 496 0{:03d}", "0115 496 0{:03d}",
        "0116 496 0{:03d}", "0117 496 0{:03d}", "0118 496 0{:03d}", "0121 496 0{:03d}",
        "0131 496 0{:03d}", "0141 496 0{:03d}", "0151 496 0{:03d}", "0161 496 0{:03d}",
        "020 7946 0{:03d}", "0191 498 0{:03d}", "029 2018 0{:03d}", "01632 960{:03d}",
    ]  # fmt: skip
    return [block.format(k) for block in blocks for k in range(1000)]


@dataclass
class Mentions:
    """The mentions table and its truth (mention to true entity; child to true group)."""

    mentions: pd.DataFrame  # mention_id, child_id, agency, date, kind, value
    truth: pd.DataFrame  # mention_id, entity_id, role, group_id
    groups: pd.DataFrame  # group_id, child_id, area_code, first_mention


_T = TypeVar("_T")


def _pick(rng: np.random.Generator, items: Sequence[_T]) -> _T:
    """``rng.choice(items)``: the same draw (one integer below ``len(items)``, so the random
    stream and the world stay the same), without numpy making an array of the items each time."""
    return items[int(rng.integers(len(items)))]


class _Weighted:
    """``rng.choice(n, p=p)`` with its cumulative weights worked out once: the same draw (one
    uniform number, placed in numpy's normalised cumulative sum)."""

    def __init__(self, p: np.ndarray) -> None:
        cdf = np.asarray(p, dtype=float).cumsum()
        cdf /= cdf[-1]
        self.cdf = cdf
        self._cdf = cdf.tolist()  # the same numbers; bisect on a list is numpy's search, sooner

    def index(self, rng: np.random.Generator) -> int:
        return bisect.bisect_right(self._cdf, rng.random())


_GROUP_KINDS = list(_GROUP_KIND_WEIGHTS)
_GROUP_KIND_CDF = _Weighted(np.array(list(_GROUP_KIND_WEIGHTS.values())))
_EVENT_CDF = _Weighted(_EVENT_WEIGHTS)
_PLATE_AGES = (15, 65, 16, 66, 17, 67, 18, 68, 19, 69, 20, 70, 21, 71, 22, 72)
_ZIPF: dict[int, _Weighted] = {}


class _Writer:
    """Draws entities and writes their mentions; one random stream in a fixed order."""

    def __init__(self, rng: np.random.Generator, config: WorldConfig) -> None:
        self.rng = rng
        self.config = config
        numbers = _drama_numbers()
        self.numbers = [numbers[i] for i in rng.permutation(len(numbers))]
        self.next_number = 0
        self.rows: list[tuple[str, str, str, str, str, str, str, str]] = []
        self.entities: dict[str, dict[str, object]] = {}
        self.counter = 0

    # --- entities ------------------------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:07d}"

    def phone(self) -> str:
        # Past the 16,000 reserved numbers the pool repeats (far beyond any test's size).
        number = self.numbers[self.next_number % len(self.numbers)]
        self.next_number += 1
        return number

    def plate(self) -> str:
        r = self.rng
        letters = _PLATE_LETTERS
        age = _pick(r, _PLATE_AGES)
        head = "".join(letters[r.integers(0, len(letters), size=2)])
        tail = "".join(letters[r.integers(0, len(letters), size=3)])
        return f"{head}{age:02d} {tail}"

    def adult(self, origin: int, *, male: bool = True) -> dict[str, object]:
        r = self.rng
        # Adults' names are drawn evenly from the lists, not by the children's rank rule: with
        # about 60 names to a list, the rank rule would give far more adults of one full name
        # than a real town has.
        forenames = _names._FORE_LISTS[("M" if male else "F", _names.ORIGINS[origin])]
        surnames = _names._SUR_LISTS[_names.ORIGINS[origin]]
        forename = forenames[int(r.integers(len(forenames)))]
        surname = surnames[int(r.integers(len(surnames)))]
        nickname = _pick(r, _NICKNAMES) if r.random() < 0.6 else ""
        return {
            "forename": forename,
            "surname": surname,
            "nickname": nickname,
            "age": int(r.integers(18, 46)),
        }

    # --- how each kind is written --------------------------------------------------------------
    def write_person(
        self, person: dict[str, object], relation: str = "", full: float | None = None
    ) -> str:
        r = self.rng
        fore, sur = str(person["forename"]), str(person["surname"])
        nick, age = str(person["nickname"]), int(person["age"])  # type: ignore[call-overload]
        if r.random() < self.config.mention_typo_rate:
            sur = _typo(r, sur)
        if r.random() < self.config.mention_typo_rate:
            fore = _typo(r, fore)
        u = r.random()
        full = self.config.mention_full_name_share if full is None else full
        if relation:
            name = f"{fore} {sur}" if u < 0.5 else fore
            return f"{relation} {name}" if u < 0.9 else relation
        if u < full:
            name = f"{fore} {sur}"
            if nick and r.random() < 0.3:
                name += f" ({nick})"
        elif u < full + 0.25 and nick:
            name = f"'{nick}'" if r.random() < 0.5 else f"known as {nick}"
        else:
            name = fore
        if r.random() < 0.2:
            name = name.upper()
        if r.random() < 0.6:
            seen = age + int(r.integers(-3, 4))
            style = r.random()
            if style < 0.5:
                name += f", about {seen}"
            elif style < 0.8:
                name += f" aged approx {seen}"
            else:
                name += f", {seen // 10 * 10}s"
        return name

    def write_plate(self, plate: str, description: str, *, always_described: bool = False) -> str:
        r = self.rng
        text = plate
        if r.random() < self.config.mention_misread_rate:
            spots = [i for i, c in enumerate(text) if c in _CONFUSE]
            if spots:
                i = _pick(r, spots)
                text = text[:i] + _CONFUSE[text[i]] + text[i + 1 :]
        if r.random() < self.config.mention_partial_rate:
            if r.random() < 0.6:
                text = f"reg starts {text[:4]}"
            else:
                text = f"reg ending {text[-3:]}"
        else:
            style = r.random()
            if style < 0.3:
                text = text.replace(" ", "")
            elif style < 0.45:
                text = text.lower()
        # A family car is written with whose it is (the form asks); others often by plate alone.
        return f"{description} {text}" if always_described or r.random() < 0.8 else text

    def write_phone(self, number: str, relation: str = "") -> str:
        r = self.rng
        digits = number.replace(" ", "")
        style = r.random()
        if style < 0.3:
            text = number
        elif style < 0.5:
            text = digits
        elif style < 0.65:
            text = "+44 " + number[1:]
        elif style < 0.75:
            text = "+44" + digits[1:]
        elif style < 0.85:
            text = "0044 " + number[1:]
        elif style < 0.93:
            text = "-".join(number.split(" "))
        else:
            text = f"({number.split(' ')[0]}) " + " ".join(number.split(" ")[1:])
        return f"{relation}'s number {text}" if relation else text

    def write_online(self, platform: int, handle: str) -> str:
        r = self.rng
        aliases = _PLATFORMS[platform][1]
        alias = str(_pick(r, aliases))
        shown = handle.upper() if r.random() < 0.1 else handle
        at = "@" if r.random() < 0.5 else ""
        sep = " " if alias.endswith(":") else _pick(r, (": ", " ", " - "))
        return f"{alias}{sep}{at}{shown}"

    def write_place(self, place: Mapping[str, object]) -> str:
        r = self.rng
        if place["type"] == "address":
            postcode = str(place["postcode"])
            if r.random() < 0.2:
                postcode = postcode.replace(" ", "").lower()
            street = str(place["street"])
            if r.random() < 0.2:
                street = street.replace("Street", "St").replace("Road", "Rd")
            flat = f"Flat {place['flat']}, " if place["flat"] and r.random() < 0.7 else ""
            text = f"{flat}{place['number']} {street}"
            return f"{text}, {postcode}" if r.random() < 0.85 else text
        name = str(place["name"])
        if r.random() < 0.15:
            name = name.lower()
        return f"at {name}" if r.random() < 0.2 else name


def _typo(rng: np.random.Generator, word: str) -> str:
    """One keyboard slip after the first letter: a letter dropped, doubled or swapped."""
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _handle(rng: np.random.Generator, name: str) -> str:
    base = "".join(c for c in name.lower() if c.isalpha())[:8] or "user"
    sep = _pick(rng, ("_", ".", "", "x"))
    return f"{base}{sep}{int(rng.integers(1, 10_000))}"


def simulate(
    config: WorldConfig,
    children: pd.DataFrame,
    concerns: pd.DataFrame,
    concern_child: np.ndarray,
    rng: np.random.Generator,
) -> Mentions:
    """Draw the groups and every mention; see the module docstring.

    ``concern_child`` holds the row in ``children`` of each concern's true child.
    """
    w = _Writer(rng, config)
    start, end = np.datetime64(config.start, "D"), np.datetime64(config.end, "D")
    last_day = end - np.timedelta64(1, "D")
    child_ids = children["child_id"].to_numpy()
    # Read row by row below: plain arrays, as a frame's cell lookup costs microseconds each.
    family_ids = children["family_id"].to_numpy()
    last_names = children["last_name"].to_numpy()
    schools = children["school"].to_numpy()
    exploited_of = children["exploited"].to_numpy()
    area = children["area_code"].to_numpy()
    # Areas numbered in the order they first appear, and each child's area by that number.
    area_of, area_names = pd.factorize(area)
    areas = [str(a) for a in area_names]
    origin = pd.Index(_names.ORIGINS).get_indexer(pd.Index(children["name_origin"]))
    if (origin < 0).any():
        raise ValueError("a child's name origin is not one of the name tables'")
    town = {
        a: _TOWNS[k % len(_TOWNS)] + ("" if k < len(_TOWNS) else f" {k // len(_TOWNS) + 1}")
        for k, a in enumerate(areas)
    }
    # Area postcodes seen among the children: group addresses sit among the area's homes.
    by_area = np.argsort(area_of, kind="stable")
    bounds = np.searchsorted(area_of[by_area], np.arange(len(areas) + 1))
    postcode_of = children["postcode"].to_numpy()[by_area]
    area_postcodes = {
        a: sorted(set(postcode_of[bounds[k] : bounds[k + 1]].tolist()) - {""})
        for k, a in enumerate(areas)
    }

    # --- groups ------------------------------------------------------------------------------
    # numpy reads ISO dates, and a blank as NaT, in one pass.
    ex_start = children["exploitation_start"].to_numpy(object).astype("datetime64[D]")
    ex_end = children["exploitation_end"].to_numpy(object).astype("datetime64[D]")
    eligible = children["exploited"].to_numpy() & (children["age"].to_numpy() >= 11)
    in_group = eligible & (rng.random(len(children)) < config.group_victim_share)
    low, high = config.group_children
    group_of = np.full(len(children), -1)
    groups: list[dict[str, object]] = []
    for k, a in enumerate(areas):
        members = np.flatnonzero(in_group & (area_of == k))
        members = members[np.argsort(ex_start[members], kind="stable")]
        i = 0
        while len(members) - i >= 2:
            size = min(int(rng.integers(low, high + 1)), len(members) - i)
            if len(members) - i - size == 1:
                size += 1  # never leave a group of one child
            chosen = members[i : i + size]
            i += size
            g = len(groups)
            group_of[chosen] = g
            groups.append(
                _draw_group(
                    w,
                    config,
                    g,
                    a,
                    int(np.bincount(origin[chosen]).argmax()),
                    area_postcodes[a],
                    town[a],
                )
            )

    # Read cell by cell below: Python lists, as reading a numpy element costs several times more
    # (the text columns hold Python strings; the numbers and flags become ints and bools).
    family_list = family_ids.tolist()
    origin_list = origin.tolist()
    last_list = last_names.tolist()
    child_list = child_ids.tolist()
    area_list = area.tolist()
    group_list = group_of.tolist()
    exploited_list = exploited_of.astype(bool).tolist()
    school_list = schools.tolist()

    # --- per-area common places, schools, families --------------------------------------------
    common: dict[str, list[dict[str, object]]] = {
        a: [
            {"type": "named", "name": p.format(town=town[a]), "id": f"CP-{a}-{k:02d}"}
            for k, p in enumerate(_COMMON_PLACES)
        ]
        for a in areas
    }
    common_weights = 1.0 / np.arange(1, len(_COMMON_PLACES) + 1)
    common_weights /= common_weights.sum()
    common_cdf = _Weighted(common_weights)
    family_people: dict[str, list[tuple[str, dict[str, object]]]] = {}
    family_car: dict[str, tuple[str, str]] = {}

    def school_place(code: str) -> dict[str, object]:
        kind = "Primary School" if "-P" in code else "Academy"
        number = int(code.rsplit("-", 1)[1][1:])
        word = _SCHOOL_WORDS[(number - 1) % len(_SCHOOL_WORDS)]
        return {
            "type": "named",
            "name": f"{word} {kind}, {town[code.rsplit('-', 1)[0]]}",
            "id": f"SC-{code}",
        }

    def family_of(i: int) -> list[tuple[str, dict[str, object]]]:
        fam = family_list[i]
        if fam not in family_people:
            people: list[tuple[str, dict[str, object]]] = []
            for relation in _RELATIONS[: int(rng.integers(2, 5))]:
                male = relation in ("dad", "stepdad", "older brother", "mum's partner")
                person = w.adult(origin_list[i], male=male)
                if relation in ("mum", "dad", "older brother", "older sister"):
                    person["surname"] = last_list[i]
                person["id"] = f"FA-{fam}-{len(people)}"
                people.append((relation, person))
            family_people[fam] = people
        return family_people[fam]

    def add(
        child: int,
        agency: str,
        day: np.datetime64,
        kind: str,
        value: str,
        entity: str,
        role: str,
        group: str,
    ) -> None:
        w.rows.append((child_list[child], agency, str(day), kind, value, entity, role, group))

    def group_mention(child: int, agency: str, day: np.datetime64) -> None:
        g = groups[group_list[child]]
        gid = str(g["id"])
        kind = _GROUP_KINDS[_GROUP_KIND_CDF.index(rng)]
        items: list[dict[str, object]] = g[kind]  # type: ignore[assignment]
        item = items[_zipf_pick(rng, len(items))]
        if kind == "person":
            value = w.write_person(item)
        elif kind == "vehicle":
            value = w.write_plate(str(item["plate"]), str(item["description"]))
        elif kind == "phone":
            value = w.write_phone(str(item["number"]))
        elif kind == "online":
            value = w.write_online(int(item["platform"]), str(item["handle"]))  # type: ignore[call-overload]
        else:
            value = w.write_place(item)
        add(child, agency, day, kind, value, str(item["id"]), "group", gid)

    # Group events: return interviews and disclosures during each group child's episode.
    for i in np.flatnonzero(group_of >= 0).tolist():
        lo = max(ex_start[i], start)
        hi = max(min(ex_end[i], last_day), lo)
        events = 1 + rng.poisson(config.group_events_per_child - 1)
        for _ in range(events):
            day = lo + np.timedelta64(int(rng.integers(0, int((hi - lo).astype(int)) + 1)), "D")
            agency = _EVENT_AGENCIES[_EVENT_CDF.index(rng)]
            for _ in range(1 + rng.poisson(config.group_mentions_per_event - 1)):
                group_mention(i, agency, day)
            if rng.random() < 0.3:  # groups meet children at the area's public places too
                place = common[area_list[i]][common_cdf.index(rng)]
                add(i, agency, day, "place", w.write_place(place), str(place["id"]), "common", "")

    # Lone adults around exploited children outside any group: one each, never shared.
    lone: dict[int, dict[str, object]] = {}

    # Background on every concern, in the concerns' order.
    days = concerns["date"].to_numpy().astype("datetime64[D]")
    agencies = concerns["agency"].to_numpy()
    bg_kinds = list(_BACKGROUND_WEIGHTS)
    bg_p = np.array(list(_BACKGROUND_WEIGHTS.values()))
    bg_p /= bg_p.sum()
    bg_cdf = _Weighted(bg_p)
    concern_rows = np.asarray(concern_child, dtype=np.int64).tolist()
    for k in range(len(concerns)):
        i = concern_rows[k]
        agency, day = str(agencies[k]), days[k]
        a = area_list[i]
        if group_list[i] >= 0 and ex_start[i] <= day <= ex_end[i] and rng.random() < 0.5:
            group_mention(i, agency, day)
        exploited = exploited_list[i]
        if exploited and group_list[i] < 0 and rng.random() < 0.5:
            if i not in lone:
                adult = w.adult(origin_list[i])
                adult["id"] = w._new_id("LA")
                adult["plate"] = w.plate() if rng.random() < 0.4 else ""
                make = _MAKES[int(rng.integers(len(_MAKES)))]
                adult["description"] = f"{_pick(rng, _COLOURS)} {make[0]} {make[1]}"
                lone[i] = adult
            adult = lone[i]
            if adult["plate"] and rng.random() < 0.3:
                value = w.write_plate(str(adult["plate"]), str(adult["description"]))
                add(i, agency, day, "vehicle", value, f"{adult['id']}-V", "lone", "")
            else:
                add(i, agency, day, "person", w.write_person(adult), str(adult["id"]), "lone", "")
        for _ in range(rng.poisson(config.background_mentions_per_concern)):
            kind = bg_kinds[bg_cdf.index(rng)]
            school = school_list[i]
            if kind == "school" and school:
                place = school_place(school)
                add(i, agency, day, "place", w.write_place(place), str(place["id"]), "school", "")
            elif kind in ("school", "common"):
                place = common[a][common_cdf.index(rng)]
                add(i, agency, day, "place", w.write_place(place), str(place["id"]), "common", "")
            elif kind == "family":
                relation, person = family_of(i)[int(rng.integers(len(family_of(i))))]
                add(
                    i,
                    agency,
                    day,
                    "person",
                    w.write_person(person, relation),
                    str(person["id"]),
                    "family",
                    "",
                )
            elif kind == "family_vehicle":
                fam = family_list[i]
                if fam not in family_car:
                    make = _MAKES[int(rng.integers(len(_MAKES)))]
                    family_car[fam] = (w.plate(), f"{_pick(rng, _COLOURS)} {make[0]} {make[1]}")
                plate, description = family_car[fam]
                relation = _pick(rng, ("mum's car", "dad's car", "family car"))
                add(
                    i,
                    agency,
                    day,
                    "vehicle",
                    w.write_plate(plate, f"{relation}, {description}", always_described=True),
                    f"FV-{fam}",
                    "family",
                    "",
                )
            elif kind == "friend":
                friend = w.adult(origin_list[i], male=bool(rng.random() < 0.7))
                friend["age"] = int(rng.integers(14, 24))
                if rng.random() < 0.5:
                    friend["forename"] = _pick(rng, _NICKNAMES)
                label = _pick(rng, ("boyfriend", "friend", "a friend called", "older friend"))
                text = w.write_person(friend, full=_FRIEND_FULL_NAME_SHARE)
                add(i, agency, day, "person", f"{label} {text}", w._new_id("BP"), "other", "")
            elif kind == "friend_phone":
                add(i, agency, day, "phone", w.write_phone(w.phone()), w._new_id("BT"), "other", "")
            else:
                platform = int(rng.integers(len(_PLATFORMS)))
                name = str(_names.FORENAME_TABLE[int(rng.integers(len(_names.FORENAME_TABLE)))])
                add(
                    i,
                    agency,
                    day,
                    "online",
                    w.write_online(platform, _handle(rng, name)),
                    w._new_id("BO"),
                    "other",
                    "",
                )
    return _tables(w, groups, group_of, child_ids, area)


def _zipf_pick(rng: np.random.Generator, n: int) -> int:
    """Pick one of ``n`` items, the first most often (a group's lead adult, its main car): the
    k-th with weight 1 / k^1.5 (assumed)."""
    if n not in _ZIPF:
        weights = 1.0 / np.arange(1, n + 1) ** 1.5
        _ZIPF[n] = _Weighted(weights / weights.sum())
    return _ZIPF[n].index(rng)


def _draw_group(
    w: _Writer, config: WorldConfig, g: int, area: str, origin: int, postcodes: list[str], town: str
) -> dict[str, object]:
    r = w.rng
    gid = f"G{g + 1:04d}"
    adults = []
    for k in range(int(r.integers(config.group_adults[0], config.group_adults[1] + 1))):
        # Most adults share the group's name origin; networks form on ordinary social ties.
        person = w.adult(origin if r.random() < 0.8 else int(r.integers(len(_names.ORIGINS))))
        person["id"] = f"{gid}-A{k + 1}"
        adults.append(person)
    vehicles = []
    for k in range(int(r.integers(1, 4))):
        make = _MAKES[int(r.integers(len(_MAKES)))]
        description = f"{_pick(r, _COLOURS)} {make[0]} {make[1]}"
        vehicles.append({"id": f"{gid}-V{k + 1}", "plate": w.plate(), "description": description})
    phones = [{"id": f"{gid}-T{k + 1}", "number": w.phone()} for k in range(len(adults))]
    online = []
    for k in range(int(r.integers(1, 3))):
        handle = _handle(
            r, str(adults[k % len(adults)]["nickname"] or adults[k % len(adults)]["forename"])
        )
        online.append(
            {
                "id": f"{gid}-O{k + 1}",
                "platform": int(r.integers(len(_PLATFORMS))),
                "handle": handle,
            }
        )
    places: list[dict[str, object]] = []
    for k in range(int(r.integers(1, 3))):
        postcode = postcodes[int(r.integers(len(postcodes)))] if postcodes else ""
        places.append(
            {
                "id": f"{gid}-L{k + 1}",
                "type": "address",
                "postcode": postcode,
                "street": str(_pick(r, _STREETS)),
                "number": int(r.integers(1, 120)),
                "flat": int(r.integers(1, 9)) if r.random() < 0.6 else 0,
            }
        )
    return {
        "id": gid,
        "area": area,
        "person": adults,
        "vehicle": vehicles,
        "phone": phones,
        "online": online,
        "place": places,
        "town": town,
    }


def _tables(
    w: _Writer,
    groups: list[dict[str, object]],
    group_of: np.ndarray,
    child_ids: np.ndarray,
    area: np.ndarray,
) -> Mentions:
    columns = ["child_id", "agency", "date", "kind", "value", "entity_id", "role", "group_id"]
    frame = pd.DataFrame(w.rows, columns=columns)
    # Mention ids in date order (then child, kind, value), so the file reads as a timeline.
    frame = frame.sort_values(["date", "child_id", "kind", "value", "entity_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    number = np.arange(1, len(frame) + 1)
    mention_ids = ids("N", number, 7) if len(frame) < 10**7 else [f"N{k:07d}" for k in number]
    frame.insert(0, "mention_id", mention_ids)
    truth = frame[["mention_id", "entity_id", "role", "group_id"]].copy()
    mentions = frame[["mention_id", "child_id", "agency", "date", "kind", "value"]].copy()
    # The rows are in date order (ISO dates), so each child's first row has its earliest date.
    first = mentions.drop_duplicates("child_id").set_index("child_id")["date"]
    rows = [
        (str(groups[g]["id"]), str(child_ids[i]), str(area[i]))
        for i in np.flatnonzero(group_of >= 0)
        for g in [int(group_of[i])]
    ]
    member = pd.DataFrame(rows, columns=["group_id", "child_id", "area_code"])
    member["first_mention"] = first.reindex(member["child_id"]).fillna("").to_numpy()
    member = member.sort_values(["group_id", "child_id"], kind="stable").reset_index(drop=True)
    return Mentions(mentions=mentions, truth=truth, groups=member)
