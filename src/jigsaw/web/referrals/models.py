"""Contacts, referrals to the MASH, their RAG history, decisions, actions, outcomes and reviews.

States and the transitions between them are :mod:`jigsaw.act.states`; only the services change
them, each change with its audit row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jigsaw.act.clock import Rag
from jigsaw.act.states import (
    ActionState,
    ContactDecision,
    ContactState,
    MashDecision,
    Outcome,
    ReferralState,
    SeenAlone,
    StrategyMode,
    choices,
)
from jigsaw.screening import Grade
from jigsaw.web.accounts.models import Agency, Area
from jigsaw.web.children.models import Child
from jigsaw.web.concerns.models import Concern

USER = settings.AUTH_USER_MODEL


class ResponseSettings(models.Model):
    """A partnership's own response times (``jigsaw.act.ResponsePolicy``); defaults when absent."""

    area = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="response_settings")
    red_hours = models.FloatField(default=4)
    amber_hours = models.FloatField(default=24)
    green_hours = models.FloatField(default=72)
    decision_hours = models.FloatField(default=24)
    review_months = models.PositiveSmallIntegerField(default=3)
    referral_threshold = models.CharField(
        max_length=8, choices=Grade.choices(), default=Grade.HIGH.value
    )
    opens = models.TimeField(default="09:00")
    closes = models.TimeField(default="17:00")

    class Meta:
        verbose_name_plural = "response settings"

    def __str__(self) -> str:
        return f"Response settings of {self.area}"


class Contact(models.Model):
    """A saved concern as it reaches the recording agency's safeguarding lead to decide."""

    concern = models.OneToOneField(Concern, on_delete=models.PROTECT, related_name="contact")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contacts")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="contacts")
    state = models.CharField(
        max_length=20, choices=choices(ContactState), default=ContactState.NEW.value
    )
    received_at = models.DateTimeField()
    decision_due = models.DateTimeField()
    decision = models.CharField(max_length=20, choices=choices(ContactDecision), blank=True)
    reason = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["decision_due", "id"]

    def __str__(self) -> str:
        return f"Contact {self.pk} ({self.state})"


class ReferralSource(models.TextChoices):
    DSL = "dsl", "Safeguarding lead"
    PRACTITIONER = "practitioner", "Practitioner, directly"
    THRESHOLD = "threshold", "Automatic: the combined grade reached the partnership's threshold"


class Referral(models.Model):
    """A child referred to their area's MASH, with its RAG rating, clocks, decision and outcome."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="referrals")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    concern = models.ForeignKey(
        Concern, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    source = models.CharField(max_length=16, choices=ReferralSource.choices)
    referred_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referrer_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    state = models.CharField(
        max_length=12, choices=choices(ReferralState), default=ReferralState.OPEN.value
    )
    received_at = models.DateTimeField()
    decision_due = models.DateTimeField()
    rag = models.CharField(max_length=8, choices=Rag.choices(), blank=True)
    response_due = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=24, choices=choices(MashDecision), blank=True)
    decision_reason = models.TextField(blank=True)
    child_voice = models.TextField(blank=True, verbose_name="what the child said and wants")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_due = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=choices(Outcome), blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    next_review_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["decision_due", "id"]
        constraints = [
            # A closed referral always has its decision, outcome and reason (also in the database).
            models.CheckConstraint(
                condition=~models.Q(state="closed")
                | (~models.Q(decision="") & ~models.Q(outcome="") & ~models.Q(close_reason="")),
                name="referral_closed_with_decision_outcome_reason",
            )
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.state})"


class RagChange(models.Model):
    """Each rating of a referral, kept: the first needs no reason, every change does."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="rag_history")
    rag = models.CharField(max_length=8, choices=Rag.choices())
    previous = models.CharField(max_length=8, choices=Rag.choices(), blank=True)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.previous or '-'} -> {self.rag}"


class Action(models.Model):
    """Something one agency (and, when named, one person) must do by a date."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(max_length=200)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="actions")
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    strategy = models.ForeignKey(
        "StrategyDiscussion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    mace_item = models.ForeignKey(
        "MaceItem", null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    state = models.CharField(
        max_length=12, choices=choices(ActionState), default=ActionState.OPEN.value
    )
    evidence = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"Action {self.pk}: {self.title} ({self.state})"


class Escalation(models.Model):
    """An overdue action or a breached referral clock, put first on a DSL's and the MASH's queues."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="escalations")
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    # The owner agency, whose safeguarding lead is told; the MASH of the area always is.
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what = models.CharField(max_length=200)
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            # One open escalation per action, and per referral clock.
            models.UniqueConstraint(
                fields=["referral", "action"],
                condition=models.Q(resolved_at__isnull=True),
                name="escalation_open_once",
            ),
        ]

    def __str__(self) -> str:
        return self.what


class Feedback(models.Model):
    """What the MASH decided, sent to the referrer: the decision, never other agencies' detail."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="feedback")
    to = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"Feedback {self.pk} on referral {self.referral_id}"


class Review(models.Model):
    """A scheduled review of a child found to be a victim of, or at risk of, exploitation."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    note = models.TextField()
    child_voice = models.TextField(blank=True, verbose_name="what the child said and wants")
    next_review_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["reviewed_on", "id"]

    def __str__(self) -> str:
        return f"Review of referral {self.referral_id} on {self.reviewed_on}"


class StrategyDiscussion(models.Model):
    """A strategy discussion (section 47): who took part, what each agency shared, what was
    decided, and when it is reviewed. Its actions are the referral's, linked back here."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="strategy_discussions"
    )
    held_at = models.DateTimeField()
    mode = models.CharField(max_length=8, choices=choices(StrategyMode))
    chair = models.CharField(max_length=160)
    # [{"agency": ..., "role": ..., "name": ...}] and [{"agency": ..., "shared": ...}]
    attendees = models.JSONField(default=list)
    information_shared = models.JSONField(default=list)
    section_47 = models.BooleanField(verbose_name="section 47 enquiry")
    immediate_safety = models.TextField(blank=True)
    criminal_investigation = models.BooleanField()
    seen_alone = models.CharField(max_length=8, choices=choices(SeenAlone))
    seen_alone_on = models.DateField(null=True, blank=True)
    decisions = models.TextField()
    child_voice = models.TextField(blank=True, verbose_name="what the child said and wants")
    next_review_on = models.DateField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"Strategy discussion {self.pk} on referral {self.referral_id}"


class MissingKind(models.TextChoices):
    MISSING = "missing", "Missing (whereabouts unknown)"
    ABSENT = "absent", "Absent (not where expected, whereabouts known)"


class InterviewResponse(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class MissingEpisode(models.Model):
    """A child missing or absent, and the return home interview offered once they are back.

    The interview is due within 72 hours of the return (``interview_due``); offered, accepted,
    declined and completed are recorded separately, as they are counted separately.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="missing_episodes")
    kind = models.CharField(max_length=8, choices=MissingKind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    found_where = models.CharField(max_length=200, blank=True)
    police_reference = models.CharField(max_length=40, blank=True)
    interview_due = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=8, choices=InterviewResponse.choices, blank=True)
    declined_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    learned = models.TextField(blank=True)
    child_voice = models.TextField(blank=True, verbose_name="what the child said and wants")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.started_at:%Y-%m-%d %H:%M}"


class MaceMeeting(models.Model):
    """A meeting of the partnership's multi-agency child exploitation (MACE) panel."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="mace_meetings")
    held_on = models.DateField()
    chair = models.CharField(max_length=160)
    attendees = models.JSONField(default=list)  # [{"agency": ..., "role": ..., "name": ...}]
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"MACE panel of {self.held_on}"


class MaceItem(models.Model):
    """One child's discussion at a MACE meeting, with VOLT: victim, offender, location, themes."""

    meeting = models.ForeignKey(MaceMeeting, on_delete=models.PROTECT, related_name="items")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="mace_items")
    reasons = models.JSONField(default=list)  # why it was on the agenda
    child_voice = models.TextField(blank=True, verbose_name="what the child said and wants")
    discussion = models.TextField()
    risk = models.CharField(max_length=8, choices=Rag.choices())
    plan = models.TextField()
    victim = models.TextField(blank=True)
    offender = models.TextField(blank=True)
    location = models.TextField(blank=True)
    themes = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"MACE item {self.pk} (referral {self.referral_id})"


# MACE cases: the panel works a place or a peer group as a case (contextual safeguarding), with
# the children it affects, notes, actions and its decisions at each meeting. The services and
# selectors are jigsaw.web.referrals.cases.


class MaceCaseKind(models.TextChoices):
    PLACE = "place", "Place"
    PEER_GROUP = "peer_group", "Peer group"


class MaceCaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class MaceCase(models.Model):
    """A context (a place or a peer group) the area's MACE panel works as a case.

    A place is written as the panel knows it (``place``, optional ``postcode``) and, when opened
    from the places page, is the place label the mentions resolved to (``place_label``); a peer
    group may be opened from a group of connected children (``group``).
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="mace_cases")
    kind = models.CharField(max_length=12, choices=MaceCaseKind.choices)
    title = models.CharField(max_length=200)
    place = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    place_label = models.CharField(max_length=200, blank=True)
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="mace_cases"
    )
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=MaceCaseStatus.choices, default=MaceCaseStatus.OPEN
    )
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # A closed case always says why (also in the database).
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(close_reason=""),
                name="mace_case_closed_with_reason",
            )
        ]

    def __str__(self) -> str:
        return f"MACE case {self.pk}: {self.title} ({self.status})"


class MaceCaseChild(models.Model):
    """A child the case affects, with why; removing keeps the row with who removed it and why."""

    case = models.ForeignKey(MaceCase, on_delete=models.PROTECT, related_name="children")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="mace_cases")
    reason = models.TextField()
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            # A child is on a case once at a time (re-adding after a removal is a new row).
            models.UniqueConstraint(
                fields=["case", "child"],
                condition=models.Q(removed_at__isnull=True),
                name="mace_case_child_once",
            )
        ]

    def __str__(self) -> str:
        return f"child {self.child_id} on MACE case {self.case_id}"


class MaceCaseNote(models.Model):
    case = models.ForeignKey(MaceCase, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk} on MACE case {self.case_id}"


class MaceCaseAction(models.Model):
    """Something one agency must do about the context by a date (disruption, a visit to the
    place's owner, a safety plan), done with its evidence."""

    case = models.ForeignKey(MaceCase, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(max_length=200)
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True) | ~models.Q(evidence=""),
                name="mace_case_action_done_with_evidence",
            )
        ]

    def __str__(self) -> str:
        return f"Action {self.pk} of MACE case {self.case_id}: {self.title}"


class MaceContextItem(models.Model):
    """A case or a group discussed at a MACE meeting, with the panel's decision; ``children``
    are the case's children (ids) at the meeting, for the minutes."""

    meeting = models.ForeignKey(MaceMeeting, on_delete=models.PROTECT, related_name="contexts")
    case = models.ForeignKey(
        MaceCase, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.TextField()
    children = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=True, group__isnull=False)
                | models.Q(case__isnull=False, group__isnull=True),
                name="mace_context_case_or_group",
            )
        ]

    def __str__(self) -> str:
        return f"MACE context item {self.pk} of meeting {self.meeting_id}"
