"""Training services: the rules, the audit trail, certification, reminders and kits."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core import mail
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.clinical.geometry import length_for_vertebrae, vertebrae_for_length
from onevoice.field.models import TrainingAttendance
from onevoice.training import schematic, selectors, services
from onevoice.training.models import Certification, QuizAttempt, Reminder
from onevoice.training.services import TrainingRuleError
from tests.field.factories import world
from tests.training.factories import make_program, responses, right_answer


@pytest.fixture
def t(org):
    return make_program(org)


def _pass_everything(org, t, *, at=None):
    """The rep passes both quizzes, measures a case exactly, attends, is scored 4/5."""
    for module in (t.m1, t.m2):
        attempt = services.quiz_start(module=module, rep=t.rep)
        services.quiz_submit(attempt=attempt, rep=t.rep, responses=responses(attempt), at=at)
    services.vhs_submit(
        program=t.program, rep=t.rep, points=schematic.generate_case(4).reference_points, seed=4
    )
    services.attendance_record(
        seminar=t.seminar, user=org.users[Role.FIELD_VET], attended={t.enrolment.pk: True}
    )
    roleplay = services.roleplay_create(
        scenario=t.scenario, rep=t.rep, user=org.users[Role.FIELD_VET], seminar=t.seminar
    )
    services.roleplay_score(
        roleplay=roleplay,
        user=org.users[Role.FIELD_VET],
        kind="trainer",
        scores=dict.fromkeys(
            ("acknowledge", "clarify", "answer_with_evidence", "check_understanding", "advance"), 4
        ),
    )


# ---------------------------------------------------------------- programs


def test_program_dates_and_settings_are_checked(org, t):
    mkt = org.users[Role.MARKETING]
    today = timezone.localdate()
    with pytest.raises(TrainingRuleError, match=r"cannot be due .* before it opens"):
        services.program_create(
            user=mkt,
            campaign=t.campaign,
            title="x",
            prework_opens=today,
            prework_due=today - dt.timedelta(days=1),
        )
    with pytest.raises(TrainingRuleError, match="must not all be zero"):
        services.program_update(
            program=t.program,
            user=mkt,
            changes={
                "weight_prework": 0,
                "weight_quiz": 0,
                "weight_exercise": 0,
                "weight_roleplay": 0,
            },
        )
    with pytest.raises(TrainingRuleError, match="positive number of vertebrae"):
        services.program_update(program=t.program, user=mkt, changes={"vhs_tolerance": 0})
    services.program_update(program=t.program, user=mkt, changes={"vhs_tolerance": 0.3})
    event = AuditEvent.objects.filter(action="training.program.update").get()
    assert (event.before, event.after) == ({"vhs_tolerance": 0.5}, {"vhs_tolerance": 0.3})


def test_enrolling_a_team_twice_adds_nobody(org, t):
    assert services.enrol_team(program=t.program, user=None, team=org.team_north) == []
    assert set(t.program.enrolments.values_list("rep__username", flat=True)) == {
        "sales_rep",
        "rep_south",
    }
    assert t.program.enrolments.get(rep=t.rep).source_label == "North team"


# ---------------------------------------------------------------- questions


@pytest.mark.parametrize(
    ("kind", "extra", "message"),
    [
        ("single", {"options": [("a", True)]}, "needs at least two options"),
        ("single", {"options": [("a", True), ("b", True)]}, "exactly one correct option \\(2"),
        ("multiple", {"options": [("a", False), ("b", False)]}, "at least one correct"),
        ("numeric", {}, "needs the answer"),
        ("numeric", {"numeric_answer": 9.7, "numeric_tolerance": -1}, "needs the answer"),
        ("hotspot", {"hotspots": [{"x": 1, "y": 1, "r": 2}]}, "generated figure .* or an uploaded"),
        ("hotspot", {"figure_seed": 3, "hotspots": [{"x": 1, "y": 1, "r": 0}]}, "r > 0"),
    ],
)
def test_a_question_key_must_fit_its_kind(org, t, kind, extra, message):
    with pytest.raises(TrainingRuleError, match=message):
        services.question_create(
            module=t.m1,
            user=org.users[Role.MARKETING],
            concept=t.concepts["vhs"],
            kind=kind,
            prompt="?",
            explanation="!",
            **extra,
        )


# ---------------------------------------------------------------- quizzes


def test_an_attempt_replays_its_seed(org, t):
    a = services.quiz_start(module=t.m1, rep=t.rep, seed=99)
    again = services.quiz_start(module=t.m1, rep=t.rep)  # still open: the same attempt
    assert again.pk == a.pk
    assert a.layout == services.scoring.draw_layout(services._bank(t.m1), seed=99)


def test_fail_then_pass_and_the_attempt_limit(org, t):
    rep = t.rep
    first = services.quiz_start(module=t.m1, rep=rep)
    only_one = {t.q_single.pk}
    services.quiz_submit(attempt=first, rep=rep, responses=responses(first, right=only_one))
    first.refresh_from_db()
    assert (first.correct, first.total, first.score, first.passed) == (1, 4, 0.25, False)
    second = services.quiz_start(module=t.m1, rep=rep)
    assert second.number == 2
    three = {t.q_single.pk, t.q_num.pk, t.q_hot.pk}  # 3/4 = the 75% pass mark
    services.quiz_submit(attempt=second, rep=rep, responses=responses(second, right=three))
    second.refresh_from_db()
    assert second.passed
    assert second.score == 0.75
    third = services.quiz_start(module=t.m1, rep=rep)
    services.quiz_submit(attempt=third, rep=rep, responses={})
    with pytest.raises(TrainingRuleError, match="used all 3 attempts"):
        services.quiz_start(module=t.m1, rep=rep)


def test_unreadable_answers_store_nothing(org, t):
    attempt = services.quiz_start(module=t.m1, rep=t.rep)
    with pytest.raises(TrainingRuleError, match=r"Question \d: 'abc' is not a number"):
        services.quiz_submit(attempt=attempt, rep=t.rep, responses={t.q_num.pk: "abc"})
    with pytest.raises(TrainingRuleError, match="is not one of its options"):
        services.quiz_submit(attempt=attempt, rep=t.rep, responses={t.q_single.pk: "999999"})
    with pytest.raises(TrainingRuleError, match="not part of this attempt"):
        services.quiz_submit(attempt=attempt, rep=t.rep, responses={t.q_stage.pk: "1"})
    attempt.refresh_from_db()
    assert attempt.is_open
    assert not attempt.answers.exists()
    services.quiz_submit(attempt=attempt, rep=t.rep, responses={t.q_num.pk: "9,5"})  # decimal comma
    assert attempt.answers.get(question=t.q_num).correct
    with pytest.raises(TrainingRuleError, match="already submitted"):
        services.quiz_submit(attempt=attempt, rep=t.rep, responses={})


def test_only_enrolled_reps_of_an_open_program_take_quizzes(org, t):
    with pytest.raises(TrainingRuleError, match="is not enrolled"):
        services.quiz_start(module=t.m1, rep=org.users[Role.SALES_MANAGER])
    services.program_set_status(program=t.program, user=org.users[Role.MARKETING], status="closed")
    with pytest.raises(TrainingRuleError, match="is not open"):
        services.quiz_start(module=t.m1, rep=t.rep)


# ---------------------------------------------------------------- seminars and VHS


def test_a_seminar_needs_a_place_or_a_link_and_aware_times(org, t):
    start = timezone.now()
    kwargs = {
        "program": t.program,
        "user": None,
        "title": "S",
        "starts_at": start,
        "ends_at": start,
    }
    with pytest.raises(TrainingRuleError, match="end after it starts"):
        services.seminar_create(**kwargs, place="Leeds")
    kwargs["ends_at"] = start + dt.timedelta(hours=1)
    with pytest.raises(TrainingRuleError, match="where the seminar takes place"):
        services.seminar_create(**kwargs)
    with pytest.raises(TrainingRuleError, match="time zone"):
        services.seminar_create(**{**kwargs, "starts_at": dt.datetime(2026, 1, 1)}, place="x")
    online = services.seminar_create(**kwargs, online_link="https://meet.example/abc")
    assert online.place == ""


def test_attendance_only_for_the_cohort(org, t):
    other = t.program.enrolments.get(rep=org.other_rep)
    with pytest.raises(TrainingRuleError, match="not in this seminar's cohort"):
        services.attendance_record(seminar=t.seminar, user=None, attended={other.pk: True})


def test_vhs_measurement_is_scored_against_the_generated_reference(org, t):
    case = schematic.generate_case(21)
    points = case.reference_points
    exact = services.vhs_submit(program=t.program, rep=t.rep, points=points, seed=21)
    assert exact.error == pytest.approx(0, abs=1e-9)
    assert exact.passed
    # Move the apex so the long axis is 0.8 vertebra longer: outside the ±0.5 tolerance.
    marks = [tuple(p) for p in points["vertebrae"]]
    (cx, cy), (ax, ay) = points["long_axis"]
    length = math.dist((cx, cy), (ax, ay))
    longer = length_for_vertebrae(vertebrae_for_length(length, marks).vertebrae + 0.8, marks)
    k = longer / length
    moved = {**points, "long_axis": [[cx, cy], [cx + (ax - cx) * k, cy + (ay - cy) * k]]}
    off = services.vhs_submit(program=t.program, rep=t.rep, points=moved, seed=21)
    assert off.error == pytest.approx(0.8)
    assert not off.passed
    assert off.vhs == pytest.approx(case.reference_vhs + 0.8)


def test_bad_points_say_what_is_missing(org, t):
    with pytest.raises(TrainingRuleError, match="both ends of the short axis"):
        services.vhs_submit(
            program=t.program,
            rep=t.rep,
            points={"long_axis": [[0, 0], [1, 1]], "short_axis": [[0, 0]], "vertebrae": []},
            seed=1,
        )
    with pytest.raises(TrainingRuleError, match="not readable"):
        services.vhs_submit(program=t.program, rep=t.rep, points="{nope", seed=1)


# ---------------------------------------------------------------- role-plays and certification


def test_rubric_scores_must_be_1_to_5(org, t):
    roleplay = services.roleplay_create(
        scenario=t.scenario, rep=t.rep, user=org.users[Role.SALES_MANAGER]
    )
    with pytest.raises(TrainingRuleError, match="Answer with evidence: score 1 to 5, not '7'"):
        services.roleplay_score(
            roleplay=roleplay,
            user=t.rep,
            kind="self",
            scores={
                "acknowledge": 3,
                "clarify": 3,
                "answer_with_evidence": "7",
                "check_understanding": 3,
                "advance": 3,
            },
        )


def test_certified_once_every_threshold_is_met(org, t):
    _pass_everything(org, t)
    certification = Certification.objects.get(enrolment=t.enrolment)
    assert certification.readiness["unmet"] == []
    row = selectors.readiness_for(enrolment=t.enrolment)
    assert row.certified_at == certification.certified_at
    assert row.readiness.components == pytest.approx(
        {"prework": 1.0, "quiz": 1.0, "exercise": 1.0, "roleplay": 0.75}
    )
    assert row.readiness.index == pytest.approx(100 * (0.2 + 0.3 + 0.25 + 0.25 * 0.75))
    assert AuditEvent.objects.filter(action="training.certify", actor=None).count() == 1


def test_not_certified_while_the_role_play_is_unscored(org, t):
    for module in (t.m1, t.m2):
        a = services.quiz_start(module=module, rep=t.rep)
        services.quiz_submit(attempt=a, rep=t.rep, responses=responses(a))
    services.vhs_submit(
        program=t.program, rep=t.rep, points=schematic.generate_case(4).reference_points, seed=4
    )
    services.attendance_record(seminar=t.seminar, user=None, attended={t.enrolment.pk: True})
    assert not Certification.objects.exists()
    assert selectors.readiness_for(enrolment=t.enrolment).readiness.unmet == [
        "Role-play: no trainer has scored one yet."
    ]


def test_late_prework_counts_half(org, t):
    late = t.program.prework_deadline + dt.timedelta(days=2)
    a = services.quiz_start(module=t.m1, rep=t.rep)
    services.quiz_submit(attempt=a, rep=t.rep, responses=responses(a), at=late)
    row = selectors.readiness_for(enrolment=t.enrolment)
    assert (row.inputs.passed_on_time, row.inputs.passed_late) == (0, 1)
    assert row.readiness.components["prework"] == pytest.approx(0.25)  # half of one of two


# ---------------------------------------------------------------- reminders


def test_overdue_prework_reminders_once_a_day_in_the_app_and_by_mail(org, t):
    t.rep.email = "rep@example.org"
    t.rep.save(update_fields=["email"])
    after_due = t.program.prework_due + dt.timedelta(days=1)
    a = services.quiz_start(module=t.m1, rep=t.rep)
    services.quiz_submit(attempt=a, rep=t.rep, responses=responses(a))
    sent = services.reminders_send(today=after_due, base_url="https://ov.example")
    assert sorted((r.enrolment.rep.username, r.channel) for r in sent) == [
        ("rep_south", "in_app"),
        ("sales_rep", "email"),
        ("sales_rep", "in_app"),
    ]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rep@example.org"]
    assert "Staging" in message.body
    assert "VHS basics" not in message.body
    assert f"https://ov.example/training/programs/{t.program.pk}/" in message.body
    assert services.reminders_send(today=after_due) == []  # the same day again: nothing
    assert Reminder.objects.count() == 3
    assert services.reminders_send(today=t.program.prework_due) == []  # not overdue yet


# ---------------------------------------------------------------- customer kits


def _kit(org, t):
    return services.kit_create(
        campaign=t.campaign,
        user=org.users[Role.MARKETING],
        title="Kit",
        questions=[t.q_single, t.q_num],
        modules=[t.m1],
    )


def test_kit_link_scores_reach_the_customer_training(org, t):
    w = world(org)
    kit = _kit(org, t)
    ((invitation, token),) = services.kit_invite(
        kit=kit, user=t.rep, training=w.training, vets=[w.vet], base_url="https://ov.example"
    )
    assert len(mail.outbox) == 0  # the vet did not consent to be contacted
    invited = AuditEvent.objects.get(action="training.kit.invite")
    assert invited.after["campaign"] == w.training.campaign_id
    found = services.kit_invitation_from_token(token)
    assert found.pk == invitation.pk
    with pytest.raises(TrainingRuleError, match="pre-test before the post-test"):
        services.kit_test_submit(invitation=found, test="post", responses={})
    services.kit_test_submit(
        invitation=found, test="pre", responses={t.q_single.pk: right_answer(t.q_single)}
    )
    services.kit_test_submit(
        invitation=found,
        test="post",
        responses={t.q_single.pk: right_answer(t.q_single), t.q_num.pk: "9.7"},
    )
    found.refresh_from_db()
    assert (found.pre_score, found.post_score, found.score_change) == (50.0, 100.0, 50.0)
    attendance = TrainingAttendance.objects.get(training=w.training, vet=w.vet)
    assert (attendance.pre_score, attendance.post_score) == (50.0, 100.0)
    with pytest.raises(TrainingRuleError, match="already took the post-test"):
        services.kit_test_submit(invitation=found, test="post", responses={})
    assert selectors.kit_scores(campaign=t.campaign).mean_gain == 50.0


def test_kit_links_are_signed_and_expire(org, t):
    w = world(org)
    w.vet.consent_to_contact = True
    w.vet.save(update_fields=["consent_to_contact"])
    kit = _kit(org, t)
    ((invitation, token),) = services.kit_invite(
        kit=kit, user=t.rep, training=w.training, vets=[w.vet]
    )
    assert len(mail.outbox) == 1
    assert token in mail.outbox[0].body
    with pytest.raises(services.KitLinkError, match="not valid") as forged:
        services.kit_invitation_from_token(token[:-2] + "xx")
    assert forged.value.status == 404
    with pytest.raises(services.KitLinkError, match="expired") as expired:
        services.kit_invitation_from_token(token, now=invitation.expires_at)
    assert expired.value.status == 410
    with pytest.raises(TrainingRuleError, match="did not attend"):
        services.kit_invite(kit=kit, user=t.rep, training=w.training, vets=[w.other_vet])


def test_quiz_attempt_numbers_are_per_rep_and_module(org, t):
    services.quiz_start(module=t.m1, rep=t.rep)
    services.quiz_start(module=t.m1, rep=org.other_rep)
    assert sorted(QuizAttempt.objects.values_list("number", flat=True)) == [1, 1]
