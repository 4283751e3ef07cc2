"""E-mail that something is waiting in a user's inbox: off unless the deployment turns it on.

``JIGSAW_NOTIFY_EMAIL=1`` turns it on and ``JIGSAW_SITE_URL`` gives the address the link points at
(docs/deploy.md). E-mail leaves the partnership's network, so a message says only which kind of
item is waiting and links to the inbox: never the child's name, date of birth, the grade, the
decision or any text a professional typed. The item itself is read after signing in, where the
need-to-know rules apply. Mail is sent after the change commits, so that nobody is told of a
change that was rolled back.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction

INBOX_PATH = "/referrals/inbox/"
SUBJECT = "Jigsaw: something is waiting in your inbox"


class Item(enum.Enum):
    """The kinds of inbox item a user is told of, in words that say nothing about the child."""

    CONTACT = "a new contact for you to decide"
    REFERRAL = "a new referral for the MASH"
    ACTION = "an action given to you or your agency"
    ESCALATION = "an overdue action or a late referral, escalated to you"
    FEEDBACK = "feedback on a referral you made"
    # Groups of connected children (jigsaw.web.groups).
    GROUP_TASK = "a group of connected children to review or check"
    GROUP_OVERDUE = "an overdue group review or check, escalated to you"


def enabled() -> bool:
    return bool(getattr(settings, "JIGSAW_NOTIFY_EMAIL", False))


def body(item: Item) -> str:
    """The whole text of the message: the kind of item and the link, nothing else."""
    link = f"{getattr(settings, 'JIGSAW_SITE_URL', '').rstrip('/')}{INBOX_PATH}"
    return (
        f"There is {item.value} in your Jigsaw inbox.\n\n"
        f"Sign in to see it: {link}\n\n"
        "This message holds no details on purpose. If you did not expect it, tell your "
        "partnership lead."
    )


def notify(users: Iterable[Any], item: Item) -> int:
    """Queue one message to each active user with an address (each sees only their own address),
    sent when the surrounding transaction commits. Returns how many are queued (0 when off)."""
    if not enabled():
        return 0
    addresses = sorted({u.email for u in users if u is not None and u.is_active and u.email})
    if not addresses:
        return 0
    text = body(item)

    def send() -> None:
        from django.core.mail import send_mass_mail

        send_mass_mail([(SUBJECT, text, None, [address]) for address in addresses])

    transaction.on_commit(send)
    return len(addresses)


def staff(*, role: str, agency_id: int | None = None, area_id: int | None = None) -> list[Any]:
    """The users holding ``role`` in an agency (or in any agency of an area)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(profile__role=role, is_active=True)
    if agency_id is not None:
        users = users.filter(profile__agency_id=agency_id)
    if area_id is not None:
        users = users.filter(profile__area_id=area_id)
    return list(users)
