"""Hardening an attacker would probe: CSRF on every form, uploads never rendered as
HTML, files not served from the media folder, password rules, deployment settings."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from onevoice.accounts.choices import Role
from onevoice.campaigns.models import AssetVersion
from tests.campaigns.conftest import make_campaign
from tests.security.support import send, state_diff, stored_state
from tests.test_permission_matrix import MATRIX
from tests.url_matrix import ANON, Entry

# --------------------------------------------------------------------------- CSRF

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
UNSAFE_URLS = sorted(name for name, e in MATRIX.items() if e.method in UNSAFE)


def _requester(entry: Entry) -> Role:
    """A role the matrix lets through (so only CSRF can refuse it), else any role."""
    allowed = [r for r in Role if entry.expected(r.value) < 400]
    return (allowed or list(Role))[0]


def test_the_matrix_has_state_changing_urls_to_check():
    # Guard against a matrix change that would leave the CSRF test with nothing to do.
    assert len(UNSAFE_URLS) > 40
    assert any(n.startswith("api:") for n in UNSAFE_URLS)


@pytest.mark.parametrize("name", UNSAFE_URLS)
def test_state_changing_request_without_csrf_token_is_refused_and_changes_nothing(org, name):
    """A signed-in user's browser tricked into posting (no CSRF token) gets 403; with
    the token the same request goes through as the matrix says."""
    entry = MATRIX[name]
    role = _requester(entry)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.users[role])
    kwargs, data = entry.url_kwargs(org), entry.post_data(org)
    before = stored_state()
    response = send(client, name, entry, kwargs=kwargs, data=data)
    assert response.status_code == 403, (name, role, response.status_code)
    assert not state_diff(before, stored_state()), name

    token = "a" * 32  # any well-formed secret, as long as cookie and header agree
    client.cookies["csrftoken"] = token
    response = send(client, name, entry, kwargs=kwargs, data=data, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == entry.expected(role.value), (name, role)


GET_PAGES = sorted(
    name for name, e in MATRIX.items() if e.method == "GET" and not name.startswith("api:")
)
FORM_TAG = re.compile(r"<form\b[^>]*>", re.IGNORECASE | re.DOTALL)
ATTR = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*')""")


def _post_forms(page: str, page_url: str) -> set[str]:
    """The addresses of the page's ``method="post"`` forms (the page itself by default)."""
    actions = set()
    for tag in FORM_TAG.findall(page):
        attrs = {k.lower(): html.unescape(v[1:-1]) for k, v in ATTR.findall(tag)}
        if attrs.get("method", "get").lower() == "post":
            actions.add(urljoin(page_url, attrs.get("action") or page_url))
    return actions


def _viewer(entry: Entry) -> str | None:
    """Who sees the page itself (so its forms are rendered): a role, or anonymous."""
    for who in [*(r.value for r in Role), ANON]:
        if entry.expected(who) == 200:
            return who
    return None


def _is_csrf_refusal(response: Any) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


def test_only_the_api_is_exempt_from_the_csrf_middleware():
    """django-ninja checks CSRF itself for the session cookie (tested above); every
    other view relies on the middleware, so none may opt out of it."""
    exempt = [name for name, view in _views(get_resolver()) if getattr(view, "csrf_exempt", False)]
    assert exempt, "the API's views are expected here: is the walk still right?"
    assert all(name.startswith("api:") for name in exempt), exempt


def _views(resolver: URLResolver, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            found += _views(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern):
            found.append((prefix + (p.name or ""), p.callback))
    return found


@pytest.mark.parametrize("name", GET_PAGES)
def test_every_form_on_every_page_needs_its_csrf_token(org, name):
    """Each page is opened by someone who may see it, and every form it shows is posted
    without the CSRF token: 403 and nothing stored changes. This reaches the forms the
    matrix lists only by their page (uploads, imports, edit forms). With a token the
    same posts get past the CSRF check, so the refusals are the token's doing."""
    entry = MATRIX[name]
    who = _viewer(entry)
    if who is None:
        pytest.skip("nobody sees this page itself (it redirects)")
    client = Client(enforce_csrf_checks=True)
    if who != ANON:
        client.force_login(org.users[Role(who)])
    url = reverse(name, kwargs=entry.url_kwargs(org) or None)
    page = client.get(url)
    assert page.status_code == 200
    if "text/html" not in page.get("Content-Type", ""):
        return
    actions = sorted(_post_forms(page.content.decode(), url))
    before = stored_state()
    for action in actions:
        response = client.post(action, {"upload": SimpleUploadedFile("a.csv", b"a,b\n")})
        assert _is_csrf_refusal(response), (name, action, response.status_code)
    assert not state_diff(before, stored_state()), name
    token = "a" * 32
    client.cookies["csrftoken"] = token
    for action in actions:
        response = client.post(action, {}, HTTP_X_CSRFTOKEN=token)
        assert not _is_csrf_refusal(response), (name, action)


# Every upload form (the importers and the files users hand the app), by the page that
# shows it: the test above must keep reaching each one.
UPLOAD_FORMS = {
    "field:imports": "field:imports",
    "measurement:sales": "measurement:sales",
    "training:question_create": "training:question_create",
    "training:vhs_case_upload": "training:vhs_case_upload",
    "campaigns:detail": "campaigns:asset_create",
}


@pytest.mark.parametrize("page_name", sorted(UPLOAD_FORMS))
def test_the_csrf_check_reaches_every_upload_form(org, page_name):
    entry = MATRIX[page_name]
    who = _viewer(entry)
    assert who not in {None, ANON}
    client = Client()
    client.force_login(org.users[Role(str(who))])
    kwargs = entry.url_kwargs(org) or None
    url = reverse(page_name, kwargs=kwargs)
    action = reverse(UPLOAD_FORMS[page_name], kwargs=kwargs)
    assert action in _post_forms(client.get(url).content.decode(), url)


def test_login_form_needs_its_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    url = reverse("accounts:login")
    credentials = {"username": Role.ANALYST.value, "password": org.password}
    assert client.post(url, credentials).status_code == 403
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    response = client.post(url, {**credentials, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_api_token_requests_need_no_csrf_token_and_are_not_ambient(org):
    """A bearer token is sent deliberately, never by the browser on its own, so the API
    accepts it without CSRF; the session cookie alone, without CSRF, does not."""
    from onevoice.accounts.services import api_token_create

    _, key = api_token_create(user=org.users[Role.SALES_REP], name="csrf")
    campaign = make_campaign(org)
    url = reverse("api:objection_raise", kwargs={"slug": campaign.slug})
    body = '{"text": "Too dear."}'
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 201
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org.users[Role.SALES_REP])
    assert browser.post(url, body, content_type="application/json").status_code == 403


# --------------------------------------------------------------------------- uploads

HTML = b"<html><body><script>fetch('/api/me')</script></body></html>"
PNG_THEN_HTML = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8 + HTML


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("brochure.html", HTML),
        ("brochure.htm", HTML),
        ("brochure.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'),
        ("brochure.pdf", HTML),  # an HTML page named as a PDF
        ("slide.png", HTML),
        ("brochure.pdf.html", b"%PDF-1.4 " + HTML),
    ],
)
def test_campaign_asset_upload_of_html_is_refused_and_stores_nothing(
    client, org, settings, tmp_path, file_name, content
):
    # A media folder of its own, so "nothing was written" is checked where files go.
    settings.MEDIA_ROOT = tmp_path / "media"
    campaign = make_campaign(org)
    client.force_login(org.users[Role.MARKETING])
    response = client.post(
        reverse("campaigns:asset_create", kwargs={"slug": campaign.slug}),
        {"title": "Brochure", "kind": "detail_aid", "file": SimpleUploadedFile(file_name, content)},
        follow=True,
    )
    assert response.status_code == 200
    assert file_name in response.content.decode()  # the refusal names the file
    assert not AssetVersion.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*"))


def _uploaded_pdf(org):
    from onevoice.campaigns import services

    campaign = make_campaign(org)
    asset = services.asset_create(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        title="Detail aid",
        kind="detail_aid",
        file=SimpleUploadedFile("aid.pdf", b"%PDF-1.4 " + HTML),
    )
    return asset.versions.get()


def test_uploaded_asset_is_downloaded_as_an_attachment_never_rendered(client, org):
    version = _uploaded_pdf(org)
    client.force_login(org.users[Role.MARKETING])
    response = client.get(reverse("campaigns:asset_download", kwargs={"pk": version.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_media_folder_is_not_served_by_the_app(client, org):
    version = _uploaded_pdf(org)
    client.force_login(org.users[Role.ADMIN])
    assert version.file.name
    response = client.get(f"/media/{version.file.name}")
    assert response.status_code == 404


def test_training_question_image_is_never_served_as_html(client, org):
    """A hotspot question's image: the upload is checked as a PNG, but the name it is
    stored and served under must not let it be rendered as a web page."""
    from onevoice.training import services
    from tests.training.factories import make_program, tiny_png

    t = make_program(org)
    png = tiny_png()
    question = services.question_create(
        module=t.m1,
        user=org.users[Role.MARKETING],
        concept=t.concepts["vhs"],
        kind="hotspot",
        prompt="Click the apex.",
        explanation="There.",
        image=("apex.html", png + HTML),
        hotspots=[{"x": 10, "y": 10, "r": 5}],
    )
    client.force_login(org.users[Role.SALES_REP])
    response = client.get(reverse("training:question_image", kwargs={"pk": question.pk}))
    assert response.status_code == 200
    content_type = response["Content-Type"]
    attachment = response.get("Content-Disposition", "").startswith("attachment")
    assert attachment or content_type in {"image/png", "image/jpeg"}, content_type
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("accounts:audit", {}),
        ("field:vet_export", None),
    ],
)
def test_personal_and_audit_exports_are_attachments(client, org, name, kwargs):
    from tests.field.factories import world

    if kwargs is None:
        kwargs = {"pk": world(org).vet.pk}
    client.force_login(org.users[Role.ADMIN])
    url = reverse(name, kwargs=kwargs or None)
    if name == "accounts:audit":
        url += "?format=csv"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment"), name


# --------------------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    "password",
    ["password1", "onevoice", "12345678901", "sales_rep1", "short"],
)
def test_weak_passwords_are_refused_and_the_old_one_still_works(client, org, password):
    user = org.users[Role.SALES_REP]
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": org.password, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200  # the form again, with the reason
    user.refresh_from_db()
    assert user.check_password(org.password)


# --------------------------------------------------------------------------- deployment


def _manage(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "ONEVOICE_DEBUG", "ONEVOICE_HTTPS", "ONEVOICE_SECRET_KEY"}
    }
    full.update(ONEVOICE_HOME=str(home), **env)
    return subprocess.run(
        [sys.executable, "-m", "onevoice", "manage", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    out = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", ONEVOICE_HTTPS="1")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_deploy_check_would_catch_plain_http_settings(tmp_path):
    """The same check, without the production flag, names what is missing: it has teeth."""
    out = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode != 0
    report = out.stdout + out.stderr
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in report, warning


# --------------------------------------------------------------------------- log-in forms


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_password_guessing_is_throttled_on_every_login_form(client, org, login_url):
    """Six wrong passwords for the administrator on one login form: the right password
    is then refused for a while, on that form and on the others."""
    admin = org.users[Role.ADMIN]
    for i in range(6):
        client.post(login_url, {"username": admin.username, "password": f"guess-{i}"})
    for url in ("/accounts/login/", "/admin/login/"):
        client.post(url, {"username": admin.username, "password": org.password})
        assert "_auth_user_id" not in client.session, f"logged in through {url} after guessing"


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_each_login_form_logs_in_with_the_right_password(client, org, login_url):
    """The other half of the throttle test: without guesses, the same post logs in."""
    admin = org.users[Role.ADMIN]
    client.post(login_url, {"username": admin.username, "password": org.password})
    assert client.session.get("_auth_user_id") == str(admin.pk)
