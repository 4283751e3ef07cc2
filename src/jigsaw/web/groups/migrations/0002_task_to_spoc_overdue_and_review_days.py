"""Group tasks say whom they go to (the MASH, or the police single point of contact for the
vehicles and phones), are marked overdue by the sweep, and keep the SPOC's note; a partnership's
review time is counted in working days of its calendar, not in hours.

A partnership's own review hours become whole working days (rounded up, within the new bounds);
its size threshold is kept within them too.
"""

import math

import django.core.validators
from django.db import migrations, models


def hours_to_working_days(apps, schema_editor):
    GroupSettings = apps.get_model("groups", "GroupSettings")
    for rules in GroupSettings.objects.all():
        rules.review_days = min(20, max(1, math.ceil(rules.review_hours / 24)))
        rules.size_threshold = min(50, max(2, rules.size_threshold))
        rules.save(update_fields=["review_days", "size_threshold"])


def working_days_to_hours(apps, schema_editor):
    GroupSettings = apps.get_model("groups", "GroupSettings")
    for rules in GroupSettings.objects.all():
        rules.review_hours = rules.review_days * 24.0
        rules.save(update_fields=["review_hours"])


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0001_mentions_groups_reviews_and_merges"),
    ]

    operations = [
        migrations.AddField(
            model_name="groupsettings",
            name="review_days",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="Working days to review a group (from 1 to 20)",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(20),
                ],
            ),
        ),
        migrations.RunPython(hours_to_working_days, working_days_to_hours),
        migrations.RemoveField(
            model_name="groupsettings",
            name="review_hours",
        ),
        migrations.AddField(
            model_name="grouptask",
            name="note",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="grouptask",
            name="overdue_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="grouptask",
            name="to",
            field=models.CharField(
                choices=[("mash", "MASH review"), ("spoc", "Police check of vehicles and phones")],
                default="mash",
                max_length=4,
            ),
        ),
        migrations.AlterField(
            model_name="groupsettings",
            name="size_threshold",
            field=models.PositiveSmallIntegerField(
                default=2,
                help_text="A group of this many children (from 2: one child is no group) is reviewed",
                validators=[
                    django.core.validators.MinValueValidator(2),
                    django.core.validators.MaxValueValidator(50),
                ],
            ),
        ),
    ]
