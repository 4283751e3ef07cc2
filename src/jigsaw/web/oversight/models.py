"""A partnership's figures, kept as computed once a day so that reloading cannot reveal a record."""

from __future__ import annotations

from django.db import models

from jigsaw.web.accounts.models import Area


class FiguresSnapshot(models.Model):
    """The partnership-lead figures of one area for one day: exact counts, published suppressed.

    Computed at the first view of the day and never changed: live counts would show a single
    new concern (and its agency, and its child's grade) to anyone who reloads the page around
    it. Concerns count from before the day began, so every snapshot covers whole days.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(help_text="the figures count concerns recorded before this day")
    computed_at = models.DateTimeField()
    children_by_grade = models.JSONField(help_text="grade level -> children (exact)")
    concerns_by_agency = models.JSONField(help_text="agency kind -> concerns in the year (exact)")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "as_of"], name="one_figures_snapshot_per_area_day"
            ),
        ]

    def __str__(self) -> str:
        return f"figures of {self.area_id} as of {self.as_of}"
