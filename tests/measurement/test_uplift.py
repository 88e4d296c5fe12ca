"""The uplift analysis on a campaign's own data, through the page an analyst uses."""

import pytest
from django.urls import reverse

from onevoice.analytics.simulate import SimulationParams, simulate_launch
from onevoice.measurement.demo_load import demo_load, demo_sales_import
from onevoice.measurement.models import UpliftAnalysis
from onevoice.measurement.presentation import uplift_view
from onevoice.measurement.uplift import UpliftOptions, uplift_analysis_run


@pytest.fixture
def launch_loaded(db, settings, tmp_path):
    settings.SALES_DATASET_DIR = tmp_path / "sales"
    settings.ONEVOICE_HOME = tmp_path
    settings.UPLIFT_IN_BACKGROUND = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    launch = simulate_launch(SimulationParams(n_clinics=400, seed=11))
    demo_load(launch)
    demo_sales_import(launch)
    return launch


def test_analysis_recovers_the_simulated_effect_and_shows_the_naive_gap(launch_loaded):
    from onevoice.campaigns.models import Campaign

    analysis = uplift_analysis_run(
        campaign=Campaign.objects.get(), user=None, options=UpliftOptions(bootstrap=199)
    )
    assert analysis.status == "done", analysis.error
    result = analysis.result
    truth = launch_loaded.true_att_overall
    assert result["simple"]["ci_low"] <= truth <= result["simple"]["ci_high"]
    # The naive ratio is large; most of the gap is selection, not training.
    assert result["naive"]["ratio"] > 2
    view = uplift_view(analysis)
    assert view.selection_share > 0.5
    assert view.relative["estimate"] < 0.5
    assert analysis.inputs["trained_clinics"] == launch_loaded.treatment.first_trained.notna().sum()
    assert len(result["dynamic"]) > 10
    assert "band_low" in result["dynamic"][0]


def test_analyst_runs_it_from_the_page_and_others_read_it(client, launch_loaded):
    from onevoice.accounts.models import User

    analyst = User.objects.get(username="analyst")
    client.force_login(analyst)
    response = client.post(
        reverse("measurement:uplift"),
        {
            "outcome": "units",
            "freq": "month",
            "control": "notyet",
            "method": "dr",
            "adjust": "on",
            "cluster": "",
            "bootstrap": "99",
            "anticipation": "0",
        },
    )
    assert response.status_code == 302
    analysis = UpliftAnalysis.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert analysis.status == "done", analysis.error
    assert 'data-testid="naive-ratio"' in html
    assert 'data-testid="relative-uplift"' in html
    assert "spec-event" in html
    csv_body = client.get(reverse("measurement:uplift_csv", args=[analysis.pk, "dynamic"])).content
    assert csv_body.decode().splitlines()[0].startswith("event,att,se")
    marketing = User.objects.get(username="marketing")
    client.force_login(marketing)
    assert client.get(response["Location"]).status_code == 200
    assert client.post(reverse("measurement:uplift"), {"outcome": "units"}).status_code == 403


def test_without_sales_the_analysis_fails_with_a_clear_reason(org, settings, tmp_path):
    from tests.campaigns.conftest import make_campaign

    settings.SALES_DATASET_DIR = tmp_path / "sales"
    analysis = uplift_analysis_run(campaign=make_campaign(org), user=None)
    assert analysis.status == "failed"
    assert "no sales stored yet" in analysis.error


def test_cli_uplift_on_a_campaign_prints_one_json_object_and_stores_the_run(launch_loaded):
    import json

    from typer.testing import CliRunner

    from onevoice.campaigns.models import Campaign
    from onevoice.cli import app

    slug = Campaign.objects.get().slug
    result = CliRunner().invoke(app, ["uplift", "--campaign", slug, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {
        "att_gt",
        "simple",
        "dynamic",
        "group",
        "calendar",
        "naive",
        "pretrend",
        "n_units",
        "n_periods",
        "warnings",
    } <= set(doc)
    assert UpliftAnalysis.objects.filter(status="done").count() == 1
    missing = CliRunner().invoke(app, ["uplift", "--campaign", "nope"])
    assert missing.exit_code == 1
    assert "no campaign with id or slug 'nope'" in missing.output
