"""Pages: home, API tokens. Login, logout and password change are Django's own views
(the password change audited)."""

from __future__ import annotations

import csv
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onevoice.accounts.choices import Role
from onevoice.accounts.home import home_page_for
from onevoice.accounts.models import ApiToken
from onevoice.accounts.permissions import request_user, role_required
from onevoice.accounts.selectors import audit_events
from onevoice.accounts.services import api_token_create, api_token_revoke, audit_record
from onevoice.accounts.throttle import (
    ERROR_ADDRESS_SLOWED,
    ERROR_THROTTLED,
    client_ip,
    login_attempt_reserve,
    login_success_record,
)
from onevoice.exports import not_stored, safe_row

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


def _throttled(request: HttpRequest, username: str) -> str:
    """Count this password check (``accounts.throttle``); the refusal's text, if refused."""
    minutes, seconds = login_attempt_reserve(username=username, ip=client_ip(request))
    if minutes:
        return ERROR_THROTTLED.format(minutes=minutes)
    if seconds:
        return ERROR_ADDRESS_SLOWED.format(seconds=seconds)
    return ""


class AuditedPasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; that the password changed is audited, never its value.

    The old password is a password check like a login's: throttled on the same count, so
    a session left open cannot be used to guess it."""

    success_url = "/accounts/password/done/"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _throttled(request, request_user(request).get_username())
        if refused:
            form = self.get_form()
            form.errors.clear()
            context = self.get_context_data(form=form, throttled=refused)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        if "old_password" not in form.errors:  # the old password was right
            login_success_record(username=form.user.get_username())
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        login_success_record(username=form.user.get_username())
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(
                actor=form.user, action="user.password", obj=form.user, after={"via": "own page"}
            )
        return response


class ThrottledLoginView(auth_views.LoginView):
    """Django's login, refusing further attempts after repeated failures."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _throttled(request, request.POST.get("username") or "")
        if refused:
            form = self.get_form()
            form.errors.clear()
            context = self.get_context_data(form=form, throttled=refused)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        login_success_record(username=form.get_user().get_username())
        return super().form_valid(form)


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False)
    actor = forms.CharField(required=False, label="Username")
    object_type = forms.CharField(required=False, label="Object type")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


AUDIT_PAGE_SIZE = 200


@role_required(Role.ADMIN)
def audit_list(request: HttpRequest) -> HttpResponseBase:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(**{k: v for k, v in filters.items() if v})
    if request.GET.get("format") == "csv":
        return _audit_csv(events)
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "events": events[:AUDIT_PAGE_SIZE],
            "page_size": AUDIT_PAGE_SIZE,
            "query": request.GET.urlencode(),
        },
    )


def _audit_csv(events: Any) -> StreamingHttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    header = ["at", "actor", "action", "object_type", "object_id", "object", "before", "after"]

    def rows() -> Any:
        yield writer.writerow(header)
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                safe_row(
                    [
                        e.at.isoformat(),
                        e.actor.username if e.actor else "",
                        e.action,
                        e.object_type,
                        e.object_id,
                        e.object_repr,
                        json.dumps(e.before, default=str),
                        json.dumps(e.after, default=str),
                    ]
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="onevoice-audit.csv"'
    return not_stored(response)
