"""The audit trail: one row per view or change of personal data, written in the same transaction.

The rows form a hash chain (see :mod:`jigsaw.web.audit.chain`); the database refuses any row
that does not extend it, and any change or deletion (migration ``0004``).
"""

from __future__ import annotations

import enum

from django.conf import settings
from django.db import models


@enum.unique
class EventType(enum.Enum):
    """What happened. Values are stored; never rename one that has been written."""

    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    TOTP_ENROLLED = "totp_enrolled"
    SIGNED_OUT = "signed_out"
    USER_CREATED = "user_created"
    AREA_CREATED = "area_created"
    AGENCY_CREATED = "agency_created"
    CHILD_CREATED = "child_created"
    CHILD_VIEWED = "child_viewed"
    CHILD_VIEW_REFUSED = "child_view_refused"
    CHILDREN_LISTED = "children_listed"
    CHILD_GRADED = "child_graded"
    RECORD_CREATED = "record_created"
    RECORD_SEARCHED = "record_searched"
    CHILDREN_SEARCHED = "children_searched"
    LINK_CREATED = "link_created"
    LINK_CONFIRMED = "link_confirmed"
    LINK_REJECTED = "link_rejected"
    LINK_UNDONE = "link_undone"
    CONCERN_RECORDED = "concern_recorded"
    CONCERN_GRADE_OVERRIDDEN = "concern_grade_overridden"
    CONCERN_CORRECTED = "concern_corrected"
    CONCERN_WITHDRAWN = "concern_withdrawn"
    AUDIT_LOG_VIEWED = "audit_log_viewed"
    AGGREGATES_VIEWED = "aggregates_viewed"
    DEMO_LOADED = "demo_loaded"
    # The workflow from a concern to an outcome (jigsaw.web.referrals).
    CONTACT_CREATED = "contact_created"
    CONTACT_DECIDED = "contact_decided"
    REFERRAL_CREATED = "referral_created"
    REFERRAL_VIEWED = "referral_viewed"
    REFERRAL_RATED = "referral_rated"
    REFERRAL_DECIDED = "referral_decided"
    REFERRAL_BREACHED = "referral_breached"
    FEEDBACK_SENT = "feedback_sent"
    ACTION_CREATED = "action_created"
    ACTION_OVERDUE = "action_overdue"
    ACTION_ESCALATED = "action_escalated"
    ACTION_COMPLETED = "action_completed"
    ACTION_CANCELLED = "action_cancelled"
    OUTCOME_RECORDED = "outcome_recorded"
    REFERRAL_REVIEWED = "referral_reviewed"
    REFERRAL_CLOSED = "referral_closed"
    STRATEGY_DISCUSSION_RECORDED = "strategy_discussion_recorded"
    MISSING_RECORDED = "missing_recorded"
    MISSING_RETURNED = "missing_returned"
    RETURN_INTERVIEW_RECORDED = "return_interview_recorded"
    MACE_MEETING_RECORDED = "mace_meeting_recorded"
    MACE_MINUTES_VIEWED = "mace_minutes_viewed"
    USER_UPDATED = "user_updated"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    USER_UNLOCKED = "user_unlocked"
    USER_RESET = "user_reset"
    PASSWORD_SET = "password_set"  # noqa: S105 - an event name, not a password
    ACCESS_GRANTS_VIEWED = "access_grants_viewed"
    PAGE_REFUSED = "page_refused"
    OTHER_AREA_MATCH = "other_area_match"
    AREA_CONTACT_CHANGED = "area_contact_changed"
    # Event names, not secrets (bandit reads "token" as a password).
    API_TOKEN_CREATED = "api_token_created"  # noqa: S105
    API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105
    API_CALLED = "api_called"
    API_CALL_REFUSED = "api_call_refused"
    IMPORT_MAPPING_SAVED = "import_mapping_saved"
    IMPORT_ACCEPTED = "import_accepted"
    IMPORT_REJECTED = "import_rejected"
    CONCERNS_LISTED = "concerns_listed"
    # Children connected through the people, vehicles, phones and places around them.
    MENTIONS_RECORDED = "mentions_recorded"
    GROUP_PROPOSED = "group_proposed"
    GROUP_REVIEW_RAISED = "group_review_raised"
    GROUP_VIEWED = "group_viewed"
    GROUP_CONFIRMED = "group_confirmed"
    GROUP_REJECTED = "group_rejected"
    ENTITY_MERGE_CONFIRMED = "entity_merge_confirmed"
    ENTITY_MERGE_REJECTED = "entity_merge_rejected"
    CHILD_ACCESS_EXPORTED = "child_access_exported"
    # MACE cases: a place or a peer group the panel works as a case (jigsaw.web.referrals.cases).
    MACE_CASE_OPENED = "mace_case_opened"
    MACE_CASE_VIEWED = "mace_case_viewed"
    MACE_CASE_CHILD_ADDED = "mace_case_child_added"
    MACE_CASE_CHILD_REMOVED = "mace_case_child_removed"
    MACE_CASE_NOTE_ADDED = "mace_case_note_added"
    MACE_CASE_ACTION_CREATED = "mace_case_action_created"
    MACE_CASE_ACTION_DONE = "mace_case_action_done"
    MACE_CASE_CLOSED = "mace_case_closed"
    # The linkage model of an area (jigsaw.web.linkmodel).
    LINKAGE_MODEL_TRAINED = "linkage_model_trained"
    LINKAGE_MODEL_REFUSED = "linkage_model_refused"
    LINKAGE_SCHEDULE_CHANGED = "linkage_schedule_changed"
    LINKAGE_MODEL_VIEWED = "linkage_model_viewed"
    # Routing groups: the police single point of contact, the partnership's group rules, clocks.
    GROUP_CHECK_VIEWED = "group_check_viewed"
    GROUP_CHECK_RECORDED = "group_check_recorded"
    GROUP_REVIEW_OVERDUE = "group_review_overdue"
    GROUP_SETTINGS_CHANGED = "group_settings_changed"
    DESIGNATION_GIVEN = "designation_given"
    DESIGNATION_ENDED = "designation_ended"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.value.replace("_", " ")) for member in cls]


class AuditEvent(models.Model):
    """Who did what to which subject, when (aware UTC), in which area and why (``extra``)."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text too so the trail still reads right if a username is later changed.
    actor_label = models.CharField(max_length=150)
    event_type = models.CharField(max_length=40, choices=EventType.choices(), db_index=True)
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.CharField(max_length=64, blank=True, db_index=True)
    extra = models.JSONField(default=dict, blank=True)
    # The area the event belongs to, whose auditors read it (see audit.services.event_area).
    # Empty on events written before areas were recorded, and on events of nobody's area (a
    # failed sign-in as an unknown name); the hash covers it whenever it is set.
    area = models.ForeignKey(
        "accounts.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The chain: this event's place, the hash of the event before it and its own hash.
    seq = models.PositiveBigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.event_type} {self.subject_type}:{self.subject_id}"


class AuditAnchor(models.Model):
    """A copy of the chain's head (``seq`` and ``hash``) taken at ``at``.

    Written every ``JIGSAW_AUDIT_ANCHOR_EVERY`` events and by ``jigsaw audit anchor``; the
    application's database role may only add anchors, so whoever rewrites the chain after an
    anchor (re-hashing every later event) is found out by ``jigsaw audit verify``.
    """

    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return f"anchor of event {self.seq} at {self.at:%Y-%m-%d %H:%M:%S}"
