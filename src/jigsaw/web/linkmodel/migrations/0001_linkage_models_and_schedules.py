"""An area's linkage models (every training, made active or refused, with its summary) and its
retraining schedule."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_sign_in_throttle_password_links_access_grants_area_contact"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LinkageSchedule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "every_days",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        choices=[(7, "Every 7 days"), (30, "Every 30 days"), (90, "Every 90 days")],
                        null=True,
                    ),
                ),
                ("next_run", models.DateTimeField(blank=True, null=True)),
                ("running_since", models.DateTimeField(blank=True, null=True)),
                ("changed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "area",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="linkage_schedule",
                        to="accounts.area",
                    ),
                ),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="LinkageModel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.CharField(blank=True, max_length=80)),
                ("model", models.JSONField(blank=True, default=dict)),
                ("trained_at", models.DateTimeField()),
                ("records", models.PositiveIntegerField(default=0)),
                ("records_from", models.DateField(blank=True, null=True)),
                ("records_to", models.DateField(blank=True, null=True)),
                ("summary", models.JSONField(blank=True, default=dict)),
                ("accepted", models.BooleanField(default=False)),
                ("refusal", models.TextField(blank=True)),
                ("by_schedule", models.BooleanField(default=False)),
                ("active", models.BooleanField(default=False)),
                (
                    "area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="linkage_models",
                        to="accounts.area",
                    ),
                ),
                (
                    "trained_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-trained_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("active", True)),
                        fields=("area",),
                        name="linkmodel_one_active_model_per_area",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("active", True), _negated=True),
                            ("accepted", True),
                            _connector="OR",
                        ),
                        name="linkmodel_only_accepted_models_active",
                    ),
                ],
            },
        ),
    ]
