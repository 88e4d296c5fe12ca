"""Who may see what. Views and API endpoints call these; they never test roles inline.

``role_of`` is the single source of a user's role; the ``access_*`` functions decide,
one condition a line, whether a user may reach one object.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory, User

ALL_ROLES: frozenset[Role] = frozenset(Role)
ERROR_ROLE_DENIED = "Your role does not give access to this page."
ERROR_TERRITORY_DENIED = "This territory is outside your team."

_UNSET = object()

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def role_of(user: Any) -> Role | None:
    """Return the user's role, or None for anonymous users and users without one."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    # Pages ask several times per request; the role is cached on the user instance.
    # getattr, not __dict__: request.user is a lazy proxy whose own __dict__ is not the
    # user's, so a __dict__ look-up would never hit.
    cached = getattr(user, "_onevoice_role", _UNSET)
    if cached is not _UNSET:
        return cast("Role | None", cached)
    role: Role | None = None
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        # A user holds one role; if an admin gave two, the first in Role's order wins.
        role = next((r for r in Role if r.value in names), None)
    user._onevoice_role = role
    return role


def has_role(user: Any, roles: frozenset[Role] | set[Role] | tuple[Role, ...]) -> bool:
    """True when the user is active and holds one of ``roles``."""
    role = role_of(user)
    return role is not None and role in roles


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request that passed ``role_required``."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(ERROR_ROLE_DENIED)
    return user


def role_required(*roles: Role) -> Callable[[ViewFunc], ViewFunc]:
    """Guard a view: anonymous users go to the login page, other roles get 403."""
    allowed = frozenset(roles) if roles else ALL_ROLES

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, allowed):
                raise PermissionDenied(ERROR_ROLE_DENIED)
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def can_view_territory(*, user: User, territory: Territory) -> bool:
    """A rep sees their own territories; a manager their team's; head-office roles all."""
    role = role_of(user)
    if role is None:
        return False
    if role in {Role.ADMIN, Role.MARKETING, Role.ANALYST}:
        return True
    if role == Role.SALES_REP:
        return territory.rep_id == user.pk
    if role == Role.SALES_MANAGER:
        return territory.team is not None and territory.team.manager_id == user.pk
    if role == Role.FIELD_VET:
        # A field vet without a region sees nothing until given one, not everything.
        return user.home_region_id is not None and territory.region_id == user.home_region_id
    return False


def access_territory(*, user: User, territory: Territory) -> Territory:
    """Return the territory if the user may see it, else raise PermissionDenied."""
    if not can_view_territory(user=user, territory=territory):
        raise PermissionDenied(ERROR_TERRITORY_DENIED)
    return territory
