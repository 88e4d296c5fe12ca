"""KPI values against hand-computed numbers on ``kpi_world``, the status rule, storage,
the scheduled command, and the KPI board as marketing sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.campaigns import kpi_catalogue
from onevoice.measurement import kpis
from onevoice.measurement.choices import KpiStatus
from onevoice.measurement.facts import Facts, Scope
from onevoice.measurement.models import KpiValue
from tests.measurement.kpi_world import kpi_world, stored_uplift

END_2025 = dt.date(2025, 12, 31)


@pytest.fixture
def world(org, tmp_path, settings):
    return kpi_world(org, tmp_path, settings)


def values(world, org, *, as_of, role=Role.MARKETING, **filters):
    scope = Scope(
        campaign=world.campaign,
        viewer=org.users[role],
        start=world.campaign.start_date,
        end=as_of,
        **filters,
    )
    facts = Facts(scope)
    return {code: kpis.kpi_measure(code, facts).value for code in kpis.REGISTRY}


def test_every_catalogue_kpi_has_a_computation():
    assert set(kpis.REGISTRY) == set(kpi_catalogue.BY_CODE)


def test_kpis_by_the_end_of_2025(world, org):
    stored_uplift(world.campaign, estimate=0.123)
    got = values(world, org, as_of=END_2025)
    assert got == {
        # T2 (A), T3 (D), T4 (webinar at C); T1 was before the campaign.
        "customer_trainings_held": 3.0,
        # a1, a2 at T2; d1 at T3; c1 and b1 at T4.
        "vets_trained": 5.0,
        # Targets A (T2), B (a visit and b1 at the webinar), D (T3); C is no target.
        "clinics_reached": 3.0,
        # A 5 + B 3 + C 1 within the campaign; A's January pack was before it.
        "units_sold": 9.0,
        # B first bought in August 2025; D's first purchase is in 2026.
        "newly_prescribing_clinics": 1.0,
        # One of the two enrolled reps, certified on 1 November 2025.
        "reps_certified": 50.0,
        "prework_completed": 50.0,
        "causal_uplift": 12.3,
    }


def test_kpis_earlier_in_the_campaign(world, org):
    got = values(world, org, as_of=dt.date(2025, 8, 15))
    assert got["customer_trainings_held"] == 1.0
    assert got["vets_trained"] == 2.0
    assert got["clinics_reached"] == 2.0  # A trained, B visited
    assert got["units_sold"] == 8.0  # A 5 in July + B 3 in August
    assert got["reps_certified"] == 0.0
    assert got["causal_uplift"] is None  # no analysis yet


def test_kpis_in_2026_count_dogwoods_first_purchase(world, org):
    got = values(world, org, as_of=dt.date(2026, 2, 1))
    assert got["newly_prescribing_clinics"] == 2.0
    assert got["units_sold"] == 13.0


def test_a_manager_counts_only_the_team_and_a_region_filter_narrows(world, org):
    team = values(world, org, as_of=END_2025, role=Role.SALES_MANAGER)
    assert team["customer_trainings_held"] == 2.0  # T2 and T4 in N1; D is in S1
    assert team["vets_trained"] == 4.0
    assert team["clinics_reached"] == 2.0
    assert team["reps_certified"] == 100.0  # the team's only enrolled rep is certified
    south = values(world, org, as_of=END_2025, region="S")
    assert south["customer_trainings_held"] == 1.0
    assert south["units_sold"] == 0.0
    assert south["causal_uplift"] is None  # the uplift is for the whole campaign only
    independents = values(world, org, as_of=END_2025, segment="referral_hospital")
    assert independents["units_sold"] == 1.0


def test_missing_data_give_no_value_and_say_why(org, tmp_path, settings):
    from tests.campaigns.conftest import make_campaign

    settings.SALES_DATASET_DIR = tmp_path / "sales"
    campaign = make_campaign(org)
    facts = Facts(
        Scope(
            campaign=campaign,
            viewer=org.users[Role.MARKETING],
            start=campaign.start_date,
            end=END_2025,
        )
    )
    assert kpis.kpi_measure("units_sold", facts).note == kpis.NOTE_NO_SALES
    assert kpis.kpi_measure("reps_certified", facts).note == kpis.NOTE_NO_PROGRAM
    assert kpis.kpi_measure("causal_uplift", facts).note == kpis.NOTE_NO_UPLIFT


START, DUE = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
HALFWAY = dt.date(2025, 7, 2)  # 182 of 364 days: the plan expects half the way


@pytest.mark.parametrize(
    ("value", "cumulative", "baseline", "as_of", "status", "expected"),
    [
        (45, True, 500, HALFWAY, KpiStatus.ON_TRACK, 50),  # 90% of the expected 50
        (44, True, 500, HALFWAY, KpiStatus.AT_RISK, 50),
        (100, True, 0, HALFWAY, KpiStatus.ACHIEVED, 50),
        (99, True, 0, DUE, KpiStatus.MISSED, 100),
        # Level KPIs start from their baseline: 20 + (100 - 20) / 2 = 60 expected; 90% of
        # the 40 expected progress is 36, so 56 is on track and 55 at risk.
        (56, False, 20, HALFWAY, KpiStatus.ON_TRACK, 60),
        (55, False, 20, HALFWAY, KpiStatus.AT_RISK, 60),
        (None, False, 20, HALFWAY, KpiStatus.NO_DATA, 60),
        (0, True, 0, START, KpiStatus.ON_TRACK, 0),  # nothing expected on day one
    ],
)
def test_status_rule(value, cumulative, baseline, as_of, status, expected):
    got, exp = kpis.kpi_status(
        value=value,
        baseline=baseline,
        target=100,
        start=START,
        due=DUE,
        as_of=as_of,
        cumulative=cumulative,
    )
    assert got == status
    assert exp == pytest.approx(expected)


def test_values_are_stored_with_inputs_and_the_board_shows_status_and_trend(world, org, client):
    kpis.kpi_values_compute(campaign=world.campaign, as_of=dt.date(2025, 8, 15))
    kpis.kpi_values_compute(campaign=world.campaign, as_of=END_2025, user=org.users[Role.MARKETING])
    latest = KpiValue.objects.filter(code="customer_trainings_held").order_by("-as_of").first()
    assert latest.value == 3.0
    assert latest.inputs["by_format"] == {"in_clinic": 2, "webinar": 1}
    assert latest.inputs["with_field_vet"] == 1
    assert latest.computed_by == org.users[Role.MARKETING]
    # 3 of 6 planned trainings with 213 of 547 days gone: on track.
    assert latest.status == KpiStatus.ON_TRACK
    units = KpiValue.objects.get(code="units_sold", as_of=END_2025)
    assert units.inputs["sales_batches"]
    assert units.inputs["skus"] == ["SKU-1"]
    board = {row.target.code: row for row in kpis.kpi_board(campaign=world.campaign)}
    assert board["customer_trainings_held"].trend == 2.0
    assert board["clinics_reached"].latest.status == KpiStatus.ACHIEVED
    client.force_login(org.users[Role.MARKETING])
    html = client.get(
        reverse("measurement:dashboard_marketing") + f"?campaign={world.campaign.slug}"
    ).content.decode()
    assert 'data-kpi="customer_trainings_held"' in html
    assert "On track" in html
    assert "Achieved" in html
    assert "+2" in html  # the trend since August


def test_scheduled_command_computes_live_campaigns_and_backfills(world, capsys):
    from onevoice.campaigns.choices import CampaignStatus

    type(world.campaign).objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.LIVE)
    call_command("kpis_compute", "--as-of", "2025-12-31", "--backfill")
    out = capsys.readouterr().out
    assert "customer_trainings_held = 3 (On track)" in out
    # June..December month ends, then the day itself; the uplift has no past values.
    assert KpiValue.objects.filter(code="vets_trained").count() == 8
    # A past day: the uplift and pre-work KPIs have only today's value; none is stored.
    assert KpiValue.objects.filter(code="causal_uplift").count() == 0
    assert KpiValue.objects.filter(code="prework_completed").count() == 0
    with pytest.raises(CommandError, match="no campaign with id or slug 'nope'"):
        call_command("kpis_compute", "--campaign", "nope")


def test_marketing_computes_on_request_from_the_board(world, org, client):
    client.force_login(org.users[Role.MARKETING])
    url = reverse("measurement:kpis_compute", args=[world.campaign.slug])
    response = client.post(url)
    assert response.status_code == 302
    assert KpiValue.objects.filter(campaign=world.campaign, trigger="request").count() == 8
    client.force_login(org.users[Role.SALES_REP])
    assert client.post(url).status_code == 403


def test_a_kpi_of_today_only_says_so_for_a_past_day(world, org):
    stored_uplift(world.campaign, estimate=0.2)
    scope = Scope(
        campaign=world.campaign,
        viewer=org.users[Role.MARKETING],
        start=world.campaign.start_date,
        end=END_2025,
    )
    measure = kpis.kpi_measure("causal_uplift", Facts(scope))
    assert measure.value == 20.0
    assert measure.note == kpis.NOTE_NOT_HISTORICAL
    assert kpis.kpi_measure("vets_trained", Facts(scope)).note == ""


@pytest.mark.parametrize(
    ("estimate", "lower", "status"),
    [
        (14.7, 10.0, KpiStatus.ACHIEVED),  # the whole 95% interval reaches the 10% target
        (14.7, 9.9, KpiStatus.LIKELY),  # the estimate does, the interval does not
        (10.0, -2.0, KpiStatus.LIKELY),
        (9.9, 4.0, KpiStatus.NOT_SHOWN),  # the estimate itself falls short
        (12.0, 11.0, KpiStatus.ACHIEVED),
    ],
)
def test_an_estimate_is_achieved_only_when_its_interval_reaches_the_target(estimate, lower, status):
    # Before or after the due date alike: an uplift is judged by its interval.
    for as_of in (HALFWAY, DUE):
        got, _ = kpis.kpi_status(
            value=estimate,
            baseline=0,
            target=10,
            start=START,
            due=DUE,
            as_of=as_of,
            cumulative=False,
            lower=lower,
        )
        assert got == status
