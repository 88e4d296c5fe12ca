"""API authentication: a bearer token, or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
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
