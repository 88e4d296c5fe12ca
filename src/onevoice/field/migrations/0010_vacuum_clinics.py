from typing import Any

from django.db import migrations


def vacuum_clinics(apps: Any, schema_editor: Any) -> None:
    """An index-only scan skips the table only where PostgreSQL's visibility map says
    every row is visible; after clinic-wide updates (0005, 0009) it says so nowhere until
    the table is vacuumed (never, where autovacuum is off, as on the load-test server)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE field_clinic")


class Migration(migrations.Migration):
    """After the indexes of 0008 and 0009 and the fill of ``last_activity_at``."""

    # VACUUM cannot run inside a transaction.
    atomic = False

    dependencies = [("field", "0009_clinic_last_contact")]

    operations = [migrations.RunPython(vacuum_clinics, migrations.RunPython.noop, elidable=True)]
