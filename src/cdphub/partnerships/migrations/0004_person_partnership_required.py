"""Every person belongs to a partnership (0003 gave each one its partnership)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("partnerships", "0003_split_shared_people"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="partnership",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                    related_name="people", to="partnerships.partnership"),
        ),
    ]
