"""Record references in URLs: a record's id with a MAC, so that ids cannot be guessed or walked.

A URL names a record as ``<id>-<mac>`` (``76-3fa9c1d2e4b5a6f7``): the integer primary key and
the first 64 bits of an HMAC-SHA256 of it under a key derived from ``SECRET_KEY``. Only the
server can make a reference, so a URL is a record only if the application wrote it into a page
for someone; counting upwards (``/children/77/``) or editing a reference finds nothing. A forged
or mangled reference is refused by the URL resolver itself, as a 404 indistinguishable from a
reference to a record that does not exist (or is outside the viewer's scope).

Views still receive integers and ``{% url %}`` and ``reverse()`` still take them: the
``<ref:...>`` converter does the translation both ways. Access rules are unchanged and still
decide every request (:mod:`jigsaw.web.access`); a reference is defence in depth, not a key.

Changing ``SECRET_KEY`` changes every reference, so links bookmarked or sent before it no longer
resolve (the records themselves are untouched).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re

from django.conf import settings

#: How many hex digits of the MAC a reference carries (64 bits: far beyond guessing online).
MAC_LENGTH = 16
_PATTERN = re.compile(rf"([0-9]{{1,19}})-([0-9a-f]{{{MAC_LENGTH}}})")
# Which use of SECRET_KEY this is: a key for references is never a key for anything else.
_PURPOSE = b"jigsaw.web.refs: record references in URLs"


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _mac(pk: int) -> str:
    key = _key(str(settings.SECRET_KEY))
    return hmac.new(key, str(pk).encode("ascii"), hashlib.sha256).hexdigest()[:MAC_LENGTH]


def ref(pk: int) -> str:
    """Return the URL reference of the record whose primary key is ``pk``.

    Raises
    ------
    ValueError
        If ``pk`` is not a non-negative integer.
    """
    if isinstance(pk, bool) or not isinstance(pk, int) or pk < 0:
        raise ValueError(f"a record reference needs a non-negative integer id, not {pk!r}")
    return f"{pk}-{_mac(pk)}"


def pk_of(reference: str) -> int:
    """Return the primary key a reference made by :func:`ref` names.

    The MAC is compared in constant time, so timing does not tell a forger how much of it was
    right.

    Raises
    ------
    ValueError
        If ``reference`` is not of the form ``<id>-<mac>`` or its MAC is not the id's.
    """
    found = _PATTERN.fullmatch(reference)
    if found is None:
        raise ValueError("not a record reference")
    pk = int(found[1])
    if not hmac.compare_digest(found[2], _mac(pk)):
        raise ValueError("not a record reference")
    return pk


class RecordRefConverter:
    """``<ref:name>`` (registered in :mod:`jigsaw.web.urls`): the view gets the integer id; a
    bad reference does not match (404)."""

    regex = rf"[0-9]{{1,19}}-[0-9a-f]{{{MAC_LENGTH}}}"

    def to_python(self, value: str) -> int:
        return pk_of(value)

    def to_url(self, value: int | str) -> str:
        return ref(int(value))
