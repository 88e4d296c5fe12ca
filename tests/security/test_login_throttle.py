"""Login throttling that cannot be turned against users (issue 17, finding 6).

Found on a served demo: twenty failed logins with made-up names locked every account
out from that address (behind a proxy: every user); an NFKC look-alike name
(``ｅmma.ryan``) with the right password logged in and cleared the account's lock;
thirty concurrent wrong attempts had 16-18 passwords checked against a limit of five;
the password-change form had no throttle.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import LoginFailure
from onevoice.accounts.throttle import (
    ADDRESS_SLOWDOWN,
    ERROR_ADDRESS_SLOWED,
    MAX_FAILURES_PER_IP,
    MAX_FAILURES_PER_USERNAME,
    normalised_username,
)
from tests.security.support import served

LOGIN = "/accounts/login/"


def _logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    return "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("look_alike", ["ａｎａｌｙｓｔ", "ANALYST", " Analyst "])
def test_a_look_alike_name_is_the_same_account_for_the_throttle(client, org, look_alike):
    assert normalised_username(look_alike) == "analyst"
    for i in range(MAX_FAILURES_PER_USERNAME):
        client.post(LOGIN, {"username": "analyst", "password": f"guess-{i}"})
    response = client.post(LOGIN, {"username": look_alike, "password": org.password})
    assert response.status_code == 429
    assert not _logged_in(client)
    # The lock is still there for the account's own name.
    response = client.post(LOGIN, {"username": "analyst", "password": org.password})
    assert response.status_code == 429


@pytest.mark.django_db
def test_look_alike_guesses_count_against_the_account(client, org):
    for i in range(MAX_FAILURES_PER_USERNAME):
        client.post(LOGIN, {"username": "ａｎａｌｙｓｔ", "password": f"guess-{i}"})
    assert client.post(LOGIN, {"username": "analyst", "password": org.password}).status_code == 429


@pytest.mark.django_db
def test_guesses_with_made_up_names_slow_only_their_address(client, org):
    attacker, colleague = {"REMOTE_ADDR": "192.0.2.7"}, {"REMOTE_ADDR": "192.0.2.8"}
    for i in range(MAX_FAILURES_PER_IP):
        client.post(LOGIN, {"username": f"nobody{i}", "password": "x"}, **attacker)
    # Another address is not touched at all.
    client.post(LOGIN, {"username": "marketing", "password": org.password}, **colleague)
    assert _logged_in(client)
    client.logout()
    # The address itself is slowed, not locked: one attempt per ADDRESS_SLOWDOWN.
    slowed = client.post(LOGIN, {"username": "analyst", "password": org.password}, **attacker)
    assert slowed.status_code == 429
    expected = ERROR_ADDRESS_SLOWED.split("{")[0]
    assert expected in slowed.content.decode()
    LoginFailure.objects.update(at=LoginFailure.objects.first().at - ADDRESS_SLOWDOWN)
    client.post(LOGIN, {"username": "analyst", "password": org.password}, **attacker)
    assert _logged_in(client), "a user at the guessing address waited seconds, not 15 minutes"


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_clients_address_is_counted(client, org, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"

    def via(address: str) -> dict[str, str]:
        # A client may send its own X-Forwarded-For; the proxy appends what it saw.
        return {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": f"203.0.113.99, {address}"}

    for i in range(MAX_FAILURES_PER_IP):
        client.post(LOGIN, {"username": f"nobody{i}", "password": "x"}, **via("198.51.100.1"))
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"198.51.100.1"}
    client.post(LOGIN, {"username": "marketing", "password": org.password}, **via("198.51.100.2"))
    assert _logged_in(client), "another user behind the same proxy was refused"


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_forwarded_for_is_ignored(client, org):
    for i in range(MAX_FAILURES_PER_IP):
        client.post(
            LOGIN,
            {"username": f"nobody{i}", "password": "x"},
            REMOTE_ADDR="192.0.2.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"192.0.2.9"}


@pytest.mark.django_db
def test_the_password_change_form_is_throttled_too(client, org):
    user = org.users[Role.ANALYST]
    client.force_login(user)
    url = reverse("accounts:password_change")
    new = "another-long-passphrase"
    for i in range(MAX_FAILURES_PER_USERNAME):
        wrong = {"old_password": f"guess-{i}", "new_password1": new, "new_password2": new}
        assert client.post(url, wrong).status_code == 200
    right = {"old_password": org.password, "new_password1": new, "new_password2": new}
    response = client.post(url, right)
    assert response.status_code == 429
    assert 'data-testid="throttled"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(org.password)


@pytest.mark.django_db
def test_a_right_old_password_does_not_count_as_a_guess(client, org):
    client.force_login(org.users[Role.ANALYST])
    url = reverse("accounts:password_change")
    mismatched = {"old_password": org.password, "new_password1": "a" * 12, "new_password2": "b"}
    for _ in range(MAX_FAILURES_PER_USERNAME + 1):
        assert client.post(url, mismatched).status_code == 200
    assert not LoginFailure.objects.exists()


# ------------------------------------------------------------ a real server, concurrently

PASSWORD = "a-long-test-passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    home = tmp_path_factory.mktemp("throttle-home")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "ONEVOICE_DEBUG", "ONEVOICE_SECRET_KEY", "ONEVOICE_HTTPS"}
    }
    env.update(ONEVOICE_HOME=str(home), ONEVOICE_PASSWORD=PASSWORD)
    cli = [sys.executable, "-m", "onevoice"]
    subprocess.run([*cli, "manage", "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([*cli, "createuser", "ana", "--role", "analyst"], env=env, check=True)
    with served(env, "--workers", "2", "--threads", "8") as port:
        yield port


def _login_form(port: int) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", LOGIN)
    response = conn.getresponse()
    body = response.read().decode()
    cookie = SimpleCookie(response.getheader("Set-Cookie"))["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token is not None
    return cookie, token.group(1)


def _post_login(port: int, cookie: str, token: str, password: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urlencode({"csrfmiddlewaretoken": token, "username": "ana", "password": password})
    conn.request(
        "POST",
        LOGIN,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
        },
    )
    return conn.getresponse().status


def test_concurrent_guesses_check_no_more_passwords_than_the_limit(server):
    cookie, token = _login_form(server)
    with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(
            pool.map(lambda i: _post_login(server, cookie, token, f"guess-{i}"), range(30))
        )
    checked = statuses.count(200)  # the form again: the password was checked and wrong
    assert checked <= MAX_FAILURES_PER_USERNAME, statuses
    assert statuses.count(429) == 30 - checked, statuses
    # And the right password is refused for the rest of the window.
    assert _post_login(server, cookie, token, PASSWORD) == 429
