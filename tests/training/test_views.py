"""Training pages through the real HTTP interface, with named users."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory
from onevoice.accounts.services import user_create
from onevoice.training import schematic, services
from onevoice.training.models import Certification, KitInvitation, QuizAttempt, VhsCase
from tests.field.factories import world
from tests.training.factories import form_data, make_program, responses, right_answer
from tests.training.test_radiographs import dicom_bytes


@pytest.fixture
def t(org):
    return make_program(org)


def _as(client, org, role):
    client.force_login(org.users[role])


def _start(client, module):
    response = client.post(reverse("training:quiz_start", args=[module.pk]))
    assert response.status_code == 302
    return QuizAttempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def test_rep_fails_then_passes_a_quiz_with_feedback(client, org, t):
    _as(client, org, Role.SALES_REP)
    page = client.get(reverse("training:module", args=[t.m1.pk])).content.decode()
    assert "<h2>VHS</h2>" in page  # the module body is rendered Markdown
    attempt = _start(client, t.m1)
    quiz = client.get(reverse("training:attempt", args=[attempt.pk])).content.decode()
    assert quiz.count('data-testid="question"') == 4
    assert 'data-hotspot="q' in quiz  # the hotspot question draws its radiograph
    wrong = form_data(responses(attempt, right={t.q_single.pk}))
    response = client.post(reverse("training:attempt_submit", args=[attempt.pk]), wrong)
    assert response.status_code == 302
    result = client.get(response.url).content.decode()
    assert 'data-passed="no"' in result
    assert "1 of 4 right (25%)" in result
    assert "At the cranial edge of T4 (Buchanan 1995)." in result  # the explanation
    assert "correct answer" not in result  # answers stay hidden while attempts remain
    second = _start(client, t.m1)
    assert second.number == 2
    response = client.post(
        reverse("training:attempt_submit", args=[second.pk]), form_data(responses(second))
    )
    result = client.get(response.url).content.decode()
    assert 'data-passed="yes"' in result
    assert "✓ correct answer" in result
    program_page = client.get(reverse("training:program", args=[t.program.pk])).content.decode()
    assert program_page.count('<span class="ok">Passed</span>') == 1


def test_a_submitted_attempt_cannot_be_submitted_again(client, org, t):
    _as(client, org, Role.SALES_REP)
    attempt = _start(client, t.m2)
    url = reverse("training:attempt_submit", args=[attempt.pk])
    client.post(url, form_data(responses(attempt)))
    response = client.post(url, form_data(responses(attempt)))
    assert response.status_code == 409
    assert "already submitted" in response.content.decode()


def test_an_unreadable_answer_is_a_400_that_names_the_question(client, org, t):
    _as(client, org, Role.SALES_REP)
    attempt = _start(client, t.m1)
    answers = form_data(responses(attempt))
    answers[f"q{t.q_num.pk}"] = "ten"
    response = client.post(reverse("training:attempt_submit", args=[attempt.pk]), answers)
    assert response.status_code == 400
    assert re.search(r"Question \d: &#x27;ten&#x27; is not a number", response.content.decode())
    attempt.refresh_from_db()
    assert attempt.is_open


def test_someone_elses_open_attempt_is_not_shown(client, org, t):
    attempt = services.quiz_start(module=t.m1, rep=t.rep)
    _as(client, org, Role.SALES_MANAGER)
    assert client.get(reverse("training:attempt", args=[attempt.pk])).status_code == 403
    client.force_login(org.other_rep)
    assert client.get(reverse("training:attempt", args=[attempt.pk])).status_code == 403


def test_reps_see_only_programs_they_are_enrolled_in(client, org, t):
    loner = user_create(username="loner", password=None, role=Role.SALES_REP)
    client.force_login(loner)
    assert "Finding B2 dogs" not in client.get(reverse("training:programs")).content.decode()
    assert client.get(reverse("training:program", args=[t.program.pk])).status_code == 403
    _as(client, org, Role.SALES_REP)
    assert "Finding B2 dogs" in client.get(reverse("training:programs")).content.decode()


def test_dashboard_shows_managers_their_team_and_marketing_everyone(client, org, t):
    url = reverse("training:readiness", args=[t.program.pk])
    _as(client, org, Role.SALES_MANAGER)
    html = client.get(url).content.decode()
    assert 'data-rep="sales_rep"' in html
    assert 'data-rep="rep_south"' not in html
    client.force_login(org.other_manager)
    html = client.get(url).content.decode()
    assert 'data-rep="rep_south"' in html
    assert 'data-rep="sales_rep"' not in html
    _as(client, org, Role.MARKETING)
    html = client.get(url).content.decode()
    assert 'data-rep="sales_rep"' in html
    assert 'data-rep="rep_south"' in html
    csv = client.get(url + "?format=csv").content.decode()
    assert csv.splitlines()[0].startswith("rep,team,index")
    assert len(csv.splitlines()) == 3
    # A manager cannot open the detail of another team's rep.
    _as(client, org, Role.SALES_MANAGER)
    other = reverse("training:rep", args=[t.program.pk, org.other_rep.pk])
    assert client.get(other).status_code == 403


def test_dashboard_queries_do_not_grow_with_the_cohort(
    client, org, t, django_assert_max_num_queries
):
    for i in range(12):
        rep = user_create(username=f"extra{i}", password=None, role=Role.SALES_REP)
        Territory.objects.create(
            code=f"NX{i}", name=f"Extra {i}", region=org.north, team=org.team_north, rep=rep
        )
    services.enrol_team(program=t.program, user=None, team=org.team_north)
    for enrolment in t.program.enrolments.select_related("rep"):
        attempt = services.quiz_start(module=t.m2, rep=enrolment.rep)
        services.quiz_submit(attempt=attempt, rep=enrolment.rep, responses=responses(attempt))
    _as(client, org, Role.MARKETING)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("training:readiness", args=[t.program.pk]))
    assert response.content.decode().count("data-rep=") == 14
    with django_assert_max_num_queries(25):
        client.get(reverse("training:program_prep", args=[t.program.pk]))
    with django_assert_max_num_queries(25):
        client.get(reverse("training:seminar_prep", args=[t.seminar.pk]))


def test_prep_report_lists_missed_concepts_unfinished_reps_and_top_objections(client, org, t):
    # The rep gets every staging question wrong and every VHS question right.
    attempt = services.quiz_start(module=t.m1, rep=t.rep)
    vhs_only = {t.q_single.pk, t.q_num.pk, t.q_hot.pk}
    services.quiz_submit(attempt=attempt, rep=t.rep, responses=responses(attempt, right=vhs_only))
    _as(client, org, Role.SALES_MANAGER)
    html = client.get(reverse("training:seminar_prep", args=[t.seminar.pk])).content.decode()
    missed = html.split('data-testid="missed-concepts"')[1].split("<h3>")[0]
    assert "ACVIM staging" in missed
    assert "Measuring the VHS" not in missed
    unfinished = html.split('data-testid="unfinished"')[1].split("</section>")[0]
    assert "Sales rep" in unfinished
    assert "Staging" in unfinished
    assert "VHS basics" not in unfinished  # 3 of 4 right: passed at the 75% mark
    assert "Too dear for a healthy dog." in html.split('data-testid="scenarios"')[1]


def test_vhs_exercise_by_clicked_points(client, org, t):
    _as(client, org, Role.SALES_REP)
    response = client.get(reverse("training:vhs_new", args=[t.program.pk]))
    assert response.status_code == 302
    seed = int(response.url.rstrip("/").split("/")[-1])
    page = client.get(response.url).content.decode()
    assert f'data-seed="{seed}"' in page
    assert 'data-measure="1"' in page
    points = schematic.generate_case(seed).reference_points
    response = client.post(
        reverse("training:vhs_submit", args=[t.program.pk]),
        {"seed": seed, "points": json.dumps(points)},
    )
    assert response.status_code == 302
    result = client.get(response.url).content.decode()
    assert 'data-passed="yes"' in result
    assert 'data-testid="vhs-error">0.00<' in result
    bad = client.post(
        reverse("training:vhs_submit", args=[t.program.pk]),
        {"seed": seed, "points": json.dumps({**points, "vertebrae": [points["vertebrae"][0]]})},
    )
    assert bad.status_code == 400
    assert "cranial edge of T4" in bad.content.decode()


def test_a_dicom_radiograph_is_uploaded_measured_by_the_expert_and_by_a_rep(client, org, t):
    import numpy as np

    _as(client, org, Role.FIELD_VET)
    pixels = np.tile(np.arange(0, 4000, 10, dtype=np.uint16), (300, 1))  # 300 x 400
    response = client.post(
        reverse("training:vhs_case_upload", args=[t.program.pk]),
        {
            "title": "Cavalier, 9 years",
            "breed": "CKCS",
            "reference_vhs": "11.2",
            "file": SimpleUploadedFile("cav.dcm", dicom_bytes(pixels), "application/dicom"),
        },
    )
    assert response.status_code == 302
    case = VhsCase.objects.get()
    assert (case.original_format, case.width, case.height) == ("dicom", 400, 300)
    image = client.get(reverse("training:vhs_case_image", args=[case.pk]))
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    # The expert clicks the reference: L 60 px, S 50 px on 10-px vertebrae -> VHS 11.0.
    reference = {
        "long_axis": [[100, 100], [100, 160]],
        "short_axis": [[75, 130], [125, 130]],
        "vertebrae": [[50 + 10 * i, 20] for i in range(10)],
    }
    client.post(
        reverse("training:vhs_case_reference_save", args=[case.pk]),
        {"points": json.dumps(reference)},
    )
    case.refresh_from_db()
    assert case.reference_vhs == 11.0
    _as(client, org, Role.SALES_REP)
    mine = {**reference, "long_axis": [[100, 100], [100, 165]]}  # half a vertebra long
    response = client.post(
        reverse("training:vhs_submit", args=[t.program.pk]),
        {"case": case.pk, "points": json.dumps(mine)},
    )
    result = client.get(response.url).content.decode()
    assert "VHS 11.5 against 11.0" in result
    assert 'data-passed="yes"' in result  # 0.5 is within ±0.5


def test_an_upload_that_is_not_a_radiograph_is_refused_with_the_file_name(client, org, t):
    _as(client, org, Role.MARKETING)
    response = client.post(
        reverse("training:vhs_case_upload", args=[t.program.pk]),
        {
            "title": "x",
            "reference_vhs": "10",
            "file": SimpleUploadedFile("notes.txt", b"just some notes"),
        },
    )
    assert response.status_code == 400
    assert "notes.txt: not a PNG, JPEG or DICOM file" in response.content.decode()
    assert not VhsCase.objects.exists()


def test_roleplay_scored_by_trainer_and_self_and_certification_follows(client, org, t):
    for module in (t.m1, t.m2):
        a = services.quiz_start(module=module, rep=t.rep)
        services.quiz_submit(attempt=a, rep=t.rep, responses=responses(a))
    services.vhs_submit(
        program=t.program, rep=t.rep, points=schematic.generate_case(8).reference_points, seed=8
    )
    _as(client, org, Role.FIELD_VET)  # the seminar's trainer
    client.post(
        reverse("training:seminar_attendance", args=[t.seminar.pk]),
        {"seated": t.enrolment.pk, "present": t.enrolment.pk},
    )
    response = client.post(
        reverse("training:roleplay_create", args=[t.seminar.pk]),
        {"scenario": t.scenario.pk, "rep": t.rep.pk},
    )
    roleplay_url = response.url
    score = {
        "acknowledge": "4",
        "clarify": "3",
        "answer_with_evidence": "5",
        "check_understanding": "3",
        "advance": "4",
        "comment": "Cited EPIC well; check before moving on.",
    }
    client.post(roleplay_url + "score/", score)
    assert Certification.objects.filter(enrolment=t.enrolment).exists()
    _as(client, org, Role.SALES_REP)
    client.post(roleplay_url + "score/", {**score, "clarify": "5", "comment": "Felt good."})
    html = client.get(roleplay_url).content.decode()
    assert "Technical field vet (Trainer)" in html
    assert "Sales rep (Self)" in html
    assert "Cited EPIC well" in html
    program = client.get(reverse("training:program", args=[t.program.pk])).content.decode()
    assert 'data-testid="certified"' in program
    bad = client.post(roleplay_url + "score/", {**score, "advance": "9"})
    assert bad.status_code == 400
    assert "Advance to a next step: score 1 to 5" in bad.content.decode()


def test_the_vet_takes_pre_and_post_test_through_a_personal_link(client, org, t):
    w = world(org)
    kit = services.kit_create(
        campaign=t.campaign,
        user=org.users[Role.MARKETING],
        title="Finding B2 dogs — for vets",
        questions=[t.q_single, t.q_num],
        modules=[t.m1],
    )
    _as(client, org, Role.SALES_REP)
    response = client.post(
        reverse("training:kit_invite", args=[kit.pk]), {"training": w.training.pk}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    # The training the links came from, with the campaign its scores count for.
    assert f"<td>{w.training.date:%Y-%m-%d} · {w.training.campaign}</td>" in page
    invite_table = page[page.index('data-testid="kit-trainings"') :]
    assert f"<td>{w.training.campaign}</td>" in invite_table
    link = re.search(r'value="(http://testserver/training/kit/[^"]+)"', page).group(1)
    client.logout()
    path = link.replace("http://testserver", "")
    welcome = client.get(path).content.decode()
    assert 'data-testid="take-pre"' in welcome
    assert "<h2>VHS basics</h2>" not in welcome  # material after the pre-test
    client.post(path + "pre/submit/", {f"q{t.q_single.pk}": right_answer(t.q_single)})
    welcome = client.get(path).content.decode()
    assert 'data-testid="pre-score">50%' in welcome
    assert "<h2>VHS basics</h2>" in welcome
    client.post(
        path + "post/submit/",
        {f"q{t.q_single.pk}": right_answer(t.q_single), f"q{t.q_num.pk}": "9.6"},
    )
    assert 'data-testid="post-score">100%' in client.get(path).content.decode()
    again = client.post(path + "post/submit/", {})
    assert again.status_code == 400
    # The field sees the scores on the customer training.
    _as(client, org, Role.SALES_MANAGER)
    kit_page = client.get(reverse("training:kit", args=[kit.pk])).content.decode()
    assert ">50.0<" in kit_page
    assert ">100.0<" in kit_page


def test_forged_and_expired_links(client, org, t):
    w = world(org)
    kit = services.kit_create(
        campaign=t.campaign, user=org.users[Role.MARKETING], title="K", questions=[t.q_single]
    )
    ((invitation, token),) = services.kit_invite(
        kit=kit, user=t.rep, training=w.training, vets=[w.vet]
    )
    forged = client.get(reverse("training:kit_public", args=[token + "x"]))
    assert forged.status_code == 404
    assert "not valid" in forged.content.decode()
    KitInvitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.issued_at)
    expired = client.get(reverse("training:kit_public", args=[token]))
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()


def test_program_settings_form_refuses_bad_values_with_400(client, org, t):
    _as(client, org, Role.SALES_MANAGER)
    url = reverse("training:program_edit", args=[t.program.pk])
    form = {
        "title": "Finding B2 dogs",
        "prework_opens": t.program.prework_opens.isoformat(),
        "prework_due": t.program.prework_due.isoformat(),
        "vhs_tolerance": "0.5",
        "vhs_passes_required": "1",
        "weight_prework": "0",
        "weight_quiz": "0",
        "weight_exercise": "0",
        "weight_roleplay": "0",
        "min_quiz_mastery": "0.8",
        "min_roleplay_score": "3",
        "mastery_target": "0.7",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "must not all be zero" in response.content.decode()
    response = client.post(url, {**form, "weight_quiz": "1", "vhs_tolerance": "0.3"})
    assert response.status_code == 302
    t.program.refresh_from_db()
    assert t.program.vhs_tolerance == 0.3


def test_marketing_writes_a_question_with_its_key(client, org, t):
    _as(client, org, Role.MARKETING)
    url = reverse("training:question_create", args=[t.m2.pk])
    response = client.post(
        url,
        {
            "kind": "multiple",
            "new_concept": "Dosing",
            "prompt": "Which doses are right for a 10 kg dog?",
            "explanation": "0.5 mg/kg/day.",
            "options": "* 2.5 mg twice daily\n5 mg twice daily\n* 5 mg a day in two doses",
        },
    )
    assert response.status_code == 302
    question = t.m2.questions.get(concept__code="dosing")
    assert [(o.text, o.correct) for o in question.options.all()] == [
        ("2.5 mg twice daily", True),
        ("5 mg twice daily", False),
        ("5 mg a day in two doses", True),
    ]
    response = client.post(
        url,
        {
            "kind": "single",
            "concept": t.concepts["vhs"].pk,
            "prompt": "?",
            "explanation": "!",
            "options": "a\nb",
        },
    )
    assert response.status_code == 400
    assert "exactly one correct option (0 marked)" in response.content.decode()


def test_managers_enrol_only_their_own_team(client, org, t):
    _as(client, org, Role.SALES_MANAGER)
    url = reverse("training:program_enrol", args=[t.program.pk])
    assert client.post(url, {"team": org.team_south.pk}).status_code == 403
    assert client.post(url, {"team": org.team_north.pk}).status_code == 302
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Choose a team or a territory" in response.content.decode()


def test_overdue_rep_sees_the_todo_on_home(client, org, t):
    _as(client, org, Role.SALES_REP)
    html = client.get(reverse("training:programs")).content.decode()
    assert "Finding B2 dogs: finish pre-work (2 module(s) left) by" in html


def test_home_page_lists_training_todos(client, org, t):
    _as(client, org, Role.SALES_REP)
    home = client.get("/").content.decode()
    assert "Finding B2 dogs: finish pre-work (2 module(s) left) by" in home
    _as(client, org, Role.FIELD_VET)  # trains the North seminar, 20 days ahead
    assert "North seminar on" in client.get("/").content.decode()
    assert "read the prep report" in client.get("/").content.decode()


def test_a_manager_schedules_a_seminar_for_the_team(client, org, t):
    _as(client, org, Role.SALES_MANAGER)
    url = reverse("training:seminar_create", args=[t.program.pk])
    form = {
        "title": "Online catch-up",
        "starts_at": "2030-03-01T09:00",
        "ends_at": "2030-03-01T12:00",
        "online_link": "https://meet.example/catch-up",
        "trainers": [org.users[Role.SALES_MANAGER].pk],
        "teams": [org.team_north.pk],
    }
    response = client.post(url, form)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "join online" in page
    assert "Sales rep" in page  # the North team's enrolled rep is in the cohort
    assert "rep_south" not in page
    bad = client.post(url, {**form, "online_link": "", "place": ""})
    assert bad.status_code == 400
    assert "Say where the seminar takes place" in bad.content.decode()


def test_marketing_packages_a_customer_kit(client, org, t):
    _as(client, org, Role.MARKETING)
    url = reverse("training:kit_create")
    response = client.post(
        url,
        {
            "campaign": t.campaign.pk,
            "title": "VHS for your practice",
            "questions": [t.q_single.pk, t.q_hot.pk],
            "modules": [t.m1.pk],
            "include_vhs": "on",
            "link_days": "14",
        },
    )
    assert response.status_code == 302
    assert "VHS for your practice" in client.get(reverse("training:kits")).content.decode()
    empty = client.post(url, {"campaign": t.campaign.pk, "title": "x", "link_days": "14"})
    assert empty.status_code == 400


def test_the_sender_can_copy_a_valid_link_again(client, org, t):
    w = world(org)
    kit = services.kit_create(
        campaign=t.campaign, user=org.users[Role.MARKETING], title="K", questions=[t.q_single]
    )
    services.kit_invite(kit=kit, user=t.rep, training=w.training, vets=[w.vet])
    _as(client, org, Role.SALES_REP)
    page = client.get(reverse("training:kit", args=[kit.pk])).content.decode()
    link = re.search(r'value="http://testserver(/training/kit/[^"]+)" aria-label', page).group(1)
    client.logout()
    assert client.get(link).status_code == 200
    _as(client, org, Role.SALES_MANAGER)  # sees the scores, not the vet's link
    page = client.get(reverse("training:kit", args=[kit.pk])).content.decode()
    assert 'aria-label="Personal link' not in page
