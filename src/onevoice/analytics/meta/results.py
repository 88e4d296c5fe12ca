"""The meta-analysis result: ``tidy()`` -> DataFrame, ``summary()`` -> text, ``to_dict()``,
``plot()`` -> a Vega-Lite forest plot.

Presentation only; the numbers are computed in ``pooling`` and handed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .charts import forest_chart

__all__ = ["ESTIMAND", "POOLED_LABEL", "MetaEntry", "MetaResult"]

ESTIMAND = "random-effects pooled mean of the per-campaign relative uplifts"
POOLED_LABEL = "Pooled (random effects)"

_METHOD_NAMES = {"DL": "DerSimonian–Laird", "REML": "restricted maximum likelihood (REML)"}
_TEST_NAMES = {"knha": "Hartung–Knapp–Sidik–Jonkman", "z": "normal (z)"}


def _num(x: float | None) -> float | None:
    """A JSON-ready number: a plain float, or None for missing / NaN / infinite."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def _fmt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "p = —"
    return "p < 0.0001" if p < 0.0001 else f"p = {p:.4f}"


@dataclass(frozen=True)
class MetaEntry:
    """One pooled estimate (a campaign) with its own normal interval and its weight.

    ``weight_pct`` is its share (percent) of the random-effects weights ``1/(se² + tau²)``,
    as metafor's ``weights()``.
    """

    label: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    weight_pct: float


@dataclass(frozen=True)
class MetaResult:
    """A random-effects meta-analysis: the pooled mean, its interval and the heterogeneity.

    Attributes
    ----------
    k
        Number of pooled estimates.
    method, test
        The τ² estimator (``"DL"`` / ``"REML"``) and the interval actually used
        (``"knha"`` / ``"z"``; ``"z"`` when knha was asked for with k = 1, see ``notes``).
    level
        Confidence level of the intervals (e.g. 0.95).
    estimate, se, ci_low, ci_high
        The pooled mean, its standard error (Knapp–Hartung-scaled under ``"knha"``) and
        its confidence interval.
    df
        Degrees of freedom of the t interval (k − 1) under ``"knha"``, None under ``"z"``.
    statistic, p_value
        ``estimate / se`` (t or z) and its two-sided p-value.
    pi_low, pi_high
        Prediction interval for a new campaign's true effect:
        ``estimate ± crit * sqrt(se² + tau2)`` (metafor's ``predict()``).
    tau2
        Between-campaign variance of the true effects.
    i2
        Percent (0–100) of the total variability that is between-campaign:
        ``100 tau² / (tau² + s²)`` with s² the "typical" within-campaign variance.
    h2
        ``tau² / s² + 1``: total variability over sampling variability.
    q, q_df, q_p
        Cochran's Q (fixed-effect weights), its degrees of freedom k − 1 and its p-value
        (None when k = 1).
    knha_scale
        The Knapp–Hartung factor q applied to the variance (None under ``"z"``); it may be
        below 1, in which case the knha interval is the narrower one.
    entries
        The estimates pooled, in input order.
    notes
        Caveats a reader should see (single estimate, τ² = 0, …).
    """

    k: int
    method: str
    test: str
    level: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int | None
    statistic: float
    p_value: float
    pi_low: float
    pi_high: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float | None
    knha_scale: float | None
    entries: tuple[MetaEntry, ...]
    notes: tuple[str, ...] = ()

    @property
    def tau(self) -> float:
        """Standard deviation of the true effects across campaigns."""
        return math.sqrt(self.tau2)

    @property
    def interval_name(self) -> str:
        """How the interval was built, e.g. ``Hartung–Knapp–Sidik–Jonkman (t, 12 df)``."""
        if self.df is None:
            return _TEST_NAMES[self.test]
        return f"{_TEST_NAMES[self.test]} (t, {self.df} df)"

    def tidy(self) -> pd.DataFrame:
        """One row per estimate, then the pooled row.

        Columns: ``label``, ``kind`` (``"estimate"`` / ``"pooled"``), ``estimate``,
        ``se``, ``ci_low``, ``ci_high``, ``weight_pct`` (100 on the pooled row).
        """
        rows = [
            {
                "label": e.label,
                "kind": "estimate",
                "estimate": e.estimate,
                "se": e.se,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "weight_pct": e.weight_pct,
            }
            for e in self.entries
        ]
        rows.append(
            {
                "label": POOLED_LABEL,
                "kind": "pooled",
                "estimate": self.estimate,
                "se": self.se,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "weight_pct": 100.0,
            }
        )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """metafor-like text: the model, the pooled estimate, heterogeneity, the table."""
        level = f"{100 * self.level:g}%"
        stat = "z" if self.df is None else f"t({self.df})"
        table = self.tidy()
        shown = table[["label", "estimate", "se", "ci_low", "ci_high", "weight_pct"]].copy()
        for col in ["estimate", "se", "ci_low", "ci_high"]:
            shown[col] = shown[col].map(_fmt)
        shown["weight_pct"] = shown["weight_pct"].map(lambda x: _fmt(x, 2))
        q_p = "" if self.q_p is None else f", {_p(self.q_p)}"
        lines = [
            f"Random-effects meta-analysis (k = {self.k}; tau² estimator: "
            f"{_METHOD_NAMES[self.method]}; interval: {self.interval_name})",
            f"Estimand: {ESTIMAND}.",
            "",
            f"  pooled estimate: {_fmt(self.estimate)} (se {_fmt(self.se)}), {level} CI "
            f"[{_fmt(self.ci_low)}, {_fmt(self.ci_high)}]; {stat} = {_fmt(self.statistic)}, "
            f"{_p(self.p_value)}",
            f"  {level} prediction interval for a new campaign: "
            f"[{_fmt(self.pi_low)}, {_fmt(self.pi_high)}]",
            f"  heterogeneity: tau² = {_fmt(self.tau2)} (tau = {_fmt(self.tau)}), "
            f"I² = {_fmt(self.i2, 2)}%, H² = {_fmt(self.h2, 2)}; "
            f"Q({self.q_df}) = {_fmt(self.q)}{q_p}",
            "",
            shown.to_string(index=False),
        ]
        if self.notes:
            lines += ["", *[f"  Note: {n}" for n in self.notes]]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (floats, ints, strings, None)."""
        return {
            "k": self.k,
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "estimand": ESTIMAND,
            "pooled": {
                "estimate": _num(self.estimate),
                "se": _num(self.se),
                "ci_low": _num(self.ci_low),
                "ci_high": _num(self.ci_high),
                "df": self.df,
                "statistic": _num(self.statistic),
                "p_value": _num(self.p_value),
                "pi_low": _num(self.pi_low),
                "pi_high": _num(self.pi_high),
            },
            "tau2": _num(self.tau2),
            "tau": _num(self.tau),
            "i2": _num(self.i2),
            "h2": _num(self.h2),
            "q": _num(self.q),
            "q_df": self.q_df,
            "q_p": _num(self.q_p),
            "knha_scale": _num(self.knha_scale),
            "entries": [
                {
                    "label": e.label,
                    "estimate": _num(e.estimate),
                    "se": _num(e.se),
                    "ci_low": _num(e.ci_low),
                    "ci_high": _num(e.ci_high),
                    "weight_pct": _num(e.weight_pct),
                }
                for e in self.entries
            ],
            "notes": list(self.notes),
        }

    def plot(self) -> dict[str, Any]:
        """Vega-Lite forest plot: each estimate and the pooled one with their intervals,
        the prediction interval under the pooled row, and a zero line."""
        level = f"{100 * self.level:g}%"
        return forest_chart(
            self.tidy(),
            prediction=(POOLED_LABEL, self.pi_low, self.pi_high),
            title=f"Forest plot: {ESTIMAND} ({self.method}, {self.interval_name})",
            x_title=f"estimate ({level} CI)",
        )
