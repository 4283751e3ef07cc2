"""Bulk import: each agency's saved column mapping, and one row per file imported."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jigsaw.web.accounts.models import Agency


class ImportMapping(models.Model):
    """Which of the agency's columns holds each of Jigsaw's fields (saved once per agency)."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="import_mapping")
    columns = models.JSONField(default=dict, help_text="Jigsaw field -> the agency's column name")
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"import mapping of {self.agency}"


class ImportBatch(models.Model):
    """One accepted file. Written in the same transaction as everything the file stored, so a
    file is either here with all its rows or not here at all; the same content for the same
    agency is refused the second time."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField()
    rows = models.PositiveIntegerField()
    records_created = models.PositiveIntegerField()
    concerns_created = models.PositiveIntegerField()
    rows_already_stored = models.PositiveIntegerField()

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "content_hash"], name="import_once_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows} rows)"
