"""The record store's version row, which tells each server process when its linkage index is stale."""

from django.db import migrations, models

import jigsaw.web.children.models


def _create_row(apps, schema_editor):
    RecordStoreVersion = apps.get_model("children", "RecordStoreVersion")
    RecordStoreVersion.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("children", "0001_children_records_and_links")]

    operations = [
        migrations.CreateModel(
            name="RecordStoreVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("moves", models.BigIntegerField(default=0)),
                ("rebuilds", models.BigIntegerField(default=0)),
                (
                    "epoch",
                    models.CharField(default=jigsaw.web.children.models._new_epoch, max_length=16),
                ),
            ],
        ),
        migrations.RunPython(_create_row, migrations.RunPython.noop),
    ]
