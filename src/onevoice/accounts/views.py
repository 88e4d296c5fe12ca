"""Pages: home, API tokens. Login, logout and password change are Django's own views."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onevoice.accounts.choices import Role
from onevoice.accounts.home import home_page_for
from onevoice.accounts.models import ApiToken
from onevoice.accounts.permissions import request_user, role_required
from onevoice.accounts.services import api_token_create, api_token_revoke

ALL = tuple(Role)


@role_required(*ALL)
def home(request: HttpRequest) -> HttpResponse:
    page = home_page_for(user=request_user(request))
    return render(request, "accounts/home.html", {"page": page})


@role_required(*ALL)
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request_user(request))
    return render(request, "accounts/tokens.html", {"tokens": tokens})


@require_POST
@role_required(*ALL)
def token_create(request: HttpRequest) -> HttpResponse:
    name = (request.POST.get("name") or "").strip()[:100] or "API token"
    _, key = api_token_create(user=request_user(request), name=name)
    tokens = ApiToken.objects.filter(user=request_user(request))
    return render(request, "accounts/tokens.html", {"tokens": tokens, "new_key": key})


@require_POST
@role_required(*ALL)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Filtering by owner makes another user's token a 404, not a revocation.
    token = get_object_or_404(ApiToken, pk=pk, user=request_user(request))
    api_token_revoke(token=token, actor=request_user(request))
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("accounts:tokens")
