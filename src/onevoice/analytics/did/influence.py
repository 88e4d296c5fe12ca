"""Influence functions in a compact coordinate system, and their Gram matrix and draws.

Every estimate the engine reports (an ATT(g,t), an aggregate, a cohort mean, a ratio by the
delta method) is asymptotically linear: its unit-level influence function is
``psi_i = phi_i @ a`` for a coordinate vector ``a`` on a basis ``phi_i`` shared by all
estimates. The basis has two parts:

* a *block* part, per cohort ``c``: the unit's centred outcomes ``Y_i - mean_c(Y)`` (T
  columns) and a constant, non-zero only for units of cohort ``c``. Without covariates the
  influence function of every ATT(g,t) is a difference of cohort means, so it lives here in
  closed form; so do the weight-estimation terms of the aggregations (cohort shares).
* a *dense* part: one column per group-time cell estimated with covariates, holding that
  cell's influence function (doubly robust / IPW / regression).

Variances of all estimates then come from one small Gram matrix ``Phi' Phi`` and the
multiplier bootstrap from one pass of ``V' Phi``; nothing scales with units afterwards.
Centring the outcomes within cohort keeps the Gram matrix well conditioned when outcome
levels are large relative to their changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Panel

__all__ = ["Basis", "multiplier_weights"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

_SQRT5 = float(np.sqrt(5.0))
_MAMMEN_LOW = (1.0 - _SQRT5) / 2.0
_MAMMEN_HIGH = (1.0 + _SQRT5) / 2.0
_MAMMEN_P_LOW = (_SQRT5 + 1.0) / (2.0 * _SQRT5)
# Weights for up to this many unit-draws are held at once (~52 MB); larger blocks do
# not make the matrix products faster.
_CHUNK_CELLS = 4_000_000


def multiplier_weights(rng: np.random.Generator, size: tuple[int, int], kind: str) -> FloatArray:
    """Mean-zero, unit-variance multiplier weights.

    Parameters
    ----------
    rng : numpy.random.Generator
    size : (units, draws)
    kind : {"mammen", "rademacher"}
        Mammen's two-point weights (as R ``did``): ``(1 - sqrt5)/2`` with probability
        ``(sqrt5 + 1)/(2 sqrt5)``, else ``(1 + sqrt5)/2``; or Rademacher +-1.
    """
    if kind == "rademacher":
        # One random bit per weight.
        n_bits = size[0] * size[1]
        raw = np.frombuffer(rng.bytes((n_bits + 7) // 8), dtype=np.uint8)
        bits = np.unpackbits(raw, count=n_bits).reshape(size)
        out = bits.astype(np.float64)
        out *= 2.0
        out -= 1.0
        return out
    # Single-precision uniforms cost half as much as doubles and resolve the Mammen
    # probability to 2**-24, far below bootstrap noise. Multiply-add beats np.where.
    low = rng.random(size, dtype=np.float32) < np.float32(_MAMMEN_P_LOW)
    out = low.astype(np.float64)
    out *= _MAMMEN_LOW - _MAMMEN_HIGH
    out += _MAMMEN_HIGH
    return out


@dataclass
class Basis:
    """The influence-function basis of one fitted panel.

    Parameters
    ----------
    panel : Panel
    dense : ndarray of shape (n, K) or None
        Influence functions of covariate-adjusted cells, rows in panel order.
    """

    panel: Panel
    dense: FloatArray | None = None

    def __post_init__(self) -> None:
        p = self.panel
        self.n_cohorts = len(p.groups) + 1
        self.width = p.n_periods + 1
        self.n_block = self.n_cohorts * self.width
        self.n_dense = 0 if self.dense is None else int(self.dense.shape[1])
        self.dim = self.n_block + self.n_dense
        # Cohort-by-period means; the centred outcomes are recomputed slice by slice.
        self.means = np.vstack(
            [
                p.y[p.cohort_slice(c)].mean(axis=0) if p.counts[c] else np.zeros(p.n_periods)
                for c in range(self.n_cohorts)
            ]
        )

    # -- coordinates ---------------------------------------------------------------
    def y_index(self, cohort: int, period: int) -> int:
        """Coordinate of cohort ``cohort``'s centred outcome in period index ``period``."""
        return cohort * self.width + period

    def const_index(self, cohort: int) -> int:
        """Coordinate of cohort ``cohort``'s indicator."""
        return cohort * self.width + self.width - 1

    def dense_index(self, k: int) -> int:
        """Coordinate of the ``k``-th covariate-adjusted cell."""
        return self.n_block + k

    def share_coords(self) -> FloatArray:
        """Coordinates of ``1{G_i = g} - P(G = g)`` for each treated cohort (dim x G).

        These are the influence functions of the estimated cohort shares that weight
        the aggregations.
        """
        n = self.panel.n
        out = np.zeros((self.dim, self.n_cohorts - 1))
        shares = self.panel.counts / n
        consts = [self.const_index(c) for c in range(self.n_cohorts)]
        for g in range(1, self.n_cohorts):
            out[consts, g - 1] -= shares[g]
            out[self.const_index(g), g - 1] += 1.0
        return out

    def mean_coords(self, cohort: int, period: int) -> FloatArray:
        """Coordinates of the influence function of a cohort's mean outcome in a period."""
        a = np.zeros(self.dim)
        n_c = self.panel.counts[cohort]
        a[self.y_index(cohort, period)] = self.panel.n / n_c
        return a

    # -- Gram matrix and multiplier draws ---------------------------------------------
    def _centred(self, c: int) -> FloatArray:
        p = self.panel
        return p.y[p.cohort_slice(c)] - self.means[c]

    def gram(self) -> FloatArray:
        """``sum_i phi_i phi_i'`` (unit level), dim x dim."""
        p = self.panel
        om = np.zeros((self.dim, self.dim))
        for c in range(self.n_cohorts):
            sl = p.cohort_slice(c)
            yc = self._centred(c)
            ys = slice(self.y_index(c, 0), self.y_index(c, 0) + p.n_periods)
            ci = self.const_index(c)
            om[ys, ys] = yc.T @ yc
            om[ci, ci] = sl.stop - sl.start
            if self.dense is not None:
                dc = self.dense[sl]
                cross = yc.T @ dc
                om[ys, self.n_block :] = cross
                om[self.n_block :, ys] = cross.T
                s = dc.sum(axis=0)
                om[ci, self.n_block :] = s
                om[self.n_block :, ci] = s
        if self.dense is not None:
            om[self.n_block :, self.n_block :] = self.dense.T @ self.dense
        return om

    def cluster_sums(self, cluster: np.ndarray, n_clusters: int) -> FloatArray:
        """``sum_{i in cluster} phi_i`` for each cluster, n_clusters x dim."""
        p = self.panel
        out = np.zeros((n_clusters, self.dim))
        for c in range(self.n_cohorts):
            sl = p.cohort_slice(c)
            cl = cluster[sl]
            yc = self._centred(c)
            for j in range(p.n_periods):
                out[:, self.y_index(c, j)] = np.bincount(cl, yc[:, j], minlength=n_clusters)
            out[:, self.const_index(c)] = np.bincount(cl, minlength=n_clusters)
        if self.dense is not None:
            for k in range(self.n_dense):
                out[:, self.n_block + k] = np.bincount(
                    cluster, self.dense[:, k], minlength=n_clusters
                )
        return out

    def multiplier_draws(
        self,
        n_draws: int,
        rng: np.random.Generator,
        kind: str,
        cluster_sums: FloatArray | None = None,
    ) -> FloatArray:
        """``sum_i v_bi phi_i`` for ``b = 1..n_draws`` (n_draws x dim).

        With ``cluster_sums`` the weights are drawn per cluster, so that units of a
        cluster move together.
        """
        out = np.empty((n_draws, self.dim))
        if cluster_sums is not None:
            m = cluster_sums.shape[0]
            step = max(1, _CHUNK_CELLS // max(m, 1))
            for b0 in range(0, n_draws, step):
                b1 = min(n_draws, b0 + step)
                v = multiplier_weights(rng, (m, b1 - b0), kind)
                out[b0:b1] = v.T @ cluster_sums
            return out
        p = self.panel
        # Units are rows of the weight block, so each cohort is a contiguous slice.
        centred = [self._centred(c) for c in range(self.n_cohorts)]
        step = max(1, _CHUNK_CELLS // max(p.n, 1))
        for b0 in range(0, n_draws, step):
            b1 = min(n_draws, b0 + step)
            v = multiplier_weights(rng, (p.n, b1 - b0), kind)
            for c in range(self.n_cohorts):
                vc = v[p.cohort_slice(c)]
                ys = slice(self.y_index(c, 0), self.y_index(c, 0) + p.n_periods)
                out[b0:b1, ys] = vc.T @ centred[c]
                out[b0:b1, self.const_index(c)] = vc.sum(axis=0)
            if self.dense is not None:
                out[b0:b1, self.n_block :] = v.T @ self.dense
        return out
