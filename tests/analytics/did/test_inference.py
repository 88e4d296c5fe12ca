"""Bootstrap, simultaneous bands and clustering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from onevoice.analytics.did import ATTgt

from .conftest import MPDTA_COLUMNS


def test_bootstrap_is_reproducible_with_a_seed(mpdta: pd.DataFrame) -> None:
    a = ATTgt(bootstrap=199, seed=11).fit(mpdta, **MPDTA_COLUMNS)
    b = ATTgt(bootstrap=199, seed=11).fit(mpdta, **MPDTA_COLUMNS)
    c = ATTgt(bootstrap=199, seed=12).fit(mpdta, **MPDTA_COLUMNS)
    pd.testing.assert_frame_equal(a.att_gt_.tidy(), b.att_gt_.tidy())
    pd.testing.assert_frame_equal(a.aggregate("dynamic").tidy(), b.aggregate("dynamic").tidy())
    assert not np.allclose(a.att_gt_.tidy()["se"], c.att_gt_.tidy()["se"])


def test_generator_seed_is_accepted(mpdta: pd.DataFrame) -> None:
    est = ATTgt(bootstrap=99, seed=np.random.default_rng(5)).fit(mpdta, **MPDTA_COLUMNS)
    assert est.inference_.method == "bootstrap"


@pytest.mark.parametrize("weights", ["mammen", "rademacher"])
def test_bootstrap_se_close_to_analytic(mpdta: pd.DataFrame, weights: str) -> None:
    analytic = ATTgt().fit(mpdta, **MPDTA_COLUMNS).att_gt_.tidy()["se"]
    boot = (
        ATTgt(bootstrap=999, seed=1, bootstrap_weights=weights)  # type: ignore[arg-type]
        .fit(mpdta, **MPDTA_COLUMNS)
        .att_gt_.tidy()["se"]
    )
    # 999 draws: an IQR-based SE has ~4% sampling error; allow 15%.
    np.testing.assert_allclose(boot, analytic, rtol=0.15)


@pytest.mark.parametrize("bootstrap", [0, 499])
def test_uniform_band_is_wider_than_pointwise_and_narrower_than_bonferroni(
    mpdta: pd.DataFrame, bootstrap: int
) -> None:
    res = ATTgt(bootstrap=bootstrap, seed=4).fit(mpdta, **MPDTA_COLUMNS).aggregate("dynamic")
    t = res.table
    assert (t["band_high"] - t["band_low"] > t["ci_high"] - t["ci_low"]).all()
    z = stats.norm.ppf(0.975)
    bonferroni = stats.norm.ppf(1 - 0.05 / (2 * len(t)))
    assert z < res.crit < bonferroni + 0.1


def test_unit_clusters_equal_unit_level(mpdta: pd.DataFrame) -> None:
    base = ATTgt(seed=0).fit(mpdta, **MPDTA_COLUMNS)
    own = ATTgt(cluster="countyreal", seed=0).fit(mpdta, **MPDTA_COLUMNS)
    pd.testing.assert_frame_equal(base.att_gt_.tidy(), own.att_gt_.tidy())


def test_clustered_se_matches_a_hand_computed_influence_function(mpdta: pd.DataFrame) -> None:
    """ATT(2004, 2005) with never-treated controls, clustered by state, computed by hand."""
    df = mpdta.assign(state=mpdta["countyreal"] // 1000)
    est = ATTgt(cluster="state").fit(df, **MPDTA_COLUMNS)
    wide = df.pivot(index="countyreal", columns="year", values="lemp")
    unit = df.drop_duplicates("countyreal").set_index("countyreal")
    dy = wide[2005] - wide[2003]
    g = unit["first.treat"] == 2004
    c = unit["first.treat"] == 0
    n = len(unit)
    psi = n * (g * (dy - dy[g].mean()) / g.sum() - c * (dy - dy[c].mean()) / c.sum())
    sums = psi.groupby(unit["state"]).sum()
    n_cl = len(sums)
    se = np.sqrt((sums**2).sum() / n**2 * n_cl / (n_cl - 1))
    row = est.att_gt_.tidy().query("group == 2004 and time == 2005").iloc[0]
    assert row["att"] == pytest.approx(dy[g].mean() - dy[c].mean(), abs=1e-12)
    assert row["se"] == pytest.approx(se, rel=1e-10)
    assert any("29 clusters" in w for w in est.warnings_)


def test_clustered_bootstrap_tracks_clustered_analytic(mpdta: pd.DataFrame) -> None:
    df = mpdta.assign(state=mpdta["countyreal"] // 1000)
    analytic = ATTgt(cluster="state").fit(df, **MPDTA_COLUMNS).aggregate("group")
    boot = ATTgt(cluster="state", bootstrap=999, seed=2).fit(df, **MPDTA_COLUMNS)
    res = boot.aggregate("group")
    np.testing.assert_allclose(res.table["se"], analytic.table["se"], rtol=0.25)
    assert res.se == pytest.approx(analytic.se, rel=0.25)
