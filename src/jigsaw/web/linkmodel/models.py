"""The linkage models an area has trained on its own records, and its retraining schedule.

Each partnership learns from its own records (their names, how often each agency records an NHS
number, the slips its systems make), so a model belongs to one area. Every attempt is kept: a
model made active, and a refused one with the reason in plain English, so the administrator's
page shows the history. At most one model of an area is active; an area with none uses the
model shipped with Jigsaw.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jigsaw.web.accounts.models import Area


class LinkageModel(models.Model):
    """One training of an area's linkage model on the records of its store.

    ``model`` is the fitted model's JSON (``jigsaw.linkage.Model.to_dict``), empty when training
    was refused; ``summary`` is the core's training summary (``jigsaw.linkage.fit``: records,
    EM iterations and whether they converged, levels kept from the shipped model and why, how
    far each weight moved); ``refusal`` says in plain English why the model was not made active.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="linkage_models")
    version = models.CharField(max_length=80, blank=True)
    model = models.JSONField(default=dict, blank=True)
    trained_at = models.DateTimeField()
    records = models.PositiveIntegerField(default=0)
    # The dates the records it learnt from were stored, first and last.
    records_from = models.DateField(null=True, blank=True)
    records_to = models.DateField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    accepted = models.BooleanField(default=False)
    refusal = models.TextField(blank=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by_schedule = models.BooleanField(default=False)
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(active=True),
                name="linkmodel_one_active_model_per_area",
            ),
            models.CheckConstraint(
                condition=~models.Q(active=True) | models.Q(accepted=True),
                name="linkmodel_only_accepted_models_active",
            ),
        ]

    def __str__(self) -> str:
        state = "active" if self.active else ("kept" if self.accepted else "refused")
        return f"{self.area} linkage model {self.version or '-'} ({state})"


class RetrainEvery(models.IntegerChoices):
    """How often the administrator has an area's model retrained."""

    WEEK = 7, "Every 7 days"
    MONTH = 30, "Every 30 days"
    QUARTER = 90, "Every 90 days"


class LinkageSchedule(models.Model):
    """When an area's model is retrained next (``every_days`` empty: never on a schedule),
    whether a training of it is running now (``running_since``: two never run at once), and
    whether an administrator asked for one that the retraining timer has still to run
    (``requested_at``: "Retrain now" on an area too large to train while they wait)."""

    area = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="linkage_schedule")
    every_days = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=RetrainEvery.choices
    )
    next_run = models.DateTimeField(null=True, blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    def __str__(self) -> str:
        every = f"every {self.every_days} days" if self.every_days else "off"
        return f"{self.area} retraining {every}"
