"""Designs beyond mpdta: universal base period, anticipation, covariates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from onevoice.analytics.did import ATTgt

from .conftest import MPDTA_COLUMNS, SYN_COLUMNS, synthetic_panel


def test_universal_base_period(mpdta: pd.DataFrame) -> None:
    varying = ATTgt().fit(mpdta, **MPDTA_COLUMNS).att_gt_.tidy()
    universal = ATTgt(base_period="universal").fit(mpdta, **MPDTA_COLUMNS)
    tab = universal.att_gt_.tidy()
    assert len(tab) == 15  # every period, including the first
    ref = tab[tab["time"] == tab["group"] - 1]
    assert (ref["att"] == 0).all()
    assert ref["se"].isna().all()
    post_u = tab[tab["post"]].reset_index(drop=True)
    post_v = varying[varying["post"]].reset_index(drop=True)
    np.testing.assert_allclose(post_u["att"], post_v["att"], atol=1e-12)
    np.testing.assert_allclose(post_u["se"], post_v["se"], atol=1e-12)
    dyn = universal.aggregate("dynamic").table.set_index("event")
    assert dyn.loc[-1, "att"] == 0
    assert np.isnan(dyn.loc[-1, "se"])
    # Reference cells are not tested; the universal pre-period ATTs are an invertible
    # transformation of the varying ones, so the Wald statistic is the same.
    assert universal.pretest().df == 5
    assert universal.pretest().stat == pytest.approx(7.79123662720035, abs=1e-8)


def test_anticipation_recovers_the_effect_when_units_react_early() -> None:
    df = synthetic_panel(noise=0.0, anticipation_effect=1.0)
    naive_timing = ATTgt().fit(df, **SYN_COLUMNS).aggregate("simple").att
    assert naive_timing == pytest.approx(1.0)  # base period g-1 already moved by 1
    est = ATTgt(anticipation=1).fit(df, **SYN_COLUMNS)
    assert est.aggregate("simple").att == pytest.approx(2.0)
    # Cells in the anticipation window are not part of the pre-trend test.
    assert est.pretest().stat == pytest.approx(0.0, abs=1e-12) or est.pretest().stat is None


def _selection_on_observables(n: int = 1500, seed: int = 1) -> pd.DataFrame:
    """Units with high x are more often treated and also grow faster: x confounds."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    seg = rng.choice(["clinic", "hospital", "practice"], size=n)
    p = 1 / (1 + np.exp(-(x - 0.5)))
    cohort = np.where(rng.random(n) < p, rng.choice([4, 6], size=n), 0)
    rows = []
    for i in range(n):
        level = 10 + 3 * x[i] + rng.normal()
        for t in range(1, 9):
            y = level + (0.5 + 0.4 * x[i] + 0.2 * (seg[i] == "hospital")) * t + rng.normal(0, 0.5)
            if cohort[i] and t >= cohort[i]:
                y += 2.0
            rows.append((i, t, cohort[i], y, x[i], seg[i]))
    return pd.DataFrame(rows, columns=["unit", "time", "cohort", "y", "x", "segment"])


@pytest.fixture(scope="module")
def confounded() -> pd.DataFrame:
    return _selection_on_observables()


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_covariates_remove_selection_on_observables(confounded: pd.DataFrame, method: str) -> None:
    plain = ATTgt().fit(confounded, **SYN_COLUMNS).aggregate("simple")
    assert plain.att > 2.3  # confounded by x's trend
    res = (
        ATTgt(method=method, covariates=("x", "segment"))  # type: ignore[arg-type]
        .fit(confounded, **SYN_COLUMNS)
        .aggregate("simple")
    )
    assert abs(res.att - 2.0) < 3 * res.se
    assert res.ci_low < 2.0 < res.ci_high


def test_balance_shows_selection_and_its_removal(confounded: pd.DataFrame) -> None:
    est = ATTgt(covariates=("x",)).fit(confounded, **SYN_COLUMNS)
    tab = est.balance().tidy()
    x_rows = tab[tab["covariate"] == "x"]
    assert (x_rows["smd_raw"].abs() > 0.3).all()
    assert (x_rows["smd_weighted"].abs() < 0.1).all()
    assert set(tab["covariate"]) == {"y (base period)", "x"}


def test_time_varying_covariates_use_the_base_period(confounded: pd.DataFrame) -> None:
    # A covariate that drifts over time takes the 3-D path; a drift common to all
    # units changes nothing in a regression with an intercept.
    drift = confounded.assign(x=confounded["x"] + 0.1 * confounded["time"])
    a = ATTgt(method="reg", covariates=("x",)).fit(drift, **SYN_COLUMNS)
    b = ATTgt(method="reg", covariates=("x",)).fit(confounded, **SYN_COLUMNS)
    assert a._panel.x is not None
    assert a._panel.x.ndim == 3
    np.testing.assert_allclose(a.att_gt_.tidy()["att"], b.att_gt_.tidy()["att"], atol=1e-10)


def test_small_cohort_without_some_segment_still_estimates(confounded: pd.DataFrame) -> None:
    """Quasi-separation: a segment absent from a small cohort must not break the logit."""
    df = confounded.copy()
    small = df["unit"].isin(df.loc[df["cohort"] == 6, "unit"].unique()[:12])
    keep = (df["cohort"] != 6) | small
    df = df[keep]
    df.loc[(df["cohort"] == 6) & (df["segment"] == "hospital"), "segment"] = "clinic"
    for method in ("dr", "ipw"):
        est = ATTgt(method=method, covariates=("x", "segment"), min_cohort_size=5).fit(  # type: ignore[arg-type]
            df, **SYN_COLUMNS
        )
        res = est.aggregate("group").table.set_index("group")
        assert np.isfinite(res.loc[6, "att"])
        assert np.isfinite(res.loc[6, "se"])


def test_pretest_cautions_when_cohorts_are_small_for_their_restrictions() -> None:
    df = synthetic_panel(sizes={0: 40, 6: 20}, periods=range(1, 13))
    pre = ATTgt().fit(df, **SYN_COLUMNS).pretest()
    assert pre.df == 4
    assert pre.note is not None
    assert "over-rejects" in pre.summary()


def test_event_study_pretest_is_the_cell_test_for_a_single_cohort() -> None:
    # One cohort: each pre-period event time is that cohort's ATT(g,t), so both tests
    # test the same restrictions with the same covariance.
    df = synthetic_panel(sizes={0: 60, 6: 40}, periods=range(1, 10), seed=3)
    est = ATTgt().fit(df, **SYN_COLUMNS)
    cells, event = est.pretest(), est.pretest("event")
    assert event.test == "event"
    assert event.df == cells.df == 4
    assert event.stat == pytest.approx(cells.stat, rel=1e-10)
    assert "Event-study pre-trend test" in event.summary()
    assert "Event-study pre-trend test" in est.att_gt_.summary()


def test_event_study_pretest_on_mpdta_tests_the_dynamic_pre_periods(mpdta: pd.DataFrame) -> None:
    est = ATTgt().fit(mpdta, **MPDTA_COLUMNS)
    dyn = est.aggregate("dynamic").table
    event = est.pretest("event")
    assert event.df == int((dyn["event"] < 0).sum()) == 3
    # Each estimate's own Wald statistic is (att / se)^2; the joint one is at least
    # the largest of them (a quadratic form dominates any single restriction).
    z2 = ((dyn["att"] / dyn["se"])[dyn["event"] < 0] ** 2).max()
    assert event.stat is not None
    assert event.stat >= z2 - 1e-9
    assert 0.0 < (event.p_value or 0.0) < 1.0
    with pytest.raises(Exception, match="kind"):
        est.pretest("bogus")  # type: ignore[arg-type]


def test_pretests_reject_a_planted_pre_trend() -> None:
    df = synthetic_panel(sizes={0: 80, 5: 40, 7: 40}, periods=range(1, 11), seed=4)
    treated = df["cohort"] > 0
    df.loc[treated, "y"] += 0.8 * df.loc[treated, "time"]  # treated already grow faster
    est = ATTgt().fit(df, **SYN_COLUMNS)
    assert (est.pretest("event").p_value or 1.0) < 1e-6
    assert (est.pretest().p_value or 1.0) < 1e-6


def test_wald_uses_a_generalized_inverse_when_the_covariance_is_singular() -> None:
    from onevoice.analytics.did.pretest import _wald

    a = np.array([[1.0, 0.5], [0.5, 2.0]])
    v = np.zeros((3, 3))
    v[:2, :2] = a
    v[2, :2] = v[:2, 2] = a @ [1.0, 1.0]  # third estimate = sum of the first two
    v[2, 2] = np.array([1.0, 1.0]) @ a @ [1.0, 1.0]
    theta = np.array([0.3, -0.2, 0.1])
    stat, df, note = _wald(theta, v)
    assert df == 2
    assert stat == pytest.approx(theta[:2] @ np.linalg.solve(a, theta[:2]))
    assert note is not None
    assert "rank 2 of 3" in note
    stat_ok, df_ok, note_ok = _wald(theta[:2], a)
    assert (df_ok, note_ok) == (2, None)
    assert stat_ok == pytest.approx(stat)
