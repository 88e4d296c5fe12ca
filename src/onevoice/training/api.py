"""API endpoints of the training app (mounted at /api/training/); same rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from onevoice.accounts.models import User
from onevoice.accounts.permissions import request_user
from onevoice.training import permissions as perms
from onevoice.training import selectors, services
from onevoice.training.models import CustomerKit, Module, Program, QuizAttempt
from onevoice.training.services import TrainingRuleError

router = Router(tags=["training"])


def _me(request: HttpRequest) -> User:
    """The signed-in user itself, not the lazy proxy, so their role is looked up once."""
    user = request_user(request)
    return cast(User, getattr(user, "_wrapped", user))


class ProgramOut(Schema):
    id: int
    title: str
    campaign: str
    status: str
    prework_opens: dt.date
    prework_due: dt.date
    vhs_tolerance: float
    weights: dict[str, float]


class ModuleOut(Schema):
    id: int
    title: str
    summary: str
    pass_mark: float
    max_attempts: int
    questions_per_attempt: int


class ReadinessOut(Schema):
    rep: str
    team: str
    index: float
    components: dict[str, float]
    modules_passed: int
    modules: int
    best_vhs_error: float | None
    roleplay_mean: float | None
    overdue: bool
    certified_at: dt.datetime | None
    unmet: list[str]


class ItemOut(Schema):
    question_id: int
    module: str
    concept: str
    prompt: str
    n: int
    difficulty: float | None
    discrimination: float | None
    flag: str


class ConceptOut(Schema):
    concept: str
    answers: int
    mastery: float | None
    missed: bool


class UnfinishedOut(Schema):
    rep: str
    passed: int
    total: int
    missing: list[str]


class ScenarioOut(Schema):
    objection_id: int
    text: str
    votes: int


class PrepOut(Schema):
    cohort: int
    first_attempts: int
    missed_concepts: list[ConceptOut]
    concepts: list[ConceptOut]
    unfinished: list[UnfinishedOut]
    scenarios: list[ScenarioOut]
    items: list[ItemOut]


class OptionOut(Schema):
    id: int
    text: str


class QuestionOut(Schema):
    id: int
    number: int
    kind: str
    concept: str
    prompt: str
    options: list[OptionOut]
    unit: str
    figure_seed: int | None


class AttemptOut(Schema):
    id: int
    module_id: int
    number: int
    seed: int
    submitted_at: dt.datetime | None
    correct: int | None
    total: int | None
    score: float | None
    passed: bool | None
    questions: list[QuestionOut]
    feedback: list[dict[str, Any]]


class AnswersIn(Schema):
    answers: dict[int, Any]


class VhsIn(Schema):
    seed: int | None = None
    case_id: int | None = None
    long_axis: list[list[float]]
    short_axis: list[list[float]]
    vertebrae: list[list[float]]


class VhsOut(Schema):
    id: int
    vhs: float
    long_axis: float
    short_axis: float
    reference_vhs: float
    error: float
    tolerance: float
    passed: bool


class KitScoreOut(Schema):
    vet: str
    clinic: str
    issued_at: dt.datetime
    pre_score: float | None
    post_score: float | None
    change: float | None


def _forbidden(exc: PermissionDenied) -> HttpError:
    return HttpError(403, str(exc) or perms.ERROR_NOT_ALLOWED)


def _program(request: HttpRequest, program_id: int) -> Program:
    program = get_object_or_404(Program.objects.select_related("campaign"), pk=program_id)
    try:
        return perms.access_program(user=_me(request), program=program)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None


def _require(allowed: bool, message: str = perms.ERROR_NOT_ALLOWED) -> None:
    if not allowed:
        raise HttpError(403, message)


def _program_out(p: Program) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "campaign": str(p.campaign),
        "status": p.status,
        "prework_opens": p.prework_opens,
        "prework_due": p.prework_due,
        "vhs_tolerance": p.vhs_tolerance,
        "weights": p.weights,
    }


@router.get("/programs", response=list[ProgramOut], summary="Training programs you may open")
def training_program_list(request: HttpRequest) -> object:
    return [_program_out(p) for p in selectors.program_list_for(user=_me(request))]


@router.get("/programs/{program_id}", response=ProgramOut)
def training_program_detail(request: HttpRequest, program_id: int) -> object:
    return _program_out(_program(request, program_id))


@router.get("/programs/{program_id}/modules", response=list[ModuleOut])
def training_module_list(request: HttpRequest, program_id: int) -> object:
    return selectors.modules_of(program=_program(request, program_id))


@router.get(
    "/programs/{program_id}/readiness",
    response=list[ReadinessOut],
    summary="Readiness of the reps whose results you may see",
)
def training_readiness(request: HttpRequest, program_id: int) -> object:
    user = _me(request)
    program = _program(request, program_id)
    rows = selectors.readiness_rows(
        program=program, enrolments=selectors.enrolments_visible(program=program, user=user)
    )
    return [
        {
            "rep": r.rep.username,
            "team": r.enrolment.source_label,
            "index": round(r.readiness.index, 1),
            "components": {k: round(v, 4) for k, v in r.readiness.components.items()},
            "modules_passed": r.modules_passed,
            "modules": r.inputs.modules,
            "best_vhs_error": r.best_vhs_error,
            "roleplay_mean": r.roleplay_mean,
            "overdue": r.overdue,
            "certified_at": r.certified_at,
            "unmet": r.readiness.unmet,
        }
        for r in rows
    ]


@router.get(
    "/programs/{program_id}/prep-report",
    response=PrepOut,
    summary="Seminar prep report and item analysis over the reps you may see",
)
def training_prep_report(request: HttpRequest, program_id: int) -> object:
    user = _me(request)
    program = _program(request, program_id)
    _require(perms.can_view_prep_report(user=user) and perms.can_view_dashboard(user=user))
    report = selectors.prep_report(
        program=program, enrolments=selectors.enrolments_visible(program=program, user=user)
    )

    def concept(c: selectors.ConceptRow) -> dict[str, Any]:
        return {
            "concept": c.concept.name,
            "answers": c.answers,
            "mastery": c.mastery,
            "missed": c.missed,
        }

    return {
        "cohort": report.cohort,
        "first_attempts": report.first_attempts,
        "missed_concepts": [concept(c) for c in report.missed],
        "concepts": [concept(c) for c in report.concepts],
        "unfinished": [
            {
                "rep": u.enrolment.rep.username,
                "passed": u.passed,
                "total": u.total,
                "missing": [m.title for m in u.missing],
            }
            for u in report.unfinished
        ],
        "scenarios": [
            {"objection_id": o.pk, "text": o.text, "votes": getattr(o, "votes", 0)}
            for o in report.scenarios
        ],
        "items": [
            {
                "question_id": i.question.pk,
                "module": i.question.module.title,
                "concept": i.question.concept.name,
                "prompt": i.question.prompt,
                "n": i.stats.n,
                "difficulty": i.stats.difficulty,
                "discrimination": i.stats.discrimination,
                "flag": i.stats.flag,
            }
            for i in report.items
        ],
    }


def _attempt_out(attempt: QuizAttempt) -> dict[str, Any]:
    shown = selectors.attempt_questions(attempt=attempt)
    feedback = []
    if not attempt.is_open:
        feedback = [
            {
                "question_id": s.question.pk,
                "correct": bool(s.answer and s.answer.correct),
                "explanation": s.question.explanation,
            }
            for s in shown
        ]
    return {
        "id": attempt.pk,
        "module_id": attempt.module_id,
        "number": attempt.number,
        "seed": attempt.seed,
        "submitted_at": attempt.submitted_at,
        "correct": attempt.correct,
        "total": attempt.total,
        "score": attempt.score,
        "passed": attempt.passed,
        "questions": [
            {
                "id": s.question.pk,
                "number": s.number,
                "kind": s.question.kind,
                "concept": s.question.concept.name,
                "prompt": s.question.prompt,
                "options": [{"id": o.pk, "text": o.text} for o in s.options],
                "unit": s.question.unit,
                "figure_seed": s.question.figure_seed,
            }
            for s in shown
        ],
        "feedback": feedback,
    }


@router.post(
    "/modules/{module_id}/attempts",
    response={201: AttemptOut},
    summary="Start a quiz attempt (or get the one still open)",
)
def training_quiz_start(request: HttpRequest, module_id: int) -> object:
    user = _me(request)
    module = get_object_or_404(Module.objects.select_related("program"), pk=module_id)
    try:
        perms.access_module(user=user, module=module)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None
    _require(perms.can_take_prework(user=user, program=module.program), perms.ERROR_NOT_ENROLLED)
    try:
        attempt = services.quiz_start(module=module, rep=user)
    except TrainingRuleError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(201, _attempt_out(attempt))


def _attempt(request: HttpRequest, attempt_id: int) -> QuizAttempt:
    attempt = get_object_or_404(
        QuizAttempt.objects.select_related("module__program"), pk=attempt_id
    )
    try:
        return perms.access_attempt(user=_me(request), attempt=attempt)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None


@router.get("/attempts/{attempt_id}", response=AttemptOut)
def training_attempt_detail(request: HttpRequest, attempt_id: int) -> object:
    return _attempt_out(_attempt(request, attempt_id))


@router.post(
    "/attempts/{attempt_id}/submit",
    response=AttemptOut,
    summary="Submit answers: option ids, a list of ids, a number, or [x, y]",
)
def training_attempt_submit(request: HttpRequest, attempt_id: int, payload: AnswersIn) -> object:
    user = _me(request)
    attempt = _attempt(request, attempt_id)
    _require(attempt.rep_id == user.pk, services.ERROR_NOT_YOUR_ATTEMPT)
    if not attempt.is_open:
        raise HttpError(409, services.ERROR_ATTEMPT_SUBMITTED.format(at=attempt.submitted_at))
    try:
        attempt = services.quiz_submit(attempt=attempt, rep=user, responses=payload.answers)
    except TrainingRuleError as exc:
        raise HttpError(400, str(exc)) from None
    return _attempt_out(attempt)


@router.post(
    "/programs/{program_id}/vhs",
    response={201: VhsOut},
    summary="Submit a VHS measurement of a generated (seed) or uploaded (case_id) case",
)
def training_vhs_submit(request: HttpRequest, program_id: int, payload: VhsIn) -> object:
    user = _me(request)
    program = _program(request, program_id)
    _require(perms.can_practise_vhs(user=user, program=program), perms.ERROR_NOT_ENROLLED)
    case = get_object_or_404(program.vhs_cases, pk=payload.case_id) if payload.case_id else None
    try:
        attempt = services.vhs_submit(
            program=program,
            rep=user,
            points={
                "long_axis": payload.long_axis,
                "short_axis": payload.short_axis,
                "vertebrae": payload.vertebrae,
            },
            seed=payload.seed,
            case=case,
        )
    except TrainingRuleError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(
        201,
        {
            "id": attempt.pk,
            "vhs": attempt.vhs,
            "long_axis": attempt.long_axis,
            "short_axis": attempt.short_axis,
            "reference_vhs": attempt.reference_vhs,
            "error": attempt.error,
            "tolerance": attempt.tolerance,
            "passed": attempt.passed,
        },
    )


@router.get(
    "/kits/{kit_id}/scores",
    response=list[KitScoreOut],
    summary="Vets' pre- and post-test scores you may see",
)
def training_kit_scores(request: HttpRequest, kit_id: int) -> object:
    user = _me(request)
    kit = get_object_or_404(CustomerKit, pk=kit_id)
    try:
        perms.access_kit(user=user, kit=kit)
    except PermissionDenied as exc:
        raise _forbidden(exc) from None
    return [
        {
            "vet": str(i.vet),
            "clinic": i.vet.clinic.name,
            "issued_at": i.issued_at,
            "pre_score": i.pre_score,
            "post_score": i.post_score,
            "change": i.score_change,
        }
        for i in selectors.invitations_visible(user=user, kit=kit)
    ]
