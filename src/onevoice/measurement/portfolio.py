"""Is the training effect the rule? Every reviewed campaign's customer-training uplift
side by side, and pooled by a random-effects meta-analysis with its heterogeneity.

Each campaign contributes the relative uplift of its latest finished analysis of its own
SKUs and that estimate's standard error. Only *disjoint experiments* are pooled: each
campaign's own trainings and SKUs (analyses from before campaign scope counted every
training and every SKU, so they are refused), no two pooled campaigns sharing a SKU over
overlapping months (the same sales would count twice), and one estimand (the same
outcome and control group). What is refused is listed with its reason. The pooling is
``onevoice.analytics.meta``: DerSimonian–Laird τ² with the Hartung–Knapp–Sidik–Jonkman
interval (a t on k − 1 degrees of freedom), which keeps its coverage with a handful of
campaigns where the normal interval is too narrow.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from onevoice.analytics.meta import MetaResult, Tau2Method, meta_analysis
from onevoice.measurement.charts import SCHEMA, Chart, clean_rows

Z95 = 1.959963984540054

REASON_NOT_REVIEWED = "not reviewed yet: joins the pool once reviewed"
REASON_BEFORE_SCOPE = (
    "analysed before campaign scope (every SKU and every clinic's first training counted): "
    "run its uplift analysis again"
)
REASON_ESTIMAND = (
    "measures {outcome} against {control} controls, unlike the pooled campaigns "
    "({ref_outcome} against {ref_control} controls): run it with the same options"
)
REASON_OVERLAP = (
    "shares {skus} with {other} over overlapping months: the same sales would count twice"
)
CONTROLS = {"notyet": "not-yet-trained", "never": "never-trained"}


@dataclass(frozen=True)
class PortfolioEntry:
    """One campaign's uplift from training, as its latest finished analysis has it.

    ``skus`` is None for an analysis stored before campaign scope; ``window`` its first
    and last period (ISO dates); ``estimand`` its outcome and control group. ``excluded``
    says why a reviewed campaign is not pooled (empty when it is).
    """

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
    reviewed: bool
    skus: tuple[str, ...] | None = None
    window: tuple[str, str] | None = None
    estimand: tuple[str, str] = ("units", "notyet")
    excluded: str = ""

    @property
    def pooled(self) -> bool:
        return self.reviewed and not self.excluded


def entry_from(
    *,
    slug: str,
    name: str,
    start: str,
    status: str,
    analysis_id: int,
    result: dict[str, Any],
    options: dict[str, Any],
    reviewed: bool,
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
    scope = result.get("campaign")
    periods = result.get("periods") or []
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
        reviewed=reviewed,
        skus=tuple(scope["skus"]) if scope and scope.get("skus") else None,
        window=(periods[0], periods[-1]) if periods else None,
        estimand=(options.get("outcome", "units"), options.get("control", "notyet")),
    )


def _overlap(a: PortfolioEntry, b: PortfolioEntry) -> list[str]:
    """SKUs ``a`` and ``b`` both measure over months both windows cover."""
    shared = sorted(set(a.skus or ()) & set(b.skus or ()))
    if not shared or a.window is None or b.window is None:
        return shared
    return shared if a.window[0] <= b.window[1] and b.window[0] <= a.window[1] else []


def disjoint(entries: list[PortfolioEntry]) -> list[PortfolioEntry]:
    """Mark why each entry that may not be pooled is refused; entries keep their order.

    Campaigns are taken in start order: a later campaign sharing SKUs and months with
    one already pooled is refused, the earlier one stays.
    """
    out = [
        replace(e, excluded=REASON_NOT_REVIEWED)
        if not e.reviewed
        else replace(e, excluded=REASON_BEFORE_SCOPE)
        if e.skus is None
        else e
        for e in entries
    ]
    eligible = [e.estimand for e in out if not e.excluded]
    if eligible:
        # The most common estimand; on a tie, the earliest campaign's.
        counts = Counter(eligible)
        ref = max(eligible, key=lambda est: (counts[est], -eligible.index(est)))
        out = [
            replace(
                e,
                excluded=REASON_ESTIMAND.format(
                    outcome=e.estimand[0].replace("_", " "),
                    control=CONTROLS.get(e.estimand[1], e.estimand[1]),
                    ref_outcome=ref[0].replace("_", " "),
                    ref_control=CONTROLS.get(ref[1], ref[1]),
                ),
            )
            if not e.excluded and e.estimand != ref
            else e
            for e in out
        ]
    pooled: list[PortfolioEntry] = []
    for i in sorted(range(len(out)), key=lambda j: (out[j].start, out[j].slug)):
        e = out[i]
        if e.excluded:
            continue
        clash = next(((p, skus) for p in pooled if (skus := _overlap(e, p))), None)
        if clash is not None:
            other, skus = clash
            out[i] = replace(
                e, excluded=REASON_OVERLAP.format(skus=", ".join(skus), other=other.name)
            )
        else:
            pooled.append(e)
    return out


@dataclass(frozen=True)
class Portfolio:
    """Every campaign's entry (pooled or not, with why) and the pooled answer."""

    entries: list[PortfolioEntry]
    meta: MetaResult | None

    def to_dict(self) -> dict[str, Any]:
        """The answer as ``onevoice portfolio --json`` prints it; I² in percent."""
        meta = self.meta
        return {
            "k": meta.k if meta else 0,
            "method": f"{meta.method} + {meta.interval_name}" if meta else None,
            "pooled": None
            if meta is None
            else {
                "estimate": meta.estimate,
                "se": meta.se,
                "ci_low": meta.ci_low,
                "ci_high": meta.ci_high,
            },
            "tau2": meta.tau2 if meta else None,
            "i2": meta.i2 if meta else None,
            "q_p": meta.q_p if meta else None,
            "entries": [
                {
                    "campaign": e.slug,
                    "estimate": e.estimate,
                    "se": e.se,
                    "ci_low": e.ci_low,
                    "ci_high": e.ci_high,
                    "analysis": e.analysis_id,
                    "skus": list(e.skus or ()),
                }
                for e in self.entries
                if e.pooled
            ],
            "excluded": [
                {"campaign": e.slug, "reason": e.excluded} for e in self.entries if not e.pooled
            ],
            "notes": list(meta.notes) if meta else [],
        }

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
                "pooled": "yes" if e.pooled else f"no: {e.excluded}",
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
                    "uplift_pct": round(100 * self.meta.estimate, 2),
                    "ci_low_pct": round(100 * self.meta.ci_low, 2),
                    "ci_high_pct": round(100 * self.meta.ci_high, 2),
                    "naive_ratio": None,
                    "pooled": "",
                }
            )
        return out

    def verdict(self) -> str:
        """The answer to "is this the rule?" in one sentence a manager reads."""
        meta = self.meta
        if meta is None:
            return "No reviewed campaign has a finished uplift analysis to pool yet."
        interval = f"{100 * meta.ci_low:.1f}% to {100 * meta.ci_high:.1f}%"
        if meta.ci_low > 0:
            return (
                f"As a rule, training lifted sales: {100 * meta.estimate:.1f}% on average "
                f"over {meta.k} campaigns (95% CI {interval})."
            )
        if meta.ci_high < 0:
            return (
                f"As a rule, training lowered sales: {100 * meta.estimate:.1f}% on average "
                f"over {meta.k} campaigns (95% CI {interval})."
            )
        why = (
            f"the campaigns differ too much (I² = {meta.i2:.0f}%)"
            if meta.i2 >= 50
            else "there are too few campaigns, or their estimates are too uncertain"
        )
        return (
            f"Not shown as a rule yet: {why} for the pooled interval ({interval}) to rule "
            "out no effect. Read each campaign's own result; more reviewed campaigns will "
            "narrow it."
        )

    def figures(self) -> list[tuple[str, str]]:
        """The pooled estimate and the heterogeneity, as a reader reads them."""
        meta = self.meta
        if meta is None:
            return []
        plural = "s" if meta.k != 1 else ""
        p = (
            ""
            if meta.q_p is None
            else ", p < 0.001"
            if meta.q_p < 0.001
            else f", p = {meta.q_p:.3f}"
        )
        return [
            (
                f"Pooled uplift over {meta.k} reviewed campaign{plural} (95% CI, "
                f"{meta.interval_name})",
                f"{100 * meta.estimate:.1f}% ({100 * meta.ci_low:.1f}% to "
                f"{100 * meta.ci_high:.1f}%)",
            ),
            (
                "Heterogeneity between campaigns",
                f"I² = {meta.i2:.0f}%, τ² = {meta.tau2:.5f}, Q = {meta.q:.2f} on {meta.q_df} df{p}",
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


def portfolio_build(entries: list[PortfolioEntry], *, method: Tau2Method = "DL") -> Portfolio:
    """Refuse what may not be pooled (with the reason), pool the rest (HKSJ interval)."""
    entries = disjoint(entries)
    pooled = [e for e in entries if e.pooled]
    meta = (
        meta_analysis(
            [e.estimate for e in pooled],
            [e.se for e in pooled],
            labels=[e.slug for e in pooled],
            method=method,
            test="knha",
        )
        if pooled
        else None
    )
    return Portfolio(entries=entries, meta=meta)
