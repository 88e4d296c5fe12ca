"""The facts KPIs, dashboards and reviews are computed from, for one scope.

A :class:`Scope` says which campaign, which days, which clinics (region, segment,
territory) and *as seen by whom*: every read goes through the owning app's selector
that applies that user's permissions (``field.selectors.clinics_visible_to`` and the
activity and training lists, ``accounts.selectors.territories_for``,
``training.selectors.enrolments_visible``), so a rep's numbers only ever cover their
territory and a manager's their team. :class:`Facts` loads each kind of row once, as a
pandas frame, in a fixed number of queries whatever the size of the scope.

Asset uses have no selector in the campaigns app yet; they are read here, read-only,
restricted to the clinics and reps of the scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from onevoice.accounts.models import Territory, User
from onevoice.accounts.selectors import territories_for
from onevoice.campaigns import selectors as campaign_selectors
from onevoice.campaigns.models import AssetUse, Campaign
from onevoice.field import selectors as field_selectors
from onevoice.field.models import Activity, Clinic, CustomerTraining, TrainingAttendance
from onevoice.field.permissions import can_view_all_clinics
from onevoice.measurement.models import SalesBatch, UpliftAnalysis
from onevoice.training import selectors as training_selectors

PRE_PERIOD_MONTHS = 12
# Up to this many clinics, the sales engine is given the scope's clinic codes to read
# only theirs; beyond, it reads every clinic's and the rows are filtered after.
ENGINE_FILTER_MAX_CLINICS = 20_000
T = TypeVar("T")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of every month from the one holding ``start`` to the one holding ``end``."""
    out, current = [], month_start(start)
    while current <= end:
        out.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return out


def shift_months(day: dt.date, months: int) -> dt.date:
    stamp = pd.Timestamp(day) + pd.DateOffset(months=months)
    return stamp.date()


@dataclass(frozen=True)
class Scope:
    """Which campaign, days and clinics a number covers, as ``viewer`` may see them."""

    campaign: Campaign
    viewer: User
    start: dt.date
    end: dt.date
    region: str = ""
    segment: str = ""
    territory: str = ""

    @property
    def filtered(self) -> bool:
        """True when the scope is narrower than everything the viewer may see."""
        return bool(self.region or self.segment or self.territory)

    @property
    def campaign_start(self) -> dt.date:
        """Start of the KPI window: the campaign's start, or the period's if later."""
        return max(self.start, self.campaign.start_date)

    def territories(self) -> QuerySet[Territory]:
        qs = territories_for(user=self.viewer)
        if self.region:
            qs = qs.filter(region__code=self.region)
        if self.territory:
            qs = qs.filter(code=self.territory)
        return qs

    def clinics(self) -> QuerySet[Clinic]:
        qs = field_selectors.clinics_visible_to(user=self.viewer)
        if self.region:
            qs = qs.filter(region__code=self.region)
        if self.segment:
            qs = qs.filter(segment=self.segment)
        if self.territory:
            qs = qs.filter(territory__code=self.territory)
        return qs

    def describe(self) -> dict[str, Any]:
        """The scope as JSON, for the inputs recorded beside each value."""
        return {
            "campaign": self.campaign.slug,
            "viewer": self.viewer.username,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "region": self.region,
            "segment": self.segment,
            "territory": self.territory,
        }


def _dates(stamps: pd.Series) -> pd.Series:
    """The calendar day of each aware datetime as the database returns it (in UTC), as
    ``datetime.date()`` gives it, in one pass."""
    if stamps.empty:
        return stamps
    return pd.to_datetime(stamps, utc=True).dt.date


def campaign_skus(campaign: Campaign) -> list[str]:
    """The SKUs whose sales count for the campaign: its own only (none when it lists
    none; counting every product's would credit it with sales it never worked on)."""
    return campaign_selectors.campaign_skus(campaign=campaign)


# A product without a recorded line still belongs to the portfolio: shown under this name.
UNNAMED_LINE = "Other products"


def product_lines() -> dict[str, list[str]]:
    """The portfolio's product lines and their SKUs: what a negative-control run may
    measure on."""
    return {
        family or UNNAMED_LINE: skus
        for family, skus in campaign_selectors.product_families().items()
    }


def active_batches() -> list[str]:
    return sorted(
        SalesBatch.objects.filter(rolled_back_at__isnull=True).values_list("batch_id", flat=True)
    )


def latest_uplift(campaign: Campaign) -> UpliftAnalysis | None:
    """The campaign's most recent finished uplift analysis of its own SKUs, if any
    (negative-control runs on other products are not its answer)."""
    return (
        UpliftAnalysis.objects.filter(campaign=campaign, status="done", result__isnull=False)
        .exclude(result__negative_control=True)
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass
class Facts:
    """Rows of one scope, loaded lazily, each kind once."""

    scope: Scope
    _cache: dict[str, Any] = field(default_factory=dict)

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per scope: what several charts and tables share (coverage,
        reached clinics) is derived once per request, not once per chart."""
        if name not in self._cache:
            self._cache[name] = compute()
        return cast(T, self._cache[name])

    # ------------------------------------------------------------ clinics and people

    @cached_property
    def clinics(self) -> pd.DataFrame:
        """One row per clinic of the scope, with where it is and who covers it."""
        columns = [
            "pk",
            "code",
            "name",
            "region",
            "region_name",
            "segment",
            "territory",
            "territory_name",
            "rep_id",
            "team",
            "potential",
            "stage",
            "first_trained",
        ]
        rows = self.scope.clinics().values_list(
            "pk",
            "code",
            "name",
            "region__code",
            "region__name",
            "segment",
            "territory__code",
            "territory__name",
            "territory__rep_id",
            "territory__team__name",
            "potential",
            "stage",
            # Kept on the clinic by ``field.trained`` (any campaign's training); replaced
            # below by the date of its first training under this campaign.
            "first_trained",
        )
        frame = pd.DataFrame(list(rows), columns=columns)
        frame["first_trained"] = frame["code"].map(self.treatment_dates)
        targets = set(self.scope.campaign.target_segments or [])
        frame["target"] = frame["segment"].isin(targets) if targets else True
        frame["territory"] = frame["territory"].fillna("")
        frame["territory_name"] = frame["territory_name"].fillna("")
        return frame.sort_values("code").reset_index(drop=True)

    @cached_property
    def clinic_pks(self) -> list[int]:
        return [int(p) for p in self.clinics["pk"]]

    @property
    def clinic_subquery(self) -> QuerySet[Clinic, Any]:
        """The scope's clinics as a subquery: the database filters by it, which a list of
        every primary key (100,000 at head office) would make slow to send and plan."""
        return self.scope.clinics().order_by().values("pk")

    @cached_property
    def treatment_dates(self) -> dict[str, dt.date]:
        """Each clinic's first training under the scope's campaign, by clinic code."""
        return field_selectors.clinic_treatment_dates(campaign_id=self.scope.campaign.pk)

    @cached_property
    def territories(self) -> list[Territory]:
        return list(self.scope.territories())

    @cached_property
    def reps(self) -> dict[int, User]:
        """The reps covering the scope's territories, by id."""
        return {t.rep_id: t.rep for t in self.territories if t.rep_id and t.rep is not None}

    # ------------------------------------------------------------ field work

    @cached_property
    def trainings(self) -> pd.DataFrame:
        """The campaign's customer trainings hosted by the scope's clinics within [start,
        end]."""
        s = self.scope
        qs = (
            field_selectors.training_list(
                user=s.viewer, filters=field_selectors.TrainingFilters(since=s.start)
            )
            .filter(date__lte=s.end, clinic_id__in=self.clinic_subquery, campaign=s.campaign)
            .prefetch_related(None)
            .order_by("date", "code")
        )
        columns = ["pk", "code", "date", "clinic_pk", "format", "rep_id", "field_vet_id"]
        rows = qs.values_list("pk", "code", "date", "clinic_id", "format", "rep_id", "field_vet_id")
        return pd.DataFrame(list(rows), columns=columns)

    @cached_property
    def attendance(self) -> pd.DataFrame:
        """One row per vet at a training of the scope: vet, their clinic, scores."""
        s = self.scope
        qs = (
            field_selectors.training_list(
                user=s.viewer, filters=field_selectors.TrainingFilters(since=s.start)
            )
            .filter(date__lte=s.end, clinic_id__in=self.clinic_subquery, campaign=s.campaign)
            .filter(trainingattendance__isnull=False)
            .prefetch_related(None)
            .order_by("date", "code", "trainingattendance__vet_id")
        )
        columns = ["training_pk", "date", "vet_pk", "vet_clinic_pk", "pre_score", "post_score"]
        rows = qs.values_list(
            "pk",
            "date",
            "trainingattendance__vet_id",
            "trainingattendance__vet__clinic_id",
            "trainingattendance__pre_score",
            "trainingattendance__post_score",
        )
        return pd.DataFrame(list(rows), columns=columns)

    @cached_property
    def activities(self) -> pd.DataFrame:
        """Visits, calls, e-mails and webinars with the scope's clinics within [start, end]."""
        s = self.scope
        qs = (
            field_selectors.activity_list(
                user=s.viewer, filters=field_selectors.ActivityFilters(since=s.start)
            )
            .filter(occurred_at__date__lte=s.end, clinic_id__in=self.clinic_subquery)
            .prefetch_related(None)
            .order_by("occurred_at", "pk")
        )
        columns = ["pk", "date", "clinic_pk", "kind", "rep_id"]
        frame = pd.DataFrame(
            list(qs.values_list("pk", "occurred_at", "clinic_id", "kind", "rep_id")),
            columns=columns,
        )
        frame["date"] = _dates(frame["date"])
        return frame

    def reached_targets(self, since: dt.date) -> set[int]:
        """Target clinics of the scope with a logged activity, or a customer training of
        the campaign they hosted or one of their vets attended (at a clinic of the scope),
        from ``since`` to the scope's end.

        Asked of the database clinic by clinic (three ``EXISTS`` on indexed columns), not
        computed from every activity, training and attendance of the scope loaded here:
        those are 300,000 rows at head office. The field's rows are read directly, as
        asset uses are: the scope's clinics (``clinics_visible_to`` the viewer) are the
        only ones looked at, so the viewer's permissions hold.
        """
        s = self.scope
        if self.clinics.empty:
            return set()
        # Whole days in the current time zone, as ``occurred_at__date`` reads them, but
        # as a range the (clinic, occurred_at) index serves.
        first = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        after = timezone.make_aware(dt.datetime.combine(s.end + dt.timedelta(days=1), dt.time.min))
        clinic = OuterRef("pk")
        activity = Activity.objects.filter(
            clinic_id=clinic, occurred_at__gte=first, occurred_at__lt=after
        )
        # Only this campaign's trainings reach a clinic for it; any visit or call does.
        hosted = CustomerTraining.objects.filter(
            clinic_id=clinic, date__gte=since, date__lte=s.end, campaign=s.campaign
        )
        attended = TrainingAttendance.objects.filter(
            vet__clinic_id=clinic,
            training__date__gte=since,
            training__date__lte=s.end,
            training__clinic_id__in=self.clinic_subquery,
            training__campaign=s.campaign,
        )
        targets = self.scope.clinics()
        segments = list(self.scope.campaign.target_segments or [])
        if segments:
            targets = targets.filter(segment__in=segments)
        touched = Exists(activity) | Exists(hosted) | Exists(attended)
        return set(targets.filter(touched).order_by().values_list("pk", flat=True))

    @cached_property
    def objections_heard(self) -> pd.DataFrame:
        """Each time a rep logged hearing one of the campaign's objections."""
        s = self.scope
        qs = (
            field_selectors.activity_list(
                user=s.viewer, filters=field_selectors.ActivityFilters(since=s.start)
            )
            .filter(
                occurred_at__date__lte=s.end,
                clinic_id__in=self.clinic_subquery,
                objections__campaign=s.campaign,
            )
            .prefetch_related(None)
            .order_by("occurred_at", "pk", "objections__pk")
        )
        rows = [
            (at.date(), pk, text)
            for at, pk, text in qs.values_list("occurred_at", "objections__pk", "objections__text")
        ]
        return pd.DataFrame(rows, columns=["date", "objection_pk", "objection"])

    @cached_property
    def asset_uses(self) -> pd.DataFrame:
        """Uses of the campaign's approved assets at the scope's clinics (or by its reps)."""
        s = self.scope
        where = Q(clinic_id__in=self.clinic_subquery) | Q(
            clinic__isnull=True, user_id__in=list(self.reps)
        )
        if not s.filtered and can_view_all_clinics(user=s.viewer):
            where = Q()
        qs = (
            AssetUse.objects.filter(where, version__asset__campaign=s.campaign)
            .filter(at__date__gte=s.start, at__date__lte=s.end)
            .order_by("at", "pk")
        )
        rows = [
            (at.date(), title, kind, user)
            for at, title, kind, user in qs.values_list(
                "at", "version__asset__title", "version__asset__kind", "user_id"
            )
        ]
        return pd.DataFrame(rows, columns=["date", "asset", "kind", "user_id"])

    # ------------------------------------------------------------ sales

    @cached_property
    def skus(self) -> list[str]:
        return campaign_skus(self.scope.campaign)

    @cached_property
    def batches(self) -> list[str]:
        return active_batches()

    @cached_property
    def pre_start(self) -> dt.date:
        """First day of the pre-campaign reference window (12 months before the start)."""
        return shift_months(self.scope.campaign.start_date, -PRE_PERIOD_MONTHS)

    @cached_property
    def sales(self) -> pd.DataFrame:
        """Monthly units and net revenue of the campaign's SKUs per clinic of the scope,
        from 12 months before the campaign to the scope's end; ``phase`` says whether
        the sales were before the campaign or during it."""
        columns = ["clinic_id", "month", "phase", "units", "net_revenue", "clinic_pos"]
        if not self.batches:
            return pd.DataFrame(columns=columns)
        from onevoice.measurement.sales import sales_table

        start = min(self.pre_start, self.scope.start)
        end = self.scope.end
        campaign_start = self.scope.campaign.start_date
        table = sales_table()
        codes = set(self.clinics["code"])
        where = (table.date >= start) & (table.date <= end) & table.sku.isin(self.skus)
        if len(codes) <= ENGINE_FILTER_MAX_CLINICS:
            # A rep's or a manager's clinics: the engine reads only theirs.
            where &= table.clinic_id.isin(sorted(codes))
        rows = table.filter(where)
        expr = (
            rows.mutate(
                month=rows.date.truncate("M").cast("date"),
                phase=(rows.date >= campaign_start).ifelse("campaign", "before"),
            )
            .group_by(["clinic_id", "month", "phase"])
            .aggregate(units=rows.units.sum(), net_revenue=rows.net_revenue.fill_null(0.0).sum())
            .order_by(["clinic_id", "month", "phase"])
        )
        # Filtered and converted by Arrow: plain Python strings and dates come out in C,
        # where pandas' Arrow-backed columns took seconds to factorize at head office.
        found = expr.to_pyarrow()
        # Each row's clinic as its position in ``clinics``, for grouping by territory or
        # region with a numpy take; rows of clinics outside the scope are dropped.
        codes_in_order = pa.array(list(self.clinics["code"]), type=found["clinic_id"].type)
        position = pc.index_in(found["clinic_id"], value_set=codes_in_order)
        found = found.append_column("clinic_pos", position).filter(pc.is_valid(position))
        frame = found.to_pandas(date_as_object=True)
        return frame[columns]

    @cached_property
    def first_purchase(self) -> dict[str, dt.date]:
        """The first day each clinic of the scope ever bought one of the campaign's SKUs."""
        if not self.batches:
            return {}
        from onevoice.measurement.sales import sales_table

        table = sales_table()
        codes = set(self.clinics["code"])
        where = table.sku.isin(self.skus) & (table.units > 0)
        if len(codes) <= ENGINE_FILTER_MAX_CLINICS:
            where &= table.clinic_id.isin(sorted(codes))
        rows = table.filter(where)
        frame = rows.group_by("clinic_id").aggregate(first=rows.date.min()).to_pandas()
        return {
            str(c): pd.Timestamp(d).date()
            for c, d in zip(frame["clinic_id"], frame["first"], strict=True)
            if c in codes
        }

    # ------------------------------------------------------------ training of reps

    @cached_property
    def readiness(self) -> list[training_selectors.ReadinessRow]:
        """Readiness of the reps of the scope in the campaign's programs, as the viewer
        may see them (marketing: everyone; a manager: the team; a rep: themselves)."""
        s = self.scope
        programs = training_selectors.program_list_for(user=s.viewer).filter(campaign=s.campaign)
        now = timezone.make_aware(dt.datetime.combine(s.end + dt.timedelta(days=1), dt.time.min))
        rep_ids = {t.rep_id for t in self.territories if t.rep_id} if s.filtered else None
        rows: list[training_selectors.ReadinessRow] = []
        for program in programs.order_by("prework_due", "pk"):
            enrolments = training_selectors.enrolments_visible(program=program, user=s.viewer)
            if rep_ids is not None:
                enrolments = enrolments.filter(rep_id__in=rep_ids)
            rows.extend(
                training_selectors.readiness_rows(program=program, enrolments=enrolments, now=now)
            )
        return rows
