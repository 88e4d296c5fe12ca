"""Training objects outside a requester's team or enrolment, URL by URL.

The training matrix (``tests/training/url_matrix.py``) opens objects of the North team:
the rep (North) is enrolled, their quiz and VHS attempts and role-plays are theirs, the
North seminar seats them and names the field vet as trainer. Here the same URLs reach
the South team's objects:

* a program only the South team is enrolled in (a rep sees the programs they are
  enrolled in): the North rep is refused it, its modules, cases and quizzes;
* the South rep's attempts, VHS attempts and role-plays: results belong to the rep,
  their manager and head office, so the North rep, the North manager and the field vet
  (trainer of another seminar) are refused them;
* a South seminar with no trainer: the North rep (not seated) and the field vet (not
  its trainer) may not open it; the North manager may look but not run it;
* a customer training at the South clinic, for a kit invitation.

The South rep and manager (``insiders``) reach each of these as the North ones reach
theirs, so every refusal is the scope's doing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.training import schematic, services
from tests.field.factories import world
from tests.training.factories import make_program, responses
from tests.training.url_matrix import kit
from tests.url_matrix import Outside

MKT, MGR, REP, FV, REV, ANA, ADM = (r.value for r in Role)
FORBIDDEN = 403
SOUTH = {"other_rep": REP, "other_manager": MGR}


def _cached(org: Any, name: str, make: Any) -> Any:
    """One object per test (the factories run once per request of a variant)."""
    store = org.__dict__.setdefault("south_training", {})
    if name not in store:
        store[name] = make()
    return store[name]


def _south_program(org: Any) -> Any:
    """An open program of the same campaign, the South team enrolled, not the North."""

    def make() -> Any:
        t = make_program(org)
        mkt = org.users[Role.MARKETING]
        today = timezone.localdate()
        program = services.program_create(
            user=mkt,
            campaign=t.campaign,
            title="South refresher",
            prework_opens=today - dt.timedelta(days=7),
            prework_due=today + dt.timedelta(days=14),
        )
        concept = services.concept_get_or_create(
            program=program, user=mkt, code="vhs", name="Measuring the VHS"
        )
        module = services.module_create(program=program, user=mkt, title="VHS again")
        services.question_create(
            module=module,
            user=mkt,
            concept=concept,
            kind="single",
            prompt="Where does the vertebral count start?",
            explanation="At T4.",
            options=[("T4", True), ("T1", False)],
        )
        image_question = services.question_create(
            module=module,
            user=mkt,
            concept=concept,
            kind="hotspot",
            prompt="Click the apex.",
            explanation="There.",
            image=("apex.png", _png()),
            hotspots=[{"x": 10, "y": 10, "r": 5}],
        )
        services.enrol_team(program=program, user=mkt, team=org.team_south)
        services.program_set_status(program=program, user=mkt, status="open")
        case = services.vhs_case_upload(
            program=program,
            user=mkt,
            title="Boxer, 7 years",
            file_name="boxer.png",
            data=_png(),
            reference_vhs=10.4,
        )
        return program, module, case, image_question

    return _cached(org, "program", make)


def _png() -> bytes:
    from tests.training.factories import tiny_png

    return tiny_png()


def _program(org: Any) -> dict[str, Any]:
    return {"pk": _south_program(org)[0].pk}


def _module(org: Any) -> dict[str, Any]:
    return {"pk": _south_program(org)[1].pk}


def _case(org: Any) -> dict[str, Any]:
    return {"pk": _south_program(org)[2].pk}


def _south_attempt(org: Any) -> Any:
    def make() -> Any:
        t = make_program(org)
        attempt = services.quiz_start(module=t.m1, rep=org.other_rep, seed=5)
        services.quiz_submit(attempt=attempt, rep=org.other_rep, responses=responses(attempt))
        return attempt

    return _cached(org, "attempt", make)


def _south_open_attempt(org: Any) -> Any:
    return _cached(
        org,
        "open_attempt",
        lambda: services.quiz_start(module=make_program(org).m2, rep=org.other_rep, seed=6),
    )


def _south_vhs_attempt(org: Any) -> Any:
    return _cached(
        org,
        "vhs_attempt",
        lambda: services.vhs_submit(
            program=make_program(org).program,
            rep=org.other_rep,
            points=schematic.generate_case(4).reference_points,
            seed=4,
        ),
    )


def _south_seminar(org: Any) -> Any:
    def make() -> Any:
        t = make_program(org)
        start = timezone.now() + dt.timedelta(days=21)
        return services.seminar_create(
            program=t.program,
            user=org.users[Role.MARKETING],
            title="South seminar",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=6),
            place="Bristol",
            cohort=[t.program.enrolments.get(rep=org.other_rep)],
        )

    return _cached(org, "seminar", make)


def _south_roleplay(org: Any) -> Any:
    return _cached(
        org,
        "roleplay",
        lambda: services.roleplay_create(
            scenario=make_program(org).scenario, rep=org.other_rep, user=org.other_manager
        ),
    )


def _denied(why: str, *roles: str, **extra: Any) -> Outside:
    return Outside(why=why, denied=dict.fromkeys(roles, FORBIDDEN), insiders=SOUTH, **extra)


NOT_ENROLLED = "a program only the South team is enrolled in"
OTHER_REP = "the South rep's result"
SOUTH_SEMINAR = "a seminar of the South team, without a trainer"


def _not_enrolled(**extra: Any) -> tuple[Outside, ...]:
    return (
        Outside(why=NOT_ENROLLED, denied={REP: FORBIDDEN}, insiders={"other_rep": REP}, **extra),
    )


def _results(**extra: Any) -> tuple[Outside, ...]:
    return (_denied(OTHER_REP, REP, MGR, FV, **extra),)


def _seminar(*roles: str, insiders: dict[str, str], data: Any = None) -> tuple[Outside, ...]:
    kwargs = lambda org: {"pk": _south_seminar(org).pk}  # noqa: E731
    denied = dict.fromkeys(roles, FORBIDDEN)
    return (Outside(why=SOUTH_SEMINAR, denied=denied, kwargs=kwargs, data=data, insiders=insiders),)


# The South rep is seated at the South seminar; the South manager manages its cohort.
SEATED = {"other_rep": REP}
COHORT_MANAGER = {"other_manager": MGR}


def _south_attendance(org: Any) -> dict[str, Any]:
    enrolment = make_program(org).program.enrolments.get(rep=org.other_rep)
    return {"seated": enrolment.pk, "present": enrolment.pk}


def _south_roleplay_post(org: Any) -> dict[str, Any]:
    return {"scenario": make_program(org).scenario.pk, "rep": org.other_rep.pk}


def _api(key: str, pick: Any) -> Any:
    return lambda org: {key: pick(org)}


TRAINING: dict[str, tuple[Outside, ...]] = {
    "training:program": _not_enrolled(kwargs=_program),
    "training:roleplays": _not_enrolled(kwargs=_program),
    "training:vhs": _not_enrolled(kwargs=_program),
    "training:vhs_generated": _not_enrolled(kwargs=lambda org: {**_program(org), "seed": 12345}),
    "training:vhs_submit": _not_enrolled(kwargs=_program),
    "training:module": _not_enrolled(kwargs=_module),
    "training:quiz_start": _not_enrolled(kwargs=_module),
    "training:vhs_case": _not_enrolled(kwargs=_case),
    "training:question_image": _not_enrolled(kwargs=lambda org: {"pk": _south_program(org)[3].pk}),
    "training:vhs_case_image": _not_enrolled(kwargs=_case),
    "api:training_program_detail": _not_enrolled(
        kwargs=_api("program_id", lambda org: _south_program(org)[0].pk)
    ),
    "api:training_module_list": _not_enrolled(
        kwargs=_api("program_id", lambda org: _south_program(org)[0].pk)
    ),
    "api:training_quiz_start": _not_enrolled(
        kwargs=_api("module_id", lambda org: _south_program(org)[1].pk)
    ),
    "api:training_vhs_submit": _not_enrolled(
        kwargs=_api("program_id", lambda org: _south_program(org)[0].pk)
    ),
    "training:rep": _results(
        kwargs=lambda org: {"pk": make_program(org).program.pk, "rep_id": org.other_rep.pk}
    ),
    "training:attempt": _results(kwargs=lambda org: {"pk": _south_attempt(org).pk}),
    "training:vhs_attempt": _results(kwargs=lambda org: {"pk": _south_vhs_attempt(org).pk}),
    "training:roleplay": _results(kwargs=lambda org: {"pk": _south_roleplay(org).pk}),
    "api:training_attempt_detail": _results(
        kwargs=_api("attempt_id", lambda org: _south_attempt(org).pk)
    ),
    # Only the attempt's rep submits it; the manager scores a role-play of their own rep.
    "training:attempt_submit": (
        _denied(OTHER_REP, REP, kwargs=lambda org: {"pk": _south_open_attempt(org).pk}),
    ),
    "api:training_attempt_submit": (
        _denied(OTHER_REP, REP, kwargs=_api("attempt_id", lambda org: _south_open_attempt(org).pk)),
    ),
    "training:roleplay_score": (
        _denied(OTHER_REP, REP, MGR, FV, kwargs=lambda org: {"pk": _south_roleplay(org).pk}),
    ),
    "training:seminar": _seminar(REP, FV, insiders=SEATED),
    "training:seminar_attendance": _seminar(
        MGR, FV, insiders=COHORT_MANAGER, data=_south_attendance
    ),
    "training:seminar_prep": _seminar(MGR, FV, insiders=COHORT_MANAGER),
    "training:roleplay_create": _seminar(
        MGR, FV, insiders=COHORT_MANAGER, data=_south_roleplay_post
    ),
    # Enrolling another manager's team.
    "training:program_enrol": (
        Outside(
            why="the South team, enrolled by the North manager",
            denied={MGR: FORBIDDEN},
            data=lambda org: {"team": org.team_south.pk},
            insiders={"other_manager": MGR},
        ),
    ),
    # Inviting the vets of a training at another territory's clinic.
    "training:kit_invite": (
        _denied(
            "a customer training at the South clinic",
            REP,
            FV,
            kwargs=kit,
            data=lambda org: {"training": world(org).other_training.pk},
        ),
    ),
}

NOT_SCOPED_TRAINING: dict[str, str] = {
    name: why
    for why, names in {
        "marketing and sales managers plan and edit every program": (
            "training:program_edit",
            "training:program_status",
            "training:seminar_create",
            "training:scenarios_build",
        ),
        "marketing writes every program's content": (
            "training:module_create",
            "training:module_edit",
            "training:question_create",
            "training:question_active",
        ),
        "marketing and field vets curate every program's radiographs": (
            "training:vhs_case_upload",
            "training:vhs_case_reference",
            "training:vhs_case_reference_save",
        ),
        "head-office readers and managers open it; its rows are filtered to the reps whose "
        "results they may see (tests/training/test_views.py, test_api.py)": (
            "training:readiness",
            "training:program_prep",
            "training:questions",
            "api:training_readiness",
            "api:training_prep_report",
        ),
        "the redirect to a fresh generated case; the case page itself is checked": (
            "training:vhs_new",
        ),
        "customer kits are campaign material every field role shares; invitations and "
        "scores are filtered to the requester's": (
            "training:kit",
            "api:training_kit_scores",
        ),
        "reached by a vet's personal link, without an account": (
            "training:kit_public",
            "training:kit_public_vhs",
            "training:kit_public_vhs_submit",
            "training:kit_public_test",
            "training:kit_public_test_submit",
        ),
    }.items()
    for name in names
}
