"""Relative uplift (ATT / counterfactual mean) and incremental volume, with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .aggregate import Aggregate
from .attgt import Cells
from .inference import Inference
from .naive import treated_post_mean
from .results import UpliftResult

__all__ = ["uplift_summary"]


def uplift_summary(
    cells: Cells, inference: Inference, simple: Aggregate, *, unit_price: float | None = None
) -> UpliftResult:
    """Uplift of the treated units over their post-treatment periods.

    Quantities (each with a standard error and interval):

    * ``att`` — average effect per treated unit and period (the overall ATT);
    * ``counterfactual_mean`` — what treated units would have averaged untreated;
    * ``relative_uplift`` — ``att / counterfactual_mean`` (delta method);
    * ``incremental`` — total extra outcome over all post-treatment unit-periods,
      ``sum_(g,t) n_g ATT(g,t)``, conditional on the observed cohort sizes;
    * ``incremental_revenue`` — ``incremental * unit_price`` when a price is given;
    * ``treated_unit_periods`` — the number of unit-periods that total is over.

    Parameters
    ----------
    cells, inference, simple
        From a fitted `ATTgt`.
    unit_price : float, optional
        Price per unit of outcome, to turn incremental units into revenue.
    """
    basis = cells.basis
    idx = np.flatnonzero(cells.post)
    att, a_coords = simple.overall, simple.overall_coords
    m, m_coords = treated_post_mean(cells)
    cf = m - att
    cf_coords = m_coords - a_coords
    rel = att / cf
    rel_coords = a_coords / cf - att * cf_coords / cf**2
    n_g = basis.panel.counts[cells.group_code[idx]].astype(np.float64)
    incr = float(n_g @ cells.att[idx])
    incr_coords = cells.coords[:, idx] @ n_g
    rows = [
        ("att", att, a_coords),
        ("counterfactual_mean", cf, cf_coords),
        ("relative_uplift", rel, rel_coords),
        ("incremental", incr, incr_coords),
    ]
    if unit_price is not None:
        rows.append(("incremental_revenue", incr * unit_price, incr_coords * unit_price))
    est = np.array([r[1] for r in rows])
    se = inference.se(np.column_stack([r[2] for r in rows]))
    z = float(stats.norm.ppf(1 - inference.alpha / 2))
    table = pd.DataFrame(
        {
            "quantity": [r[0] for r in rows],
            "estimate": est,
            "se": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
        }
    )
    extra = pd.DataFrame(
        [
            {
                "quantity": "treated_unit_periods",
                "estimate": float(n_g.sum()),
                "se": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
            }
        ]
    )
    return UpliftResult(table=pd.concat([table, extra], ignore_index=True), alpha=inference.alpha)
