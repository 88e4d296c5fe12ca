from django.db import migrations, models


class Migration(migrations.Migration):
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
    ]
