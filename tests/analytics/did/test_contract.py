"""The estimator contract, option validation and the public surface."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import onevoice.analytics.did as did
from onevoice.analytics.did import ATTgt, DIDError, NotFittedError

from .conftest import MPDTA_COLUMNS

PUBLIC = {
    "ATTgt",
    "AggregateResult",
    "AggregationKind",
    "AlwaysTreatedError",
    "BalanceResult",
    "BasePeriod",
    "BootstrapWeights",
    "CohortTooSmallError",
    "CollinearCovariatesError",
    "Control",
    "DIDError",
    "DIDWarning",
    "GroupTimeResult",
    "Method",
    "NaiveResult",
    "NoControlUnitsError",
    "NotFittedError",
    "PanelError",
    "PanelReport",
    "PretestResult",
    "RelativeMagnitudesResult",
    "UpliftResult",
    "build_panel",
    "relative_magnitudes",
    "relative_magnitudes_from_estimates",
}


def test_public_surface_is_exactly_all() -> None:
    assert set(did.__all__) == PUBLIC
    for name in did.__all__:
        assert getattr(did, name) is not None


def test_init_only_stores_options() -> None:
    est = ATTgt(control="bogus", bootstrap=-3)  # type: ignore[arg-type]
    assert est.control == "bogus"
    assert est.bootstrap == -3
    assert not any(name.endswith("_") and not name.startswith("_") for name in vars(est))


def test_fit_returns_self_with_learned_attributes(mpdta: pd.DataFrame) -> None:
    est = ATTgt()
    assert est.fit(mpdta, **MPDTA_COLUMNS) is est
    assert est.n_units_ == 500
    assert est.n_periods_ == 5
    assert est.groups_ == [2004, 2006, 2007]
    assert est.periods_ == [2003, 2004, 2005, 2006, 2007]
    assert est.panel_report_.n_dropped == 0
    assert len(est.att_gt_.tidy()) == 12


def test_refit_replaces_results(mpdta: pd.DataFrame) -> None:
    est = ATTgt().fit(mpdta, **MPDTA_COLUMNS)
    first = est.aggregate("simple").att
    est.fit(mpdta.assign(lemp=mpdta["lemp"] * 2), **MPDTA_COLUMNS)
    assert est.aggregate("simple").att == pytest.approx(2 * first)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("control", "nevertreated", "control must be one of never | notyet; got 'nevertreated'"),
        ("method", "ols", "method must be one of dr | ipw | reg; got 'ols'"),
        ("base_period", "fixed", "base_period must be one of varying | universal"),
        ("bootstrap_weights", "normal", "bootstrap_weights must be one of mammen | rademacher"),
        ("always_treated", "keep", "always_treated must be one of error | drop"),
        ("anticipation", -1, "anticipation must be an integer >= 0; got -1"),
        ("bootstrap", 9.5, "bootstrap must be an integer >= 0; got 9.5"),
        ("alpha", 1.5, "alpha must be a number between 0 and 1; got 1.5"),
        ("trim_level", 0.2, "trim_level must be a number in (0.5, 1]"),
        ("min_cohort_size", 0, "min_cohort_size must be an integer >= 1"),
        ("covariates", ["a", "a"], "covariates must not repeat a column"),
        ("seed", -5, "seed must be a non-negative integer"),
    ],
)
def test_bad_options_are_refused_at_fit_with_a_clear_message(
    mpdta: pd.DataFrame, option: str, value: object, message: str
) -> None:
    est = ATTgt(**{option: value})  # type: ignore[arg-type]
    with pytest.raises(DIDError) as err:
        est.fit(mpdta, **MPDTA_COLUMNS)
    assert message in str(err.value)


def test_bad_aggregation_kind(mpdta: pd.DataFrame) -> None:
    est = ATTgt().fit(mpdta, **MPDTA_COLUMNS)
    with pytest.raises(
        DIDError, match=re.escape("kind must be one of simple | dynamic | group | calendar")
    ):
        est.aggregate("event")  # type: ignore[arg-type]
    with pytest.raises(DIDError, match="balance_e applies to the 'dynamic'"):
        est.aggregate("group", balance_e=1)


def test_methods_before_fit_raise_not_fitted() -> None:
    for method in ("aggregate", "pretest", "naive", "uplift", "balance"):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(ATTgt(), method)()


def test_covariates_given_as_comma_string(mpdta: pd.DataFrame) -> None:
    a = ATTgt(method="reg", covariates="lpop").fit(mpdta, **MPDTA_COLUMNS)
    b = ATTgt(method="reg", covariates=("lpop",)).fit(mpdta, **MPDTA_COLUMNS)
    np.testing.assert_array_equal(a.att_gt_.tidy()["att"], b.att_gt_.tidy()["att"])


def test_repr_and_get_params() -> None:
    est = ATTgt(control="notyet", bootstrap=99)
    assert repr(est) == "ATTgt(control='notyet', bootstrap=99)"
    assert est.get_params()["control"] == "notyet"


def test_analytics_did_never_imports_django() -> None:
    code = (
        "import sys, onevoice.analytics.did, onevoice.commands.uplift;"
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
