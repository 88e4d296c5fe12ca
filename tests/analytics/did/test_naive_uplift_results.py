"""Naive comparison, uplift, and the result objects' presentation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from onevoice.analytics.did import ATTgt

from .conftest import MPDTA_COLUMNS, SYN_COLUMNS, synthetic_panel


@pytest.fixture(scope="module")
def selected() -> ATTgt:
    """Trained units are 5 higher to begin with; training adds exactly 2."""
    df = synthetic_panel(noise=0.0, effect=2.0, selection=5.0, seed=3)
    return ATTgt().fit(df, **SYN_COLUMNS)


def test_naive_gap_is_selection_plus_effect(selected: ATTgt) -> None:
    nv = selected.naive()
    assert nv.effect == pytest.approx(2.0)
    assert nv.gap == pytest.approx(nv.selection + nv.effect)
    assert nv.selection == pytest.approx(nv.gap - 2.0)
    assert 4.0 < nv.selection < 6.0  # the level difference the trained units started with
    assert nv.ratio == pytest.approx(nv.treated_mean / nv.control_mean)
    assert nv.ratio > nv.counterfactual_mean / nv.control_mean > 1  # naive ratio overstates
    assert nv.selection_share > 0.6
    tab = nv.tidy().set_index("quantity")
    assert tab.loc["effect", "estimate"] == pytest.approx(2.0)


def test_before_after_mixes_effect_and_trend(selected: ATTgt) -> None:
    nv = selected.naive()
    assert nv.before_after_change > 2.0  # the 0.5-a-period trend comes along


def test_uplift_quantities(selected: ATTgt) -> None:
    up = selected.uplift(unit_price=10.0)
    tab = up.tidy().set_index("quantity")
    nv = selected.naive()
    assert up.relative_uplift == pytest.approx(2.0 / nv.counterfactual_mean)
    n_unit_periods = 30 * 5 + 30 * 3  # cohort 4: periods 4-8; cohort 6: periods 6-8
    assert tab.loc["treated_unit_periods", "estimate"] == n_unit_periods
    assert up.incremental == pytest.approx(2.0 * n_unit_periods)
    assert tab.loc["incremental_revenue", "estimate"] == pytest.approx(20.0 * n_unit_periods)


def test_uplift_intervals_cover_on_noisy_data() -> None:
    df = synthetic_panel(noise=1.0, seed=9, sizes={0: 200, 4: 100, 6: 100})
    up = ATTgt().fit(df, **SYN_COLUMNS).uplift().tidy().set_index("quantity")
    att = up.loc["att"]
    assert att["ci_low"] < 2.0 < att["ci_high"]
    rel = up.loc["relative_uplift"]
    assert rel["ci_low"] < rel["estimate"] < rel["ci_high"]
    assert rel["se"] > 0


def test_naive_on_mpdta_is_consistent(mpdta: pd.DataFrame) -> None:
    est = ATTgt().fit(mpdta, **MPDTA_COLUMNS)
    nv = est.naive()
    assert nv.effect == pytest.approx(est.aggregate("simple").att)
    assert np.isfinite(nv.tidy()["se"]).all()


@pytest.fixture(scope="module")
def fitted(mpdta: pd.DataFrame) -> ATTgt:
    return ATTgt(bootstrap=99, seed=1).fit(mpdta, **MPDTA_COLUMNS)


def test_to_dict_is_plain_json(fitted: ATTgt) -> None:
    for res in (
        fitted.att_gt_,
        fitted.aggregate("simple"),
        fitted.aggregate("dynamic"),
        fitted.aggregate("group"),
        fitted.aggregate("calendar"),
        fitted.pretest(),
        fitted.pretest("event"),
        fitted.naive(),
        fitted.uplift(),
        fitted.balance(),
        fitted.panel_report_,
    ):
        json.dumps(res.to_dict(), allow_nan=False)


def test_tidy_columns(fitted: ATTgt) -> None:
    assert list(fitted.att_gt_.tidy().columns) == [
        "group", "time", "event", "att", "se", "ci_low", "ci_high",
        "band_low", "band_high", "post", "n_treated", "n_control",
    ]  # fmt: skip
    dyn = fitted.aggregate("dynamic").tidy()
    assert dyn["term"].tolist()[-1] == "overall"
    assert dyn["term"].tolist()[0] == "event -3"
    assert list(fitted.aggregate("simple").tidy()["term"]) == ["overall"]


def test_summaries_say_what_matters(fitted: ATTgt) -> None:
    assert "chi2(5) = 7.7912, p = 0.16812" in fitted.att_gt_.summary()
    assert "overall: -0.0400" in fitted.aggregate("simple").summary()
    text = fitted.naive().summary()
    assert "naive ratio" in text
    assert "selection" in text


def test_event_study_plot_is_a_vega_lite_spec_with_its_band(fitted: ATTgt) -> None:
    spec = fitted.aggregate("dynamic").plot()
    assert spec["$schema"].endswith("vega-lite/v5.json")
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "rule", "rule", "point"]
    values = spec["data"]["values"]
    assert [v["event"] for v in values] == [-3, -2, -1, 0, 1, 2, 3]
    assert all(v["band_low"] < v["ci_low"] for v in values)
    assert {v["phase"] for v in values} == {"before", "after"}
    json.dumps(spec, allow_nan=False)
    for res in (
        fitted.att_gt_,
        fitted.aggregate("group"),
        fitted.naive(),
        fitted.uplift(),
        fitted.balance(),
    ):
        json.dumps(res.plot(), allow_nan=False)
