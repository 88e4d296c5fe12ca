"""Each clinic's training columns, derived from customer trainings and attendance.

``Clinic.first_trained``, ``last_trained`` and ``trained_vets`` say when the clinic was
first and last trained (a training it hosted or one of its vets attended) and how many of
its vets attended one. Pages read them instead of computing them across the hosted-or-
attended join for every clinic shown. Whatever writes a training, an attendance or a
vet's clinic calls ``clinics_refresh`` with the clinics it touched, in its transaction:
``services.training_log``, ``training_update``, ``trainings_bulk_load`` and the CRM vet
import. ``clinics_refresh()`` without clinics recomputes every clinic (the migration
that added the columns does that).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Min

from onevoice.field.models import Clinic, CustomerTraining, TrainingAttendance

FIELDS = ("first_trained", "last_trained", "trained_vets")
BATCH = 2000
# SQLite allows 32,766 parameters per statement; beyond this many clinics, refresh all.
MAX_IDS = 10_000

Values = tuple[dt.date | None, dt.date | None, int]


def derived(*, clinic_ids: Iterable[int] | None = None, models: Any = None) -> dict[int, Values]:
    """``(first_trained, last_trained, trained_vets)`` by clinic id, from the source rows.

    Only clinics with a training appear. ``models`` (clinic, training, attendance
    classes) lets a migration use its historical models.
    """
    _, training, attendance = models or (Clinic, CustomerTraining, TrainingAttendance)
    hosted = training.objects.all()
    attended = attendance.objects.all()
    if clinic_ids is not None:
        ids = list(clinic_ids)
        hosted = hosted.filter(clinic_id__in=ids)
        attended = attended.filter(vet__clinic_id__in=ids)
    out: dict[int, Values] = {}
    for pk, first, last in (
        hosted.values("clinic_id")
        .annotate(first=Min("date"), last=Max("date"))
        .values_list("clinic_id", "first", "last")
        .order_by()
    ):
        out[pk] = (first, last, 0)
    for pk, first, last, vets in (
        attended.values("vet__clinic_id")
        .annotate(
            first=Min("training__date"),
            last=Max("training__date"),
            vets=Count("vet_id", distinct=True),
        )
        .values_list("vet__clinic_id", "first", "last", "vets")
        .order_by()
    ):
        h_first, h_last, _ = out.get(pk, (first, last, 0))
        out[pk] = (min(first, h_first), max(last, h_last), vets)
    return out


def clinics_refresh(*, clinic_ids: Iterable[int] | None = None, models: Any = None) -> int:
    """Recompute the training columns of these clinics (every clinic when None).

    Returns how many clinics changed. Call it inside the transaction that changed the
    trainings, so no one reads the clinic between the two.
    """
    clinic = (models or (Clinic,))[0]
    ids = None if clinic_ids is None else {pk for pk in clinic_ids if pk is not None}
    if ids is not None and len(ids) > MAX_IDS:
        ids = None
    if ids == set():
        return 0
    fresh = derived(clinic_ids=ids, models=models)
    current = clinic.objects.only("id", *FIELDS).order_by("pk")
    if ids is not None:
        current = current.filter(pk__in=ids)
    changed = []
    for c in current.iterator(chunk_size=BATCH):
        new = fresh.get(c.pk, (None, None, 0))
        if (c.first_trained, c.last_trained, c.trained_vets) != new:
            c.first_trained, c.last_trained, c.trained_vets = new
            changed.append(c)
    clinic.objects.bulk_update(changed, FIELDS, batch_size=BATCH)
    return len(changed)
