"""Covariate balance: standardised mean differences, raw and propensity-weighted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .attgt import CellPlan, _logit
from .data import Panel
from .results import BalanceResult

__all__ = ["covariate_balance"]


def _smd(xt: np.ndarray, xc: np.ndarray, wc: np.ndarray | None) -> tuple[float, float, float]:
    """(treated mean, control mean, SMD); the SMD's scale is the unweighted pooled SD."""
    mt = float(xt.mean())
    mc = float(xc.mean()) if wc is None else float(wc @ xc / wc.sum())
    vt = xt.var(ddof=1) if len(xt) > 1 else 0.0
    vc = xc.var(ddof=1) if len(xc) > 1 else 0.0
    scale = float(np.sqrt((vt + vc) / 2))
    return mt, mc, (mt - mc) / scale if scale > 0 else float("nan")


def covariate_balance(
    panel: Panel, plan: CellPlan, *, outcome: str, trim_level: float
) -> BalanceResult:
    """SMDs between each cohort and its controls at the cohort's base period.

    Covariates are measured in the base period ``g - anticipation - 1``; the outcome in
    that period is included as a row, since selection on the level of sales is the bias
    a naive comparison suffers from. Weighted SMDs reweight controls by ``p / (1 - p)``
    from a logit of cohort membership on the covariates (the IPW / DR weights), trimmed as
    in estimation; without covariates there is no propensity model and they are NaN.
    """
    rows: list[dict[str, object]] = []
    for gc in np.unique(plan.group_code):
        first_post = np.flatnonzero(
            (plan.group_code == gc) & (panel.groups[gc - 1] <= panel.tvals[plan.time_idx])
        )
        k = (
            int(first_post[0])
            if len(first_post)
            else int(np.flatnonzero(plan.group_code == gc)[-1])
        )
        b = int(plan.base_idx[k])
        cs = plan.controls[k]
        rows_idx = np.concatenate(
            [np.arange(panel.offsets[c], panel.offsets[c + 1]) for c in sorted({int(gc), *cs})]
        )
        d = panel.code[rows_idx] == gc
        feats = {f"{outcome} (base period)": panel.y[rows_idx, b]}
        x_all = panel.x_at(b)
        wc = None
        if x_all is not None:
            x = x_all[rows_idx]
            for j, name in enumerate(panel.x_names):
                feats[name] = x[:, j]
            design = np.column_stack([np.ones(len(rows_idx)), x])
            ps, _ = _logit(design, d.astype(np.float64))
            ps = np.minimum(ps, 1 - 1e-6)
            keep = ps[~d] < trim_level
            wc = np.where(keep, ps[~d] / (1 - ps[~d]), 0.0)
        for name, v in feats.items():
            mt, mc, smd = _smd(v[d], v[~d], None)
            row: dict[str, object] = {
                "group": panel.group_labels[gc - 1],
                "covariate": name,
                "mean_treated": mt,
                "mean_control": mc,
                "smd_raw": smd,
                "mean_control_weighted": np.nan,
                "smd_weighted": np.nan,
            }
            if wc is not None:
                _, mcw, smdw = _smd(v[d], v[~d], wc)
                row["mean_control_weighted"] = mcw
                row["smd_weighted"] = smdw
            rows.append(row)
    return BalanceResult(table=pd.DataFrame(rows))
