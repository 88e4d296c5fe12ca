"""Tests of the multi-product, multi-campaign company ``simulate_company``.

Plain pytest, no Django. The default company (2,000 clinics) is simulated once
per module, for the checks that need its size (the estimator recovers each
campaign's truth); everything else uses a small company.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
import warnings

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from onevoice.analytics.did import ATTgt
from onevoice.analytics.panel import sales_panel
from onevoice.analytics.simulate import (
    SEGMENTS,
    CompanyParams,
    SimulatedCompany,
    SimulationParams,
    portfolio_products,
    simulate_company,
    simulate_launch,
)
from onevoice.analytics.simulate import company as company_module
from onevoice.analytics.simulate import params as params_module
from onevoice.analytics.warehouse import Product, ProductMaster

PARIVO = "parivo-year-round-protection"
ARTHRELLE = "arthrelle-oa-pain-check"
CARDIO = "cardio-b2-launch"
PREFIX = {"Cardivance": "CDV-", "Parivo": "PRF-", "Arthrelle": "NSD-", "Dermiva": "DRM-"}

FRAME_COLUMNS = {
    "regions": ["region_id", "name"],
    "territories": ["territory_id", "name", "region_id"],
    "managers": ["manager_id", "first_name", "last_name", "region_id"],
    "reps": ["rep_id", "first_name", "last_name", "territory_id", "manager_id"],
    "field_vets": ["field_vet_id", "first_name", "last_name", "region_id"],
    "clinics": [
        "clinic_id",
        "name",
        "address",
        "city",
        "region_id",
        "territory_id",
        "segment",
        "n_vets",
        "patient_volume",
        "potential",
        "tier",
        "baseline_units",
    ],
    "vets": ["vet_id", "clinic_id", "first_name", "last_name", "role", "consent_to_contact"],
    "portfolio": [
        "product",
        "sku_prefix",
        "generic_name",
        "therapeutic_area",
        "description",
        "n_skus",
    ],
    "products": [
        "sku",
        "name",
        "product",
        "strength_mg",
        "tablets_per_pack",
        "list_price",
        "treatment_months_per_pack",
    ],
    "sales": ["clinic_id", "date", "sku", "units", "net_revenue", "currency"],
    "campaigns": [
        "slug",
        "name",
        "product",
        "skus",
        "start",
        "end",
        "months",
        "status",
        "why",
        "n_trained",
        "true_att",
        "true_relative_uplift",
        "naive_ratio",
    ],
    "customer_trainings": [
        "training_id",
        "campaign",
        "clinic_id",
        "date",
        "rep_id",
        "field_vet_id",
        "format",
        "is_follow_up",
    ],
    "training_attendance": ["training_id", "vet_id", "pre_score", "post_score"],
    "treatment": ["campaign", "clinic_id", "first_trained"],
    "rep_prework": ["rep_id", "module", "concept", "score", "completed_on"],
    "rep_certification": ["rep_id", "vhs_error", "roleplay_score", "certified", "certified_on"],
}
SMALL = CompanyParams(seed=7, n_clinics=300)


@pytest.fixture(scope="module")
def company() -> SimulatedCompany:
    return simulate_company()


@pytest.fixture(scope="module")
def small() -> SimulatedCompany:
    return simulate_company(SMALL)


def _sales_of(company: SimulatedCompany, product: str) -> pd.DataFrame:
    return company.sales[company.sales["sku"].str.startswith(PREFIX[product])].reset_index(
        drop=True
    )


def _monthly(sales: pd.DataFrame) -> pd.Series:
    return sales.groupby("date")["units"].sum()


# --- public surface and shape -------------------------------------------------------


def test_every_frame_has_the_documented_columns(small: SimulatedCompany) -> None:
    frames = small.frames()
    assert set(frames) == set(FRAME_COLUMNS)
    for name, columns in FRAME_COLUMNS.items():
        assert list(frames[name].columns) == columns, name
    assert (
        set(small.true_effects)
        == set(small.campaign_clinic_months)
        == {
            PARIVO,
            ARTHRELLE,
            CARDIO,
        }
    )
    for slug in small.campaigns["slug"]:
        assert list(small.true_effects[slug].columns) == ["cohort", "period", "att", "n_clinics"]
        assert list(small.campaign_clinic_months[slug].columns) == [
            "clinic_id",
            "date",
            "units",
            "expected_untreated",
            "expected_effect",
            "treated",
        ]


def test_company_never_imports_django() -> None:
    code = (
        "import sys, onevoice.analytics.simulate as s; s.simulate_company("
        "s.CompanyParams(n_clinics=50)); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_campaigns_are_the_three_planned_ones(small: SimulatedCompany) -> None:
    campaigns = small.campaigns.set_index("slug")
    assert list(campaigns.index) == [PARIVO, ARTHRELLE, CARDIO]
    assert list(campaigns["product"]) == ["Parivo", "Arthrelle", "Cardivance"]
    assert list(campaigns["start"]) == [
        datetime.date(2023, 6, 1),
        datetime.date(2024, 1, 1),
        datetime.date(2025, 6, 1),
    ]
    assert list(campaigns["end"]) == [
        datetime.date(2024, 5, 31),
        datetime.date(2024, 12, 31),
        datetime.date(2026, 11, 30),
    ]
    assert list(campaigns["months"]) == [12, 12, 18]
    assert list(campaigns["status"]) == ["reviewed", "reviewed", "live"]
    # The demo's cardiac campaign is called "Cardio B2 launch" (its slug is slugified).
    assert campaigns.loc[CARDIO, "name"] == "Cardio B2 launch"
    for slug, row in campaigns.iterrows():
        product_skus = small.products.loc[small.products["product"] == row["product"], "sku"]
        assert row["skus"] == sorted(product_skus), slug
        assert row["why"]


# --- determinism --------------------------------------------------------------------


def test_same_seed_gives_identical_data(small: SimulatedCompany) -> None:
    again = simulate_company(SMALL)
    for name, frame in small.frames().items():
        assert_frame_equal(frame, again.frames()[name], check_exact=True, obj=name)
    for slug in small.true_effects:
        assert_frame_equal(small.true_effects[slug], again.true_effects[slug], check_exact=True)
        assert_frame_equal(
            small.campaign_clinic_months[slug],
            again.campaign_clinic_months[slug],
            check_exact=True,
        )


def test_different_seed_gives_different_data(small: SimulatedCompany) -> None:
    other = simulate_company(CompanyParams(seed=8, n_clinics=300))
    assert not _sales_of(other, "Parivo")["units"].equals(_sales_of(small, "Parivo")["units"])
    assert not other.treatment["first_trained"].equals(small.treatment["first_trained"])
    assert other.campaign(PARIVO)["true_att"] != small.campaign(PARIVO)["true_att"]


# --- the cardiac campaign is the launch ---------------------------------------------


def test_the_cardiac_campaign_is_simulate_launch(small: SimulatedCompany) -> None:
    launch = simulate_launch(SimulationParams(seed=7, n_clinics=300))
    for name in (
        "regions",
        "territories",
        "managers",
        "reps",
        "field_vets",
        "clinics",
        "vets",
        "rep_prework",
        "rep_certification",
    ):
        assert_frame_equal(getattr(small, name), getattr(launch, name), check_exact=True)
    for name, frame in launch.frames().items():
        assert_frame_equal(small.launch.frames()[name], frame, check_exact=True, obj=name)

    cardiac = _sales_of(small, "Cardivance")
    in_window = cardiac[cardiac["date"] >= pd.Timestamp("2024-06-01")].reset_index(drop=True)
    assert_frame_equal(in_window, launch.sales, check_exact=True)
    products = small.products[small.products["product"] == "Cardivance"]
    assert_frame_equal(
        products.drop(columns="product").reset_index(drop=True), launch.products, check_exact=True
    )

    trainings = small.customer_trainings
    cardio = trainings[trainings["campaign"] == CARDIO].drop(columns="campaign")
    assert_frame_equal(cardio.reset_index(drop=True), launch.customer_trainings, check_exact=True)
    attendance = small.training_attendance
    cardio_attendance = attendance[attendance["training_id"].isin(cardio["training_id"])]
    assert_frame_equal(
        cardio_attendance.reset_index(drop=True), launch.training_attendance, check_exact=True
    )
    treatment = small.treatment[small.treatment["campaign"] == CARDIO].drop(columns="campaign")
    assert_frame_equal(treatment.reset_index(drop=True), launch.treatment, check_exact=True)

    assert_frame_equal(small.true_effects[CARDIO], launch.true_effect, check_exact=True)
    assert_frame_equal(small.campaign_clinic_months[CARDIO], launch.clinic_months)
    row = small.campaign(CARDIO)
    assert row["true_att"] == launch.true_att_overall
    assert row["true_relative_uplift"] == launch.true_relative_uplift
    assert row["naive_ratio"] == launch.naive_ratio


def test_launch_params_follow_the_company_params() -> None:
    params = CompanyParams(seed=3, n_clinics=500, n_regions=3, n_reps=30)
    assert params.launch_params == SimulationParams(seed=3, n_clinics=500, n_regions=3, n_reps=30)
    assert CompanyParams().n_reps == 40
    assert CompanyParams(n_clinics=20_000).n_reps == 400


# --- products and sales -------------------------------------------------------------


def test_every_product_has_its_own_skus(small: SimulatedCompany) -> None:
    products = small.products
    assert products["sku"].is_unique
    assert list(products["sku"]) == sorted(products["sku"])
    assert list(small.portfolio["product"]) == ["Cardivance", "Parivo", "Arthrelle", "Dermiva"]
    for product, prefix in PREFIX.items():
        skus = products.loc[products["product"] == product, "sku"]
        assert 2 <= len(skus) <= 4, product
        assert skus.str.startswith(prefix).all(), product
    assert (products["list_price"] > 0).all()
    assert (products["treatment_months_per_pack"] > 0).all()
    assert set(small.sales["sku"]) == set(products["sku"])


def test_one_sales_stream_covers_every_product_every_month(company: SimulatedCompany) -> None:
    sales = company.sales
    months = pd.date_range("2022-06-01", "2026-11-01", freq="MS")
    for product in PREFIX:
        assert list(_monthly(_sales_of(company, product)).index) == list(months), product
    assert sales["units"].min() >= 1, "zero lines are omitted"
    assert (sales["net_revenue"] > 0).all()
    assert (sales["currency"] == "EUR").all()
    # Ordered by clinic, date and SKU (ids and codes sort as text).
    clinic = pd.Categorical(sales["clinic_id"], categories=sorted(set(sales["clinic_id"]))).codes
    sku = pd.Categorical(sales["sku"], categories=sorted(set(sales["sku"]))).codes
    month = sales["date"].dt.year.to_numpy() * 12 + sales["date"].dt.month.to_numpy()
    key = (clinic.astype(np.int64) * 100_000 + month) * 100 + sku
    assert (np.diff(key) > 0).all()
    assert len(sales) < 1_500_000
    assert set(sales["clinic_id"]) <= set(company.clinics["clinic_id"])


def test_products_have_their_own_seasons_and_sizes(company: SimulatedCompany) -> None:
    def season_ratio(product: str, peak: tuple[int, ...], trough: tuple[int, ...]) -> float:
        monthly = _monthly(_sales_of(company, product))
        monthly = monthly[monthly.index < pd.Timestamp("2023-06-01")]  # before any campaign
        month = monthly.index.month
        return float(monthly[month.isin(peak)].mean() / monthly[month.isin(trough)].mean())

    assert season_ratio("Parivo", (6, 7, 8), (12, 1, 2)) > 1.3, "parasiticides peak in summer"
    assert season_ratio("Dermiva", (7, 8, 9), (1, 2, 3)) > 1.2, "allergic itch peaks with pollen"
    assert season_ratio("Arthrelle", (12, 1, 2), (6, 7, 8)) > 1.15, "joint pain peaks in winter"
    per_clinic = {
        p: _sales_of(company, p)["units"].sum() / len(company.clinics) / 54 for p in PREFIX
    }
    assert per_clinic["Parivo"] > 3 * per_clinic["Arthrelle"]
    assert per_clinic["Arthrelle"] > per_clinic["Cardivance"]


def test_cardiac_history_continues_into_the_launch_window(company: SimulatedCompany) -> None:
    monthly = _monthly(_sales_of(company, "Cardivance"))
    before = monthly[monthly.index < pd.Timestamp("2024-06-01")]
    first_year = monthly[
        (monthly.index >= pd.Timestamp("2024-06-01")) & (monthly.index < pd.Timestamp("2025-06-01"))
    ]
    assert len(before) == 24
    # No growth before the window (level and seasons only); no jump at its start.
    assert before.mean() == pytest.approx(monthly.iloc[24], rel=0.08)
    assert first_year.mean() > before.mean()


# --- trainings ----------------------------------------------------------------------


def test_every_training_belongs_to_a_campaign_and_falls_in_its_window(
    company: SimulatedCompany,
) -> None:
    trainings = company.customer_trainings
    assert trainings["training_id"].is_unique
    assert trainings["date"].is_monotonic_increasing
    assert (trainings["date"].dt.day_of_week < 5).all()
    campaigns = company.campaigns.set_index("slug")
    assert set(trainings["campaign"]) == set(campaigns.index)
    window = trainings.join(campaigns[["start", "end"]], on="campaign")
    second_month = pd.to_datetime(window["start"]) + pd.DateOffset(months=1)
    assert (window["date"] >= second_month).all(), "trainings start in the second month"
    assert (window["date"] <= pd.to_datetime(window["end"])).all()

    attendance = company.training_attendance.merge(trainings, on="training_id").merge(
        company.vets[["vet_id", "clinic_id"]], on="vet_id", suffixes=("", "_vet")
    )
    assert len(attendance) == len(company.training_attendance), "every attendance has a training"
    assert (attendance["clinic_id"] == attendance["clinic_id_vet"]).all()
    # Every campaign's trainings are given by the clinic's own rep.
    rep_of = company.clinics.merge(company.reps, on="territory_id").set_index("clinic_id")["rep_id"]
    assert (trainings["rep_id"] == trainings["clinic_id"].map(rep_of)).all()


def test_first_trainings_match_each_campaigns_treatment(company: SimulatedCompany) -> None:
    trainings = company.customer_trainings
    for slug in company.campaigns["slug"]:
        own = trainings[trainings["campaign"] == slug]
        first = own.groupby("clinic_id")["date"].min().dt.to_period("M").dt.to_timestamp()
        treatment = company.treatment[company.treatment["campaign"] == slug]
        assert len(treatment) == len(company.clinics)
        trained = treatment.dropna(subset=["first_trained"]).set_index("clinic_id")
        assert first.sort_index().to_numpy(dtype="datetime64[ns]").tolist() == (
            trained["first_trained"].sort_index().to_numpy(dtype="datetime64[ns]").tolist()
        ), slug
        never = treatment["first_trained"].isna().mean()
        assert 0.4 <= never <= 0.6, slug
        assert company.campaign(slug)["n_trained"] == len(trained)


def test_clinics_are_trained_in_several_campaigns(company: SimulatedCompany) -> None:
    trained = company.treatment.dropna(subset=["first_trained"])
    campaigns_per_clinic = trained.groupby("clinic_id")["campaign"].nunique()
    assert (campaigns_per_clinic == 3).sum() > 50
    assert (campaigns_per_clinic == 1).sum() > 200


def test_each_campaign_selects_its_own_clinics(company: SimulatedCompany) -> None:
    clinics = company.clinics.set_index("clinic_id")
    treatment = company.treatment.assign(
        trained=company.treatment["first_trained"].notna(),
        segment=company.treatment["clinic_id"].map(clinics["segment"]),
    )
    share = treatment.groupby(["campaign", "segment"])["trained"].mean().unstack()
    # Referral hospitals sell few preventives: Parivo reps skip them; groups sign up for
    # the OA pain check first.
    assert share.loc[PARIVO, "referral_hospital"] < 0.5 * share.loc[PARIVO, "independent_large"]
    assert share.loc[ARTHRELLE, "corporate_group"] > share.loc[ARTHRELLE, "independent_small"]
    # Propensities stay away from 0 and 1 in every segment (overlap).
    assert (share > 0.03).all().all()
    assert (share < 0.97).all().all()


# --- the truth ----------------------------------------------------------------------


def test_the_effects_differ_as_planned(company: SimulatedCompany) -> None:
    campaigns = company.campaigns.set_index("slug")
    relative = campaigns["true_relative_uplift"]
    assert 0.24 <= relative[PARIVO] <= 0.30
    assert relative[ARTHRELLE] == 0
    assert 0.10 <= relative[CARDIO] <= 0.20
    assert relative[PARIVO] > 1.5 * relative[CARDIO]
    # Selection alone makes trained clinics look better, even without any effect.
    assert campaigns.loc[ARTHRELLE, "naive_ratio"] > 1.1
    assert campaigns.loc[PARIVO, "naive_ratio"] > 1 + relative[PARIVO]


def test_the_null_campaign_has_no_true_effect(company: SimulatedCompany) -> None:
    assert company.campaign(ARTHRELLE)["true_att"] == 0
    assert (company.true_effects[ARTHRELLE]["att"] == 0).all()
    assert (company.campaign_clinic_months[ARTHRELLE]["expected_effect"] == 0).all()


def test_true_att_is_the_simple_aggregation_of_each_campaign(company: SimulatedCompany) -> None:
    for slug in company.campaigns["slug"]:
        effect = company.true_effects[slug]
        post = effect[effect["period"] >= effect["cohort"]]
        row = company.campaign(slug)
        assert row["true_att"] == pytest.approx(
            np.average(post["att"], weights=post["n_clinics"]), rel=1e-12, abs=1e-12
        )
        months = company.campaign_clinic_months[slug]
        treated = months[months["treated"]]
        assert row["true_relative_uplift"] == pytest.approx(
            treated["expected_effect"].sum() / treated["expected_untreated"].sum(), abs=1e-12
        )
        # The window is the app's panel: 12 months before the start to the end.
        start = pd.Timestamp(row["start"])
        assert months["date"].min() == start - pd.DateOffset(months=12)
        assert months["date"].max() == pd.Timestamp(row["end"]).to_period("M").to_timestamp()
        # The effect starts in the training month and never before.
        assert (months.loc[~months["treated"], "expected_effect"] == 0).all()


def test_the_window_units_are_the_campaign_skus_in_the_sales(company: SimulatedCompany) -> None:
    months = company.campaign_clinic_months[PARIVO]
    sales = _sales_of(company, "Parivo")
    totals = sales.groupby(["clinic_id", "date"])["units"].sum()
    index = pd.MultiIndex.from_frame(months[["clinic_id", "date"]])
    assert totals.reindex(index, fill_value=0).to_numpy().tolist() == months["units"].tolist()


def test_true_att_over_given_cells(company: SimulatedCompany) -> None:
    months = company.campaign_clinic_months[PARIVO]
    treated = months[months["treated"]]
    att, relative = company.true_att_over(PARIVO, treated[["clinic_id", "date"]])
    assert att == pytest.approx(company.campaign(PARIVO)["true_att"], rel=1e-12)
    assert relative == pytest.approx(company.campaign(PARIVO)["true_relative_uplift"], rel=1e-12)
    early = treated[treated["date"] < pd.Timestamp("2023-10-01")]
    att_early, _ = company.true_att_over(PARIVO, early)
    assert att_early == pytest.approx(early["expected_effect"].mean())
    assert att_early < att, "the effect ramps up"
    with pytest.raises(ValueError, match="treated clinic-months"):
        company.true_att_over(PARIVO, months[~months["treated"]].head(3))
    with pytest.raises(ValueError, match="treated clinic-months"):
        company.true_att_over(PARIVO, treated.head(0))
    with pytest.raises(KeyError, match="no campaign"):
        company.true_att_over("no-such-campaign", treated)


# --- trainings move only their own product ------------------------------------------


def test_a_campaign_moves_only_its_own_product(small: SimulatedCompany) -> None:
    without_parivo_effect = simulate_company(
        CompanyParams(seed=7, n_clinics=300, parasiticide_effect_by_segment=(0.0,) * 4)
    )
    assert not _sales_of(without_parivo_effect, "Parivo").equals(_sales_of(small, "Parivo"))
    for product in ("Cardivance", "Arthrelle", "Dermiva"):
        assert_frame_equal(_sales_of(without_parivo_effect, product), _sales_of(small, product))
    assert_frame_equal(without_parivo_effect.customer_trainings, small.customer_trainings)


def test_other_trainings_leave_an_untrained_product_alone(small: SimulatedCompany) -> None:
    """Different Parivo and Arthrelle trainings: the products they do not move stay put."""
    reshuffled = simulate_company(CompanyParams(seed=7, n_clinics=300, selection_strength=0.0))
    assert not reshuffled.customer_trainings.equals(small.customer_trainings)
    assert not _sales_of(reshuffled, "Parivo").equals(_sales_of(small, "Parivo"))
    # Dermiva is never trained on, Cardivance's trainings are the launch's, and the
    # Arthrelle trainings have no effect: none of their sales change.
    for product in ("Dermiva", "Cardivance", "Arthrelle"):
        assert_frame_equal(_sales_of(reshuffled, product), _sales_of(small, product))


def test_untreated_trends_are_linear_in_observed_covariates(company: SimulatedCompany) -> None:
    """Conditional parallel trends: untreated changes are linear in n_vets, segment, region."""
    clinics = company.clinics
    design = np.column_stack(
        [
            np.ones(len(clinics)),
            clinics["n_vets"].to_numpy(dtype=float),
            pd.get_dummies(clinics["segment"], drop_first=True, dtype=float).to_numpy(),
            pd.get_dummies(clinics["region_id"], drop_first=True, dtype=float).to_numpy(),
        ]
    )
    region = clinics["region_id"].rank(method="dense").to_numpy(dtype=int) - 1
    segment = clinics["segment"].map({s: i for i, s in enumerate(SEGMENTS)}).to_numpy()
    months = pd.date_range("2022-06-01", periods=54, freq="MS")
    for line in (
        portfolio_products.PARIVO,
        portfolio_products.ARTHRELLE,
        portfolio_products.DERMIVA,
    ):
        demand = portfolio_products.draw_demand(
            line,
            np.random.default_rng(0),
            n_vets=clinics["n_vets"].to_numpy(),
            patient_volume=clinics["patient_volume"].to_numpy(),
            segment=segment,
            region=region,
            n_regions=4,
        )
        mu0 = portfolio_products.untreated_mean(line, demand, clinics["n_vets"].to_numpy(), months)
        assert mu0.min() > 0, line.product
        for a, b in ((0, 7), (10, 53)):
            change = mu0[:, b] - mu0[:, a]
            coef, *_ = np.linalg.lstsq(design, change, rcond=None)
            assert np.abs(design @ coef - change).max() < 1e-9, line.product
    # ... and the simulated window of each campaign obeys the same rule.
    for slug in (PARIVO, ARTHRELLE):
        wide = company.campaign_clinic_months[slug].pivot(
            index="clinic_id", columns="date", values="expected_untreated"
        )
        change = (wide.iloc[:, -1] - wide.iloc[:, 0]).to_numpy()
        coef, *_ = np.linalg.lstsq(design, change, rcond=None)
        assert np.abs(design @ coef - change).max() < 1e-9, slug
        # Unconditionally, trained clinics grow faster: a naive comparison is biased.
        trained = (
            company.treatment[company.treatment["campaign"] == slug]
            .set_index("clinic_id")
            .loc[wide.index, "first_trained"]
            .notna()
            .to_numpy()
        )
        assert change[trained].mean() > 1.2 * change[~trained].mean(), slug


# --- the app's estimator recovers each campaign's truth ----------------------------

COVARIATES = ("n_vets", "patient_volume", "pre_level", "segment", "region")


@pytest.fixture(scope="module")
def sales_table(company: SimulatedCompany) -> object:
    """The company's sales as an Ibis table with the stored dataset's column types."""
    sales = company.sales
    table = pa.table(
        {
            "clinic_id": pa.array(sales["clinic_id"].to_numpy(dtype=object), pa.string()),
            "date": pa.array(sales["date"].to_numpy().astype("datetime64[D]"), pa.date32()),
            "sku": pa.array(sales["sku"].to_numpy(dtype=object), pa.string()),
            "units": pa.array(sales["units"].to_numpy(dtype=float)),
            "net_revenue": pa.array(sales["net_revenue"].to_numpy(dtype=float)),
            "currency": pa.array(sales["currency"].to_numpy(dtype=object), pa.string()),
        }
    )
    return ibis.memtable(table)


def _app_estimate(
    company: SimulatedCompany, sales_table: object, *, campaign: str, product: str
) -> tuple[pd.Series, pd.DataFrame]:
    """What the app's default analysis does (measurement.uplift), on one campaign.

    Panel: the product's SKUs, 12 months before the campaign start to its end,
    treatment = first training under this campaign. Estimator: Callaway-Sant'Anna,
    doubly robust, not-yet-treated controls, the app's covariates (segment and
    region as dummies), cohorts too small to estimate left out. Analytic standard
    errors (bootstrap=0) keep the test fast.
    """
    row = company.campaign(campaign)
    skus = company.products.loc[company.products["product"] == product, "sku"]
    master = ProductMaster(Product(sku=sku, product=product) for sku in skus)
    treatment = company.treatment[company.treatment["campaign"] == campaign].dropna()
    clinics = company.clinics.rename(columns={"region_id": "region"})
    panel = sales_panel(
        sales_table,  # type: ignore[arg-type]
        products=master,
        clinics=clinics[["clinic_id", "n_vets", "patient_volume", "segment", "region"]],
        treatment={r.clinic_id: r.first_trained.date() for r in treatment.itertuples(index=False)},
        start=(pd.Timestamp(row["start"]) - pd.DateOffset(months=12)).date(),
        end=row["end"],
        pre_end=row["start"],
        product=product,
    )
    frame = panel.frame
    columns: list[str] = []
    for name in COVARIATES:
        if name in {"segment", "region"}:
            dummies = pd.get_dummies(frame[name], prefix=name, drop_first=True, dtype=float)
            frame = pd.concat([frame, dummies], axis=1)
            columns.extend(dummies.columns)
        else:
            columns.append(name)
    sizes = frame[frame["cohort"] > 0].groupby("cohort")["clinic_id"].nunique()
    frame = frame[~frame["cohort"].isin(sizes[sizes < len(columns) + 5].index)]
    estimator = ATTgt(control="notyet", method="dr", covariates=columns, bootstrap=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(frame, unit="clinic_id", time="t", cohort="cohort", outcome="outcome")
    treated = frame[(frame["cohort"] > 0) & (frame["t"] >= frame["cohort"])]
    cells = pd.DataFrame(
        {"clinic_id": treated["clinic_id"], "date": pd.to_datetime(treated["period"])}
    )
    return estimator.aggregate("simple").tidy().iloc[0], cells


def test_app_estimate_covers_the_large_campaigns_truth(
    company: SimulatedCompany, sales_table: object
) -> None:
    result, cells = _app_estimate(company, sales_table, campaign=PARIVO, product="Parivo")
    truth, _ = company.true_att_over(PARIVO, cells)
    assert result["ci_low"] <= truth <= result["ci_high"]
    assert result["ci_low"] > 0


def test_app_estimate_covers_zero_for_the_null_campaign(
    company: SimulatedCompany, sales_table: object
) -> None:
    result, _ = _app_estimate(company, sales_table, campaign=ARTHRELLE, product="Arthrelle")
    assert result["ci_low"] <= 0 <= result["ci_high"]
    # ... while the naive comparison says trained clinics bought more.
    assert company.campaign(ARTHRELLE)["naive_ratio"] > 1.1


def test_app_estimate_covers_the_cardiac_truth(
    company: SimulatedCompany, sales_table: object
) -> None:
    result, cells = _app_estimate(company, sales_table, campaign=CARDIO, product="Cardivance")
    truth, _ = company.true_att_over(CARDIO, cells)
    assert result["ci_low"] <= truth <= result["ci_high"]


def test_cardiac_design_on_an_untrained_product_covers_zero(
    company: SimulatedCompany, sales_table: object
) -> None:
    """Negative control: the cardiac trainings and window, Dermiva's sales."""
    result, _ = _app_estimate(company, sales_table, campaign=CARDIO, product="Dermiva")
    assert result["ci_low"] <= 0 <= result["ci_high"]


# --- parameter validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, params_module.ERR_SEED),
        ({"n_clinics": 5}, params_module.ERR_N_CLINICS),
        ({"n_regions": 9}, params_module.ERR_N_REGIONS),
        ({"n_reps": 3}, params_module.ERR_N_REPS),
        ({"selection_strength": float("nan")}, params_module.ERR_SELECTION),
        ({"share_never_trained": 0.0}, params_module.ERR_SHARE_NEVER),
        ({"noise_shape": -1.0}, params_module.ERR_NOISE),
    ],
)
def test_invalid_params_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message.split("{")[0])) as info:
        CompanyParams(**kwargs)  # type: ignore[arg-type]
    offending = next(iter(kwargs.values()))
    assert str(info.value).endswith(f"got {offending!r}")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("parasiticide_effect_by_segment", (0.1, 0.1)),
        ("nsaid_effect_by_segment", (0.1, -0.1, 0.0, 0.0)),
        ("nsaid_effect_by_segment", [0.0, 0.0, 0.0, 0.0]),
        ("parasiticide_effect_by_segment", (0.1, float("inf"), 0.0, 0.0)),
    ],
)
def test_invalid_effects_are_rejected(name: str, value: object) -> None:
    expected = company_module.ERR_EFFECT.format(name=name, segments=SEGMENTS, value=value)
    with pytest.raises(ValueError, match="^" + re.escape(expected) + "$"):
        CompanyParams(**{name: value})  # type: ignore[arg-type]
