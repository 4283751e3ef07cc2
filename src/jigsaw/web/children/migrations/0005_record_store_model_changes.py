"""Count the changes of the linkage models in use on the record store's version row, so each
server process sees a partnership's retrained model in the same primary-key read it already
makes for the records."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("children", "0004_child_ethnicity_and_disability")]

    operations = [
        migrations.AddField(
            model_name="recordstoreversion",
            name="model_changes",
            field=models.BigIntegerField(default=0),
        ),
    ]
