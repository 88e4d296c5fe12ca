"""Reads for the field: clinics in a user's territories, treatment dates."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, QuerySet

from onevoice.accounts.models import Territory
from onevoice.field.models import Clinic, CustomerTraining


def clinic_treatment_dates() -> dict[str, dt.date]:
    """The date each clinic's first vet was trained, by clinic code.

    This is the clinic's treatment date for measurement; clinics never trained are absent.
    """
    rows = CustomerTraining.objects.values("clinic__code").annotate(first=Min("date"))
    return {row["clinic__code"]: row["first"] for row in rows}


def clinics_in(*, territories: QuerySet[Territory]) -> QuerySet[Clinic]:
    return Clinic.objects.filter(territory__in=territories)


def untrained_clinics_by_potential(
    *, territories: QuerySet[Territory], limit: int = 5
) -> list[Clinic]:
    """High-potential clinics in these territories whose vets have not been trained yet."""
    return list(
        Clinic.objects.filter(territory__in=territories, trainings__isnull=True)
        .select_related("territory")
        .order_by("-potential", "code")[:limit]
    )


def territory_training_counts(*, territories: QuerySet[Territory]) -> list[dict[str, object]]:
    """Per territory: clinics, and clinics with at least one customer training."""
    totals = dict(
        Clinic.objects.filter(territory__in=territories)
        .values_list("territory_id")
        .annotate(n=Count("id"))
        .values_list("territory_id", "n")
    )
    trained = dict(
        Clinic.objects.filter(territory__in=territories, trainings__isnull=False)
        .values_list("territory_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("territory_id", "n")
    )
    return [
        {
            "territory": t,
            "clinics": totals.get(t.pk, 0),
            "trained": trained.get(t.pk, 0),
        }
        for t in territories
    ]


def trainings_codelivered_by(*, user_id: int, limit: int = 10) -> list[CustomerTraining]:
    return list(
        CustomerTraining.objects.filter(field_vet_id=user_id)
        .select_related("clinic", "rep")
        .order_by("-date")[:limit]
    )
