import pytest

from onevoice.accounts.choices import Role
from onevoice.accounts.permissions import can_view_territory, role_of
from onevoice.accounts.selectors import territories_for

# Who sees which territory of the `org` fixture: (own = North one, other = South one).
EXPECTED = {
    Role.MARKETING: (True, True),
    Role.ANALYST: (True, True),
    Role.ADMIN: (True, True),
    Role.SALES_REP: (True, False),
    Role.SALES_MANAGER: (True, False),
    Role.FIELD_VET: (True, False),
    Role.REVIEWER: (False, False),
}


@pytest.mark.parametrize("role", list(Role))
def test_territory_visibility_per_role(org, role):
    user = org.users[role]
    own, other = EXPECTED[role]
    assert can_view_territory(user=user, territory=org.territory_own) is own
    assert can_view_territory(user=user, territory=org.territory_other) is other
    listed = set(territories_for(user=user))
    assert (org.territory_own in listed) is own
    assert (org.territory_other in listed) is other


def test_anonymous_and_roleless_users_have_no_role(db, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert role_of(AnonymousUser()) is None
    plain = django_user_model.objects.create_user(username="plain", password="p")
    assert role_of(plain) is None


def test_superuser_is_admin(db, django_user_model):
    root = django_user_model.objects.create_superuser(username="root", password="p")
    assert role_of(root) == Role.ADMIN


def test_role_is_looked_up_once_per_request_user(org, django_assert_num_queries):
    from django.contrib.auth import get_user_model
    from django.utils.functional import SimpleLazyObject

    pk = org.users[Role.SALES_REP].pk
    lazy = SimpleLazyObject(lambda: get_user_model().objects.get(pk=pk))
    with django_assert_num_queries(2):  # the user, then its groups, once
        for _ in range(5):
            assert role_of(lazy) == Role.SALES_REP
