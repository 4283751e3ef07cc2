"""Reference data (areas, agencies) and the role each user holds in one agency and one area."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Area(models.Model):
    """A local authority area: the footprint of one safeguarding partnership."""

    code = models.CharField(max_length=16, unique=True, help_text="ONS or DfE area code")
    name = models.CharField(max_length=120)
    # Whom another partnership should call when a child they hold seems to be known here too
    # (a name, a phone number, a shared mailbox): only this is ever told across areas.
    mash_contact = models.CharField(max_length=300, blank=True)

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


class SignInThrottle(models.Model):
    """Failed passwords for one username from one client address, in the current window.

    One row per (username, address), counted with a row lock before the password is even
    checked, so a burst of parallel guesses cannot all be tried: at most ``SIGN_IN_ATTEMPTS`` per
    window are. Keyed on the address too, so nobody elsewhere can lock a user out of their own
    desk; an administrator's unlock removes every row of the username.
    """

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["username", "address"], name="sign_in_throttle_one_row_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address}: {self.failures}"


class PasswordLinkPurpose(models.TextChoices):
    INVITE = "invite", "First sign-in"
    RESET = "reset", "Reset by an administrator"


class PasswordLink(models.Model):
    """A single-use, expiring link by which a user sets their own password.

    Only the SHA-256 of the token is stored: the token itself is in the e-mail the user received,
    and nowhere else (not on any administrator's page).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="password_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=16, choices=PasswordLinkPurpose.choices)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


class AccessGrant(models.Model):
    """A role that can open children's records, given to a user (on creation or change).

    Shown to the area's partnership lead: an administrator cannot quietly give anyone (or a
    second account of their own) access to children (ADR 0009).
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="access_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_grants"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    previous_role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} on {self.granted_at:%Y-%m-%d}"


class DesignationKind(models.TextChoices):
    """A duty given to one account on top of its role (who may hold each: ``jigsaw.web.access``)."""

    SPOC = "spoc", "Police single point of contact for groups"


class Designation(models.Model):
    """A duty the partnership lead gives an account of their area (a police account made the
    single point of contact who checks the vehicles and phones of groups), and takes away.

    It holds only while the account stays in the agency it was given in; ended, it is kept.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="designations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="designations"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=DesignationKind.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField()
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(ended_at__isnull=True),
                name="designation_held_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_kind_display()}"
