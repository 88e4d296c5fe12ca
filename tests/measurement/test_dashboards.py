"""Dashboards through the real HTTP client: each role sees its own clinics and reps,
filters narrow the numbers, every chart's numbers download as CSV, pages stay within a
fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.campaigns import services as campaign_services
from onevoice.campaigns.choices import Decision, Function
from onevoice.field import services as field_services
from onevoice.measurement import dashboards
from tests.field.factories import clinic
from tests.measurement.kpi_world import aware, kpi_world


@pytest.fixture
def world(org, tmp_path, settings):
    w = kpi_world(org, tmp_path, settings)
    mkt = org.users[Role.MARKETING]
    asset = campaign_services.asset_create(
        campaign=w.campaign, user=mkt, title="VHS pocket guide", kind="leave_behind", body="VHS"
    )
    version = asset.versions.get()
    for function, user in (
        (Function.MARKETING, mkt),
        (Function.SALES, org.users[Role.SALES_MANAGER]),
        (Function.REVIEWER, org.users[Role.REVIEWER]),
    ):
        campaign_services.asset_decide(
            version=version, user=user, function=function, decision=Decision.APPROVE
        )
    field_services.activity_log(
        by=org.users[Role.SALES_REP],
        clinic=w.clinics["A"],
        kind="visit",
        occurred_at=aware(dt.date(2025, 11, 3)),
        campaign=w.campaign,
        asset_versions=[version.__class__.objects.get(pk=version.pk)],
        objections=[w.t.objection],
    )
    return w


def get(client, user, name, **params):
    client.force_login(user)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(reverse(name) + (f"?{query}" if query else ""))


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def chart_csv(client, user, kind, chart, **params):
    client.force_login(user)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    url = reverse("measurement:dashboard_csv", args=[kind, chart])
    return client.get(url + (f"?{query}" if query else ""))


def spec(html, name):
    """The Vega-Lite spec the page embeds for chart ``name``."""
    match = re.search(rf'<script id="spec-{name}" type="application/json">(.*?)</script>', html)
    assert match, f"no chart {name}"
    return json.loads(match.group(1))


def test_a_manager_sees_the_team_and_downloads_its_numbers(world, org, client):
    manager = org.users[Role.SALES_MANAGER]
    response = get(client, manager, "measurement:dashboard_sales", campaign=world.campaign.slug)
    html = response.content.decode()
    assert response.status_code == 200
    coverage = html[html.index('data-testid="coverage"') :]
    assert "N1 North one" in coverage
    assert "S1" not in coverage
    # Readiness of the team's only enrolled rep; rep_south is another manager's.
    readiness = html[html.index('data-testid="readiness"') :]
    assert org.users[Role.SALES_REP].get_full_name() in readiness
    assert "rep_south" not in readiness
    trainings = spec(html, "trainings")["data"]["values"]
    assert {r["territory"] for r in trainings} == {"N1"}
    rows = csv_rows(chart_csv(client, manager, "sales", "trainings", campaign=world.campaign.slug))
    assert rows == [
        {"month": "2025-07-01", "territory": "N1", "trainings": "1"},
        {"month": "2025-10-01", "territory": "N1", "trainings": "1"},
    ]
    later = csv_rows(
        chart_csv(client, manager, "sales", "trainings", start="2025-09-01", end="2025-12-31")
    )
    assert later == [{"month": "2025-10-01", "territory": "N1", "trainings": "1"}]
    sales = csv_rows(chart_csv(client, manager, "sales", "sales_by_territory"))
    assert [(r["territory"], r["units_before_per_month"]) for r in sales] == [("N1", "0.83")]


def test_a_manager_cannot_ask_for_another_region(world, org, client):
    response = get(client, org.users[Role.SALES_MANAGER], "measurement:dashboard_sales", region="S")
    assert response.status_code == 403


def test_a_rep_sees_only_their_territory(world, org, client):
    rep = org.users[Role.SALES_REP]
    html = get(client, rep, "measurement:dashboard_territory").content.decode()
    assert 'data-kind="territory"' in html
    assert "N1 North one" in html
    assert "S1 South one" not in html
    months = csv_rows(chart_csv(client, rep, "territory", "sales_by_month"))
    # A's 10 packs in January 2025 and the N1 clinics' sales since; never D's.
    assert sum(float(r["units"]) for r in months) == 19.0
    assert get(client, rep, "measurement:dashboard_territory", territory="S1").status_code == 403
    assert get(client, rep, "measurement:dashboard_marketing").status_code == 403
    assert chart_csv(client, rep, "sales", "trainings").status_code == 403


def test_marketing_sees_objections_asset_use_and_filtered_kpis(world, org, client):
    mkt = org.users[Role.MARKETING]
    html = get(
        client, mkt, "measurement:dashboard_marketing", region="S", end="2025-12-31"
    ).content.decode()
    live = html[html.index('data-testid="kpi-selection"') :]
    cell = re.search(
        r'data-kpi-live="customer_trainings_held"><td>[^<]*</td><td class="num">([^<]*)<', live
    )
    assert cell is not None
    assert cell.group(1) == "1"  # only Dogwood's training is in the South
    reach = csv_rows(chart_csv(client, mkt, "marketing", "reach", end="2025-12-31"))
    october = {r["measure"]: r["count"] for r in reach if r["month"] == "2025-10-01"}
    # The webinar at Cedar: one training, c1 and b1 trained, Cedar and Birch trained first.
    assert october == {
        "Customer trainings": "1",
        "Vets trained": "2",
        "Clinics trained for the first time": "2",
    }
    heard = csv_rows(chart_csv(client, mkt, "marketing", "objections", end="2025-12-31"))
    assert heard == [
        {"month": "2025-11-01", "objection": "Too dear for a healthy dog.", "times_heard": "1"}
    ]
    # The use is recorded when the rep logs it (today), so the period runs to today.
    uses = csv_rows(chart_csv(client, mkt, "marketing", "asset_use", end="2099-12-31"))
    assert [(r["asset"], r["uses"]) for r in uses] == [("VHS pocket guide", "1")]
    in_south = csv_rows(
        chart_csv(client, mkt, "marketing", "asset_use", region="S", end="2099-12-31")
    )
    assert in_south == []


def test_each_role_lands_on_its_dashboard(world, org, client):
    for role, kind in (
        (Role.SALES_REP, "territory"),
        (Role.SALES_MANAGER, "sales"),
        (Role.MARKETING, "marketing"),
        (Role.ANALYST, "marketing"),
    ):
        response = get(client, org.users[role], "measurement:dashboards")
        assert response["Location"] == reverse(f"measurement:dashboard_{kind}"), role


@pytest.mark.parametrize("kind", ["marketing", "sales", "territory"])
def test_dashboards_take_a_bounded_number_of_queries(
    world, org, client, kind, django_assert_max_num_queries
):
    for n in range(15):
        clinic(org, code=f"X{n}", name=f"Extra {n}")
    client.force_login(org.users[Role.MARKETING])
    with django_assert_max_num_queries(40):
        response = client.get(reverse(f"measurement:dashboard_{kind}"))
    assert response.status_code == 200


def test_many_territories_are_charted_by_region_and_every_one_downloads(
    world, org, client, monkeypatch
):
    """Head office's thousands of territories: the charts group them by region, the
    tables show the highest and lowest, and the CSVs keep every territory and rep."""
    monkeypatch.setattr(dashboards, "MANY", 1)
    monkeypatch.setattr(dashboards, "EXTREMES_SHOWN", 1)
    mkt = org.users[Role.MARKETING]
    html = get(client, mkt, "measurement:dashboard_sales", end="2026-06-30").content.decode()
    for name in ("sales_by_month", "sales_by_territory", "coverage", "trainings"):
        drawn = spec(html, name)["data"]["values"]
        assert {r["region"] for r in drawn} == {"N", "S"}, name
        assert all("territory" not in r for r in drawn), name
        rows = csv_rows(chart_csv(client, mkt, "sales", name, end="2026-06-30"))
        assert {r["territory"] for r in rows} == {"N1", "S1"}, name
    assert 'data-testid="coverage-extremes"' in html
    highest = html[
        html.index('data-testid="coverage"') : html.index('data-testid="coverage-lowest"')
    ]
    lowest = html[html.index('data-testid="coverage-lowest"') :]
    # Both have every target clinic reached and trained by then: the code decides.
    assert "S1 South one" in highest
    assert "N1 North one" not in highest
    assert "N1 North one" in lowest.split("</table>")[0]
    readiness = csv_rows(chart_csv(client, mkt, "sales", "readiness", end="2026-06-30"))
    assert len(readiness) == 2
    assert 'data-testid="readiness-extremes"' in html
    assert {r["team"] for r in spec(html, "readiness")["data"]["values"]} <= {
        r["team"] for r in readiness
    }
