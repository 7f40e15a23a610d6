"""Case numbers from a counter per county and year (no deployment-wide row lock); numbers grow to 64 characters.

Numbers already given keep their old form (SZ-2026-000043); new ones carry the county's code (SZ-SFX-2026-000001),
so the two forms never collide and the new counters start at zero.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_closed_label"),
        ("governance", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="CaseNumberCounter"),
        migrations.CreateModel(
            name="CaseNumberCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveIntegerField(verbose_name="年度")),
                ("code", models.CharField(max_length=32, verbose_name="县（区）编码")),
                ("last", models.PositiveIntegerField(default=0)),
                ("county", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                             to="governance.unit", verbose_name="县（区）")),
            ],
            options={"verbose_name": "事项编号计数器", "verbose_name_plural": "事项编号计数器"},
        ),
        migrations.AddConstraint(
            model_name="casenumbercounter",
            constraint=models.UniqueConstraint(fields=("county", "year"), name="case_number_counter_county_year"),
        ),
        migrations.AlterField(
            model_name="case", name="number", field=models.CharField(max_length=64, unique=True, verbose_name="案件编号"),
        ),
    ]
