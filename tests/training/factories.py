"""Training objects for tests, built on the ``org`` fixture.

``make_program`` gives an open program of a co-created campaign with two modules and a
question of each kind, the North team (the rep) and the South team (rep_south)
enrolled, a seminar of the North cohort with the field vet as trainer, and a role-play
scenario built from an approved objection.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.campaigns import services as campaign_services
from onevoice.training import schematic, services
from onevoice.training.choices import ProgramStatus
from onevoice.training.models import Question, QuizAttempt
from onevoice.training.radiographs import encode_png_gray
from tests.campaigns.conftest import make_campaign

HOTSPOT_SEED = 7


def tiny_png(width: int = 40, height: int = 30) -> bytes:
    import numpy as np

    return encode_png_gray(np.full((height, width), 128, dtype=np.uint8))


def approved_objection(org: Any, campaign: Any, text: str = "Too dear for a healthy dog.") -> Any:
    objection = campaign_services.objection_raise(
        campaign=campaign, user=org.users[Role.SALES_REP], text=text, frequency="often"
    )
    response = campaign_services.response_save(
        objection=objection,
        user=org.users[Role.MARKETING],
        text="EPIC: about 15 more months before heart failure.",
        clinical_claim=False,
    )
    campaign_services.evidence_add(
        user=org.users[Role.MARKETING],
        response=response,
        citation="Boswood 2016",
        excerpt="1228 vs 766 days",
        level="rct",
    )
    campaign_services.response_approve(
        response=response, user=org.users[Role.MARKETING], as_reviewer=False
    )
    return objection


def make_program(
    org: Any,
    *,
    status: str = ProgramStatus.OPEN,
    due_in_days: int = 14,
    with_seminar: bool = True,
) -> SimpleNamespace:
    if getattr(org, "training", None) is not None:
        return org.training  # type: ignore[no-any-return]
    mkt = org.users[Role.MARKETING]
    campaign = make_campaign(org)
    today = timezone.localdate()
    program = services.program_create(
        user=mkt,
        campaign=campaign,
        title="Finding B2 dogs",
        prework_opens=today - dt.timedelta(days=30),
        prework_due=today + dt.timedelta(days=due_in_days),
    )
    vhs = services.concept_get_or_create(
        program=program, user=mkt, code="vhs", name="Measuring the VHS"
    )
    staging = services.concept_get_or_create(
        program=program, user=mkt, code="staging", name="ACVIM staging"
    )
    m1 = services.module_create(
        program=program, user=mkt, title="VHS basics", body="## VHS\n\nFrom **T4**.", pass_mark=0.75
    )
    q_single = services.question_create(
        module=m1,
        user=mkt,
        concept=vhs,
        kind="single",
        prompt="Where does the vertebral count start?",
        explanation="At the cranial edge of T4 (Buchanan 1995).",
        options=[("Cranial edge of T4", True), ("Caudal edge of T4", False), ("T1", False)],
    )
    q_multi = services.question_create(
        module=m1,
        user=mkt,
        concept=staging,
        kind="multiple",
        prompt="Which criteria define stage B2?",
        explanation="LA:Ao ≥1.6 and LVIDDN ≥1.7.",
        options=[("LA:Ao ≥ 1.6", True), ("LVIDDN ≥ 1.7", True), ("Murmur 1/6", False)],
    )
    q_num = services.question_create(
        module=m1,
        user=mkt,
        concept=vhs,
        kind="numeric",
        prompt="Mean VHS of normal dogs?",
        explanation="9.7 ± 0.5 v.",
        numeric_answer=9.7,
        numeric_tolerance=0.3,
        unit="v",
    )
    t4 = schematic.generate_case(HOTSPOT_SEED).landmarks["t4"]
    q_hot = services.question_create(
        module=m1,
        user=mkt,
        concept=vhs,
        kind="hotspot",
        prompt="Click the cranial edge of T4.",
        explanation="T4 is the fourth thoracic vertebra.",
        figure_seed=HOTSPOT_SEED,
        hotspots=[{"x": t4[0], "y": t4[1], "r": 20}],
    )
    m2 = services.module_create(program=program, user=mkt, title="Staging", pass_mark=0.5)
    q_stage = services.question_create(
        module=m2,
        user=mkt,
        concept=staging,
        kind="single",
        prompt="A dog in heart failure is stage…",
        explanation="Stage C: current or past CHF.",
        options=[("C", True), ("B1", False)],
    )
    services.enrol_team(program=program, user=mkt, team=org.team_north)
    services.enrol_team(program=program, user=mkt, team=org.team_south)
    rep = org.users[Role.SALES_REP]
    enrolment = program.enrolments.get(rep=rep)
    seminar = None
    if with_seminar:
        start = timezone.now() + dt.timedelta(days=20)
        seminar = services.seminar_create(
            program=program,
            user=mkt,
            title="North seminar",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=6),
            place="Leeds",
            trainers=[org.users[Role.FIELD_VET]],
            cohort=[enrolment],
        )
    objection = approved_objection(org, campaign)
    scenario = services.scenarios_build(program=program, user=mkt)[0]
    if status != ProgramStatus.OPEN:
        program.status = status
        program.save(update_fields=["status"])
    else:
        services.program_set_status(program=program, user=mkt, status=ProgramStatus.OPEN)
    org.training = SimpleNamespace(
        campaign=campaign,
        program=program,
        concepts={"vhs": vhs, "staging": staging},
        m1=m1,
        m2=m2,
        q_single=q_single,
        q_multi=q_multi,
        q_num=q_num,
        q_hot=q_hot,
        q_stage=q_stage,
        enrolment=enrolment,
        seminar=seminar,
        objection=objection,
        scenario=scenario,
        rep=rep,
    )
    return org.training  # type: ignore[no-any-return]


def right_answer(question: Question) -> Any:
    """A response the question scores as right (raw, as a form would send it)."""
    if question.kind == "single":
        return str(next(o.pk for o in question.options.all() if o.correct))
    if question.kind == "multiple":
        return [str(o.pk) for o in question.options.all() if o.correct]
    if question.kind == "numeric":
        return str(question.numeric_answer)
    region = question.hotspots[0]
    return f"{region['x']},{region['y']}"


def wrong_answer(question: Question) -> Any:
    if question.kind == "single":
        return str(next(o.pk for o in question.options.all() if not o.correct))
    if question.kind == "multiple":
        return [str(o.pk) for o in question.options.all() if not o.correct]
    if question.kind == "numeric":
        return str((question.numeric_answer or 0) + 5)
    return "1,1"


def responses(attempt: QuizAttempt, *, right: set[int] | None = None) -> dict[int, Any]:
    """Answers for every question of the attempt: right for ``right`` (all by default)."""
    out = {}
    for qid in attempt.layout["questions"]:
        q = Question.objects.prefetch_related("options").get(pk=qid)
        ok = right is None or qid in right
        out[int(qid)] = right_answer(q) if ok else wrong_answer(q)
    return out


def form_data(answers: dict[int, Any]) -> dict[str, Any]:
    return {f"q{qid}": value for qid, value in answers.items()}


def points_for(case: schematic.SchematicCase) -> dict[str, list[list[float]]]:
    return case.reference_points
