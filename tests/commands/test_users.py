from typer.testing import CliRunner

from onevoice.accounts.choices import Role
from onevoice.accounts.models import User
from onevoice.accounts.permissions import role_of
from onevoice.cli import app

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
