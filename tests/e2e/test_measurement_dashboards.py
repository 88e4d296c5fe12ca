"""Each role opens its dashboard in a real browser against the demo: the charts draw
with the vendored vega-embed (nothing fetched elsewhere) and one chart's numbers
download as CSV; marketing downloads the review's HTML."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from onevoice.accounts.choices import Role
from onevoice.measurement.demo_load import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def _login(browser: Any, server: str, username: str) -> tuple[Any, Any, set[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator('[data-testid="home"]').wait_for()
    return context, page, hosts


@pytest.mark.parametrize(
    ("role", "kind", "chart", "header"),
    [
        (Role.MARKETING, "marketing", "reach", ["month", "measure", "count"]),
        (Role.SALES_MANAGER, "sales", "trainings", ["month", "territory", "trainings"]),
        (Role.SALES_REP, "territory", "sales_by_month", ["month", "units"]),
    ],
)
def test_role_opens_its_dashboard_and_downloads_a_charts_numbers(
    server, browser, demo_home, role, kind, chart, header
):
    logins = demo_home[1]
    context, page, hosts = _login(browser, server, logins[role])
    page.click('[data-testid="nav-dashboards"]')
    board = page.locator('[data-testid="dashboard"]')
    board.wait_for()
    assert board.get_attribute("data-kind") == kind
    drawn = page.locator(f'figure[data-chart="{chart}"] div.chart[data-ready="1"]')
    drawn.wait_for(timeout=20000)
    assert drawn.locator("svg, canvas").count() >= 1
    with page.expect_download() as info:
        page.click(f'[data-testid="csv-{chart}"]')
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == header
    assert len(rows) > 1
    assert hosts == {"127.0.0.1"}
    context.close()


def test_marketing_downloads_the_review(server, browser, demo_home):
    logins = demo_home[1]
    context, page, _ = _login(browser, server, logins[Role.MARKETING])
    page.goto(server + "/measurement/dashboards/marketing/")
    page.click("text=Post-implementation review")
    page.locator('[data-testid="review"]').wait_for()
    with page.expect_download() as info:
        page.click("a:text-is('HTML')")
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert "Objectives against results" in html
    assert "<svg" in html
    context.close()


def test_a_reps_logged_call_reaches_their_dashboard_within_seconds(server, browser, demo_home):
    """After a logged activity the stored page is shown at once, saying it is being
    updated, and reloads itself with the update (computed behind it by the server)."""
    context, page, _ = _login(browser, server, demo_home[1][Role.SALES_REP])
    dashboard = server + "/measurement/dashboards/territory/"
    page.goto(dashboard)
    page.locator('[data-testid="dashboard"]').wait_for()
    stale = page.locator('[data-testid="dashboard-stale"]')
    assert stale.count() == 0
    page.goto(server + "/field/clinics/")
    clinic = page.evaluate(
        """() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
                 .find(h => /^\\/field\\/clinics\\/\\d+\\/$/.test(h))"""
    )
    assert clinic, "the rep's clinic list links no clinic"
    page.goto(server + clinic + "activities/new/")
    form = page.locator('[data-testid="activity-form"]')
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=occurred_at]").fill("2026-11-20T10:00")
    form.locator("textarea[name=summary], input[name=summary]").first.fill("Asked about the VHS.")
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "activities/new" not in url)
    page.goto(dashboard)
    assert "updating with the latest changes" in stale.inner_text()
    # The page reloads itself 3 s later with the recomputed numbers.
    stale.wait_for(state="detached", timeout=20000)
    page.locator('[data-testid="dashboard"]').wait_for()
    assert stale.count() == 0
    context.close()
