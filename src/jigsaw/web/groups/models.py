"""Mentions of the people, vehicles, phones, accounts and places around a child, and the groups
of children they connect, as proposals for the MASH to review.

A mention is what one practitioner recorded, as they recorded it, with how it is known and when.
Groups and the person matches left uncertain are found by :mod:`jigsaw.connect` over an area's
mentions; they are proposals: nothing is merged or confirmed without a person and a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from jigsaw.web.accounts.models import Agency, Area
from jigsaw.web.children.models import Child
from jigsaw.web.concerns.models import Concern

USER = settings.AUTH_USER_MODEL


class MentionKind(models.TextChoices):
    # The values are jigsaw.connect.KINDS.
    PERSON = "person", "Person"
    VEHICLE = "vehicle", "Vehicle"
    PHONE = "phone", "Phone number"
    ONLINE = "online", "Online account"
    PLACE = "place", "Place"


class HowKnown(models.TextChoices):
    SEEN = "seen", "Seen by the practitioner"
    DISCLOSED = "disclosed", "Disclosed by the child"
    THIRD_HAND = "third_hand", "Third-hand: someone else said"


class Mention(models.Model):
    """One person, vehicle, phone number, online account or place recorded about a child.

    ``value`` is the text :mod:`jigsaw.connect` reads (made from the fields as recorded, which
    ``details`` keeps); ``entity`` is the entity the last run resolved it into.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="mentions")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="mentions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="mentions")
    concern = models.ForeignKey(
        Concern, null=True, blank=True, on_delete=models.PROTECT, related_name="mentions"
    )
    # Or the return home interview it was learned in.
    episode = models.ForeignKey(
        "referrals.MissingEpisode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mentions",
    )
    kind = models.CharField(max_length=8, choices=MentionKind.choices)
    value = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    how_known = models.CharField(max_length=12, choices=HowKnown.choices)
    known_on = models.DateField(verbose_name="date")
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    entity = models.CharField(max_length=16, blank=True)
    entity_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["known_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed: to review"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class Group(models.Model):
    """Children of one area connected by strong evidence: a proposal until the MASH decides.

    ``evidence`` is the last run's list of ``{"child", "entity", "kind", "label", "mentions"}``
    (mention ids); the children are :class:`GroupMember` rows. A group is kept across runs by
    the children it shares with the newly found one.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="groups")
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    found_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    visible_on = models.DateField(null=True, blank=True)
    evidence = models.JSONField(default=list)
    # Still found by the last run (a group whose connections were withdrawn is kept, not current).
    current = models.BooleanField(default=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"Group {self.pk} ({self.status})"


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="group_memberships")
    joined_at = models.DateTimeField()

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "child"], name="group_member_once")]

    def __str__(self) -> str:
        return f"child {self.child_id} in group {self.group_id}"


class TaskTo(models.TextChoices):
    """Who owes a group task: the area's MASH (review the group) or its police single point of
    contact (check the vehicles and phones in its evidence)."""

    MASH = "mash", "MASH review"
    SPOC = "spoc", "Police check of vehicles and phones"


class GroupTask(models.Model):
    """A review the MASH owes a group, with its clock: a new group, a new mention joining it,
    or the group reaching the partnership's size; or the police check its SPOC owes when the
    evidence holds a vehicle or a phone."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="tasks")
    to = models.CharField(max_length=4, choices=TaskTo.choices, default=TaskTo.MASH)
    why = models.CharField(max_length=200)
    raised_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # Set once by the sweep when the clock ran out with the task still open (escalated then).
    overdue_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the SPOC checked and found (a MASH review is closed by the group's decision instead).
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_to_display()} of group {self.group_id}: {self.why}"


class EntityMerge(models.Model):
    """Two person mentions the matcher was unsure are one adult: never merged, only decided."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="entity_merges")
    left = models.ForeignKey(Mention, on_delete=models.PROTECT, related_name="+")
    right = models.ForeignKey(Mention, on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    found_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["left", "right"], name="entity_merge_once")]

    def __str__(self) -> str:
        return f"Is mention {self.left_id} the same person as {self.right_id}?"


class GroupSettings(models.Model):
    """A partnership's own rules for routing groups; defaults when absent."""

    area = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="group_settings")
    # Two children joined by strong evidence are already worth the MASH's look.
    size_threshold = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="A group of this many children (from 2: one child is no group) is reviewed",
    )
    # Working days of the area's calendar (its response policy), as a referral's decision clock.
    review_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Working days to review a group (from 1 to 20)",
    )

    class Meta:
        verbose_name_plural = "group settings"

    def __str__(self) -> str:
        return f"Group settings of {self.area}"
