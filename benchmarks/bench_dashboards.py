"""Benchmark: each role's dashboard, the KPI computation and the review, in-process.

Against an installation that holds data (e.g. ``onevoice demo --no-serve``), times and
counts the SQL queries of building the marketing, sales manager and territory
dashboards (as the campaign's marketing lead, a sales manager and a rep), computing and
storing the campaign's KPI values, building the review document and writing its HTML,
PDF and workbook. Peak memory is the process's maximum resident set size. Usage::

    ONEVOICE_HOME=/tmp/ov onevoice demo --no-serve
    ONEVOICE_HOME=/tmp/ov python benchmarks/bench_dashboards.py
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any


def measure(label: str, fn: Callable[[], Any]) -> Any:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<44} {seconds:8.2f} s {len(queries):6d} queries  peak {peak:7.0f} MiB")
    return result


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onevoice.config.settings")
    import django

    django.setup()
    from onevoice.accounts.choices import Role
    from onevoice.accounts.models import User
    from onevoice.campaigns.selectors import campaign_current
    from onevoice.measurement.dashboards import dashboard_build
    from onevoice.measurement.facts import Facts, Scope
    from onevoice.measurement.kpis import default_as_of, kpi_values_compute
    from onevoice.measurement.review import review_document
    from onevoice.measurement.review_files import review_html, review_pdf, review_xlsx

    campaign = campaign_current()
    if campaign is None:
        print("No campaign in this installation: run `onevoice demo --no-serve` first.")
        return 1
    manager = User.objects.filter(
        groups__name=Role.SALES_MANAGER.value, managed_teams__isnull=False
    ).first()
    rep = User.objects.filter(groups__name=Role.SALES_REP.value, territories__isnull=False).first()
    end = default_as_of(campaign)
    measure("first use of the query engine (once a process)", lambda: __import__("ibis").duckdb)
    for kind, viewer in (
        ("marketing", campaign.marketing_lead),
        ("sales", manager),
        ("territory", rep),
    ):
        if viewer is None:
            continue
        scope = Scope(campaign=campaign, viewer=viewer, start=campaign.start_date, end=end)
        dash = measure(
            f"dashboard {kind} ({viewer.username})",
            lambda s=scope, k=kind: dashboard_build(k, Facts(s)),
        )
        print(f"{'':<44} {len(dash.facts.clinics):,} clinics, {len(dash.charts)} charts")
    measure("KPI values computed and stored", lambda: kpi_values_compute(campaign=campaign))
    doc = measure("review document", lambda: review_document(campaign=campaign))
    measure("review HTML (charts as SVG)", lambda: review_html(doc))
    measure("review PDF (charts as PNG)", lambda: review_pdf(doc))
    measure("review workbook", lambda: review_xlsx(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
