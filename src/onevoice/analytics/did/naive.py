"""The naive comparison ("trained clinics sold 3x more") and what its gap is made of.

Trained units' mean outcome after training is compared with never-trained units' mean in
the same periods, over the same (cohort, period) cells and cohort-size weights as the
overall ATT. The gap then splits exactly into the effect (the overall ATT) and the
pre-existing difference the trained units would have shown anyway (selection).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .aggregate import Aggregate, weighted_cell_average
from .attgt import Cells
from .inference import Inference
from .results import NaiveResult

__all__ = ["naive_decomposition", "treated_post_mean"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _cell_means(cells: Cells, cohort: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """Mean outcome of ``cohort[k]`` in each cell's period, and its coordinates."""
    basis = cells.basis
    vals = basis.means[cohort, cells.time_idx]
    coords = np.column_stack(
        [basis.mean_coords(int(c), int(t)) for c, t in zip(cohort, cells.time_idx, strict=True)]
    )
    return vals, coords


def treated_post_mean(cells: Cells) -> tuple[float, FloatArray]:
    """Trained units' mean outcome after training (cells and weights of the simple ATT)."""
    idx = np.flatnonzero(cells.post)
    vals, coords = _cell_means(cells, cells.group_code)
    return weighted_cell_average(cells, idx, vals, coords, wif=True)


def naive_decomposition(
    cells: Cells, inference: Inference, simple: Aggregate, *, anticipation: int
) -> NaiveResult:
    """Naive ratio, before/after, and the gap = selection + effect decomposition.

    Parameters
    ----------
    cells : Cells
        The fitted ATT(g,t).
    inference : Inference
        For standard errors (delta method for the ratio).
    simple : Aggregate
        The overall ATT, i.e. the effect part of the gap.
    anticipation : int
        Periods before treatment excluded from "before".

    Returns
    -------
    NaiveResult
    """
    basis = cells.basis
    panel = basis.panel
    idx = np.flatnonzero(cells.post)
    t_mean, t_coords = treated_post_mean(cells)
    has_never = panel.counts[0] > 0
    if has_never:
        c_vals, c_coords_cells = _cell_means(cells, np.zeros(len(cells), dtype=np.int64))
        c_mean, c_coords = weighted_cell_average(cells, idx, c_vals, c_coords_cells, wif=True)
    else:
        c_mean, c_coords = float("nan"), np.zeros(basis.dim)
    # Before: each cohort's mean over its own pre-treatment periods.
    before_vals = np.zeros(len(cells))
    before_coords = np.zeros((basis.dim, len(cells)))
    for gc in np.unique(cells.group_code):
        g = panel.groups[gc - 1]
        pre = np.flatnonzero(panel.tvals < g - anticipation)
        m = basis.means[gc, pre].mean()
        cc = np.column_stack([basis.mean_coords(int(gc), int(t)) for t in pre]).mean(axis=1)
        sel = cells.group_code == gc
        before_vals[sel] = m
        before_coords[:, sel] = cc[:, None]
    b_mean, b_coords = weighted_cell_average(cells, idx, before_vals, before_coords, wif=True)

    effect, e_coords = simple.overall, simple.overall_coords
    gap = t_mean - c_mean
    ratio = t_mean / c_mean
    r_coords = t_coords / c_mean - t_mean * c_coords / c_mean**2
    quantities = {
        "treated_mean": (t_mean, t_coords),
        "control_mean": (c_mean, c_coords),
        "ratio": (ratio, r_coords),
        "gap": (gap, t_coords - c_coords),
        "effect": (effect, e_coords),
        "selection": (gap - effect, t_coords - c_coords - e_coords),
        "counterfactual_mean": (t_mean - effect, t_coords - e_coords),
        "before": (b_mean, b_coords),
        "after": (t_mean, t_coords),
        "before_after_change": (t_mean - b_mean, t_coords - b_coords),
    }
    est = np.array([v for v, _ in quantities.values()])
    coords = np.column_stack([c for _, c in quantities.values()])
    se = inference.se(coords)
    if not has_never:
        for k, name in enumerate(quantities):
            if name in ("control_mean", "ratio", "gap", "selection"):
                se[k] = np.nan
    z = float(stats.norm.ppf(1 - inference.alpha / 2))
    table = pd.DataFrame(
        {
            "quantity": list(quantities),
            "estimate": est,
            "se": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
        }
    )
    return NaiveResult(
        treated_mean=t_mean,
        control_mean=c_mean,
        ratio=ratio,
        gap=gap,
        effect=effect,
        selection=gap - effect,
        counterfactual_mean=t_mean - effect,
        before=b_mean,
        after=t_mean,
        table=table,
        alpha=inference.alpha,
    )
