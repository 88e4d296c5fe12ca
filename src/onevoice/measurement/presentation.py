"""What the uplift page shows, computed from a stored analysis: headline numbers in
words a marketing director reads, and the tables behind every chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onevoice.measurement.models import UpliftAnalysis
from onevoice.measurement.uplift import DEFAULT_OPTIONS, UpliftOptions

UPLIFT_TABLES = ("dynamic", "att_gt", "group", "calendar", "balance")
PRETREND_ALPHA = 0.05
IMBALANCE_SMD = 0.1


@dataclass(frozen=True)
class UpliftView:
    ready: bool
    naive_ratio: float | None = None
    relative: dict[str, Any] | None = None
    att: dict[str, Any] | None = None
    incremental: dict[str, Any] | None = None
    selection_share: float | None = None
    gap: float | None = None
    effect: float | None = None
    selection: float | None = None
    pretrend_ok: bool | None = None
    pretrend: dict[str, Any] | None = None
    pretrend_kind: str = ""
    pretrend_cells: dict[str, Any] | None = None
    imbalanced_after_weighting: int = 0
    balance_rows: list[dict[str, Any]] | None = None
    warnings: list[str] | None = None
    options_text: str = ""
    default_options: bool = False
    negative_control: bool = False
    counted: dict[str, Any] | None = None


def _counted(analysis: UpliftAnalysis) -> dict[str, Any]:
    """Which SKUs, periods and clinics the estimate counted, and who was left out why.

    Analyses stored before campaign scope have no ``sample``: their counts are empty."""
    result, inputs = analysis.result or {}, analysis.inputs or {}
    sample = result.get("sample") or {}
    periods = result.get("periods") or inputs.get("periods") or [""]
    return {
        "skus": (result.get("campaign") or {}).get("skus") or inputs.get("skus") or [],
        "first_period": periods[0][:7],
        "last_period": periods[-1][:7],
        "trained_clinics": sample.get("trained_clinics"),
        "control_clinics": sample.get("control_clinics"),
        "dropped": sample.get("dropped") or [],
    }


def uplift_view(analysis: UpliftAnalysis) -> UpliftView:
    result = analysis.result
    options = UpliftOptions.from_json(analysis.options or {})
    options_text, default_options = options.describe(), options == DEFAULT_OPTIONS
    if analysis.status != "done" or not result:
        return UpliftView(ready=False, options_text=options_text, default_options=default_options)
    naive = result["naive"]
    uplift = result.get("uplift") or {}
    gap = naive.get("gap")
    selection = naive.get("selection")
    share = selection / gap if gap and selection is not None else None
    # The verdict reads the event-study pre-test: with many small (monthly) cohorts
    # R did's cell-level test has hundreds of restrictions and rejects almost always
    # even when trends are parallel (docs/benchmarks_uplift.md); it is shown beside.
    cells = result.get("pretrend") or {}
    event = result.get("pretrend_event") or {}
    pre, kind = (event, "event study") if event.get("p_value") is not None else (cells, "cells")
    p_value = pre.get("p_value")
    balance = result.get("balance") or []
    # One row per covariate: the worst cohort's weighted imbalance.
    worst: dict[str, dict[str, Any]] = {}
    for row in balance:
        name = row["covariate"]
        if name not in worst or abs(row.get("smd_weighted") or 0) > abs(
            worst[name].get("smd_weighted") or 0
        ):
            worst[name] = row
    return UpliftView(
        ready=True,
        naive_ratio=naive.get("ratio"),
        relative=uplift.get("relative_uplift"),
        att=result["simple"],
        incremental=uplift.get("incremental"),
        selection_share=share,
        gap=gap,
        effect=naive.get("effect"),
        selection=selection,
        pretrend_ok=None if p_value is None else p_value >= PRETREND_ALPHA,
        pretrend=pre,
        pretrend_kind=kind,
        pretrend_cells=cells
        if kind == "event study" and cells.get("p_value") is not None
        else None,
        imbalanced_after_weighting=sum(
            abs(r.get("smd_weighted") or 0) > IMBALANCE_SMD for r in worst.values()
        ),
        balance_rows=sorted(worst.values(), key=lambda r: -abs(r.get("smd_raw") or 0)),
        warnings=result.get("warnings") or [],
        negative_control=bool(result.get("negative_control")),
        counted=_counted(analysis),
        options_text=options_text,
        default_options=default_options,
    )
