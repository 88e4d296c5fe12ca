"""API authentication: a bearer token, or the browser session (with CSRF)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.security import APIKeyCookie, HttpBearer

from onevoice.accounts.permissions import role_of
from onevoice.accounts.selectors import api_token_user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ov_…``; revoked or expired tokens are refused."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(key=token)
        if user is None or role_of(user) is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; ninja enforces CSRF for cookie auth."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and role_of(user) is not None:
            return user
        return None


def docs_signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's docs page and its OpenAPI schema, for users with a role only: by
    session, or by token for the schema. Anonymous, the page redirects to the login and
    the schema is a 401 like every other endpoint (issue 17: both were open)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and role_of(user) is not None:
            return view(request, *args, **kwargs)
        if TokenAuth()(request) is not None:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        return redirect_to_login(request.get_full_path())

    return wrapped
