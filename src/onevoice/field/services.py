"""Writes for the field: master data, CRM imports, activities, customer trainings and the
adoption ladder. Every change runs in a transaction and writes an audit row.

Services enforce the rules of the data (dates, who attends, scores); *who* may call
them is decided by ``field.permissions``, which views and endpoints consult first.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Region, Territory, User
from onevoice.accounts.permissions import role_of
from onevoice.accounts.services import audit_record
from onevoice.campaigns import selectors as campaign_selectors
from onevoice.campaigns import services as campaign_services
from onevoice.campaigns.choices import ApprovalStatus
from onevoice.campaigns.models import AssetVersion, Campaign, KeyMessage, Objection
from onevoice.campaigns.permissions import (
    can_view_asset_version,
    can_view_campaign,
    can_view_message,
    can_view_objection,
)
from onevoice.field import contacted, trained
from onevoice.field import crm_import as crm
from onevoice.field.choices import (
    TRAINING_CAMPAIGN_STATUSES,
    ActivityKind,
    AdoptionStage,
    ImportKind,
    ImportStatus,
    RowAction,
    Segment,
    TrainingFormat,
    VetRole,
)
from onevoice.field.models import (
    Activity,
    Clinic,
    CrmImport,
    CustomerTraining,
    LadderMove,
    TrainingAttendance,
    Vet,
)
from onevoice.field.permissions import can_view_clinic, can_view_vet

BULK_BATCH = 2000


@dataclass(frozen=True)
class ClinicRow:
    code: str
    name: str
    address: str
    city: str
    region_code: str
    territory_code: str | None
    segment: str
    n_vets: int
    patient_volume: int
    potential: float


@dataclass(frozen=True)
class VetRow:
    code: str
    clinic_code: str
    first_name: str
    last_name: str
    role: str
    consent_to_contact: bool


@dataclass(frozen=True)
class TrainingRow:
    code: str
    clinic_code: str
    date: dt.date
    format: str
    rep_username: str
    field_vet_username: str | None
    attendees: Sequence[tuple[str, float | None, float | None]]  # vet code, pre, post
    campaign_slug: str


@dataclass(frozen=True)
class ActivityRow:
    code: str
    clinic_code: str
    kind: str
    occurred_at: dt.datetime
    rep_username: str
    vet_codes: Sequence[str] = ()
    field_vet_username: str | None = None
    summary: str = ""


def _analyze(*models: Any) -> None:
    """Refresh PostgreSQL's planner statistics of tables a bulk load just filled.

    Planned without them (autovacuum gets to it a minute later, or never where it is
    off), joins of vets, attendance and activities sequentially scan whole tables per
    clinic shown. PostgreSQL's guide to populating a database says to run ANALYZE.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def clinics_bulk_load(*, rows: Iterable[ClinicRow]) -> int:
    """Create clinics that do not exist yet (by code); return how many were created."""
    regions = {r.code: r for r in Region.objects.all()}
    territories = {t.code: t for t in Territory.objects.all()}
    existing = set(Clinic.objects.values_list("code", flat=True))
    new = [
        Clinic(
            code=r.code,
            name=r.name,
            address=r.address,
            city=r.city,
            region=regions[r.region_code],
            territory=territories.get(r.territory_code) if r.territory_code else None,
            segment=r.segment,
            n_vets=r.n_vets,
            patient_volume=r.patient_volume,
            potential=r.potential,
        )
        for r in rows
        if r.code not in existing
    ]
    Clinic.objects.bulk_create(new, batch_size=BULK_BATCH)
    _analyze(Clinic)
    return len(new)


@transaction.atomic
def vets_bulk_load(*, rows: Iterable[VetRow]) -> int:
    """Create vets that do not exist yet (by code); return how many were created."""
    clinic_ids = dict(Clinic.objects.values_list("code", "id"))
    existing = set(Vet.objects.values_list("code", flat=True))
    new = [
        Vet(
            code=r.code,
            clinic_id=clinic_ids[r.clinic_code],
            first_name=r.first_name,
            last_name=r.last_name,
            role=r.role,
            consent_to_contact=r.consent_to_contact,
        )
        for r in rows
        if r.code not in existing
    ]
    Vet.objects.bulk_create(new, batch_size=BULK_BATCH)
    _analyze(Vet)
    return len(new)


@transaction.atomic
def trainings_bulk_load(*, rows: Iterable[TrainingRow]) -> int:
    """Create customer trainings (and attendance) not stored yet; return how many."""
    clinic_ids = dict(Clinic.objects.values_list("code", "id"))
    vet_ids, vet_clinics = {}, {}
    for code, pk, clinic_id in Vet.objects.values_list("code", "id", "clinic_id"):
        vet_ids[code], vet_clinics[code] = pk, clinic_id
    user_ids = dict(User.objects.values_list("username", "id"))
    campaign_ids = dict(Campaign.objects.values_list("slug", "id"))
    existing = set(CustomerTraining.objects.values_list("code", flat=True))
    rows = [r for r in rows if r.code not in existing]
    trainings = CustomerTraining.objects.bulk_create(
        [
            CustomerTraining(
                code=r.code,
                clinic_id=clinic_ids[r.clinic_code],
                campaign_id=campaign_ids[r.campaign_slug],
                date=r.date,
                format=r.format,
                rep_id=user_ids[r.rep_username],
                field_vet_id=user_ids[r.field_vet_username] if r.field_vet_username else None,
            )
            for r in rows
        ],
        batch_size=BULK_BATCH,
    )
    if trainings and trainings[0].pk is None:
        # Backends that do not return primary keys from bulk_create (none we support
        # today) would need a re-read; fail loudly rather than attach to nothing.
        raise RuntimeError("bulk_create did not return primary keys")
    TrainingAttendance.objects.bulk_create(
        [
            TrainingAttendance(
                training_id=t.pk, vet_id=vet_ids[vet], pre_score=pre, post_score=post
            )
            for t, r in zip(trainings, rows, strict=True)
            for vet, pre, post in r.attendees
        ],
        batch_size=BULK_BATCH,
    )
    if trainings:
        trained.clinics_refresh(
            clinic_ids=[
                *(t.clinic_id for t in trainings),
                *(vet_clinics[vet] for r in rows for vet, _, _ in r.attendees),
            ]
        )
    _analyze(CustomerTraining, TrainingAttendance, Clinic)
    return len(trainings)


ERROR_CODE_TAKEN = "A clinic with code {code!r} already exists: {clinic}."
ERROR_VET_CODE_TAKEN = "A vet with code {code!r} already exists: {vet}."
# Errors never name an object the requester may not see: these say only that it exists.
ERROR_CODE_TAKEN_ELSEWHERE = "A clinic with code {code!r} already exists in another territory."
ERROR_VET_CODE_TAKEN_ELSEWHERE = "A vet with code {code!r} already exists in another territory."
OTHER_CLINIC = "a clinic in another territory"
ERROR_UNKNOWN_FIELD = "{field!r} cannot be changed here; changeable: {allowed}."
ERROR_CHOICE = "{field}: {value!r} is not one of {allowed}."
ERROR_NEGATIVE = "{field} must not be negative, not {value}."
ERROR_REQUIRED = "{field} cannot be emptied (null): it is required."
ERROR_TERRITORY_REGION = "Territory {territory} is in region {actual}, not {expected}."
ERROR_NAIVE_DATETIME = "{field} must carry a time zone."
ERROR_IN_FUTURE = "{what} on {when} is in the future; log what has happened."
ERROR_NOT_FIELD_VET = "{user} is not a technical field vet."
ERROR_NOT_REP = "{user} is not a sales rep."
ERROR_VET_OTHER_CLINIC = "{vet} works at {clinic}, not at {expected}."
ERROR_ATTENDEE_OTHER_CLINIC = (
    "{vet} works at {clinic}; vets of other clinics attend webinars and "
    "continuing-education events only, not an in-clinic training."
)
ERROR_NO_ATTENDEES = "A customer training needs at least one attending vet."
ERROR_VET_ERASED = "{vet}: this vet's personal data was erased; they cannot be added."
ERROR_SCORE_RANGE = "{vet}: {which} score {value} must be between 0 and 100."
ERROR_SCORE_NOT_ATTENDEE = "{vet} did not attend this training."
ERROR_LADDER_SAME_STAGE = "{subject} is already at stage {stage}."
ERROR_LADDER_NOTHING = "Say which clinic or vet moves on the adoption ladder."
ERROR_IMPORT_COMMITTED = (
    "This import was already done on {at:%Y-%m-%d %H:%M}; upload the file again."
)
ERROR_LINKS_WITHOUT_CAMPAIGN = (
    "Say which campaign the key messages, assets and objections of this activity belong to."
)
ERROR_MESSAGE_NOT_APPROVED = "Key message {message} is not an approved message of {campaign}."
ERROR_ASSET_NOT_USABLE = "{version} is not an approved, unexpired asset of {campaign}."
ERROR_OBJECTION_OTHER_CAMPAIGN = "Objection {objection} is not in the register of {campaign}."
ERROR_ALREADY_ERASED = "{vet}: personal data already erased on {at:%Y-%m-%d}."
ERROR_TRAINING_NO_CAMPAIGN = "Say which campaign this customer training was given for."
# Never names the campaign: it may be a draft the rep must not learn of.
ERROR_TRAINING_CAMPAIGN_REFUSED = (
    "That is not a campaign you can log trainings for: choose a ready, live or closed campaign."
)
ERROR_TRAINING_OUTSIDE_CAMPAIGN = (
    "The training on {date} is outside the window of {campaign}, {start} to {end}."
)
ERROR_ASSET_OTHER_CAMPAIGN = "{version} is not an asset of {campaign}, this training's campaign."

# Clock skew allowed between a rep's device and the server for "now".
FUTURE_TOLERANCE = dt.timedelta(minutes=10)

CLINIC_CHANGEABLE = (
    "name",
    "address",
    "city",
    "region",
    "territory",
    "segment",
    "n_vets",
    "patient_volume",
    "potential",
)
VET_CHANGEABLE = ("first_name", "last_name", "role", "consent_to_contact", "email", "phone")
ACTIVITY_CHANGEABLE = (
    "kind",
    "occurred_at",
    "field_vet",
    "duration_minutes",
    "summary",
    "next_step",
    "campaign",
)
TRAINING_CHANGEABLE = ("date", "format", "field_vet", "topic", "materials", "notes", "campaign")


class FieldRuleError(ValueError):
    """A field-work change breaks a rule of the data; the message says which, to the user.

    ``field`` names the input the rule is about, when one is, so a form shows the
    message beside it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """JSON-able values of ``fields`` (foreign keys by id), for audit rows."""
    out: dict[str, Any] = {}
    for name in fields:
        f = obj._meta.get_field(name)
        value = getattr(obj, f.attname)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        out[f.attname] = value
    return out


def _check_choice(field: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        raise FieldRuleError(
            ERROR_CHOICE.format(field=field, value=value, allowed=", ".join(choices.values))
        )


def _check_required(model: type[Any], changes: Mapping[str, Any]) -> None:
    """Refuse a null for a field the table requires, before the database does (a 500)."""
    for name, value in changes.items():
        if value is None and not model._meta.get_field(name).null:
            raise FieldRuleError(ERROR_REQUIRED.format(field=name))


def _check_clinic_values(values: Mapping[str, Any]) -> None:
    if "segment" in values:
        _check_choice("segment", values["segment"], Segment)
    for name in ("n_vets", "patient_volume", "potential"):
        if name in values and values[name] is not None and values[name] < 0:
            raise FieldRuleError(ERROR_NEGATIVE.format(field=name, value=values[name]))
    region, territory = values.get("region"), values.get("territory")
    if region is not None and territory is not None and territory.region_id != region.pk:
        raise FieldRuleError(
            ERROR_TERRITORY_REGION.format(
                territory=territory.code, actual=territory.region, expected=region
            )
        )


def _new_code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


@transaction.atomic
def clinic_create(
    *,
    by: User | None,
    name: str,
    region: Region,
    segment: str,
    code: str = "",
    address: str = "",
    city: str = "",
    territory: Territory | None = None,
    n_vets: int = 1,
    patient_volume: int = 0,
    potential: float = 0,
) -> Clinic:
    """Create a clinic; without a code (a clinic the CRM does not know yet) one is made up."""
    values = {
        "name": name,
        "address": address,
        "city": city,
        "region": region,
        "territory": territory,
        "segment": segment,
        "n_vets": n_vets,
        "patient_volume": patient_volume,
        "potential": potential,
    }
    _check_clinic_values(values)
    code = code.strip() or _new_code("CL")
    same = Clinic.objects.filter(code__iexact=code).first()
    if same is not None:
        if by is None or can_view_clinic(user=by, clinic=same):
            raise FieldRuleError(ERROR_CODE_TAKEN.format(code=code, clinic=same))
        raise FieldRuleError(ERROR_CODE_TAKEN_ELSEWHERE.format(code=code))
    clinic = Clinic.objects.create(code=code, **values)
    audit_record(
        actor=by, action="clinic.create", obj=clinic, after=_snapshot(clinic, CLINIC_CHANGEABLE)
    )
    return clinic


@transaction.atomic
def clinic_update(*, clinic: Clinic, by: User | None, changes: Mapping[str, Any]) -> Clinic:
    """Change a clinic's master data; its code, which sales files use, never changes."""
    unknown = sorted(set(changes) - set(CLINIC_CHANGEABLE))
    if unknown:
        raise FieldRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(CLINIC_CHANGEABLE))
        )
    _check_required(Clinic, changes)
    merged = {"region": clinic.region, "territory": clinic.territory, **changes}
    _check_clinic_values({**changes, "region": merged["region"], "territory": merged["territory"]})
    changed = [f for f, v in changes.items() if getattr(clinic, f) != v]
    if not changed:
        return clinic
    before = _snapshot(clinic, changed)
    for f in changed:
        setattr(clinic, f, changes[f])
    clinic.save(update_fields=changed)
    audit_record(
        actor=by,
        action="clinic.update",
        obj=clinic,
        before=before,
        after=_snapshot(clinic, changed),
    )
    return clinic


@transaction.atomic
def vet_create(
    *,
    by: User | None,
    clinic: Clinic,
    first_name: str,
    last_name: str,
    role: str = VetRole.ASSOCIATE,
    consent_to_contact: bool = False,
    email: str = "",
    phone: str = "",
    code: str = "",
) -> Vet:
    """Add a vet to a clinic; without a CRM code one is made up."""
    _check_choice("role", role, VetRole)
    code = code.strip() or _new_code("VET")
    same = Vet.objects.select_related("clinic").filter(code__iexact=code).first()
    if same is not None:
        if by is None or can_view_vet(user=by, vet=same):
            raise FieldRuleError(ERROR_VET_CODE_TAKEN.format(code=code, vet=same))
        raise FieldRuleError(ERROR_VET_CODE_TAKEN_ELSEWHERE.format(code=code))
    vet = Vet.objects.create(
        code=code,
        clinic=clinic,
        first_name=first_name,
        last_name=last_name,
        role=role,
        consent_to_contact=consent_to_contact,
        email=email,
        phone=phone,
    )
    audit_record(
        actor=by,
        action="vet.create",
        obj=vet,
        after={"clinic": clinic.code, "role": role, "consent_to_contact": consent_to_contact},
    )
    return vet


@transaction.atomic
def vet_update(*, vet: Vet, by: User | None, changes: Mapping[str, Any]) -> Vet:
    """Change a vet's details (not their clinic: a vet who moves is a new CRM contact)."""
    unknown = sorted(set(changes) - set(VET_CHANGEABLE))
    if unknown:
        raise FieldRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(VET_CHANGEABLE))
        )
    if vet.erased_at is not None:
        raise FieldRuleError(ERROR_VET_ERASED.format(vet=vet))
    _check_required(Vet, changes)
    if "role" in changes:
        _check_choice("role", changes["role"], VetRole)
    changed = [f for f, v in changes.items() if getattr(vet, f) != v]
    if not changed:
        return vet
    # Names and contact details are personal data: the audit row says what changed, not to what.
    before = {f: getattr(vet, f) for f in changed if f in {"role", "consent_to_contact"}}
    for f in changed:
        setattr(vet, f, changes[f])
    vet.save(update_fields=changed)
    after = {f: getattr(vet, f) for f in before}
    audit_record(
        actor=by,
        action="vet.update",
        obj=vet,
        before={"fields": sorted(changed), **before},
        after=after,
    )
    return vet


def _check_past(what: str, when: dt.datetime | dt.date) -> None:
    now = timezone.now()
    if isinstance(when, dt.datetime):
        if timezone.is_naive(when):
            raise FieldRuleError(ERROR_NAIVE_DATETIME.format(field=what))
        if when > now + FUTURE_TOLERANCE:
            raise FieldRuleError(ERROR_IN_FUTURE.format(what=what, when=f"{when:%Y-%m-%d %H:%M}"))
    elif when > timezone.localdate(now):
        raise FieldRuleError(ERROR_IN_FUTURE.format(what=what, when=when.isoformat()))


def _check_role(user: User | None, role: Role, message: str) -> None:
    # By the username the requester gave, not the person's name.
    if user is not None and role_of(user) != role:
        raise FieldRuleError(message.format(user=user.username))


def _vet_named(vet: Vet, by: User | None) -> str:
    """The vet by name where the user sees them, by id elsewhere."""
    if by is None or can_view_vet(user=by, vet=vet):
        return str(vet)
    return f"Vet #{vet.pk}"


def _clinic_named(clinic: Clinic, by: User | None) -> str:
    if by is None or can_view_clinic(user=by, clinic=clinic):
        return str(clinic)
    return OTHER_CLINIC


def _message_named(message: KeyMessage, by: User | None) -> str:
    if by is None or can_view_message(user=by, message=message):
        return repr(str(message))
    return f"#{message.pk}"


def _objection_named(objection: Objection, by: User | None) -> str:
    if by is None or can_view_objection(user=by, objection=objection):
        return repr(str(objection))
    return f"#{objection.pk}"


def _check_vets_at(vets: Iterable[Vet], clinic: Clinic, by: User | None) -> None:
    for vet in vets:
        if vet.clinic_id != clinic.pk:
            raise FieldRuleError(
                ERROR_VET_OTHER_CLINIC.format(
                    vet=_vet_named(vet, by), clinic=_clinic_named(vet.clinic, by), expected=clinic
                )
            )


def _check_campaign_links(
    campaign: Campaign | None,
    key_messages: Sequence[KeyMessage],
    asset_versions: Sequence[AssetVersion],
    objections: Sequence[Objection],
    by: User | None,
) -> None:
    """Messages discussed must be approved, assets approved and unexpired, objections
    from the campaign's register: what reps may say and show, nothing else."""
    if campaign is None:
        if key_messages or asset_versions or objections:
            raise FieldRuleError(ERROR_LINKS_WITHOUT_CAMPAIGN)
        return
    for message in key_messages:
        if message.campaign_id != campaign.pk or message.status != ApprovalStatus.APPROVED:
            raise FieldRuleError(
                ERROR_MESSAGE_NOT_APPROVED.format(
                    message=_message_named(message, by), campaign=campaign
                )
            )
    usable = {v.pk for v in campaign_selectors.asset_versions_for_reps(campaign=campaign)}
    for version in asset_versions:
        if version.pk not in usable:
            raise FieldRuleError(
                ERROR_ASSET_NOT_USABLE.format(version=_asset_named(version, by), campaign=campaign)
            )
    for objection in objections:
        if objection.campaign_id != campaign.pk:
            raise FieldRuleError(
                ERROR_OBJECTION_OTHER_CAMPAIGN.format(
                    objection=_objection_named(objection, by), campaign=campaign
                )
            )


def _record_campaign_use(
    *,
    by: User,
    clinic: Clinic,
    asset_versions: Iterable[AssetVersion] = (),
    objections_heard: Mapping[Objection, int] | None = None,
) -> None:
    """Tell campaigns which assets were used and how often objections were heard."""
    try:
        for version in asset_versions:
            campaign_services.asset_use_record(version=version, user=by, clinic=clinic)
        for objection, count in (objections_heard or {}).items():
            if count:
                campaign_services.objection_heard(objection=objection, by=by, count=count)
    except campaign_services.CampaignRuleError as exc:
        raise FieldRuleError(str(exc)) from None


@transaction.atomic
def activity_log(
    *,
    by: User,
    clinic: Clinic,
    kind: str,
    occurred_at: dt.datetime,
    vets: Sequence[Vet] = (),
    field_vet: User | None = None,
    duration_minutes: int | None = None,
    summary: str = "",
    next_step: str = "",
    campaign: Campaign | None = None,
    key_messages: Sequence[KeyMessage] = (),
    asset_versions: Sequence[AssetVersion] = (),
    objections: Sequence[Objection] = (),
) -> Activity:
    """Log a visit, call, e-mail or webinar ``by`` a rep with a clinic and some of its vets.

    Within ``campaign``: the key messages discussed, the approved assets used (each
    recorded as a use with the clinic) and the objections heard (each adding one to how
    often the campaign's register says it is heard).
    """
    _check_choice("kind", kind, ActivityKind)
    _check_past("The activity", occurred_at)
    _check_vets_at(vets, clinic, by)
    _check_role(field_vet, Role.FIELD_VET, ERROR_NOT_FIELD_VET)
    _check_campaign_links(campaign, key_messages, asset_versions, objections, by)
    activity = Activity.objects.create(
        kind=kind,
        clinic=clinic,
        rep=by,
        field_vet=field_vet,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
        summary=summary,
        next_step=next_step,
        campaign=campaign,
    )
    contacted.clinics_refresh(clinic_ids=[clinic.pk])
    activity.vets.set(vets)
    activity.key_messages.set(key_messages)
    activity.asset_versions.set(asset_versions)
    activity.objections.set(objections)
    _record_campaign_use(
        by=by,
        clinic=clinic,
        asset_versions=asset_versions,
        objections_heard=dict.fromkeys(objections, 1),
    )
    audit_record(
        actor=by,
        action="activity.log",
        obj=activity,
        after={
            **_snapshot(activity, ("kind", "clinic", "occurred_at", "field_vet", "campaign")),
            "vets": sorted(v.pk for v in vets),
            "key_messages": sorted(m.pk for m in key_messages),
            "asset_versions": sorted(v.pk for v in asset_versions),
            "objections": sorted(o.pk for o in objections),
        },
    )
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by: User,
    changes: Mapping[str, Any],
    vets: Sequence[Vet] | None = None,
    key_messages: Sequence[KeyMessage] | None = None,
    asset_versions: Sequence[AssetVersion] | None = None,
    objections: Sequence[Objection] | None = None,
) -> Activity:
    """Correct a logged activity; each list given replaces what was recorded.

    An objection added counts as heard once more, one removed once less; an asset added
    is recorded as used (a use already recorded stays: it happened or it did not).
    """
    unknown = sorted(set(changes) - set(ACTIVITY_CHANGEABLE))
    if unknown:
        raise FieldRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(ACTIVITY_CHANGEABLE))
        )
    if "kind" in changes:
        _check_choice("kind", changes["kind"], ActivityKind)
    if "occurred_at" in changes:
        _check_past("The activity", changes["occurred_at"])
    if "field_vet" in changes:
        _check_role(changes["field_vet"], Role.FIELD_VET, ERROR_NOT_FIELD_VET)
    changed = [f for f, v in changes.items() if getattr(activity, f) != v]
    before = _snapshot(activity, changed)
    after: dict[str, Any] = {}
    for f in changed:
        setattr(activity, f, changes[f])
    if changed:
        activity.save(update_fields=changed)
        after = _snapshot(activity, changed)
    if "occurred_at" in changed:
        contacted.clinics_refresh(clinic_ids=[activity.clinic_id])
    if vets is not None:
        _check_vets_at(vets, activity.clinic, by)
        old = sorted(activity.vets.values_list("pk", flat=True))
        new = sorted(v.pk for v in vets)
        if old != new:
            activity.vets.set(vets)
            before["vets"], after["vets"] = old, new
    if "campaign" in changed or any(
        x is not None for x in (key_messages, asset_versions, objections)
    ):
        old_messages = list(activity.key_messages.all())
        old_assets = list(activity.asset_versions.all())
        old_objections = list(activity.objections.all())
        messages = old_messages if key_messages is None else list(key_messages)
        assets = old_assets if asset_versions is None else list(asset_versions)
        heard_now = old_objections if objections is None else list(objections)
        # What was recorded stays valid (an asset may have expired since); what is added
        # must be usable now. A new campaign makes every link new.
        fresh = "campaign" in changed
        _check_campaign_links(
            activity.campaign,
            [m for m in messages if fresh or m not in old_messages],
            [v for v in assets if fresh or v not in old_assets],
            heard_now if fresh else [o for o in heard_now if o not in old_objections],
            by,
        )
        heard = {o: 1 for o in heard_now if o not in old_objections}
        heard.update({o: -1 for o in old_objections if o not in heard_now})
        for name, old_list, new_list in (
            ("key_messages", old_messages, messages),
            ("asset_versions", old_assets, assets),
            ("objections", old_objections, heard_now),
        ):
            old_ids = sorted(x.pk for x in old_list)
            new_ids = sorted(x.pk for x in new_list)
            if old_ids != new_ids:
                getattr(activity, name).set(new_list)
                before[name], after[name] = old_ids, new_ids
        _record_campaign_use(
            by=by,
            clinic=activity.clinic,
            asset_versions=[v for v in assets if v not in old_assets],
            objections_heard=heard,
        )
    if after:
        audit_record(actor=by, action="activity.update", obj=activity, before=before, after=after)
    return activity


def _check_attendees(vets: Sequence[Vet], clinic: Clinic, format: str, by: User | None) -> None:
    if not vets:
        raise FieldRuleError(ERROR_NO_ATTENDEES)
    for vet in vets:
        if vet.erased_at is not None:
            raise FieldRuleError(ERROR_VET_ERASED.format(vet=vet))
        if format == TrainingFormat.IN_CLINIC and vet.clinic_id != clinic.pk:
            raise FieldRuleError(
                ERROR_ATTENDEE_OTHER_CLINIC.format(
                    vet=_vet_named(vet, by), clinic=_clinic_named(vet.clinic, by)
                )
            )


def _check_score(vet: Vet, which: str, value: float | None) -> None:
    if value is not None and not 0 <= value <= 100:
        raise FieldRuleError(ERROR_SCORE_RANGE.format(vet=vet, which=which, value=value))


@transaction.atomic
def training_log(
    *,
    by: User,
    rep: User,
    clinic: Clinic,
    date: dt.date,
    format: str,
    attendees: Sequence[Vet],
    field_vet: User | None = None,
    topic: str = "",
    materials: str = "",
    notes: str = "",
    scores: Mapping[int, tuple[float | None, float | None]] | None = None,
    asset_versions: Sequence[AssetVersion] = (),
    campaign: Campaign,
) -> CustomerTraining:
    """Record a customer training ``rep`` gave at ``clinic`` for ``campaign``, with or
    without a field vet.

    Its date is when the attendees' clinics count as trained (their treatment date), so
    trainings are logged once they have happened; the campaign's uplift counts it, so
    the date must fall in the campaign's window and the campaign must be one ``by`` and
    ``rep`` may log trainings for (``TRAINING_CAMPAIGN_STATUSES``). ``scores`` maps a
    vet's id to their pre- and post-test scores (0 to 100) when already known.
    ``asset_versions`` are approved assets of the campaign used as materials, each
    recorded as used with the clinic.
    """
    _check_choice("format", format, TrainingFormat)
    _check_past("The customer training", date)
    _check_training_campaign(campaign, date, users=(by, rep))
    _check_role(rep, Role.SALES_REP, ERROR_NOT_REP)
    _check_role(field_vet, Role.FIELD_VET, ERROR_NOT_FIELD_VET)
    _check_attendees(attendees, clinic, format, by)
    _check_training_assets(asset_versions, campaign, by=by)
    scores = scores or {}
    for vet in attendees:
        pre, post = scores.get(vet.pk, (None, None))
        _check_score(vet, "pre-test", pre)
        _check_score(vet, "post-test", post)
    training = CustomerTraining.objects.create(
        code=_new_code("CT"),
        clinic=clinic,
        campaign=campaign,
        date=date,
        format=format,
        rep=rep,
        field_vet=field_vet,
        topic=topic,
        materials=materials,
        notes=notes,
        logged_by=by,
    )
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(
            training=training,
            vet=vet,
            pre_score=scores.get(vet.pk, (None, None))[0],
            post_score=scores.get(vet.pk, (None, None))[1],
        )
        for vet in attendees
    )
    training.asset_versions.set(asset_versions)
    trained.clinics_refresh(clinic_ids=[clinic.pk, *(v.clinic_id for v in attendees)])
    _record_campaign_use(by=rep, clinic=clinic, asset_versions=asset_versions)
    audit_record(
        actor=by,
        action="training.log",
        obj=training,
        after={
            **_snapshot(training, ("clinic", "campaign", "date", "format", "rep", "field_vet")),
            "attendees": sorted(v.pk for v in attendees),
            "asset_versions": sorted(v.pk for v in asset_versions),
        },
    )
    return training


def _check_training_campaign(
    campaign: Campaign | None, date: dt.date, *, users: Iterable[User | None]
) -> None:
    """The campaign must be one the users see and may log trainings for, and its window
    must hold the training's date."""
    if campaign is None:
        raise FieldRuleError(ERROR_TRAINING_NO_CAMPAIGN, field="campaign")
    if campaign.status not in TRAINING_CAMPAIGN_STATUSES or any(
        user is not None and not can_view_campaign(user=user, campaign=campaign) for user in users
    ):
        raise FieldRuleError(ERROR_TRAINING_CAMPAIGN_REFUSED, field="campaign")
    if not campaign.start_date <= date <= campaign.end_date:
        raise FieldRuleError(
            ERROR_TRAINING_OUTSIDE_CAMPAIGN.format(
                date=date.isoformat(),
                campaign=campaign,
                start=campaign.start_date.isoformat(),
                end=campaign.end_date.isoformat(),
            ),
            field="campaign",
        )


def _asset_named(version: AssetVersion, by: User | None) -> str:
    """The version by its title where the user may see it, by its id elsewhere (an
    unapproved version or one of a draft campaign)."""
    if by is None or can_view_asset_version(user=by, version=version):
        return str(version)
    return f"Asset version {version.pk}"


def _check_training_assets(
    asset_versions: Iterable[AssetVersion],
    campaign: Campaign | None,
    *,
    by: User | None,
    usable: bool = True,
) -> None:
    """Each asset must be the training campaign's and, with ``usable``, approved and
    unexpired (what is added now; what was recorded may have expired since)."""
    for version in asset_versions:
        if campaign is None:
            raise FieldRuleError(ERROR_TRAINING_NO_CAMPAIGN, field="campaign")
        if version.asset.campaign_id != campaign.pk:
            raise FieldRuleError(
                ERROR_ASSET_OTHER_CAMPAIGN.format(
                    version=_asset_named(version, by), campaign=campaign
                ),
                field="asset_versions",
            )
        if usable and not campaign_services.asset_version_available(version):
            raise FieldRuleError(
                ERROR_ASSET_NOT_USABLE.format(version=_asset_named(version, by), campaign=campaign),
                field="asset_versions",
            )


@transaction.atomic
def training_update(
    *,
    training: CustomerTraining,
    by: User,
    changes: Mapping[str, Any],
    attendees: Sequence[Vet] | None = None,
    asset_versions: Sequence[AssetVersion] | None = None,
) -> CustomerTraining:
    """Correct a training; ``attendees`` replaces who attended (scores of those who stay
    are kept), ``asset_versions`` the approved assets used (new ones recorded as used).

    A new campaign or date is checked as ``training_log`` checks them; the assets the
    training keeps must then be the new campaign's.
    """
    unknown = sorted(set(changes) - set(TRAINING_CHANGEABLE))
    if unknown:
        raise FieldRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(TRAINING_CHANGEABLE))
        )
    if "format" in changes:
        _check_choice("format", changes["format"], TrainingFormat)
    if "date" in changes:
        _check_past("The customer training", changes["date"])
    campaign = changes.get("campaign", training.campaign)
    new_campaign = "campaign" in changes and changes["campaign"] != training.campaign
    if new_campaign or ("date" in changes and changes["date"] != training.date):
        _check_training_campaign(
            campaign, changes.get("date", training.date), users=(by, training.rep)
        )
    current_assets: list[AssetVersion] = []
    if new_campaign or asset_versions is not None:
        current_assets = list(training.asset_versions.select_related("asset"))
    if new_campaign:
        kept = current_assets if asset_versions is None else list(asset_versions)
        _check_training_assets(kept, campaign, by=by, usable=False)
    if "field_vet" in changes:
        _check_role(changes["field_vet"], Role.FIELD_VET, ERROR_NOT_FIELD_VET)
    fmt = changes.get("format", training.format)
    if attendees is not None:
        _check_attendees(attendees, training.clinic, fmt, by)
    elif "format" in changes:
        _check_attendees(
            list(training.attendees.select_related("clinic")), training.clinic, fmt, by
        )
    changed = [f for f, v in changes.items() if getattr(training, f) != v]
    before = _snapshot(training, changed)
    after: dict[str, Any] = {}
    for f in changed:
        setattr(training, f, changes[f])
    if changed:
        training.save(update_fields=changed)
        after = _snapshot(training, changed)
    # The host's and every attendee's clinic (before and after) may change when trained.
    touched = {training.clinic_id, *training.attendees.values_list("clinic_id", flat=True)}
    if attendees is not None:
        old = set(training.attendees.values_list("pk", flat=True))
        new = {v.pk for v in attendees}
        if old != new:
            TrainingAttendance.objects.filter(training=training, vet_id__in=old - new).delete()
            TrainingAttendance.objects.bulk_create(
                TrainingAttendance(training=training, vet_id=pk) for pk in sorted(new - old)
            )
            before["attendees"], after["attendees"] = sorted(old), sorted(new)
            touched |= {v.clinic_id for v in attendees}
    if "date" in changed or "attendees" in after:
        trained.clinics_refresh(clinic_ids=touched)
    if asset_versions is not None:
        added = [v for v in asset_versions if v not in current_assets]
        _check_training_assets(added, campaign, by=by)
        if {v.pk for v in current_assets} != {v.pk for v in asset_versions}:
            training.asset_versions.set(asset_versions)
            before["asset_versions"] = sorted(v.pk for v in current_assets)
            after["asset_versions"] = sorted(v.pk for v in asset_versions)
            _record_campaign_use(by=training.rep, clinic=training.clinic, asset_versions=added)
    if after:
        audit_record(actor=by, action="training.update", obj=training, before=before, after=after)
    return training


@transaction.atomic
def training_scores_set(
    *,
    training: CustomerTraining,
    by: User,
    scores: Mapping[int, tuple[float | None, float | None]],
) -> list[TrainingAttendance]:
    """Record attendees' pre- and post-test scores (0 to 100; None for not taken), by vet id."""
    rows = {
        a.vet_id: a
        for a in TrainingAttendance.objects.select_related("vet").filter(training=training)
    }
    for vet_id in scores:
        if vet_id not in rows:
            vet = Vet.objects.select_related("clinic").filter(pk=vet_id).first()
            named = _vet_named(vet, by) if vet is not None else f"Vet #{vet_id}"
            raise FieldRuleError(ERROR_SCORE_NOT_ATTENDEE.format(vet=named))
    changed: list[TrainingAttendance] = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for vet_id, (pre, post) in scores.items():
        row = rows[vet_id]
        _check_score(row.vet, "pre-test", pre)
        _check_score(row.vet, "post-test", post)
        if (row.pre_score, row.post_score) != (pre, post):
            before[str(vet_id)] = [row.pre_score, row.post_score]
            row.pre_score, row.post_score = pre, post
            after[str(vet_id)] = [pre, post]
            changed.append(row)
    if changed:
        TrainingAttendance.objects.bulk_update(changed, ["pre_score", "post_score"])
        audit_record(actor=by, action="training.scores", obj=training, before=before, after=after)
    return list(rows.values())


@transaction.atomic
def ladder_move(
    *,
    by: User,
    to_stage: str,
    clinic: Clinic | None = None,
    vet: Vet | None = None,
    note: str = "",
) -> LadderMove:
    """Move a vet (given ``vet``) or a clinic up or down the adoption ladder, with history."""
    _check_choice("stage", to_stage, AdoptionStage)
    subject: Clinic | Vet
    if vet is not None:
        subject = Vet.objects.select_for_update().select_related("clinic").get(pk=vet.pk)
        clinic = subject.clinic
    elif clinic is not None:
        subject = Clinic.objects.select_for_update().get(pk=clinic.pk)
    else:
        raise FieldRuleError(ERROR_LADDER_NOTHING)
    if subject.stage == to_stage:
        raise FieldRuleError(
            ERROR_LADDER_SAME_STAGE.format(subject=subject, stage=AdoptionStage(to_stage).label)
        )
    move = LadderMove.objects.create(
        clinic=clinic,
        vet=subject if isinstance(subject, Vet) else None,
        from_stage=subject.stage,
        to_stage=to_stage,
        moved_by=by,
        note=note,
    )
    subject.stage = to_stage
    subject.save(update_fields=["stage"])
    if vet is not None:
        vet.stage = to_stage
    elif clinic is not None:
        clinic.stage = to_stage
    audit_record(
        actor=by,
        action="ladder.move",
        obj=subject,
        before={"stage": move.from_stage},
        after={"stage": to_stage, "note": note},
    )
    return move


# ---------------------------------------------------------------- CRM imports


@transaction.atomic
def crm_import_start(
    *, by: User, kind: str, file_name: str, content: bytes, sheet: str = ""
) -> CrmImport:
    """Keep an uploaded CRM export and propose a column mapping; nothing is imported yet.

    Raises ``crm_import.ImportFileError`` (naming the file) when it cannot be read.
    """
    _check_choice("kind", kind, ImportKind)
    table = crm.read_table(file_name=file_name, content=content, sheet=sheet)
    previous = (
        CrmImport.objects.filter(kind=kind, status=ImportStatus.COMMITTED)
        .values_list("mapping", flat=True)
        .first()
    )
    mapping = crm.mapping_guess(kind=ImportKind(kind), headers=table.headers, previous=previous)
    crm_import = CrmImport.objects.create(
        kind=kind,
        file_name=file_name,
        content=content,
        sheet=sheet,
        mapping=mapping,
        uploaded_by=by,
    )
    audit_record(
        actor=by,
        action="crm_import.upload",
        obj=crm_import,
        after={"kind": kind, "file": file_name, "bytes": len(content), "rows": len(table.rows)},
    )
    return crm_import


def crm_import_table(*, crm_import: CrmImport) -> crm.Table:
    return crm.read_table(
        file_name=crm_import.file_name, content=bytes(crm_import.content), sheet=crm_import.sheet
    )


@transaction.atomic
def crm_import_set_mapping(
    *, crm_import: CrmImport, by: User, mapping: Mapping[str, str]
) -> CrmImport:
    """Choose which column holds each field; refused (ImportFileError) if unusable."""
    if crm_import.status == ImportStatus.COMMITTED:
        raise FieldRuleError(ERROR_IMPORT_COMMITTED.format(at=crm_import.committed_at))
    table = crm_import_table(crm_import=crm_import)
    cleaned = {k: v for k, v in mapping.items() if v}
    crm.mapping_check(
        kind=ImportKind(crm_import.kind),
        file_name=crm_import.file_name,
        headers=table.headers,
        mapping=cleaned,
    )
    if cleaned != crm_import.mapping:
        before = crm_import.mapping
        crm_import.mapping = cleaned
        crm_import.save(update_fields=["mapping"])
        audit_record(
            actor=by, action="crm_import.mapping", obj=crm_import, before=before, after=cleaned
        )
    return crm_import


@transaction.atomic
def crm_import_commit(*, crm_import: CrmImport, by: User) -> CrmImport:
    """Import the accepted rows in one transaction; keep the refused rows in the report.

    The plan is computed again here, against what is stored at this moment, so a
    preview made earlier cannot import stale decisions. Either every accepted row is
    written, or (on any error) none is.
    """
    locked = CrmImport.objects.select_for_update().get(pk=crm_import.pk)
    if locked.status == ImportStatus.COMMITTED:
        raise FieldRuleError(ERROR_IMPORT_COMMITTED.format(at=locked.committed_at))
    kind = ImportKind(locked.kind)
    plan = crm.import_plan(
        kind=kind, table=crm_import_table(crm_import=locked), mapping=locked.mapping
    )
    if kind == ImportKind.CLINICS:
        _apply_clinics(plan, by)
    else:
        _apply_vets(plan, by)
    locked.status = ImportStatus.COMMITTED
    locked.committed_at = timezone.now()
    locked.counts = plan.counts
    locked.report = [p.as_dict() for p in plan.problems]
    locked.save(update_fields=["status", "committed_at", "counts", "report"])
    audit_record(
        actor=by,
        action="crm_import.commit",
        obj=locked,
        after={"counts": plan.counts, "refused_rows": plan.counts[RowAction.REFUSED]},
    )
    for f in ("status", "committed_at", "counts", "report"):
        setattr(crm_import, f, getattr(locked, f))
    return crm_import


@transaction.atomic
def activities_bulk_load(*, rows: Iterable[ActivityRow]) -> int:
    """Create activities not stored yet (by code), with the vets met; return how many.

    For loading history (a CRM's past activities, the demo): no audit row per activity,
    and no campaign links, which only a rep logging the activity can state.
    """
    clinic_ids = dict(Clinic.objects.values_list("code", "id"))
    vet_ids = dict(Vet.objects.values_list("code", "id"))
    user_ids = dict(User.objects.values_list("username", "id"))
    existing = set(Activity.objects.exclude(code=None).values_list("code", flat=True))
    todo = [r for r in rows if r.code not in existing]
    for r in todo:
        if timezone.is_naive(r.occurred_at):
            raise FieldRuleError(ERROR_NAIVE_DATETIME.format(field=f"Activity {r.code}"))
    activities = Activity.objects.bulk_create(
        [
            Activity(
                code=r.code,
                clinic_id=clinic_ids[r.clinic_code],
                kind=r.kind,
                occurred_at=r.occurred_at,
                rep_id=user_ids[r.rep_username],
                field_vet_id=user_ids[r.field_vet_username] if r.field_vet_username else None,
                summary=r.summary,
            )
            for r in todo
        ],
        batch_size=BULK_BATCH,
    )
    through = Activity.vets.through
    through.objects.bulk_create(
        [
            through(activity_id=a.pk, vet_id=vet_ids[code])
            for a, r in zip(activities, todo, strict=True)
            for code in r.vet_codes
        ],
        batch_size=BULK_BATCH,
    )
    contacted.clinics_refresh(clinic_ids={a.clinic_id for a in activities})
    _analyze(Activity, through, Clinic)
    return len(activities)


_CLINIC_DEFAULTS = {"address": "", "city": "", "n_vets": 1, "patient_volume": 0, "potential": 0}
_VET_DEFAULTS = {"role": VetRole.ASSOCIATE, "consent_to_contact": False, "email": "", "phone": ""}


def _apply_clinics(plan: crm.ImportPlan, by: User) -> None:
    new = [
        Clinic(
            **{
                **_CLINIC_DEFAULTS,
                **{k: v for k, v in r.values.items() if k not in {"region", "territory"}},
            }
        )
        for r in plan.rows
        if r.action == RowAction.NEW
    ]
    Clinic.objects.bulk_create(new, batch_size=BULK_BATCH)
    _apply_updates(Clinic, plan, by, "clinic.update")


def _apply_vets(plan: crm.ImportPlan, by: User) -> None:
    new = [Vet(**{**_VET_DEFAULTS, **r.values}) for r in plan.rows if r.action == RowAction.NEW]
    Vet.objects.bulk_create(new, batch_size=BULK_BATCH)
    _apply_updates(Vet, plan, by, "vet.update")
    # A vet who moved takes their trainings from the old clinic's columns to the new one's.
    moved = [r.changes["clinic_id"] for r in plan.rows if "clinic_id" in r.changes]
    trained.clinics_refresh(clinic_ids=[pk for pair in moved for pk in pair])


def _apply_updates(
    model: type[Clinic] | type[Vet], plan: crm.ImportPlan, by: User, action: str
) -> None:
    updates = [r for r in plan.rows if r.action == RowAction.UPDATED]
    objects = model.objects.in_bulk([r.existing_pk for r in updates])
    by_fields: dict[tuple[str, ...], list[Any]] = {}
    personal = model is Vet
    for r in updates:
        obj = objects[r.existing_pk]
        fields = tuple(sorted(r.changes))
        for f in fields:
            setattr(obj, f, r.values[f])
        by_fields.setdefault(fields, []).append(obj)
        before = {f: old for f, (old, _) in r.changes.items()}
        after = {f: new for f, (_, new) in r.changes.items()}
        if personal:
            # Personal data stays out of the audit trail: which fields, not their values.
            before = {"fields": list(fields)}
            after = {}
        audit_record(actor=by, action=action, obj=obj, before=before, after=after)
    for fields, objs in by_fields.items():
        model.objects.bulk_update(objs, list(fields), batch_size=BULK_BATCH)


# ---------------------------------------------------------------- privacy


def vet_personal_data(*, vet: Vet) -> dict[str, Any]:
    """Everything OneVoice holds about a vet as a person, for a data-subject request."""
    return {
        "code": vet.code,
        "first_name": vet.first_name,
        "last_name": vet.last_name,
        "email": vet.email,
        "phone": vet.phone,
        "role": vet.role,
        "consent_to_contact": vet.consent_to_contact,
        "clinic": {"code": vet.clinic.code, "name": vet.clinic.name},
        "adoption_stage": vet.stage,
        "trainings": [
            {
                "date": a.training.date.isoformat(),
                "format": a.training.format,
                "clinic": a.training.clinic.code,
                "pre_score": a.pre_score,
                "post_score": a.post_score,
            }
            for a in TrainingAttendance.objects.filter(vet=vet)
            .select_related("training__clinic")
            .order_by("training__date")
        ],
        "activities": [
            {"date": a.occurred_at.isoformat(), "kind": a.kind, "clinic": a.clinic.code}
            for a in vet.activities.select_related("clinic").order_by("occurred_at")
        ],
        "ladder_moves": [
            {"at": m.moved_at.isoformat(), "from": m.from_stage, "to": m.to_stage, "note": m.note}
            for m in vet.ladder_moves.order_by("moved_at")
        ],
    }


@transaction.atomic
def vet_erase(*, vet: Vet, by: User) -> Vet:
    """Erase a vet's personal data on request, keeping them as an anonymous count.

    Name, e-mail, phone and ladder notes go; the code stays so a later CRM import
    recognises the vet and does not bring the person back. Trainings, scores,
    activities and ladder stages stay, so KPIs and uplift analyses do not change.
    """
    vet = Vet.objects.select_for_update().get(pk=vet.pk)
    if vet.erased_at is not None:
        raise FieldRuleError(ERROR_ALREADY_ERASED.format(vet=vet, at=vet.erased_at))
    vet.first_name, vet.last_name, vet.email, vet.phone = "", "", "", ""
    vet.consent_to_contact = False
    vet.erased_at = timezone.now()
    vet.save(
        update_fields=[
            "first_name",
            "last_name",
            "email",
            "phone",
            "consent_to_contact",
            "erased_at",
        ]
    )
    vet.ladder_moves.exclude(note="").update(note="")
    audit_record(
        actor=by, action="vet.erase", obj=vet, after={"erased_at": vet.erased_at.isoformat()}
    )
    return vet


@dataclass(frozen=True)
class LadderRow:
    """One historical ladder move (a CRM's history, the demo); vet_code None = the clinic."""

    clinic_code: str
    vet_code: str | None
    to_stage: str
    moved_at: dt.datetime
    moved_by_username: str
    note: str = ""


@transaction.atomic
def ladder_bulk_load(*, rows: Iterable[LadderRow]) -> int:
    """Replay ladder history in time order for clinics and vets that have none yet.

    Each subject's current stage ends at its last move. Subjects that already have a
    history are left alone, so loading twice changes nothing.
    """
    ordered = sorted(rows, key=lambda r: (r.moved_at, r.clinic_code, r.vet_code or ""))
    clinics = {c.code: c for c in Clinic.objects.only("id", "code", "stage")}
    vets = {v.code: v for v in Vet.objects.only("id", "code", "stage", "clinic_id")}
    users = dict(User.objects.values_list("username", "id"))
    moved_clinics = set(
        LadderMove.objects.filter(vet__isnull=True).values_list("clinic_id", flat=True)
    )
    moved_vets = set(LadderMove.objects.exclude(vet=None).values_list("vet_id", flat=True))
    stage_of: dict[tuple[str, str | None], str] = {}
    moves = []
    for r in ordered:
        _check_choice("stage", r.to_stage, AdoptionStage)
        if timezone.is_naive(r.moved_at):
            raise FieldRuleError(
                ERROR_NAIVE_DATETIME.format(field=f"Ladder move of {r.clinic_code}")
            )
        clinic = clinics[r.clinic_code]
        vet = vets[r.vet_code] if r.vet_code else None
        if (vet is None and clinic.pk in moved_clinics) or (
            vet is not None and vet.pk in moved_vets
        ):
            continue
        key = (r.clinic_code, r.vet_code)
        current = stage_of.get(key, (vet or clinic).stage)
        if current == r.to_stage:
            continue
        moves.append(
            LadderMove(
                clinic_id=clinic.pk,
                vet_id=vet.pk if vet else None,
                from_stage=current,
                to_stage=r.to_stage,
                moved_by_id=users[r.moved_by_username],
                moved_at=r.moved_at,
                note=r.note,
            )
        )
        stage_of[key] = r.to_stage
    LadderMove.objects.bulk_create(moves, batch_size=BULK_BATCH)
    for (clinic_code, vet_code), stage in stage_of.items():
        subject = vets[vet_code] if vet_code else clinics[clinic_code]
        subject.stage = stage
    Clinic.objects.bulk_update(
        [clinics[c] for c, v in stage_of if v is None], ["stage"], batch_size=BULK_BATCH
    )
    Vet.objects.bulk_update(
        [vets[v] for _, v in stage_of if v is not None], ["stage"], batch_size=BULK_BATCH
    )
    _analyze(LadderMove, Clinic, Vet)
    return len(moves)
