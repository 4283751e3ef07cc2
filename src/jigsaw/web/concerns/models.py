"""A concern: what one practitioner saw about a child, with its grade and lawful basis."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jigsaw.web.children.models import GRADE_CHOICES, AgencyRecord


class LawfulBasis(models.TextChoices):
    """The UK GDPR / Data Protection Act 2018 conditions for sharing safeguarding information."""

    SAFEGUARDING_PUBLIC_TASK = (
        "public_task_safeguarding",
        "UK GDPR Article 6(1)(e) public task, with Article 9(2)(g) and DPA 2018 Schedule 1 "
        "paragraph 18: safeguarding of children and of individuals at risk",
    )
    SAFEGUARDING_LEGAL_OBLIGATION = (
        "legal_obligation_safeguarding",
        "UK GDPR Article 6(1)(c) legal obligation (Children Act 2004 section 11), with DPA 2018 "
        "Schedule 1 paragraph 18: safeguarding of children and of individuals at risk",
    )
    VITAL_INTERESTS = (
        "vital_interests",
        "UK GDPR Articles 6(1)(d) and 9(2)(c): vital interests, a child at immediate risk of harm",
    )


class Concern(models.Model):
    """One practitioner's record of what they saw, graded when it was saved."""

    record = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, related_name="concerns")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    seen_on = models.DateField(verbose_name="date seen")
    indicators = models.JSONField(default=list)
    note = models.TextField(verbose_name="what was seen", blank=True)
    lawful_basis = models.CharField(max_length=40, choices=LawfulBasis.choices)
    grade_level = models.CharField(max_length=8, choices=GRADE_CHOICES)
    grade_reasons = models.JSONField(default=dict, blank=True)
    catalogue_version = models.CharField(max_length=32)
    # An override sits beside the computed grade; it never replaces it.
    override_level = models.CharField(max_length=8, choices=GRADE_CHOICES, blank=True)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    source_ref = models.CharField(
        max_length=64, blank=True, help_text="identifier in an imported data set (demo loader)"
    )
    # The random token the concern form was issued with: a form sent again (its answer lost to a
    # dropped connection or a restarted server) finds the concern it saved instead of saving it
    # twice. Unique per user; blank for concerns saved without a form (the API, imports).
    form_token = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["seen_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "form_token"],
                condition=~models.Q(form_token=""),
                name="concern_saved_once_per_form",
            )
        ]

    def __str__(self) -> str:
        return f"Concern {self.pk} on {self.seen_on}"


class AddendumKind(models.TextChoices):
    CORRECTION = "correction", "Correction"
    WITHDRAWAL = "withdrawal", "Withdrawn: wrong child"


class ConcernAddendum(models.Model):
    """Something added to a concern after it was saved: a correction, or its withdrawal.

    The concern itself never changes: what was first recorded stays as it was, and each
    addendum says who added what, when and why. A withdrawn concern no longer counts towards
    the child's grade.
    """

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="addenda")
    kind = models.CharField(max_length=16, choices=AddendumKind.choices)
    reason = models.TextField()
    text = models.TextField(blank=True, help_text="the correction, in the writer's words")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["concern"],
                condition=models.Q(kind="withdrawal"),
                name="concern_withdrawn_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of concern {self.concern_id}"


class ConcernDraft(models.Model):
    """What a user had written in the concern form when their session ended, kept for them.

    Written only from a form sent with a signed token naming its user (see ``concerns.drafts``),
    given back to that user alone after they sign in again, then deleted.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-saved_at", "-id"]

    def __str__(self) -> str:
        return f"Draft concern of user {self.user_id} at {self.saved_at:%Y-%m-%d %H:%M}"


class OtherAreaMatch(models.Model):
    """A record stored in ``area`` that the linkage engine strongly matched to a child of another
    partnership (``other_area``).

    Children cross borders (placements out of area, exploitation across local authorities), but
    a link never does: the record stays with its own area's child, and the area's MASH is told
    only that ``other_area`` may know the child and whom to contact there. Nothing of the other
    area's record or child is stored here or shown.
    """

    area = models.ForeignKey(
        "accounts.Area", on_delete=models.PROTECT, related_name="other_area_matches"
    )
    record = models.ForeignKey(
        "children.AgencyRecord", on_delete=models.PROTECT, related_name="other_area_matches"
    )
    other_area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "other_area"], name="other_area_match_once_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"record {self.record_id} may be known in {self.other_area}"
