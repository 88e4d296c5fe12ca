"""One fitted analysis as a JSON-safe document: what ``onevoice uplift --json`` prints and
what the measurement app stores. One builder, so the CLI and the app never disagree."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onevoice.analytics.did.estimator import ATTgt


def clean(value: Any) -> Any:
    """JSON-safe: NaN / inf -> null, numpy scalars -> Python, timestamps -> ISO dates."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if hasattr(value, "hour") else value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def rows(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    return [clean(r) for r in frame[columns].to_dict(orient="records")]


def analysis_document(
    est: ATTgt, *, balance_e: int | None = None, unit_price: float | None = None
) -> dict[str, Any]:
    """Every number of a fitted analysis: ATT(g,t), the four aggregations, the naive
    comparison and its decomposition, the pre-trend test, uplift and warnings."""
    simple = est.aggregate("simple")
    dynamic = est.aggregate("dynamic", balance_e=balance_e)
    group = est.aggregate("group")
    calendar = est.aggregate("calendar")
    naive = est.naive()
    lift = est.uplift(unit_price=unit_price)
    pre = est.pretest()
    pre_event = est.pretest("event")
    return {
        "att_gt": rows(est.att_gt_.tidy(), ["group", "time", "att", "se", "ci_low", "ci_high"]),
        "simple": clean(
            {"att": simple.att, "se": simple.se, "ci_low": simple.ci_low, "ci_high": simple.ci_high}
        ),
        "dynamic": rows(
            dynamic.table, ["event", "att", "se", "ci_low", "ci_high", "band_low", "band_high"]
        ),
        "group": rows(group.table, ["group", "att", "se", "ci_low", "ci_high"]),
        "calendar": rows(calendar.table, ["time", "att", "se", "ci_low", "ci_high"]),
        "naive": clean(
            {
                "treated_mean": naive.treated_mean,
                "control_mean": naive.control_mean,
                "ratio": naive.ratio,
                "gap": naive.gap,
                "effect": naive.effect,
                "selection": naive.selection,
            }
        ),
        "pretrend": clean({"stat": pre.stat, "df": pre.df, "p_value": pre.p_value}),
        # R did's cell-level test above; the event-study test beside it keeps its size
        # with many small cohorts (see analytics.did.pretest), with both tests' notes.
        "pretrend_event": clean(
            {"stat": pre_event.stat, "df": pre_event.df, "p_value": pre_event.p_value}
        ),
        "pretrend_notes": [n for n in (pre.note, pre_event.note) if n],
        "uplift": clean(lift.to_dict()),
        "n_units": est.n_units_,
        "n_periods": est.n_periods_,
        "n_units_dropped": est.panel_report_.n_dropped,
        "inference": est.inference_.method,
        "warnings": list(est.warnings_),
    }
