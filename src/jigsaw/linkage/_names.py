"""Normal forms of children's names for linkage: clean text, forename groups and a phonetic code.

Agencies write the same name in different ways: "JESS", "Jess", "Jessica"; "Smith-Khan",
"Smith Khan", "SMITH KHAN"; "Zoë" and "Zoe"; "O'Brien" and "OBrien". These functions turn each
into forms that compare equal when a person would say they are the same name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from jigsaw.identifiers import is_blank

__all__ = [
    "clean_name",
    "arrange_names",
    "split_forenames",
    "split_surname",
    "forename_group",
    "near_groups",
    "soundex",
    "levenshtein",
]

_TITLES = {"mr", "mrs", "miss", "ms", "mstr", "master", "dr", "baby"}
# Surname particles join the word after them ("van der berg" is one surname, not three).
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "du",
    "le",
    "la",
    "st",
    "al",
    "el",
    "bin",
    "bint",
    "ben",
    "ibn",
    "mac",
    "mc",
    "o",
}


# Digits a scanned or retyped form puts for the letters they look like ("Is1a", "W1lliam",
# "J0hn"). Read back only inside a word of letters: a name field holding a number alone stays a
# number, and is not a name.
_DIGIT_LETTERS = str.maketrans("0123456789", "olzeasbtbg")
_DIGIT_IN_WORD = re.compile(r"(?<=[a-z])[0-9]+|[0-9]+(?=[a-z])")


def clean_name(value: object) -> str | None:
    """Return a name in lower case ASCII letters and single spaces, or ``None`` if nothing is left.

    Accents are removed (``"Zoë"`` becomes ``"zoe"``), apostrophes are dropped
    (``"O'Brien"`` becomes ``"obrien"``), a digit inside a word is read as the letter it looks
    like (``"Is1a"`` becomes ``"isla"``, not ``"is a"``) and hyphens, dots and other
    punctuation become spaces.

    >>> clean_name("  Zoë  O'BRIEN-Smith ")
    'zoe obrien smith'
    >>> clean_name("Is1a"), clean_name("0liver")
    ('isla', 'oliver')
    >>> clean_name("--") is None, clean_name("12345") is None
    (True, True)
    """
    if is_blank(value):
        return None
    text = str(value)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("'", "").replace("\u2019", "").replace("`", "")
    text = _DIGIT_IN_WORD.sub(lambda m: m[0].translate(_DIGIT_LETTERS), text)
    text = re.sub(r"[^a-z]+", " ", text).strip()
    return text or None


def arrange_names(first: object, last: object) -> tuple[object, object]:
    """Return the forename and surname fields with both names put where they belong when one
    field holds both and the other is blank.

    ``"KHAN, Aisha"`` in either field is surname, comma, forename (the way registers and police
    systems list people); ``"Aisha Khan"`` in the forename field with no surname is forename
    then surname. Otherwise the fields are returned as given.

    >>> arrange_names(None, "KHAN, AISHA")
    ('AISHA', 'KHAN')
    >>> arrange_names("Aisha Maryam Khan", "")
    ('Aisha Maryam', 'Khan')
    >>> arrange_names("Aisha", "Khan")
    ('Aisha', 'Khan')
    """
    first_blank, last_blank = is_blank(first), is_blank(last)
    if first_blank == last_blank:
        return first, last
    text = str(last if first_blank else first).strip()
    if text.count(",") == 1:
        surname, forename = (part.strip() for part in text.split(","))
        if surname and forename:
            return forename, surname
    if last_blank and "," not in text:
        words = text.split()
        if len(words) >= 2:
            return " ".join(words[:-1]), words[-1]
    return first, last


def split_forenames(value: object) -> tuple[str | None, str | None]:
    """Split a first-names field into the forename used and the middle names.

    Hyphenated forenames split like spaced ones, so "Mary-Jane" and "Mary Jane" agree. Titles
    ("Miss", "Master") are dropped.

    Returns
    -------
    tuple of (str or None, str or None)
        The forename and the middle names joined by single spaces.

    >>> split_forenames("Mary-Jane Louise")
    ('mary', 'jane louise')
    >>> split_forenames("MISS Amy")
    ('amy', None)
    """
    text = clean_name(value)
    if text is None:
        return None, None
    words = [w for w in text.split() if w not in _TITLES]
    if not words:
        return None, None
    return words[0], (" ".join(words[1:]) or None)


def split_surname(value: object) -> tuple[str | None, str | None, str | None]:
    """Return a surname without spaces, and its first and last parts.

    Double-barrelled and hyphenated surnames keep both parts so that "Smith-Khan" can agree with
    either "Smith" or "Khan"; particles stay attached ("Van der Berg" is one part).

    Returns
    -------
    tuple of (str or None, str or None, str or None)
        ``(whole, first_part, last_part)``; whole has no spaces.

    >>> split_surname("Smith-Khan")
    ('smithkhan', 'smith', 'khan')
    >>> split_surname("van der Berg")
    ('vanderberg', 'vanderberg', 'vanderberg')
    >>> split_surname("O'Neill")
    ('oneill', 'oneill', 'oneill')
    """
    text = clean_name(value)
    if text is None:
        return None, None, None
    parts: list[str] = []
    pending = ""
    for word in text.split():
        if word in _PARTICLES:
            pending += word
            continue
        parts.append(pending + word)
        pending = ""
    if pending:
        parts.append(pending)
    return "".join(parts), parts[0], parts[-1]


@cache
def _groups() -> dict[str, str]:
    groups: dict[str, str] = {}
    text = resources.files("jigsaw.linkage").joinpath("nicknames.txt").read_text("utf-8")
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        # A line whose first name already belongs to a group extends that group; a name keeps
        # the first group it was listed in, so the table never chains unrelated names together.
        canonical = groups.get(words[0], words[0])
        for word in words:
            groups.setdefault(word, canonical)
    return groups


def forename_group(forename: str | None) -> str | None:
    """Return the canonical form of a cleaned forename's group of variants (itself if none).

    >>> forename_group("jess"), forename_group("jessica")
    ('jessica', 'jessica')
    >>> forename_group("kuba"), forename_group("muhammad")
    ('jacob', 'mohammed')
    >>> forename_group("zebedee")
    'zebedee'
    """
    if forename is None:
        return None
    return _groups().get(forename, forename)


def _one_deletion(name: str) -> set[str]:
    return {name} | {name[:i] + name[i + 1 :] for i in range(len(name))}


@cache
def _groups_by_deletion() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for name, group in _groups().items():
        for variant in _one_deletion(name):
            found.setdefault(variant, set()).add(group)
    return {k: frozenset(v) for k, v in found.items()}


def near_groups(forename: str | None) -> list[str] | None:
    """Return the forename groups of the table's names within one slip of ``forename``, with its own.

    A mistyped nickname ("Ammy") still reaches its group ("amelia"), which the twins rule needs.
    A name listed in the table has only its own group.

    >>> near_groups("ammy")  # Amy (Amelia), Emmy (Emily), Sammy (Samuel)
    ['amelia', 'ammy', 'emily', 'samuel']
    >>> near_groups("zebedee")
    ['zebedee']
    """
    if not forename:
        return None
    if forename in _groups():
        # A name in the table is that name, not a slip of a neighbour ("Emily" is not "Milly").
        return [forename_group(forename)]  # type: ignore[list-item]
    index = _groups_by_deletion()
    groups = {forename_group(forename)}
    for variant in _one_deletion(forename):
        groups |= index.get(variant, frozenset())
    return sorted(g for g in groups if g)


_SOUNDEX = {
    c: d
    for d, letters in {
        "1": "bfpv",
        "2": "cgjkqsxz",
        "3": "dt",
        "4": "l",
        "5": "mn",
        "6": "r",
    }.items()
    for c in letters
}


def soundex(name: str | None) -> str | None:
    """Return the American Soundex code of a cleaned name (letter and three digits).

    Method: R. C. Russell's Soundex as standardised by the US National Archives (h and w do not
    separate letters with the same code).

    >>> soundex("robert"), soundex("rupert"), soundex("ashcraft"), soundex("tymczak")
    ('R163', 'R163', 'A261', 'T522')
    """
    if not name:
        return None
    letters = [c for c in name if "a" <= c <= "z"]
    if not letters:
        return None
    code = letters[0].upper()
    previous = _SOUNDEX.get(letters[0], "")
    for c in letters[1:]:
        digit = _SOUNDEX.get(c, "")
        if digit and digit != previous:
            code += digit
        if c not in "hw":
            previous = digit
    return (code + "000")[:4]


def levenshtein(a: str, b: str) -> int:
    """Return the Levenshtein edit distance between two strings (as DuckDB's and Spark's do).

    >>> levenshtein("jessica", "jesica"), levenshtein("kitten", "sitting")
    (1, 3)
    """
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
