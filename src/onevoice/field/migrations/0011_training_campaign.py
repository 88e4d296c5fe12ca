"""Every customer training belongs to a campaign: the campaign's uplift counts only its own.

Existing trainings are placed in the campaign whose window (start to end date) holds the
training's date; when several do, the one that had gone furthest (live, closed or
reviewed before ready, co-creation and draft), then the latest to start; when none does,
the latest campaign that had started by then. A training before every campaign keeps no
campaign (the field is null only for such rows; new ones must name their campaign).
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

# Campaigns a training was most plausibly given for, first: those that reached the field.
STATUS_RANK = {"live": 0, "closed": 0, "reviewed": 0, "ready": 1, "co_creation": 2, "draft": 3}


def place_trainings(apps: Any, schema_editor: Any) -> None:
    campaign_model = apps.get_model("campaigns", "Campaign")
    training_model = apps.get_model("field", "CustomerTraining")
    campaigns = list(campaign_model.objects.values("id", "start_date", "end_date", "status"))
    if not campaigns:
        return

    def pick(day: Any) -> int | None:
        holding = [c for c in campaigns if c["start_date"] <= day <= c["end_date"]]
        if holding:
            best = min(
                holding,
                key=lambda c: (STATUS_RANK.get(c["status"], 3), -c["start_date"].toordinal()),
            )
            return int(best["id"])
        started = [c for c in campaigns if c["start_date"] <= day]
        return int(max(started, key=lambda c: c["start_date"])["id"]) if started else None

    by_day: dict[Any, list[int]] = {}
    for pk, day in training_model.objects.values_list("id", "date"):
        by_day.setdefault(day, []).append(pk)
    for day, ids in by_day.items():
        campaign_id = pick(day)
        if campaign_id is not None:
            training_model.objects.filter(id__in=ids).update(campaign_id=campaign_id)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_product_family"),
        ("field", "0010_vacuum_clinics"),
    ]

    operations = [
        migrations.AddField(
            model_name="customertraining",
            name="campaign",
            field=models.ForeignKey(
                help_text="The campaign this training was given for; its uplift counts it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="customer_trainings",
                to="campaigns.campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="customertraining",
            index=models.Index(fields=["campaign", "date"], name="field_training_campaign"),
        ),
        migrations.RunPython(place_trainings, migrations.RunPython.noop),
    ]
