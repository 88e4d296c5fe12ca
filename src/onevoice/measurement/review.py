"""The post-implementation review of a campaign, as data: sections of headline figures,
tables and charts that ``review_files`` writes as HTML, PDF and Excel.

The review describes the campaign *as of the last day its data cover* (the campaign's
end, or the last sale, training or activity recorded if earlier), never the day it is
produced, so the same data always give the same review. The training effect comes
from the campaign's latest finished uplift analysis; ``review_build`` runs one with
the recommended options when there is none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record
from onevoice.analytics.meta import Tau2Method
from onevoice.campaigns.choices import CampaignStatus, Function
from onevoice.campaigns.models import Campaign
from onevoice.campaigns.selectors import campaign_list_for
from onevoice.field.choices import AdoptionStage, Segment, TrainingFormat
from onevoice.field.selectors import ladder_distribution, ladder_reached
from onevoice.measurement import dashboards as dash
from onevoice.measurement.charts import Chart
from onevoice.measurement.choices import KpiStatus
from onevoice.measurement.facts import (
    Facts,
    Scope,
    campaign_skus,
    latest_uplift,
    product_lines,
)
from onevoice.measurement.kpis import KpiResult, kpi_results
from onevoice.measurement.models import ReviewLesson, UpliftAnalysis
from onevoice.measurement.portfolio import Portfolio, entry_from, portfolio_build
from onevoice.measurement.presentation import uplift_view

ERROR_LESSON_EMPTY = "Write the lessons before saving them."
NOT_WRITTEN = "Not written yet."


@dataclass
class Table:
    """A table of the review; ``name`` is its worksheet's name in the workbook."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class ReviewDocument:
    campaign: Campaign
    as_of: dt.date
    title: str
    subtitle: str
    sections: list[Section]
    analysis: UpliftAnalysis | None

    @property
    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]

    @property
    def file_stem(self) -> str:
        return f"review-{self.campaign.slug}-{self.as_of.isoformat()}"


# ---------------------------------------------------------------- formatting


def num(value: Any, digits: int = 0) -> str:
    """A number as the review prints it: thousands separated, fixed digits, — for none."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return f"{float(value):,.{digits}f}"


def pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{100.0 * float(value):.{digits}f}%"


def _cell(value: Any) -> Any:
    """Table cells: plain Python values (numbers stay numbers for the workbook)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        if value != value:
            return None
        # + 0.0 turns a rounded -0.0 into 0.0
        return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 3) + 0.0
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(records: list[dict[str, Any]], columns: list[str]) -> list[list[Any]]:
    return [[_cell(r.get(c)) for c in columns] for r in records]


# ---------------------------------------------------------------- as of which day


def review_as_of(campaign: Campaign, facts: Facts | None = None) -> dt.date:
    """The last day the campaign's data cover, capped at the campaign's end."""
    probe = facts or Facts(
        Scope(
            campaign=campaign,
            viewer=campaign.marketing_lead,
            start=campaign.start_date,
            end=campaign.end_date,
        )
    )
    days: list[dt.date] = []
    if not probe.trainings.empty:
        days.append(max(probe.trainings["date"]))
    if not probe.activities.empty:
        days.append(max(probe.activities["date"]))
    sales = probe.sales
    if not sales.empty:
        last_month = max(sales["month"])
        days.append((last_month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
    if not days:
        return campaign.start_date
    return max(campaign.start_date, min(campaign.end_date, max(days)))


# ---------------------------------------------------------------- sections


def _kpi_table(name: str, title: str, results: list[KpiResult]) -> Table:
    columns = [
        "KPI",
        "Unit",
        "Owners",
        "Baseline",
        "Target",
        "Due",
        "Result",
        "Expected by then",
        "% of target",
        "Status",
        "Note",
    ]
    rows = []
    for r in results:
        value = r.measure.value
        rows.append(
            [
                r.spec.name,
                r.spec.unit,
                " + ".join(str(o) for o in r.target.owners),
                _cell(r.target.baseline),
                _cell(r.target.target),
                r.target.due_date.isoformat(),
                _cell(value),
                _cell(None if r.expected is None else round(r.expected, 2)),
                _cell(
                    None
                    if value is None or not r.target.target
                    else round(100.0 * value / r.target.target, 1)
                ),
                KpiStatus(r.status).label,
                r.measure.note,
            ]
        )
    return Table(name, title, columns, rows)


def objectives_section(results: list[KpiResult]) -> Section:
    shared = [r for r in results if r.target.is_joint]
    marketing = [
        r for r in results if not r.target.is_joint and Function.MARKETING in r.target.owners
    ]
    sales = [r for r in results if not r.target.is_joint and r not in marketing]
    achieved = sum(r.status == KpiStatus.ACHIEVED for r in results)
    section = Section(
        "objectives",
        "Objectives against results",
        paragraphs=[
            f"{achieved} of {len(results)} KPIs of the plan reached their target. Each KPI is "
            "compared with a straight line from where it started to its target on its due "
            "date: on track with at least 90% of the expected progress, at risk below that, "
            "missed once the due date passed short of the target."
        ],
        tables=[
            _kpi_table("KPIs shared", "Shared objectives (marketing and sales)", shared),
            _kpi_table("KPIs marketing", "Marketing's objectives", marketing),
            _kpi_table("KPIs sales", "Sales' objectives", sales),
        ],
        charts=[dash.kpi_status_chart(results)],
    )
    return section


def marketing_section(facts: Facts, results: dict[str, KpiResult]) -> Section:
    section = Section("marketing", "What marketing's program delivered")
    readiness = dash.readiness_rows(facts)
    if readiness:
        programs: dict[str, list[dict[str, Any]]] = {}
        for r in readiness:
            programs.setdefault(r["program"], []).append(r)
        rows = [
            [
                program,
                len(group),
                sum(g["prework_on_time"] for g in group),
                sum(g["certified"] for g in group),
                round(sum(g["readiness_index"] for g in group) / len(group), 1),
            ]
            for program, group in sorted(programs.items())
        ]
        section.tables.append(
            Table(
                "Readiness",
                "Readiness of the sales force (flipped classroom)",
                [
                    "Program",
                    "Reps enrolled",
                    "Pre-work on time",
                    "Certified",
                    "Mean readiness index",
                ],
                rows,
            )
        )
    else:
        section.paragraphs.append(
            "Readiness: no rep is enrolled in a training program of this campaign, so the "
            "review shows no readiness figure."
        )
    reached = results.get("clinics_reached")
    targets = int(facts.clinics["target"].sum())
    first = facts.clinics["first_trained"].dropna()
    newly = sum(facts.scope.campaign_start <= d <= facts.scope.end for d in first)
    section.figures += [
        ("Target clinics", num(targets)),
        ("Target clinics reached", num(reached.measure.value if reached else None)),
        ("Clinics trained for the first time", num(newly)),
        (
            "Vets trained",
            num(facts.attendance["vet_pk"].nunique() if not facts.attendance.empty else 0),
        ),
    ]
    section.charts.append(dash.reach_chart(facts))
    uses = facts.asset_uses
    if uses.empty:
        section.paragraphs.append(
            "Asset use: no use of the campaign's approved sales tools was recorded."
        )
    else:
        counts = uses.groupby(["asset", "kind"], sort=True).size().reset_index(name="uses")
        section.tables.append(
            Table(
                "Asset use",
                "Use of the approved sales tools",
                ["Asset", "Kind", "Uses"],
                [[a, k, int(n)] for a, k, n in counts.itertuples(index=False)],
            )
        )
        section.charts.append(dash.asset_use_chart(facts))
    heard = facts.objections_heard
    if not heard.empty:
        counts = heard["objection"].value_counts()
        top = sorted(counts.index, key=lambda o: (-counts[o], o))[:10]
        section.tables.append(
            Table(
                "Objections heard",
                "Objections heard in the field (most heard first)",
                ["Objection", "Times heard"],
                [[o, int(counts[o])] for o in top],
            )
        )
    return section


def sales_section(facts: Facts) -> Section:
    s = facts.scope
    section = Section("sales", "What sales delivered with customers")
    t = facts.trainings
    t = t[t["date"] >= s.campaign_start] if not t.empty else t
    att = facts.attendance
    att = att[att["date"] >= s.campaign_start] if not att.empty else att
    scored = att.dropna(subset=["pre_score", "post_score"]) if not att.empty else att
    section.figures += [
        ("Customer trainings", num(len(t))),
        ("With a technical field vet", num(int(t["field_vet_id"].notna().sum()) if len(t) else 0)),
        ("Vets trained", num(att["vet_pk"].nunique() if len(att) else 0)),
        (
            "Mean test score before → after",
            "—"
            if scored.empty
            else f"{scored['pre_score'].mean():.1f} → {scored['post_score'].mean():.1f}",
        ),
    ]
    formats = dict(TrainingFormat.choices)
    by_format = t["format"].value_counts() if len(t) else pd.Series(dtype=int)
    section.tables.append(
        Table(
            "Trainings by format",
            "Customer trainings by format",
            ["Format", "Trainings"],
            [[formats.get(k, k), int(by_format[k])] for k in sorted(by_format.index)],
        )
    )
    coverage = dash.coverage_rows(facts)
    region_of = dict(zip(facts.clinics["territory"], facts.clinics["region"], strict=True))
    by_region: dict[str, list[int]] = {}
    for r in coverage:
        code = region_of.get(r["territory"] if r["territory"] != "No territory" else "", "")
        agg = by_region.setdefault(code or "—", [0, 0, 0])
        agg[0] += r["target_clinics"]
        agg[1] += r["reached"]
        agg[2] += r["trained"]
    section.tables.append(
        Table(
            "Coverage",
            "Coverage of target clinics by region",
            ["Region", "Target clinics", "Reached", "Trained", "% reached", "% trained"],
            [
                [
                    region,
                    n,
                    reached,
                    trained,
                    _cell(round(100.0 * reached / n, 1)) if n else None,
                    _cell(round(100.0 * trained / n, 1)) if n else None,
                ]
                for region, (n, reached, trained) in sorted(by_region.items())
            ],
        )
    )
    start = timezone.make_aware(dt.datetime.combine(s.campaign_start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(s.end + dt.timedelta(days=1), dt.time.min))
    now = ladder_distribution(clinics=s.clinics())
    ladder_rows = [
        [
            stage.label,
            ladder_reached(level="clinic", stage=stage.value, start=start, end=end),
            ladder_reached(level="vet", stage=stage.value, start=start, end=end),
            now["clinics"].get(stage.value, 0),
            now["vets"].get(stage.value, 0),
        ]
        for stage in AdoptionStage
        if stage != AdoptionStage.UNAWARE
    ]
    section.tables.append(
        Table(
            "Ladder",
            "Adoption ladder: clinics and vets moved to each stage or higher during the "
            "campaign, and where they stand now",
            ["Stage", "Clinics moved", "Vets moved", "Clinics now", "Vets now"],
            ladder_rows,
        )
    )
    section.charts.append(dash.trainings_chart(facts, by="region"))
    return section


def effect_section(facts: Facts, analysis: UpliftAnalysis | None) -> Section:
    section = Section("effect", "Did training vets lift sales?")
    if analysis is None or analysis.status != "done" or not analysis.result:
        reason = analysis.error if analysis is not None and analysis.error else ""
        section.paragraphs.append(
            "The training effect could not be estimated"
            + (f": {reason}" if reason else ": no uplift analysis has finished.")
        )
        return section
    view = uplift_view(analysis)
    outcome = analysis.options.get("outcome", "units")
    per = analysis.options.get("freq", "month")
    result = analysis.result
    counted = view.counted or {}
    if counted.get("trained_clinics") is not None:
        left_out = "".join(
            f" {d['clinics']} clinic(s) were left out: {d['reason']}." for d in counted["dropped"]
        )
        section.paragraphs.append(
            f"What was counted: sales of the campaign's own products "
            f"({', '.join(counted['skus'])}) from {counted['first_period']} to "
            f"{counted['last_period']}; a clinic counts as trained from its first customer "
            f"training under this campaign. {counted['trained_clinics']} trained clinics "
            f"were compared with {counted['control_clinics']} clinics the campaign did not "
            f"train.{left_out} Options: {view.options_text}."
        )
    incremental = view.incremental or {}
    sales = facts.sales
    during = sales[sales["phase"] == "campaign"] if not sales.empty else sales
    units = float(during["units"].sum()) if len(during) else 0.0
    price = float(during["net_revenue"].sum()) / units if units else None
    relative = view.relative or {}
    att = view.att or {}
    section.figures += [
        ("Naive ratio, trained vs never-trained clinics", f"{num(view.naive_ratio, 1)}×"),
        (
            "Causal uplift from training (95% CI)",
            f"{pct(relative.get('estimate'))} ({pct(relative.get('ci_low'))} to "
            f"{pct(relative.get('ci_high'))})",
        ),
        (
            f"Effect per clinic per {per}",
            f"{num(att.get('att'), 2)} {outcome} (95% CI {num(att.get('ci_low'), 2)} to "
            f"{num(att.get('ci_high'), 2)})",
        ),
        ("Share of the naive gap that is selection", pct(view.selection_share, 0)),
        (
            f"Incremental {outcome} (95% CI)",
            f"{num(incremental.get('estimate'))} ({num(incremental.get('ci_low'))} to "
            f"{num(incremental.get('ci_high'))})",
        ),
    ]
    if outcome == "units" and price is not None and incremental.get("estimate") is not None:
        section.figures.append(
            (
                "Incremental net revenue (95% CI)",
                f"{num(incremental['estimate'] * price)} ({num(incremental['ci_low'] * price)} "
                f"to {num(incremental['ci_high'] * price)})",
            )
        )
        section.paragraphs.append(
            f"Revenue is the incremental packs at the campaign's mean net price per pack "
            f"({num(price, 2)}), from the distributor sales."
        )
    section.paragraphs.append(
        f"Trained clinics bought {num(view.naive_ratio, 1)} times as much as never-trained "
        f"ones, but most of that gap ({pct(view.selection_share, 0)}) was there anyway: the "
        "clinics that took training were already bigger buyers. The causal uplift compares "
        "each trained clinic with similar clinics not yet trained (staggered "
        "difference-in-differences, doubly robust)."
    )
    sensitivity = result.get("sensitivity") or {}
    if sensitivity.get("summary"):
        section.paragraphs.append(
            "If trends were not quite parallel (Rambachan and Roth's relative magnitudes): "
            + " ".join(sensitivity["summary"])
        )
    pre = view.pretrend or {}
    if pre.get("p_value") is not None:
        verdict = (
            "no evidence against parallel trends before training"
            if view.pretrend_ok
            else "the paths before training differ: read the uplift with caution"
        )
        name = "Pre-trend test" + (
            " (the months before training in the event study)"
            if view.pretrend_kind == "event study"
            else ""
        )
        section.paragraphs.append(
            f"{name}: χ² = {num(pre.get('stat'), 1)}, df {pre.get('df')}, "
            f"p = {num(pre.get('p_value'), 3)} — {verdict}."
        )
    dynamic = result.get("dynamic") or []
    columns = ["event", "att", "ci_low", "ci_high", "band_low", "band_high"]
    section.tables.append(
        Table(
            "Event study",
            f"Effect by {per}s since a clinic's first training ({outcome} per clinic)",
            [
                f"{per.capitalize()}s since training",
                "Effect",
                "95% CI low",
                "95% CI high",
                "Band low",
                "Band high",
            ],
            [[_cell(r.get(c)) for c in columns] for r in dynamic],
            note="Before training (negative) the effects should hover around zero; the band "
            "holds all periods at once with 95% confidence.",
        )
    )
    subgroups = result.get("subgroups") or []
    if subgroups:
        section.tables.append(
            Table(
                "By who delivered",
                "The effect by who delivered the clinic's first training (relative uplift)",
                [
                    "Split",
                    "Group",
                    "Trained clinics",
                    "Uplift %",
                    "95% CI low %",
                    "95% CI high %",
                    "Note",
                ],
                [
                    [
                        r["title"],
                        r["group"],
                        r.get("trained_clinics"),
                        _cell(None if r.get("relative") is None else round(100 * r["relative"], 2)),
                        _cell(
                            None
                            if r.get("relative_ci_low") is None
                            else round(100 * r["relative_ci_low"], 2)
                        ),
                        _cell(
                            None
                            if r.get("relative_ci_high") is None
                            else round(100 * r["relative_ci_high"], 2)
                        ),
                        r.get("error") or "",
                    ]
                    for r in subgroups
                ],
                note="Each group's trained clinics against every clinic not (yet) trained; the "
                "difference's interval treats the groups as independent, which is conservative "
                "since they share their controls. Certified: on or before the training's day.",
            )
        )
    spec = (analysis.charts or {}).get("event_study")
    if spec:
        section.charts.append(
            Chart("event_study", "Event study: effect by time since training", dynamic, spec)
        )
    return section


def _rep_rows(facts: Facts) -> list[dict[str, Any]]:
    s = facts.scope
    clinics, t = facts.clinics, facts.trainings
    t = t[t["date"] >= s.campaign_start] if not t.empty else t
    growth = {r["territory"]: r for r in dash.sales_growth_rows(facts, "territory")}
    certified = {r["rep"]: r["certified"] for r in dash.readiness_rows(facts)}
    rows = []
    for territory in facts.territories:
        rep = territory.rep
        name = (rep.get_full_name() or rep.username) if rep else "No rep"
        in_terr = clinics[clinics["territory"] == territory.code]
        first = in_terr["first_trained"].dropna()
        g = growth.get(territory.code, {})
        rows.append(
            {
                "rep": name,
                "territory": territory.code,
                "region": territory.region.code,
                "trainings_delivered": int((t["rep_id"] == territory.rep_id).sum())
                if len(t)
                else 0,
                "clinics_trained": int(sum(s.campaign_start <= d <= s.end for d in first)),
                "units_before_per_month": g.get("units_before_per_month"),
                "units_during_per_month": g.get("units_during_per_month"),
                "change_pct": g.get("change_pct"),
                "certified": "yes" if certified.get(name) else ("no" if name in certified else "—"),
            }
        )
    return sorted(rows, key=lambda r: (r["region"], r["territory"]))


def negative_control_section(campaign: Campaign) -> Section:
    """The campaign's design run on products it never trained on: each should show no
    uplift; one that does means the design is confounded."""
    section = Section("negative_controls", "Checked on products the campaign never trained on")
    lines = negative_control_lines(campaign)
    runs = negative_controls_latest(campaign)
    if not lines:
        section.paragraphs.append("The portfolio has no other product line to check the design on.")
        return section
    section.paragraphs.append(
        "The same comparison (the campaign's trained clinics against the clinics it did not "
        "train, same months, same options but analytic standard errors) run on the sales of "
        "product lines the campaign never trained on. Training for this campaign should not "
        "move their sales, so each interval should include 0; an 'uplift' there means "
        "trained clinics were on a different path anyway and the campaign's own uplift is "
        "overstated."
    )
    rows: list[list[Any]] = []
    flagged: list[str] = []
    for line, skus in lines.items():
        run = runs.get(tuple(sorted(skus)))
        rel = ((run.result or {}).get("uplift") or {}).get("relative_uplift") if run else None
        if not rel or rel.get("estimate") is None:
            error = run.error if run is not None else "not run yet"
            rows.append([line, ", ".join(skus), None, None, None, error or "no estimate"])
            continue
        low, high = rel.get("ci_low"), rel.get("ci_high")
        covers = low is not None and high is not None and low <= 0 <= high
        if not covers:
            flagged.append(line)
        rows.append(
            [
                line,
                ", ".join(skus),
                _cell(100 * rel["estimate"]),
                _cell(None if low is None else 100 * low),
                _cell(None if high is None else 100 * high),
                "consistent with no effect" if covers else "an uplift where there should be none",
            ]
        )
    section.paragraphs.append(
        "Every check is consistent with no effect: the design passes."
        if not flagged and all(r[2] is not None for r in rows)
        else f"Warning: {', '.join(flagged)} show(s) an uplift the campaign cannot have caused; "
        "read the campaign's uplift with caution."
        if flagged
        else "Some checks could not be run; see the table."
    )
    section.tables.append(
        Table(
            "Negative controls",
            "The campaign's design on product lines it never trained on",
            ["Product line", "SKUs", "Uplift %", "95% CI low %", "95% CI high %", "Verdict"],
            rows,
        )
    )
    return section


def breakdown_section(facts: Facts) -> Section:
    section = Section("breakdowns", "Breakdowns by region, segment and rep (descriptive)")
    section.paragraphs.append(
        "These tables describe sales before and during the campaign and where trainings "
        "took place; they are not causal. A region that grew more may have been growing "
        "anyway, or have had more clinics trained because it was growing: only the uplift "
        "above compares trained clinics with comparable untrained ones."
    )
    segments = dict(Segment.choices)
    clinics = facts.clinics
    for key, label in (("region", "Region"), ("segment", "Segment")):
        rows = dash.sales_growth_rows(facts, key)
        first = clinics.groupby(key)["first_trained"].apply(
            lambda d: int(
                sum(facts.scope.campaign_start <= x <= facts.scope.end for x in d.dropna())
            )
        )
        section.tables.append(
            Table(
                f"By {key}",
                f"By {label.lower()}",
                [
                    label,
                    "Clinics",
                    "Clinics trained in the campaign",
                    "Packs/month before",
                    "Packs/month during",
                    "Change %",
                ],
                [
                    [
                        segments.get(r[key], r[key]) if key == "segment" else r[key],
                        r["clinics"],
                        int(first.get(r[key], 0)),
                        r["units_before_per_month"],
                        r["units_during_per_month"],
                        r["change_pct"],
                    ]
                    for r in rows
                ],
            )
        )
    reps = _rep_rows(facts)
    columns = [
        "rep",
        "territory",
        "region",
        "trainings_delivered",
        "clinics_trained",
        "units_before_per_month",
        "units_during_per_month",
        "change_pct",
        "certified",
    ]
    section.tables.append(
        Table(
            "By rep",
            "By rep (their territory)",
            [
                "Rep",
                "Territory",
                "Region",
                "Trainings delivered",
                "Clinics trained",
                "Packs/month before",
                "Packs/month during",
                "Change %",
                "Certified",
            ],
            _rows(reps, columns),
            note="Packs per month of the campaign's products: the 12 months before the "
            "campaign against the campaign to the review's day.",
        )
    )
    section.charts.append(dash.sales_by_territory_chart(facts))
    return section


def lessons_section(campaign: Campaign) -> Section:
    lessons = {
        lesson.function: lesson
        for lesson in ReviewLesson.objects.filter(campaign=campaign).select_related("author")
    }
    section = Section("lessons", "Lessons learned")
    for function, label, lead in (
        (Function.MARKETING, "Marketing", campaign.marketing_lead),
        (Function.SALES, "Sales", campaign.sales_lead),
    ):
        lesson = lessons.get(function)
        who = lesson.author if lesson else lead
        section.figures.append(
            (
                f"{label} — {who.get_full_name() or who.username}",
                lesson.text if lesson else NOT_WRITTEN,
            )
        )
    return section


def sources_section(facts: Facts, analysis: UpliftAnalysis | None, as_of: dt.date) -> Section:
    section = Section("sources", "Where the numbers come from")
    section.figures += [
        ("Data as of", as_of.isoformat()),
        (
            "Campaign window",
            f"{facts.scope.campaign.start_date.isoformat()} to {facts.scope.campaign.end_date.isoformat()}",
        ),
        ("Sales batches", ", ".join(facts.batches) or "none"),
        ("Products counted", ", ".join(facts.skus) or "none"),
        (
            "Uplift analysis",
            "none"
            if analysis is None
            else f"#{analysis.pk}: outcome {analysis.options.get('outcome')}, "
            f"{analysis.options.get('method')} with {analysis.options.get('control')}-trained "
            f"controls, {analysis.options.get('bootstrap')} bootstrap draws, seed "
            f"{analysis.options.get('seed')}",
        ),
    ]
    return section


# ---------------------------------------------------------------- the review


def review_document(
    *, campaign: Campaign, analysis: UpliftAnalysis | None = None
) -> ReviewDocument:
    """The review of ``campaign`` from the stored data (no analysis is run here)."""
    as_of = review_as_of(campaign)
    facts = Facts(
        Scope(
            campaign=campaign, viewer=campaign.marketing_lead, start=campaign.start_date, end=as_of
        )
    )
    analysis = analysis or latest_uplift(campaign)
    results = kpi_results(facts=facts)
    by_code = {r.target.code: r for r in results}
    sections = [
        objectives_section(results),
        marketing_section(facts, by_code),
        sales_section(facts),
        effect_section(facts, analysis),
        negative_control_section(campaign),
        portfolio_section(campaign),
        breakdown_section(facts),
        lessons_section(campaign),
        sources_section(facts, analysis, as_of),
    ]
    subtitle = (
        f"{campaign.product} — {campaign.indication}. "
        f"{campaign.start_date.isoformat()} to {campaign.end_date.isoformat()}; "
        f"marketing lead {campaign.marketing_lead}, sales lead {campaign.sales_lead}."
    )
    return ReviewDocument(
        campaign=campaign,
        as_of=as_of,
        title=f"Post-implementation review: {campaign.name}",
        subtitle=subtitle,
        sections=sections,
        analysis=analysis,
    )


def negative_control_lines(campaign: Campaign) -> dict[str, list[str]]:
    """The portfolio's product lines the campaign never trained on (none of its SKUs)."""
    own = set(campaign_skus(campaign))
    return {line: skus for line, skus in product_lines().items() if not own & set(skus)}


def negative_controls_latest(campaign: Campaign) -> dict[tuple[str, ...], UpliftAnalysis]:
    """The campaign's latest negative-control run (finished or failed, with its reason)
    for each set of SKUs other than its own."""
    own = tuple(campaign_skus(campaign))
    out: dict[tuple[str, ...], UpliftAnalysis] = {}
    for analysis in UpliftAnalysis.objects.filter(campaign=campaign).order_by("-created_at", "-id"):
        skus = tuple(sorted(analysis.options.get("skus") or ()))
        if skus and skus != own and analysis.status != "running":
            out.setdefault(skus, analysis)
    return out


def review_build(*, campaign: Campaign, user: User | None = None) -> ReviewDocument:
    """The review, running an uplift analysis first when the campaign has none finished,
    the effect by who delivered the training when that analysis lacks it, and the
    campaign's design on each product line it never trained on (negative controls)."""
    from dataclasses import replace

    from onevoice.measurement.subgroups import uplift_subgroups_store
    from onevoice.measurement.uplift import DEFAULT_OPTIONS, uplift_analysis_run

    analysis = latest_uplift(campaign)
    if analysis is None:
        uplift_analysis_run(campaign=campaign, user=user)
        analysis = latest_uplift(campaign)
    if analysis is not None:
        uplift_subgroups_store(analysis=analysis)
        done = negative_controls_latest(campaign)
        for skus in negative_control_lines(campaign).values():
            if tuple(sorted(skus)) not in done:
                # Analytic standard errors: a check, not a headline, so no bootstrap.
                options = replace(DEFAULT_OPTIONS, skus=tuple(skus), bootstrap=0)
                uplift_analysis_run(campaign=campaign, user=user, options=options)
    return review_document(campaign=campaign)


def review_lesson_of(*, campaign: Campaign, function: str) -> ReviewLesson | None:
    return ReviewLesson.objects.filter(campaign=campaign, function=function).first()


@transaction.atomic
def review_lesson_save(*, campaign: Campaign, function: str, user: User, text: str) -> ReviewLesson:
    """Write (or rewrite) one lead's lessons of the campaign, with an audit row."""
    text = text.strip()
    if not text:
        raise ValueError(ERROR_LESSON_EMPTY)
    lesson = (
        ReviewLesson.objects.select_for_update()
        .filter(campaign=campaign, function=function)
        .first()
    )
    before = None
    if lesson is None:
        lesson = ReviewLesson.objects.create(
            campaign=campaign, function=function, text=text, author=user
        )
    else:
        before = {"text": lesson.text, "author": lesson.author_id}
        lesson.text, lesson.author, lesson.updated_at = text, user, timezone.now()
        lesson.save(update_fields=["text", "author", "updated_at"])
    audit_record(
        actor=user, action="review.lessons", obj=lesson, before=before, after={"text": text}
    )
    return lesson


# ---------------------------------------------------------------- across campaigns


def portfolio_for(
    *, user: User | None, current: Campaign | None = None, method: Tau2Method = "DL"
) -> Portfolio:
    """Every reviewed campaign the user may see with a finished uplift analysis, pooled
    where their experiments are disjoint; ``current`` is shown beside them (and pooled
    only once it is reviewed). ``user`` None is the command line: every campaign."""
    visible = Campaign.objects.all() if user is None else campaign_list_for(user=user)
    campaigns = {
        c.pk: c
        for c in visible
        if c.status == CampaignStatus.REVIEWED or (current is not None and c.pk == current.pk)
    }
    latest: dict[int, int] = {}
    for pk, campaign_id in (
        UpliftAnalysis.objects.filter(
            campaign_id__in=list(campaigns), status="done", result__isnull=False
        )
        .exclude(result__negative_control=True)
        .order_by("campaign_id", "-created_at", "-id")
        .values_list("pk", "campaign_id")
    ):
        latest.setdefault(campaign_id, pk)
    results = {
        row["pk"]: row
        for row in UpliftAnalysis.objects.filter(pk__in=list(latest.values())).values(
            "pk",
            "campaign_id",
            "options",
            "result__uplift",
            "result__naive",
            "result__campaign",
            "result__periods",
        )
    }
    entries = []
    for campaign_id, pk in latest.items():
        c, row = campaigns[campaign_id], results[pk]
        entry = entry_from(
            slug=c.slug,
            name=c.name,
            start=c.start_date.isoformat(),
            status=CampaignStatus(c.status).label,
            analysis_id=pk,
            result={
                "uplift": row["result__uplift"],
                "naive": row["result__naive"],
                "campaign": row["result__campaign"],
                "periods": row["result__periods"],
            },
            options=row["options"] or {},
            reviewed=c.status == CampaignStatus.REVIEWED,
        )
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda e: (e.start, e.name, e.slug))
    return portfolio_build(entries, method=method)


def portfolio_section(campaign: Campaign) -> Section:
    portfolio = portfolio_for(user=campaign.marketing_lead, current=campaign)
    section = Section("portfolio", "Is this the rule? Training's uplift across campaigns")
    meta = portfolio.meta
    if meta is None:
        section.paragraphs.append(
            "No reviewed campaign has a finished uplift analysis yet, so there is nothing to "
            "pool; this campaign's uplift is shown on its own."
        )
    else:
        section.paragraphs.append(portfolio.verdict())
        section.figures += portfolio.figures()
        section.paragraphs.append(
            "Random-effects meta-analysis (DerSimonian and Laird, with the Hartung–Knapp–"
            "Sidik–Jonkman interval, which stays honest with few campaigns): campaigns may "
            "differ in their true effect; I² is the share of the spread between them that is "
            "real rather than noise. Only campaigns whose experiments are disjoint are pooled: "
            "each counts its own trainings and its own products, and no two share a product "
            "over the same months."
        )
    for e in portfolio.entries:
        if e.reviewed and e.excluded:
            section.paragraphs.append(f"{e.name} is not pooled: {e.excluded}.")
    rows = portfolio.rows()
    columns = [
        "campaign",
        "start",
        "status",
        "uplift_pct",
        "ci_low_pct",
        "ci_high_pct",
        "naive_ratio",
        "pooled",
    ]
    section.tables.append(
        Table(
            "Portfolio",
            "Uplift from customer training, campaign by campaign",
            [
                "Campaign",
                "Start",
                "Status",
                "Uplift %",
                "95% CI low %",
                "95% CI high %",
                "Naive ratio",
                "Pooled",
            ],
            _rows(rows, columns),
        )
    )
    if portfolio.entries:
        section.charts.append(portfolio.chart())
    return section
