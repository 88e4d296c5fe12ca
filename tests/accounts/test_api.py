import json
import re

import pytest

from onevoice.accounts.choices import Role
from onevoice.accounts.services import api_token_create, api_token_revoke


@pytest.mark.parametrize("role", list(Role))
def test_me_with_token_returns_role_and_visible_territories(client, org, role):
    _, key = api_token_create(user=org.users[role], name="t")
    response = client.get("/api/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == role.value
    assert body["role"] == role.value
    codes = {t["code"] for t in body["territories"]}
    if role in {Role.MARKETING, Role.ANALYST, Role.ADMIN}:
        assert codes == {"N1", "S1"}
    elif role == Role.REVIEWER:
        assert codes == set()
    else:
        assert codes == {"N1"}


def test_me_refuses_anonymous_bad_and_revoked_tokens(client, org):
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    token, key = api_token_create(user=org.users[Role.ANALYST], name="t")
    api_token_revoke(token=token, actor=org.users[Role.ANALYST])
    assert client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_me_with_session(client, org):
    client.force_login(org.users[Role.SALES_REP])
    assert client.get("/api/me").json()["role"] == "sales_rep"


def test_openapi_docs_are_served_to_signed_in_users_only(client, org):
    # Issue 17: /api/docs was open anonymously (and loaded its script from a CDN).
    docs = client.get("/api/docs")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/accounts/login/")
    assert client.get("/api/openapi.json").status_code == 401
    assert (
        client.get("/api/openapi.json", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    _, key = api_token_create(user=org.users[Role.SALES_REP], name="t")
    by_token = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {key}"})
    assert "/api/me" in by_token.json()["paths"]
    client.force_login(org.users[Role.SALES_REP])
    assert client.get("/api/docs").status_code == 200
    assert "/api/me" in client.get("/api/openapi.json").json()["paths"]


def test_the_docs_page_fetches_nothing_from_another_host(client, org):
    client.force_login(org.users[Role.ANALYST])
    html = client.get("/api/docs").content.decode()
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+", html, re.IGNORECASE), html
    # Nor does Swagger UI itself: its validator badge would be fetched from
    # validator.swagger.io with the schema's address.
    settings_json = re.search(r'id="swagger-settings">(.*?)</script>', html, re.DOTALL)
    assert settings_json is not None
    assert json.loads(settings_json.group(1))["validatorUrl"] is None
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body
