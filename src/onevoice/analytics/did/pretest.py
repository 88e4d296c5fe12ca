"""Joint Wald tests of zero pre-treatment effects.

Two tests, both on the analytic covariance (clustered if the fit is clustered):

- the *cell-level* test of every pre-treatment ATT(g,t), exactly as R did's summary
  prints it (kept for comparability with R);
- the *event-study* test of the dynamic aggregation's pre-period estimates (one per
  event time before treatment, each averaging all cohorts observed that far ahead).

Why both: with many small cohorts (e.g. monthly cohorts of 15-130 clinics, each with a
dozen or more pre-periods) the cell-level test has hundreds of restrictions, and the
covariance block of each cohort's pre-period ATTs is estimated from that cohort's few
units. Inverting such a noisy, high-dimensional covariance inflates the statistic far
beyond its chi-squared reference (the Hotelling effect: roughly a factor
``(n_g - 1) / (n_g - q_g - 2)`` for a cohort of ``n_g`` units and ``q_g`` restrictions).
On simulated launches with no pre-trends at all (``benchmarks/mc_uplift.py``) it rejected
in every launch although each pre-period ATT(g,t) alone was centred with about 5% of
|z| > 1.96. The event-study test has as many restrictions as pre-period event times,
each estimate averaging cohorts, so its covariance is well estimated.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .aggregate import aggregate_cells
from .attgt import Cells
from .errors import DIDError
from .inference import FloatArray, Inference
from .results import PretestResult

__all__ = ["event_pretest", "wald_pretest"]

SINGULAR_NOTE = (
    "singular covariance of the pre-treatment estimates: generalized inverse, degrees "
    "of freedom = its rank {rank} of {q} (R did returns no statistic here)"
)


def _wald(theta: FloatArray, vcov: FloatArray) -> tuple[float, int, str | None]:
    """``theta' V^-1 theta`` and its degrees of freedom.

    Where ``V`` is singular (R did's ``rcond(V) <= eps``) R gives up; here the
    statistic uses the Moore-Penrose inverse on ``V``'s numerical range and the rank as
    degrees of freedom (the usual Wald test of a singular-covariance hypothesis), and
    says so.
    """
    q = len(theta)
    # One symmetric eigendecomposition serves both the singularity check (the 2-norm
    # condition number is max|eigenvalue| / min|eigenvalue| for a symmetric matrix) and
    # the generalized inverse; an SVD costs several times more at hundreds of cells.
    vals, vecs = np.linalg.eigh(vcov)
    size = np.abs(vals)
    if size.min() * (1 / np.finfo(float).eps) >= size.max():
        return float(theta @ np.linalg.solve(vcov, theta)), q, None
    keep = vals > vals.max() * q * np.finfo(float).eps
    rank = int(keep.sum())
    proj = vecs[:, keep].T @ theta
    return float(proj @ (proj / vals[keep])), rank, SINGULAR_NOTE.format(rank=rank, q=q)


def _result(stat: float, df: int, notes: list[str], *, test: str = "cells") -> PretestResult:
    if df == 0:
        return PretestResult(None, 0, None, "; ".join(["covariance is zero", *notes]), test)
    p_value = float(stats.chi2.sf(stat, df))
    return PretestResult(stat, df, p_value, "; ".join(notes) or None, test)


def wald_pretest(cells: Cells, inference: Inference, *, anticipation: int) -> PretestResult:
    """Test H0: every pre-treatment ATT(g,t) is zero (R did's cell-level test).

    Pre-treatment cells are those with ``t < g - anticipation``; cells inside the
    anticipation window may legitimately show effects, so they are not tested (with no
    anticipation this is R did's ``group > t``). Cells with no variance (the universal
    base period's reference cells) are left out.

    Returns
    -------
    PretestResult
        ``stat`` (chi-squared), ``df``, ``p_value``; all ``None`` with a ``note`` when
        there is nothing to test. ``note`` also cautions when cohorts are small for
        their number of restrictions (then the test over-rejects: read
        :func:`event_pretest`).
    """
    pre = (cells.time < cells.group - anticipation) & ~cells.reference
    se = inference.analytic_se(cells.coords)
    pre &= np.isfinite(se)
    idx = np.flatnonzero(pre)
    if len(idx) == 0:
        return PretestResult(None, 0, None, "no pre-treatment periods to test")
    stat, df, singular = _wald(cells.att[idx], inference.vcov(cells.coords[:, idx]))
    notes = [singular] if singular else []
    counts = cells.basis.panel.counts
    codes, per_cohort = np.unique(cells.group_code[idx], return_counts=True)
    load = float(np.max(per_cohort / counts[codes]))
    if load > 0.05:
        notes.append(
            f"up to {load:.2f} restrictions per unit of a cohort: this cell-level test "
            "over-rejects in small cohorts; read the event-study pre-trend test"
        )
    return _result(stat, df, notes)


def event_pretest(cells: Cells, inference: Inference, *, anticipation: int) -> PretestResult:
    """Test H0: every pre-treatment event-study estimate is zero.

    The estimates are the dynamic aggregation's (R did's ``aggte(type="dynamic")``) at
    event times ``e < -anticipation``, each a cohort-size-weighted average of the
    pre-period ATT(g,t) ``e`` periods before treatment, with its full influence function
    (including the estimated weights). Event times without variance (the universal base
    period's reference ``e = -1 - anticipation``) are left out.
    """
    try:
        dyn = aggregate_cells(cells, "dynamic")
    except DIDError as exc:  # e.g. no post-treatment cell to build the event study on
        return PretestResult(None, 0, None, str(exc), test="event")
    pre = dyn.keys < -anticipation
    se = inference.analytic_se(dyn.coords)
    idx = np.flatnonzero(pre & np.isfinite(se))
    if len(idx) == 0:
        return PretestResult(None, 0, None, "no pre-treatment periods to test", test="event")
    stat, df, singular = _wald(dyn.est[idx], inference.vcov(dyn.coords[:, idx]))
    return _result(stat, df, [singular] if singular else [], test="event")
