"""Dashboards are computed once per scope and data version and stored: each kind of
write shows on the next request, a rep's stored dashboard is not reused for anyone else,
and an activity in another territory does not make a rep's dashboard be recomputed. A
large scope's stale page is served, saying so, while one worker refreshes it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.field import services as field_services
from onevoice.measurement import sales, snapshots
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
        campaign=world.campaign,
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
        campaign=world.campaign,
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


# ---------------------------------------------------------------- large scopes


@pytest.fixture
def large(settings, monkeypatch):
    """Head office's two territories count as a large scope; refreshes run inline."""
    settings.DASHBOARD_REFRESH_IN_BACKGROUND = False
    monkeypatch.setattr(snapshots, "BACKGROUND_ABOVE_TERRITORIES", 1)
    monkeypatch.setattr(snapshots, "REFRESH_EVERY", dt.timedelta(0))
    builds = []
    real = snapshots.dashboard_build

    def counting(kind, facts):
        builds.append(kind)
        return real(kind, facts)

    monkeypatch.setattr(snapshots, "dashboard_build", counting)
    return builds


def north_reached(client, user, page="measurement:dashboard_sales"):
    """The rep's territory's reached target clinics as the sales page shows them, and
    whether the page says it is stale."""
    html = get(client, user, page, end=END).content.decode()
    row = re.search(
        r'<tr><td>N1 North one</td>(?:<td class="num">[^<]*</td>){2}<td class="num">(\d+)', html
    )
    assert row is not None
    return int(row.group(1)), 'data-testid="dashboard-stale"' in html


def log_at_elm(world, org):
    field_services.activity_log(
        by=org.users[Role.SALES_REP],
        clinic=world.elm,
        kind="visit",
        occurred_at=aware(dt.date(2026, 1, 5)),
    )


def test_a_large_scopes_stale_page_is_served_while_it_is_refreshed(world, org, client, large):
    mkt = org.users[Role.MARKETING]
    assert north_reached(client, mkt) == (2, False)
    log_at_elm(world, org)
    # The stored page at once, saying when it was computed; refreshed behind it.
    assert north_reached(client, mkt) == (2, True)
    assert north_reached(client, mkt) == (3, False)
    # A rep's own territory is small: their change shows on their next request.
    field_services.activity_log(
        by=org.users[Role.SALES_REP],
        clinic=world.elm,
        kind="call",
        occurred_at=aware(dt.date(2026, 1, 7)),
    )
    before = len(large)
    assert coverage(client, org.users[Role.SALES_REP])["N1"] == (3, 2)
    assert len(large) == before + 1


def test_a_stale_page_is_refreshed_by_one_worker_at_a_time(world, org, client, large):
    mkt = org.users[Role.MARKETING]
    assert north_reached(client, mkt) == (2, False)
    assert large == ["sales"]
    log_at_elm(world, org)
    # Another worker holds the lease: this one serves the stale page and computes nothing.
    row = DashboardSnapshot.objects.get()
    assert snapshots._claim(row.key, alone=True)
    assert not snapshots._claim(row.key, alone=True)
    assert north_reached(client, mkt) == (2, True)
    assert north_reached(client, mkt) == (2, True)
    assert large == ["sales"]
    # Its lease lapses (the worker died): the next request takes it and refreshes.
    DashboardSnapshot.objects.update(
        refresh_started_at=timezone.now() - snapshots.LEASE - dt.timedelta(seconds=1)
    )
    assert north_reached(client, mkt) == (2, True)
    assert large == ["sales", "sales"]
    assert north_reached(client, mkt) == (3, False)
    assert DashboardSnapshot.objects.get().refresh_started_at is None


def test_one_large_scope_is_refreshed_at_a_time_in_the_whole_installation(
    world, org, client, large
):
    mkt, analyst = org.users[Role.MARKETING], org.users[Role.ANALYST]
    assert north_reached(client, mkt) == (2, False)
    assert north_reached(client, analyst) == (2, False)
    log_at_elm(world, org)
    # Another worker is refreshing the analyst's page: marketing's waits, served stale.
    theirs = DashboardSnapshot.objects.order_by("pk").last()
    assert snapshots._claim(theirs.key, alone=True)
    assert north_reached(client, mkt) == (2, True)
    assert north_reached(client, mkt) == (2, True)
    assert large == ["sales", "sales"]
    # That refresh ends: the next request refreshes marketing's page.
    DashboardSnapshot.objects.update(refresh_started_at=None)
    assert north_reached(client, mkt) == (2, True)
    assert north_reached(client, mkt) == (3, False)
    assert large == ["sales", "sales", "sales"]


def test_a_large_scope_is_refreshed_at_most_so_often(world, org, client, large, monkeypatch):
    monkeypatch.setattr(snapshots, "REFRESH_EVERY", dt.timedelta(minutes=2))
    mkt = org.users[Role.MARKETING]
    assert north_reached(client, mkt) == (2, False)
    log_at_elm(world, org)
    assert north_reached(client, mkt) == (2, True)
    assert large == ["sales"]  # computed a moment ago: not again yet
    DashboardSnapshot.objects.update(computed_at=timezone.now() - dt.timedelta(minutes=3))
    assert north_reached(client, mkt) == (2, True)
    assert north_reached(client, mkt) == (3, False)
    assert large == ["sales", "sales"]


def test_a_csv_download_does_not_knock_out_the_stale_page(world, org, client, large):
    mkt = org.users[Role.MARKETING]
    assert north_reached(client, mkt) == (2, False)
    log_at_elm(world, org)
    rows = csv_rows(chart_csv(client, mkt, "sales", "coverage", end=END))
    assert [(r["territory"], r["reached"]) for r in rows] == [("N1", "3"), ("S1", "1")]
    # The page is still served from its snapshot (not recomputed on the request).
    assert north_reached(client, mkt) == (2, True)
    assert north_reached(client, mkt) == (3, False)


def test_a_reps_page_is_updated_at_once_behind_the_stale_one(world, org, client):
    rep = org.users[Role.SALES_REP]
    territory = "measurement:dashboard_territory"
    assert north_reached(client, rep, territory) == (2, False)
    log_at_elm(world, org)
    # Served as stored, saying it is being updated and reloading itself in a moment...
    html = get(client, rep, territory, end=END).content.decode()
    assert 'data-testid="dashboard-stale" data-reload-in="3"' in html
    assert "updating with the latest changes" in html
    # ...because it was recomputed right behind it (a small scope waits for nothing).
    assert north_reached(client, rep, territory) == (3, False)


def test_a_small_scopes_refresh_does_not_wait_for_a_large_one(world, org, client):
    rep = org.users[Role.SALES_REP]
    territory = "measurement:dashboard_territory"
    assert north_reached(client, rep, territory) == (2, False)
    # A large scope's refresh is running somewhere: it holds back other large ones only.
    DashboardSnapshot.objects.create(
        key="someone-elses",
        version="v",
        payload=b"",
        page=b"",
        refresh_started_at=timezone.now(),
        refresh_large=True,
    )
    log_at_elm(world, org)
    assert north_reached(client, rep, territory) == (2, True)
    assert north_reached(client, rep, territory) == (3, False)


@pytest.fixture
def started(settings, monkeypatch):
    """Refreshes in the background, but the process the worker would start is only
    recorded (its command line), for the test to run in this process."""
    settings.DASHBOARD_REFRESH_IN_BACKGROUND = True
    commands = []

    class Started:
        def __init__(self, command, **kwargs):
            commands.append(command)

        def wait(self):
            return 0

    monkeypatch.setattr(snapshots.subprocess, "Popen", Started)
    return commands


def test_a_large_scope_is_refreshed_by_a_separate_low_priority_process(
    world, org, client, large, started
):
    """The worker starts ``manage.py dashboard_refresh`` (here run in this process with
    the arguments the worker gave it) instead of computing in its own threads."""
    mkt = org.users[Role.MARKETING]
    assert north_reached(client, mkt) == (2, False)
    log_at_elm(world, org)
    assert north_reached(client, mkt) == (2, True)
    assert north_reached(client, mkt) == (2, True)  # leased: not started twice
    assert len(started) == 1
    command = started[0]
    assert command[:3] == ["nice", "-n", "19"]
    assert command[command.index("django") + 1] == "dashboard_refresh"
    args = command[command.index("dashboard_refresh") + 1 :]
    call_command("dashboard_refresh", *args)
    assert DashboardSnapshot.objects.filter(refresh_started_at__isnull=False).count() == 0
    assert north_reached(client, mkt) == (3, False)


def test_the_refresh_process_leaves_a_page_alone_unless_it_is_leased(world, org, client, large):
    mkt = org.users[Role.MARKETING]
    assert north_reached(client, mkt) == (2, False)
    log_at_elm(world, org)
    row = DashboardSnapshot.objects.get()
    args = ["--key", row.key, "--kind", "sales", "--user", str(mkt.pk), "--query", f"end={END}"]
    call_command("dashboard_refresh", *args)  # not leased: nothing done
    assert large == ["sales"]
    # Leased, but asked for someone who may no longer see it: released, not computed.
    assert snapshots._claim(row.key, alone=True)
    mkt.is_active = False
    mkt.save()
    call_command("dashboard_refresh", *args)
    assert large == ["sales"]
    assert DashboardSnapshot.objects.get().refresh_started_at is None


def test_a_scope_without_clinics_shows_an_empty_dashboard(world, org, client):
    """Sales are stored, but the filter leaves no clinic: nothing to group, no error."""
    rep = org.users[Role.SALES_REP]
    for name in ("territory", "sales", "marketing"):
        user = rep if name == "territory" else org.users[Role.MARKETING]
        page = get(client, user, f"measurement:dashboard_{name}", segment="corporate_group")
        assert page.status_code == 200
    rows = csv_rows(
        chart_csv(client, rep, "territory", "sales_by_month", segment="corporate_group")
    )
    assert rows == []


def test_a_query_starting_with_a_dash_reaches_the_refresh_process_whole(
    world, org, client, large, started
):
    mkt = org.users[Role.MARKETING]
    client.force_login(mkt)
    url = reverse("measurement:dashboard_sales") + f"?-x=1&end={END}"
    assert client.get(url).status_code == 200
    log_at_elm(world, org)
    assert b"dashboard-stale" in client.get(url).content
    call_command("dashboard_refresh", *started[0][started[0].index("dashboard_refresh") + 1 :])
    assert large == ["sales", "sales"]  # recomputed by the "process", lease released
    assert DashboardSnapshot.objects.get().refresh_started_at is None
    assert b"dashboard-stale" not in client.get(url).content


def test_the_sales_by_month_csv_keeps_its_columns(world, org, client):
    rows = csv_rows(
        chart_csv(client, org.users[Role.MARKETING], "sales", "sales_by_month", end=END)
    )
    assert list(rows[0]) == ["month", "territory", "units"]
