"""The inbox counts in the header, for every signed-in user with a role."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def inbox_counts(user: Any) -> dict[str, int]:
    """The user's inbox counts (not audited: counts name no child)."""
    from jigsaw.web.referrals.selectors import inbox_for

    if not getattr(user, "is_authenticated", False):
        return {}
    box = inbox_for(user, audit=False)
    return {**box.counts, "total": box.total}


@register.filter
def label_of(value: str, pairs: list[tuple[str, str]]) -> str:
    return dict(pairs).get(value, value)


@register.simple_tag
def child_voices(user: Any, child: Any) -> list[Any]:
    """What the child said and wants, for those who may see it (shown first on the profile)."""
    from jigsaw.web.referrals.selectors import voices_for_child

    return voices_for_child(user, child)
