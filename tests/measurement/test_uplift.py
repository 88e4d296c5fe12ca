"""The uplift analysis on a campaign's own data, through the page an analyst uses."""

import pytest
from django.urls import reverse

from onevoice.analytics.simulate import CompanyParams, simulate_company
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
    company = simulate_company(CompanyParams(n_clinics=400, seed=11))
    demo_load(company)
    demo_sales_import(company)
    return company.launch


@pytest.fixture
def company_loaded(db, settings, tmp_path):
    """The simulated company as the demo loads it (2,000 clinics, the default seed):
    three campaigns on three product lines, and a fourth line nobody trains on."""
    settings.SALES_DATASET_DIR = tmp_path / "sales"
    settings.ONEVOICE_HOME = tmp_path
    settings.UPLIFT_IN_BACKGROUND = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    company = simulate_company(CompanyParams())
    demo_load(company)
    demo_sales_import(company)
    return company


def test_analysis_recovers_the_simulated_effect_and_shows_the_naive_gap(launch_loaded):
    from onevoice.campaigns.models import Campaign

    analysis = uplift_analysis_run(
        campaign=Campaign.objects.get(status="live"),
        user=None,
        options=UpliftOptions(bootstrap=199),
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
    # What was counted is said: the campaign's own SKUs, trained and control clinics.
    assert result["campaign"]["skus"] == sorted(launch_loaded.products["sku"])
    assert result["negative_control"] is False
    sample = result["sample"]
    left_out = sum(d["clinics"] for d in sample["dropped"])
    assert sample["trained_clinics"] + sample["control_clinics"] + left_out == 400
    assert sample["control_clinics"] == launch_loaded.treatment.first_trained.isna().sum()
    assert len(result["dynamic"]) > 10
    assert "band_low" in result["dynamic"][0]


def test_analyst_runs_it_from_the_page_and_others_read_it(client, launch_loaded):
    from onevoice.accounts.models import User
    from onevoice.campaigns.models import Campaign

    analyst = User.objects.get(username="analyst")
    client.force_login(analyst)
    response = client.post(
        reverse("measurement:uplift"),
        {
            "campaign": "",
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
    # No campaign chosen: the form comes back with the error beside the field.
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not UpliftAnalysis.objects.exists()
    slug = Campaign.objects.get(status="live").slug
    response = client.post(
        reverse("measurement:uplift"),
        {
            "campaign": slug,
            "measure_on": "",
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
    sample = analysis.result["sample"]
    assert f'data-testid="trained-count">{sample["trained_clinics"]}<' in html
    assert f'data-testid="control-count">{sample["control_clinics"]}<' in html
    assert ", ".join(analysis.result["campaign"]["skus"]) in html
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

    slug = Campaign.objects.get(status="live").slug
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


def _stored(pretrend: dict, pretrend_event: dict | None) -> UpliftAnalysis:
    result = {
        "naive": {"ratio": 3.0, "gap": 2.0, "effect": 0.3, "selection": 1.7},
        "simple": {"att": 0.3, "se": 0.1, "ci_low": 0.1, "ci_high": 0.5},
        "pretrend": pretrend,
    }
    if pretrend_event is not None:
        result["pretrend_event"] = pretrend_event
    return UpliftAnalysis(status="done", result=result)


def test_the_verdict_reads_the_event_study_pretest_and_shows_r_dids_beside_it():
    # Monthly cohorts: R did's cell-level test rejects (hundreds of restrictions) while
    # the event-study test, which holds its size, does not. The page must not cry wolf.
    cells = {"stat": 886.0, "df": 340, "p_value": 1e-40}
    view = uplift_view(_stored(cells, {"stat": 25.0, "df": 28, "p_value": 0.63}))
    assert view.pretrend_ok is True
    assert view.pretrend_kind == "event study"
    assert view.pretrend["df"] == 28
    assert view.pretrend_cells == cells
    # A planted pre-trend shows in the event-study test too.
    assert (
        uplift_view(_stored(cells, {"stat": 90.0, "df": 28, "p_value": 1e-8})).pretrend_ok is False
    )
    # Analyses stored before the event-study test existed keep R did's verdict.
    old = uplift_view(_stored({"stat": 5.0, "df": 6, "p_value": 0.54}, None))
    assert (old.pretrend_ok, old.pretrend_kind, old.pretrend_cells) == (True, "cells", None)


def test_page_and_cli_give_the_same_answer_with_the_same_default_options(client, launch_loaded):
    """The recommended analysis is one definition: the form's initial values, the CLI
    without options and ``DEFAULT_OPTIONS`` run the same estimate on the same data."""
    import json

    from typer.testing import CliRunner

    from onevoice.accounts.models import User
    from onevoice.campaigns.models import Campaign
    from onevoice.cli import app
    from onevoice.measurement.forms import UpliftForm
    from onevoice.measurement.uplift import DEFAULT_OPTIONS

    campaign = Campaign.objects.get(status="live")
    form = UpliftForm(campaigns=[(campaign.slug, campaign.name)])
    posted = {
        name: ("on" if field.initial else "") if name == "adjust" else form[name].initial
        for name, field in form.fields.items()
    }
    posted = {k: "" if v is None else v for k, v in posted.items()}
    client.force_login(User.objects.get(username="analyst"))
    assert client.post(reverse("measurement:uplift"), posted).status_code == 302
    page = UpliftAnalysis.objects.get()
    result = CliRunner().invoke(app, ["uplift", "--campaign", campaign.slug, "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    assert page.options == cli["options"] == DEFAULT_OPTIONS.to_json()
    assert cli["simple"] == page.result["simple"]
    assert cli["uplift"]["relative_uplift"] == page.result["uplift"]["relative_uplift"]
    assert cli["campaign"] == {
        "slug": campaign.slug,
        "name": campaign.name,
        "skus": sorted(launch_loaded.products["sku"]),
    }
    assert cli["sample"] == page.result["sample"]
    # The page says which options ran, in words, and that they are the defaults.
    html = client.get(reverse("measurement:uplift_detail", args=[page.pk])).content.decode()
    assert DEFAULT_OPTIONS.describe() in html
    assert "(the recommended defaults)" in html


def test_a_campaign_without_products_is_refused_with_the_reason(launch_loaded):
    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.uplift import ERROR_NO_SKUS

    campaign = Campaign.objects.get(status="live")
    campaign.skus.clear()
    analysis = uplift_analysis_run(campaign=campaign, user=None, options=UpliftOptions(bootstrap=0))
    assert analysis.status == "failed"
    assert analysis.error == ERROR_NO_SKUS.format(campaign=campaign.name)


def test_each_campaign_measures_its_own_experiment_against_the_simulated_truth(company_loaded):
    """Three campaigns on three product lines, each with its own trainings: the planted
    effect is recovered, the null campaign's interval covers 0, and each counts only its
    own SKUs and its own trained clinics.

    Negative control: the cardiac campaign's trained clinics against its untrained ones,
    on the dermatology line no campaign trained on. Training cannot have moved those
    sales; the interval covers 0, and the run never stands in for the campaign's own.
    (One company load for both: it is the slow part.)"""
    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.facts import latest_uplift
    from onevoice.measurement.review import portfolio_for

    live = Campaign.objects.get(status="live")
    dermatology = tuple(
        company_loaded.products.loc[company_loaded.products["product"] == "Dermiva", "sku"]
    )
    control = uplift_analysis_run(
        campaign=live, user=None, options=UpliftOptions(bootstrap=0, skus=dermatology)
    )
    assert control.status == "done", control.error
    assert control.result["negative_control"] is True
    assert control.result["campaign"]["skus"] == sorted(dermatology)
    assert control.result["simple"]["ci_low"] <= 0 <= control.result["simple"]["ci_high"]
    assert latest_uplift(live) is None

    truth = company_loaded.campaigns.set_index("slug")
    results = {}
    for campaign in Campaign.objects.order_by("start_date"):
        analysis = uplift_analysis_run(
            campaign=campaign, user=None, options=UpliftOptions(bootstrap=0)
        )
        assert analysis.status == "done", analysis.error
        row = truth.loc[campaign.slug]
        result = analysis.result
        assert result["campaign"]["skus"] == sorted(row.skus)
        assert analysis.inputs["trained_clinics"] == row.n_trained
        simple = result["simple"]
        assert simple["ci_low"] <= row.true_att <= simple["ci_high"], (campaign.slug, simple)
        results[campaign.slug] = simple
    parivo, arthrelle = results["parivo-year-round-protection"], results["arthrelle-oa-pain-check"]
    assert parivo["ci_low"] > 0  # the planted effect is detected
    assert arthrelle["ci_low"] <= 0 <= arthrelle["ci_high"]  # no effect, none found
    # Is this the rule? The two reviewed campaigns pool; the live one waits.
    pool = portfolio_for(user=None, current=live).to_dict()
    assert pool["k"] == 2
    assert {e["campaign"] for e in pool["entries"]} == {
        "parivo-year-round-protection",
        "arthrelle-oa-pain-check",
    }
    assert pool["excluded"] == [
        {
            "campaign": "cardio-b2-launch",
            "reason": "not reviewed yet: joins the pool once reviewed",
        }
    ]
    # The command line prints the same answer, as one JSON object.
    import json

    from typer.testing import CliRunner

    from onevoice.cli import app

    printed = CliRunner().invoke(app, ["portfolio", "--json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == json.loads(json.dumps(pool))
    assert pool["method"] == "DL + Hartung–Knapp–Sidik–Jonkman (t, 1 df)"


def test_clinics_trained_by_another_campaign_on_the_same_products_are_left_out(launch_loaded):
    """A pilot on the launch's own SKUs trained some clinics before the launch ended:
    those clinics are left out of the launch's uplift, whichever campaign trained them
    first, and the result says how many and why."""
    import datetime as dt

    from onevoice.campaigns.models import Campaign, Product
    from onevoice.field.services import TrainingRow, trainings_bulk_load

    launch = Campaign.objects.get(status="live")
    pilot = Campaign.objects.create(
        slug="cardio-pilot",
        name="Cardio pilot",
        product=launch.product,
        indication=launch.indication,
        objective="Try it.",
        why="A pilot.",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2025, 5, 31),
        marketing_lead=launch.marketing_lead,
        sales_lead=launch.sales_lead,
        status="closed",
    )
    pilot.skus.set(Product.objects.filter(sku__in=launch_loaded.products["sku"]))
    trained = launch_loaded.treatment.dropna()["clinic_id"].tolist()
    untrained = launch_loaded.treatment[launch_loaded.treatment["first_trained"].isna()]
    piloted = [trained[0], trained[1], *untrained["clinic_id"].tolist()[:3]]
    from onevoice.accounts.models import User

    rep_username = User.objects.get(pk=launch.customer_trainings.first().rep_id).username
    trainings_bulk_load(
        rows=[
            TrainingRow(
                f"PILOT-{i}",
                code,
                dt.date(2025, 3, 3),
                "in_clinic",
                rep_username,
                None,
                (),
                pilot.slug,
            )
            for i, code in enumerate(piloted)
        ]
    )
    analysis = uplift_analysis_run(campaign=launch, user=None, options=UpliftOptions(bootstrap=0))
    assert analysis.status == "done", analysis.error
    dropped = analysis.result["sample"]["dropped"]
    assert dropped[0] == {
        "reason": "trained by another campaign on the same products (Cardio pilot) before "
        "this one ended",
        "clinics": 5,
    }
    sample = analysis.result["sample"]
    assert (
        sample["trained_clinics"] + sample["control_clinics"] + sum(d["clinics"] for d in dropped)
        == 400
    )


def test_an_analysis_from_before_campaign_scope_says_so_instead_of_counts(org, client):
    """Stored before each campaign counted only its own trainings and SKUs: the page
    says what it counted then and asks for a re-run, never "None trained clinics"."""
    from onevoice.accounts.choices import Role
    from tests.campaigns.conftest import make_campaign
    from tests.measurement.kpi_world import stored_uplift

    old = stored_uplift(make_campaign(org))
    old.result = {k: v for k, v in old.result.items() if k not in {"campaign", "sample"}}
    old.save(update_fields=["result"])
    client.force_login(org.users[Role.ANALYST])
    html = client.get(reverse("measurement:uplift_detail", args=[old.pk])).content.decode()
    assert 'data-testid="uplift-before-scope"' in html
    assert "None" not in html.split('data-testid="uplift-before-scope"')[0][-400:]
    assert 'data-testid="uplift-counted"' not in html
