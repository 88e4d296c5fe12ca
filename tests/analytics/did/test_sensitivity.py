"""Sensitivity to violations of parallel trends (Rambachan & Roth relative magnitudes).

References (tests/data/mpdta_reference/README.md): HonestDiD's bounds on mpdta as
moderndid 0.4.1 computes them (100-point grid: the shared reference file; 2000-point grid)
and on seven synthetic event studies. ``mode="honestdid"`` repeats HonestDiD's
computation, so it is held to those files (the brief's 2e-3 on the shared file; they agree
to ~1e-14 today, a numpy change to ``multivariate_normal`` would show as one grid step).
The default ``mode="precise"`` refines the ends; it is held to the fine grid and to the
definition of its ends (accepted at the end, rejected just beyond).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from onevoice.analytics.did import ATTgt, DIDError, DIDWarning, NotFittedError
from onevoice.analytics.did.sensitivity import (
    RelativeMagnitudesResult,
    _Config,
    _event_study,
    _grid_range,
    _post_moments,
    _robust_interval,
    _UnionTest,
    relative_magnitudes,
    relative_magnitudes_from_estimates,
)

from .conftest import MPDTA_COLUMNS

REF_DIR = Path(__file__).resolve().parents[2] / "data" / "mpdta_reference"
MBARS = (0.5, 1.0, 1.5, 2.0)
TOL_REFERENCE = 2e-3


@pytest.fixture(scope="module")
def universal(mpdta: pd.DataFrame) -> ATTgt:
    """mpdta_nev_dr with a universal base period (the reference file's setup)."""
    return ATTgt(control="never", method="dr", base_period="universal").fit(mpdta, **MPDTA_COLUMNS)


@pytest.fixture(scope="module")
def honest(universal: ATTgt) -> RelativeMagnitudesResult:
    return relative_magnitudes(universal, mbar=MBARS, event_times=[0, 1], mode="honestdid")


@pytest.fixture(scope="module")
def precise(universal: ATTgt) -> RelativeMagnitudesResult:
    return relative_magnitudes(universal, mbar=(0.0, *MBARS), event_times=[0, 1])


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "honestdid_rm.csv")


def _robust_rows(reference: pd.DataFrame) -> pd.DataFrame:
    rows = reference[reference["method"] == "C-LF"]
    return rows.assign(mbar=rows["mbar"].astype(float))


def _study(est: ATTgt) -> Any:
    agg = est._aggregate("dynamic")
    return _event_study(agg.keys, agg.est, est.inference_.vcov(agg.coords), -1)


# -- the reference values -------------------------------------------------------------------
def test_honestdid_mode_reproduces_reference(
    honest: RelativeMagnitudesResult, reference: pd.DataFrame
) -> None:
    ref = _robust_rows(reference)
    got = honest.tidy()
    got = got[got["method"] == "C-LF"]
    merged = ref.merge(got, on=["event_time", "mbar"], suffixes=("_ref", ""))
    assert len(merged) == len(ref) == 8  # every M̄ and event time the file has
    np.testing.assert_allclose(merged["ci_low"], merged["ci_low_ref"], rtol=0, atol=TOL_REFERENCE)
    np.testing.assert_allclose(merged["ci_high"], merged["ci_high_ref"], rtol=0, atol=TOL_REFERENCE)


def test_original_interval_matches_reference(
    precise: RelativeMagnitudesResult, reference: pd.DataFrame
) -> None:
    ref = reference[reference["method"] == "original"].set_index("event_time")
    for e in (0, 1):
        low, high = precise.interval(e)
        assert low == pytest.approx(ref.loc[e, "ci_low"], abs=1e-9)
        assert high == pytest.approx(ref.loc[e, "ci_high"], abs=1e-9)


def test_precise_mode_against_reference(
    universal: ATTgt, precise: RelativeMagnitudesResult, reference: pd.DataFrame
) -> None:
    # HonestDiD's ends are grid values inside the true ends: the refined ends are at most
    # one 100-point grid step further out, give or take the critical value's simulation
    # noise (the two modes simulate it from different draws).
    study = _study(universal)
    noise = 2.5e-3
    for r in _robust_rows(reference).itertuples():
        lo, hi = _grid_range(study, int(r.event_time) + 1, float(r.mbar))
        step = (hi - lo) / 99
        low, high = precise.interval(int(r.event_time), float(r.mbar))
        assert r.ci_low - step - noise <= low <= r.ci_low + noise
        assert r.ci_high - noise <= high <= r.ci_high + step + noise


def test_refined_ends_match_a_fine_grid(universal: ATTgt) -> None:
    # With HonestDiD's own draws, refining the ends of a 1000-point grid lands within one
    # step outside the ends HonestDiD finds on a 2000-point grid (an independent check of
    # the refinement on an independent implementation).
    fine = pd.read_csv(REF_DIR / "honestdid_rm_grid2000.csv")
    study = _study(universal)
    cfg = _Config(alpha=0.05, grid_points=1000, refine=True, honestdid_draws=True)
    for r in fine.itertuples():
        step = (r.grid_ub - r.grid_lb) / (r.grid_points - 1)
        low, high = _robust_interval(study, int(r.event_time) + 1, float(r.mbar), cfg)
        assert r.ci_low - step - 1e-9 <= low <= r.ci_low + 1e-9
        assert r.ci_high - 1e-9 <= high <= r.ci_high + step + 1e-9


def test_synthetic_event_studies_match_honestdid() -> None:
    spec = json.loads((REF_DIR / "honestdid_rm_synthetic.json").read_text())
    for case in spec["cases"]:
        k, t, j = case["num_pre_periods"], case["num_post_periods"], case["post_index"]
        keys = [*range(-k - 1, -1), *range(t)]  # reference period -1 not given
        bounds = case["bounds"]
        res = relative_magnitudes_from_estimates(
            keys,
            case["betahat"],
            case["sigma"],
            mbar=[b["mbar"] for b in bounds],
            event_times=[j - 1],
            mode="honestdid",
            grid_points=case["grid_points"],
        )
        for b in bounds:
            low, high = res.interval(j - 1, b["mbar"])
            assert low == pytest.approx(b["ci_low"], abs=1e-6), (k, t, j, b)
            assert high == pytest.approx(b["ci_high"], abs=1e-6), (k, t, j, b)


# -- the method ------------------------------------------------------------------------------
@pytest.mark.parametrize(("k", "t", "j"), [(1, 1, 1), (3, 4, 1), (3, 4, 3), (5, 6, 6)])
def test_closed_form_statistic_is_the_linear_program(k: int, t: int, j: int) -> None:
    # ARP's statistic min_τ max_k (y_k(θ) - X_k τ) / σ_k, solved as HonestDiD solves it,
    # equals the largest vertex value used here, for every polyhedron and value tested.
    rng = np.random.default_rng(7 + k + t + j)
    n = k + t
    root = rng.normal(scale=0.02, size=(n, n))
    sigma = root @ root.T + 1e-4 * np.eye(n)
    beta = rng.normal(scale=0.05, size=n)
    study = _event_study([*range(-k - 1, -1), *range(t)], beta, sigma, -1)
    for mbar in (0.0, 0.7, 2.0):
        test = _UnionTest(study, j, mbar, 0.05, honestdid_draws=False)
        pieces = [(s, pos) for s in range(-(k - 1), 1) for pos in (True, False)]
        for p, (s, pos) in enumerate(pieces):
            a = _post_moments(k, t, mbar, s, pos)
            sd = np.sqrt(np.diag(a @ sigma @ a.T))
            col = k + j - 1
            nuisance = [c for c in range(k, k + t) if c != col]
            for theta in rng.normal(scale=0.1, size=4):
                y = a @ beta - a[:, col] * theta
                x = a[:, nuisance]
                lp = optimize.linprog(
                    c=np.r_[1.0, np.zeros(len(nuisance))],
                    A_ub=-np.column_stack([sd, x]),
                    b_ub=-y,
                    bounds=[(None, None)] * (1 + len(nuisance)),
                    method="highs",
                )
                assert lp.success
                closed = float(np.max(test.level[p] - test.slope[p] * theta))
                assert closed == pytest.approx(lp.fun, abs=1e-9)


def test_mbar_zero_is_close_to_the_parallel_trends_interval(
    precise: RelativeMagnitudesResult,
) -> None:
    # M̄ = 0: no change in the bias after treatment, i.e. parallel trends; the C-LF set
    # then differs from the usual interval only by the hybrid test's size split.
    for e in (0, 1):
        low, high = precise.interval(e)
        half = (high - low) / 2
        r_low, r_high = precise.interval(e, 0.0)
        assert abs(r_low - low) <= 0.05 * half
        assert abs(r_high - high) <= 0.05 * half


def test_sets_grow_with_mbar(precise: RelativeMagnitudesResult) -> None:
    robust = precise.tidy()
    robust = robust[robust["method"] == "C-LF"]
    for _, rows in robust.groupby("event_time"):
        rows = rows.sort_values("mbar")
        assert (np.diff(rows["ci_low"]) <= 1e-12).all()
        assert (np.diff(rows["ci_high"]) >= -1e-12).all()


def test_refined_ends_are_the_ends_of_the_set(universal: ATTgt) -> None:
    study = _study(universal)
    cfg = _Config(alpha=0.05, grid_points=1000, refine=True, honestdid_draws=False)
    for j in (1, 2):
        for mbar in (0.5, 1.5):
            test = _UnionTest(study, j, mbar, 0.05, honestdid_draws=False)
            low, high = _robust_interval(study, j, mbar, cfg, test)
            lo, hi = _grid_range(study, j, mbar)
            eps = (hi - lo) / 999 / 32**3 * 1.01  # the refinement's resolution
            assert test.accept(np.array([low, high])).all()
            assert not test.accept(np.array([low - eps, high + eps])).any()


def test_breakdown_mbar(universal: ATTgt, precise: RelativeMagnitudesResult) -> None:
    # Event time 0: the usual interval already includes zero, so no break is needed.
    assert precise.breakdown_mbar[0] == 0.0
    b = precise.breakdown_mbar[1]
    assert b is not None
    assert 0.25 < b < 0.5  # zero enters between the M̄ = 0 and M̄ = 0.5 sets
    check = relative_magnitudes(universal, mbar=[b, b - 1e-3], event_times=[1])
    low, high = check.interval(1, b)
    assert low <= 0.0 <= high  # the set at the breakdown includes zero ...
    low, high = check.interval(1, b - 1e-3)
    assert not low <= 0.0 <= high  # ... and slightly below it does not


def test_breakdown_none_when_zero_never_enters() -> None:
    # A large effect and flat, precise pre-periods: zero stays out up to M̄ = 10.
    keys = [-4, -3, -2, 0, 1]
    beta = [0.001, -0.001, 0.0005, 1.0, 1.1]
    sigma = np.diag([1e-4, 1e-4, 1e-4, 1e-3, 1e-3])
    res = relative_magnitudes_from_estimates(keys, beta, sigma, event_times=[0])
    assert res.breakdown_mbar[0] is None
    assert "even if post-training deviations" in res.sentence(0)
    assert res.to_dict()["breakdown_mbar"] == {"0": None}


def test_one_post_period_and_anticipation(mpdta: pd.DataFrame) -> None:
    with pytest.warns(DIDWarning, match="20 of 500 units dropped"):  # cohort 2004
        est = ATTgt(base_period="universal", anticipation=1, always_treated="drop").fit(
            mpdta, **MPDTA_COLUMNS
        )
    res = relative_magnitudes(est, mbar=[0.0, 1.0], event_times=[0], max_e=0)
    assert res.settings["reference"] == -2
    assert res.settings["post_event_times"] == [-1, 0]
    low, high = res.interval(0)
    r_low, r_high = res.interval(0, 0.0)
    assert abs(r_low - low) < 0.05 * (high - low)
    assert abs(r_high - high) < 0.05 * (high - low)
    single = relative_magnitudes(
        ATTgt(base_period="universal").fit(mpdta, **MPDTA_COLUMNS), event_times=[0], max_e=0
    )
    assert single.settings["post_event_times"] == [0]  # HonestDiD's no-nuisance test
    assert single.interval(0, 2.0)[0] < single.interval(0, 0.5)[0]


# -- presentation ---------------------------------------------------------------------------
def test_tidy_rows(precise: RelativeMagnitudesResult) -> None:
    tidy = precise.tidy()
    assert list(tidy.columns) == ["event_time", "method", "mbar", "ci_low", "ci_high"]
    first = tidy[tidy["event_time"] == 0]
    assert list(first["method"]) == ["original"] + ["C-LF"] * 5
    assert math.isnan(first["mbar"].iloc[0])
    assert list(first["mbar"].iloc[1:]) == [0.0, *MBARS]


def test_to_dict_is_json(precise: RelativeMagnitudesResult) -> None:
    d = precise.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["kind"] == "relative_magnitudes"
    assert back["breakdown_mbar"].keys() == {"0", "1"}
    assert back["breakdown_mbar"]["0"] == 0.0
    assert all(set(r) == {"event_time", "mbar", "ci_low", "ci_high"} for r in back["rows"])
    assert len(back["rows"]) == 10
    assert back["original"][1]["event_time"] == 1
    assert back["summary"] == [precise.sentence(0), precise.sentence(1)]


def test_summary_reads_as_a_sentence(precise: RelativeMagnitudesResult) -> None:
    b = precise.breakdown_mbar[1]
    assert b is not None
    assert precise.sentence(1) == (
        "1 period after the training, the effect stays negative (95% confidence) unless "
        "post-training deviations from parallel trends exceed "
        f"{b:.2f} times the largest pre-training one."
    )
    assert "not distinguishable from zero" in precise.sentence(0)
    text = precise.summary()
    assert text.splitlines()[0] == precise.sentence(0)
    assert "original" in text
    assert "C-LF" in text


def test_plot_is_a_vega_lite_spec(precise: RelativeMagnitudesResult) -> None:
    spec = precise.plot()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["facet"]["column"]["field"] == "event_time"
    assert len(spec["data"]["values"]) == len(precise.tidy())
    json.dumps(spec, allow_nan=False)


# -- errors ---------------------------------------------------------------------------------
def test_needs_a_universal_base_period(mpdta: pd.DataFrame) -> None:
    est = ATTgt().fit(mpdta, **MPDTA_COLUMNS)
    with pytest.raises(DIDError, match="base_period='universal'"):
        relative_magnitudes(est)


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        relative_magnitudes(ATTgt(base_period="universal"))


def test_needs_pre_periods(universal: ATTgt) -> None:
    with pytest.raises(DIDError, match="at least one pre-treatment estimate"):
        relative_magnitudes(universal, min_e=-1)
    with pytest.raises(DIDError, match="at least one pre-treatment estimate"):
        relative_magnitudes_from_estimates([-1, 0, 1], [0.0, 0.1, 0.2], np.eye(3) * 0.01)


@pytest.mark.parametrize("event_time", [7, -2, 0.5])
def test_event_time_not_estimated(universal: ATTgt, event_time: Any) -> None:
    with pytest.raises(DIDError, match=r"not among .* available: 0, 1, 2, 3"):
        relative_magnitudes(universal, event_times=[event_time])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mbar": [-1.0]}, "mbar must be"),
        ({"mbar": []}, "mbar must be"),
        ({"mode": "fast"}, "mode must be"),
        ({"alpha": 1.5}, "alpha must be"),
        ({"grid_points": 3}, "grid_points must be"),
    ],
)
def test_bad_options(universal: ATTgt, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(DIDError, match=message):
        relative_magnitudes(universal, **kwargs)


def test_event_times_must_be_consecutive() -> None:
    with pytest.raises(DIDError, match="consecutive"):
        relative_magnitudes_from_estimates(
            [-3, -2, 0, 2], [0.0, 0.01, 0.1, 0.2], np.eye(4) * 0.01, event_times=[0]
        )
