"""Tests of the seeded launch simulator ``onevoice.analytics.simulate``.

Plain pytest, no Django. The default launch (2,000 clinics) is simulated once
per module; everything else uses small launches so the file stays fast.
"""

from __future__ import annotations

import datetime
import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import onevoice.analytics.simulate as simulate
from onevoice.analytics.simulate import (
    SEGMENTS,
    SimulatedLaunch,
    SimulationParams,
    selection_covariates,
    simulate_launch,
)
from onevoice.analytics.simulate import params as params_module

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
    "products": [
        "sku",
        "name",
        "strength_mg",
        "tablets_per_pack",
        "list_price",
        "treatment_months_per_pack",
    ],
    "sales": ["clinic_id", "date", "sku", "units", "net_revenue", "currency"],
    "customer_trainings": [
        "training_id",
        "clinic_id",
        "date",
        "rep_id",
        "field_vet_id",
        "format",
        "is_follow_up",
    ],
    "training_attendance": ["training_id", "vet_id", "pre_score", "post_score"],
    "treatment": ["clinic_id", "first_trained"],
    "rep_prework": ["rep_id", "module", "concept", "score", "completed_on"],
    "rep_certification": ["rep_id", "vhs_error", "roleplay_score", "certified", "certified_on"],
    "true_effect": ["cohort", "period", "att", "n_clinics"],
    "true_effect_by_segment": ["segment", "att", "relative_uplift", "n_clinics"],
    "clinic_months": [
        "clinic_id",
        "date",
        "units",
        "expected_untreated",
        "expected_effect",
        "treated",
    ],
}


@pytest.fixture(scope="module")
def launch() -> SimulatedLaunch:
    return simulate_launch()


@pytest.fixture(scope="module")
def small() -> SimulatedLaunch:
    return simulate_launch(SimulationParams(seed=7, n_clinics=300))


def _monthly_units_from_sales(launch: SimulatedLaunch) -> pd.DataFrame:
    """Clinic x month totals rebuilt from the distributor lines, zeros filled in."""
    totals = launch.sales.groupby(["clinic_id", "date"])["units"].sum()
    months = pd.date_range("2024-06-01", periods=launch.params.n_months, freq="MS")
    full = pd.MultiIndex.from_product(
        [launch.clinics["clinic_id"], months.as_unit("ns")], names=["clinic_id", "date"]
    )
    return totals.reindex(full, fill_value=0).rename("units").reset_index()


def _cohort_of(launch: SimulatedLaunch) -> pd.Series:
    return launch.treatment.set_index("clinic_id")["first_trained"]


# --- public surface -----------------------------------------------------------------


def test_public_names_are_exported() -> None:
    assert sorted(simulate.__all__) == [
        "CompanyParams",
        "SEGMENTS",
        "SimulatedCompany",
        "SimulatedLaunch",
        "SimulationParams",
        "selection_covariates",
        "simulate_company",
        "simulate_launch",
    ]


def test_simulator_never_imports_django() -> None:
    code = (
        "import sys, onevoice.analytics.simulate as s; s.simulate_launch("
        "s.SimulationParams(n_clinics=50)); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_every_frame_has_the_documented_columns(launch: SimulatedLaunch) -> None:
    frames = launch.frames()
    assert set(frames) == set(FRAME_COLUMNS)
    for name, columns in FRAME_COLUMNS.items():
        assert list(frames[name].columns) == columns, name


# --- determinism --------------------------------------------------------------------


def test_same_seed_gives_identical_data(small: SimulatedLaunch) -> None:
    again = simulate_launch(SimulationParams(seed=7, n_clinics=300))
    for name, frame in small.frames().items():
        assert_frame_equal(frame, again.frames()[name], check_exact=True, obj=name)
    assert again.true_att_overall == small.true_att_overall
    assert again.naive_ratio == small.naive_ratio


def test_different_seed_gives_different_data(small: SimulatedLaunch) -> None:
    other = simulate_launch(SimulationParams(seed=8, n_clinics=300))
    assert not other.clinics["name"].equals(small.clinics["name"])
    assert not other.clinic_months["units"].equals(small.clinic_months["units"])
    assert other.true_att_overall != small.true_att_overall


# --- scaling and consistency --------------------------------------------------------


@pytest.mark.parametrize("n_clinics", [200, 20_000])
def test_scales_to_requested_size(n_clinics: int) -> None:
    launch = simulate_launch(SimulationParams(seed=3, n_clinics=n_clinics))
    n_reps = max(40, n_clinics // 50)
    assert len(launch.clinics) == n_clinics
    assert launch.clinics["clinic_id"].is_unique
    assert len(launch.reps) == len(launch.territories) == n_reps
    assert len(launch.managers) == len(launch.regions) == 4
    assert 2.3 <= len(launch.vets) / n_clinics <= 2.8
    assert len(launch.vets) == launch.clinics["n_vets"].sum()
    assert set(launch.vets["clinic_id"]) == set(launch.clinics["clinic_id"])
    assert len(launch.treatment) == n_clinics
    assert len(launch.clinic_months) == n_clinics * 30
    assert launch.clinic_months["units"].sum() == launch.sales["units"].sum()
    # Every training and attendance row points at existing people and clinics.
    assert set(launch.customer_trainings["clinic_id"]) <= set(launch.clinics["clinic_id"])
    assert set(launch.customer_trainings["rep_id"]) <= set(launch.reps["rep_id"])
    assert set(launch.training_attendance["training_id"]) <= set(
        launch.customer_trainings["training_id"]
    )
    trained = launch.treatment["first_trained"].notna().sum()
    assert (~launch.customer_trainings["is_follow_up"]).sum() == trained


def test_clinics_look_like_veterinary_practices(launch: SimulatedLaunch) -> None:
    clinics = launch.clinics
    assert 2.4 <= clinics["n_vets"].mean() <= 2.7
    one_or_two = clinics["n_vets"].isin([1, 2]).mean()
    assert one_or_two >= 0.45, "1- and 2-vet practices should be the most common"
    assert set(clinics["segment"]) == set(SEGMENTS)
    assert (clinics["potential"] > clinics["baseline_units"]).mean() > 0.9
    assert clinics["name"].str.contains(" ").all()
    assert 4_500 <= len(launch.vets) <= 5_500


def test_sales_cover_exactly_thirty_months(launch: SimulatedLaunch) -> None:
    months = pd.date_range("2024-06-01", "2026-11-01", freq="MS")
    assert sorted(launch.sales["date"].unique()) == list(months)
    assert (launch.clinic_months.groupby("clinic_id")["date"].nunique() == 30).all()
    assert launch.sales["units"].min() >= 1, "zero lines are omitted"
    assert (launch.sales["currency"] == "EUR").all()
    assert (launch.sales["net_revenue"] > 0).all()
    rebuilt = _monthly_units_from_sales(launch)
    panel = launch.clinic_months.sort_values(["clinic_id", "date"]).reset_index(drop=True)
    assert rebuilt["units"].to_numpy().tolist() == panel["units"].to_numpy().tolist()


def test_window_follows_months_params() -> None:
    launch = simulate_launch(SimulationParams(n_clinics=100, months_pre=6, months_post=4, seed=1))
    assert launch.clinic_months["date"].nunique() == 10
    assert launch.clinic_months["date"].min() == pd.Timestamp("2024-12-01")
    assert launch.true_effect["period"].max() == pd.Timestamp("2025-09-01")


def test_trainings_match_treatment_dates(launch: SimulatedLaunch) -> None:
    trainings = launch.customer_trainings
    assert (trainings["date"].dt.day_of_week < 5).all(), "trainings happen on weekdays"
    first = trainings.groupby("clinic_id")["date"].min().dt.to_period("M").dt.to_timestamp()
    treatment = _cohort_of(launch).dropna()
    assert np.array_equal(
        first.sort_index().to_numpy(dtype="datetime64[ns]"),
        treatment.sort_index().to_numpy(dtype="datetime64[ns]"),
    )
    assert trainings["date"].min() >= pd.Timestamp("2025-07-01")
    assert trainings["field_vet_id"].isna().any(), "some trainings without a field vet"
    assert trainings["field_vet_id"].notna().any(), "some trainings with a field vet"
    assert set(trainings["format"]) == {"in_clinic", "webinar", "ce_event"}
    attendance = launch.training_attendance.merge(trainings, on="training_id").merge(
        launch.vets[["vet_id", "clinic_id"]], on="vet_id", suffixes=("", "_vet")
    )
    assert (attendance["clinic_id"] == attendance["clinic_id_vet"]).all()
    assert attendance[["pre_score", "post_score"]].stack().between(0, 100).all()
    assert attendance["post_score"].mean() > attendance["pre_score"].mean() + 10


def test_rep_readiness_results(launch: SimulatedLaunch) -> None:
    prework = launch.rep_prework
    assert len(prework) == 40 * 5
    assert {"vhs_measurement", "acvim_staging", "epic_trial_evidence", "dosing"} <= set(
        prework["concept"]
    )
    finished = prework["completed_on"].notna()
    assert prework.loc[finished, "score"].between(0, 1).all()
    assert prework.loc[~finished, "score"].isna().all()
    by_concept = prework.groupby("concept")["score"].mean()
    assert by_concept["vhs_measurement"] < by_concept["dosing"], "VHS is the hard concept"
    cert = launch.rep_certification
    assert cert["roleplay_score"].between(1, 5).all()
    assert (cert["certified"] == cert["certified_on"].notna()).all()
    assert 0 < cert["certified"].mean() < 1


# --- the naive gap and the truth ----------------------------------------------------


def test_naive_ratio_is_about_three_at_defaults(launch: SimulatedLaunch) -> None:
    assert 2.6 <= launch.naive_ratio <= 3.4
    # The same number comes out of the distributor data and the training dates.
    units = _monthly_units_from_sales(launch).merge(launch.treatment, on="clinic_id")
    after_training = units[
        units["first_trained"].notna() & (units["date"] >= units["first_trained"])
    ]
    never_in_campaign = units[units["first_trained"].isna() & (units["date"] >= "2025-06-01")]
    ratio = after_training["units"].mean() / never_in_campaign["units"].mean()
    assert ratio == pytest.approx(launch.naive_ratio, rel=1e-12)


def test_true_uplift_is_modest_and_far_below_the_naive_gap(launch: SimulatedLaunch) -> None:
    assert 0.10 <= launch.true_relative_uplift <= 0.25
    assert launch.true_relative_uplift < 0.3
    assert launch.naive_ratio - 1 > 5 * launch.true_relative_uplift
    assert launch.true_att_overall > 0


def test_about_half_the_clinics_are_never_trained(launch: SimulatedLaunch) -> None:
    first = launch.treatment["first_trained"]
    assert 0.4 <= first.isna().mean() <= 0.6
    trained = first.dropna()
    assert (trained < pd.Timestamp("2026-06-01")).mean() > 0.75, "most trained in year one"
    assert trained.nunique() == 17, "a cohort in every month from the second campaign month"


def test_true_effect_is_zero_before_training_and_ramps_up(launch: SimulatedLaunch) -> None:
    effect = launch.true_effect
    before = effect[effect["period"] < effect["cohort"]]
    after = effect[effect["period"] >= effect["cohort"]]
    assert (before["att"] == 0).all()
    assert (after["att"] > 0).all()
    for _, cohort in after.groupby("cohort"):
        att = cohort.sort_values("period")["att"].to_numpy()
        assert (np.diff(att) > 0).all(), "the effect grows every month after training"
    first_cohort = after[after["cohort"] == after["cohort"].min()].sort_values("period")
    att = first_cohort["att"].to_numpy()
    tau = launch.params.effect_ramp_months
    assert att[0] / att[-1] == pytest.approx(
        (1 - math.exp(-1 / tau)) / (1 - math.exp(-len(att) / tau))
    )
    assert att[0] < 0.35 * att[-1]


def test_true_effect_is_the_mean_expected_effect_of_each_cohort(launch: SimulatedLaunch) -> None:
    panel = launch.clinic_months.merge(launch.treatment, on="clinic_id").dropna(
        subset=["first_trained"]
    )
    expected = panel.groupby(["first_trained", "date"])["expected_effect"].mean()
    truth = launch.true_effect.set_index(["cohort", "period"])["att"]
    assert np.allclose(expected.sort_index().to_numpy(), truth.sort_index().to_numpy())
    sizes = launch.true_effect.groupby("cohort")["n_clinics"].first()
    assert sizes.sum() == launch.treatment["first_trained"].notna().sum()


def test_true_att_overall_is_the_cohort_weighted_mean_of_post_cells(
    launch: SimulatedLaunch,
) -> None:
    post = launch.true_effect[launch.true_effect["period"] >= launch.true_effect["cohort"]]
    weighted = np.average(post["att"], weights=post["n_clinics"])
    assert launch.true_att_overall == pytest.approx(weighted, rel=1e-12)
    treated = launch.clinic_months[launch.clinic_months["treated"]]
    assert launch.true_relative_uplift == pytest.approx(
        treated["expected_effect"].sum() / treated["expected_untreated"].sum(), rel=1e-12
    )


def test_no_effect_still_shows_a_naive_gap() -> None:
    launch = simulate_launch(SimulationParams(seed=11, effect_by_segment=(0.0, 0.0, 0.0, 0.0)))
    assert launch.true_att_overall == 0
    assert (launch.true_effect["att"] == 0).all()
    assert launch.naive_ratio > 2.3, "selection alone makes trained clinics look far better"


def test_selection_trains_bigger_and_faster_growing_clinics_earlier(
    launch: SimulatedLaunch,
) -> None:
    clinics = launch.clinics.merge(launch.treatment, on="clinic_id")
    early = clinics["first_trained"] < pd.Timestamp("2025-12-01")
    late = clinics["first_trained"] >= pd.Timestamp("2025-12-01")
    never = clinics["first_trained"].isna()
    potential = clinics["potential"]
    assert potential[early].mean() > potential[late].mean() > potential[never].mean()
    assert (
        clinics.loc[~never, "baseline_units"].mean()
        > 2 * clinics.loc[never, "baseline_units"].mean()
    )

    # Pre-campaign growth measured in the sales data: the slope of monthly packs.
    units = _monthly_units_from_sales(launch)
    pre = units[units["date"] < pd.Timestamp("2025-06-01")].copy()
    pre["t"] = pre["date"].dt.year * 12 + pre["date"].dt.month
    pre["t"] -= pre["t"].mean()
    slope = (pre["t"] * pre["units"]).groupby(pre["clinic_id"]).sum() / (
        (pre["t"] ** 2).groupby(pre["clinic_id"]).sum()
    )
    never_ids = clinics.loc[never, "clinic_id"]
    assert slope.drop(never_ids).mean() > 1.5 * slope[never_ids].mean()


def test_without_selection_the_naive_gap_disappears() -> None:
    launch = simulate_launch(SimulationParams(seed=5, selection_strength=0.0))
    # What is left is the true effect plus noise from which big clinics got trained.
    assert launch.naive_ratio < 1.5
    assert launch.naive_ratio == pytest.approx(1 + launch.true_relative_uplift, abs=0.2)
    clinics = launch.clinics.merge(launch.treatment, on="clinic_id")
    trained = clinics["first_trained"].notna()
    ratio = clinics.loc[trained, "potential"].mean() / clinics.loc[~trained, "potential"].mean()
    assert ratio == pytest.approx(1.0, abs=0.12)


def test_segment_effects_differ(launch: SimulatedLaunch) -> None:
    by_segment = launch.true_effect_by_segment.set_index("segment")
    assert list(by_segment.index) == list(SEGMENTS)
    uplift = by_segment["relative_uplift"]
    assert uplift["independent_small"] > 2 * uplift["referral_hospital"]
    assert uplift.max() - uplift.min() > 0.1
    # Per unit of potential, each segment's effect is its parameter times the ramp share.
    panel = launch.clinic_months[launch.clinic_months["treated"]].merge(
        launch.clinics[["clinic_id", "segment", "potential"]], on="clinic_id"
    )
    per_potential = (panel["expected_effect"] / panel["potential"]).groupby(panel["segment"]).max()
    for segment, full in zip(SEGMENTS, launch.params.effect_by_segment, strict=True):
        assert per_potential[segment] == pytest.approx(full, rel=0.02)


def test_untreated_trends_are_linear_in_the_selection_covariates(
    launch: SimulatedLaunch,
) -> None:
    """The design promise behind an unbiased DR estimate: conditional parallel trends."""
    panel = launch.clinic_months
    wide = panel.pivot(index="clinic_id", columns="date", values="expected_untreated")
    change = (wide.iloc[:, -1] - wide.iloc[:, 13]).to_numpy()
    covariates = selection_covariates(launch.clinics).set_index("clinic_id").loc[wide.index]
    design = np.column_stack([np.ones(len(covariates)), covariates.to_numpy()])
    coef, *_ = np.linalg.lstsq(design, change, rcond=None)
    assert np.abs(design @ coef - change).max() < 1e-9
    # ... while unconditionally, trained clinics grow faster than never-trained ones.
    trained = _cohort_of(launch).loc[wide.index].notna().to_numpy()
    assert change[trained].mean() > 1.5 * change[~trained].mean()


def test_selection_covariates_columns(launch: SimulatedLaunch) -> None:
    covariates = selection_covariates(launch.clinics)
    assert list(covariates.columns) == [
        "clinic_id",
        "n_vets",
        "tier_A",
        "tier_B",
        "tier_C",
        "segment_independent_large",
        "segment_corporate_group",
        "segment_referral_hospital",
        "region_RG02",
        "region_RG03",
        "region_RG04",
    ]
    assert len(covariates) == len(launch.clinics)


def test_large_launch_uses_more_reps_and_finishes() -> None:
    assert SimulationParams().n_reps == 40
    assert SimulationParams(n_clinics=20_000).n_reps == 400
    assert SimulationParams(n_clinics=20_000, n_reps=12).n_reps == 12


# --- parameter validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, params_module.ERR_SEED),
        ({"seed": 1.5}, params_module.ERR_SEED),
        ({"n_clinics": 5}, params_module.ERR_N_CLINICS),
        ({"n_clinics": True}, params_module.ERR_N_CLINICS),
        ({"n_regions": 0}, params_module.ERR_N_REGIONS),
        ({"n_regions": 9}, params_module.ERR_N_REGIONS),
        ({"n_reps": 3, "n_regions": 4}, params_module.ERR_N_REPS),
        ({"months_pre": 1}, params_module.ERR_MONTHS_PRE),
        ({"months_post": 1}, params_module.ERR_MONTHS_POST),
        ({"campaign_start": datetime.date(2025, 6, 15)}, params_module.ERR_CAMPAIGN_START),
        ({"campaign_start": "2025-06-01"}, params_module.ERR_CAMPAIGN_START),
        ({"share_never_trained": 1.0}, params_module.ERR_SHARE_NEVER),
        ({"effect_by_segment": (0.1, 0.1)}, params_module.ERR_EFFECT_LENGTH),
        ({"effect_by_segment": (0.1, -0.1, 0.0, 0.0)}, params_module.ERR_EFFECT_VALUE),
        ({"effect_ramp_months": 0}, params_module.ERR_RAMP),
        ({"selection_strength": -0.5}, params_module.ERR_SELECTION),
        ({"market_growth": float("nan")}, params_module.ERR_GROWTH),
        ({"seasonality": 0.5}, params_module.ERR_SEASONALITY),
        ({"noise_shape": 0}, params_module.ERR_NOISE),
    ],
)
def test_invalid_params_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message.split("{")[0])) as info:
        SimulationParams(**kwargs)  # type: ignore[arg-type]
    offending = next(iter(kwargs.values()))
    assert str(info.value).endswith(f"got {offending!r}")


def test_pure_poisson_noise_is_allowed() -> None:
    launch = simulate_launch(SimulationParams(n_clinics=50, noise_shape=math.inf))
    assert launch.clinic_months["units"].min() >= 0
