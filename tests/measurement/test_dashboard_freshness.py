"""Dashboards are computed once per scope and data version and stored: each kind of
write shows on the next request, a rep's stored dashboard is not reused for anyone else,
and an activity in another territory does not make a rep's dashboard be recomputed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.field import services as field_services
from onevoice.measurement import sales
from onevoice.measurement.kpis import kpi_values_compute
from onevoice.measurement.models import DashboardSnapshot
from tests.field.factories import clinic, vet
from tests.measurement.kpi_world import aware, kpi_world
from tests.measurement.test_dashboards import chart_csv, csv_rows, get

END = "2026-06-30"


@pytest.fixture
def world(org, tmp_path, settings):
    w = kpi_world(org, tmp_path, settings)
    # A target clinic of the rep's territory that nobody has reached yet.
    w.elm = clinic(org, code="E", name="Elm Vets")
    w.elm_vet = vet(w.elm)
    return w


def coverage(client, user, kind="territory"):
    rows = csv_rows(chart_csv(client, user, kind, "coverage", end=END))
    return {r["territory"]: (int(r["reached"]), int(r["trained"])) for r in rows}


def trainings(client, user):
    rows = csv_rows(chart_csv(client, user, "territory", "trainings", end=END))
    return sum(int(r["trainings"]) for r in rows)


def units(client, user):
    rows = csv_rows(chart_csv(client, user, "territory", "sales_by_month", end=END))
    return sum(float(r["units"]) for r in rows)


def test_an_activity_shows_at_once(world, org, client):
    rep = org.users[Role.SALES_REP]
    assert coverage(client, rep)["N1"] == (2, 2)  # A and B reached and trained; Elm not
    field_services.activity_log(
        by=rep, clinic=world.elm, kind="visit", occurred_at=aware(dt.date(2026, 1, 5))
    )
    assert coverage(client, rep)["N1"] == (3, 2)


def test_a_training_shows_at_once(world, org, client):
    rep = org.users[Role.SALES_REP]
    before = trainings(client, rep)
    field_services.training_log(
        by=rep,
        rep=rep,
        clinic=world.elm,
        date=dt.date(2026, 1, 12),
        attendees=[world.elm_vet],
        format="in_clinic",
    )
    assert trainings(client, rep) == before + 1
    assert coverage(client, rep)["N1"] == (3, 3)


def test_a_vet_added_to_a_training_elsewhere_shows_at_once(world, org, client):
    """Attendance is bulk-written inside the service; the audit row carries the change."""
    rep = org.users[Role.SALES_REP]
    host = vet(world.clinics["C"])
    webinar = field_services.training_log(
        by=rep,
        rep=rep,
        clinic=world.clinics["C"],
        date=dt.date(2026, 1, 12),
        attendees=[host],
        format="webinar",
    )
    assert coverage(client, rep)["N1"] == (2, 2)
    field_services.training_update(
        training=webinar, by=rep, changes={}, attendees=[host, world.elm_vet]
    )
    assert coverage(client, rep)["N1"] == (3, 3)


def test_a_sales_import_and_its_rollback_show_at_once(world, org, client, tmp_path):
    rep = org.users[Role.SALES_REP]
    before = units(client, rep)
    path = tmp_path / "more.csv"
    path.write_text("clinic_id,date,sku,units,net_revenue,currency\nE,2026-02-03,SKU-1,7,210,EUR\n")
    report = sales.sales_import(path=path, user=org.users[Role.ANALYST])
    assert units(client, rep) == before + 7
    batch = sales.SalesBatch.objects.get(batch_id=report.batch_id)
    sales.sales_batch_rollback(batch=batch, user=org.users[Role.ANALYST])
    assert units(client, rep) == before


def kpi_board_value(client, user, code):
    html = get(client, user, "measurement:dashboard_marketing").content.decode()
    row = re.search(rf'data-kpi="{code}">(.*?)</tr>', html, re.S)
    assert row is not None
    return row.group(1)


def test_a_stored_kpi_value_shows_at_once(world, org, client):
    mkt = org.users[Role.MARKETING]
    assert "Not computed yet" in kpi_board_value(client, mkt, "customer_trainings_held")
    kpi_values_compute(campaign=world.campaign, user=mkt, as_of=dt.date(2025, 12, 31))
    assert "Not computed yet" not in kpi_board_value(client, mkt, "customer_trainings_held")


def test_a_reps_stored_dashboard_is_theirs_alone(world, org, client):
    north, south = org.users[Role.SALES_REP], org.other_rep
    assert set(coverage(client, north)) == {"N1"}
    assert set(coverage(client, south)) == {"S1"}
    html = get(client, south, "measurement:dashboard_territory").content.decode()
    assert "Alder Vets" not in html
    assert "N1 North one" not in html


def stored():
    return {s.key: s.version for s in DashboardSnapshot.objects.all()}


def test_an_activity_elsewhere_does_not_recompute_a_reps_dashboard(world, org, client):
    north, south = org.users[Role.SALES_REP], org.other_rep
    url = reverse("measurement:dashboard_territory")
    client.force_login(north)
    assert client.get(url).status_code == 200
    first = stored()
    assert len(first) == 1
    field_services.activity_log(
        by=south,
        clinic=world.clinics["D"],
        kind="call",
        occurred_at=aware(dt.date(2026, 1, 6)),
    )
    client.force_login(north)
    assert client.get(url).status_code == 200
    assert stored() == first  # read back, not recomputed
    field_services.activity_log(
        by=north, clinic=world.elm, kind="call", occurred_at=aware(dt.date(2026, 1, 6))
    )
    assert client.get(url).status_code == 200
    assert stored() != first
