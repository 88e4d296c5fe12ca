"""Writes for accounts: users and roles, API tokens, the audit trail."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import ApiToken, AuditEvent, Region, Team, Territory, User
from onevoice.accounts.roles import ROLE_PERMISSIONS

ERROR_UNKNOWN_ROLE = "Unknown role {role!r}; choose one of: {choices}."
ERROR_USERNAME_TAKEN = "A user named {username!r} already exists."
ERROR_TERRITORIES_FOR_REPS = "Only a sales rep is given territories, not a {role}."
ERROR_TEAM_FOR_MANAGERS = "Only a sales manager leads a team, not a {role}."
TOKEN_PREFIX_LEN = 8


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row; call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "pk", "") or ""),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


def roles_sync() -> dict[Role, int]:
    """Create one group per role and give it exactly the permissions of the role table.

    Permissions of apps not yet migrated are skipped; the next migrate adds them.
    Returns the number of permissions each role's group now holds.
    """
    wanted = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    by_name: dict[str, Permission] = {}
    for perm in Permission.objects.select_related("content_type"):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if name in wanted:
            by_name[name] = perm
    counts: dict[Role, int] = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        perms = [by_name[p] for p in ROLE_PERMISSIONS.get(role, ()) if p in by_name]
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts


def roles_sync_after_migrate(**kwargs: Any) -> None:
    """post_migrate receiver: keep role groups in line with the role table."""
    roles_sync()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: Role | str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    home_region: Region | None = None,
    territories: tuple[Territory, ...] = (),
    team: Team | None = None,
    actor: User | None = None,
) -> User:
    """Create a user with one role. ``password=None`` leaves the account unusable.

    Where they work: ``home_region`` (a technical field vet sees that region's clinics
    and none without one), ``territories`` a sales rep covers (taking them over from
    any other rep), the ``team`` a sales manager leads.
    """
    role = _parse_role(role)
    if User.objects.filter(username=username).exists():
        raise ValueError(ERROR_USERNAME_TAKEN.format(username=username))
    if territories and role != Role.SALES_REP:
        raise ValueError(ERROR_TERRITORIES_FOR_REPS.format(role=role.label.lower()))
    if team is not None and role != Role.SALES_MANAGER:
        raise ValueError(ERROR_TEAM_FOR_MANAGERS.format(role=role.label.lower()))
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        home_region=home_region,
        is_staff=role == Role.ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
    for territory in territories:
        territory.rep = user
        territory.save(update_fields=["rep"])
    if team is not None:
        team.manager = user
        team.save(update_fields=["manager"])
    where: dict[str, Any] = {
        "home_region": home_region.code if home_region else None,
        "territories": sorted(t.code for t in territories),
        "team": team.name if team else None,
    }
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        after={"role": role.value, **{k: v for k, v in where.items() if v}},
    )
    return user


@transaction.atomic
def user_set_role(*, user: User, role: Role | str, actor: User | None) -> User:
    """Give ``user`` exactly one role, replacing any other."""
    role = _parse_role(role)
    before = sorted(user.groups.values_list("name", flat=True))
    user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    audit_record(
        actor=actor, action="user.role", obj=user, before={"roles": before}, after={"role": role}
    )
    return user


def _parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValueError(
            ERROR_UNKNOWN_ROLE.format(role=role, choices=", ".join(r.value for r in Role))
        ) from None


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its key, which is never stored nor shown again."""
    key = "ov_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:TOKEN_PREFIX_LEN],
        key_hash=hash_token(key),
        expires_at=timezone.now() + timedelta(days=days or settings.API_TOKEN_DAYS),
    )
    audit_record(actor=user, action="api_token.create", obj=token)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token at once; requests carrying it are refused from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token)
    return token
