import datetime as dt
import re

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import ApiToken
from onevoice.accounts.services import hash_token
from onevoice.field.models import Clinic

HEADLINES = {
    Role.MARKETING: "The launch campaign",
    Role.SALES_MANAGER: "Your team",
    Role.SALES_REP: "Your territory",
    Role.FIELD_VET: "Customer trainings you co-delivered",
    Role.REVIEWER: "Claims and assets to review",
    Role.ANALYST: "Sales data and measurement",
    Role.ADMIN: "Users and territories",
}


def test_home_redirects_anonymous_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", list(Role))
def test_login_lands_each_role_on_its_home_page(client, org, role):
    response = client.post(
        reverse("accounts:login"),
        {"username": role.value, "password": org.password},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert HEADLINES[role] in html
    assert f'data-role="{role.value}"' in html
    assert role.label in html


def test_wrong_password_stays_on_login_with_message(client, org):
    response = client.post(
        reverse("accounts:login"), {"username": "marketing", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "didn't match. Please try again." in response.content.decode()


def test_rep_home_lists_own_untrained_clinics_only(client, org):
    Clinic.objects.create(
        code="C1",
        name="Own Clinic",
        region=org.north,
        territory=org.territory_own,
        segment="independent_small",
        potential=9,
    )
    Clinic.objects.create(
        code="C2",
        name="Other Clinic",
        region=org.south,
        territory=org.territory_other,
        segment="independent_small",
        potential=99,
    )
    client.force_login(org.users[Role.SALES_REP])
    html = client.get(reverse("home")).content.decode()
    assert "Own Clinic" in html
    assert "Other Clinic" not in html


def test_manager_home_names_the_ten_territories_furthest_behind_and_links_to_all(client, org):
    from onevoice.accounts.models import Territory

    trained_at = dt.date.today() - dt.timedelta(days=3)
    for i in range(1, 13):
        t = Territory.objects.create(
            code=f"T{i:02}", name=f"Moor {i:02}", region=org.north, team=org.team_north
        )
        # T01 has no trained clinic; the others more trained the higher their number.
        for j in range(4):
            Clinic.objects.create(
                code=f"C{i:02}{j}",
                name=f"Clinic {i:02}{j}",
                region=org.north,
                territory=t,
                segment="independent_small",
                first_trained=trained_at if j < min(i - 1, 4) else None,
            )
    client.force_login(org.users[Role.SALES_MANAGER])
    html = client.get(reverse("home")).content.decode()
    table = html[html.index('data-testid="territory-summary-table"') :]
    shown = re.findall(r"<tr><td>(T\d\d|N1) ", table)
    # N1 has no clinic and T05..T12 are fully trained: T01..T04, then by code.
    assert shown == [
        "T01",
        "T02",
        "T03",
        "T04",
        "T05",
        "T06",
        "T07",
        "T08",
        "T09",
        "T10",
    ]
    assert "The 10 of your 13 territories furthest behind on customer trainings" in html
    assert f'href="{reverse("field:territories")}?sort=attention"' in html


def test_analyst_home_without_sales_asks_for_an_import_and_shows_no_figure(client, org):
    client.force_login(org.users[Role.ANALYST])
    html = client.get(reverse("home")).content.decode()
    assert "Import the distributor sales files" in html
    assert "Last sales import" not in html


def test_logout_requires_post_and_ends_session(client, org):
    client.force_login(org.users[Role.ANALYST])
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_password_change_enforces_validators(client, org):
    user = org.users[Role.SALES_REP]
    client.force_login(user)
    url = reverse("accounts:password_change")
    weak = {"old_password": org.password, "new_password1": "12345", "new_password2": "12345"}
    assert client.post(url, weak).status_code == 200
    strong = {
        "old_password": org.password,
        "new_password1": "a-much-better-phrase",
        "new_password2": "a-much-better-phrase",
    }
    assert client.post(url, strong).status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-better-phrase")


def test_token_page_creates_shows_once_and_revokes(client, org):
    user = org.users[Role.ANALYST]
    client.force_login(user)
    html = client.post(reverse("accounts:token_create"), {"name": "nightly"}).content.decode()
    token = ApiToken.objects.get(user=user)
    assert 'data-testid="new-token"' in html
    assert token.prefix in html
    key = re.search(r'data-testid="new-token">(ov_[^<]+)<', html).group(1)
    assert token.key_hash == hash_token(key)
    assert key not in client.get(reverse("accounts:tokens")).content.decode()
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token(client, org):
    from onevoice.accounts.services import api_token_create

    token, _ = api_token_create(user=org.users[Role.MARKETING], name="theirs")
    client.force_login(org.users[Role.ANALYST])
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_login_is_throttled_after_repeated_failures_even_with_the_right_password(client, org):
    from onevoice.accounts.throttle import MAX_FAILURES_PER_USERNAME

    url = reverse("accounts:login")
    for _ in range(MAX_FAILURES_PER_USERNAME):
        assert client.post(url, {"username": "analyst", "password": "guess"}).status_code == 200
    response = client.post(url, {"username": "analyst", "password": org.password})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still logged out
    # Another account is not locked by the first one's failures.
    ok = client.post(url, {"username": "marketing", "password": org.password})
    assert ok.status_code == 302


def test_a_successful_login_clears_earlier_failures(client, org):
    from onevoice.accounts.models import LoginFailure

    url = reverse("accounts:login")
    client.post(url, {"username": "analyst", "password": "guess"})
    client.post(url, {"username": "analyst", "password": org.password})
    assert not LoginFailure.objects.filter(username="analyst").exists()


def test_admin_browses_and_exports_the_audit_trail(client, org):
    from onevoice.accounts.services import user_set_role

    user_set_role(user=org.users[Role.REVIEWER], role=Role.ANALYST, actor=org.users[Role.ADMIN])
    client.force_login(org.users[Role.ADMIN])
    html = client.get(reverse("accounts:audit"), {"action": "user.role"}).content.decode()
    assert "user.role" in html
    assert "user.create" not in html
    response = client.get(reverse("accounts:audit"), {"action": "user.role", "format": "csv"})
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("at,actor,action")
    assert len(lines) == 2
    assert "admin,user.role" in lines[1]
    assert "analyst" in lines[1]


def test_home_counts_the_reps_overdue_on_pre_work_as_the_readiness_table_does(client, org):
    from django.utils import timezone

    from onevoice.accounts.models import Territory
    from onevoice.accounts.services import user_create
    from onevoice.training import selectors as training_selectors
    from onevoice.training.models import QuizAttempt
    from tests.training.factories import make_program

    t = make_program(org)
    # Three more reps in the North team: one passes both modules, one only the first,
    # one passes both but never submits the second (an open attempt does not count).
    reps = []
    for name in ("done", "half", "open"):
        rep = user_create(username=f"rep_{name}", password=org.password, role=Role.SALES_REP)
        Territory.objects.create(
            code=f"N-{name}", name=name, region=org.north, team=org.team_north, rep=rep
        )
        reps.append(rep)
    t.program.enrolments.create(rep=reps[0])
    t.program.enrolments.create(rep=reps[1])
    t.program.enrolments.create(rep=reps[2])
    now = timezone.now()
    for rep, module, submitted in (
        (reps[0], t.m1, now),
        (reps[0], t.m2, now),
        (reps[1], t.m1, now),
        (reps[2], t.m1, now),
        (reps[2], t.m2, None),
    ):
        QuizAttempt.objects.create(
            module=module,
            rep=rep,
            number=1,
            seed=1,
            layout={},
            submitted_at=submitted,
            score=1.0,
            passed=True,
        )
    t.program.prework_due = timezone.localdate() - dt.timedelta(days=1)
    t.program.save(update_fields=["prework_due"])
    for role in (Role.SALES_MANAGER, Role.MARKETING):
        user = org.users[role]
        enrolments = training_selectors.enrolments_visible(program=t.program, user=user)
        rows = training_selectors.readiness_rows(
            program=t.program, enrolments=enrolments.exclude(rep=user)
        )
        expected = sum(1 for r in rows if r.modules_passed < r.inputs.modules)
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert f"Finding B2 dogs: {expected} rep(s) you follow are overdue on pre-work." in html
        assert expected >= 2  # the half-done and the open attempt, at least
