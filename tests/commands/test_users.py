import pytest
from typer.testing import CliRunner

from onevoice.accounts.choices import Role
from onevoice.accounts.models import User
from onevoice.accounts.permissions import role_of
from onevoice.cli import app
from onevoice.commands.users import WARNING_FIELD_VET_NO_REGION

runner = CliRunner()


def test_createuser_creates_a_user_with_the_role(db):
    result = runner.invoke(
        app,
        ["createuser", "nora", "--role", "field_vet", "--password", "a-long-pass-phrase"],
    )
    assert result.exit_code == 0, result.output
    assert "Created nora (field_vet)" in result.output
    user = User.objects.get(username="nora")
    assert role_of(user) == Role.FIELD_VET
    assert user.check_password("a-long-pass-phrase")


def test_createuser_refuses_weak_password_and_unknown_role(db):
    weak = runner.invoke(app, ["createuser", "x", "--role", "analyst", "--password", "123"])
    assert weak.exit_code == 1
    assert "too short" in weak.output
    bad = runner.invoke(
        app, ["createuser", "y", "--role", "boss", "--password", "a-long-pass-phrase"]
    )
    assert bad.exit_code == 1
    assert "Unknown role 'boss'" in bad.output
    assert not User.objects.filter(username__in=["x", "y"]).exists()


def _api_as(client, username: str, path: str):
    from onevoice.accounts.services import api_token_create

    _, key = api_token_create(user=User.objects.get(username=username), name="t")
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")


def test_createuser_gives_a_field_vet_a_region_and_without_one_they_see_nothing(client, org):
    from tests.field.factories import world

    world(org)  # a clinic in N1 (North) and one in S1 (South)
    pw = ["--password", "a-long-pass-phrase"]
    north = runner.invoke(app, ["createuser", "fv_n", "--role", "field_vet", "--region", "N", *pw])
    assert north.exit_code == 0, north.output
    assert User.objects.get(username="fv_n").home_region == org.north
    clinics = _api_as(client, "fv_n", "/api/field/clinics").json()
    assert [c["code"] for c in clinics["items"]] == ["CL-OWN"]
    nowhere = runner.invoke(app, ["createuser", "fv_0", "--role", "field_vet", *pw])
    assert nowhere.exit_code == 0, nowhere.output
    assert WARNING_FIELD_VET_NO_REGION in nowhere.output
    assert _api_as(client, "fv_0", "/api/field/clinics").json() == {"count": 0, "items": []}
    assert _api_as(client, "fv_0", "/api/field/territories").json() == []
    other = _api_as(client, "fv_0", f"/api/field/clinics/{org.field.other_clinic.pk}")
    assert other.status_code == 403


def test_createuser_gives_a_rep_territories_and_a_manager_a_team(client, org):
    from onevoice.accounts.models import Team, Territory

    pw = ["--password", "a-long-pass-phrase"]
    rep = runner.invoke(
        app, ["createuser", "rep2", "--role", "sales_rep", "--territory", "S1", *pw]
    )
    assert rep.exit_code == 0, rep.output
    assert Territory.objects.get(code="S1").rep.username == "rep2"
    assert [t["code"] for t in _api_as(client, "rep2", "/api/field/territories").json()] == ["S1"]
    mgr = runner.invoke(
        app, ["createuser", "mgr2", "--role", "sales_manager", "--team", "South team", *pw]
    )
    assert mgr.exit_code == 0, mgr.output
    assert Team.objects.get(name="South team").manager.username == "mgr2"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--role", "field_vet", "--region", "X"], "no region with code 'X'"),
        (["--role", "sales_rep", "--territory", "Z9"], "no territory with code 'Z9'"),
        (["--role", "sales_manager", "--team", "Nobody"], "no team named 'Nobody'"),
        (["--role", "analyst", "--territory", "S1"], "Only a sales rep is given territories"),
        (["--role", "sales_rep", "--team", "South team"], "Only a sales manager leads a team"),
    ],
)
def test_createuser_refuses_where_a_user_cannot_work(org, args, reason):
    result = runner.invoke(app, ["createuser", "z", *args, "--password", "a-long-pass-phrase"])
    assert result.exit_code == 1
    assert reason in result.output
    assert not User.objects.filter(username="z").exists()
