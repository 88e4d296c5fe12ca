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


def test_openapi_docs_are_served(client):
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/me" in schema["paths"]
