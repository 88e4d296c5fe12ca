"""Login throttling: repeated failures lock an account name (and an address) for a while.

Kept in the database, not a per-process cache, so every server worker sees the same
count.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from onevoice.accounts.models import LoginFailure

MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20
WINDOW = timedelta(minutes=15)
ERROR_THROTTLED = (
    "Too many failed log-in attempts. Try again in {minutes} minutes, or ask an "
    "administrator to reset your password."
)


def login_throttled_for(*, username: str, ip: str | None) -> int:
    """Minutes left before this username / address may try again; 0 when allowed."""
    since = timezone.now() - WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    checks = [recent.filter(username=username.lower())[:MAX_FAILURES_PER_USERNAME]]
    limits = [MAX_FAILURES_PER_USERNAME]
    if ip:
        checks.append(recent.filter(ip=ip)[:MAX_FAILURES_PER_IP])
        limits.append(MAX_FAILURES_PER_IP)
    for failures, limit in zip(checks, limits, strict=True):
        times = [f.at for f in failures]
        if len(times) >= limit:
            oldest_counted = min(times)
            left = oldest_counted + WINDOW - timezone.now()
            return max(1, int(left.total_seconds() // 60) + 1)
    return 0


@transaction.atomic
def login_failure_record(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)
    # Old rows carry no information once outside the window.
    LoginFailure.objects.filter(at__lt=timezone.now() - 2 * WINDOW).delete()


def login_success_record(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
