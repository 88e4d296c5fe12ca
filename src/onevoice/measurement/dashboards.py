"""What each role's dashboard shows, computed from a :class:`~facts.Facts` scope.

Marketing: the campaign's KPIs against the plan, objections heard over time, asset use
and reach. Sales manager: the team's readiness, coverage of target clinics, customer
trainings and sales by territory. Rep: the same for their own territory, with the
clinics to train next. Analysts have the uplift page. Each chart is a
:class:`~charts.Chart` whose rows download as CSV; the scope's viewer decides which
clinics and reps count (a rep their territory, a manager their team, head office all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from onevoice.field.choices import Segment
from onevoice.field.selectors import untrained_clinics_by_potential
from onevoice.measurement.charts import (
    Chart,
    bar_chart,
    clean_rows,
    line_chart,
    status_bar_chart,
)
from onevoice.measurement.choices import KpiStatus
from onevoice.measurement.facts import Facts, months_between
from onevoice.measurement.kpis import KpiResult, KpiRow, kpi_board, kpi_history_rows, kpi_results

OBJECTIONS_SHOWN = 6
OTHER = "Other objections"
# Beyond this many territories (or reps) a chart with a bar or line for each is unreadable
# and weighs megabytes (head office has 2,000): the chart groups them by region (reps by
# team) and the tables show the extremes. Every territory's and rep's numbers stay in the
# chart's CSV.
MANY = 25
EXTREMES_SHOWN = 10


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _months(facts: Facts) -> list[dt.date]:
    return months_between(facts.scope.start, facts.scope.end)


def _by_month(frame: pd.DataFrame, column: str = "date") -> pd.Series:
    return frame[column].map(_month) if not frame.empty else pd.Series(dtype=object)


def many_territories(facts: Facts) -> bool:
    return facts.derived("many", lambda: int(facts.clinics["territory"].nunique()) > MANY)


def _grouped(chart: Chart, rows: list[dict[str, Any]], what: str, by: str) -> Chart:
    """``chart`` as drawn (grouped by ``by``), downloading ``rows`` (one per ``what``)."""
    rows = clean_rows(rows)
    chart.rows, chart.columns = rows, list(rows[0]) if rows else []
    n = len({r[what] for r in rows if what in r})
    note = f"Grouped by {by}: too many to draw one by one. The CSV has each {what} ({n})."
    chart.caption = f"{chart.caption} {note}".strip()
    return chart


def extremes(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """The rows ranking highest and lowest by ``key`` (for tables of many territories)."""
    ranked = sorted(rows, key=key, reverse=True)
    return {
        "total": len(rows),
        "shown": EXTREMES_SHOWN,
        "top": ranked[:EXTREMES_SHOWN],
        "bottom": ranked[::-1][:EXTREMES_SHOWN],
    }


# ---------------------------------------------------------------- shared charts


def reach_chart(facts: Facts) -> Chart:
    """Customer trainings, vets and clinics trained for the first time, by month."""
    t, att, clinics = facts.trainings, facts.attendance, facts.clinics
    trainings = t["date"].map(_month).value_counts() if len(t) else {}
    vets = (
        att.assign(month=att["date"].map(_month)).groupby("month")["vet_pk"].nunique()
        if len(att)
        else {}
    )
    first = clinics["first_trained"].dropna()
    firsts = first.map(_month).value_counts() if len(first) else {}
    rows = []
    for month in _months(facts):
        rows += [
            {
                "month": month,
                "measure": "Customer trainings",
                "count": int(trainings.get(month, 0)),
            },
            {"month": month, "measure": "Vets trained", "count": int(vets.get(month, 0))},
            {
                "month": month,
                "measure": "Clinics trained for the first time",
                "count": int(firsts.get(month, 0)),
            },
        ]
    return line_chart(
        "reach",
        "Reach: customer trainings, vets and clinics trained per month",
        rows,
        x="month",
        y="count",
        x_title="Month",
        y_title="Count",
        color="measure",
        color_title="",
    )


def trainings_chart(facts: Facts, by: str = "territory") -> Chart:
    """Customer trainings per month, by territory (or region)."""
    t = facts.trainings
    c = facts.clinics
    rows: list[dict[str, Any]] = []
    if not t.empty:
        label = pd.Series(c[by].to_numpy(), index=c["pk"].astype(int)).map(lambda v: v or "None")
        frame = pd.DataFrame(
            {
                "month": t["date"].map(_month),
                by: t["clinic_pk"].astype(int).map(label).fillna("None"),
            }
        )
        counts = frame.groupby(["month", by], sort=True).size()
        rows = [{"month": m, by: group, "trainings": int(n)} for (m, group), n in counts.items()]
    return bar_chart(
        "trainings",
        f"Customer trainings per month, by {by}",
        rows,
        x="month",
        y="trainings",
        x_type="temporal",
        x_title="Month",
        y_title="Trainings",
        color=by,
        color_title=by.capitalize(),
    )


def trainings_chart_for(facts: Facts) -> Chart:
    """Trainings by territory, or by region with the territories' rows as CSV."""
    by_territory = trainings_chart(facts)
    if not many_territories(facts):
        return by_territory
    return _grouped(trainings_chart(facts, by="region"), by_territory.rows, "territory", "region")


def coverage_rows(facts: Facts) -> list[dict[str, Any]]:
    """Per territory: target clinics, reached in the period, trained by its end."""
    return facts.derived("coverage_rows", lambda: _coverage_rows(facts))


def _coverage_rows(facts: Facts, key: str = "territory") -> list[dict[str, Any]]:
    from onevoice.measurement.kpis import reached_clinics

    c = facts.clinics
    if c.empty:
        return []
    reached = reached_clinics(facts)
    target = c["target"].astype(bool)
    trained_by_end = pd.to_datetime(c["first_trained"]) <= pd.Timestamp(facts.scope.end)
    # One pass over the clinics grouped by territory (not a scan of them per territory).
    per_group = (
        c.assign(
            is_target=target,
            is_reached=target & c["pk"].astype(int).isin(reached),
            is_trained=target & trained_by_end,
        )
        .groupby(key, sort=True)
        .agg(
            name=(f"{key}_name", "first"),
            clinics=("pk", "size"),
            target_clinics=("is_target", "sum"),
            reached=("is_reached", "sum"),
            trained=("is_trained", "sum"),
        )
    )
    rows = []
    for r in per_group.itertuples():
        n, reached_n, trained_n = int(r.target_clinics), int(r.reached), int(r.trained)
        rows.append(
            {
                key: r.Index or f"No {key}",
                "name": r.name or "",
                "clinics": int(r.clinics),
                "target_clinics": n,
                "reached": reached_n,
                "trained": trained_n,
                "reached_pct": round(100.0 * reached_n / n, 1) if n else None,
                "trained_pct": round(100.0 * trained_n / n, 1) if n else None,
            }
        )
    return rows


def coverage_extremes(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The territories with the highest and lowest share of target clinics trained."""
    return extremes(
        rows,
        key=lambda r: (
            -1.0 if r["trained_pct"] is None else r["trained_pct"],
            -1.0 if r["reached_pct"] is None else r["reached_pct"],
            r["territory"],
        ),
    )


def coverage_chart(facts: Facts) -> Chart:
    rows = coverage_rows(facts)
    by = "region" if many_territories(facts) else "territory"
    drawn = _coverage_rows(facts, "region") if by == "region" else rows
    long = [
        {by: r[by], "measure": measure, "pct": r[key]}
        for r in drawn
        for measure, key in (("Reached in the period", "reached_pct"), ("Trained", "trained_pct"))
        if r[key] is not None
    ]
    chart = bar_chart(
        "coverage",
        f"Coverage of target clinics, by {by} (%)",
        long,
        x=by,
        y="pct",
        x_title=by.capitalize(),
        y_title="% of target clinics",
        color="measure",
        color_title="",
    )
    chart.spec["encoding"]["xOffset"] = {"field": "measure"}
    if by == "region":
        return _grouped(chart, rows, "territory", "region")
    chart.rows, chart.columns = rows, list(rows[0]) if rows else []
    return chart


def sales_by_month_chart(facts: Facts, *, by_territory: bool = False) -> Chart:
    """Units of the campaign's products per month (from 12 months before the campaign),
    by territory if asked (by region when the territories are many, the CSV by territory)."""
    if by_territory and many_territories(facts):
        detail = _sales_by_month(facts, "territory")
        return _grouped(_sales_by_month(facts, "region"), detail.rows, "territory", "region")
    return _sales_by_month(facts, "territory" if by_territory else None)


def _sales_by_month(facts: Facts, by: str | None) -> Chart:
    # ``facts.sales`` covers exactly the months drawn: from the pre-campaign window (or
    # the period's start, if earlier) to the period's end.
    sales = facts.sales
    rows: list[dict[str, Any]] = []
    if not sales.empty:
        month_codes, months = pd.factorize(sales["month"], sort=True)
        group_codes, groups = (
            _sales_group_codes(facts, by, lambda v: v or f"No {by}")
            if by
            else (np.zeros(len(sales), dtype=np.int64), np.array([None], dtype=object))
        )
        # One weighted count over (month, group) pairs: 1.3 million rows at head office.
        pair = month_codes.astype(np.int64) * len(groups) + group_codes
        units = np.bincount(pair, weights=sales["units"].to_numpy(dtype=float))
        for at in np.flatnonzero(np.bincount(pair)):
            m, g = divmod(int(at), len(groups))
            row: dict[str, Any] = {"month": months[m].isoformat()}
            if by:
                row[by] = groups[g]
            row["units"] = round(float(units[at]), 4)  # the CSV's columns: month, [by,] units
            rows.append(row)
        if by:
            rows.sort(key=lambda r: (r["month"], str(r[by])))
    return line_chart(
        "sales_by_month",
        "Units sold per month" + (f" by {by}" if by else ""),
        rows,
        x="month",
        y="units",
        x_title="Month",
        y_title="Packs",
        color=by,
        color_title=by.capitalize() if by else None,
        rule_x=facts.scope.campaign.start_date.isoformat(),
        caption="The dashed red line is the campaign's start.",
    )


def _sales_group_codes(
    facts: Facts, key: str, label: Callable[[Any], Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Each sales row's clinic's ``key`` (territory, region…) as ``label`` writes it: a
    code per row and the labels the codes stand for. Labelled once per clinic and taken
    by the row's clinic position, as the sales have a row per clinic and month (millions
    at head office)."""
    per_clinic, labels = pd.factorize(facts.clinics[key].map(label).to_numpy(dtype=object))
    codes = per_clinic[facts.sales["clinic_pos"].to_numpy(dtype=np.int64)]
    return codes.astype(np.int64), np.asarray(labels, dtype=object)


def sales_growth_rows(facts: Facts, key: str) -> list[dict[str, Any]]:
    """Per ``key`` (territory, region, segment…): packs per month before the campaign
    (the 12 months before its start) and during it (to the scope's end), and the change."""
    sales, clinics = facts.sales, facts.clinics
    campaign_start = facts.scope.campaign.start_date
    months_during = (
        len(months_between(campaign_start, facts.scope.end))
        if facts.scope.end >= campaign_start
        else 0
    )
    group_of = clinics[key].map(lambda v: str(v or ""))
    n_clinics = group_of.value_counts()
    # One groupby of the sales joined to each clinic's group, not a filter per group.
    units: dict[tuple[str, str], float] = {}
    if not sales.empty:
        codes, groups = _sales_group_codes(facts, key, lambda v: str(v or ""))
        during = (sales["phase"] == "campaign").to_numpy(dtype=bool)
        weights = sales["units"].to_numpy(dtype=float)
        for phase, rows in (("before", ~during), ("campaign", during)):
            totals = np.bincount(codes[rows], weights=weights[rows], minlength=len(groups))
            present = np.bincount(codes[rows], minlength=len(groups))
            units.update(
                {(str(groups[g]), phase): float(totals[g]) for g in np.flatnonzero(present)}
            )
    out = []
    for group in sorted(n_clinics.index):
        before = units.get((group, "before"), 0.0)
        during = units.get((group, "campaign"), 0.0)
        per_before = before / 12
        per_during = during / months_during if months_during else None
        out.append(
            {
                key: group or "None",
                "clinics": int(n_clinics[group]),
                "units_before_per_month": round(per_before, 2),
                "units_during_per_month": None if per_during is None else round(per_during, 2),
                "change_pct": None
                if not per_before or per_during is None
                else round(100.0 * (per_during / per_before - 1), 1),
            }
        )
    return out


def sales_by_territory_chart(facts: Facts) -> Chart:
    rows = sales_growth_rows(facts, "territory")
    by = "region" if many_territories(facts) else "territory"
    drawn = sales_growth_rows(facts, "region") if by == "region" else rows
    long = [
        {by: r[by], "phase": phase, "packs_per_month": r[col]}
        for r in drawn
        for phase, col in (
            ("12 months before", "units_before_per_month"),
            ("During the campaign", "units_during_per_month"),
        )
        if r[col] is not None
    ]
    chart = bar_chart(
        "sales_by_territory",
        f"Packs per month by {by}: before and during the campaign",
        long,
        x=by,
        y="packs_per_month",
        x_title=by.capitalize(),
        y_title="Packs per month",
        color="phase",
        color_title="",
    )
    chart.spec["encoding"]["xOffset"] = {"field": "phase"}
    if by == "region":
        return _grouped(chart, rows, "territory", "region")
    chart.rows, chart.columns = rows, list(rows[0]) if rows else []
    return chart


def readiness_rows(facts: Facts) -> list[dict[str, Any]]:
    out = []
    for r in facts.readiness:
        rep = r.enrolment.rep
        out.append(
            {
                "rep": rep.get_full_name() or rep.username,
                "program": r.enrolment.program.title,
                "team": r.enrolment.source_label,
                "readiness_index": round(r.readiness.index, 1),
                "modules_passed": r.modules_passed,
                "modules": r.inputs.modules,
                "prework_on_time": r.inputs.modules > 0
                and r.inputs.passed_on_time >= r.inputs.modules,
                "certified": r.certified_at is not None
                and r.certified_at.date() <= facts.scope.end,
                "overdue": r.overdue,
            }
        )
    return sorted(out, key=lambda r: (r["program"], -r["readiness_index"], r["rep"]))


def readiness_extremes(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The reps with the highest and lowest readiness index."""
    return extremes(rows, key=lambda r: (r["readiness_index"], r["rep"], r["program"]))


def readiness_chart(facts: Facts) -> Chart:
    rows = readiness_rows(facts)
    if len(rows) > MANY:
        return _grouped(_readiness_by_team(rows), rows, "rep", "team")
    long = [{**r, "certified": "Certified" if r["certified"] else "Not yet"} for r in rows]
    chart = bar_chart(
        "readiness",
        "Readiness index of each rep (0-100)",
        long,
        x="rep",
        y="readiness_index",
        x_title="Rep",
        y_title="Readiness index",
        color="certified",
        color_title="",
        horizontal=True,
    )
    chart.rows, chart.columns = rows, list(rows[0]) if rows else []
    return chart


def _readiness_by_team(rows: list[dict[str, Any]]) -> Chart:
    """Mean readiness index of each team's reps, by program."""
    frame = pd.DataFrame(rows)
    means = frame.groupby(["team", "program"], sort=True)["readiness_index"].mean()
    long = [
        {"team": team, "program": program, "mean_readiness_index": round(float(v), 1)}
        for (team, program), v in means.items()
    ]
    return bar_chart(
        "readiness",
        "Mean readiness index of each team's reps (0-100)",
        long,
        x="team",
        y="mean_readiness_index",
        x_title="Team",
        y_title="Mean readiness index",
        color="program",
        color_title="Program",
        horizontal=True,
    )


# ---------------------------------------------------------------- marketing charts


def objections_chart(facts: Facts) -> Chart:
    """Times reps logged hearing each objection, per month (the most heard named)."""
    heard = facts.objections_heard
    rows: list[dict[str, Any]] = []
    if not heard.empty:
        totals = heard["objection"].value_counts()
        top = sorted(totals.index, key=lambda o: (-totals[o], o))[:OBJECTIONS_SHOWN]
        named = heard.assign(
            month=_by_month(heard),
            objection=heard["objection"].map(lambda o: _short(o) if o in top else OTHER),
        )
        grouped = named.groupby(["month", "objection"], sort=True).size()
        rows = [
            {"month": m, "objection": o, "times_heard": int(n)} for (m, o), n in grouped.items()
        ]
    return bar_chart(
        "objections",
        "Objections heard in the field per month",
        rows,
        x="month",
        y="times_heard",
        x_type="temporal",
        x_title="Month",
        y_title="Times heard",
        color="objection",
        color_title="Objection",
    )


def _short(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def asset_use_chart(facts: Facts) -> Chart:
    uses = facts.asset_uses
    rows: list[dict[str, Any]] = []
    if not uses.empty:
        grouped = uses.assign(month=_by_month(uses)).groupby(["month", "asset"], sort=True).size()
        rows = [{"month": m, "asset": a, "uses": int(n)} for (m, a), n in grouped.items()]
    return bar_chart(
        "asset_use",
        "Approved sales tools used per month",
        rows,
        x="month",
        y="uses",
        x_type="temporal",
        x_title="Month",
        y_title="Uses",
        color="asset",
        color_title="Asset",
    )


def kpi_trend_chart(board: list[KpiRow]) -> Chart:
    rows = [
        {
            "as_of": r["as_of"],
            "kpi": r["kpi"],
            "pct_of_target": r["pct_of_target"],
            "status": r["status"],
        }
        for r in kpi_history_rows(board)
        if r["pct_of_target"] is not None
    ]
    return line_chart(
        "kpi_trend",
        "KPIs over time, as a share of their target (%)",
        rows,
        x="as_of",
        y="pct_of_target",
        x_title="Day",
        y_title="% of target",
        color="kpi",
        color_title="KPI",
        rule_y=100,
    )


def kpi_status_chart(results: list[KpiResult], name: str = "kpi_status") -> Chart:
    rows = [
        {
            "kpi": r.spec.name,
            "value": r.measure.value,
            "target": r.target.target,
            "pct_of_target": round(100.0 * r.measure.value / r.target.target, 1)
            if r.measure.value is not None and r.target.target
            else 0.0,
            "status": KpiStatus(r.status).label,
        }
        for r in results
    ]
    return status_bar_chart(name, "KPIs against their targets", rows)


# ---------------------------------------------------------------- dashboards


ChartBuilder = Callable[[Facts], Chart]


def _kpi_trend(facts: Facts) -> Chart:
    return kpi_trend_chart(kpi_board(campaign=facts.scope.campaign))


def _kpi_selection(facts: Facts) -> Chart:
    return kpi_status_chart(kpi_results(facts=facts), name="kpi_selection")


CHARTS: dict[str, dict[str, ChartBuilder]] = {
    "marketing": {
        "kpi_trend": _kpi_trend,
        "kpi_selection": _kpi_selection,
        "reach": reach_chart,
        "objections": objections_chart,
        "asset_use": asset_use_chart,
    },
    "sales": {
        "readiness": readiness_chart,
        "coverage": coverage_chart,
        "trainings": trainings_chart_for,
        "sales_by_territory": sales_by_territory_chart,
        "sales_by_month": lambda f: sales_by_month_chart(f, by_territory=True),
    },
    "territory": {
        "coverage": coverage_chart,
        "trainings": trainings_chart_for,
        "sales_by_month": sales_by_month_chart,
        "readiness": readiness_chart,
    },
}


@dataclass
class Dashboard:
    """What one dashboard shows: plain data, stored as computed (see ``snapshots``)."""

    kind: str
    clinics: int
    charts: list[Chart]
    board: list[KpiRow] = field(default_factory=list)
    selection: list[KpiResult] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)


def dashboard_chart(dashboard: Dashboard, name: str) -> Chart | None:
    """The chart ``name`` of a built dashboard (its rows are the CSV)."""
    return next((c for c in dashboard.charts if c.name == name), None)


def dashboard_build(kind: str, facts: Facts) -> Dashboard:
    """Every chart and table of one dashboard for the scope of ``facts``."""
    charts = [builder(facts) for name, builder in CHARTS[kind].items() if name != "kpi_selection"]
    dash = Dashboard(kind=kind, clinics=len(facts.clinics), charts=charts)
    if kind == "marketing":
        dash.board = kpi_board(campaign=facts.scope.campaign)
        dash.selection = kpi_results(facts=facts)
        dash.charts.insert(1, kpi_status_chart(dash.selection, name="kpi_selection"))
    else:
        dash.tables["coverage"] = coverage_rows(facts)
        dash.tables["readiness"] = readiness_rows(facts)
        # Many rows: the page lists the extremes, the CSVs every row.
        if many_territories(facts):
            dash.tables["coverage_extremes"] = coverage_extremes(dash.tables["coverage"])
        if len(dash.tables["readiness"]) > MANY:
            dash.tables["readiness_extremes"] = readiness_extremes(dash.tables["readiness"])
    if kind == "territory":
        dash.tables["next_clinics"] = untrained_clinics_by_potential(
            territories=facts.scope.territories(), limit=10
        )
    return dash


def segment_label(value: str) -> str:
    return dict(Segment.choices).get(value, value or "None")
