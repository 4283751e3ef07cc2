"""API tokens: one agency system's key to the API, scoped, hashed, expiring and revocable."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jigsaw.web.accounts.models import Agency


class ApiToken(models.Model):
    """A token's stored facts. The token itself is shown once and only its SHA-256 is kept.

    ``account`` is the token's own user (no password, no authenticator, so it can never sign in to
    the pages): its profile gives the role, agency and area the token acts as, so the API goes
    through the same services, selectors and access rules as the pages, and every audit row of a
    call names the token's account.
    """

    name = models.CharField(max_length=80, help_text="which system uses it, e.g. the school's MIS")
    prefix = models.CharField(
        max_length=12, help_text="the token's first characters, to tell it apart"
    )
    digest = models.CharField(max_length=64, unique=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ApiCallWindow(models.Model):
    """How many calls a token made in one rate-limit window (a minute): the atomic counter."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="windows")
    window = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "window"], name="api_call_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.calls} calls from {self.window:%H:%M}"
