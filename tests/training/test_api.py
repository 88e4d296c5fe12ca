"""The training API applies the page rules; tested through HTTP with named users."""

from __future__ import annotations

import pytest

from onevoice.accounts.choices import Role
from onevoice.training import schematic
from tests.training.factories import make_program, right_answer


@pytest.fixture
def t(org):
    return make_program(org)


def test_rep_takes_a_quiz_through_the_api(client, org, t):
    client.force_login(t.rep)
    started = client.post(f"/api/training/modules/{t.m1.pk}/attempts")
    assert started.status_code == 201
    attempt = started.json()
    questions = {q["id"]: q for q in attempt["questions"]}
    assert len(questions) == 4
    single = questions[t.q_single.pk]
    assert [o["text"] for o in single["options"]] != []
    assert "correct" not in str(single)
    answers = {str(t.q_single.pk): int(right_answer(t.q_single)), str(t.q_num.pk): 9.8}
    done = client.post(
        f"/api/training/attempts/{attempt['id']}/submit", answers, content_type="application/json"
    )
    assert done.status_code == 422  # the payload must be {"answers": {...}}
    done = client.post(
        f"/api/training/attempts/{attempt['id']}/submit",
        {"answers": answers},
        content_type="application/json",
    )
    assert done.status_code == 200
    result = done.json()
    assert (result["correct"], result["total"], result["passed"]) == (2, 4, False)
    feedback = {f["question_id"]: f for f in result["feedback"]}
    assert feedback[t.q_num.pk]["correct"] is True
    assert "Buchanan 1995" in feedback[t.q_single.pk]["explanation"]
    again = client.post(
        f"/api/training/attempts/{attempt['id']}/submit",
        {"answers": {}},
        content_type="application/json",
    )
    assert again.status_code == 409


def test_bad_answers_are_a_400_naming_the_question(client, org, t):
    client.force_login(t.rep)
    attempt = client.post(f"/api/training/modules/{t.m2.pk}/attempts").json()
    response = client.post(
        f"/api/training/attempts/{attempt['id']}/submit",
        {"answers": {str(t.q_stage.pk): 123456}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Question 1: option 123456 is not one of its options." in response.json()["detail"]


def test_vhs_measurement_through_the_api(client, org, t):
    client.force_login(t.rep)
    points = schematic.generate_case(77).reference_points
    response = client.post(
        f"/api/training/programs/{t.program.pk}/vhs",
        {"seed": 77, **points},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["passed"] is True
    assert body["error"] == pytest.approx(0, abs=1e-9)
    assert body["reference_vhs"] == pytest.approx(schematic.generate_case(77).target_vhs)


def test_readiness_rows_follow_who_may_see_whom(client, org, t):
    url = f"/api/training/programs/{t.program.pk}/readiness"
    client.force_login(org.users[Role.SALES_MANAGER])
    assert [r["rep"] for r in client.get(url).json()] == ["sales_rep"]
    client.force_login(t.rep)
    assert [r["rep"] for r in client.get(url).json()] == ["sales_rep"]
    client.force_login(org.users[Role.ANALYST])
    assert sorted(r["rep"] for r in client.get(url).json()) == ["rep_south", "sales_rep"]
    client.force_login(org.users[Role.REVIEWER])
    assert client.get(url).json() == []


def test_prep_report_through_the_api(client, org, t):
    client.force_login(org.users[Role.MARKETING])
    report = client.get(f"/api/training/programs/{t.program.pk}/prep-report").json()
    assert report["cohort"] == 2
    assert {u["rep"] for u in report["unfinished"]} == {"sales_rep", "rep_south"}
    assert report["scenarios"][0]["text"] == "Too dear for a healthy dog."
    assert len(report["items"]) == 5
