"""``manage.py dashboard_refresh``: recompute one stored dashboard page.

Started by a server worker (``measurement.snapshots``) for a large scope's stale page,
at the lowest CPU priority, after taking the page's refresh lease; it recomputes the
page as ``--user`` would see it with ``--query`` and releases the lease. Not meant to be
run by hand, though it does no harm: a page whose lease is not held is left alone.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.http import QueryDict

from onevoice.accounts.models import User
from onevoice.measurement import snapshots
from onevoice.measurement.dashboards import CHARTS
from onevoice.measurement.models import DashboardSnapshot
from onevoice.measurement.views import dashboard_fragments, dashboard_request_for


class Command(BaseCommand):
    help = "Recompute one stored dashboard page whose refresh lease is held (internal)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key", required=True)
        parser.add_argument("--kind", required=True, choices=sorted(CHARTS))
        parser.add_argument("--user", required=True, type=int)
        parser.add_argument("--query", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        key, kind, query = options["key"], options["kind"], options["query"]
        leased = DashboardSnapshot.objects.filter(key=key, refresh_started_at__isnull=False)
        user = User.objects.filter(pk=options["user"], is_active=True).first()
        if not leased.exists():
            return
        try:
            asked = None if user is None else dashboard_request_for(user, kind, QueryDict(query))
        except PermissionDenied:
            asked = None
        if (
            asked is None
            or asked.scope is None
            or snapshots.scope_key(kind, asked.scope, query) != key
        ):
            # The user, their rights or the day changed since: nothing to recompute.
            leased.update(refresh_started_at=None)
            return
        snapshots.refresh(kind, asked.scope, key, dashboard_fragments(kind, asked, query))
