from typing import Any

from django.db import migrations, models


def vacuum_clinics(apps: Any, schema_editor: Any) -> None:
    """An index-only scan skips the table only where PostgreSQL's visibility map says
    every row is visible; after the clinic-wide updates of 0005 it says so nowhere until
    the table is vacuumed (never, where autovacuum is off, as on the load-test server)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE field_clinic")


class Migration(migrations.Migration):
    # VACUUM cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("accounts", "0002_loginfailure"),
        ("field", "0007_clinic_by_potential"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="clinic",
            index=models.Index(
                fields=["territory"],
                include=("first_trained", "potential"),
                name="clinic_territory_training",
            ),
        ),
        migrations.RunPython(vacuum_clinics, migrations.RunPython.noop, elidable=True),
    ]
