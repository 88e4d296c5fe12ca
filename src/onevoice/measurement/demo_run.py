"""What ``onevoice demo`` does once Django is set up: simulate, load, report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import connection

from onevoice.analytics.simulate import SimulationParams, simulate_launch
from onevoice.measurement.demo_load import (
    DemoLogins,
    demo_is_loaded,
    demo_load,
    demo_logins,
    demo_sales_import,
)

Progress = Callable[[str, int, int], None]
LOAD_STEPS = (
    "organisation",
    "products",
    "clinics",
    "vets",
    "customer trainings",
    "campaign",
    "field history",
)


def demo_kpis_compute() -> None:
    """Month-end KPI values since launch and today's, so the boards have a trend at once."""
    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.kpis import kpi_values_backfill, kpi_values_compute
    from onevoice.measurement.models import KpiValue

    for campaign in Campaign.objects.all():
        if not KpiValue.objects.filter(campaign=campaign).exists():
            kpi_values_backfill(campaign=campaign)
            kpi_values_compute(campaign=campaign)


@dataclass(frozen=True)
class DemoOutcome:
    logins: DemoLogins
    summary: str


def _vacuum_analyze() -> None:
    """On PostgreSQL, VACUUM ANALYZE after the bulk load, as its guide to populating a
    database says: without it (autovacuum off, or not there yet) index-only counts visit
    every row and joins are planned blind, which at 100,000 clinics costs pages seconds.
    VACUUM cannot run in a transaction; the load's transactions are committed here."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def demo_prepare(
    *, n_clinics: int = 2000, seed: int | None = None, step: Progress = lambda *_: None
) -> DemoOutcome:
    """Load the simulated launch unless this data directory already holds it.

    A directory that is already loaded is left exactly as it is, whatever ``n_clinics``
    and ``seed`` say: the demo never duplicates nor replaces data.
    """
    total = len(LOAD_STEPS) + 2
    params = SimulationParams(n_clinics=n_clinics)
    if seed is not None:
        params = replace(params, seed=seed)
    step("Simulating the launch", 0, total)
    launch = simulate_launch(params)
    if demo_is_loaded():
        # A load interrupted after the database step still gets its sales; an already
        # imported file is recognised by its content hash and stores nothing.
        demo_sales_import(launch)
        return DemoOutcome(
            logins=demo_logins(launch),
            summary="The data directory already holds the demo; nothing was added.",
        )
    done = 1

    def load_step(label: str) -> None:
        nonlocal done
        step(f"Loading {label}", done, total)
        done += 1

    counts = demo_load(launch, step=load_step)
    step("Importing the distributor sales", total - 1, total)
    stored = demo_sales_import(launch)
    step("Computing the KPIs", total, total)
    demo_kpis_compute()
    _vacuum_analyze()
    step("Done", total, total)
    summary = (
        f"Loaded the simulated launch: {counts.get('clinics', 0):,} clinics, "
        f"{counts.get('vets', 0):,} vets, {counts.get('users', 0)} users, "
        f"{counts.get('customer_trainings', 0):,} customer trainings, "
        f"{stored:,} monthly sales lines."
    )
    return DemoOutcome(logins=demo_logins(launch), summary=summary)
