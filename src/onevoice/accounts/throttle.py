"""Login throttling that cannot be turned against the users it protects.

* **Per account**: five failures for one account name within 15 minutes refuse further
  attempts for that name for the rest of the window. The name is counted as
  authentication reads it (NFKC, as Django's login form normalises it, then casefold),
  so ``ｅmma.ryan`` or ``EMMA.RYAN`` is the same account and neither gets five more
  guesses nor clears the lock.
* **Per address**: twenty failures from one address within the window do not lock
  anyone out; they *slow* that address to one attempt every ``ADDRESS_SLOWDOWN``. The
  address is the proxy's client address only when ``ONEVOICE_TRUSTED_PROXIES`` says how
  many proxies stand in front (``X-Forwarded-For`` is otherwise the client's to forge).
* **Atomic**: an attempt is counted *before* its password is checked, inside one
  serialised transaction (SQLite's ``IMMEDIATE`` transactions; a transaction-scoped
  advisory lock on PostgreSQL), and uncounted when it succeeds, so thirty concurrent
  guesses check at most five passwords.

Kept in the database, not a per-process cache, so every server worker sees the same
count.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from onevoice.accounts.models import LoginFailure

MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20
WINDOW = timedelta(minutes=15)
ADDRESS_SLOWDOWN = timedelta(seconds=30)
ERROR_THROTTLED = (
    "Too many failed log-in attempts. Try again in {minutes} minutes, or ask an "
    "administrator to reset your password."
)
ERROR_ADDRESS_SLOWED = (
    "Too many failed log-in attempts from your network. Wait {seconds} seconds and try again."
)
# Any constant: the key of PostgreSQL's advisory lock that serialises the counting.
_PG_LOCK_KEY = 0x0E_70_1C_E0


def normalised_username(username: str) -> str:
    """The account name as authentication compares it, casefolded: the throttle's key."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()[:150]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind ``ONEVOICE_TRUSTED_PROXIES``
    proxies the address the outermost trusted one saw (from the right of
    ``X-Forwarded-For``, the part the client cannot write)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if not proxies:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def _serialise() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _wait(oldest: list[datetime], now: datetime) -> timedelta:
    return min(oldest) + WINDOW - now


@transaction.atomic
def login_attempt_reserve(*, username: str, ip: str | None) -> tuple[int, int]:
    """Count one sign-in attempt as a failure before its password is checked.

    Returns ``(minutes, seconds)``: minutes the account name is locked for, or seconds
    the address must wait; ``(0, 0)`` when the attempt may go ahead (and is counted
    until ``login_success_record`` uncounts it).
    """
    _serialise()
    key = normalised_username(username)
    now = timezone.now()
    recent = LoginFailure.objects.filter(at__gte=now - WINDOW)
    by_name = list(recent.filter(username=key).values_list("at", flat=True))
    if len(by_name) >= MAX_FAILURES_PER_USERNAME:
        left = _wait(by_name, now)
        return max(1, int(left.total_seconds() // 60) + 1), 0
    if ip:
        by_address = list(
            recent.filter(ip=ip).order_by("-at").values_list("at", flat=True)[:MAX_FAILURES_PER_IP]
        )
        if len(by_address) >= MAX_FAILURES_PER_IP:
            wait = by_address[0] + ADDRESS_SLOWDOWN - now
            if wait > timedelta(0):
                return 0, max(1, int(wait.total_seconds()) + 1)
    LoginFailure.objects.create(username=key, ip=ip, at=now)
    # Old rows carry no information once outside the window.
    LoginFailure.objects.filter(at__lt=now - 2 * WINDOW).delete()
    return 0, 0


def login_failure_record(*, username: str, ip: str | None) -> None:
    """Count a failure that did not go through ``login_attempt_reserve`` (tests, tools)."""
    LoginFailure.objects.create(username=normalised_username(username), ip=ip)


def login_success_record(*, username: str) -> None:
    """The password was right: the account's counted attempts no longer count."""
    LoginFailure.objects.filter(username=normalised_username(username)).delete()
