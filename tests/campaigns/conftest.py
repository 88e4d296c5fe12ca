import datetime as dt

import pytest

from onevoice.accounts.choices import Role
from onevoice.campaigns import services
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Product

# Two SKUs of the campaign's line and one of another line of the portfolio.
PRODUCTS = (
    ("CDV-0250-100", "Cardivance", 2.5, 100),
    ("CDV-0500-100", "Cardivance", 5.0, 100),
    ("RNL-0100-030", "Renalis", 1.0, 30),
)


def make_products():
    return {
        sku: Product.objects.create(
            sku=sku,
            name=f"{family} {mg:g} mg x {n}",
            family=family,
            strength_mg=mg,
            tablets_per_pack=n,
            list_price=40,
            treatment_months_per_pack=n / 60,
        )
        for sku, family, mg, n in PRODUCTS
    }


def make_campaign(org, *, status=CampaignStatus.CO_CREATION, name="Heart launch", skus=()):
    campaign = services.campaign_create(
        user=org.users[Role.MARKETING],
        name=name,
        product="Pimobendan",
        indication="MMVD stage B2",
        objective="Find B2 dogs.",
        why="Because **EPIC**.",
        start_date=dt.date(2025, 6, 1),
        end_date=dt.date(2026, 11, 30),
        marketing_lead=org.users[Role.MARKETING],
        sales_lead=org.users[Role.SALES_MANAGER],
        skus=skus,
    )
    if status != CampaignStatus.DRAFT:
        campaign = services.campaign_transition(
            campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.CO_CREATION
        )
    return campaign


def approved_message(org, campaign, title="EPIC"):
    message = services.message_create(
        campaign=campaign, user=org.users[Role.MARKETING], title=title, text="1228 vs 766 days."
    )
    services.evidence_add(
        user=org.users[Role.MARKETING],
        message=message,
        citation="Boswood 2016",
        excerpt="1228 vs 766",
        level="rct",
    )
    return services.message_approve(message=message, user=org.users[Role.REVIEWER])


def joint_kpi(org, campaign):
    return services.kpi_set(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        code="vets_trained",
        baseline=0,
        target=1500,
        due_date=dt.date(2026, 11, 30),
        owners=["marketing", "sales"],
    )


def ready_and_signed(org, campaign):
    approved_message(org, campaign)
    joint_kpi(org, campaign)
    campaign = services.campaign_transition(
        campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.READY
    )
    services.campaign_sign(campaign=campaign, user=org.users[Role.MARKETING])
    services.campaign_sign(campaign=campaign, user=org.users[Role.SALES_MANAGER])
    campaign.refresh_from_db()
    return campaign


def live(org, campaign):
    campaign = ready_and_signed(org, campaign)
    return services.campaign_transition(
        campaign=campaign, user=org.users[Role.SALES_MANAGER], target=CampaignStatus.LIVE
    )


@pytest.fixture
def campaign(org):
    return make_campaign(org)


@pytest.fixture
def products(db):
    return make_products()
