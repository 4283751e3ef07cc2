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


class AreaPopulation(models.Model):
    """The area's children aged 0-17, the rates' denominator, and their numbers by group.

    Set for an area whose population is not the published one (the demo's synthetic partnership,
    or an area that holds a more recent count); English LAs without one use the shipped figures.
    """

    area = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="+")
    children = models.PositiveIntegerField(help_text="children aged 0-17 in the area")
    groups = models.JSONField(
        default=list,
        blank=True,
        help_text="[[dimension, group, children], ...]: dimension sex, age_band, ethnicity or disability",
    )
    source = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"population of {self.area_id}"


class ReturnSnapshot(models.Model):
    """The area's partnership return for one period, computed once on ``as_of`` and kept.

    The dashboard and the downloads are drawn from it, so they agree with each other and a
    reload never shows a record added since: figures count records made before ``as_of`` began.
    ``figures`` are the exact figures (``[measure, breakdown, value, count, withheld]``); they
    leave only through :func:`jigsaw.oversight.returns.published_value`.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(help_text="the figures count records made before this day")
    period_start = models.DateField()
    period_end = models.DateField()
    computed_at = models.DateTimeField()
    children = models.FloatField(help_text="the rates' denominator")
    population_source = models.CharField(max_length=200)
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "as_of", "period_start", "period_end"],
                name="one_return_snapshot_per_area_day_period",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"return of {self.area_id} for {self.period_start}:{self.period_end} as of {self.as_of}"
        )
