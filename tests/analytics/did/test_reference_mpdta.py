"""ATTgt against R did 2.5.x on mpdta (full precision) and the did documentation (4 dp).

Tolerances: point estimates and analytic standard errors within 1e-6 of the
full-precision files (they agree to ~1e-14 in practice); the pre-test statistic within
1e-6 and its p-value within 5e-6 (R rounds it to 5 decimals); the documentation's
4-decimal values within 5e-5 (half a unit in the last printed place).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from onevoice.analytics.did import ATTgt

from .conftest import MPDTA_COLUMNS

TOL = 1e-6
TOL_4DP = 5e-5

SCENARIOS = {
    "mpdta_nev_dr": {"control": "never", "method": "dr", "covariates": ()},
    "mpdta_nyt_dr": {"control": "notyet", "method": "dr", "covariates": ()},
    "mpdta_nev_ipw": {"control": "never", "method": "ipw", "covariates": ()},
    "mpdta_nev_reg_cov": {"control": "never", "method": "reg", "covariates": ("lpop",)},
}


def fit(mpdta: pd.DataFrame, **options: Any) -> ATTgt:
    return ATTgt(**options).fit(mpdta, **MPDTA_COLUMNS)


@pytest.fixture(scope="module", params=list(SCENARIOS))
def scenario(request: pytest.FixtureRequest, mpdta: pd.DataFrame) -> tuple[str, ATTgt]:
    return request.param, fit(mpdta, **SCENARIOS[request.param])


def test_att_gt_matches_r(scenario: tuple[str, ATTgt], ref_attgt: pd.DataFrame) -> None:
    name, est = scenario
    ref = ref_attgt[ref_attgt["scenario"] == name]
    got = est.att_gt_.tidy()
    assert list(got["group"]) == list(ref["group"])
    assert list(got["time"]) == list(ref["t"])
    np.testing.assert_allclose(got["att"], ref["att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(got["se"], ref["se"], rtol=0, atol=TOL)


@pytest.mark.parametrize("kind", ["simple", "group", "dynamic", "calendar"])
def test_aggregations_match_r(
    scenario: tuple[str, ATTgt], ref_aggte: pd.DataFrame, kind: str
) -> None:
    name, est = scenario
    ref = ref_aggte[(ref_aggte["scenario"] == name) & (ref_aggte["type"] == kind)]
    res = est.aggregate(kind)  # type: ignore[arg-type]
    assert res.att == pytest.approx(ref["overall_att"].iloc[0], abs=TOL)
    assert res.se == pytest.approx(ref["overall_se"].iloc[0], abs=TOL)
    if kind != "simple":
        assert list(res.table[res.key]) == [int(v) for v in ref["egt"]]
        np.testing.assert_allclose(res.table["att"], ref["att_egt"], rtol=0, atol=TOL)
        np.testing.assert_allclose(res.table["se"], ref["se_egt"], rtol=0, atol=TOL)


def test_pretest_matches_r(scenario: tuple[str, ATTgt], ref_pretest: pd.DataFrame) -> None:
    name, est = scenario
    ref = ref_pretest[ref_pretest["scenario"] == name].iloc[0]
    pre = est.pretest()
    assert pre.stat == pytest.approx(ref["W"], abs=TOL)
    assert pre.df == 5
    assert pre.p_value == pytest.approx(ref["Wpval"], abs=5e-6)


def test_published_att_gt_no_covariates(mpdta: pd.DataFrame, published: dict[str, Any]) -> None:
    rows = published["no_covariates_nevertreated"]["published_att_4dp"]["values"]
    got = fit(mpdta).att_gt_.tidy()
    np.testing.assert_allclose(got["att"], [r["att"] for r in rows], rtol=0, atol=TOL_4DP)
    p = published["no_covariates_nevertreated"]["pretest"]["published_pval"]
    assert fit(mpdta).pretest().p_value == pytest.approx(p, abs=5e-6)


@pytest.mark.parametrize(
    ("key", "control"), [("lpop_dr_nevertreated", "never"), ("lpop_dr_notyettreated", "notyet")]
)
def test_published_att_gt_doubly_robust_with_lpop(
    mpdta: pd.DataFrame, published: dict[str, Any], key: str, control: str
) -> None:
    est = fit(mpdta, control=control, method="dr", covariates=("lpop",))
    rows = published[key]["published_att_4dp"]
    got = est.att_gt_.tidy()
    assert list(zip(got["group"], got["time"], strict=True)) == [(r["group"], r["t"]) for r in rows]
    np.testing.assert_allclose(got["att"], [r["att"] for r in rows], rtol=0, atol=TOL_4DP)
    assert est.pretest().p_value == pytest.approx(
        published[key]["published_pretest_pval"], abs=5e-6
    )


def test_doubly_robust_lpop_aggregations_match_other_implementations(
    mpdta: pd.DataFrame, published: dict[str, Any]
) -> None:
    ref = published["lpop_dr_nevertreated"]["aggregations_not_published"]
    est = fit(mpdta, method="dr", covariates=("lpop",))
    simple = est.aggregate("simple")
    assert simple.att == pytest.approx(ref["simple"]["att"], abs=TOL)
    assert simple.se == pytest.approx(ref["simple"]["se"], abs=TOL)
    for kind in ("group", "dynamic", "calendar"):
        assert est.aggregate(kind).att == pytest.approx(ref[f"{kind}_overall"], abs=TOL)  # type: ignore[arg-type]


def test_published_aggregations(mpdta: pd.DataFrame, published: dict[str, Any]) -> None:
    pub = published["no_covariates_nevertreated"]["aggte_published_4dp"]
    est = fit(mpdta)
    assert est.aggregate("simple").att == pytest.approx(pub["simple"], abs=TOL_4DP)
    for kind in ("dynamic", "group", "calendar"):
        res = est.aggregate(kind)  # type: ignore[arg-type]
        assert res.att == pytest.approx(pub[f"{kind}_overall"], abs=TOL_4DP)
        got = dict(zip(res.table[res.key].astype(str), res.table["att"], strict=True))
        assert got.keys() == pub[kind].keys()
        for k, v in pub[kind].items():
            assert got[k] == pytest.approx(v, abs=TOL_4DP)


def test_published_balanced_event_study(mpdta: pd.DataFrame, published: dict[str, Any]) -> None:
    pub = published["no_covariates_nevertreated"]["dynamic_balance_e_1_published_4dp"]
    res = fit(mpdta).aggregate("dynamic", balance_e=1)
    assert res.att == pytest.approx(pub["overall"], abs=TOL_4DP)
    got = dict(zip(res.table["event"].astype(str), res.table["att"], strict=True))
    assert got.keys() == pub["by_e"].keys()
    for e, v in pub["by_e"].items():
        assert got[e] == pytest.approx(v, abs=TOL_4DP)


def test_no_covariates_methods_agree(mpdta: pd.DataFrame) -> None:
    tables = [fit(mpdta, method=m).att_gt_.tidy() for m in ("dr", "ipw", "reg")]
    for t in tables[1:]:
        np.testing.assert_allclose(t["att"], tables[0]["att"], atol=1e-12)
        np.testing.assert_allclose(t["se"], tables[0]["se"], atol=1e-12)
