"""Joint Wald test that all pre-treatment ATT(g,t) are zero (as R did's summary prints)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from .attgt import Cells
from .inference import Inference
from .results import PretestResult

__all__ = ["wald_pretest"]


def wald_pretest(cells: Cells, inference: Inference, *, anticipation: int) -> PretestResult:
    """Test H0: every pre-treatment ATT(g,t) is zero (parallel pre-trends).

    Pre-treatment cells are those with ``t < g - anticipation``; cells inside the
    anticipation window may legitimately show effects, so they are not tested (with no
    anticipation this is R did's ``group > t``). Cells with no variance (the universal
    base period's reference cells) are left out. The covariance is the analytic one
    (clustered if the fit is clustered), as in R.

    Returns
    -------
    PretestResult
        ``stat`` (chi-squared), ``df``, ``p_value``; all ``None`` with a ``note`` when
        there is nothing to test or the covariance is singular.
    """
    pre = (cells.time < cells.group - anticipation) & ~cells.reference
    se = inference.analytic_se(cells.coords)
    pre &= np.isfinite(se)
    idx = np.flatnonzero(pre)
    if len(idx) == 0:
        return PretestResult(None, 0, None, "no pre-treatment periods to test")
    theta = cells.att[idx]
    vcov = inference.vcov(cells.coords[:, idx])
    if np.linalg.cond(vcov) > 1 / np.finfo(float).eps:
        return PretestResult(None, len(idx), None, "singular covariance of pre-treatment ATTs")
    stat = float(theta @ np.linalg.solve(vcov, theta))
    # The covariance of a cohort's pre-period ATTs is estimated from that cohort's units;
    # with many restrictions per unit the chi-squared reference over-rejects (a placebo
    # on simulated launches with ~90-unit cohorts and 12 pre-periods each rejected half
    # the time at 5%). Say so rather than let a marketing review read too much into it.
    counts = cells.basis.panel.counts
    codes, per_cohort = np.unique(cells.group_code[idx], return_counts=True)
    load = float(np.max(per_cohort / counts[codes]))
    note = None
    if load > 0.05:
        note = (
            f"up to {load:.2f} restrictions per unit of a cohort: the chi-squared test "
            "over-rejects in small cohorts; read it with the event-study band"
        )
    return PretestResult(stat, len(idx), float(stats.chi2.sf(stat, len(idx))), note)
