"""Who may open the training pages and endpoints.

The program is open; the rep (North team) and rep_south are enrolled; the North seminar
seats the rep and names the field vet as trainer. Results belong to the rep: their
manager (sales_manager, North) and head office see them, the field vet only as trainer.
The vet-facing kit pages take a personal link and no account: everyone gets them.
"""

from __future__ import annotations

from typing import Any

from onevoice.accounts.choices import Role
from onevoice.training import schematic, services
from onevoice.training.models import VhsCase
from tests.field.factories import world
from tests.training.factories import make_program, responses, tiny_png
from tests.url_matrix import Entry

MKT, MGR, REP, FV, REV, ANA, ADM = (r.value for r in Role)
F = 403


def _only(*roles: str, status: int = 200) -> dict[str, int]:
    return dict.fromkeys(roles, status)


def program(org: Any) -> dict[str, Any]:
    return {"pk": make_program(org).program.pk}


def module(org: Any) -> dict[str, Any]:
    return {"pk": make_program(org).m1.pk}


def question(org: Any) -> dict[str, Any]:
    return {"pk": make_program(org).q_single.pk}


def image_question(org: Any) -> dict[str, Any]:
    t = make_program(org)
    q = services.question_create(
        module=t.m1,
        user=org.users[Role.MARKETING],
        concept=t.concepts["vhs"],
        kind="hotspot",
        prompt="Click the apex.",
        explanation="There.",
        image=("apex.png", tiny_png()),
        hotspots=[{"x": 10, "y": 10, "r": 5}],
    )
    return {"pk": q.pk}


def rep_progress(org: Any) -> dict[str, Any]:
    return {"pk": make_program(org).program.pk, "rep_id": org.users[Role.SALES_REP].pk}


def submitted_attempt(org: Any) -> dict[str, Any]:
    t = make_program(org)
    attempt = services.quiz_start(module=t.m1, rep=t.rep, seed=1)
    services.quiz_submit(attempt=attempt, rep=t.rep, responses=responses(attempt))
    return {"pk": attempt.pk}


def open_attempt(org: Any) -> dict[str, Any]:
    t = make_program(org)
    return {"pk": services.quiz_start(module=t.m2, rep=t.rep, seed=2).pk}


def seminar(org: Any) -> dict[str, Any]:
    return {"pk": make_program(org).seminar.pk}


def roleplay(org: Any) -> dict[str, Any]:
    t = make_program(org)
    rp = services.roleplay_create(
        scenario=t.scenario, rep=t.rep, user=org.users[Role.SALES_MANAGER], seminar=t.seminar
    )
    return {"pk": rp.pk}


def case(org: Any) -> dict[str, Any]:
    t = make_program(org)
    existing = VhsCase.objects.filter(program=t.program).first()
    if existing is None:
        existing = services.vhs_case_upload(
            program=t.program,
            user=org.users[Role.MARKETING],
            title="Cavalier, 9 years",
            file_name="cavalier.png",
            data=tiny_png(),
            reference_vhs=11.2,
        )
    return {"pk": existing.pk}


def vhs_attempt(org: Any) -> dict[str, Any]:
    t = make_program(org)
    a = services.vhs_submit(
        program=t.program,
        rep=t.rep,
        points=schematic.generate_case(3).reference_points,
        seed=3,
    )
    return {"pk": a.pk}


def kit(org: Any) -> dict[str, Any]:
    t = make_program(org)
    if getattr(org, "kit", None) is None:
        org.kit = services.kit_create(
            campaign=t.campaign,
            user=org.users[Role.MARKETING],
            title="Finding B2 dogs — for vets",
            questions=[t.q_single, t.q_num],
            modules=[t.m1],
        )
    return {"pk": org.kit.pk}


def token(org: Any) -> dict[str, Any]:
    kit(org)
    w = world(org)
    _, tok = services.kit_invite(
        kit=org.kit, user=org.users[Role.SALES_REP], training=w.training, vets=[w.vet], email=False
    )[0]
    return {"token": tok}


def token_pre_done(org: Any) -> dict[str, Any]:
    kw = token(org)
    invitation = services.kit_invitation_from_token(kw["token"])
    services.kit_test_submit(invitation=invitation, test="pre", responses={})
    return kw


def vhs_points(seed: int = 3) -> dict[str, Any]:
    import json

    return {"seed": seed, "points": json.dumps(schematic.generate_case(seed).reference_points)}


VHS_POST = vhs_points()
RUNNERS = _only(MKT, MGR, FV, status=302)  # the trainer, marketing and the cohort's manager
HEAD_OFFICE_READ = _only(MKT, MGR, ANA, ADM)
RESULTS = _only(MKT, MGR, REP, ANA, ADM)


def _kit_post(org: Any) -> dict[str, Any]:
    return {"training": world(org).training.pk}


def _attendance(org: Any) -> dict[str, Any]:
    e = make_program(org).enrolment
    return {"seated": e.pk, "present": e.pk}


def _roleplay_post(org: Any) -> dict[str, Any]:
    t = make_program(org)
    return {"scenario": t.scenario.pk, "rep": t.rep.pk}


RUBRIC_POST = {
    "acknowledge": 4,
    "clarify": 3,
    "answer_with_evidence": 4,
    "check_understanding": 3,
    "advance": 3,
    "comment": "Good use of EPIC.",
}


def _api_vhs(org: Any) -> dict[str, Any]:
    return {"seed": 3, **schematic.generate_case(3).reference_points}


MATRIX: dict[str, Entry] = {
    "training:programs": Entry("GET", 302, 200),
    "training:reminders": Entry("GET", 302, 200),
    "training:program_create": Entry("GET", 302, F, only=_only(MKT, MGR)),
    "training:program": Entry("GET", 302, 200, kwargs=program),
    "training:program_edit": Entry("GET", 302, F, only=_only(MKT, MGR), kwargs=program),
    "training:program_status": Entry(
        "POST",
        302,
        F,
        only=_only(MKT, MGR, status=302),
        kwargs=program,
        data={"status": "closed"},
    ),
    "training:program_enrol": Entry(
        "POST",
        302,
        F,
        only=_only(MKT, MGR, status=302),
        kwargs=program,
        data=lambda org: {"team": org.team_north.pk},
    ),
    "training:module_create": Entry("GET", 302, F, only=_only(MKT), kwargs=program),
    "training:readiness": Entry("GET", 302, F, only=HEAD_OFFICE_READ, kwargs=program),
    "training:rep": Entry("GET", 302, F, only=RESULTS, kwargs=rep_progress),
    "training:program_prep": Entry("GET", 302, F, only=HEAD_OFFICE_READ, kwargs=program),
    "training:seminar_create": Entry("GET", 302, F, only=_only(MKT, MGR), kwargs=program),
    "training:roleplays": Entry("GET", 302, 200, kwargs=program),
    "training:scenarios_build": Entry(
        "POST",
        302,
        F,
        only=_only(MKT, MGR, status=302),
        kwargs=program,
    ),
    "training:vhs": Entry("GET", 302, 200, kwargs=program),
    "training:vhs_new": Entry("GET", 302, 302, kwargs=program),
    "training:vhs_generated": Entry(
        "GET", 302, 200, kwargs=lambda org: {**program(org), "seed": 12345}
    ),
    "training:vhs_submit": Entry(
        "POST", 302, F, only=_only(REP, status=302), kwargs=program, data=VHS_POST
    ),
    "training:vhs_case_upload": Entry("GET", 302, F, only=_only(MKT, FV), kwargs=program),
    "training:module": Entry("GET", 302, 200, kwargs=module),
    "training:module_edit": Entry("GET", 302, F, only=_only(MKT), kwargs=module),
    "training:questions": Entry("GET", 302, F, only=HEAD_OFFICE_READ, kwargs=module),
    "training:question_create": Entry("GET", 302, F, only=_only(MKT), kwargs=module),
    "training:quiz_start": Entry("POST", 302, F, only=_only(REP, status=302), kwargs=module),
    "training:question_active": Entry(
        "POST", 302, F, only=_only(MKT, status=302), kwargs=question, data={"active": "0"}
    ),
    "training:question_image": Entry("GET", 302, 200, kwargs=image_question),
    "training:attempt": Entry("GET", 302, F, only=RESULTS, kwargs=submitted_attempt),
    "training:attempt_submit": Entry(
        "POST", 302, F, only=_only(REP, status=302), kwargs=open_attempt
    ),
    "training:seminar": Entry("GET", 302, 200, only={REV: F}, kwargs=seminar),
    "training:seminar_attendance": Entry(
        "POST", 302, F, only=RUNNERS, kwargs=seminar, data=_attendance
    ),
    "training:seminar_prep": Entry(
        "GET", 302, F, only=_only(MKT, MGR, FV, ANA, ADM), kwargs=seminar
    ),
    "training:roleplay_create": Entry(
        "POST", 302, F, only=RUNNERS, kwargs=seminar, data=_roleplay_post
    ),
    "training:roleplay": Entry("GET", 302, 200, only={REV: F}, kwargs=roleplay),
    # The trainer and the rep's manager score as trainers, the rep scores themselves.
    "training:roleplay_score": Entry(
        "POST",
        302,
        F,
        only=_only(FV, MGR, REP, status=302),
        kwargs=roleplay,
        data=RUBRIC_POST,
    ),
    "training:vhs_case": Entry("GET", 302, 200, kwargs=case),
    "training:vhs_case_image": Entry("GET", 302, 200, kwargs=case),
    "training:vhs_case_reference": Entry("GET", 302, F, only=_only(MKT, FV), kwargs=case),
    "training:vhs_case_reference_save": Entry(
        "POST",
        302,
        F,
        only=_only(MKT, FV, status=302),
        kwargs=case,
        data={
            "points": '{"long_axis": [[10, 5], [20, 25]], "short_axis": [[8, 15], [24, 12]],'
            ' "vertebrae": [[2, 2], [6, 2], [10, 2], [14, 2], [18, 2], [22, 2], [26, 2],'
            " [30, 2], [34, 2]]}"
        },
    ),
    "training:vhs_attempt": Entry("GET", 302, F, only=RESULTS, kwargs=vhs_attempt),
    "training:kits": Entry("GET", 302, 200),
    "training:kit_create": Entry("GET", 302, F, only=_only(MKT)),
    "training:kit": Entry("GET", 302, 200, kwargs=kit),
    "training:kit_invite": Entry(
        "POST", 302, F, only=_only(REP, FV, status=302), kwargs=kit, data=_kit_post
    ),
    "training:kit_public": Entry("GET", 200, 200, kwargs=token),
    "training:kit_public_vhs": Entry("GET", 200, 200, kwargs=token),
    "training:kit_public_vhs_submit": Entry("POST", 200, 200, kwargs=token, data=VHS_POST),
    "training:kit_public_test": Entry(
        "GET", 200, 200, kwargs=lambda org: {**token(org), "test": "pre"}
    ),
    "training:kit_public_test_submit": Entry(
        "POST", 302, 302, kwargs=lambda org: {**token_pre_done(org), "test": "post"}
    ),
    "api:training_program_list": Entry("GET", 401, 200),
    "api:training_program_detail": Entry(
        "GET", 401, 200, kwargs=lambda org: {"program_id": make_program(org).program.pk}
    ),
    "api:training_module_list": Entry(
        "GET", 401, 200, kwargs=lambda org: {"program_id": make_program(org).program.pk}
    ),
    # Everyone may ask; each sees only the reps whose results they may see.
    "api:training_readiness": Entry(
        "GET", 401, 200, kwargs=lambda org: {"program_id": make_program(org).program.pk}
    ),
    "api:training_prep_report": Entry(
        "GET",
        401,
        F,
        only=HEAD_OFFICE_READ,
        kwargs=lambda org: {"program_id": make_program(org).program.pk},
    ),
    "api:training_quiz_start": Entry(
        "POST",
        401,
        F,
        only=_only(REP, status=201),
        kwargs=lambda org: {"module_id": make_program(org).m1.pk},
    ),
    "api:training_attempt_detail": Entry(
        "GET",
        401,
        F,
        only=RESULTS,
        kwargs=lambda org: {"attempt_id": submitted_attempt(org)["pk"]},
    ),
    "api:training_attempt_submit": Entry(
        "POST",
        401,
        F,
        only=_only(REP),
        kwargs=lambda org: {"attempt_id": open_attempt(org)["pk"]},
        data={"answers": {}},
        json=True,
    ),
    "api:training_vhs_submit": Entry(
        "POST",
        401,
        F,
        only=_only(REP, status=201),
        kwargs=lambda org: {"program_id": make_program(org).program.pk},
        data=_api_vhs,
        json=True,
    ),
    "api:training_kit_scores": Entry(
        "GET", 401, 200, kwargs=lambda org: {"kit_id": kit(org)["pk"]}
    ),
}
