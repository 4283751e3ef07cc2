"""Record each audit event's area, so auditors read their own area's events only, and add the
event of exporting a child's access events.

The column is added empty: events already written keep no area, so their hashes (which leave
empty fields out) are unchanged and ``jigsaw audit verify`` passes on them as before. Adding a
nullable column is a schema change that fires no row trigger, on PostgreSQL and SQLite alike.

It cannot be reversed: removing the column would make SQLite rebuild the table without its
triggers, and would rewrite every event that carries an area.
"""

import django.db.models.deletion
from django.db import migrations, models


def refuse_to_unprotect(apps, schema_editor):
    raise RuntimeError(
        "the audit log's protection cannot be migrated away: migrating audit back would let its "
        "events be changed or deleted. Restore a backup taken before the migration instead."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_areas_agencies_and_roles"),
        ("audit", "0009_group_and_mention_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.area",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="event_type",
            field=models.CharField(
                choices=[
                    ("signed_in", "signed in"),
                    ("sign_in_failed", "sign in failed"),
                    ("totp_enrolled", "totp enrolled"),
                    ("signed_out", "signed out"),
                    ("user_created", "user created"),
                    ("area_created", "area created"),
                    ("agency_created", "agency created"),
                    ("child_created", "child created"),
                    ("child_viewed", "child viewed"),
                    ("child_view_refused", "child view refused"),
                    ("children_listed", "children listed"),
                    ("child_graded", "child graded"),
                    ("record_created", "record created"),
                    ("record_searched", "record searched"),
                    ("children_searched", "children searched"),
                    ("link_created", "link created"),
                    ("link_confirmed", "link confirmed"),
                    ("link_rejected", "link rejected"),
                    ("link_undone", "link undone"),
                    ("concern_recorded", "concern recorded"),
                    ("concern_grade_overridden", "concern grade overridden"),
                    ("concern_corrected", "concern corrected"),
                    ("concern_withdrawn", "concern withdrawn"),
                    ("audit_log_viewed", "audit log viewed"),
                    ("aggregates_viewed", "aggregates viewed"),
                    ("demo_loaded", "demo loaded"),
                    ("contact_created", "contact created"),
                    ("contact_decided", "contact decided"),
                    ("referral_created", "referral created"),
                    ("referral_viewed", "referral viewed"),
                    ("referral_rated", "referral rated"),
                    ("referral_decided", "referral decided"),
                    ("referral_breached", "referral breached"),
                    ("feedback_sent", "feedback sent"),
                    ("action_created", "action created"),
                    ("action_overdue", "action overdue"),
                    ("action_escalated", "action escalated"),
                    ("action_completed", "action completed"),
                    ("action_cancelled", "action cancelled"),
                    ("outcome_recorded", "outcome recorded"),
                    ("referral_reviewed", "referral reviewed"),
                    ("referral_closed", "referral closed"),
                    ("strategy_discussion_recorded", "strategy discussion recorded"),
                    ("missing_recorded", "missing recorded"),
                    ("missing_returned", "missing returned"),
                    ("return_interview_recorded", "return interview recorded"),
                    ("mace_meeting_recorded", "mace meeting recorded"),
                    ("mace_minutes_viewed", "mace minutes viewed"),
                    ("user_updated", "user updated"),
                    ("user_deactivated", "user deactivated"),
                    ("user_reactivated", "user reactivated"),
                    ("user_unlocked", "user unlocked"),
                    ("user_reset", "user reset"),
                    ("password_set", "password set"),
                    ("access_grants_viewed", "access grants viewed"),
                    ("page_refused", "page refused"),
                    ("other_area_match", "other area match"),
                    ("area_contact_changed", "area contact changed"),
                    ("api_token_created", "api token created"),
                    ("api_token_revoked", "api token revoked"),
                    ("api_called", "api called"),
                    ("api_call_refused", "api call refused"),
                    ("import_mapping_saved", "import mapping saved"),
                    ("import_accepted", "import accepted"),
                    ("import_rejected", "import rejected"),
                    ("concerns_listed", "concerns listed"),
                    ("mentions_recorded", "mentions recorded"),
                    ("group_proposed", "group proposed"),
                    ("group_review_raised", "group review raised"),
                    ("group_viewed", "group viewed"),
                    ("group_confirmed", "group confirmed"),
                    ("group_rejected", "group rejected"),
                    ("entity_merge_confirmed", "entity merge confirmed"),
                    ("entity_merge_rejected", "entity merge rejected"),
                    ("child_access_exported", "child access exported"),
                ],
                db_index=True,
                max_length=40,
            ),
        ),
        # Last, so that reversing this migration stops here before anything is undone.
        migrations.RunPython(migrations.RunPython.noop, refuse_to_unprotect),
    ]
