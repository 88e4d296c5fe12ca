"""Shared fixtures: an organisation with one named user per role.

Database tests run on SQLite by default and on PostgreSQL when ``DATABASE_URL`` names
one; ``scripts/test`` runs the suite both ways. Tests that touch the database are
marked ``uses_db`` automatically so the PostgreSQL pass can select exactly them.
"""

from __future__ import annotations

import pytest

DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "client", "admin_client"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "uses_db: the test reads or writes the database")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or names & DB_FIXTURES or "org" in names:
            item.add_marker(pytest.mark.uses_db)


@pytest.fixture(autouse=True)
def _dashboards_refreshed_on_the_request(settings):  # type: ignore[no-untyped-def]
    """A stale dashboard is refreshed after it is served, in the request rather than in
    a thread: a thread's own connection would not see the test's transaction."""
    settings.DASHBOARD_REFRESH_IN_BACKGROUND = False


@pytest.fixture
def org(db, settings):  # type: ignore[no-untyped-def]
    """Two regions, each with a team and a manager, two territories with reps, and
    one user for every other role. Returns a namespace of the objects."""
    # Real hashing costs ~0.3 s a user; the hasher is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from types import SimpleNamespace

    from onevoice.accounts.choices import Role
    from onevoice.accounts.models import Region, Team, Territory
    from onevoice.accounts.services import user_create

    north = Region.objects.create(code="N", name="North")
    south = Region.objects.create(code="S", name="South")
    pw = "correct-horse-battery"
    users = {
        role: user_create(username=role.value, password=pw, role=role, first_name=role.label)
        for role in Role
    }
    users[Role.FIELD_VET].home_region = north
    users[Role.FIELD_VET].save(update_fields=["home_region"])
    other_manager = user_create(username="manager_south", password=pw, role=Role.SALES_MANAGER)
    other_rep = user_create(username="rep_south", password=pw, role=Role.SALES_REP)
    team_n = Team.objects.create(name="North team", region=north, manager=users[Role.SALES_MANAGER])
    team_s = Team.objects.create(name="South team", region=south, manager=other_manager)
    t_own = Territory.objects.create(
        code="N1", name="North one", region=north, team=team_n, rep=users[Role.SALES_REP]
    )
    t_other = Territory.objects.create(
        code="S1", name="South one", region=south, team=team_s, rep=other_rep
    )
    return SimpleNamespace(
        password=pw,
        users=users,
        north=north,
        south=south,
        team_north=team_n,
        team_south=team_s,
        territory_own=t_own,
        territory_other=t_other,
        other_manager=other_manager,
        other_rep=other_rep,
    )
