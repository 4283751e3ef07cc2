"""Normal forms of what is recorded about the people, vehicles, phones, accounts and places.

Each function reads one free-text ``value`` as an agency wrote it and returns a :class:`Key`: the
text that two mentions of the same thing share, how specific it is, and whether the mention is of
the child's own family (which never connects unrelated children). Every rule is written out here
so that a reviewer can see why two mentions were taken to be of the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from jigsaw.identifiers import normalise_postcode
from jigsaw.linkage import clean_name

__all__ = [
    "FULL",
    "PARTIAL",
    "NAMED",
    "Key",
    "Person",
    "is_family",
    "normalise_online",
    "normalise_phone",
    "normalise_place",
    "normalise_vehicle",
    "parse_person",
    "plate_matches",
]

#: Specificity of a mention: a full identifier (registration, phone, account, address, a full
#: name), a partial one (part of a registration, one name), and a named public place.
FULL, PARTIAL, NAMED = 1.0, 0.5, 0.25

# Words that say a mention is of the child's own family: siblings share these people, cars and
# phones, so they connect a family, not unrelated children. "Uncle" is left out on purpose:
# adults who exploit children are often introduced to them as an "uncle".
_FAMILY = re.compile(
    r"\b(mum|mums|mother|mothers|mam|dad|dads|father|fathers|step ?dad|step ?mum|step ?father|"
    r"step ?mother|nan|nana|nans|gran|grans|grandma|grandad|grandmother|grandfather|brother|"
    r"brothers|sister|sisters|aunt|aunts|auntie|cousin|carer|carers|foster|family|sibling)\b"
)


@dataclass(frozen=True)
class Key:
    """What a mention is taken to be of: ``key`` (``""`` when nothing could be read), its
    ``specificity`` (:data:`FULL`, :data:`PARTIAL` or :data:`NAMED`), a readable ``label`` and
    whether it is of the child's own ``family``."""

    key: str
    specificity: float
    label: str
    family: bool = False


def _lower(value: str) -> str:
    return value.lower().replace("\u2019", "'")


def is_family(value: str) -> bool:
    """Return whether the text names the child's own family ("mum", "dad's car", "nan's house").

    >>> is_family("mum's partner Dean"), is_family("older friend Jay"), is_family("uncle Taz")
    (True, False, False)
    """
    return _FAMILY.search(_lower(value).replace("'s", "s")) is not None


# --- vehicles ----------------------------------------------------------------------------------

# Characters that are misread for one another on a registration plate.
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B"})
_TO_DIGIT = str.maketrans({"O": "0", "I": "1", "S": "5", "B": "8"})
_PLATE = re.compile(r"(?<![A-Z0-9])([A-Z0-9]{2})\s?([A-Z0-9]{2})\s?([A-Z0-9]{3})(?![A-Z0-9])")
_PARTIAL = re.compile(
    r"\b(?:reg(?:istration)?|plate)?\s*(start(?:s|ing)?|begin(?:s|ning)?|end(?:s|ing)?)"
    r"\s*(?:with|in|on)?\s*([A-Z0-9]{1,5})\b",
    re.IGNORECASE,
)


def _plate_form(head: str, age: str, tail: str) -> str | None:
    """Correct confusable characters by position in a current-format plate (AA99 AAA)."""
    digits = age.translate(_TO_DIGIT)
    if not digits.isdigit() or not any(c.isdigit() for c in age):
        return None
    letters = (head + tail).translate(_TO_LETTER)
    if not letters.isalpha():
        return None
    return f"{letters[:2]}{digits}{letters[2:]}"


def normalise_vehicle(value: str) -> Key:
    """Read a registration (full or partial) from a vehicle mention.

    Spaces and case are ignored; in a current-format plate (two letters, two digits, three
    letters) a 0, 1, 5 or 8 where a letter belongs is read as O, I, S or B and the other way round
    in the digits. A part of a plate ("reg starts YK19", "ending ABC") gives a partial key
    (``"YK19*"``, ``"*ABC"``) that :func:`plate_matches` compares with full plates. A vehicle
    described without any registration has no key.

    >>> normalise_vehicle("silver Vauxhall Astra yk19 a8c").key
    'YK19ABC'
    >>> normalise_vehicle("YKI9ABC").key, normalise_vehicle("reg starts YK1").key
    ('YK19ABC', 'YK1*')
    >>> normalise_vehicle("black BMW, reg not known").key
    ''
    """
    text = value.upper()
    family = is_family(value)
    partial = _PARTIAL.search(text)
    if partial:
        part = partial.group(2)
        if partial.group(1).upper().startswith(("START", "BEGIN")):
            fixed = (
                part[:2].translate(_TO_LETTER)
                + part[2:4].translate(_TO_DIGIT)
                + part[4:].translate(_TO_LETTER)
            )
            return Key(f"{fixed}*", PARTIAL, f"registration starting {fixed}", family)
        fixed = part.translate(_TO_LETTER) if len(part) <= 3 else part
        return Key(f"*{fixed}", PARTIAL, f"registration ending {fixed}", family)
    for match in _PLATE.finditer(text):
        plate = _plate_form(*match.groups())
        if plate:
            return Key(plate, FULL, f"{plate[:4]} {plate[4:]}", family)
    # Older formats (A123 BCD, ABC 123D) and private plates: kept as written, without spaces.
    for token in re.findall(r"(?<![A-Z0-9])[A-Z0-9 ]{4,9}(?![A-Z0-9])", text):
        squeezed = token.replace(" ", "")
        if (
            4 <= len(squeezed) <= 8
            and any(c.isdigit() for c in squeezed)
            and any(c.isalpha() for c in squeezed)
        ):
            return Key(squeezed, FULL, squeezed, family)
    return Key("", 0.0, value.strip(), family)


def plate_matches(partial: str, plate: str) -> bool:
    """Return whether a partial key (``"YK19*"`` or ``"*ABC"``) fits a full plate.

    >>> plate_matches("YK19*", "YK19ABC"), plate_matches("*ABC", "YK19ABC"), plate_matches("*ABD", "YK19ABC")
    (True, True, False)
    """
    if partial.endswith("*"):
        return plate.startswith(partial[:-1])
    return plate.endswith(partial[1:])


# --- phones ------------------------------------------------------------------------------------

_PHONE = re.compile(r"\+?\(?\d[\d\s()\-.]{6,}\d")


@cache
def _e164(text: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    # "Possible" (the right length for its country and kind), not "valid": unallocated ranges,
    # such as those kept for drama, are still numbers someone wrote down.
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(value: str) -> Key:
    """Return a phone number in E.164 form, read as a UK number unless it says otherwise.

    >>> [normalise_phone(v).key for v in ("07700 900123", "+44 7700 900123", "0044 7700-900-123", "7700900123")]
    ['+447700900123', '+447700900123', '+447700900123', '+447700900123']
    >>> normalise_phone("text from 12345").specificity
    0.5
    """
    family = is_family(value)
    match = _PHONE.search(value)
    if match:
        found = _e164(re.sub(r"[\s()\-.]", "", match.group(0)))
        if found:
            return Key(found, FULL, found, family)
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 4:
        # Too short or too long to be a number: only the very same digits can match.
        return Key(f"digits:{digits}", PARTIAL, digits, family)
    return Key("", 0.0, value.strip(), family)


# --- online accounts ---------------------------------------------------------------------------

_PLATFORMS = {
    "snapchat": ("snapchat", "snap", "sc"),
    "instagram": ("instagram", "insta", "ig"),
    "tiktok": ("tiktok", "tik tok", "tt"),
    "facebook": ("facebook", "fb", "messenger"),
    "whatsapp": ("whatsapp", "wa"),
    "telegram": ("telegram",),
    "x": ("twitter", "x"),
    "discord": ("discord",),
}
_ALIAS = sorted(
    ((alias, name) for name, aliases in _PLATFORMS.items() for alias in aliases),
    key=lambda pair: -len(pair[0]),
)
# Characters a handle may hold, per platform (all these platforms ignore case in usernames).
_HANDLE_CHARS = {"snapchat": "a-z0-9._-", "instagram": "a-z0-9._", "tiktok": "a-z0-9._"}


def normalise_online(value: str) -> Key:
    """Return ``platform:handle`` for an online account.

    The platform is read from its name or a common short form ("snap", "insta", "IG"); the handle
    loses its ``@`` and case, and characters its platform does not allow. A WhatsApp account is
    its phone number. Without a known platform the handle alone is a partial key.

    >>> normalise_online("snap - @Taz_99").key, normalise_online("Snapchat: taz_99").key
    ('snapchat:taz_99', 'snapchat:taz_99')
    >>> normalise_online("IG taz.99").key, normalise_online("whatsapp 07700 900123").key
    ('instagram:taz.99', 'whatsapp:+447700900123')
    """
    text = _lower(value).strip()
    family = is_family(value)
    platform = ""
    rest = text
    for alias, name in _ALIAS:
        match = re.match(rf"^(?:on\s+)?{re.escape(alias)}\b[\s:\-]*", text)
        if match:
            platform, rest = name, text[match.end() :]
            break
    if platform == "whatsapp":
        phone = normalise_phone(rest)
        if phone.specificity == FULL:
            return Key(f"whatsapp:{phone.key}", FULL, f"WhatsApp {phone.key}", family)
    words = rest.replace("@", " ").split()
    if not words:
        return Key("", 0.0, value.strip(), family)
    allowed = _HANDLE_CHARS.get(platform, "a-z0-9._-")
    handle = re.sub(f"[^{allowed}]", "", words[-1]).strip(".")
    if not handle:
        return Key("", 0.0, value.strip(), family)
    if platform:
        return Key(f"{platform}:{handle}", FULL, f"{platform} @{handle}", family)
    return Key(f"online:{handle}", PARTIAL, f"@{handle}", family)


# --- places ------------------------------------------------------------------------------------

_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b")
_STREET_WORDS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "ln": "lane",
    "terr": "terrace",
    "tce": "terrace",
    "cres": "crescent",
    "dr": "drive",
    "pl": "place",
    "sq": "square",
}
_PLACE_STOP = {"at", "the", "near", "outside", "behind", "by", "in", "on", "a", "of"}


def _words(text: str) -> list[str]:
    text = re.sub(r"['\u2019`]", "", text.lower())
    return [_STREET_WORDS.get(w, w) for w in re.findall(r"[a-z0-9]+", text)]


def normalise_place(value: str) -> Key:
    """Return an address key (house number and street, with the postcode when written) or, for a
    named place, its name without filler words.

    >>> normalise_place("Flat 2, 14 Mill St, ls61an").key
    'address:14 mill street|LS6 1AN'
    >>> normalise_place("14 Mill Street").key
    'address:14 mill street|'
    >>> normalise_place("at McDonald's, Calder centre").key
    'place:mcdonalds calder centre'
    """
    family = is_family(value)
    upper = value.upper()
    postcode = ""
    match = _POSTCODE.search(upper)
    if match:
        postcode = normalise_postcode(match.group(0)) or ""
        value = value[: match.start()] + value[match.end() :]
    text = re.sub(r"\bflat\s*\w+\b", " ", value, flags=re.IGNORECASE)
    for part in text.split(","):
        words = _words(part)
        if len(words) >= 2 and re.fullmatch(r"\d{1,4}[a-z]?", words[0]):
            street = " ".join(words)
            return Key(
                f"address:{street}|{postcode}", FULL, f"{street}, {postcode}".strip(", "), family
            )
    words = [w for w in _words(text) if w not in _PLACE_STOP]
    if not words and postcode:
        return Key(f"postcode:{postcode}", PARTIAL, postcode, family)
    if not words:
        return Key("", 0.0, value.strip(), family)
    name = " ".join(words)
    return Key(f"place:{name}", NAMED, name, family)


# --- people ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """What a person mention says: names (cleaned), a nickname, an approximate age."""

    forename: str | None
    surname: str | None
    nickname: str | None
    age: int | None
    family: bool

    @property
    def specificity(self) -> float:
        """A full name identifies far better than one name or a nickname."""
        return (
            FULL
            if self.forename and self.surname
            else PARTIAL
            if (self.forename or self.nickname)
            else 0.0
        )


_DESCRIPTION = {
    "older",
    "old",
    "male",
    "man",
    "men",
    "guy",
    "lad",
    "boy",
    "boyfriend",
    "girlfriend",
    "friend",
    "friends",
    "female",
    "woman",
    "girl",
    "called",
    "known",
    "as",
    "aka",
    "about",
    "aged",
    "age",
    "approx",
    "approximately",
    "around",
    "years",
    "yrs",
    "year",
    "mid",
    "late",
    "early",
    "an",
    "a",
    "the",
    "his",
    "her",
    "their",
    "name",
    "named",
    "says",
    "is",
    "s",
    "and",
    "with",
    "partner",
    "someone",
    "unknown",
    "adult",
    "mr",
    "mrs",
    "ms",
    "miss",
    "uncle",
    "neighbour",
    "mate",
}
_AGE = (
    (re.compile(r"\b(early|mid|late)?\s*(\d)0s\b"), "decade"),
    (
        re.compile(r"(?:about|approx\.?|approximately|aged|age|around|~|c\.)\s*(\d{1,2})\b"),
        "number",
    ),
    (re.compile(r",\s*(\d{2})\s*$"), "number"),
    (re.compile(r"\b(\d{2})\s*(?:yrs|years|yo)\b"), "number"),
)
_NICK = re.compile(
    r"['\"(]([A-Za-z][A-Za-z\-]{0,14})['\")]|\b(?:known as|aka|calls himself|goes by)\s+([A-Za-z]+)",
    re.IGNORECASE,
)


def parse_person(value: str) -> Person:
    """Read names, a nickname and an approximate age from a person mention.

    Ages: "about 30", "aged approx 28", ", 25", "30s" (read as 35; "early 30s" 32, "late 30s" 38).
    A nickname is a word in quotes or brackets, or after "known as" / "aka". The remaining words,
    less descriptions ("older male", "boyfriend"), are the forename and, if more than one, the
    surname (the last word).

    >>> parse_person("Tariq Hussain (Taz), about 30")
    Person(forename='tariq', surname='hussain', nickname='taz', age=30, family=False)
    >>> parse_person("older male known as Mo, 20s")
    Person(forename=None, surname=None, nickname='mo', age=25, family=False)
    >>> parse_person("mum Sarah Khan").family
    True
    """
    text = value.replace("\u2019", "'")
    lower = text.lower()
    age: int | None = None
    for pattern, kind in _AGE:
        match = pattern.search(lower)
        if match:
            if kind == "decade":
                base = int(match.group(2)) * 10
                age = base + {"early": 2, "mid": 5, "late": 8}.get(match.group(1) or "mid", 5)
            else:
                age = int(match.group(1))
            lower = lower[: match.start()] + " " + lower[match.end() :]
            break
    nickname = None
    nick = _NICK.search(text)
    if nick:
        nickname = (nick.group(1) or nick.group(2)).lower()
    cleaned = clean_name(_NICK.sub(" ", lower)) or ""
    family = is_family(value)
    words = [
        w
        for w in cleaned.split()
        if w not in _DESCRIPTION and not _FAMILY.fullmatch(w) and len(w) > 1
    ]
    forename = words[0] if words else None
    surname = words[-1] if len(words) >= 2 else None
    if forename is None and nickname is None:
        return Person(None, None, None, age, family)
    return Person(forename, surname, nickname, age, family)
