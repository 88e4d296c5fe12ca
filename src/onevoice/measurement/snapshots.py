"""Dashboards computed once per scope and data version, shared by every server process.

Computing a dashboard reads every clinic, training, activity and month of sales of its
scope: seconds at head office with 100,000 clinics. What it shows changes only when the
data do (a sales import or rollback, a logged training or activity, a KPI value stored,
a rep's training…; see :mod:`.freshness`) or the day does, so the result is stored in
the database, keyed by the scope, beside the data version it was computed from, and
read back while that version is current. Stored in the operational database rather
than a cache server so every worker and process sees the same snapshot, it disappears
with the data it was computed from, and nothing else needs running.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone

from onevoice.accounts.selectors import territories_for
from onevoice.field.permissions import can_view_all_clinics
from onevoice.measurement import freshness
from onevoice.measurement.dashboards import Dashboard, dashboard_build
from onevoice.measurement.facts import Facts, Scope
from onevoice.measurement.models import DashboardSnapshot

# Part of every key: change it when what a stored Dashboard holds changes shape.
SNAPSHOT_FORMAT = "1"
# Snapshots not recomputed for this long are removed (their keys hold the day, so a
# day-old one is never read again).
KEPT_FOR = dt.timedelta(days=2)


def scope_key(kind: str, scope: Scope, variant: str = "") -> str:
    """The snapshot's key: the dashboard, the scope and whose view it is, ``variant``
    (the query as asked, which the page's links repeat), and today (the default period
    ends today and statuses depend on the day)."""
    parts = [
        SNAPSHOT_FORMAT,
        kind,
        str(scope.campaign.pk),
        str(scope.viewer.pk),
        scope.start.isoformat(),
        scope.end.isoformat(),
        scope.region,
        scope.segment,
        scope.territory,
        variant,
        timezone.localdate().isoformat(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def scope_territories(scope: Scope) -> list[int | None] | None:
    """The territories whose activities the scope may cover (``None``: all of them):
    every territory the viewer may see, and clinics without one (a field vet sees some).
    A superset is enough: it can only make a dashboard be recomputed more often."""
    if can_view_all_clinics(user=scope.viewer):
        return None
    ids = territories_for(user=scope.viewer).order_by("pk").values_list("pk", flat=True)
    return [None, *ids]


def data_version(scope: Scope) -> str:
    return freshness.version_of(territory_ids=scope_territories(scope))


Fragments = dict[str, str]


def dashboard_for(kind: str, scope: Scope, *, variant: str = "") -> Dashboard:
    """The dashboard ``kind`` for ``scope``: stored if computed from the current data
    version, else computed now and stored."""
    key = scope_key(kind, scope, variant)
    # Read before computing: a write committed meanwhile changes the version, so what is
    # stored below is then simply not read again.
    version = data_version(scope)
    for payload in _current(key, version).values_list("payload", flat=True):
        dashboard: Dashboard = pickle.loads(bytes(payload))
        return dashboard
    dashboard = dashboard_build(kind, Facts(scope))
    _store(key, version, dashboard, b"")
    return dashboard


def dashboard_page_for(
    kind: str, scope: Scope, *, variant: str, render: Callable[[Dashboard], Fragments]
) -> Fragments:
    """The dashboard's HTML fragments, ``render``-ed once per scope and data version:
    rendering thousands of table rows and chart points costs more than reading them."""
    key = scope_key(kind, scope, variant)
    version = data_version(scope)
    stored = _current(key, version).values_list("page", flat=True)
    for page in stored:
        if page:
            fragments: Fragments = pickle.loads(bytes(page))
            return fragments
    payloads = _current(key, version).values_list("payload", flat=True)
    dashboard = next((pickle.loads(bytes(p)) for p in payloads), None) or dashboard_build(
        kind, Facts(scope)
    )
    fragments = render(dashboard)
    _store(key, version, dashboard, pickle.dumps(fragments, protocol=pickle.HIGHEST_PROTOCOL))
    return fragments


def _current(key: str, version: str) -> QuerySet[DashboardSnapshot]:
    return DashboardSnapshot.objects.filter(key=key, version=version)


def _store(key: str, version: str, dashboard: Dashboard, page: bytes) -> None:
    now = timezone.now()
    DashboardSnapshot.objects.bulk_create(
        [
            DashboardSnapshot(
                key=key,
                version=version,
                payload=pickle.dumps(dashboard, protocol=pickle.HIGHEST_PROTOCOL),
                page=page,
                computed_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["version", "payload", "page", "computed_at"],
    )
    DashboardSnapshot.objects.filter(computed_at__lt=now - KEPT_FOR).delete()
