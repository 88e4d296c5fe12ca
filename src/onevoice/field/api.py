"""API endpoints of the field app (mounted at /api/field/); the same rules as the pages.

Every endpoint reaches its objects through ``field.permissions`` and writes through
``field.services``. Refusals: 403 with the permission's message, 400 with the rule
broken (naming file, row, column and value for imports), 404 for what does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Prefetch
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from onevoice.accounts.models import Region, Territory, User
from onevoice.accounts.permissions import access_territory
from onevoice.accounts.selectors import territories_for
from onevoice.campaigns.models import AssetVersion, Campaign, KeyMessage, Objection
from onevoice.campaigns.permissions import can_view_campaign
from onevoice.exports import not_stored
from onevoice.field import crm_import as crm
from onevoice.field import permissions as perms
from onevoice.field import selectors, services
from onevoice.field.choices import (
    ActivityKind,
    AdoptionStage,
    ImportKind,
    ImportStatus,
    Segment,
    TrainingFormat,
    VetRole,
)
from onevoice.field.models import (
    Activity,
    Clinic,
    CrmImport,
    CustomerTraining,
    TrainingAttendance,
    Vet,
)
from onevoice.field.permissions import signed_in
from onevoice.field.services import FieldRuleError

router = Router(tags=["field"])

MAX_LIMIT = 500
ERROR_NO_SUCH = "No {what} with id {pk}."
ERROR_NO_CODE = "No {what} with code {code!r}."
ERROR_CAMPAIGN_HIDDEN = "You cannot see campaign {pk}."
ERROR_HEAD_OFFICE_ONLY = "Treatment dates of every clinic are for head-office roles."
ERROR_NO_CAMPAIGN_REF = "No campaign with slug or id {ref!r}."


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn permission, rule and file errors into HTTP answers with their message."""
    try:
        yield
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "Not allowed.") from None
    except (FieldRuleError, crm.ImportFileError) as exc:
        raise HttpError(400, str(exc)) from None


def _one(model: type[Model], pk: int, what: str, **related: Any) -> Any:
    qs = model._default_manager.all()
    if related.get("select"):
        qs = qs.select_related(*related["select"])
    try:
        return qs.get(pk=pk)
    except ObjectDoesNotExist:
        raise HttpError(404, ERROR_NO_SUCH.format(what=what, pk=pk)) from None


def _many(model: type[Model], pks: list[int], what: str) -> list[Any]:
    found = model._default_manager.in_bulk(pks)
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise HttpError(400, ERROR_NO_SUCH.format(what=what, pk=missing[0]))
    return [found[pk] for pk in pks]


def _clinic(user: User, pk: int, *, change: bool = False) -> Clinic:
    clinic = _one(Clinic, pk, "clinic", select=("territory__team", "region"))
    with _refusals():
        return perms.access_clinic(user=user, clinic=clinic, change=change)


def _user(username: str | None, what: str) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise HttpError(400, f"No active {what} with username {username!r}.")
    return user


def _campaign(user: User, pk: int | None) -> Campaign | None:
    if pk is None:
        return None
    campaign: Campaign = _one(Campaign, pk, "campaign")
    if not can_view_campaign(user=user, campaign=campaign):
        raise HttpError(403, ERROR_CAMPAIGN_HIDDEN.format(pk=pk))
    return campaign


def _campaign_ref(user: User, ref: str) -> Campaign:
    """The campaign the user may see whose slug, or else id, is ``ref``; 404 otherwise
    (one answer for unknown and hidden, so a draft's slug cannot be probed)."""
    campaign = selectors.campaign_for_filter(user=user, ref=ref.strip())
    if campaign is None:
        raise HttpError(404, ERROR_NO_CAMPAIGN_REF.format(ref=ref))
    return campaign


def _reader(request: HttpRequest) -> User:
    """The signed-in user, if their role reads field work at all."""
    with _refusals():
        return perms.access_field(user=signed_in(request))


def _page(qs: Any, limit: int, offset: int) -> tuple[int, list[Any]]:
    limit = max(1, min(limit, MAX_LIMIT))
    count = qs.count()
    offset = max(0, offset)
    if offset >= count:
        # Past the end: nothing to read (an offset beyond 2^63 would not even fit the
        # database's integer).
        return count, []
    return count, list(qs[offset : offset + limit])


# ---------------------------------------------------------------- schemas


class ClinicOut(Schema):
    id: int
    code: str
    name: str
    address: str
    city: str
    region: str
    territory: str | None
    segment: str
    n_vets: int
    patient_volume: int
    potential: float
    stage: str


class ClinicRowOut(ClinicOut):
    first_trained: dt.date | None
    trained_vets: int
    last_activity_at: dt.datetime | None


class ClinicPage(Schema):
    count: int
    items: list[ClinicRowOut]


class ClinicIn(Schema):
    code: str = ""
    name: str
    region: str
    territory: str | None = None
    segment: Segment
    address: str = ""
    city: str = ""
    n_vets: int = 1
    patient_volume: int = 0
    potential: float = 0


class ClinicPatch(Schema):
    name: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    territory: str | None = None
    segment: Segment | None = None
    n_vets: int | None = None
    patient_volume: int | None = None
    potential: float | None = None


class VetOut(Schema):
    id: int
    code: str
    clinic: str
    first_name: str
    last_name: str
    role: str
    consent_to_contact: bool
    email: str
    phone: str
    stage: str
    erased: bool


class VetIn(Schema):
    code: str = ""
    first_name: str
    last_name: str
    role: VetRole = VetRole.ASSOCIATE
    consent_to_contact: bool = False
    email: str = ""
    phone: str = ""


class VetPatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    role: VetRole | None = None
    consent_to_contact: bool | None = None
    email: str | None = None
    phone: str | None = None


class ActivityOut(Schema):
    id: int
    kind: str
    clinic: str
    rep: str
    field_vet: str | None
    occurred_at: dt.datetime
    duration_minutes: int | None
    summary: str
    next_step: str
    vet_ids: list[int]
    campaign_id: int | None
    key_message_ids: list[int]
    asset_version_ids: list[int]
    objection_ids: list[int]


class ActivityPage(Schema):
    count: int
    items: list[ActivityOut]


class ActivityIn(Schema):
    clinic_id: int
    kind: ActivityKind
    occurred_at: dt.datetime
    vet_ids: list[int] = []
    field_vet: str | None = None
    duration_minutes: int | None = None
    summary: str = ""
    next_step: str = ""
    campaign_id: int | None = None
    key_message_ids: list[int] = []
    asset_version_ids: list[int] = []
    objection_ids: list[int] = []


class AttendeeIn(Schema):
    vet_id: int
    pre_score: float | None = None
    post_score: float | None = None


class AttendeeOut(AttendeeIn):
    vet_code: str


class TrainingOut(Schema):
    id: int
    code: str
    clinic: str
    campaign_id: int | None
    date: dt.date
    format: str
    rep: str
    field_vet: str | None
    topic: str
    materials: str
    notes: str
    attendees: list[AttendeeOut]
    asset_version_ids: list[int]


class TrainingPage(Schema):
    count: int
    items: list[TrainingOut]


class TrainingIn(Schema):
    clinic_id: int
    campaign_id: int
    date: dt.date
    format: TrainingFormat
    attendees: list[AttendeeIn]
    field_vet: str | None = None
    topic: str = ""
    materials: str = ""
    notes: str = ""
    asset_version_ids: list[int] = []


class LadderIn(Schema):
    to_stage: AdoptionStage
    note: str = ""


class LadderMoveOut(Schema):
    id: int
    clinic: str
    vet_id: int | None
    from_stage: str
    to_stage: str
    moved_by: str
    moved_at: dt.datetime
    note: str


class TerritoryRowOut(Schema):
    code: str
    name: str
    rep: str | None
    clinics: int
    trained: int
    vets: int
    trained_vets: int
    potential: float
    untrained_potential: float
    activities_recent: int
    last_activity: dt.datetime | None
    stages: dict[str, int]


class TargetsOut(Schema):
    territory: str
    targets: list[ClinicRowOut]
    suggested: list[ClinicOut]


class ProblemOut(Schema):
    file: str
    row: int | str
    column: str
    value: str
    reason: str


class ImportOut(Schema):
    id: int
    kind: str
    file_name: str
    status: str
    headers: list[str]
    mapping: dict[str, str]
    counts: dict[str, int]
    problems: list[ProblemOut]
    mapping_error: str | None


class MappingIn(Schema):
    mapping: dict[str, str]


# ---------------------------------------------------------------- converters


def _clinic_out(c: Clinic) -> dict[str, Any]:
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "address": c.address,
        "city": c.city,
        "region": c.region.code,
        "territory": c.territory.code if c.territory else None,
        "segment": c.segment,
        "n_vets": c.n_vets,
        "patient_volume": c.patient_volume,
        "potential": c.potential,
        "stage": c.stage,
        "first_trained": getattr(c, "first_trained", None),
        "trained_vets": getattr(c, "trained_vets", 0),
        "last_activity_at": getattr(c, "last_activity_at", None),
    }


def _vet_out(v: Vet) -> dict[str, Any]:
    return {
        "id": v.pk,
        "code": v.code,
        "clinic": v.clinic.code,
        "first_name": v.first_name,
        "last_name": v.last_name,
        "role": v.role,
        "consent_to_contact": v.consent_to_contact,
        "email": v.email,
        "phone": v.phone,
        "stage": v.stage,
        "erased": v.erased_at is not None,
    }


def _activity_out(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "clinic": a.clinic.code,
        "rep": a.rep.username,
        "field_vet": a.field_vet.username if a.field_vet else None,
        "occurred_at": a.occurred_at,
        "duration_minutes": a.duration_minutes,
        "summary": a.summary,
        "next_step": a.next_step,
        "vet_ids": [v.pk for v in a.vets.all()],
        "campaign_id": a.campaign_id,
        "key_message_ids": [m.pk for m in a.key_messages.all()],
        "asset_version_ids": [v.pk for v in a.asset_versions.all()],
        "objection_ids": [o.pk for o in a.objections.all()],
    }


def _training_out(t: CustomerTraining) -> dict[str, Any]:
    return {
        "id": t.pk,
        "code": t.code,
        "clinic": t.clinic.code,
        "campaign_id": t.campaign_id,
        "date": t.date,
        "format": t.format,
        "rep": t.rep.username,
        "field_vet": t.field_vet.username if t.field_vet else None,
        "topic": t.topic,
        "materials": t.materials,
        "notes": t.notes,
        "attendees": [
            {
                "vet_id": a.vet_id,
                "vet_code": a.vet.code,
                "pre_score": a.pre_score,
                "post_score": a.post_score,
            }
            for a in t.trainingattendance_set.all()
        ],
        "asset_version_ids": [v.pk for v in t.asset_versions.all()],
    }


def _move_out(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "clinic": m.clinic.code,
        "vet_id": m.vet_id,
        "from_stage": m.from_stage,
        "to_stage": m.to_stage,
        "moved_by": m.moved_by.username,
        "moved_at": m.moved_at,
        "note": m.note,
    }


def _territory_code(code: str | None) -> Territory | None:
    if not code:
        return None
    territory = Territory.objects.select_related("region").filter(code=code).first()
    if territory is None:
        raise HttpError(400, ERROR_NO_CODE.format(what="territory", code=code))
    return territory


def _region_code(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise HttpError(400, ERROR_NO_CODE.format(what="region", code=code))
    return region


# ---------------------------------------------------------------- clinics and vets


@router.get("/clinics", response=ClinicPage, url_name="field_clinic_list")
def clinic_list(
    request: HttpRequest,
    q: str = "",
    territory: str = "",
    stage: str = "",
    trained: bool | None = None,
    sort: str = "potential",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Clinics you may see, ranked (``sort``: potential, stage, last_done, name)."""
    user = _reader(request)
    filters = selectors.ClinicFilters(
        search=q.strip(),
        territory=territories_for(user=user).filter(code=territory).first() if territory else None,
        stage=stage if stage in AdoptionStage else "",
        trained=trained,
        sort=sort if sort in selectors.CLINIC_SORTS else "potential",
    )
    if territory and filters.territory is None:
        raise HttpError(404, ERROR_NO_CODE.format(what="territory of yours", code=territory))
    count, items = _page(selectors.clinic_list(user=user, filters=filters), limit, offset)
    return {"count": count, "items": [_clinic_out(c) for c in items]}


@router.post("/clinics", response={201: ClinicOut}, url_name="field_clinic_create")
def clinic_create(request: HttpRequest, payload: ClinicIn) -> Any:
    user = signed_in(request)
    territory = _territory_code(payload.territory)
    if not perms.can_add_clinic(user=user, territory=territory):
        raise HttpError(403, perms.ERROR_CLINIC_CHANGE_DENIED)
    with _refusals():
        clinic = services.clinic_create(
            by=user,
            code=payload.code,
            name=payload.name,
            region=_region_code(payload.region),
            territory=territory,
            segment=payload.segment,
            address=payload.address,
            city=payload.city,
            n_vets=payload.n_vets,
            patient_volume=payload.patient_volume,
            potential=payload.potential,
        )
    return Status(201, _clinic_out(clinic))


@router.get("/clinics/{clinic_id}", response=ClinicOut, url_name="field_clinic")
def clinic_detail(request: HttpRequest, clinic_id: int) -> dict[str, Any]:
    return _clinic_out(_clinic(signed_in(request), clinic_id))


@router.patch("/clinics/{clinic_id}", response=ClinicOut, url_name="field_clinic_update")
def clinic_update(request: HttpRequest, clinic_id: int, payload: ClinicPatch) -> dict[str, Any]:
    """Change a clinic's master data (a rep, an administrator); moving it to another
    territory is the team's sales manager's or an administrator's."""
    user = signed_in(request)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    clinic = _clinic(user, clinic_id, change=bool(set(changes) - {"territory"}))
    if "region" in changes:
        changes["region"] = _region_code(changes["region"])
    if "territory" in changes:
        changes["territory"] = _territory_code(changes["territory"])
        if changes["territory"] != clinic.territory:
            with _refusals():
                perms.access_clinic_move(user=user, clinic=clinic, territory=changes["territory"])
    with _refusals():
        clinic = services.clinic_update(clinic=clinic, by=user, changes=changes)
    return _clinic_out(clinic)


@router.get("/clinics/{clinic_id}/vets", response=list[VetOut], url_name="field_clinic_vets")
def clinic_vets(request: HttpRequest, clinic_id: int) -> list[dict[str, Any]]:
    clinic = _clinic(signed_in(request), clinic_id)
    return [_vet_out(v) for v in selectors.vets_of(clinic=clinic)]


@router.post("/clinics/{clinic_id}/vets", response={201: VetOut}, url_name="field_vet_create")
def vet_create(request: HttpRequest, clinic_id: int, payload: VetIn) -> Any:
    user = signed_in(request)
    clinic = _clinic(user, clinic_id)
    with _refusals():
        perms.access_new_vet(user=user, clinic=clinic)
        vet = services.vet_create(by=user, clinic=clinic, **payload.dict())
    return Status(201, _vet_out(vet))


def _vet(user: User, pk: int, **kwargs: bool) -> Vet:
    vet = _one(Vet, pk, "vet", select=("clinic__territory__team",))
    with _refusals():
        return perms.access_vet(user=user, vet=vet, **kwargs)


@router.get("/vets/{vet_id}", response=VetOut, url_name="field_vet")
def vet_detail(request: HttpRequest, vet_id: int) -> dict[str, Any]:
    return _vet_out(_vet(signed_in(request), vet_id))


@router.patch("/vets/{vet_id}", response=VetOut, url_name="field_vet_update")
def vet_update(request: HttpRequest, vet_id: int, payload: VetPatch) -> dict[str, Any]:
    user = signed_in(request)
    vet = _vet(user, vet_id, change=True)
    with _refusals():
        vet = services.vet_update(vet=vet, by=user, changes=payload.dict(exclude_unset=True))
    return _vet_out(vet)


@router.get("/vets/{vet_id}/personal-data", response=dict, url_name="field_vet_export")
def vet_export(request: HttpRequest, vet_id: int, response: HttpResponse) -> dict[str, Any]:
    """Everything held about a vet as a person, for a data-subject access request."""
    vet = _vet(signed_in(request), vet_id, erase=True)
    not_stored(response)
    return services.vet_personal_data(vet=vet)


@router.post("/vets/{vet_id}/erase", response=VetOut, url_name="field_vet_erase")
def vet_erase(request: HttpRequest, vet_id: int) -> dict[str, Any]:
    """Erase a vet's personal data; their trainings and stages stay as anonymous counts."""
    user = signed_in(request)
    vet = _vet(user, vet_id, erase=True)
    with _refusals():
        return _vet_out(services.vet_erase(vet=vet, by=user))


# ---------------------------------------------------------------- the adoption ladder


@router.get(
    "/clinics/{clinic_id}/ladder", response=list[LadderMoveOut], url_name="field_clinic_ladder"
)
def clinic_ladder(request: HttpRequest, clinic_id: int) -> list[dict[str, Any]]:
    """The clinic's ladder history and its vets', newest first."""
    clinic = _clinic(signed_in(request), clinic_id)
    return [_move_out(m) for m in selectors.ladder_history(clinic=clinic)]


@router.post(
    "/clinics/{clinic_id}/ladder", response={201: LadderMoveOut}, url_name="field_clinic_move"
)
def clinic_move(request: HttpRequest, clinic_id: int, payload: LadderIn) -> Any:
    user = signed_in(request)
    clinic = _clinic(user, clinic_id)
    with _refusals():
        perms.access_ladder(user=user, clinic=clinic)
        move = services.ladder_move(
            by=user, clinic=clinic, to_stage=payload.to_stage, note=payload.note
        )
    return Status(201, _move_out(move))


@router.post("/vets/{vet_id}/ladder", response={201: LadderMoveOut}, url_name="field_vet_move")
def vet_move(request: HttpRequest, vet_id: int, payload: LadderIn) -> Any:
    user = signed_in(request)
    vet = _vet(user, vet_id)
    with _refusals():
        perms.access_ladder(user=user, clinic=vet.clinic)
        move = services.ladder_move(by=user, vet=vet, to_stage=payload.to_stage, note=payload.note)
    return Status(201, _move_out(move))


# ---------------------------------------------------------------- activities


def _activity_qs() -> Any:
    return Activity.objects.select_related("clinic", "rep", "field_vet").prefetch_related(
        "vets", "key_messages", "asset_versions", "objections"
    )


@router.get("/activities", response=ActivityPage, url_name="field_activity_list")
def activity_list(
    request: HttpRequest,
    clinic_id: int | None = None,
    kind: str = "",
    since: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    user = _reader(request)
    filters = selectors.ActivityFilters(
        clinic=_clinic(user, clinic_id) if clinic_id else None,
        kind=kind if kind in ActivityKind else "",
        since=since,
    )
    qs = selectors.activity_list(user=user, filters=filters).prefetch_related(
        "key_messages", "asset_versions", "objections"
    )
    count, items = _page(qs, limit, offset)
    return {"count": count, "items": [_activity_out(a) for a in items]}


@router.post("/activities", response={201: ActivityOut}, url_name="field_activity_create")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    """Log a visit, call, e-mail or webinar; objections heard add to the campaign register."""
    user = signed_in(request)
    clinic = _clinic(user, payload.clinic_id)
    with _refusals():
        perms.access_new_activity(user=user, clinic=clinic)
        vets = perms.access_attendees(user=user, vets=_many(Vet, payload.vet_ids, "vet"))
        activity = services.activity_log(
            by=user,
            clinic=clinic,
            kind=payload.kind,
            occurred_at=payload.occurred_at,
            vets=vets,
            field_vet=_user(payload.field_vet, "technical field vet"),
            duration_minutes=payload.duration_minutes,
            summary=payload.summary,
            next_step=payload.next_step,
            campaign=_campaign(user, payload.campaign_id),
            key_messages=_many(KeyMessage, payload.key_message_ids, "key message"),
            asset_versions=_many(AssetVersion, payload.asset_version_ids, "asset version"),
            objections=_many(Objection, payload.objection_ids, "objection"),
        )
    return Status(201, _activity_out(_activity_qs().get(pk=activity.pk)))


@router.get("/activities/{activity_id}", response=ActivityOut, url_name="field_activity")
def activity_detail(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    activity = _one(Activity, activity_id, "activity", select=("clinic__territory__team",))
    with _refusals():
        perms.access_activity(user=signed_in(request), activity=activity)
    return _activity_out(_activity_qs().get(pk=activity_id))


# ---------------------------------------------------------------- customer trainings


def _attendances() -> Prefetch:
    """A training's attendances with their vets, joined in one query. Prefetching the
    vets on their own (``trainingattendance_set__vet``) asks for them by id, and Django
    writes more than 999 ids on SQLite as one ``OR`` per id: a page of 500 trainings
    with their attendees was a 500 ("Expression tree is too large", issue 17)."""
    return Prefetch(
        "trainingattendance_set", queryset=TrainingAttendance.objects.select_related("vet")
    )


def _training_qs() -> Any:
    return CustomerTraining.objects.select_related("clinic", "rep", "field_vet").prefetch_related(
        _attendances(), "asset_versions"
    )


def _training(user: User, pk: int, *, change: bool = False) -> CustomerTraining:
    training = _one(CustomerTraining, pk, "customer training", select=("clinic__territory__team",))
    with _refusals():
        return perms.access_training(user=user, training=training, change=change)


@router.get("/trainings", response=TrainingPage, url_name="field_training_list")
def training_list(
    request: HttpRequest,
    clinic_id: int | None = None,
    format: str = "",
    since: dt.date | None = None,
    campaign: str = "",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """Customer trainings at the clinics you may see; ``campaign`` (slug or id) narrows
    them to one campaign's."""
    user = _reader(request)
    filters = selectors.TrainingFilters(
        clinic=_clinic(user, clinic_id) if clinic_id else None,
        format=format if format in TrainingFormat else "",
        since=since,
        campaign=_campaign_ref(user, campaign) if campaign else None,
    )
    qs = selectors.training_list(user=user, filters=filters).prefetch_related(
        _attendances(), "asset_versions"
    )
    count, items = _page(qs, limit, offset)
    return {"count": count, "items": [_training_out(t) for t in items]}


@router.post("/trainings", response={201: TrainingOut}, url_name="field_training_create")
def training_create(request: HttpRequest, payload: TrainingIn) -> Any:
    """Log a customer training by you (a rep) for a campaign, with or without a technical
    field vet. The campaign must be ready, live or closed and its window hold the date."""
    user = signed_in(request)
    clinic = _clinic(user, payload.clinic_id)
    with _refusals():
        perms.access_new_training(user=user, clinic=clinic)
        # Which campaigns a training may name is the service's rule; an unknown id gets
        # its answer too (400), so ids of campaigns the rep may not see cannot be probed.
        campaign = Campaign.objects.filter(pk=payload.campaign_id).first()
        if campaign is None:
            raise FieldRuleError(services.ERROR_TRAINING_CAMPAIGN_REFUSED, field="campaign")
        attendees = perms.access_attendees(
            user=user, vets=_many(Vet, [a.vet_id for a in payload.attendees], "vet")
        )
        training = services.training_log(
            by=user,
            rep=user,
            clinic=clinic,
            date=payload.date,
            format=payload.format,
            attendees=attendees,
            field_vet=_user(payload.field_vet, "technical field vet"),
            topic=payload.topic,
            materials=payload.materials,
            notes=payload.notes,
            scores={a.vet_id: (a.pre_score, a.post_score) for a in payload.attendees},
            asset_versions=_many(AssetVersion, payload.asset_version_ids, "asset version"),
            campaign=campaign,
        )
    return Status(201, _training_out(_training_qs().get(pk=training.pk)))


@router.get("/trainings/{training_id}", response=TrainingOut, url_name="field_training")
def training_detail(request: HttpRequest, training_id: int) -> dict[str, Any]:
    _training(signed_in(request), training_id)
    return _training_out(_training_qs().get(pk=training_id))


@router.put(
    "/trainings/{training_id}/scores", response=TrainingOut, url_name="field_training_scores"
)
def training_scores(
    request: HttpRequest, training_id: int, payload: list[AttendeeIn]
) -> dict[str, Any]:
    """Record attendees' pre- and post-test scores (0 to 100)."""
    user = signed_in(request)
    training = _training(user, training_id, change=True)
    with _refusals():
        services.training_scores_set(
            training=training,
            by=user,
            scores={a.vet_id: (a.pre_score, a.post_score) for a in payload},
        )
    return _training_out(_training_qs().get(pk=training_id))


# ---------------------------------------------------------------- territories


def _territory_out(r: selectors.TerritoryRow) -> dict[str, Any]:
    t = r.territory
    return {
        "code": t.code,
        "name": t.name,
        "rep": t.rep.username if t.rep else None,
        "clinics": r.clinics,
        "trained": r.trained,
        "vets": r.vets,
        "trained_vets": r.trained_vets,
        "potential": r.potential,
        "untrained_potential": r.untrained_potential,
        "activities_recent": r.activities_recent,
        "last_activity": r.last_activity,
        "stages": r.stages or {},
    }


@router.get("/territories", response=list[TerritoryRowOut], url_name="field_territory_list")
def territory_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Your territories (a rep), your team's (a manager), or all (head office)."""
    territories = territories_for(user=_reader(request))
    return [_territory_out(r) for r in selectors.territory_overview(territories=territories)]


@router.get("/territories/{code}/targets", response=TargetsOut, url_name="field_territory_targets")
def territory_targets(request: HttpRequest, code: str, sort: str = "potential") -> dict[str, Any]:
    """Target clinics ranked, and the suggested next clinics to train."""
    user = signed_in(request)
    territory = Territory.objects.select_related("team").filter(code=code).first()
    if territory is None:
        raise HttpError(404, ERROR_NO_CODE.format(what="territory", code=code))
    with _refusals():
        access_territory(user=user, territory=territory)
    single = Territory.objects.filter(pk=territory.pk)
    return {
        "territory": territory.code,
        "targets": [
            _clinic_out(c)
            for c in selectors.territory_targets(
                territory=territory, sort=sort if sort in selectors.CLINIC_SORTS else "potential"
            )
        ],
        "suggested": [
            _clinic_out(c)
            for c in selectors.untrained_clinics_by_potential(territories=single, limit=10)
        ],
    }


@router.get("/treatment-dates", response=dict[str, dt.date], url_name="field_treatment_dates")
def treatment_dates(request: HttpRequest, campaign: str = "") -> dict[str, dt.date]:
    """Each trained clinic's treatment date (its first training, hosted or attended), by
    clinic code. With ``campaign`` (slug or id), only that campaign's trainings count:
    the treatment dates of its uplift."""
    user = signed_in(request)
    if not perms.can_view_all_clinics(user=user):
        raise HttpError(403, ERROR_HEAD_OFFICE_ONLY)
    if campaign:
        return selectors.clinic_treatment_dates(campaign_id=_campaign_ref(user, campaign).pk)
    return selectors.clinic_treatment_dates()


# ---------------------------------------------------------------- CRM imports


def _import_out(crm_import: CrmImport) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": crm_import.pk,
        "kind": crm_import.kind,
        "file_name": crm_import.file_name,
        "status": crm_import.status,
        "headers": [],
        "mapping": crm_import.mapping,
        "counts": crm_import.counts,
        "problems": crm_import.report,
        "mapping_error": None,
    }
    if crm_import.status == ImportStatus.COMMITTED:
        return out
    with _refusals():
        table = services.crm_import_table(crm_import=crm_import)
    out["headers"] = table.headers
    try:
        plan = crm.import_plan(
            kind=ImportKind(crm_import.kind), table=table, mapping=crm_import.mapping
        )
    except crm.ImportFileError as exc:
        out["mapping_error"] = str(exc)
    else:
        out["counts"] = plan.counts
        out["problems"] = [p.as_dict() for p in plan.problems]
    return out


def _import(user: User, pk: int) -> CrmImport:
    with _refusals():
        perms.access_crm_import(user=user)
    crm_import: CrmImport = _one(CrmImport, pk, "import")
    return crm_import


@router.post("/imports", response={201: ImportOut}, url_name="field_import_create")
def import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[ImportKind],
    sheet: Form[str] = "",
) -> Any:
    """Upload a CRM export (CSV or .xlsx): returns the guessed mapping and the preview."""
    user = signed_in(request)
    with _refusals():
        perms.access_crm_import(user=user)
        crm_import = services.crm_import_start(
            by=user,
            kind=kind,
            file_name=file.name or "upload",
            content=file.read(),
            sheet=sheet,
        )
    return Status(201, _import_out(crm_import))


@router.get("/imports/{import_id}", response=ImportOut, url_name="field_import")
def import_detail(request: HttpRequest, import_id: int) -> dict[str, Any]:
    """The preview (or, once imported, the report): counts and every refused row."""
    return _import_out(_import(signed_in(request), import_id))


@router.put("/imports/{import_id}/mapping", response=ImportOut, url_name="field_import_mapping")
def import_mapping(request: HttpRequest, import_id: int, payload: MappingIn) -> dict[str, Any]:
    user = signed_in(request)
    crm_import = _import(user, import_id)
    with _refusals():
        services.crm_import_set_mapping(crm_import=crm_import, by=user, mapping=payload.mapping)
    return _import_out(crm_import)


@router.post("/imports/{import_id}/commit", response=ImportOut, url_name="field_import_commit")
def import_commit(request: HttpRequest, import_id: int) -> dict[str, Any]:
    """Import the accepted rows, all or none; the refused rows stay in the report."""
    user = signed_in(request)
    crm_import = _import(user, import_id)
    with _refusals():
        services.crm_import_commit(crm_import=crm_import, by=user)
    return _import_out(crm_import)
