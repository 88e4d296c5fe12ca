"""Field objects for tests, built on the ``org`` fixture (territory N1 is the rep's)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory
from onevoice.campaigns.models import Campaign
from onevoice.field import services
from onevoice.field.models import Clinic, Vet

CLINICS_CSV = (
    "Account ID,Account Name,Street,City,Region,Territory,Segment,Vets,Dogs per year,Potential\n"
    "CL-100,Oak Vets,1 High St,Leeds,N,N1,Independent small,3,2400,6.5\n"
    "CL-101,Elm Practice,2 Low Rd,York,North,N1,corporate_group,8,7000,14\n"
)


def clinic(org: Any, territory: Territory | None = None, **fields: Any) -> Clinic:
    territory = territory or org.territory_own
    values = {
        "code": f"C-{territory.code}-{Clinic.objects.count() + 1}",
        "name": f"Clinic {Clinic.objects.count() + 1}",
        "city": "Leeds",
        "region": territory.region,
        "territory": territory,
        "segment": "independent_small",
        "n_vets": 2,
        "potential": 5.0,
        **fields,
    }
    return Clinic.objects.create(**values)


def vet(clinic: Clinic, **fields: Any) -> Vet:
    n = Vet.objects.count() + 1
    values = {
        "code": f"V-{n}",
        "clinic": clinic,
        "first_name": "Ana",
        "last_name": f"Vet{n}",
        "email": f"ana{n}@example.org",
        **fields,
    }
    return Vet.objects.create(**values)


def live_campaign(org: Any) -> Campaign:
    """The live campaign reps log customer trainings for, once per org: made live through
    the campaigns services (an approved key message, a joint KPI, both leads' sign-offs),
    its window from two years ago to a year ahead so every recent training falls in it."""
    if getattr(org, "live_campaign", None) is not None:
        return org.live_campaign  # type: ignore[no-any-return]
    from onevoice.campaigns import services as cs
    from onevoice.campaigns.choices import CampaignStatus

    marketing, sales = org.users[Role.MARKETING], org.users[Role.SALES_MANAGER]
    today = timezone.localdate()
    campaign = cs.campaign_create(
        user=marketing,
        name="Heart launch",
        product="Pimobendan",
        indication="MMVD stage B2",
        objective="Find B2 dogs.",
        why="Because EPIC.",
        start_date=today - dt.timedelta(days=730),
        end_date=today + dt.timedelta(days=365),
        marketing_lead=marketing,
        sales_lead=sales,
    )
    campaign = cs.campaign_transition(
        campaign=campaign, user=marketing, target=CampaignStatus.CO_CREATION
    )
    message = cs.message_create(
        campaign=campaign, user=marketing, title="Treat at B2", text="1228 vs 766 days."
    )
    cs.evidence_add(
        user=marketing, message=message, citation="Boswood 2016", excerpt="1228", level="rct"
    )
    org.approved_message = cs.message_approve(message=message, user=org.users[Role.REVIEWER])
    cs.kpi_set(
        campaign=campaign,
        user=marketing,
        code="vets_trained",
        baseline=0,
        target=1500,
        due_date=campaign.end_date,
        owners=["marketing", "sales"],
    )
    campaign = cs.campaign_transition(
        campaign=campaign, user=marketing, target=CampaignStatus.READY
    )
    org.live_campaign = _signed_and_live(org, campaign)
    return org.live_campaign


def _signed_and_live(org: Any, campaign: Campaign) -> Campaign:
    from onevoice.campaigns import services as cs
    from onevoice.campaigns.choices import CampaignStatus

    sales = org.users[Role.SALES_MANAGER]
    cs.campaign_sign(campaign=campaign, user=org.users[Role.MARKETING])
    cs.campaign_sign(campaign=campaign, user=sales)
    return cs.campaign_transition(campaign=campaign, user=sales, target=CampaignStatus.LIVE)


def world(org: Any) -> SimpleNamespace:
    """A clinic with a vet, an activity and a training (of ``live_campaign``) in each of
    N1 and S1, once per org."""
    if getattr(org, "field", None) is not None:
        return org.field  # type: ignore[no-any-return]
    rep, other_rep = org.users[Role.SALES_REP], org.other_rep
    field_vet = org.users[Role.FIELD_VET]
    campaign = live_campaign(org)
    own = clinic(org, name="Oak Vets", code="CL-OWN", potential=9)
    other = clinic(org, org.territory_other, name="Pine Vets", code="CL-OTHER", city="Bath")
    own_vet, other_vet = vet(own), vet(other)
    yesterday = timezone.now() - dt.timedelta(days=1)
    w = SimpleNamespace(
        clinic=own,
        other_clinic=other,
        vet=own_vet,
        other_vet=other_vet,
        activity=services.activity_log(
            by=rep, clinic=own, kind="visit", occurred_at=yesterday, vets=[own_vet]
        ),
        other_activity=services.activity_log(
            by=other_rep, clinic=other, kind="call", occurred_at=yesterday, vets=[other_vet]
        ),
        training=services.training_log(
            by=rep,
            rep=rep,
            clinic=own,
            date=yesterday.date(),
            format="in_clinic",
            attendees=[own_vet],
            field_vet=field_vet,
            campaign=campaign,
        ),
        other_training=services.training_log(
            by=other_rep,
            rep=other_rep,
            clinic=other,
            date=yesterday.date(),
            format="in_clinic",
            attendees=[other_vet],
            campaign=campaign,
        ),
        crm_import=services.crm_import_start(
            by=org.users[Role.ADMIN],
            kind="clinics",
            file_name="crm.csv",
            content=CLINICS_CSV.encode(),
        ),
    )
    org.field = w
    return w


def campaign_toolkit(org: Any) -> SimpleNamespace:
    """``live_campaign`` with what reps bring into the field, once per org: its approved
    key message, a draft one, an approved asset version and an objection, made through
    the campaigns services (the draft message voids the sign-offs: signed again, live)."""
    if getattr(org, "toolkit", None) is not None:
        return org.toolkit  # type: ignore[no-any-return]
    from onevoice.campaigns import services as cs
    from onevoice.campaigns.choices import Decision, Function

    marketing = org.users[Role.MARKETING]
    campaign = live_campaign(org)
    draft = cs.message_create(campaign=campaign, user=marketing, title="Draft", text="Not yet.")
    asset = cs.asset_create(
        campaign=campaign, user=marketing, title="VHS detail aid", kind="detail_aid", body="# VHS"
    )
    version = asset.versions.get()
    for function, role in (
        (Function.MARKETING, Role.MARKETING),
        (Function.SALES, Role.SALES_MANAGER),
        (Function.REVIEWER, Role.REVIEWER),
    ):
        version = cs.asset_decide(
            version=version, user=org.users[role], function=function, decision=Decision.APPROVE
        )
    objection = cs.objection_raise(
        campaign=campaign, user=org.users[Role.SALES_REP], text="My clients won't pay for it."
    )
    campaign.refresh_from_db()
    org.live_campaign = _signed_and_live(org, campaign)
    org.toolkit = SimpleNamespace(
        campaign=org.live_campaign,
        message=org.approved_message,
        draft=draft,
        version=version,
        objection=objection,
    )
    return org.toolkit  # type: ignore[no-any-return]
