"""Children, the records each agency holds about them, and the links that join the two."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jigsaw.characteristics import DISABILITY_LABELS, ETHNICITY_LABELS, NOT_ASKED
from jigsaw.screening import Grade
from jigsaw.web.accounts.models import Agency, Area

# Stored grades are the screening engine's: one scale, its values and labels (jigsaw.screening).
GRADE_CHOICES = Grade.choices()


class Child(models.Model):
    """One child as the partnership knows them: the records linked to them, and their combined grade."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="children")
    created_at = models.DateTimeField()
    grade_level = models.CharField(max_length=8, choices=GRADE_CHOICES, default=Grade.NONE.value)
    grade_reasons = models.JSONField(default=dict, blank=True)
    catalogue_version = models.CharField(max_length=32, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    # As recorded by the practitioner who first recorded the child; never blank, so that the
    # partnership's figures show how often it was refused or never asked (jigsaw.characteristics).
    ethnicity = models.CharField(
        max_length=40, choices=list(ETHNICITY_LABELS.items()), default=NOT_ASKED
    )
    disability = models.CharField(
        max_length=16, choices=list(DISABILITY_LABELS.items()), default=NOT_ASKED
    )

    class Meta:
        verbose_name_plural = "children"

    def __str__(self) -> str:
        return f"Child {self.pk}"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not known"


class AgencyRecord(models.Model):
    """A child's identity as one agency knows it: the unit that linkage joins."""

    record_id = models.CharField(max_length=64, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="records")
    first_name = models.CharField(max_length=80)
    # Police and the voluntary sector often know a child by a first name or a street name only.
    last_name = models.CharField(max_length=80, blank=True)
    alias = models.CharField(max_length=80, blank=True, help_text="another name or street name")
    dob = models.DateField(verbose_name="date of birth")
    # An estimate from an approximate age: used to grade, never to link (see matching).
    dob_estimated = models.BooleanField(default=False)
    needs_identification = models.BooleanField(
        default=False, help_text="known only in part: last name or date of birth not known"
    )
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    postcode = models.CharField(max_length=10, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.record_id} ({self.agency})"


class LinkStatus(models.TextChoices):
    NEW = "new", "Started a new child"
    AUTO = "auto", "Linked automatically"
    CONFIRMED = "confirmed", "Confirmed by MASH"
    PENDING = "pending", "Awaiting MASH review"
    REJECTED = "rejected", "Rejected by MASH"
    SUPERSEDED = "superseded", "Replaced by a confirmed link"


# A record belongs to the child its one active link points at.
ACTIVE_LINK_STATUSES = (LinkStatus.NEW, LinkStatus.AUTO, LinkStatus.CONFIRMED)


class Link(models.Model):
    """The claim that an agency's record is about a child, with its confidence and who decided it."""

    record = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, related_name="links")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="links")
    status = models.CharField(max_length=16, choices=LinkStatus.choices)
    match_probability = models.FloatField(null=True, blank=True)
    match_weight = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(status__in=["new", "auto", "confirmed"]),
                name="link_one_active_per_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.record} -> {self.child} ({self.status})"


def _new_epoch() -> str:
    import secrets

    return secrets.token_hex(8)


class RecordStoreVersion(models.Model):
    """The one row that says how far the store of records and active links has moved.

    Every change to a record or to which child a record belongs updates this row in the same
    transaction (``jigsaw.web.children.matching.store_changed``), so each server process can tell
    in one primary-key read whether its in-memory linkage index is still the store's. ``version``
    counts every change; ``moves`` the changes that move a record to another child (a MASH
    analyst confirming a link); ``rebuilds`` those the index cannot follow record by record (a
    bulk load). ``model_changes`` counts the changes of a partnership's linkage model in use (a
    retraining made active, ``jigsaw.web.linkmodel``): the index keeps its records and reads the
    models again. ``epoch`` is new whenever the row itself is recreated (a database emptied and
    loaded again), so counters that start again from zero are never mistaken for the ones a
    process last saw.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    moves = models.BigIntegerField(default=0)
    rebuilds = models.BigIntegerField(default=0)
    model_changes = models.BigIntegerField(default=0)
    epoch = models.CharField(max_length=16, default=_new_epoch)

    def __str__(self) -> str:
        return f"record store {self.epoch} v{self.version}"
