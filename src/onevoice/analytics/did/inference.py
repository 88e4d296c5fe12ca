"""Standard errors, pointwise intervals and simultaneous (uniform) bands.

`Inference` holds, for one fitted panel, the variance of every linear functional of the
influence-function basis (analytic, clustered by unit or by a coarser column) and,
optionally, multiplier-bootstrap draws. Any estimate given by its coordinate vector gets
its standard error from here; any *table* of estimates gets a simultaneous critical value.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["Inference", "TableInference"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

# As R did: a standard error this small means the estimate is fixed by construction
# (e.g. the reference period of a universal base period) and is reported as missing.
_DEGENERATE = float(np.sqrt(np.finfo(float).eps) * 10)
_IQR_NORMAL = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
# As many draws as a 999-draw bootstrap would give five times over; the 95% quantile of
# a max of normals is then known to about +-0.02.
_SUPT_DRAWS = 5_000


@dataclass(frozen=True)
class TableInference:
    """Inference for a table of estimates."""

    se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    band_low: FloatArray
    band_high: FloatArray
    crit: float
    vcov: FloatArray


@dataclass
class Inference:
    """Variance and bootstrap machinery for one fit.

    Parameters
    ----------
    omega : ndarray (dim x dim)
        Scaled so that ``Var(estimate) = a' omega a`` for coordinates ``a``.
    draws : ndarray (B x dim) or None
        Scaled so that ``draws @ a`` are bootstrap perturbations of the estimate.
    alpha : float
        One minus the confidence level.
    entropy : int
        Seeds the simulation of sup-t critical values when there is no bootstrap.
    """

    omega: FloatArray
    draws: FloatArray | None
    alpha: float
    entropy: int

    @property
    def method(self) -> str:
        """``"bootstrap"`` or ``"analytic"``."""
        return "bootstrap" if self.draws is not None else "analytic"

    def vcov(self, coords: FloatArray) -> FloatArray:
        """Analytic covariance of the estimates with coordinates ``coords`` (dim x m)."""
        return coords.T @ self.omega @ coords

    def analytic_se(self, coords: FloatArray) -> FloatArray:
        """Analytic standard errors (NaN where degenerate)."""
        # diag(C' omega C) through one BLAS product: a three-operand einsum loops in C
        # without BLAS (over a second for a covariate fit's 340 pre-period cells).
        v = ((self.omega @ coords) * coords).sum(axis=0)
        se = np.sqrt(np.maximum(v, 0.0))
        se[se <= _DEGENERATE] = np.nan
        return se

    def _bootstrap_se(self, pert: FloatArray) -> FloatArray:
        q75 = np.quantile(pert, 0.75, axis=0, method="inverted_cdf")
        q25 = np.quantile(pert, 0.25, axis=0, method="inverted_cdf")
        se = (q75 - q25) / _IQR_NORMAL
        se[~(se > _DEGENERATE)] = np.nan
        return se

    def se(self, coords: FloatArray) -> FloatArray:
        """Standard errors: bootstrap (IQR-based, as R did) if drawn, else analytic."""
        if self.draws is None:
            return self.analytic_se(coords)
        return self._bootstrap_se(self.draws @ coords)

    def _rng(self, label: str) -> np.random.Generator:
        # Independent of call order: each table has its own stream derived from the seed.
        key = zlib.crc32(label.encode())
        return np.random.default_rng(np.random.SeedSequence(entropy=self.entropy, spawn_key=(key,)))

    def crit(self, coords: FloatArray, se: FloatArray, label: str) -> float:
        """Critical value of a simultaneous band over the estimates in ``coords``.

        With bootstrap draws: the ``1 - alpha`` quantile of ``max_k |draw_k / se_k|``
        (R did's multiplier bootstrap). Without: the same sup-t quantile simulated from
        the analytic covariance (Montiel Olea & Plagborg-Moller 2019).
        """
        ok = np.isfinite(se)
        if not ok.any():
            return float("nan")
        if self.draws is not None:
            t = np.abs((self.draws @ coords[:, ok]) / se[ok])
            return float(np.quantile(t.max(axis=1), 1 - self.alpha, method="inverted_cdf"))
        vc = self.vcov(coords[:, ok])
        d = np.sqrt(np.diag(vc))
        corr = vc / np.outer(d, d)
        vals, vecs = np.linalg.eigh(corr)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        z = self._rng(label).standard_normal((_SUPT_DRAWS, len(d))) @ root.T
        return float(np.quantile(np.abs(z).max(axis=1), 1 - self.alpha))

    def table(self, est: FloatArray, coords: FloatArray, label: str) -> TableInference:
        """Standard errors, pointwise intervals and the simultaneous band for a table."""
        se = self.se(coords)
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        crit = self.crit(coords, se, label) if len(est) > 1 else z
        return TableInference(
            se=se,
            ci_low=est - z * se,
            ci_high=est + z * se,
            band_low=est - crit * se,
            band_high=est + crit * se,
            crit=crit,
            vcov=self.vcov(coords),
        )
