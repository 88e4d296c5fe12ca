"""Group-time average treatment effects ATT(g,t) (Callaway & Sant'Anna 2021).

Each cell compares the change in outcome of cohort ``g`` between a base period and ``t``
with the change of its control units. Cells follow R ``did`` exactly: base period
"varying" (pre-treatment cells use the period before, post-treatment cells ``g - delta - 1``)
or "universal" (always ``g - delta - 1``, whose own cell is the zero reference); controls
never treated, or not yet treated by ``max(t, base) + delta``.

Without covariates every cell is a difference of cohort means, computed for all cells from
one ``cohort x period`` table of means; its influence function is a fixed combination of
the unit's centred outcomes (see `influence`). With covariates, cells that share a cohort,
a control set and a covariate period are estimated together: one propensity score and one
outcome regression serve all their periods as matrix right-hand sides.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit

from .data import Panel, check_collinear, shown
from .errors import (
    CONTROL_CELL_SINGULAR,
    NO_CONTROL_UNITS,
    CollinearCovariatesError,
    DIDWarning,
    NoControlUnitsError,
)
from .influence import Basis

__all__ = ["CellPlan", "Cells", "estimate_cells", "plan_cells"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

_PS_CAP = 1 - 1e-6  # as DRDID: never divide by zero in p / (1 - p)
_OVERLAP_WARN = 0.999  # as R did's overlap check


@dataclass(frozen=True)
class CellPlan:
    """Which units and periods each ATT(g,t) compares."""

    group_code: IntArray  # 1..G
    time_idx: IntArray
    base_idx: IntArray
    reference: BoolArray  # the universal base period's own (zero) cell
    controls: list[tuple[int, ...]]  # cohort codes of the control units


@dataclass
class Cells:
    """Estimated group-time effects and their influence-function coordinates."""

    group: FloatArray
    group_code: IntArray
    time: FloatArray
    time_idx: IntArray
    base_idx: IntArray
    post: BoolArray
    reference: BoolArray
    att: FloatArray
    coords: FloatArray  # dim x K
    n_treated: IntArray
    n_control: IntArray
    basis: Basis
    diagnostics: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.att)


def plan_cells(panel: Panel, *, control: str, base_period: str, anticipation: int) -> CellPlan:
    """Enumerate the cells in R did's order (cohort-major, then period)."""
    tv = panel.tvals
    n_t = len(tv)
    g_codes: list[int] = []
    t_idx: list[int] = []
    b_idx: list[int] = []
    ref: list[bool] = []
    ctrl: list[tuple[int, ...]] = []
    groups = panel.groups
    start = 0 if base_period == "universal" else 1
    for gc, g in enumerate(groups, start=1):
        pre = np.flatnonzero(tv + anticipation < g)
        pret = int(pre[-1])  # exists: build_panel removed units without a pre-period
        for t in range(start, n_t):
            post = g <= tv[t]
            b = pret if (post or base_period == "universal") else t - 1
            is_ref = base_period == "universal" and b == t
            if control == "never":
                cs: tuple[int, ...] = (0,)
            else:
                cutoff = tv[max(t, b)] + anticipation
                later = [c for c, gv in enumerate(groups, start=1) if gv > cutoff and c != gc]
                cs = (0, *later) if panel.counts[0] else tuple(later)
            g_codes.append(gc)
            t_idx.append(t)
            b_idx.append(b)
            ref.append(is_ref)
            ctrl.append(cs)
    return CellPlan(
        group_code=np.asarray(g_codes, dtype=np.int64),
        time_idx=np.asarray(t_idx, dtype=np.int64),
        base_idx=np.asarray(b_idx, dtype=np.int64),
        reference=np.asarray(ref, dtype=bool),
        controls=ctrl,
    )


def _check_controls(panel: Panel, plan: CellPlan, control: str) -> None:
    counts = panel.counts
    for k, cs in enumerate(plan.controls):
        if plan.reference[k]:
            continue
        if sum(int(counts[c]) for c in cs) == 0:
            g = panel.group_labels[plan.group_code[k] - 1]
            raise NoControlUnitsError(
                NO_CONTROL_UNITS.format(
                    cohort=shown(g),
                    period=shown(panel.period_label(panel.tvals[plan.time_idx[k]])),
                    control=control,
                    detail="every other unit is already treated by then",
                )
            )


# -- no covariates: closed form -----------------------------------------------------------
def _unconditional(panel: Panel, plan: CellPlan, basis: Basis) -> tuple[FloatArray, FloatArray]:
    """ATT(g,t) as differences of cohort means; influence function coordinates."""
    n = panel.n
    counts = panel.counts.astype(np.float64)
    means = basis.means
    k_cells = len(plan.group_code)
    att = np.zeros(k_cells)
    coords = np.zeros((basis.dim, k_cells))
    for k in range(k_cells):
        if plan.reference[k]:
            continue
        g, t, b = int(plan.group_code[k]), int(plan.time_idx[k]), int(plan.base_idx[k])
        cs = plan.controls[k]
        d_means = means[:, t] - means[:, b]
        m1 = d_means[g]
        n_c = counts[list(cs)].sum()
        m0 = float(counts[list(cs)] @ d_means[list(cs)]) / n_c
        att[k] = m1 - m0
        # psi_i = n [ 1{G}(dY_i - m1) / n_G  -  1{C}(dY_i - m0) / n_C ], on centred outcomes.
        wt = n / counts[g]
        coords[basis.y_index(g, t), k] += wt
        coords[basis.y_index(g, b), k] -= wt
        wc = n / n_c
        for c in cs:
            coords[basis.y_index(c, t), k] -= wc
            coords[basis.y_index(c, b), k] += wc
            coords[basis.const_index(c), k] -= wc * (d_means[c] - m0)
    return att, coords


# -- with covariates ----------------------------------------------------------------------
def _logit(x: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Logit MLE by Newton with step halving; returns fitted probabilities and (X'WX)^-1.

    Small cohorts often have a covariate indicator that is zero for all their units
    (quasi-separation): the likelihood then keeps rising along that direction, as in R's
    ``glm``, whose fitted probabilities (~0 for the separated units, which thus get no
    weight) are what matters here. Minimum-norm steps and a pseudo-inverse keep the fit
    and its estimation-effect term finite instead of failing on a singular Hessian.
    """
    beta = np.zeros(x.shape[1])
    p0 = d.mean()
    beta[0] = np.log(p0 / (1 - p0))  # start at the intercept-only fit
    eta = x @ beta

    def loglik(e: FloatArray) -> float:
        return float(d @ e - np.logaddexp(0.0, e).sum())

    ll = loglik(eta)
    for _ in range(100):
        p = expit(eta)
        w = p * (1 - p)
        hess = (x * w[:, None]).T @ x
        grad = x.T @ (d - p)
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        alpha = 1.0
        while True:
            new_eta = x @ (beta + alpha * step)
            new_ll = loglik(new_eta)
            if new_ll >= ll - 1e-12 or alpha < 1e-8:
                break
            alpha /= 2
        beta = beta + alpha * step
        gain = new_ll - ll
        eta, ll = new_eta, new_ll
        if np.max(np.abs(alpha * step)) < 1e-10 or abs(gain) < 1e-12 * (abs(ll) + 0.1):
            break
    p = expit(eta)
    w = p * (1 - p)
    hess = (x * w[:, None]).T @ x
    return p, np.linalg.pinv(hess, rcond=1e-12, hermitian=True)


def _dr_ipw_reg(
    dy: FloatArray, d: FloatArray, x: FloatArray, method: str, trim_level: float
) -> tuple[FloatArray, FloatArray, dict[str, float]]:
    """Sant'Anna & Zhao (2020) panel estimators for several outcome changes at once.

    ``dy`` is n1 x m (one column per cell), ``d`` the treated indicator, ``x`` the
    covariates with an intercept. Reproduces DRDID's ``drdid_panel`` (the locally efficient
    doubly robust estimator R did calls), ``std_ipw_did_panel`` and ``reg_did_panel``,
    including their influence functions (estimation effects of the propensity score and
    the outcome regression). Returns the ATTs, the influence functions (n1 x m) and
    overlap diagnostics.
    """
    n1 = len(d)
    ctrl = d == 0
    diag: dict[str, float] = {}
    need_or = method in ("dr", "reg")
    need_ps = method in ("dr", "ipw")
    if need_or:
        xc = x[ctrl]
        xpx = xc.T @ xc / n1
        xpx_inv = np.linalg.inv(xpx)
        beta = np.linalg.solve(xc.T @ xc, xc.T @ dy[ctrl])
        out = x @ beta
        resid = dy - out
    if need_ps:
        ps_raw, hinv = _logit(x, d)
        diag["max_ps_treated"] = float(ps_raw[~ctrl].max())
        diag["max_ps_control"] = float(ps_raw[ctrl].max())
        ps = np.minimum(ps_raw, _PS_CAP)
        keep = np.ones(n1)
        keep[ctrl] = (ps[ctrl] < trim_level).astype(np.float64)
        diag["trimmed"] = float(ctrl.sum() - keep[ctrl].sum())
        w_t = keep * d
        w_c = keep * ps * (1 - d) / (1 - ps)
        asy_ps = ((d - ps)[:, None] * x) @ hinv * n1
    if method == "reg":
        w = d
        mean_w = w.mean()
        eta_t = (w @ dy) / w.sum()
        eta_c = (w @ out) / w.sum()
        att = eta_t - eta_c
        inf_treat = w[:, None] * (dy - eta_t) / mean_w
        m1 = (w[:, None] * x).mean(axis=0)
        lin = (x @ (xpx_inv @ m1)) * (1 - d)
        inf_control = (w[:, None] * (out - eta_c) + resid * lin[:, None]) / mean_w
        return att, inf_treat - inf_control, diag
    if method == "ipw":
        eta_t = (w_t @ dy) / w_t.sum()
        eta_c = (w_c @ dy) / w_c.sum()
        att = eta_t - eta_c
        inf_treat = w_t[:, None] * (dy - eta_t) / w_t.mean()
        dev_c = w_c[:, None] * (dy - eta_c)
        preder = x.T @ dev_c / n1
        inf_control = (dev_c + asy_ps @ preder) / w_c.mean()
        return att, inf_treat - inf_control, diag
    # doubly robust
    eta_t = (w_t @ resid) / w_t.sum()
    eta_c = (w_c @ resid) / w_c.sum()
    att = eta_t - eta_c
    m1 = (w_t[:, None] * x).mean(axis=0)
    m3 = (w_c[:, None] * x).mean(axis=0)
    lin1 = (x @ (xpx_inv @ m1)) * (1 - d)
    lin3 = (x @ (xpx_inv @ m3)) * (1 - d)
    inf_treat = (w_t[:, None] * (resid - eta_t) - resid * lin1[:, None]) / w_t.mean()
    dev_c = w_c[:, None] * (resid - eta_c)
    m2 = x.T @ dev_c / n1
    inf_control = (dev_c + asy_ps @ m2 - resid * lin3[:, None]) / w_c.mean()
    return att, inf_treat - inf_control, diag


def _conditional(
    panel: Panel, plan: CellPlan, method: str, trim_level: float
) -> tuple[FloatArray, FloatArray, list[int], list[str]]:
    """Covariate-adjusted cells, batched by (cohort, control set, covariate period)."""
    assert panel.x is not None
    n = panel.n
    k_cells = len(plan.group_code)
    att = np.zeros(k_cells)
    live = [k for k in range(k_cells) if not plan.reference[k]]
    dense = np.zeros((n, len(live)))
    dense_col = {k: j for j, k in enumerate(live)}
    time_varying = panel.x.ndim == 3
    batches: dict[tuple[int, tuple[int, ...], int], list[int]] = {}
    for k in live:
        xp = int(min(plan.time_idx[k], plan.base_idx[k])) if time_varying else -1
        batches.setdefault((int(plan.group_code[k]), plan.controls[k], xp), []).append(k)
    notes: list[str] = []
    full_rank: set[tuple[tuple[int, ...], int]] = set()
    for (g, cs, xp), ks in batches.items():
        rows = np.concatenate(
            [np.arange(panel.offsets[c], panel.offsets[c + 1]) for c in sorted({g, *cs})]
        )
        d = (panel.code[rows] == g).astype(np.float64)
        x_all = panel.x_at(max(xp, 0))
        assert x_all is not None
        x = np.column_stack([np.ones(len(rows)), x_all[rows]])
        ctrl = d == 0
        label_g = panel.group_labels[g - 1]
        label_t = panel.period_label(panel.tvals[plan.time_idx[ks[0]]])
        # The controls' design depends only on the control set and covariate period,
        # shared by many batches (all cohorts, with never-treated controls): check once.
        if method in ("dr", "reg") and (cs, xp) not in full_rank:
            try:
                check_collinear(x[ctrl][:, 1:], panel.x_names)
                full_rank.add((cs, xp))
            except CollinearCovariatesError:
                raise CollinearCovariatesError(
                    CONTROL_CELL_SINGULAR.format(
                        cohort=shown(label_g), period=shown(label_t), n_controls=int(ctrl.sum())
                    )
                ) from None
        t_i = plan.time_idx[ks]
        b_i = plan.base_idx[ks]
        y = panel.y[rows]
        dy = y[:, t_i] - y[:, b_i]
        a, inf, diag = _dr_ipw_reg(dy, d, x, method, trim_level)
        att[ks] = a
        cols = np.array([dense_col[k] for k in ks], dtype=np.int64)
        dense[np.ix_(rows, cols)] = inf * (n / len(rows))
        if diag.get("trimmed", 0) > 0 or diag.get("max_ps_treated", 0) >= _OVERLAP_WARN:
            notes.append(
                f"poor overlap for cohort {shown(label_g)} (control set {list(cs)}): "
                f"max propensity {max(diag['max_ps_treated'], diag['max_ps_control']):.4f}, "
                f"{int(diag['trimmed'])} control unit(s) with propensity >= {trim_level} "
                "trimmed; estimates lean on few comparable controls"
            )
    return att, dense, live, notes


def estimate_cells(
    panel: Panel,
    plan: CellPlan,
    *,
    method: str,
    control: str,
    trim_level: float,
) -> Cells:
    """Estimate every planned cell and build its influence-function coordinates."""
    _check_controls(panel, plan, control)
    k_cells = len(plan.group_code)
    counts = panel.counts
    n_treated = counts[plan.group_code].astype(np.int64)
    n_control = np.array([int(counts[list(cs)].sum()) for cs in plan.controls], dtype=np.int64)
    notes: list[str] = []
    if panel.x is None:
        basis = Basis(panel)
        att, coords = _unconditional(panel, plan, basis)
        share = n_treated / (n_treated + n_control)
        if method in ("dr", "ipw") and np.any((share >= 0.995) & ~plan.reference):
            notes.append(
                "poor overlap: in some cells controls are under 0.5% of the compared units"
            )
    else:
        att, dense, live, notes = _conditional(panel, plan, method, trim_level)
        basis = Basis(panel, dense)
        coords = np.zeros((basis.dim, k_cells))
        for j, k in enumerate(live):
            coords[basis.dense_index(j), k] = 1.0
    for note in notes:
        warnings.warn(note, DIDWarning, stacklevel=3)
    groups = panel.groups[plan.group_code - 1]
    times = panel.tvals[plan.time_idx]
    return Cells(
        group=groups,
        group_code=plan.group_code,
        time=times,
        time_idx=plan.time_idx,
        base_idx=plan.base_idx,
        post=groups <= times,
        reference=plan.reference,
        att=att,
        coords=coords,
        n_treated=n_treated,
        n_control=n_control,
        basis=basis,
        diagnostics=notes,
    )
