"""Dashboards computed once per scope and data version, shared by every server process.

Computing a dashboard reads every clinic, training, activity and month of sales of its
scope: seconds at head office with 100,000 clinics. What it shows changes only when the
data do (a sales import or rollback, a logged training or activity, a KPI value stored,
a rep's training…; see :mod:`.freshness`) or the day does, so the result is stored in
the database, keyed by the scope, beside the data version it was computed from, and
read back while that version is current. Stored in the operational database rather
than a cache server so every worker and process sees the same snapshot, it disappears
with the data it was computed from, and nothing else needs running.

**Stale pages are served while they are refreshed.** A page whose data changed is
served at once as stored, with the time it was computed, and one worker, holding a
lease on the snapshot row, recomputes it in a thread:

* a rep's or a small team's dashboard (up to :data:`BACKGROUND_ABOVE_TERRITORIES`
  territories), when only activities changed, at once: it takes a few tenths of a
  second at 100,000 clinics, and the page ("updating") reloads itself a moment later,
  so a rep's own visit shows within seconds without every page view after a logged
  activity (many a minute) waiting for a recompute. Other changes to a small scope
  (a training, a sales import, a KPI value) are computed on the request, so they show
  at once;
* a larger scope at most once per :data:`REFRESH_EVERY`, and one at a time across all
  workers: head office's dashboards depend on every territory, so with reps logging
  activities all day their version changes every second, and computing one takes
  seconds to tens of seconds ("as of 16:42, refreshing").

A scope's first page (nothing stored yet) is computed on the request. The CSV downloads
(:func:`dashboard_for`) are always computed from the current data. With
``settings.DASHBOARD_REFRESH_IN_BACKGROUND`` false (tests) the refresh runs on the
request, after the stale page was read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pickle
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from onevoice.accounts.permissions import role_of
from onevoice.accounts.selectors import territories_for
from onevoice.field.permissions import can_view_all_clinics
from onevoice.measurement import freshness
from onevoice.measurement.dashboards import Dashboard, dashboard_build
from onevoice.measurement.facts import Facts, Scope
from onevoice.measurement.models import DashboardSnapshot

# Part of every key: change it when what a stored Dashboard holds changes shape.
SNAPSHOT_FORMAT = "2"
# Scopes of more territories than this are refreshed at most every REFRESH_EVERY, one at
# a time; smaller ones as soon as they are stale.
BACKGROUND_ABOVE_TERRITORIES = 25
# A stale large scope is recomputed at most this often (each refresh costs seconds of a
# shared CPU; head office's data change every second under load). With 50 users on 100,000
# clinics, refreshing some thirty large snapshots every 2 minutes (10-20 s each) took more
# CPU than the server had; their pages say how old they are.
REFRESH_EVERY = dt.timedelta(minutes=10)
# A refresh that has not finished after this long is taken to have died with its worker:
# a large scope's (seconds to tens of seconds of work) and a small one's (tenths).
LEASE = dt.timedelta(minutes=10)
SMALL_LEASE = dt.timedelta(minutes=1)
log = logging.getLogger(__name__)
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
        # Their rights as well: a stored page is never served after they narrow (a new
        # role or other territories means a new key, computed on the first request).
        str(role_of(scope.viewer)),
        _digest(scope_territories(scope)),
        scope.start.isoformat(),
        scope.end.isoformat(),
        scope.region,
        scope.segment,
        scope.territory,
        variant,
        timezone.localdate().isoformat(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _digest(ids: list[int | None] | None) -> str:
    if ids is None:
        return "all"
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


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
    stored = DashboardSnapshot.objects.filter(key=key).values_list("version", "payload", "page")
    has_page = False
    for stored_version, payload, page in stored:
        if stored_version == version:
            dashboard: Dashboard = pickle.loads(bytes(payload))
            return dashboard
        has_page = bool(page)
    dashboard = dashboard_build(kind, Facts(scope))
    if not has_page:  # a stored page stays: a large scope serves it while it is refreshed
        _store(key, version, dashboard, b"")
    return dashboard


@dataclass(frozen=True)
class Page:
    """A dashboard's HTML fragments, and when they were computed if they are stale."""

    fragments: Fragments
    stale_as_of: dt.datetime | None = None
    # A small scope's stale page: refreshed within a moment, so the page reloads itself.
    updating: bool = False


def dashboard_page_for(
    kind: str, scope: Scope, *, variant: str, render: Callable[[Dashboard], Fragments]
) -> Page:
    """The dashboard's HTML fragments, ``render``-ed once per scope and data version:
    rendering thousands of table rows and chart points costs more than reading them.
    A large scope's stale page is served as it is while it is refreshed (see above)."""
    key = scope_key(kind, scope, variant)
    version = data_version(scope)
    stored = DashboardSnapshot.objects.filter(key=key).values_list("version", "page", "computed_at")
    for stored_version, page, computed_at in stored:
        if page and stored_version == version:
            return Page(pickle.loads(bytes(page)))
        large = _large(scope)
        if page and (large or freshness.only_activities_changed(stored_version, version)):
            stale = Page(pickle.loads(bytes(page)), stale_as_of=computed_at, updating=not large)
            if not large:
                _refresh_soon(key, kind, scope, render)
            elif computed_at <= timezone.now() - REFRESH_EVERY:
                _refresh_elsewhere(key, kind, scope, variant, render)
            return stale
    payloads = _current(key, version).values_list("payload", flat=True)
    dashboard = next((pickle.loads(bytes(p)) for p in payloads), None) or dashboard_build(
        kind, Facts(scope)
    )
    fragments = render(dashboard)
    _store(key, version, dashboard, pickle.dumps(fragments, protocol=pickle.HIGHEST_PROTOCOL))
    return Page(fragments)


def _large(scope: Scope) -> bool:
    ids = scope_territories(scope)
    n = territories_for(user=scope.viewer).count() if ids is None else len(ids) - 1
    return n > BACKGROUND_ABOVE_TERRITORIES


def _compute(kind: str, scope: Scope, key: str, render: Callable[[Dashboard], Fragments]) -> None:
    version = data_version(scope)  # read first: a write meanwhile makes it stale again
    dashboard = dashboard_build(kind, Facts(scope))
    fragments = render(dashboard)
    _store(key, version, dashboard, pickle.dumps(fragments, protocol=pickle.HIGHEST_PROTOCOL))


def _live(now: dt.datetime) -> Q:
    """Leases still held: a large scope's for LEASE, a small one's for SMALL_LEASE."""
    return Q(refresh_started_at__isnull=False) & (
        Q(refresh_large=True, refresh_started_at__gte=now - LEASE)
        | Q(refresh_large=False, refresh_started_at__gte=now - SMALL_LEASE)
    )


def _claim(key: str, *, alone: bool) -> dt.datetime | None:
    """Take the snapshot's refresh lease (returns when it was taken); None if another
    worker holds it, or, when ``alone`` (a large scope), if another large scope is being
    refreshed: one large refresh at a time in the whole installation, so they can never
    take more than one CPU from the requests (the others stay stale a little longer).
    One UPDATE with the conditions in it, so of two workers asking at once for the same
    snapshot only one gets it."""
    now = timezone.now()
    live = _live(now)
    if alone and DashboardSnapshot.objects.filter(live, refresh_large=True).exclude(key=key):
        return None
    taken = DashboardSnapshot.objects.filter(~live, key=key).update(
        refresh_started_at=now, refresh_large=alone
    )
    return now if taken == 1 else None


def _release(key: str, taken: dt.datetime | None = None) -> None:
    """Give the lease back (only the one taken at ``taken``, if given)."""
    held = DashboardSnapshot.objects.filter(key=key)
    if taken is not None:
        held = held.filter(refresh_started_at=taken)
    held.update(refresh_started_at=None)


def refresh(kind: str, scope: Scope, key: str, render: Callable[[Dashboard], Fragments]) -> None:
    """Recompute a snapshot whose lease this process holds, and release the lease."""
    try:
        _compute(kind, scope, key, render)
    except Exception:
        log.exception("Refreshing dashboard snapshot %s failed", key[:12])
    finally:
        # Released either way (a failed refresh is tried again on a later request).
        _release(key)


def _refresh_elsewhere(
    key: str, kind: str, scope: Scope, variant: str, render: Callable[[Dashboard], Fragments]
) -> None:
    """Refresh a large scope's snapshot, if this worker gets the lease, in a separate
    process at the lowest CPU priority (``manage.py dashboard_refresh``): 10-20 s of
    pandas at head office would otherwise hold the worker's interpreter lock (its other
    requests wait) and take a core from the requests. Now, in the request, in tests."""
    taken = _claim(key, alone=True)
    if taken is None:
        return
    if not getattr(settings, "DASHBOARD_REFRESH_IN_BACKGROUND", True):
        refresh(kind, scope, key, render)
        return
    command = [
        *(["nice", "-n", "19"] if shutil.which("nice") else []),
        *[sys.executable, "-m", "django", "dashboard_refresh"],
        # ``--name=value``: a query starting with "-" is still one value.
        *[f"--key={key}", f"--kind={kind}", f"--user={scope.viewer.pk}", f"--query={variant}"],
    ]
    try:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    except OSError:
        log.exception("Could not start the refresh of dashboard snapshot %s", key[:12])
        _release(key, taken)
        return

    def reap() -> None:
        # Waited for (no zombie left behind); a child that failed before releasing the
        # lease gets it released here, not after LEASE.
        if child.wait() != 0:
            log.error(
                "Refreshing dashboard snapshot %s failed (exit %s)", key[:12], child.returncode
            )
            try:
                _release(key, taken)
            finally:
                connection.close()

    threading.Thread(target=reap, name=f"reap-{key[:12]}", daemon=True).start()


def _refresh_soon(
    key: str, kind: str, scope: Scope, render: Callable[[Dashboard], Fragments]
) -> None:
    """Refresh a small scope's snapshot, if this worker gets the lease, in a thread (a
    few tenths of a second; a process would take longer to start). Now, in tests."""
    if _claim(key, alone=False) is None:
        return
    if not getattr(settings, "DASHBOARD_REFRESH_IN_BACKGROUND", True):
        refresh(kind, scope, key, render)
        return

    def in_thread() -> None:
        try:
            refresh(kind, scope, key, render)
        finally:
            connection.close()  # the thread's own connection

    threading.Thread(target=in_thread, name=f"dashboard-{key[:12]}", daemon=True).start()


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
        update_fields=["version", "payload", "page", "computed_at", "refresh_started_at"],
    )
    DashboardSnapshot.objects.filter(computed_at__lt=now - KEPT_FOR).delete()
