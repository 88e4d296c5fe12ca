"""The co-creation flow in a real browser: marketing drafts, a rep raises an objection,
marketing answers, the reviewer approves, both leads sign, the campaign goes live; then
an edit voids the sign-offs. The campaign counts the first product of the portfolio."""

from __future__ import annotations

import pytest

from onevoice.accounts.choices import Role
from onevoice.measurement.demo_load import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def _login(browser, server, username):
    page = browser.new_context().new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator('[data-testid="home"]').wait_for()
    return page


def _choose(page, select, username):
    value = page.eval_on_selector(
        select,
        "(el, u) => [...el.options].find(o => o.text.endsWith('(' + u + ')')).value",
        username,
    )
    page.select_option(select, value)


def _open_and_submit(page, action_part, fields):
    form = page.locator(f"form[action*='{action_part}']").first
    details = form.locator("xpath=ancestor::details[1]")
    if details.count():
        details.locator("summary").first.click()
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()


def test_co_create_sign_go_live_then_an_edit_voids_the_sign_offs(server, browser, demo_home):
    logins = demo_home[1]
    mkt = _login(browser, server, logins[Role.MARKETING])
    mkt.goto(server + "/campaigns/new/")
    for name, value in {
        "name": "E2E B2 campaign",
        "product": "Pimobendan",
        "species": "Dog",
        "indication": "MMVD stage B2",
        "objective": "Find B2 dogs on radiographs.",
        "why": "Because **EPIC** showed 15 months.",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }.items():
        mkt.fill(f"[name={name}]", value)
    _choose(mkt, "select[name=marketing_lead]", logins[Role.MARKETING])
    _choose(mkt, "select[name=sales_lead]", logins[Role.SALES_MANAGER])
    first_sku = mkt.locator("input[name=skus]").first
    first_sku.check()
    sku = first_sku.locator("xpath=..").inner_text().rsplit("(", 1)[1].rstrip(")")
    mkt.click("main button[type=submit]")
    status = mkt.locator('[data-testid="campaign-status"]')
    assert status.inner_text() == "Draft"
    counted = mkt.locator('[data-testid="products-counted"]').inner_text()
    assert f"({sku})" in counted
    assert "Sales of these SKUs are what the campaign's KPIs and uplift count." in counted
    campaign_url = mkt.url.split("#")[0]
    mkt.click('[data-testid="transition-co_creation"]')
    assert status.inner_text() == "Co-creation"
    _open_and_submit(
        mkt, "/messages/new/", {"title": "15 more months", "text": "EPIC: 1228 vs 766 days."}
    )
    _open_and_submit(
        mkt, "/evidence/", {"citation": "Boswood 2016 (EPIC)", "excerpt": "1228 vs 766 days"}
    )

    rep = _login(browser, server, logins[Role.SALES_REP])
    rep.goto(campaign_url)
    _open_and_submit(
        rep, "/objections/new/", {"text": "Clients won't pay while the dog looks fine."}
    )
    assert rep.locator('[data-testid="objection"]', has_text="looks fine").count() == 1

    mkt.goto(campaign_url)
    mkt.locator('[data-testid="objection"]', has_text="looks fine").locator(
        "text=Answer it"
    ).click()
    mkt.fill("[name=text]", "Treating at B2 bought about 15 months before heart failure.")
    mkt.click("main button[type=submit]")
    objection = mkt.locator('[data-testid="objection"]', has_text="looks fine")
    objection.locator("summary", has_text="Add evidence to the response").click()
    objection.locator("[name=citation]").fill("Boswood 2016 (EPIC)")
    objection.locator("[name=excerpt]").fill("approximately 15 months")
    objection.locator("button", has_text="Add evidence").click()

    reviewer = _login(browser, server, logins[Role.REVIEWER])
    reviewer.goto(campaign_url)
    reviewer.locator('[data-testid="message"]', has_text="15 more months").locator(
        '[data-testid="approve-message"]'
    ).click()
    reviewer.locator('[data-testid="objection"]', has_text="looks fine").locator(
        '[data-testid="approve-response"]'
    ).click()
    assert (
        reviewer.locator('[data-testid="objection"]', has_text="looks fine")
        .locator(".status-approved")
        .count()
        == 1
    )

    # The rep now sees the approved answer: an objection card.
    rep.goto(campaign_url)
    assert (
        "bought about 15 months"
        in rep.locator('[data-testid="objection"]', has_text="looks fine").inner_text()
    )

    mkt.goto(campaign_url)
    form = mkt.locator("form[action*='/kpis/']")
    form.locator("xpath=ancestor::details[1]").locator("summary").click()
    form.locator("[name=code]").select_option("vets_trained")
    form.locator("[name=baseline]").fill("0")
    form.locator("[name=target]").fill("100")
    form.locator("[name=due_date]").fill("2026-12-31")
    form.locator("input[name=owners][value=marketing]").check()
    form.locator("input[name=owners][value=sales]").check()
    form.locator("button[type=submit]").click()
    mkt.click('[data-testid="transition-ready"]')
    assert status.inner_text() == "Ready"
    mkt.click('[data-testid="sign"]')
    assert mkt.locator('[data-testid="signed-marketing"]').count() == 1

    lead = _login(browser, server, logins[Role.SALES_MANAGER])
    lead.goto(campaign_url)
    lead.click('[data-testid="sign"]')
    assert lead.locator('[data-testid="signed-sales"]').count() == 1
    lead.click('[data-testid="transition-live"]')
    assert lead.locator('[data-testid="campaign-status"]').inner_text() == "Live"

    # A later edit makes a new version and voids both sign-offs, visibly, with the reason.
    mkt.goto(campaign_url)
    mkt.click("text=Edit >> nth=0")
    mkt.fill("[name=objective]", "Find more B2 dogs on radiographs.")
    mkt.click("main button[type=submit]")
    assert mkt.locator('[data-testid="campaign-status"]').inner_text() == "Ready"
    assert mkt.locator('[data-testid="unsigned-marketing"]').count() == 1
    assert mkt.locator('[data-testid="unsigned-sales"]').count() == 1
    assert "Brief edited" in mkt.locator('[data-testid="voided"]').inner_text()
