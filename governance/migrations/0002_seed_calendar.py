"""Seed the official holiday table from the chinesecalendar package (see governance.calendar)."""

from django.db import migrations


def seed(apps, schema_editor):
    from governance.calendar import sync_calendar

    sync_calendar(year_model=apps.get_model("governance", "CalendarYear"),
                  day_model=apps.get_model("governance", "CalendarDay"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
