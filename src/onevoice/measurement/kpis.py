"""KPI values: one function per catalogue code, the status rule, and the stored history.

Adding a KPI is one entry in ``campaigns.kpi_catalogue`` and one function here::

    @kpi("demo_requests", cumulative=True)
    def demo_requests(facts: Facts) -> KpiMeasure:
        n = ...  # from facts' frames
        return KpiMeasure(n, {"requests": n})

plus one test on hand-made data. ``tests/measurement/test_kpis.py`` fails for a
catalogue code without a function.

**Status rule.** A KPI's plan is a straight line from where it starts at the campaign's
start to its target on its due date. *Cumulative* KPIs (counts since the campaign
started: trainings held, units sold…) start from zero — their baseline is the reference
before the campaign; *level* KPIs (shares, uplift) start from their baseline. On day
``as_of`` the plan expects ``origin + (target - origin) * elapsed`` where ``elapsed`` is
the share of the days from the start to the due date that have passed (0 to 1). Then:

* **achieved** — the value has reached the target (at any time);
* **missed** — the due date has come and the target was not reached;
* **on track** — it has made at least 90% of the progress expected by now;
* **at risk** — it has made less than that;
* **no data** — the data a value needs are not there yet (the reason is shown).

An *estimate with an interval* (the causal uplift) is judged by its interval, not its
point estimate: **achieved** only when the lower end of its 95% interval reaches the
target (the data show it); **likely, not yet proven** when the estimate reaches the
target but the interval reaches below it; **not shown** when the estimate falls short.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record
from onevoice.campaigns import kpi_catalogue
from onevoice.campaigns.models import Campaign, KpiTarget
from onevoice.campaigns.selectors import kpi_plan_for
from onevoice.measurement.choices import KpiStatus, KpiTrigger
from onevoice.measurement.facts import Facts, Scope, latest_uplift, months_between
from onevoice.measurement.models import KpiValue

ON_TRACK_SHARE = 0.9
NOTE_NO_SALES = "No sales are stored yet: import the distributor files."
NOTE_NO_PROGRAM = "No rep is enrolled in a training program of this campaign yet."
NOTE_NO_UPLIFT = "No uplift analysis of this campaign has finished yet."
NOTE_NOT_SPLIT = "Computed for the whole campaign only; it cannot be split by region or segment."
NOTE_NOT_HISTORICAL = "Today's value: this KPI cannot be recomputed for a past day."
NOTE_NO_FUNCTION = "No computation is defined for this KPI."


@dataclass(frozen=True)
class KpiMeasure:
    """A KPI's value (None when the data are missing), what it came from, and why."""

    value: float | None
    inputs: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    # The lower end of the value's 95% interval, for an estimate (see the status rule).
    lower: float | None = None


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    compute: Callable[[Facts], KpiMeasure]
    cumulative: bool
    splits: bool = True
    historical: bool = True


REGISTRY: dict[str, KpiDefinition] = {}


def kpi(
    code: str, *, cumulative: bool, splits: bool = True, historical: bool = True
) -> Callable[[Callable[[Facts], KpiMeasure]], Callable[[Facts], KpiMeasure]]:
    """Register the function that computes catalogue KPI ``code`` from a scope's facts.

    ``splits``: it can be computed for a region, segment or territory; ``historical``:
    it can be computed as of a past day from today's data.
    """
    if code not in kpi_catalogue.BY_CODE:
        raise ValueError(f"{code!r} is not in the KPI catalogue")

    def register(fn: Callable[[Facts], KpiMeasure]) -> Callable[[Facts], KpiMeasure]:
        REGISTRY[code] = KpiDefinition(code, fn, cumulative, splits, historical)
        return fn

    return register


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


# ---------------------------------------------------------------- the KPIs


def _window(facts: Facts) -> dict[str, str]:
    s = facts.scope
    return {"from": s.campaign_start.isoformat(), "to": s.end.isoformat()}


@kpi("reps_certified", cumulative=False)
def reps_certified(facts: Facts) -> KpiMeasure:
    """Share of the reps enrolled in the campaign's programs certified by the day."""
    rows = facts.readiness
    enrolled = {r.enrolment.rep_id for r in rows}
    end = facts.scope.end
    certified = {
        r.enrolment.rep_id
        for r in rows
        if r.certified_at is not None and timezone.localdate(r.certified_at) <= end
    }
    programs = sorted({r.enrolment.program_id for r in rows})
    if not enrolled:
        return KpiMeasure(None, {"programs": programs}, NOTE_NO_PROGRAM)
    return KpiMeasure(
        _share(len(certified), len(enrolled)),
        {"programs": programs, "enrolled_reps": len(enrolled), "certified_reps": len(certified)},
    )


# Pre-work passes are read as they stand today (the readiness rows carry no pass dates),
# so past days are not recomputed: the trend comes from stored runs.
@kpi("prework_completed", cumulative=False, historical=False)
def prework_completed(facts: Facts) -> KpiMeasure:
    """Share of enrolled reps who passed every pre-work module before its deadline."""
    rows = facts.readiness
    by_rep: dict[int, bool] = {}
    for r in rows:
        done = r.inputs.modules > 0 and r.inputs.passed_on_time >= r.inputs.modules
        by_rep[r.enrolment.rep_id] = by_rep.get(r.enrolment.rep_id, True) and done
    if not by_rep:
        return KpiMeasure(None, {}, NOTE_NO_PROGRAM)
    n_done = sum(by_rep.values())
    return KpiMeasure(
        _share(n_done, len(by_rep)),
        {
            "programs": sorted({r.enrolment.program_id for r in rows}),
            "enrolled_reps": len(by_rep),
            "completed_on_time": n_done,
        },
    )


def reached_clinics(facts: Facts) -> set[int]:
    """Target clinics with a logged activity, or a customer training they hosted or one
    of their vets attended, between the campaign's start and the scope's end."""
    return facts.derived("reached_clinics", lambda: _reached_clinics(facts))


def _reached_clinics(facts: Facts) -> set[int]:
    return facts.reached_targets(since=facts.scope.campaign_start)


@kpi("clinics_reached", cumulative=True)
def clinics_reached(facts: Facts) -> KpiMeasure:
    reached = reached_clinics(facts)
    targets = int(facts.clinics["target"].sum())
    return KpiMeasure(
        float(len(reached)),
        {
            "window": _window(facts),
            "target_clinics": targets,
            "target_segments": list(facts.scope.campaign.target_segments or []),
            "reached": len(reached),
        },
    )


@kpi("vets_trained", cumulative=True)
def vets_trained(facts: Facts) -> KpiMeasure:
    att = facts.attendance
    att = att[att["date"] >= facts.scope.campaign_start]
    trainings = int(att["training_pk"].nunique())
    vets = int(att["vet_pk"].nunique())
    return KpiMeasure(float(vets), {"window": _window(facts), "trainings": trainings, "vets": vets})


@kpi("customer_trainings_held", cumulative=True)
def customer_trainings_held(facts: Facts) -> KpiMeasure:
    t = facts.trainings
    t = t[t["date"] >= facts.scope.campaign_start]
    by_format = {str(k): int(v) for k, v in sorted(t["format"].value_counts().items())}
    return KpiMeasure(
        float(len(t)),
        {
            "window": _window(facts),
            "by_format": by_format,
            "with_field_vet": int(t["field_vet_id"].notna().sum()),
        },
    )


def _sales_inputs(facts: Facts) -> dict[str, Any]:
    return {"window": _window(facts), "skus": facts.skus, "sales_batches": facts.batches}


@kpi("units_sold", cumulative=True)
def units_sold(facts: Facts) -> KpiMeasure:
    if not facts.batches:
        return KpiMeasure(None, {}, NOTE_NO_SALES)
    sales = facts.sales
    start = facts.scope.campaign_start
    window = sales[(sales["phase"] == "campaign") & (sales["month"] >= start.replace(day=1))]
    units = float(window["units"].sum())
    return KpiMeasure(
        round(units, 2),
        {
            **_sales_inputs(facts),
            "clinics_buying": int(window.loc[window["units"] > 0, "clinic_id"].nunique()),
        },
    )


@kpi("newly_prescribing_clinics", cumulative=True)
def newly_prescribing_clinics(facts: Facts) -> KpiMeasure:
    if not facts.batches:
        return KpiMeasure(None, {}, NOTE_NO_SALES)
    s = facts.scope
    new = [c for c, first in facts.first_purchase.items() if s.campaign_start <= first <= s.end]
    return KpiMeasure(float(len(new)), {**_sales_inputs(facts), "clinics": len(new)})


@kpi("causal_uplift", cumulative=False, splits=False, historical=False)
def causal_uplift(facts: Facts) -> KpiMeasure:
    analysis = latest_uplift(facts.scope.campaign)
    if analysis is None or not analysis.result:
        return KpiMeasure(None, {}, NOTE_NO_UPLIFT)
    relative = (analysis.result.get("uplift") or {}).get("relative_uplift") or {}
    if relative.get("estimate") is None:
        return KpiMeasure(None, {"analysis": analysis.pk}, NOTE_NO_UPLIFT)
    return KpiMeasure(
        round(100.0 * relative["estimate"], 2),
        {
            "analysis": analysis.pk,
            "ci_low": _pct(relative.get("ci_low")),
            "ci_high": _pct(relative.get("ci_high")),
            "periods": (analysis.inputs or {}).get("periods"),
            "sales_batches": (analysis.inputs or {}).get("sales_batches"),
            "skus": (analysis.result.get("campaign") or {}).get("skus"),
        },
        lower=_pct(relative.get("ci_low")),
    )


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100.0 * x, 2)


# ---------------------------------------------------------------- the status rule


def kpi_status(
    *,
    value: float | None,
    baseline: float,
    target: float,
    start: dt.date,
    due: dt.date,
    as_of: dt.date,
    cumulative: bool,
    lower: float | None = None,
) -> tuple[KpiStatus, float | None]:
    """Status of a value against its plan and where the plan expected it (see module);
    ``lower`` is the lower end of an estimate's interval."""
    origin = 0.0 if cumulative else baseline
    days = (due - start).days
    elapsed = 1.0 if days <= 0 else min(1.0, max(0.0, (as_of - start).days / days))
    expected = origin + (target - origin) * elapsed
    if value is None:
        return KpiStatus.NO_DATA, expected
    if lower is not None:
        if lower >= target:
            return KpiStatus.ACHIEVED, expected
        return (KpiStatus.LIKELY if value >= target else KpiStatus.NOT_SHOWN), expected
    upward = target >= origin
    if (value >= target) if upward else (value <= target):
        return KpiStatus.ACHIEVED, expected
    if as_of >= due:
        return KpiStatus.MISSED, expected
    needed = expected - origin
    if needed == 0:
        return KpiStatus.ON_TRACK, expected
    return (
        KpiStatus.ON_TRACK if (value - origin) / needed >= ON_TRACK_SHARE else KpiStatus.AT_RISK
    ), expected


# ---------------------------------------------------------------- computing and storing


@dataclass(frozen=True)
class KpiResult:
    """One KPI of the plan computed for a scope, with its status (not stored)."""

    target: KpiTarget
    measure: KpiMeasure
    status: KpiStatus
    expected: float | None
    as_of: dt.date

    @property
    def spec(self) -> kpi_catalogue.KpiSpec:
        return kpi_catalogue.BY_CODE[self.target.code]


def kpi_measure(code: str, facts: Facts) -> KpiMeasure:
    """Compute one KPI for the scope of ``facts``; never raises for missing data."""
    definition = REGISTRY.get(code)
    if definition is None:
        return KpiMeasure(None, {}, NOTE_NO_FUNCTION)
    if facts.scope.filtered and not definition.splits:
        return KpiMeasure(None, {}, NOTE_NOT_SPLIT)
    measure = definition.compute(facts)
    if not definition.historical and facts.scope.end < default_as_of(facts.scope.campaign):
        measure = replace(measure, note=measure.note or NOTE_NOT_HISTORICAL)
    return replace(measure, inputs={**measure.inputs, "scope": facts.scope.describe()})


def kpi_results(*, facts: Facts, targets: Iterable[KpiTarget] | None = None) -> list[KpiResult]:
    """Every KPI of the campaign's plan computed for ``facts``' scope, with its status."""
    s = facts.scope
    out = []
    for target in targets if targets is not None else kpi_plan_for(campaign=s.campaign):
        measure = kpi_measure(target.code, facts)
        definition = REGISTRY.get(target.code)
        status, expected = kpi_status(
            value=measure.value,
            baseline=target.baseline,
            target=target.target,
            start=s.campaign.start_date,
            due=target.due_date,
            as_of=s.end,
            cumulative=definition.cumulative if definition else False,
            lower=measure.lower,
        )
        out.append(KpiResult(target, measure, status, expected, s.end))
    return out


def campaign_scope(*, campaign: Campaign, as_of: dt.date) -> Scope:
    """The whole campaign, as its marketing lead sees it (every clinic and rep)."""
    return Scope(
        campaign=campaign, viewer=campaign.marketing_lead, start=campaign.start_date, end=as_of
    )


def default_as_of(campaign: Campaign) -> dt.date:
    """Today, or the campaign's last day once it is over."""
    return min(timezone.localdate(), campaign.end_date)


def kpi_values_compute(
    *,
    campaign: Campaign,
    user: User | None = None,
    as_of: dt.date | None = None,
    trigger: KpiTrigger = KpiTrigger.REQUEST,
) -> list[KpiValue]:
    """Compute every KPI of the plan for the whole campaign and store the values.

    Past days (``as_of`` before today, e.g. a backfill) skip KPIs that can only be
    computed for today.
    """
    as_of = as_of or default_as_of(campaign)
    past = as_of < default_as_of(campaign)
    facts = Facts(campaign_scope(campaign=campaign, as_of=as_of))
    targets = [t for t in kpi_plan_for(campaign=campaign) if not (past and not _historical(t.code))]
    results = kpi_results(facts=facts, targets=targets)
    now = timezone.now()
    with transaction.atomic():
        values = KpiValue.objects.bulk_create(
            KpiValue(
                kpi=r.target,
                campaign=campaign,
                code=r.target.code,
                value=r.measure.value,
                expected=r.expected,
                status=r.status,
                as_of=as_of,
                computed_at=now,
                computed_by=user,
                trigger=trigger,
                inputs=r.measure.inputs,
                note=r.measure.note[:300],
            )
            for r in results
        )
        audit_record(
            actor=user,
            action="kpi.compute",
            obj=campaign,
            after={
                "as_of": as_of.isoformat(),
                "trigger": str(trigger),
                "values": {r.target.code: r.measure.value for r in results},
            },
        )
    return values


def _historical(code: str) -> bool:
    definition = REGISTRY.get(code)
    return definition.historical if definition else False


def kpi_values_backfill(
    *, campaign: Campaign, until: dt.date | None = None, user: User | None = None
) -> int:
    """Store month-end values from the campaign's start to ``until``, for the trend of a
    plan whose schedule started late; returns how many values were stored."""
    until = until or default_as_of(campaign)
    stored = 0
    for month in months_between(campaign.start_date, until):
        end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        day = min(end, until)
        stored += len(
            kpi_values_compute(campaign=campaign, user=user, as_of=day, trigger=KpiTrigger.BACKFILL)
        )
    return stored


# ---------------------------------------------------------------- reading the history


@dataclass
class KpiRow:
    """One KPI of the plan on a dashboard: its latest stored value and its history."""

    target: KpiTarget
    latest: KpiValue | None
    history: list[KpiValue]

    @property
    def spec(self) -> kpi_catalogue.KpiSpec:
        return kpi_catalogue.BY_CODE[self.target.code]

    @property
    def previous(self) -> KpiValue | None:
        """The last stored value of an earlier day than the latest, for the trend."""
        if self.latest is None:
            return None
        earlier = [v for v in self.history if v.as_of < self.latest.as_of and v.value is not None]
        return earlier[-1] if earlier else None

    @property
    def trend(self) -> float | None:
        """Change since the previous day with a value (None without two values)."""
        if self.latest is None or self.latest.value is None or self.previous is None:
            return None
        return self.latest.value - (self.previous.value or 0.0)

    @property
    def share_of_target(self) -> float | None:
        if self.latest is None or self.latest.value is None or not self.target.target:
            return None
        return self.latest.value / self.target.target


def kpi_board(*, campaign: Campaign) -> list[KpiRow]:
    """The plan's KPIs with their stored values (one value per day: the last computed)."""
    targets = kpi_plan_for(campaign=campaign)
    values = KpiValue.objects.filter(campaign=campaign).order_by("as_of", "computed_at", "id")
    by_kpi: dict[int, dict[dt.date, KpiValue]] = {}
    for v in values:
        by_kpi.setdefault(v.kpi_id, {})[v.as_of] = v
    rows = []
    for t in targets:
        history = list(by_kpi.get(t.pk, {}).values())
        rows.append(KpiRow(target=t, latest=history[-1] if history else None, history=history))
    return rows


def kpi_history_rows(rows: Iterable[KpiRow]) -> list[dict[str, Any]]:
    """Every stored day of every KPI as flat rows (for the trend chart and its CSV)."""
    out = []
    for row in rows:
        for v in row.history:
            out.append(
                {
                    "kpi": row.spec.name,
                    "code": row.target.code,
                    "as_of": v.as_of.isoformat(),
                    "value": v.value,
                    "expected": None if v.expected is None else round(v.expected, 2),
                    "target": row.target.target,
                    "pct_of_target": (
                        None
                        if v.value is None or not row.target.target
                        else round(100.0 * v.value / row.target.target, 1)
                    ),
                    "status": v.status,
                }
            )
    return out
