from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.accounts.permissions import role_of
from onevoice.accounts.roles import ROLE_PERMISSIONS
from onevoice.accounts.selectors import api_token_user
from onevoice.accounts.services import (
    ERROR_UNKNOWN_ROLE,
    ERROR_USERNAME_TAKEN,
    api_token_create,
    api_token_revoke,
    roles_sync,
    user_create,
    user_set_role,
)


def test_every_role_has_a_group_with_the_declared_permissions(db):
    roles_sync()
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(perms), role


def test_user_create_gives_one_role_and_audits_it(db):
    user = user_create(username="mia", password="a-long-password", role="sales_rep")
    assert role_of(user) == Role.SALES_REP
    assert user.check_password("a-long-password")
    assert not user.is_staff
    event = AuditEvent.objects.get(action="user.create")
    assert event.object_repr == "mia"
    assert event.after == {"role": "sales_rep"}


def test_user_create_refuses_unknown_role_and_duplicate_name(db):
    with pytest.raises(ValueError, match="Unknown role 'sales'"):
        user_create(username="x", password="p", role="sales")
    assert ERROR_UNKNOWN_ROLE.startswith("Unknown role")
    user_create(username="x", password="p", role=Role.ANALYST)
    with pytest.raises(ValueError, match="already exists") as exc:
        user_create(username="x", password="p", role=Role.ANALYST)
    assert str(exc.value) == ERROR_USERNAME_TAKEN.format(username="x")


def test_admin_role_is_staff_and_role_change_is_audited(db):
    user = user_create(username="boss", password="p", role=Role.ANALYST)
    user_set_role(user=user, role=Role.ADMIN, actor=None)
    user.refresh_from_db()
    assert user.is_staff
    # role_of caches on the instance; a fresh instance sees the new role.
    assert role_of(type(user).objects.get(pk=user.pk)) == Role.ADMIN
    event = AuditEvent.objects.get(action="user.role")
    assert event.before == {"roles": ["analyst"]}
    assert event.after == {"role": "admin"}


def test_api_token_works_until_revoked_and_only_hash_is_stored(db):
    user = user_create(username="ana", password="p", role=Role.ANALYST)
    token, key = api_token_create(user=user, name="script")
    assert key not in token.key_hash
    assert token.prefix == key[:8]
    assert api_token_user(key=key) == user
    api_token_revoke(token=token, actor=user)
    assert api_token_user(key=key) is None


def test_expired_token_and_inactive_user_are_refused(db):
    user = user_create(username="ana", password="p", role=Role.ANALYST)
    token, key = api_token_create(user=user, name="script")
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save(update_fields=["expires_at"])
    assert api_token_user(key=key) is None
    _, key2 = api_token_create(user=user, name="again")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api_token_user(key=key2) is None
