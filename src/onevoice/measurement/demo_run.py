"""What ``onevoice demo`` does once Django is set up: simulate, load, analyse, report."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from onevoice.analytics.simulate import CompanyParams, simulate_company
from onevoice.measurement.demo_load import (
    DemoLogins,
    demo_is_loaded,
    demo_load,
    demo_logins,
    demo_sales_import,
    demo_truth,
)

Progress = Callable[[str, int, int], None]
LOAD_STEPS = (
    "organisation",
    "products",
    "clinics",
    "vets",
    "campaigns",
    "customer trainings",
    "field history",
)
TRUTH_FILE = "demo-truth.json"


def demo_uplifts_compute() -> None:
    """Every campaign's uplift with the recommended options, so the portfolio pools the
    reviewed ones and every causal-uplift KPI has its value from the first page."""
    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.facts import latest_uplift
    from onevoice.measurement.uplift import uplift_analysis_run

    for campaign in Campaign.objects.order_by("start_date"):
        if latest_uplift(campaign) is None:
            uplift_analysis_run(campaign=campaign, user=None)


def demo_truth_write(document: dict[str, object]) -> Path:
    """``<home>/demo-truth.json``: the simulation's truth, to check the app against."""
    path = Path(settings.ONEVOICE_HOME) / TRUTH_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(tmp, path)
    return path


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
    total = len(LOAD_STEPS) + 3
    params = CompanyParams(n_clinics=n_clinics)
    if seed is not None:
        params = CompanyParams(n_clinics=n_clinics, seed=seed)
    step("Simulating the company", 0, total)
    company = simulate_company(params)
    if demo_is_loaded():
        # A load interrupted after the database step still gets its sales; an already
        # imported file is recognised by its content hash and stores nothing.
        demo_sales_import(company)
        return DemoOutcome(
            logins=demo_logins(company.launch),
            summary="The data directory already holds the demo; nothing was added.",
        )
    done = 1

    def load_step(label: str) -> None:
        nonlocal done
        step(f"Loading {label}", done, total)
        done += 1

    counts = demo_load(company, step=load_step)
    demo_truth_write(demo_truth(company))
    step("Importing the distributor sales", total - 2, total)
    stored = demo_sales_import(company)
    step("Estimating each campaign's uplift", total - 1, total)
    demo_uplifts_compute()
    step("Computing the KPIs", total, total)
    demo_kpis_compute()
    _vacuum_analyze()
    step("Done", total, total)
    summary = (
        f"Loaded the simulated company: {counts.get('clinics', 0):,} clinics, "
        f"{counts.get('vets', 0):,} vets, {counts.get('users', 0)} users, "
        f"{counts.get('campaigns', 0)} campaigns, "
        f"{counts.get('customer_trainings', 0):,} customer trainings, "
        f"{stored:,} monthly sales lines. The simulation's truth: {TRUTH_FILE}."
    )
    return DemoOutcome(logins=demo_logins(company.launch), summary=summary)
