"""A rep logs a customer training with attendees for the live campaign, then uses the VHS
calculator with a vet."""

from __future__ import annotations

import pytest

from onevoice.accounts.choices import Role
from onevoice.measurement.demo_load import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_rep_logs_a_training_with_attendees_then_measures_a_vhs(server, browser, demo_home):
    rep = demo_home[1][Role.SALES_REP]
    page = browser.new_context().new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", rep)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator('[data-testid="home"]').wait_for()

    page.goto(server + "/field/clinics/")
    page.locator('[data-testid="clinic-table"] tbody tr a').first.click()
    page.click("text=Log a customer training")
    # The demo's live campaign is preselected: the training counts in its uplift.
    campaign = page.locator("select[name=campaign] option:checked").inner_text().strip()
    assert page.locator("select[name=campaign]").input_value()
    page.fill("input[name=date]", "2026-11-20")
    page.select_option("select[name=format]", "in_clinic")
    boxes = page.locator("input[name=attendees]")
    assert boxes.count() >= 1
    names = []
    for i in range(min(2, boxes.count())):
        boxes.nth(i).check()
        names.append(
            page.locator(f"label:has(input[name=attendees]) >> nth={i}").inner_text().strip()
        )
    page.fill("input[name=topic]", "VHS on lateral radiographs")
    page.click("main button[type=submit]")
    attendees = page.locator('[data-testid="attendees"]')
    attendees.wait_for()
    for name in names:
        assert name.split(" (")[0].strip() in attendees.inner_text()
    assert campaign in page.locator('[data-testid="campaign"]').inner_text()

    page.goto(server + "/clinical/vhs/")
    page.fill("#id_long_axis", "5.8")
    page.fill("#id_short_axis", "4.6")
    page.locator("main button[type=submit], main input[type=submit]").first.click()
    value = page.locator('[data-testid="vhs-value"]')
    value.wait_for()
    assert value.inner_text().strip() == "10.4"
    assert page.locator('[data-testid="disclaimer"]').count() >= 1
