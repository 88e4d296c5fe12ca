"""Panel validation: ids, periods, unbalanced panels, and each error condition."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from onevoice.analytics.did import (
    AlwaysTreatedError,
    ATTgt,
    CohortTooSmallError,
    CollinearCovariatesError,
    DIDWarning,
    NoControlUnitsError,
    PanelError,
    errors,
)

from .conftest import MPDTA_COLUMNS, SYN_COLUMNS, synthetic_panel


def _att(est: ATTgt) -> np.ndarray:
    return est.att_gt_.tidy()["att"].to_numpy()


def test_string_unit_ids_give_the_same_estimates(mpdta: pd.DataFrame) -> None:
    base = ATTgt().fit(mpdta, **MPDTA_COLUMNS)
    named = mpdta.assign(countyreal="county-" + mpdta["countyreal"].astype(str))
    est = ATTgt().fit(named, **MPDTA_COLUMNS)
    np.testing.assert_allclose(_att(est), _att(base), atol=1e-12)
    np.testing.assert_allclose(est.att_gt_.tidy()["se"], base.att_gt_.tidy()["se"], atol=1e-12)


def test_row_order_does_not_matter(mpdta: pd.DataFrame) -> None:
    shuffled = mpdta.sample(frac=1.0, random_state=3)
    np.testing.assert_allclose(
        _att(ATTgt().fit(shuffled, **MPDTA_COLUMNS)), _att(ATTgt().fit(mpdta, **MPDTA_COLUMNS))
    )


def test_pyarrow_table_input(mpdta: pd.DataFrame) -> None:
    est = ATTgt().fit(pa.Table.from_pandas(mpdta), **MPDTA_COLUMNS)
    np.testing.assert_allclose(_att(est), _att(ATTgt().fit(mpdta, **MPDTA_COLUMNS)))


def test_datetime_periods_and_cohorts(mpdta: pd.DataFrame) -> None:
    dated = mpdta.assign(
        year=pd.to_datetime(mpdta["year"].astype(str) + "-01-01"),
        **{
            "first.treat": pd.to_datetime(
                mpdta["first.treat"].where(mpdta["first.treat"] > 0).astype("Int64").astype(str)
                + "-01-01",
                errors="coerce",
            )
        },
    )
    est = ATTgt().fit(dated, **MPDTA_COLUMNS)
    np.testing.assert_allclose(_att(est), _att(ATTgt().fit(mpdta, **MPDTA_COLUMNS)), atol=1e-12)
    assert est.groups_[0] == pd.Timestamp("2004-01-01")
    assert est.aggregate("dynamic").table["event"].tolist() == [-3, -2, -1, 0, 1, 2, 3]


def test_unbalanced_panel_drops_units_with_a_report(mpdta: pd.DataFrame) -> None:
    holes = mpdta.drop(
        mpdta.index[(mpdta["countyreal"].isin([8001, 8019])) & (mpdta["year"] == 2005)]
    )
    holes.loc[(holes["countyreal"] == 8023) & (holes["year"] == 2006), "lemp"] = np.nan
    with pytest.warns(DIDWarning, match="3 of 500 units dropped"):
        est = ATTgt().fit(holes, **MPDTA_COLUMNS)
    report = est.panel_report_
    assert report.n_units == 497
    assert sorted(report.dropped["unit"]) == [8001, 8019, 8023]
    assert set(report.dropped["reason"]) == {"missing outcome in some period(s) (unbalanced panel)"}
    assert "dropped 3 unit(s)" in report.summary()
    assert any("3 of 500 units dropped" in w for w in est.warnings_)
    # Same as fitting on the balanced subset by hand.
    kept = mpdta[~mpdta["countyreal"].isin([8001, 8023, 8019])]
    np.testing.assert_allclose(_att(est), _att(ATTgt().fit(kept, **MPDTA_COLUMNS)), atol=1e-12)


def test_cohort_after_last_period_counts_as_never_treated(mpdta: pd.DataFrame) -> None:
    late = mpdta.copy()
    late.loc[late["first.treat"] == 0, "first.treat"] = 2010
    with pytest.warns(DIDWarning, match="first treated after the last period"):
        est = ATTgt().fit(late, **MPDTA_COLUMNS)
    np.testing.assert_allclose(_att(est), _att(ATTgt().fit(mpdta, **MPDTA_COLUMNS)))
    assert any("counted as never treated" in n for n in est.panel_report_.notes)


def test_missing_column() -> None:
    df = synthetic_panel()
    with pytest.raises(PanelError, match=r"column 'sales' \(outcome\) is not in the data"):
        ATTgt().fit(df, unit="unit", time="time", cohort="cohort", outcome="sales")


def test_duplicate_rows() -> None:
    df = synthetic_panel()
    df = pd.concat([df, df.iloc[[5]]])
    with pytest.raises(PanelError, match=r"appear more than once, e\.g\. unit 1 in period 6"):
        ATTgt().fit(df, **SYN_COLUMNS)


def test_cohort_must_be_constant_within_unit() -> None:
    df = synthetic_panel()
    df.loc[(df["unit"] == 70) & (df["time"] == 8), "cohort"] = 7
    with pytest.raises(PanelError, match="must be constant within a unit; unit 70 has"):
        ATTgt().fit(df, **SYN_COLUMNS)


def test_non_numeric_outcome() -> None:
    df = synthetic_panel().astype({"y": object})
    df.loc[3, "y"] = "n/a"
    with pytest.raises(
        PanelError, match="column 'y' \\(outcome\\) must be numeric; found values such as 'n/a'"
    ):
        ATTgt().fit(df, **SYN_COLUMNS)


def test_treatment_before_the_data_start_is_an_error() -> None:
    df = synthetic_panel(sizes={0: 30, 1: 10, 5: 20})
    with pytest.raises(AlwaysTreatedError) as err:
        ATTgt().fit(df, **SYN_COLUMNS)
    assert "10 unit(s) were first treated at or before the first period" in str(err.value)
    assert "always_treated='drop'" in str(err.value)


def test_treatment_before_the_data_start_can_be_dropped_with_a_report() -> None:
    df = synthetic_panel(sizes={0: 30, 1: 10, 5: 20})
    with pytest.warns(DIDWarning, match="10 of 60 units dropped"):
        est = ATTgt(always_treated="drop").fit(df, **SYN_COLUMNS)
    assert est.groups_ == [5]
    assert (est.panel_report_.dropped["reason"].str.contains("no pre-treatment period")).sum() == 10


def test_anticipation_moves_the_first_usable_cohort() -> None:
    df = synthetic_panel(sizes={0: 30, 2: 10, 5: 20})
    ATTgt().fit(df, **SYN_COLUMNS)  # cohort 2 has period 1 as its base
    with pytest.raises(AlwaysTreatedError, match="anticipation 1"):
        ATTgt(anticipation=1).fit(df, **SYN_COLUMNS)


def test_no_never_treated_with_never_control() -> None:
    df = synthetic_panel(sizes={4: 20, 6: 20})
    with pytest.raises(NoControlUnitsError, match="no unit is never treated; use control='notyet'"):
        ATTgt().fit(df, **SYN_COLUMNS)


def test_no_never_treated_with_notyet_uses_last_cohort_and_says_so() -> None:
    df = synthetic_panel(sizes={4: 20, 6: 20}, noise=0.0)
    with pytest.warns(DIDWarning, match="the last cohort serves as control"):
        est = ATTgt(control="notyet").fit(df, **SYN_COLUMNS)
    assert est.groups_ == [4]
    assert est.periods_ == [1, 2, 3, 4, 5]
    assert est.aggregate("simple").att == pytest.approx(2.0)


def test_cohort_too_small() -> None:
    df = synthetic_panel(sizes={0: 30, 4: 3, 6: 20})
    with pytest.raises(CohortTooSmallError) as err:
        ATTgt().fit(df, **SYN_COLUMNS)
    assert str(err.value) == errors.COHORT_TOO_SMALL.format(cohort=4, size=3, minimum=5)
    est = ATTgt(min_cohort_size=3).fit(df, **SYN_COLUMNS)
    assert est.groups_ == [4, 6]


def test_never_treated_group_too_small() -> None:
    df = synthetic_panel(sizes={0: 2, 4: 20, 6: 20})
    with pytest.raises(CohortTooSmallError, match=r"'never treated \(control group\)' has 2 unit"):
        ATTgt().fit(df, **SYN_COLUMNS)


def test_collinear_covariates() -> None:
    df = synthetic_panel().assign(level2=lambda d: 2 * d["level"] + 1)
    with pytest.raises(CollinearCovariatesError, match="'level2' add nothing beyond the others"):
        ATTgt(covariates=("level", "level2")).fit(df, **SYN_COLUMNS)


def test_constant_covariate_is_collinear_with_the_intercept() -> None:
    df = synthetic_panel().assign(one=1.0)
    with pytest.raises(CollinearCovariatesError, match="'one'"):
        ATTgt(covariates=("one",)).fit(df, **SYN_COLUMNS)


def test_cluster_must_be_constant_within_unit() -> None:
    df = synthetic_panel().assign(territory=lambda d: d["time"] % 2)
    with pytest.raises(
        PanelError, match="cluster column 'territory' must be constant within a unit"
    ):
        ATTgt(cluster="territory").fit(df, **SYN_COLUMNS)


def test_warnings_are_recorded_and_reemitted(mpdta: pd.DataFrame) -> None:
    holes = mpdta[~((mpdta["countyreal"] == 8001) & (mpdta["year"] == 2005))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = ATTgt().fit(holes, **MPDTA_COLUMNS)
    assert [str(w.message) for w in caught if w.category is DIDWarning] == est.warnings_


def test_unsupported_input_type() -> None:
    with pytest.raises(PanelError, match="must be a pandas DataFrame or a pyarrow Table; got list"):
        ATTgt().fit([1, 2, 3], **SYN_COLUMNS)


def test_datetime_cohort_too_small_is_named_as_a_date(mpdta: pd.DataFrame) -> None:
    dated = mpdta.assign(
        year=pd.to_datetime(mpdta["year"].astype(str) + "-01-01"),
        **{
            "first.treat": pd.to_datetime(
                mpdta["first.treat"].replace(0, pd.NA).astype("Int64").astype(str) + "-01-01",
                errors="coerce",
            )
        },
    )
    with pytest.raises(CohortTooSmallError, match="cohort '2004-01-01' has 20 unit"):
        ATTgt(min_cohort_size=25).fit(dated, **MPDTA_COLUMNS)
