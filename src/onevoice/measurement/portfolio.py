"""Is the training effect the rule? Every reviewed campaign's customer-training uplift
side by side, and pooled by a random-effects meta-analysis with its heterogeneity.

Each campaign contributes the relative uplift of its latest finished uplift analysis and
that estimate's standard error. The pooling is DerSimonian and Laird's: campaigns are
allowed to differ in their true effect (τ² is that spread); I² is the share of the
variation across campaigns that is real rather than sampling noise, and Cochran's Q
tests whether they differ at all. ``random_effects`` is plain numpy (no Django).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from onevoice.measurement.charts import SCHEMA, Chart, clean_rows

Z95 = 1.959963984540054
ERROR_NO_ESTIMATES = "A meta-analysis needs at least one estimate with a positive standard error."


@dataclass(frozen=True)
class MetaAnalysis:
    """A random-effects pooled estimate with its interval and heterogeneity."""

    k: int
    pooled: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    q: float
    df: int
    p_heterogeneity: float | None
    i2: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "pooled": self.pooled,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "tau2": self.tau2,
            "q": self.q,
            "df": self.df,
            "p_heterogeneity": self.p_heterogeneity,
            "i2": self.i2,
        }


def random_effects(estimates: Sequence[float], std_errors: Sequence[float]) -> MetaAnalysis:
    """DerSimonian–Laird random-effects meta-analysis of ``estimates``.

    Parameters
    ----------
    estimates, std_errors
        One estimate and its standard error per study (here: per campaign).

    Returns
    -------
    MetaAnalysis
        Pooled estimate, its standard error and 95% interval, the between-study
        variance τ², Cochran's Q with its degrees of freedom and p-value, and I².
    """
    import numpy as np
    from scipy import stats

    y = np.asarray(estimates, dtype=float)
    v = np.asarray(std_errors, dtype=float) ** 2
    if y.size == 0 or y.size != v.size or not np.all(v > 0) or not np.all(np.isfinite(y)):
        raise ValueError(ERROR_NO_ESTIMATES)
    w = 1.0 / v
    fixed = float((w * y).sum() / w.sum())
    q = float((w * (y - fixed) ** 2).sum())
    df = int(y.size - 1)
    c = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max(0.0, (q - df) / c) if df > 0 and c > 0 else 0.0
    w_star = 1.0 / (v + tau2)
    pooled = float((w_star * y).sum() / w_star.sum())
    se = math.sqrt(1.0 / float(w_star.sum()))
    return MetaAnalysis(
        k=int(y.size),
        pooled=pooled,
        se=se,
        ci_low=pooled - Z95 * se,
        ci_high=pooled + Z95 * se,
        tau2=tau2,
        q=q,
        df=df,
        p_heterogeneity=float(stats.chi2.sf(q, df)) if df > 0 else None,
        i2=max(0.0, (q - df) / q) if df > 0 and q > 0 else 0.0,
    )


@dataclass(frozen=True)
class PortfolioEntry:
    """One campaign's uplift from training, as its latest finished analysis has it."""

    slug: str
    name: str
    start: str
    status: str
    analysis_id: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    naive_ratio: float | None
    pooled: bool  # counted in the pooled estimate (reviewed campaigns)


def entry_from(
    *,
    slug: str,
    name: str,
    start: str,
    status: str,
    analysis_id: int,
    result: dict[str, Any],
    pooled: bool,
) -> PortfolioEntry | None:
    """The entry of one stored analysis result, or None when it has no relative uplift."""
    rel = (result.get("uplift") or {}).get("relative_uplift") or {}
    estimate = rel.get("estimate")
    if estimate is None:
        return None
    low, high = rel.get("ci_low"), rel.get("ci_high")
    se = rel.get("se")
    if se is None and low is not None and high is not None:
        se = (high - low) / (2 * Z95)
    if se is None or not se > 0:
        return None
    return PortfolioEntry(
        slug=slug,
        name=name,
        start=start,
        status=status,
        analysis_id=analysis_id,
        estimate=float(estimate),
        se=float(se),
        ci_low=float(low if low is not None else estimate - Z95 * se),
        ci_high=float(high if high is not None else estimate + Z95 * se),
        naive_ratio=(result.get("naive") or {}).get("ratio"),
        pooled=pooled,
    )


@dataclass(frozen=True)
class Portfolio:
    entries: list[PortfolioEntry]
    meta: MetaAnalysis | None

    def rows(self) -> list[dict[str, Any]]:
        """One row per campaign, then the pooled estimate (percentages)."""
        out = [
            {
                "campaign": e.name,
                "start": e.start,
                "status": e.status,
                "analysis": e.analysis_id,
                "uplift_pct": round(100 * e.estimate, 2),
                "ci_low_pct": round(100 * e.ci_low, 2),
                "ci_high_pct": round(100 * e.ci_high, 2),
                "naive_ratio": None if e.naive_ratio is None else round(e.naive_ratio, 2),
                "pooled": "yes" if e.pooled else "no",
            }
            for e in self.entries
        ]
        if self.meta is not None:
            out.append(
                {
                    "campaign": f"Pooled ({self.meta.k} reviewed campaign{'s' if self.meta.k != 1 else ''})",
                    "start": "",
                    "status": "",
                    "analysis": None,
                    "uplift_pct": round(100 * self.meta.pooled, 2),
                    "ci_low_pct": round(100 * self.meta.ci_low, 2),
                    "ci_high_pct": round(100 * self.meta.ci_high, 2),
                    "naive_ratio": None,
                    "pooled": "",
                }
            )
        return out

    def figures(self) -> list[tuple[str, str]]:
        """The pooled estimate and the heterogeneity, as a reader reads them."""
        meta = self.meta
        if meta is None:
            return []
        plural = "s" if meta.k != 1 else ""
        p = "" if meta.p_heterogeneity is None else f", p = {meta.p_heterogeneity:.3f}"
        return [
            (
                f"Pooled uplift over {meta.k} reviewed campaign{plural} (95% CI)",
                f"{100 * meta.pooled:.1f}% ({100 * meta.ci_low:.1f}% to {100 * meta.ci_high:.1f}%)",
            ),
            (
                "Heterogeneity between campaigns",
                f"I² = {100 * meta.i2:.0f}%, τ² = {meta.tau2:.5f}, Q = {meta.q:.2f} on "
                f"{meta.df} df{p}",
            ),
        ]

    def chart(self) -> Chart:
        """A forest plot: each campaign's uplift with its 95% interval, and the pooled one."""
        rows = clean_rows(self.rows())
        for r in rows:
            r["kind"] = "Pooled" if r["analysis"] is None else "Campaign"
        y = {"field": "campaign", "type": "nominal", "title": None, "sort": None}
        spec = {
            "$schema": SCHEMA,
            "title": {
                "text": "Uplift from customer training, campaign by campaign",
                "anchor": "start",
            },
            "data": {"values": rows},
            "width": 480,
            "height": max(80, 28 * len(rows)),
            "layer": [
                {
                    "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#444"},
                    "encoding": {"x": {"datum": 0}},
                },
                {
                    "mark": {"type": "rule", "strokeWidth": 2},
                    "encoding": {
                        "y": y,
                        "x": {
                            "field": "ci_low_pct",
                            "type": "quantitative",
                            "title": "Relative uplift (%), 95% CI",
                        },
                        "x2": {"field": "ci_high_pct"},
                        "color": {"field": "kind", "type": "nominal", "title": None},
                    },
                },
                {
                    "mark": {"type": "point", "filled": True, "size": 90, "shape": "diamond"},
                    "encoding": {
                        "y": y,
                        "x": {"field": "uplift_pct", "type": "quantitative"},
                        "color": {"field": "kind", "type": "nominal", "title": None},
                        "tooltip": [
                            {"field": "campaign"},
                            {"field": "uplift_pct", "title": "uplift %"},
                            {"field": "ci_low_pct", "title": "CI low %"},
                            {"field": "ci_high_pct", "title": "CI high %"},
                        ],
                    },
                },
            ],
        }
        return Chart("portfolio", "Uplift from customer training across campaigns", rows, spec)


def portfolio_build(entries: list[PortfolioEntry]) -> Portfolio:
    pooled = [e for e in entries if e.pooled]
    meta = random_effects([e.estimate for e in pooled], [e.se for e in pooled]) if pooled else None
    return Portfolio(entries=entries, meta=meta)
