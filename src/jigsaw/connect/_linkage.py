"""The few name rules Connect shares with child linkage, imported in one place.

People around children are matched with the same cleaning, forename groups (the nickname table)
and sound code as children are, so that one rule has one definition. The linkage package is
being reorganised (its name module may become private), so the functions are looked up on the
package first and then on the module that holds them today.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

__all__ = ["clean_name", "forename_group", "soundex"]


def _lookup(name: str) -> Callable[..., str | None]:
    for module_name in ("jigsaw.linkage", "jigsaw.linkage._names", "jigsaw.linkage.names"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            return cast(Callable[..., "str | None"], getattr(module, name))
    raise ImportError(f"jigsaw.linkage provides no {name}()")


clean_name: Callable[[object], str | None] = _lookup("clean_name")
forename_group: Callable[[str | None], str | None] = _lookup("forename_group")
soundex: Callable[[str | None], str | None] = _lookup("soundex")
