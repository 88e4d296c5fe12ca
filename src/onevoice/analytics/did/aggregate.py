"""Aggregations of ATT(g,t): simple, dynamic (event study), group, calendar.

Exactly R did's ``aggte``: cells are weighted by cohort size, and where those weights are
estimated shares the influence function gains the weight-estimation term (R's ``wif``).
Each aggregate is returned as an estimate plus coordinates on the influence basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .attgt import Cells
from .errors import NO_POST_CELLS, DIDError

__all__ = ["Aggregate", "aggregate_cells", "weighted_cell_average"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class Aggregate:
    """Estimates ``by`` a key (event time, cohort or period) and their overall average."""

    kind: str
    keys: FloatArray
    est: FloatArray
    coords: FloatArray  # dim x len(keys)
    overall: float
    overall_coords: FloatArray  # dim
    n_cells: FloatArray  # cells behind each estimate


def weighted_cell_average(
    cells: Cells, idx: np.ndarray, values: FloatArray, value_coords: FloatArray, *, wif: bool
) -> tuple[float, FloatArray]:
    """Average of ``values[idx]`` weighted by cohort share; coordinates of its influence.

    With ``wif`` the shares count as estimated (R did's ``wif``): the influence function
    gains ``sum_k (value_k - estimate) / S * (1{G = g_k} - p_{g_k})``.
    """
    basis = cells.basis
    shares = basis.panel.counts / basis.panel.n
    pg = shares[cells.group_code[idx]]
    s = pg.sum()
    w = pg / s
    est = float(w @ values[idx])
    coords = value_coords[:, idx] @ w
    if wif:
        z = basis.share_coords()
        coef = (values[idx] - est) / s
        coords = coords + z[:, cells.group_code[idx] - 1] @ coef
    return est, coords


def _mean_of(est: FloatArray, coords: FloatArray, keep: np.ndarray) -> tuple[float, FloatArray]:
    m = int(keep.sum())
    return float(est[keep].mean()), coords[:, keep] @ np.full(m, 1.0 / m)


def aggregate_cells(
    cells: Cells,
    kind: str,
    *,
    balance_e: int | None = None,
    min_e: float = -np.inf,
    max_e: float = np.inf,
) -> Aggregate:
    """Aggregate cells as R did's ``aggte(type=kind)``.

    Parameters
    ----------
    cells : Cells
    kind : {"simple", "dynamic", "group", "calendar"}
    balance_e : int, optional
        Event study only: keep only cohorts observed for at least ``balance_e`` periods
        after treatment, and event times up to ``balance_e``, so that the composition of
        cohorts does not change along the event-time axis.
    min_e, max_e : float
        Event times kept (event study) / longest exposure counted (all kinds).
    """
    att = cells.att
    coords = cells.coords
    g, t = cells.group, cells.time
    post = (g <= t) & (t <= g + max_e)
    if not post.any():
        raise DIDError(NO_POST_CELLS)
    if kind == "simple":
        idx = np.flatnonzero(post)
        est, c = weighted_cell_average(cells, idx, att, coords, wif=True)
        return Aggregate(
            kind, np.array([]), np.array([]), np.zeros((len(c), 0)), est, c, np.array([])
        )
    if kind == "group":
        keys = np.unique(g)
        ests, cs, ns = [], [], []
        for gv in keys:
            idx = np.flatnonzero(post & (g == gv))
            if len(idx) == 0:
                ests.append(np.nan)
                cs.append(np.zeros(coords.shape[0]))
                ns.append(0)
                continue
            e, c = weighted_cell_average(cells, idx, att, coords, wif=False)
            ests.append(e)
            cs.append(c)
            ns.append(len(idx))
        est_g = np.asarray(ests)
        coords_g = np.column_stack(cs)
        ok = np.isfinite(est_g)
        # Overall: cohorts weighted by size, the weights estimated (R did: "group").
        basis = cells.basis
        shares = basis.panel.counts[1:] / basis.panel.n
        code = np.searchsorted(basis.panel.groups, keys[ok])
        pg = shares[code]
        s = pg.sum()
        overall = float(pg @ est_g[ok] / s)
        z = basis.share_coords()[:, code]
        overall_coords = coords_g[:, ok] @ (pg / s) + z @ ((est_g[ok] - overall) / s)
        return Aggregate(
            kind, keys, est_g, coords_g, overall, overall_coords, np.asarray(ns, float)
        )
    if kind == "dynamic":
        e_all = t - g
        include = np.ones(len(att), dtype=bool)
        tmax, tmin = float(cells.basis.panel.tvals[-1]), float(cells.basis.panel.tvals[0])
        if balance_e is not None:
            include = (tmax - g) >= balance_e
        include &= t <= g + max_e
        eseq = np.unique(e_all[include])
        if balance_e is not None:
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - tmax + tmin)]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        ests, cs, ns = [], [], []
        for e in eseq:
            idx = np.flatnonzero((e_all == e) & include)
            est, c = weighted_cell_average(cells, idx, att, coords, wif=True)
            ests.append(est)
            cs.append(c)
            ns.append(len(idx))
        est_e = np.asarray(ests)
        coords_e = np.column_stack(cs) if cs else np.zeros((coords.shape[0], 0))
        epos = eseq >= 0
        if not epos.any():
            raise DIDError(NO_POST_CELLS)
        overall, oc = _mean_of(est_e, coords_e, epos)
        return Aggregate(kind, eseq, est_e, coords_e, overall, oc, np.asarray(ns, float))
    if kind == "calendar":
        keys = np.unique(t[t >= g.min()])
        ests, cs, ns = [], [], []
        for tv in keys:
            idx = np.flatnonzero((t == tv) & post)
            est, c = weighted_cell_average(cells, idx, att, coords, wif=True)
            ests.append(est)
            cs.append(c)
            ns.append(len(idx))
        est_t = np.asarray(ests)
        coords_t = np.column_stack(cs)
        overall, oc = _mean_of(est_t, coords_t, np.ones(len(keys), dtype=bool))
        return Aggregate(kind, keys, est_t, coords_t, overall, oc, np.asarray(ns, float))
    raise DIDError(f"unknown aggregation {kind!r}")  # pragma: no cover - validated upstream
