"""Reads for the field: clinics a user may see, territory pages, treatment dates, ladder.

List selectors take the user and apply ``permissions.clinic_scope``, so a page lists
exactly the rows its user may open. A clinic counts as *trained* from the first
customer training it hosted or one of its vets attended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory, User
from onevoice.campaigns import selectors as campaign_selectors
from onevoice.campaigns.choices import ApprovalStatus, CampaignStatus
from onevoice.campaigns.models import AssetVersion, Campaign, KeyMessage, Objection
from onevoice.campaigns.permissions import can_view_campaign
from onevoice.field.choices import STAGE_RANK, TRAINING_CAMPAIGN_STATUSES, AdoptionStage
from onevoice.field.models import (
    Activity,
    Clinic,
    CrmImport,
    CustomerTraining,
    LadderMove,
    TrainingAttendance,
    Vet,
)
from onevoice.field.permissions import clinic_scope

ClinicSort = Literal["potential", "stage", "last_done", "name"]
CLINIC_SORTS: dict[str, str] = {
    "potential": "Potential, then ladder stage",
    "stage": "Ladder stage, then potential",
    "last_done": "Longest without contact first",
    "name": "Name",
}
RECENT_DAYS = 90


def clinic_treatment_dates(*, campaign_id: int | None = None) -> dict[str, dt.date]:
    """The date each clinic was first trained, by clinic code; never-trained clinics are absent.

    With ``campaign_id``, only that campaign's customer trainings count: this is the
    clinic's treatment date in the campaign's uplift. A clinic is trained from the first
    such training it hosted or one of its vets attended (a vet may attend a webinar or an
    event hosted elsewhere). Without it, every training counts: the clinic's
    ``first_trained``, which ``field.trained`` keeps for pages.
    """
    if campaign_id is None:
        trained = Clinic.objects.filter(first_trained__isnull=False)
        return {code: day for code, day in trained.values_list("code", "first_trained") if day}
    hosted = (
        CustomerTraining.objects.filter(campaign_id=campaign_id)
        .values("clinic__code")
        .annotate(first=Min("date"))
        .values_list("clinic__code", "first")
        .order_by()
    )
    attended = (
        TrainingAttendance.objects.filter(training__campaign_id=campaign_id)
        .values("vet__clinic__code")
        .annotate(first=Min("training__date"))
        .values_list("vet__clinic__code", "first")
        .order_by()
    )
    out: dict[str, dt.date] = {}
    for code, day in (*hosted, *attended):
        if code not in out or day < out[code]:
            out[code] = day
    return out


def _trained_q() -> Q:
    return Q(first_trained__isnull=False)


def _stage_rank(field: str = "stage") -> Case:
    return Case(
        *(When(**{field: stage}, then=Value(rank)) for stage, rank in STAGE_RANK.items()),
        output_field=IntegerField(),
    )


def clinics_in(*, territories: QuerySet[Territory]) -> QuerySet[Clinic]:
    return Clinic.objects.filter(territory__in=territories)


def clinics_visible_to(*, user: User) -> QuerySet[Clinic]:
    """Every clinic the user may open, with its territory and rep loaded."""
    return Clinic.objects.filter(clinic_scope(user=user)).select_related(
        "region", "territory__rep", "territory__team"
    )


def _with_work(qs: QuerySet[Clinic]) -> QuerySet[Clinic]:
    """Annotate the ladder rank; the last contact is stored (``field.contacted``) and the
    last activity itself is attached to the rows shown only (``_attach_last_activity``)."""
    return qs.annotate(stage_rank=_stage_rank())


def _attach_last_activity(clinics: list[Clinic]) -> list[Clinic]:
    """Load the last activity of each clinic in one query, as ``clinic.last_activity``."""
    contacted = [c.pk for c in clinics if c.last_activity_at is not None]
    by_clinic: dict[int, Activity] = {}
    if contacted:
        # One index probe (activity_clinic_latest) per clinic shown.
        latest = Activity.objects.filter(clinic=OuterRef("pk")).order_by("-occurred_at", "-id")
        ids = (
            Clinic.objects.filter(pk__in=contacted)
            .annotate(latest=Subquery(latest.values("id")[:1]))
            .values("latest")
        )
        by_clinic = {
            a.clinic_id: a for a in Activity.objects.select_related("rep").filter(pk__in=ids)
        }
    for c in clinics:
        c.last_activity = by_clinic.get(c.pk)  # type: ignore[attr-defined]
        last = c.last_activity  # type: ignore[attr-defined]
        training = c.last_trained
        # "What was done last": the latest of the last activity and the last training.
        if training is not None and (last is None or training >= last.occurred_at.date()):
            c.last_done = ("Customer training", training, None)  # type: ignore[attr-defined]
        elif last is not None:
            c.last_done = (last.get_kind_display(), last.occurred_at.date(), last.rep)  # type: ignore[attr-defined]
        else:
            c.last_done = None  # type: ignore[attr-defined]
    return clinics


def _ordered(qs: QuerySet[Clinic], sort: str) -> QuerySet[Clinic]:
    if sort == "stage":
        return qs.order_by(F("stage_rank").desc(), "-potential", "code")
    if sort == "last_done":
        # As the index clinic_by_last_contact: never contacted first.
        return qs.order_by(
            F("last_activity_at").asc(nulls_first=True), F("potential").desc(), "code"
        )
    if sort == "name":
        return qs.order_by("name", "code")
    return qs.order_by("-potential", F("stage_rank").desc(), "code")


@dataclass
class ClinicFilters:
    """What the clinic list is narrowed to; every field optional."""

    search: str = ""
    territory: Territory | None = None
    stage: str = ""
    trained: bool | None = None
    sort: str = "potential"


def clinic_list(*, user: User, filters: ClinicFilters | None = None) -> QuerySet[Clinic]:
    """The clinics the user may see, narrowed and ranked, annotated for list pages."""
    f = filters or ClinicFilters()
    qs = clinics_visible_to(user=user)
    if f.search:
        qs = qs.filter(
            Q(name__icontains=f.search) | Q(code__iexact=f.search) | Q(city__icontains=f.search)
        )
    if f.territory is not None:
        qs = qs.filter(territory=f.territory)
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.trained is True:
        qs = qs.filter(_trained_q())
    elif f.trained is False:
        qs = qs.exclude(_trained_q())
    return _ordered(_with_work(qs), f.sort)


def clinic_rows(clinics: Iterable[Clinic]) -> list[Clinic]:
    """Materialise a page of ``clinic_list`` with each clinic's last activity attached."""
    return _attach_last_activity(list(clinics))


def clinic_for_page(*, pk: int) -> Clinic:
    """One clinic with what its page shows; raises Clinic.DoesNotExist."""
    return Clinic.objects.select_related("region", "territory__rep", "territory__team").get(pk=pk)


def vets_of(*, clinic: Clinic) -> list[Vet]:
    """The clinic's vets, each with ``trainings_attended`` and ``first_trained``."""
    return list(
        clinic.vets.annotate(
            trainings_attended=Count("trainingattendance"),
            first_trained=Min("trainingattendance__training__date"),
        ).order_by("last_name", "first_name", "code")
    )


def trainings_for_clinic(*, clinic: Clinic) -> list[CustomerTraining]:
    """Trainings the clinic hosted or its vets attended, newest first."""
    # Two indexed look-ups united; one query with the two joined by OR walks every training.
    hosted = CustomerTraining.objects.filter(clinic=clinic).values_list("pk", flat=True)
    attended = TrainingAttendance.objects.filter(vet__clinic=clinic).values_list(
        "training_id", flat=True
    )
    ids = list(hosted.order_by().union(attended.order_by()))
    return list(
        CustomerTraining.objects.filter(pk__in=ids)
        .select_related("clinic", "rep", "field_vet", "campaign")
        .annotate(n_attendees=Count("trainingattendance"))
        .order_by("-date", "code")
    )


def activities_for_clinic(*, clinic: Clinic, limit: int = 50) -> list[Activity]:
    return list(
        clinic.activities.select_related("rep", "field_vet")
        .prefetch_related("vets")
        .order_by("-occurred_at", "-id")[:limit]
    )


def ladder_history(*, clinic: Clinic | None = None, vet: Vet | None = None) -> list[LadderMove]:
    """Moves of a vet, or of a clinic and its vets, newest first."""
    qs = LadderMove.objects.select_related("vet", "moved_by", "clinic")
    if vet is not None:
        qs = qs.filter(vet=vet)
    elif clinic is not None:
        qs = qs.filter(clinic=clinic)
    return list(qs.order_by("-moved_at", "-id"))


def vet_for_page(*, pk: int) -> Vet:
    return Vet.objects.select_related("clinic__territory__team", "clinic__region").get(pk=pk)


def attendance_of(*, vet: Vet) -> list[TrainingAttendance]:
    return list(
        TrainingAttendance.objects.filter(vet=vet)
        .select_related(
            "training__clinic", "training__rep", "training__field_vet", "training__campaign"
        )
        .order_by("-training__date")
    )


def activities_of_vet(*, vet: Vet) -> list[Activity]:
    return list(
        vet.activities.select_related("clinic", "rep", "field_vet").order_by("-occurred_at")
    )


@dataclass
class ActivityFilters:
    clinic: Clinic | None = None
    kind: str = ""
    rep: User | None = None
    since: dt.date | None = None


def activity_list(*, user: User, filters: ActivityFilters | None = None) -> QuerySet[Activity]:
    """Activities at the clinics the user may see, newest first."""
    f = filters or ActivityFilters()
    qs = Activity.objects.filter(
        clinic__in=Clinic.objects.filter(clinic_scope(user=user)).values("pk")
    )
    if f.clinic is not None:
        qs = qs.filter(clinic=f.clinic)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.rep is not None:
        qs = qs.filter(rep=f.rep)
    if f.since is not None:
        qs = qs.filter(occurred_at__date__gte=f.since)
    return (
        qs.select_related("clinic__territory", "rep", "field_vet")
        .prefetch_related("vets")
        .order_by("-occurred_at", "-id")
    )


def activity_for_page(*, pk: int) -> Activity:
    return (
        Activity.objects.select_related(
            "clinic__territory__team", "clinic__region", "rep", "field_vet", "campaign"
        )
        .prefetch_related("vets", "key_messages", "asset_versions__asset", "objections")
        .get(pk=pk)
    )


@dataclass
class TrainingFilters:
    clinic: Clinic | None = None
    format: str = ""
    since: dt.date | None = None
    codelivered_by: User | None = None
    campaign: Campaign | None = None


def training_list(
    *, user: User, filters: TrainingFilters | None = None
) -> QuerySet[CustomerTraining]:
    """Customer trainings at the clinics the user may see, newest first."""
    f = filters or TrainingFilters()
    qs = CustomerTraining.objects.filter(
        clinic__in=Clinic.objects.filter(clinic_scope(user=user)).values("pk")
    )
    if f.clinic is not None:
        qs = qs.filter(clinic=f.clinic)
    if f.format:
        qs = qs.filter(format=f.format)
    if f.since is not None:
        qs = qs.filter(date__gte=f.since)
    if f.codelivered_by is not None:
        qs = qs.filter(field_vet=f.codelivered_by)
    if f.campaign is not None:
        qs = qs.filter(campaign=f.campaign)
    return (
        qs.select_related("clinic__territory", "rep", "field_vet", "campaign")
        .annotate(n_attendees=Count("trainingattendance"))
        .order_by("-date", "code")
    )


def training_for_page(*, pk: int) -> CustomerTraining:
    return (
        CustomerTraining.objects.select_related(
            "clinic__territory__team", "clinic__region", "rep", "field_vet", "logged_by", "campaign"
        )
        .prefetch_related(
            "asset_versions__asset",
            Prefetch(
                "trainingattendance_set",
                queryset=TrainingAttendance.objects.select_related("vet__clinic").order_by(
                    "vet__last_name", "vet__first_name"
                ),
            ),
        )
        .get(pk=pk)
    )


def campaigns_visible_to(*, user: User) -> QuerySet[Campaign]:
    """The campaigns the user may see, newest first: the trainings list filters by them."""
    return campaign_selectors.campaign_list_for(user=user).order_by("-start_date", "name")


def campaign_for_filter(*, user: User, ref: str) -> Campaign | None:
    """The campaign the user may see whose slug, or else id, is ``ref``; None if none is."""
    visible = campaigns_visible_to(user=user)
    found = visible.filter(slug=ref).first()
    if found is None and ref.isdigit():
        found = visible.filter(pk=int(ref)).first()
    return found


@dataclass
class TrainingCampaigns:
    """What the customer-training form offers: the campaigns the user may log trainings
    for (newest first), the one to preselect, and the approved assets of each."""

    campaigns: list[Campaign]
    preselected: Campaign | None
    assets: list[AssetVersion]


def training_campaigns_for(*, user: User, current: Campaign | None = None) -> TrainingCampaigns:
    """The campaigns ``user`` may log customer trainings for, plus ``current`` (the
    campaign of a training being edited, which it may keep whatever its status now).

    Preselected: ``current``, else the only campaign, else the most recent live one.
    """
    campaigns = list(
        campaign_selectors.campaign_list_for(user=user)
        .filter(status__in=TRAINING_CAMPAIGN_STATUSES)
        .order_by("-start_date", "name")
    )
    if current is not None and current not in campaigns:
        campaigns.append(current)
    preselected = current
    if preselected is None and len(campaigns) == 1:
        preselected = campaigns[0]
    if preselected is None:
        preselected = next((c for c in campaigns if c.status == CampaignStatus.LIVE), None)
    assets = [
        version
        for campaign in campaigns
        for version in campaign_selectors.asset_versions_for_reps(campaign=campaign)
    ]
    return TrainingCampaigns(campaigns=campaigns, preselected=preselected, assets=assets)


def field_vets_for(*, clinic: Clinic | None = None) -> QuerySet[User]:
    """Active technical field vets who can co-deliver at the clinic: those of its region
    (one without a region works nowhere until given one)."""
    qs = User.objects.filter(is_active=True, groups__name=Role.FIELD_VET.value)
    if clinic is not None:
        qs = qs.filter(home_region_id=clinic.region_id)
    return qs.order_by("last_name", "first_name", "username")


def reps() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=Role.SALES_REP.value).order_by(
        "last_name", "first_name", "username"
    )


# ---------------------------------------------------------------- territory pages


def untrained_clinics_by_potential(
    *, territories: QuerySet[Territory], limit: int = 5
) -> list[Clinic]:
    """High-potential clinics in these territories whose vets have not been trained yet:
    the suggested next clinics to train, highest potential first, warmer stage first."""
    return list(
        Clinic.objects.filter(territory__in=territories, first_trained__isnull=True)
        .select_related("territory__rep")
        .annotate(stage_rank=_stage_rank())
        .order_by("-potential", F("stage_rank").desc(), "code")[:limit]
    )


def _clinic_counts(ids: Sequence[int], **more: Any) -> dict[int, dict[str, Any]]:
    """Per territory id: its clinics, trained clinics and ``more`` aggregates, one query."""
    return _counts(Clinic.objects.filter(territory_id__in=ids), more)


def _clinic_counts_in(territories: QuerySet[Territory], **more: Any) -> dict[int, dict[str, Any]]:
    """``_clinic_counts`` of every territory of a queryset (head office: 2,000), without
    sending their ids."""
    return _counts(Clinic.objects.filter(territory__in=territories.order_by().values("pk")), more)


def _counts(clinics: QuerySet[Clinic], more: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        agg["territory_id"]: dict(agg)
        for agg in clinics.values("territory_id")
        # COUNT(*) and COUNT(first_trained) (trained: it is set) read only columns of
        # the index clinic_territory_training; COUNT(id) would visit every row.
        .annotate(n=Count("*"), trained=Count("first_trained"), **more)
        .order_by()
    }


def _with_rep(territories: QuerySet[Territory]) -> QuerySet[Territory]:
    # The home pages show a territory and its rep: a manager's 500 territories with their
    # region and team too made 2,000 model instances.
    return (
        territories.select_related(None)
        .select_related("rep")
        .only("code", "name", "rep__username", "rep__first_name", "rep__last_name")
    )


TERRITORY_SORTS: dict[str, str] = {
    "code": "Territory",
    "attention": "Furthest behind on customer trainings first",
}


@dataclass(frozen=True)
class TerritoryFilters:
    """What the territory overview is narrowed to and how it is ranked."""

    search: str = ""
    sort: str = "code"


def territories_filtered(
    *, territories: QuerySet[Territory], filters: TerritoryFilters
) -> QuerySet[Territory]:
    """``territories`` whose code, name or rep's name contains the search text."""
    if not filters.search:
        return territories
    text = filters.search
    return territories.filter(
        Q(code__icontains=text)
        | Q(name__icontains=text)
        | Q(rep__first_name__icontains=text)
        | Q(rep__last_name__icontains=text)
        | Q(rep__username__icontains=text)
    )


def territory_ids_ranked(
    *, territories: QuerySet[Territory], sort: str = "code"
) -> Sequence[int] | QuerySet[Territory, int]:
    """The territories' ids in the order of ``sort``, to be paged before aggregating.

    By code: a query the paginator counts and slices. By attention: the lowest share of
    clinics with a trained vet first, then the most potential not yet trained; this needs
    the clinic counts of every territory, one aggregate (an index-only scan of
    ``clinic_territory_training``); territories without clinics come last.
    """
    if sort != "attention":
        return territories.order_by("code").values_list("pk", flat=True)
    codes = dict(territories.order_by().values_list("pk", "code"))
    counts = _clinic_counts_in(territories, open_potential=Sum("potential", filter=~_trained_q()))

    def attention(pk: int) -> tuple[bool, float, float, str]:
        agg = counts.get(pk)
        if not agg or not agg["n"]:
            return (True, 0.0, 0.0, codes[pk])
        return (False, agg["trained"] / agg["n"], -(agg["open_potential"] or 0.0), codes[pk])

    return sorted(codes, key=attention)


def territories_needing_attention(
    *, territories: QuerySet[Territory], limit: int = 10
) -> list[dict[str, object]]:
    """The ``limit`` territories furthest behind on customer trainings, each as
    ``{"territory", "clinics", "trained"}``: a home page's summary of a whole team."""
    ids = list(territory_ids_ranked(territories=territories, sort="attention")[:limit])
    by_pk = _with_rep(Territory.objects.filter(pk__in=ids)).in_bulk()
    counts = _clinic_counts(ids)
    return [
        {
            "territory": by_pk[pk],
            "clinics": counts.get(pk, {}).get("n", 0),
            "trained": counts.get(pk, {}).get("trained", 0),
        }
        for pk in ids
    ]


@dataclass
class TerritoryRow:
    """One territory on the overview: coverage, training and the ladder."""

    territory: Territory
    clinics: int = 0
    trained: int = 0
    potential: float = 0.0
    untrained_potential: float = 0.0
    vets: int = 0
    trained_vets: int = 0
    activities_recent: int = 0
    last_activity: dt.datetime | None = None
    trainings: int = 0
    stages: dict[str, int] | None = None

    @property
    def trained_share(self) -> float | None:
        return self.trained / self.clinics if self.clinics else None

    @property
    def stage_counts(self) -> list[tuple[str, int]]:
        stages = self.stages or {}
        return [(s.label, stages.get(s.value, 0)) for s in AdoptionStage]


def territory_overview(
    *, territories: QuerySet[Territory], recent_days: int = RECENT_DAYS
) -> list[TerritoryRow]:
    """Per territory, in a fixed number of queries whatever the number of territories."""
    return _overview(list(territories.select_related("region", "team", "rep")), recent_days)


def territory_overview_of(
    *, ids: Iterable[int], recent_days: int = RECENT_DAYS
) -> list[TerritoryRow]:
    """``territory_overview`` of these territories (a page of them), in this order: the
    aggregates read only their clinics, vets, activities and trainings."""
    order = list(ids)
    by_pk = Territory.objects.select_related("region", "team", "rep").in_bulk(order)
    return _overview([by_pk[pk] for pk in order if pk in by_pk], recent_days)


def _overview(terr: list[Territory], recent_days: int) -> list[TerritoryRow]:
    rows = {t.pk: TerritoryRow(territory=t, stages={}) for t in terr}
    ids = list(rows)
    by_stage = {f"stage_{s.value}": Count("id", filter=Q(stage=s.value)) for s in AdoptionStage}
    for pk, agg in _clinic_counts(
        ids,
        total_potential=Sum("potential"),
        open_potential=Sum("potential", filter=~_trained_q()),
        trained_vets=Sum("trained_vets"),
        **by_stage,
    ).items():
        row = rows[pk]
        row.clinics, row.trained = agg["n"], agg["trained"]
        row.potential = agg["total_potential"] or 0.0
        row.untrained_potential = agg["open_potential"] or 0.0
        row.trained_vets = agg["trained_vets"] or 0
        row.stages = {
            s.value: agg[f"stage_{s.value}"] for s in AdoptionStage if agg[f"stage_{s.value}"]
        }
    # COUNT(*), not COUNT(id): the vets and trainings are counted from their clinic
    # indexes alone where PostgreSQL's visibility map allows (15 ms instead of 55 ms for
    # a page's 6,500 vets once vacuumed).
    for vets in (
        Vet.objects.filter(clinic__territory_id__in=ids)
        .values("clinic__territory_id")
        .annotate(n=Count("*"))
        .order_by()
    ):
        rows[vets["clinic__territory_id"]].vets = vets["n"]
    since = timezone.now() - dt.timedelta(days=recent_days)
    for acts in (
        Activity.objects.filter(clinic__territory_id__in=ids)
        .values("clinic__territory_id")
        .annotate(
            recent=Count("occurred_at", filter=Q(occurred_at__gte=since)), last=Max("occurred_at")
        )
        .order_by()
    ):
        row = rows[acts["clinic__territory_id"]]
        row.activities_recent, row.last_activity = acts["recent"], acts["last"]
    for trainings in (
        CustomerTraining.objects.filter(clinic__territory_id__in=ids)
        .values("clinic__territory_id")
        .annotate(n=Count("*"))
        .order_by()
    ):
        rows[trainings["clinic__territory_id"]].trainings = trainings["n"]
    return [rows[t.pk] for t in terr]


def territory_targets(*, territory: Territory, sort: str = "potential") -> list[Clinic]:
    """The territory's clinics ranked for the rep, each with its training and last contact."""
    qs = Clinic.objects.filter(territory=territory).select_related("territory")
    return _attach_last_activity(list(_ordered(_with_work(qs), sort)))


def recent_activities(*, territories: QuerySet[Territory], limit: int = 15) -> list[Activity]:
    return list(
        Activity.objects.filter(clinic__territory__in=territories)
        .select_related("clinic", "rep")
        .order_by("-occurred_at", "-id")[:limit]
    )


def trainings_codelivered_by(*, user_id: int, limit: int = 10) -> list[CustomerTraining]:
    return list(
        CustomerTraining.objects.filter(field_vet_id=user_id)
        .select_related("clinic", "rep")
        .order_by("-date")[:limit]
    )


# ---------------------------------------------------------------- ladder for measurement


def ladder_distribution(*, clinics: QuerySet[Clinic] | None = None) -> dict[str, dict[str, int]]:
    """How many clinics and vets stand on each rung now: ``{"clinics": {...}, "vets": {...}}``."""
    clinics = clinics if clinics is not None else Clinic.objects.all()
    out: dict[str, dict[str, int]] = {
        "clinics": {s.value: 0 for s in AdoptionStage},
        "vets": {s.value: 0 for s in AdoptionStage},
    }
    for r in clinics.values("stage").annotate(n=Count("id")).order_by():
        out["clinics"][r["stage"]] = r["n"]
    for r in (
        Vet.objects.filter(clinic__in=clinics.values("pk"))
        .values("stage")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out["vets"][r["stage"]] = r["n"]
    return out


def ladder_reached(
    *,
    level: Literal["clinic", "vet"],
    stage: str,
    start: dt.datetime,
    end: dt.datetime,
) -> int:
    """How many clinics (or vets) were moved to ``stage`` or higher between start and end.

    This states a campaign objective as a ladder move, e.g. "40 clinics reach *trial*
    in the first quarter"; each clinic or vet counts once.
    """
    at_least = [s for s, rank in STAGE_RANK.items() if rank >= STAGE_RANK[stage]]
    qs = LadderMove.objects.filter(to_stage__in=at_least, moved_at__gte=start, moved_at__lt=end)
    if level == "vet":
        return qs.filter(vet__isnull=False).values("vet").distinct().count()
    return qs.filter(vet__isnull=True).values("clinic").distinct().count()


def crm_imports() -> QuerySet[CrmImport]:
    return CrmImport.objects.select_related("uploaded_by").defer("content")


# ---------------------------------------------------------------- the campaign in the field


@dataclass
class CampaignToolkit:
    """What a rep may bring into an activity: approved key messages and assets, and the
    campaign's objection register, read through the campaigns app."""

    campaign: Campaign
    messages: list[KeyMessage]
    assets: list[AssetVersion]
    objections: list[Objection]


def campaign_toolkit(*, user: User, campaign: Campaign | None = None) -> CampaignToolkit | None:
    """The toolkit of ``campaign`` (default: the current campaign), or None when there is
    no campaign the user may see."""
    if campaign is None:
        campaign = campaign_selectors.campaign_current()
    if campaign is None or not can_view_campaign(user=user, campaign=campaign):
        return None
    return CampaignToolkit(
        campaign=campaign,
        messages=[
            m
            for m in campaign_selectors.messages_for(campaign=campaign, user=user)
            if m.status == ApprovalStatus.APPROVED
        ],
        assets=campaign_selectors.asset_versions_for_reps(campaign=campaign),
        objections=campaign_selectors.objections_for(campaign=campaign, user=user),
    )


def clinic_codes() -> list[str]:
    """Every clinic identifier the company knows (the sales importer's reference)."""
    return list(Clinic.objects.values_list("code", flat=True))


def clinic_covariates() -> list[dict[str, object]]:
    """Per clinic: id, size, patient volume, segment, region and territory (for analyses)."""
    return [
        dict(row)
        for row in Clinic.objects.values(
            "code", "n_vets", "patient_volume", "segment", "region__code", "territory__code"
        )
    ]
