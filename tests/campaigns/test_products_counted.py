"""The products a campaign counts: chosen with the brief, signed with it, never left empty
once the campaign is live, and read by measurement through the selectors."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.campaigns import selectors, services
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.demo_campaign import DemoPeople, demo_campaign_load
from onevoice.campaigns.services import ERROR_NEEDS_PRODUCTS, CampaignRuleError, StaleEdit
from tests.campaigns.conftest import live, make_campaign, ready_and_signed

CDV25, CDV5, RNL = "CDV-0250-100", "CDV-0500-100", "RNL-0100-030"


def _audit(action, campaign):
    return AuditEvent.objects.filter(action=action, object_id=str(campaign.pk)).latest("id")


def test_a_campaign_is_created_counting_the_chosen_skus(org, products):
    campaign = make_campaign(org, skus=[products[CDV5], products[CDV25]])
    assert selectors.campaign_skus(campaign=campaign) == [CDV25, CDV5]
    assert _audit("campaign.create", campaign).after["skus"] == [CDV25, CDV5]


def test_campaign_skus_has_no_fallback_and_families_list_the_portfolio(org, products):
    campaign = make_campaign(org)
    assert selectors.campaign_skus(campaign=campaign) == []
    assert selectors.product_families() == {"Cardivance": [CDV25, CDV5], "Renalis": [RNL]}


def test_changing_the_products_of_a_live_campaign_voids_sign_offs_like_a_brief_edit(
    org, products, campaign
):
    services.campaign_products_set(
        campaign=campaign, user=org.users[Role.MARKETING], products=[products[CDV25]]
    )
    campaign = live(org, campaign)
    signed_version = campaign.content_version
    campaign = services.campaign_products_set(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        products=[products[CDV5]],
        expected_edit_version=campaign.edit_version,
    )
    assert selectors.campaign_skus(campaign=campaign) == [CDV5]
    assert campaign.content_version == signed_version + 1
    assert campaign.status == CampaignStatus.READY
    state = selectors.signoff_state(campaign=campaign)
    assert state.standing == {}
    assert {s.void_reason.split(" (by")[0] for s in state.voided} == {
        f"Products counted changed (added {CDV5}; removed {CDV25})"
    }
    row = _audit("campaign.products_set", campaign)
    assert row.actor == org.users[Role.MARKETING]
    assert row.before == {"skus": [CDV25]}
    assert row.after == {"skus": [CDV5], "status": "live"}


def test_the_same_products_again_change_nothing(org, products, campaign):
    services.campaign_products_set(
        campaign=campaign, user=org.users[Role.MARKETING], products=[products[CDV25]]
    )
    campaign = ready_and_signed(org, campaign)
    before = campaign.content_version
    campaign = services.campaign_products_set(
        campaign=campaign, user=org.users[Role.MARKETING], products=[products[CDV25]]
    )
    assert campaign.content_version == before
    assert selectors.signoff_state(campaign=campaign).complete
    assert AuditEvent.objects.filter(action="campaign.products_set").count() == 1


@pytest.mark.parametrize("via", ["products_set", "brief_update"])
def test_a_live_campaign_cannot_be_left_without_products(org, products, campaign, via):
    services.campaign_products_set(
        campaign=campaign, user=org.users[Role.MARKETING], products=[products[CDV25]]
    )
    campaign = live(org, campaign)
    empty = {
        "products_set": lambda: services.campaign_products_set(
            campaign=campaign, user=org.users[Role.MARKETING], products=[]
        ),
        "brief_update": lambda: services.campaign_brief_update(
            campaign=campaign,
            user=org.users[Role.MARKETING],
            expected_edit_version=campaign.edit_version,
            objective="Changed too.",
            skus=[],
        ),
    }[via]
    with pytest.raises(CampaignRuleError) as exc:
        empty()
    assert str(exc.value) == ERROR_NEEDS_PRODUCTS.format(status="live")
    assert str(exc.value).startswith("A live campaign needs at least one product")
    assert exc.value.field == "skus"
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE
    assert campaign.objective == "Find B2 dogs."
    assert selectors.campaign_skus(campaign=campaign) == [CDV25]
    assert selectors.signoff_state(campaign=campaign).complete


def test_a_campaign_in_co_creation_may_drop_its_products(org, products):
    campaign = make_campaign(org, skus=[products[CDV25]])
    services.campaign_products_set(campaign=campaign, user=org.users[Role.MARKETING], products=[])
    assert selectors.campaign_skus(campaign=campaign) == []


def test_brief_and_products_saved_together_are_one_new_version(org, products, campaign):
    campaign = ready_and_signed(org, campaign)
    before = campaign.content_version
    campaign = services.campaign_brief_update(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        expected_edit_version=campaign.edit_version,
        objective="Find more B2 dogs.",
        skus=[products[CDV25], products[CDV5]],
    )
    assert campaign.content_version == before + 1
    reasons = {s.void_reason for s in selectors.signoff_state(campaign=campaign).voided}
    assert len(reasons) == 1
    assert reasons.pop().startswith(
        f"Brief edited; Products counted changed (added {CDV25}, {CDV5})"
    )


def test_a_stale_products_save_is_refused(org, products, campaign):
    loaded = campaign.edit_version
    services.campaign_brief_update(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        expected_edit_version=loaded,
        why="Someone else's save.",
    )
    with pytest.raises(StaleEdit):
        services.campaign_products_set(
            campaign=campaign,
            user=org.users[Role.MARKETING],
            products=[products[CDV25]],
            expected_edit_version=loaded,
        )
    assert selectors.campaign_skus(campaign=campaign) == []


def test_products_are_found_by_sku_and_an_unknown_one_is_named(products):
    assert [p.sku for p in selectors.products_with_skus(skus=[CDV5, CDV25])] == [CDV25, CDV5]
    with pytest.raises(LookupError, match="No product with SKU NOPE-1"):
        selectors.products_with_skus(skus=[CDV25, "NOPE-1"])


def test_a_product_is_named_by_its_line_strength_and_pack(products):
    assert products[CDV25].label == "Cardivance — 2.5 mg × 100 (CDV-0250-100)"
    products[RNL].family = ""
    assert products[RNL].label == "Renalis 1 mg x 30 (RNL-0100-030)"


# --- pages and API ---------------------------------------------------------------------

NEW_CAMPAIGN = {
    "name": "Heart launch",
    "product": "Pimobendan",
    "species": "Dog",
    "indication": "MMVD stage B2",
    "objective": "Find B2 dogs.",
    "why": "Because EPIC.",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
}


def _checked(html, product):
    """The product's checkbox as rendered, to see whether it is ticked."""
    match = re.search(rf'<input[^>]*value="{product.pk}"[^>]*name="skus"[^>]*>', html) or re.search(
        rf'<input[^>]*name="skus"[^>]*value="{product.pk}"[^>]*>', html
    )
    assert match, f"no checkbox for {product.sku}"
    return " checked" in match.group(0)


def _errors_beside(html, name):
    """The errors the form shows with one field (Django renders them inside its block)."""
    start = html.index(f'id="id_{name}_error">')
    return html[start : html.index("</ul>", start)]


def test_new_campaign_form_offers_the_products_by_line_and_keeps_them_on_error(
    client, org, products
):
    client.force_login(org.users[Role.MARKETING])
    url = reverse("campaigns:create")
    html = client.get(url).content.decode()
    assert "Products counted (SKUs)" in html
    assert "Cardivance — 2.5 mg × 100 (CDV-0250-100)" in html
    assert "Renalis — 1 mg × 30 (RNL-0100-030)" in html
    form = {
        **NEW_CAMPAIGN,
        "name": "",
        "marketing_lead": org.users[Role.MARKETING].pk,
        "sales_lead": org.users[Role.SALES_MANAGER].pk,
        "skus": [products[CDV25].pk, products[CDV5].pk],
    }
    response = client.post(url, form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in _errors_beside(html, "name")
    assert _checked(html, products[CDV25])
    assert _checked(html, products[CDV5])
    assert not _checked(html, products[RNL])
    assert "Find B2 dogs.</textarea>" in html

    response = client.post(url, {**form, "name": "Heart launch"}, follow=True)
    campaign = response.context["campaign"]
    assert selectors.campaign_skus(campaign=campaign) == [CDV25, CDV5]
    assert f"products counted: {CDV25}, {CDV5}" in response.content.decode()


def test_campaign_page_says_in_words_which_products_are_counted(client, org, products):
    campaign = make_campaign(org, skus=[products[CDV25], products[CDV5], products[RNL]])
    client.force_login(org.users[Role.SALES_REP])
    html = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    start = html.index('data-testid="products-counted"')
    said = " ".join(html[start : html.index("</p>", start)].split())
    assert (
        "Products counted:</strong> Cardivance: 2.5 mg × 100 (CDV-0250-100), "
        "5 mg × 100 (CDV-0500-100); Renalis: 1 mg × 30 (RNL-0100-030)."
    ) in said
    assert "Sales of these SKUs are what the campaign's KPIs and uplift count." in said


def test_campaign_page_says_when_no_products_are_chosen(client, org, campaign):
    client.force_login(org.users[Role.MARKETING])
    html = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    start = html.index('data-testid="products-counted"')
    said = " ".join(html[start : html.index("</p>", start)].split())
    assert "none chosen yet." in said
    assert "Choose them in the brief" in said


def test_brief_form_changes_the_products_and_says_so(client, org, products, campaign):
    campaign = ready_and_signed(org, campaign)
    client.force_login(org.users[Role.MARKETING])
    url = reverse("campaigns:brief_edit", args=[campaign.slug])
    html = client.get(url).content.decode()
    assert "Cardivance — 5 mg × 100 (CDV-0500-100)" in html
    assert not _checked(html, products[CDV5])
    response = client.post(
        url,
        {
            "objective": campaign.objective,
            "why": campaign.why,
            "indication": campaign.indication,
            "edit_version": campaign.edit_version,
            "skus": [products[CDV5].pk],
        },
        follow=True,
    )
    html = response.content.decode()
    assert f"Brief saved; products counted: {CDV5}." in html
    assert 'data-testid="unsigned-marketing"' in html
    assert f"Products counted changed (added {CDV5})" in html
    assert _checked(client.get(url).content.decode(), products[CDV5])


def test_brief_form_refuses_to_empty_a_live_campaign_beside_the_field(
    client, org, products, campaign
):
    services.campaign_products_set(
        campaign=campaign, user=org.users[Role.MARKETING], products=[products[CDV25]]
    )
    campaign = live(org, campaign)
    client.force_login(org.users[Role.MARKETING])
    response = client.post(
        reverse("campaigns:brief_edit", args=[campaign.slug]),
        {
            "objective": "A new objective.",
            "why": campaign.why,
            "indication": campaign.indication,
            "edit_version": campaign.edit_version,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "A live campaign needs at least one product" in _errors_beside(html, "skus")
    assert "A new objective.</textarea>" in html
    assert not _checked(html, products[CDV25])
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE
    assert selectors.campaign_skus(campaign=campaign) == [CDV25]


@pytest.mark.parametrize("role", list(Role))
def test_only_marketing_changes_the_products(client, org, products, campaign, role):
    client.force_login(org.users[role])
    response = client.post(
        reverse("campaigns:brief_edit", args=[campaign.slug]),
        {
            "objective": campaign.objective,
            "why": campaign.why,
            "indication": campaign.indication,
            "edit_version": campaign.edit_version,
            "skus": [products[RNL].pk],
        },
    )
    allowed = role == Role.MARKETING
    assert response.status_code == (302 if allowed else 403)
    assert selectors.campaign_skus(campaign=campaign) == ([RNL] if allowed else [])


def test_api_gives_each_campaign_its_skus(client, org, products):
    campaign = make_campaign(org, skus=[products[CDV5], products[CDV25]])
    make_campaign(org, name="Other launch")
    client.force_login(org.users[Role.SALES_REP])
    detail = client.get(reverse("api:campaign_detail", kwargs={"slug": campaign.slug})).json()
    assert detail["skus"] == [CDV25, CDV5]
    listed = {c["slug"]: c["skus"] for c in client.get(reverse("api:campaign_list")).json()}
    assert listed == {campaign.slug: [CDV25, CDV5], "other-launch": []}


def test_demo_campaign_counts_the_skus_it_is_given(org, products):
    people = DemoPeople(
        marketing_lead=org.users[Role.MARKETING],
        sales_lead=org.users[Role.SALES_MANAGER],
        reviewer=org.users[Role.REVIEWER],
        field_vet=org.users[Role.FIELD_VET],
        reps=[org.users[Role.SALES_REP], org.other_rep],
    )
    campaign = demo_campaign_load(
        people=people,
        start=dt.date(2025, 6, 1),
        end=dt.date(2026, 5, 31),
        units_baseline=None,
        skus=[CDV5, CDV25],
    )
    assert campaign.status == CampaignStatus.LIVE
    assert selectors.campaign_skus(campaign=campaign) == [CDV25, CDV5]
    assert selectors.signoff_state(campaign=campaign).complete
