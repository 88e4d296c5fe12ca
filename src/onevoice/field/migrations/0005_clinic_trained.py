"""Each clinic's first and last training date and trained vets, stored on the clinic."""

from typing import Any

from django.db import migrations, models

from onevoice.field import trained


def fill(apps: Any, schema_editor: Any) -> None:
    names = ("Clinic", "CustomerTraining", "TrainingAttendance")
    trained.clinics_refresh(models=tuple(apps.get_model("field", n) for n in names))


class Migration(migrations.Migration):
    dependencies = [
        ("field", "0004_activity_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="first_trained",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="First customer training the clinic hosted or one of its vets attended.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="last_trained",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="Latest customer training the clinic hosted or one of its vets attended.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="clinic",
            name="trained_vets",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Vets of the clinic who attended a customer training.",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
