"""Log in as each role in a real browser against a real server; land on that role's home."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from onevoice.accounts.choices import Role
from onevoice.measurement.demo_load import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_demo_prints_one_login_per_role(demo_home):
    _, logins, output = demo_home
    assert set(logins) == set(Role), output
    assert DEMO_PASSWORD in output


@pytest.mark.parametrize("role", list(Role))
def test_each_role_logs_in_and_lands_on_its_home(server, browser, demo_home, role):
    logins = demo_home[1]
    context = browser.new_context()
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    page.goto(server + "/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", logins[role])
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    home = page.locator('[data-testid="home"]')
    home.wait_for()
    assert home.get_attribute("data-role") == role.value
    assert page.locator('[data-testid="role"]').inner_text() == role.label
    # Styles and scripts are vendored: the page asked nothing of any other host.
    assert hosts == {"127.0.0.1"}
    page.click("text=Log out")
    page.wait_for_url("**/accounts/login/")
    context.close()


def test_rep_sees_own_territory_from_the_simulated_launch(server, browser, demo_home):
    logins = demo_home[1]
    page = browser.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", logins[Role.SALES_REP])
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator('[data-testid="home"]').wait_for()
    rows = page.locator("table").first.locator("tbody tr")
    assert rows.count() >= 1
    page.close()
