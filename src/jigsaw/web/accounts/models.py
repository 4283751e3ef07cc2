"""Reference data (areas, agencies) and the role each user holds in one agency and one area."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Area(models.Model):
    """A local authority area: the footprint of one safeguarding partnership."""

    code = models.CharField(max_length=16, unique=True, help_text="ONS or DfE area code")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _catalogue_agencies() -> list[tuple[str, tuple[str, str]]]:
    from jigsaw.catalogue import load

    return [(agency.id.upper(), (agency.id, agency.label)) for agency in load().agencies]


# The agency kinds are the indicator catalogue's ``agencies`` list, with its labels: concerns are
# graded by the agency that recorded them, so a kind the catalogue does not know could not be
# graded. (``AgencyKind.POLICE``, ``AgencyKind.EDUCATION``, ... are its members.)
# (django-stubs type only the class form of Choices, hence the ignore.)
AgencyKind = models.TextChoices("AgencyKind", _catalogue_agencies())  # type: ignore[call-overload]
AgencyKind.__doc__ = "The agency kinds of the indicator catalogue (its ``agencies`` list)."


class Agency(models.Model):
    """One organisation in a partnership that records concerns about children."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="agencies")
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    name = models.CharField(max_length=160)

    class Meta:
        ordering = ["area__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="agency_name_unique_in_area")
        ]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    DSL = "dsl", "Designated safeguarding lead"
    MASH_ANALYST = "mash_analyst", "MASH analyst"
    PARTNERSHIP_LEAD = "partnership_lead", "Partnership lead"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


class Profile(models.Model):
    """The one role a user holds, in one agency and area. A user without one can do nothing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="staff")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()}, {self.agency})"
