from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("measurement", "0004_dashboard_snapshots"),
    ]

    operations = [
        migrations.AddField(
            model_name="dashboardsnapshot",
            name="refresh_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
