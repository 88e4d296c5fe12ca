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

from django.db import connection, transaction
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


def clinics_refresh(*, clinic_ids: Iterable[int] | None = None, models: Any = None) -> None:
    """Recompute the training columns of these clinics (every clinic when None).

    Call it inside the transaction that changed the trainings, so no one reads the
    clinic between the two.
    """
    ids = None if clinic_ids is None else {pk for pk in clinic_ids if pk is not None}
    if ids is None or len(ids) > MAX_IDS:
        _refresh_all(models or (Clinic, CustomerTraining, TrainingAttendance))
        return
    if not ids:
        return
    clinic = (models or (Clinic,))[0]
    fresh = derived(clinic_ids=ids, models=models)
    changed = []
    for c in clinic.objects.only("id", *FIELDS).filter(pk__in=ids).order_by("pk"):
        new = fresh.get(c.pk, (None, None, 0))
        if (c.first_trained, c.last_trained, c.trained_vets) != new:
            c.first_trained, c.last_trained, c.trained_vets = new
            changed.append(c)
    clinic.objects.bulk_update(changed, FIELDS, batch_size=BATCH)


# Set-based, for a bulk load or a migration: bulk_update of 50,000 clinics took a minute
# building its CASE expressions; these two statements take seconds. UPDATE ... FROM is
# standard in PostgreSQL and in SQLite since 3.33.
_RESET = """
UPDATE {clinic} SET first_trained = NULL, last_trained = NULL, trained_vets = 0
WHERE first_trained IS NOT NULL OR trained_vets <> 0
"""
_FILL = """
UPDATE {clinic} SET first_trained = d.first, last_trained = d.last, trained_vets = d.vets
FROM (
    SELECT clinic_id, MIN(first) AS first, MAX(last) AS last, MAX(vets) AS vets FROM (
        SELECT clinic_id, MIN(date) AS first, MAX(date) AS last, 0 AS vets
        FROM {training} GROUP BY clinic_id
        UNION ALL
        SELECT v.clinic_id, MIN(t.date), MAX(t.date), COUNT(DISTINCT a.vet_id)
        FROM {attendance} a
        JOIN {vet} v ON v.id = a.vet_id
        JOIN {training} t ON t.id = a.training_id
        GROUP BY v.clinic_id
    ) AS parts
    GROUP BY clinic_id
) AS d
WHERE {clinic}.id = d.clinic_id
"""


def _refresh_all(models: Any) -> None:
    clinic, training, attendance = models
    vet = attendance._meta.get_field("vet").related_model
    tables = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in (
            ("clinic", clinic),
            ("training", training),
            ("attendance", attendance),
            ("vet", vet),
        )
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_RESET.format(**tables))
        cursor.execute(_FILL.format(**tables))
