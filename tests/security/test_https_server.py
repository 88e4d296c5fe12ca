"""A real `onevoice serve` with the production flag, spoken to over a socket as a browser
behind a TLS-terminating proxy would: cookies Secure and HttpOnly, HSTS, plain HTTP
redirected, CSRF checked against the page's origin."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.security.support import served

PASSWORD = "a-long-test-passphrase"


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "ONEVOICE_DEBUG", "ONEVOICE_SECRET_KEY"}
    }
    env.update(ONEVOICE_HOME=str(home), ONEVOICE_HTTPS="1", ONEVOICE_PASSWORD=PASSWORD)
    return env


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    home = tmp_path_factory.mktemp("https-home")
    cli = [sys.executable, "-m", "onevoice"]
    subprocess.run(
        [*cli, "manage", "migrate", "--verbosity", "0"], env=_env(home), check=True, timeout=300
    )
    created = subprocess.run(
        [*cli, "createuser", "ana", "--role", "analyst"],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    with served(_env(home), "--workers", "1") as port:
        yield port


def _request(
    port: int,
    method: str,
    path: str,
    *,
    https: bool = True,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = dict(headers or {})
    if https:
        sent["X-Forwarded-Proto"] = "https"  # what the TLS-terminating proxy adds
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as sent (flags included)."""
    out = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        out[header.split("=", 1)[0]] = header
    return out


def _login_page(port: int) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    response = conn.getresponse()
    html = response.read().decode()
    conn.close()
    cookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the login form carries a CSRF token"
    return cookie["csrftoken"].value, match.group(1)


def test_plain_http_is_redirected_to_https(https_server):
    response = _request(https_server, "GET", "/accounts/login/", https=False)
    assert response.status in {301, 302}
    assert response.headers["Location"].startswith("https://")


def test_pages_carry_hsts_nosniff_and_no_framing(https_server):
    response = _request(https_server, "GET", "/accounts/login/")
    assert response.status == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_csrf_cookie_is_secure_and_httponly(https_server):
    csrf = _cookies(_request(https_server, "GET", "/accounts/login/"))["csrftoken"]
    assert "Secure" in csrf
    assert "HttpOnly" in csrf
    assert "SameSite=Lax" in csrf


def test_session_cookie_after_login_is_secure_and_httponly(https_server):
    cookie, token = _login_page(https_server)
    origin = f"https://127.0.0.1:{https_server}"
    response = _request(
        https_server,
        "POST",
        "/accounts/login/",
        body=urlencode({"username": "ana", "password": PASSWORD, "csrfmiddlewaretoken": token}),
        headers={
            "Cookie": f"csrftoken={cookie}",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
    )
    assert response.status == 302, response.status
    session = _cookies(response)["sessionid"]
    assert "Secure" in session
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    max_age = re.search(r"Max-Age=(\d+)", session)
    assert max_age is not None
    assert int(max_age.group(1)) <= 12 * 3600  # the session ends within a working day


def test_login_posted_from_another_site_is_refused(https_server):
    """Over HTTPS Django also checks the Origin: a form on evil.example posting the
    victim's (stolen or fixed) CSRF cookie and token still fails."""
    cookie, token = _login_page(https_server)
    response = _request(
        https_server,
        "POST",
        "/accounts/login/",
        body=urlencode({"username": "ana", "password": PASSWORD, "csrfmiddlewaretoken": token}),
        headers={
            "Cookie": f"csrftoken={cookie}",
            "Origin": "https://evil.example",
            "Referer": "https://evil.example/",
        },
    )
    assert response.status == 403
    assert "sessionid" not in _cookies(response)
