"""Migration 0011 places each training that predates campaign scope in a campaign.

``place_trainings`` runs here on the real models (the repository has no migration-
executor harness): rows stored without a campaign, as every training was before it.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from onevoice.accounts.choices import Role
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Campaign
from onevoice.field.models import CustomerTraining
from tests.field.factories import clinic

pytestmark = pytest.mark.django_db

place_trainings = importlib.import_module(
    "onevoice.field.migrations.0011_training_campaign"
).place_trainings


def _campaign(org, slug: str, start: dt.date, end: dt.date, status: str) -> Campaign:
    return Campaign.objects.create(
        slug=slug,
        name=slug.title(),
        product="Pimobendan",
        indication="MMVD stage B2",
        objective="Find B2 dogs.",
        why="Why.",
        start_date=start,
        end_date=end,
        status=status,
        marketing_lead=org.users[Role.MARKETING],
        sales_lead=org.users[Role.SALES_MANAGER],
    )


def test_old_trainings_go_to_the_campaign_whose_window_holds_them(org):
    spring = _campaign(
        org, "spring", dt.date(2025, 1, 1), dt.date(2025, 6, 30), CampaignStatus.CLOSED
    )
    # Overlaps spring, never left the drafting table: spring had reached the field.
    draft = _campaign(org, "draft", dt.date(2025, 3, 1), dt.date(2025, 9, 30), CampaignStatus.DRAFT)
    autumn = _campaign(
        org, "autumn", dt.date(2026, 1, 1), dt.date(2026, 12, 31), CampaignStatus.LIVE
    )
    host = clinic(org)
    rep = org.users[Role.SALES_REP]
    days = {
        "before-all": dt.date(2024, 12, 31),
        "spring-only": dt.date(2025, 2, 1),
        "both": dt.date(2025, 4, 1),
        "draft-only": dt.date(2025, 8, 1),
        "between": dt.date(2025, 11, 15),
        "autumn": dt.date(2026, 2, 1),
    }
    for code, day in days.items():
        CustomerTraining.objects.create(
            code=code, clinic=host, date=day, format="in_clinic", rep=rep
        )

    place_trainings(apps, None)

    placed = dict(CustomerTraining.objects.values_list("code", "campaign__slug"))
    assert placed == {
        "before-all": None,  # before every campaign: left without one
        "spring-only": spring.slug,
        "both": spring.slug,  # the campaign in the field beats the draft
        "draft-only": draft.slug,  # the only window that holds it
        "between": draft.slug,  # no window holds it: the latest campaign started by then
        "autumn": autumn.slug,
    }


def test_no_campaign_leaves_the_trainings_alone(org):
    host = clinic(org)
    CustomerTraining.objects.create(
        code="T-1",
        clinic=host,
        date=dt.date(2025, 4, 1),
        format="in_clinic",
        rep=org.users[Role.SALES_REP],
    )
    place_trainings(apps, None)
    assert CustomerTraining.objects.get().campaign is None
