"""People belong to one partnership: the column, empty until 0003 fills it in (see there)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("partnerships", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalperson",
            name="partnership",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING,
                                    related_name="+", to="partnerships.partnership"),
        ),
        migrations.AddField(
            model_name="person",
            name="partnership",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="people", to="partnerships.partnership"),
        ),
    ]
