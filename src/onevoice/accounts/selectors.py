"""Reads for accounts: token look-up, teams and territories a user works with."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import ApiToken, AuditEvent, Team, Territory, User
from onevoice.accounts.permissions import role_of
from onevoice.accounts.services import hash_token


def api_token_user(*, key: str) -> User | None:
    """Return the active user owning an unrevoked, unexpired token with this key."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Recording use is best-effort bookkeeping; one UPDATE, no model save.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def territories_for(*, user: User) -> QuerySet[Territory]:
    """The territories a user works in: own (rep), team's (manager), all (head office)."""
    qs = Territory.objects.select_related("region", "team", "rep")
    role = role_of(user)
    if role == Role.SALES_REP:
        return qs.filter(rep=user)
    if role == Role.SALES_MANAGER:
        return qs.filter(team__manager=user)
    if role == Role.FIELD_VET:
        # Without a region, none: a field vet is given a region before seeing clinics.
        return qs.filter(region_id=user.home_region_id) if user.home_region_id else qs.none()
    if role in {Role.ADMIN, Role.MARKETING, Role.ANALYST}:
        return qs
    return qs.none()


def teams_led_by(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(manager=user).select_related("region")


def users_by_role() -> dict[str, int]:
    """Number of active users holding each role, for the admin's home page."""
    counts = {role.value: 0 for role in Role}
    for name in User.objects.filter(is_active=True).values_list("groups__name", flat=True):
        if name in counts:
            counts[name] += 1
    return counts


def audit_events(
    *,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    since: Any = None,
    until: Any = None,
) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, filtered as the admin asked."""
    qs = AuditEvent.objects.select_related("actor")
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor__username=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs
