"""Reads for training: programs, quizzes, readiness, the seminar prep report, kits.

Readiness and the prep report are computed for a whole cohort in a fixed number of
queries, whatever its size; the arithmetic lives in ``training.scoring``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from onevoice.accounts.models import User
from onevoice.campaigns import selectors as campaign_selectors
from onevoice.campaigns.models import AssetVersion, Campaign, Objection
from onevoice.training import scoring
from onevoice.training.choices import ProgramStatus, ScorerKind
from onevoice.training.models import (
    RUBRIC,
    Certification,
    Concept,
    CustomerKit,
    Enrolment,
    KitInvitation,
    Module,
    Program,
    Question,
    QuizAnswer,
    QuizAttempt,
    Reminder,
    RolePlay,
    RolePlayScenario,
    RolePlayScore,
    Seminar,
    SeminarSeat,
    VhsAttempt,
    VhsCase,
)
from onevoice.training.permissions import (
    can_run_seminar,
    can_view_dashboard,
    invitation_scope,
    program_scope,
    results_scope,
)

# ---------------------------------------------------------------- programs and modules


def program_list_for(*, user: User) -> QuerySet[Program]:
    ids = Program.objects.filter(program_scope(user=user)).values("pk")
    return (
        Program.objects.filter(pk__in=ids)
        .select_related("campaign")
        .annotate(
            n_modules=Count("modules", distinct=True),
            n_enrolled=Count("enrolments", distinct=True),
            n_seminars=Count("seminars", distinct=True),
        )
    )


def program_for_page(*, pk: int) -> Program:
    return Program.objects.select_related("campaign", "created_by").get(pk=pk)


def modules_of(*, program: Program) -> list[Module]:
    return list(
        program.modules.annotate(
            n_questions=Count("questions", filter=Q(questions__active=True))
        ).order_by("position", "id")
    )


def quiz_module_ids(*, program: Program) -> list[int]:
    """Modules with at least one active question: the pre-work a rep must pass."""
    return list(
        program.modules.filter(questions__active=True)
        .distinct()
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )


def concepts_of(*, program: Program) -> list[Concept]:
    return list(program.concepts.all())


def module_for_page(*, pk: int) -> Module:
    return Module.objects.select_related("program__campaign").get(pk=pk)


def module_assets(*, module: Module) -> list[AssetVersion]:
    """The approved, unexpired version of each asset the module links to."""
    wanted = set(module.assets.values_list("pk", flat=True))
    if not wanted:
        return []
    usable = campaign_selectors.asset_versions_for_reps(campaign=module.program.campaign)
    return [v for v in usable if v.asset_id in wanted]


def campaign_assets(*, campaign: Campaign) -> list[AssetVersion]:
    return campaign_selectors.asset_versions_for_reps(campaign=campaign)


def question_bank(*, module: Module) -> list[Question]:
    return list(
        module.questions.select_related("concept")
        .prefetch_related("options")
        .order_by("position", "id")
    )


def enrolment_of(*, program: Program, rep: User) -> Enrolment | None:
    return program.enrolments.filter(rep=rep).select_related("certification").first()


def attempts_of(*, module: Module, rep: User) -> list[QuizAttempt]:
    return list(QuizAttempt.objects.filter(module=module, rep=rep).order_by("number"))


def attempt_for_page(*, pk: int) -> QuizAttempt:
    return QuizAttempt.objects.select_related("module__program", "rep").get(pk=pk)


@dataclass
class ShownQuestion:
    """A question as an attempt shows it: options in the attempt's order, and the answer."""

    number: int
    question: Question
    options: list[Any]
    answer: QuizAnswer | None = None


def attempt_questions(*, attempt: QuizAttempt) -> list[ShownQuestion]:
    ids = [int(q) for q in attempt.layout.get("questions", [])]
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=ids)
        .select_related("concept")
        .prefetch_related("options")
    }
    answers = {a.question_id: a for a in attempt.answers.all()}
    shown = []
    for number, qid in enumerate(ids, start=1):
        question = questions[qid]
        by_id = {o.pk: o for o in question.options.all()}
        order = [int(o) for o in attempt.layout.get("options", {}).get(str(qid), [])]
        options = [by_id[o] for o in order if o in by_id]
        shown.append(ShownQuestion(number, question, options, answers.get(qid)))
    return shown


def attempts_left(*, module: Module, rep: User) -> int | None:
    """Attempts the rep may still start; None for no limit."""
    if module.max_attempts == 0:
        return None
    used = QuizAttempt.objects.filter(module=module, rep=rep).count()
    return max(0, module.max_attempts - used)


# ---------------------------------------------------------------- readiness


@dataclass
class ReadinessRow:
    """One rep's standing in a program, for dashboards and the rep's own page."""

    enrolment: Enrolment
    readiness: scoring.Readiness
    inputs: scoring.ReadinessInputs
    modules_passed: int
    best_vhs_error: float | None
    roleplay_mean: float | None
    overdue: bool
    certified_at: dt.datetime | None

    @property
    def rep(self) -> User:
        return self.enrolment.rep


def thresholds_of(program: Program) -> scoring.Thresholds:
    return scoring.Thresholds(
        min_quiz_mastery=program.min_quiz_mastery,
        vhs_tolerance=program.vhs_tolerance,
        vhs_passes_required=program.vhs_passes_required,
        min_roleplay_score=program.min_roleplay_score,
        require_attendance=program.require_attendance,
    )


def readiness_inputs(
    *, program: Program, rep_ids: Sequence[int]
) -> tuple[dict[int, scoring.ReadinessInputs], dict[int, dict[str, Any]]]:
    """What each rep has done, gathered in five queries for the whole cohort."""
    modules = quiz_module_ids(program=program)
    module_set = set(modules)
    deadline = program.prework_deadline
    best: dict[int, dict[int, float]] = defaultdict(dict)
    first_pass: dict[int, dict[int, dt.datetime]] = defaultdict(dict)
    for rep_id, module_id, score, passed, at in QuizAttempt.objects.filter(
        module__program=program, rep_id__in=rep_ids, submitted_at__isnull=False
    ).values_list("rep_id", "module_id", "score", "passed", "submitted_at"):
        if module_id not in module_set:
            continue
        best[rep_id][module_id] = max(best[rep_id].get(module_id, 0.0), score or 0.0)
        if passed and at is not None:
            earlier = first_pass[rep_id].get(module_id)
            if earlier is None or at < earlier:
                first_pass[rep_id][module_id] = at
    vhs: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for rep_id, error, passed in (
        VhsAttempt.objects.filter(program=program, rep_id__in=rep_ids)
        .order_by("-submitted_at", "-id")
        .values_list("rep_id", "error", "passed")
    ):
        vhs[rep_id].append((error, passed))
    per_roleplay: dict[tuple[int, int], list[float]] = defaultdict(list)
    for row in RolePlayScore.objects.filter(
        kind=ScorerKind.TRAINER,
        roleplay__scenario__program=program,
        roleplay__rep_id__in=rep_ids,
    ).values_list("roleplay__rep_id", "roleplay_id", *RUBRIC):
        per_roleplay[(row[0], row[1])].append(sum(row[2:]) / len(RUBRIC))
    roleplays: dict[int, list[float]] = defaultdict(list)
    for (rep_id, _), means in sorted(per_roleplay.items()):
        roleplays[rep_id].append(sum(means) / len(means))
    attended = set(
        SeminarSeat.objects.filter(
            seminar__program=program, enrolment__rep_id__in=rep_ids, attended=True
        ).values_list("enrolment__rep_id", flat=True)
    )
    inputs = {}
    extra = {}
    for rep_id in rep_ids:
        passes = first_pass.get(rep_id, {})
        on_time = sum(1 for at in passes.values() if at < deadline)
        errors = [e for e, _ in vhs.get(rep_id, [])]
        inputs[rep_id] = scoring.ReadinessInputs(
            modules=len(modules),
            passed_on_time=on_time,
            passed_late=len(passes) - on_time,
            best_scores=[best.get(rep_id, {}).get(m, 0.0) for m in modules],
            vhs_errors=errors,
            vhs_passes=sum(1 for _, ok in vhs.get(rep_id, []) if ok),
            trainer_scores=roleplays.get(rep_id, []),
            attended=rep_id in attended,
        )
        extra[rep_id] = {
            "passed_modules": set(passes),
            "best_vhs_error": min(errors) if errors else None,
        }
    return inputs, extra


def readiness_rows(
    *, program: Program, enrolments: Iterable[Enrolment], now: dt.datetime | None = None
) -> list[ReadinessRow]:
    enrolments = list(enrolments)
    inputs, extra = readiness_inputs(program=program, rep_ids=[e.rep_id for e in enrolments])
    now = now or timezone.now()
    thresholds = thresholds_of(program)
    rows = []
    for e in enrolments:
        i = inputs[e.rep_id]
        passed = i.passed_on_time + i.passed_late
        certification = getattr(e, "certification", None) if _has_certification(e) else None
        rows.append(
            ReadinessRow(
                enrolment=e,
                readiness=scoring.readiness(i, weights=program.weights, thresholds=thresholds),
                inputs=i,
                modules_passed=passed,
                best_vhs_error=extra[e.rep_id]["best_vhs_error"],
                roleplay_mean=(
                    sum(i.trainer_scores) / len(i.trainer_scores) if i.trainer_scores else None
                ),
                overdue=passed < i.modules and now >= program.prework_deadline,
                certified_at=certification.certified_at if certification else None,
            )
        )
    return rows


def _has_certification(enrolment: Enrolment) -> bool:
    try:
        enrolment.certification  # noqa: B018 - reverse one-to-one raises when absent
    except Certification.DoesNotExist:
        return False
    return True


def readiness_for(*, enrolment: Enrolment) -> ReadinessRow:
    return readiness_rows(program=enrolment.program, enrolments=[enrolment])[0]


def enrolments_visible(*, program: Program, user: User) -> QuerySet[Enrolment]:
    """The program's enrolments whose results the user may see."""
    return (
        program.enrolments.filter(results_scope(user=user))
        .select_related("rep", "certification", "program")
        .order_by("rep__last_name", "rep__first_name", "rep__username")
    )


@dataclass(frozen=True)
class DashboardSummary:
    enrolled: int
    prework_done: int
    overdue: int
    certified: int
    mean_index: float | None
    by_team: list[dict[str, Any]] = field(default_factory=list)


def dashboard_summary(*, rows: Sequence[ReadinessRow]) -> DashboardSummary:
    teams: dict[str, list[ReadinessRow]] = defaultdict(list)
    for row in rows:
        teams[row.enrolment.source_label or "—"].append(row)

    def summary(group: Sequence[ReadinessRow]) -> dict[str, Any]:
        return {
            "enrolled": len(group),
            "prework_done": sum(1 for r in group if r.modules_passed >= r.inputs.modules),
            "overdue": sum(1 for r in group if r.overdue),
            "certified": sum(1 for r in group if r.certified_at is not None),
            "mean_index": sum(r.readiness.index for r in group) / len(group) if group else None,
        }

    total = summary(rows)
    return DashboardSummary(
        **total,
        by_team=[{"team": name, **summary(group)} for name, group in sorted(teams.items())],
    )


# ---------------------------------------------------------------- item analysis and prep


@dataclass
class ItemRow:
    question: Question
    stats: scoring.ItemStats


@dataclass
class ConceptRow:
    concept: Concept
    answers: int
    mastery: float | None
    missed: bool


@dataclass
class PreworkRow:
    enrolment: Enrolment
    passed: int
    total: int
    missing: list[Module]
    started: bool
    overdue: bool


@dataclass
class PrepReport:
    """What a trainer reads before the seminar: what the cohort missed, who is behind,
    and which objections to rehearse."""

    program: Program
    cohort: int
    first_attempts: int
    concepts: list[ConceptRow]
    items: list[ItemRow]
    unfinished: list[PreworkRow]
    scenarios: list[Objection]
    program_scenarios: list[RolePlayScenario]

    @property
    def missed(self) -> list[ConceptRow]:
        return sorted((c for c in self.concepts if c.missed), key=lambda c: c.mastery or 0.0)


def first_attempt_answers(
    *, program: Program, rep_ids: Sequence[int]
) -> list[tuple[int, int, bool, int]]:
    """``(attempt, question, correct, concept)`` of each rep's first submitted attempt
    at each module: pre-work as the rep came to it, before feedback taught the answers."""
    first: dict[tuple[int, int], int] = {}
    for attempt_id, rep_id, module_id in (
        QuizAttempt.objects.filter(
            module__program=program, rep_id__in=rep_ids, submitted_at__isnull=False
        )
        .order_by("number", "id")
        .values_list("pk", "rep_id", "module_id")
    ):
        first.setdefault((rep_id, module_id), attempt_id)
    return list(
        QuizAnswer.objects.filter(attempt_id__in=first.values()).values_list(
            "attempt_id", "question_id", "correct", "question__concept_id"
        )
    )


def item_analysis_for(
    *, program: Program, rep_ids: Sequence[int]
) -> tuple[list[ItemRow], list[ConceptRow], int]:
    answers = first_attempt_answers(program=program, rep_ids=rep_ids)
    stats = scoring.item_analysis((a, q, c) for a, q, c, _ in answers)
    mastery = scoring.concept_mastery((concept, c) for _, _, c, concept in answers)
    questions = (
        Question.objects.filter(module__program=program)
        .select_related("concept", "module")
        .order_by("module__position", "position", "id")
    )
    items = [
        ItemRow(q, stats.get(q.pk) or scoring.ItemStats(q.pk, 0, None, None)) for q in questions
    ]
    concepts = []
    for concept in program.concepts.all():
        n, share = mastery.get(concept.pk, (0, None))
        concepts.append(
            ConceptRow(
                concept=concept,
                answers=n,
                mastery=share,
                missed=share is not None and share < program.mastery_target,
            )
        )
    return items, concepts, len({a for a, *_ in answers})


def prep_report(
    *, program: Program, enrolments: Iterable[Enrolment], now: dt.datetime | None = None
) -> PrepReport:
    enrolments = list(enrolments)
    rep_ids = [e.rep_id for e in enrolments]
    items, concepts, n_first = item_analysis_for(program=program, rep_ids=rep_ids)
    modules = [m for m in modules_of(program=program) if getattr(m, "n_questions", 0)]
    _, extra = readiness_inputs(program=program, rep_ids=rep_ids)
    started = set(
        QuizAttempt.objects.filter(module__program=program, rep_id__in=rep_ids).values_list(
            "rep_id", flat=True
        )
    )
    late = (now or timezone.now()) >= program.prework_deadline
    unfinished = []
    for e in enrolments:
        done = extra[e.rep_id]["passed_modules"]
        missing = [m for m in modules if m.pk not in done]
        if missing:
            unfinished.append(
                PreworkRow(
                    e, len(modules) - len(missing), len(modules), missing, e.rep_id in started, late
                )
            )
    return PrepReport(
        program=program,
        cohort=len(enrolments),
        first_attempts=n_first,
        concepts=concepts,
        items=items,
        unfinished=unfinished,
        scenarios=campaign_selectors.roleplay_scenarios_for(campaign=program.campaign, limit=5),
        program_scenarios=list(program.scenarios.select_related("objection")),
    )


# ---------------------------------------------------------------- seminars and role-plays


def seminars_of(*, program: Program, user: User) -> list[Seminar]:
    from onevoice.training.permissions import can_view_seminar

    seminars = (
        program.seminars.prefetch_related("trainers", "seats__enrolment__rep")
        .annotate(n_seats=Count("seats", distinct=True))
        .order_by("starts_at")
    )
    return [s for s in seminars if can_view_seminar(user=user, seminar=s)]


def seminar_for_page(*, pk: int) -> Seminar:
    return (
        Seminar.objects.select_related("program__campaign")
        .prefetch_related(
            "trainers",
            Prefetch(
                "seats",
                queryset=SeminarSeat.objects.select_related("enrolment__rep", "recorded_by"),
            ),
        )
        .get(pk=pk)
    )


def seminar_enrolments(*, seminar: Seminar) -> list[Enrolment]:
    return [seat.enrolment for seat in seminar.seats.all()]


def scenarios_of(*, program: Program) -> list[RolePlayScenario]:
    return list(program.scenarios.select_related("objection").annotate(n_played=Count("roleplays")))


def roleplays_visible(*, program: Program, user: User) -> list[RolePlay]:
    """Role-plays of reps whose results the user sees, and of seminars they train."""
    scope = results_scope(user=user) | Q(seminar__trainers=user)
    return list(
        RolePlay.objects.filter(scenario__program=program)
        .filter(scope)
        .distinct()
        .select_related("scenario", "rep", "seminar")
        .prefetch_related("scores__scorer")
    )


def roleplay_for_page(*, pk: int) -> RolePlay:
    return (
        RolePlay.objects.select_related("scenario__program__campaign", "rep", "seminar")
        .prefetch_related("scores__scorer")
        .get(pk=pk)
    )


# ---------------------------------------------------------------- VHS exercise


def vhs_cases_of(*, program: Program) -> list[VhsCase]:
    return list(program.vhs_cases.filter(active=True).select_related("uploaded_by"))


def vhs_attempts_of(*, program: Program, rep: User, limit: int = 20) -> list[VhsAttempt]:
    return list(VhsAttempt.objects.filter(program=program, rep=rep).select_related("case")[:limit])


def vhs_attempt_for_page(*, pk: int) -> VhsAttempt:
    return VhsAttempt.objects.select_related("program", "case", "rep").get(pk=pk)


# ---------------------------------------------------------------- reminders and to-dos


def overdue_prework(*, today: dt.date | None = None) -> list[tuple[Enrolment, list[Module]]]:
    """Enrolments of open programs past their due date with modules not passed yet."""
    today = today or timezone.localdate()
    result = []
    programs = Program.objects.filter(status=ProgramStatus.OPEN, prework_due__lt=today)
    for program in programs.select_related("campaign"):
        modules = [m for m in modules_of(program=program) if getattr(m, "n_questions", 0)]
        enrolments = list(program.enrolments.select_related("rep", "program"))
        _, extra = readiness_inputs(program=program, rep_ids=[e.rep_id for e in enrolments])
        for e in enrolments:
            missing = [m for m in modules if m.pk not in extra[e.rep_id]["passed_modules"]]
            if missing:
                result.append((e, missing))
    return result


@dataclass(frozen=True)
class TrainingTodo:
    text: str
    url: str


def prework_done_reps(*, program: Program, rep_ids: Any) -> set[int]:
    """Of ``rep_ids`` (ids or a query of them), the reps who passed every pre-work module
    of the program: what ``readiness_inputs`` calls ``passed_modules``, complete."""
    modules = quiz_module_ids(program=program)
    attempts = QuizAttempt.objects.filter(
        rep_id__in=rep_ids, module_id__in=modules, passed=True, submitted_at__isnull=False
    )
    if not modules:
        return set(User.objects.filter(pk__in=rep_ids).values_list("pk", flat=True))
    return set(
        attempts.values("rep_id")
        .annotate(n=Count("module_id", distinct=True))
        .filter(n=len(modules))
        .values_list("rep_id", flat=True)
    )


def todos_for(*, user: User, today: dt.date | None = None) -> list[TrainingTodo]:
    """What training asks of the user next, for the home page.

    A rep: the pre-work still to pass in open programs, with its due date. Anyone whose
    view of results covers other reps (a manager: the team): how many of them are overdue.
    A trainer or a manager of the cohort: the prep report of a seminar in the next three
    weeks.
    """
    today = today or timezone.localdate()
    todos = []
    for e in Enrolment.objects.filter(rep=user, program__status=ProgramStatus.OPEN).select_related(
        "program"
    ):
        program = e.program
        modules = quiz_module_ids(program=program)
        _, extra = readiness_inputs(program=program, rep_ids=[user.pk])
        missing = len(set(modules) - extra[user.pk]["passed_modules"])
        if missing:
            when = "overdue since" if program.prework_due < today else "by"
            todos.append(
                TrainingTodo(
                    f"{program.title}: finish pre-work ({missing} module(s) left) "
                    f"{when} {program.prework_due:%d %b %Y}.",
                    f"/training/programs/{program.pk}/",
                )
            )
    if can_view_dashboard(user=user):
        for program in Program.objects.filter(status=ProgramStatus.OPEN, prework_due__lt=today):
            followed = program.enrolments.filter(results_scope(user=user)).exclude(rep=user)
            others = list(followed.values_list("rep_id", flat=True))
            if not others:
                continue
            # Only who passed everything, counted in SQL: the whole readiness of head
            # office's 2,000 reps cost 0.4 s per home page.
            done = prework_done_reps(program=program, rep_ids=followed.values("rep_id"))
            overdue = sum(1 for r in others if r not in done)
            if overdue:
                todos.append(
                    TrainingTodo(
                        f"{program.title}: {overdue} rep(s) you follow are overdue on pre-work.",
                        f"/training/programs/{program.pk}/readiness/",
                    )
                )
    soon = timezone.now() + dt.timedelta(days=21)
    for seminar in (
        Seminar.objects.filter(starts_at__gte=timezone.now(), starts_at__lte=soon)
        .select_related("program")
        .order_by("starts_at")
    ):
        if can_run_seminar(user=user, seminar=seminar):
            todos.append(
                TrainingTodo(
                    f"{seminar.title} on {seminar.starts_at:%d %b}: read the prep report.",
                    f"/training/seminars/{seminar.pk}/prep/",
                )
            )
    return todos


def reminders_for(*, user: User, limit: int = 10) -> list[Reminder]:
    return list(
        Reminder.objects.filter(enrolment__rep=user, channel="in_app").select_related(
            "enrolment__program"
        )[:limit]
    )


# ---------------------------------------------------------------- customer kits


def kit_list() -> QuerySet[CustomerKit]:
    return CustomerKit.objects.select_related("campaign").annotate(
        n_invitations=Count("invitations", distinct=True),
        n_questions=Count("questions", distinct=True),
    )


def kit_for_page(*, pk: int) -> CustomerKit:
    return (
        CustomerKit.objects.select_related("campaign")
        .prefetch_related("modules", "questions")
        .get(pk=pk)
    )


def invitations_visible(*, user: User, kit: CustomerKit | None = None) -> QuerySet[KitInvitation]:
    qs = KitInvitation.objects.filter(invitation_scope(user=user))
    if kit is not None:
        qs = qs.filter(kit=kit)
    return qs.select_related("kit", "vet__clinic", "training__campaign", "issued_by").distinct()


def kit_questions(*, kit: CustomerKit) -> list[Question]:
    return list(
        kit.questions.filter(active=True)
        .select_related("concept")
        .prefetch_related("options")
        .order_by("module__position", "position", "id")
    )


@dataclass(frozen=True)
class KitScores:
    """Customer kit test results for KPIs: vets tested and their mean scores (0-100)."""

    invited: int
    pre_tested: int
    post_tested: int
    mean_pre: float | None
    mean_post: float | None
    mean_gain: float | None


def kit_scores(*, campaign: Campaign | None = None) -> KitScores:
    """Pre- and post-test results of every kit (of one campaign), for the KPIs."""
    qs = KitInvitation.objects.all()
    if campaign is not None:
        qs = qs.filter(kit__campaign=campaign)
    rows = list(qs.values_list("pre_score", "post_score"))
    pre = [p for p, _ in rows if p is not None]
    post = [q for _, q in rows if q is not None]
    gains = [q - p for p, q in rows if p is not None and q is not None]
    return KitScores(
        invited=len(rows),
        pre_tested=len(pre),
        post_tested=len(post),
        mean_pre=sum(pre) / len(pre) if pre else None,
        mean_post=sum(post) / len(post) if post else None,
        mean_gain=sum(gains) / len(gains) if gains else None,
    )


def certified_count(*, campaign: Campaign) -> tuple[int, int]:
    """Reps certified and reps enrolled across the campaign's programs, for the KPIs."""
    enrolled = Enrolment.objects.filter(program__campaign=campaign)
    return (
        enrolled.filter(certification__isnull=False).values("rep").distinct().count(),
        enrolled.values("rep").distinct().count(),
    )
