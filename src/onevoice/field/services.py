"""Writes for the field: clinics, vets and customer trainings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from onevoice.accounts.models import Region, Territory, User
from onevoice.field.models import Clinic, CustomerTraining, TrainingAttendance, Vet

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
    return len(new)


@transaction.atomic
def trainings_bulk_load(*, rows: Iterable[TrainingRow]) -> int:
    """Create customer trainings (and attendance) not stored yet; return how many."""
    clinic_ids = dict(Clinic.objects.values_list("code", "id"))
    vet_ids = dict(Vet.objects.values_list("code", "id"))
    user_ids = dict(User.objects.values_list("username", "id"))
    existing = set(CustomerTraining.objects.values_list("code", flat=True))
    rows = [r for r in rows if r.code not in existing]
    trainings = CustomerTraining.objects.bulk_create(
        [
            CustomerTraining(
                code=r.code,
                clinic_id=clinic_ids[r.clinic_code],
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
    return len(trainings)
