"""Writes for training. Each runs in a transaction and writes an audit row.

Rules a trainer would state are enforced here, with the message the user sees as a
module constant: a quiz can be taken only by an enrolled rep, within the attempt limit,
one attempt open at a time; a seminar needs a place or a link; a role-play is scored
1-5 on each rubric criterion; a kit link works only for its vet and until it expires.
Certification is re-checked after every event that can complete it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import get_valid_filename

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Team, Territory, User
from onevoice.accounts.permissions import role_of
from onevoice.accounts.services import audit_record
from onevoice.campaigns import selectors as campaign_selectors
from onevoice.campaigns.models import Asset, Campaign
from onevoice.clinical.geometry import GeometryError, vhs_from_points
from onevoice.field import services as field_services
from onevoice.field.models import CustomerTraining, Vet
from onevoice.training import schematic, scoring, selectors
from onevoice.training.choices import (
    CaseSource,
    EnrolmentSource,
    KitTest,
    ProgramStatus,
    QuestionKind,
    ReminderChannel,
    ScorerKind,
)
from onevoice.training.models import (
    RUBRIC,
    RUBRIC_LABELS,
    AnswerOption,
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
from onevoice.training.radiographs import RadiographError, read_radiograph

ERROR_DATES = "Pre-work cannot be due ({due}) before it opens ({opens})."
ERROR_CERT_DATE = "Certification ({cert}) cannot be due before pre-work ({due})."
ERROR_TOLERANCE = "The VHS tolerance must be a positive number of vertebrae, not {value}."
ERROR_SHARE = "{field} must be between 0 and 1, not {value}."
ERROR_ROLEPLAY_THRESHOLD = "The role-play threshold must be between 1 and 5, not {value}."
ERROR_UNKNOWN_FIELD = "{field!r} cannot be changed here; changeable: {allowed}."
ERROR_STATUS = "A program cannot go from {current} to {target}."
ERROR_ASSET_OTHER_CAMPAIGN = "{asset} belongs to another campaign than this program's."
ERROR_NO_REPS = "{source} has no rep to enrol."
ERROR_NOT_REP = "{user} is not a sales rep."
ERROR_CONCEPT_OTHER_PROGRAM = "Concept {concept} belongs to another program."
ERROR_OPTIONS = "A {kind} question needs at least two options."
ERROR_SINGLE_KEY = "A single-choice question needs exactly one correct option ({n} marked)."
ERROR_MULTIPLE_KEY = "A multiple-choice question needs at least one correct option."
ERROR_NUMERIC = "A numeric question needs the answer and a tolerance of zero or more."
ERROR_HOTSPOT_IMAGE = "A hotspot question needs a generated figure (seed) or an uploaded image."
ERROR_HOTSPOT_REGIONS = 'A hotspot question needs at least one region {{"x", "y", "r"}} with r > 0.'
ERROR_NOT_ENROLLED = "{rep} is not enrolled in {program}."
ERROR_PROGRAM_NOT_OPEN = "{program} is not open: quizzes and exercises can be taken once it is."
ERROR_NO_QUESTIONS = "{module} has no questions yet."
ERROR_NO_ATTEMPTS_LEFT = "You have used all {n} attempts at this quiz."
ERROR_ATTEMPT_SUBMITTED = "This attempt was already submitted on {at:%Y-%m-%d %H:%M}."
ERROR_NOT_YOUR_ATTEMPT = "This attempt belongs to someone else."
ERROR_UNKNOWN_QUESTION = "Question {qid} is not part of this attempt."
ERROR_BAD_OPTION = "Question {n}: option {value!r} is not one of its options."
ERROR_BAD_NUMBER = "Question {n}: {value!r} is not a number."
ERROR_BAD_POINT = "Question {n}: {value!r} is not a point on the image (x,y)."
ERROR_SEMINAR_TIMES = "A seminar must end after it starts."
ERROR_NAIVE = "{field} must carry a time zone."
ERROR_SEMINAR_WHERE = "Say where the seminar takes place, or give the link to join online."
ERROR_COHORT_OTHER_PROGRAM = "{rep} is not enrolled in this seminar's program."
ERROR_ATTENDANCE_NOT_SEATED = "{rep} is not in this seminar's cohort."
ERROR_POINTS = "The measurement needs {what}."
ERROR_POINTS_JSON = "The clicked points are not readable: {reason}."
ERROR_CASE_OTHER_PROGRAM = "This radiograph belongs to another program."
ERROR_REFERENCE_VHS = "The reference VHS must be between 5 and 16 vertebrae, not {value}."
ERROR_RUBRIC = "{label}: score 1 to 5, not {value!r}."
ERROR_SCORER_KIND = "Unknown scorer kind {kind!r}."
ERROR_SCENARIO_OTHER_PROGRAM = "This scenario belongs to another program than the seminar's."
ERROR_NO_SCENARIOS = "The campaign has no objection with an approved answer to rehearse yet."
ERROR_KIT_QUESTIONS = "A kit needs at least one question for its pre- and post-test."
ERROR_KIT_OTHER_CAMPAIGN = "{what} belongs to another campaign than the kit's."
ERROR_KIT_NOT_ATTENDEE = "{vet} did not attend this customer training."
ERROR_KIT_NO_VETS = "Choose at least one vet who attended the training."
ERROR_LINK_INVALID = "This link is not valid. Ask your OneVoice contact for a new one."
ERROR_LINK_EXPIRED = "This link expired on {at:%d %B %Y}. Ask your OneVoice contact for a new one."
ERROR_LINK_REVOKED = "This link was withdrawn. Ask your OneVoice contact for a new one."
ERROR_KIT_ORDER = "Take the pre-test before the post-test."
ERROR_KIT_DONE = "You already took the {test} on {at:%d %B %Y}."
ERROR_KIT_TEST = "Unknown test {test!r}: pre or post."

KIT_SALT = "onevoice.training.kit"
PROGRAM_CHANGEABLE = (
    "title",
    "description",
    "prework_opens",
    "prework_due",
    "certification_due",
    "vhs_tolerance",
    "vhs_passes_required",
    "weight_prework",
    "weight_quiz",
    "weight_exercise",
    "weight_roleplay",
    "min_quiz_mastery",
    "min_roleplay_score",
    "require_attendance",
    "mastery_target",
)
STATUS_FLOW = {
    ProgramStatus.DRAFT: {ProgramStatus.OPEN},
    ProgramStatus.OPEN: {ProgramStatus.CLOSED},
    ProgramStatus.CLOSED: {ProgramStatus.OPEN},
}


class TrainingRuleError(ValueError):
    """A training rule refused the change; the message says which and why."""


class KitLinkError(TrainingRuleError):
    """A customer kit link that does not work: ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _aware(field: str, value: dt.datetime) -> None:
    if timezone.is_naive(value):
        raise TrainingRuleError(ERROR_NAIVE.format(field=field))


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- programs


def _check_program(values: Mapping[str, Any]) -> None:
    opens, due = values.get("prework_opens"), values.get("prework_due")
    if opens and due and due < opens:
        raise TrainingRuleError(ERROR_DATES.format(due=due, opens=opens))
    cert = values.get("certification_due")
    if cert and due and cert < due:
        raise TrainingRuleError(ERROR_CERT_DATE.format(cert=cert, due=due))
    tol = values.get("vhs_tolerance")
    if tol is not None and not (math.isfinite(tol) and tol > 0):
        raise TrainingRuleError(ERROR_TOLERANCE.format(value=tol))
    for name in ("min_quiz_mastery", "mastery_target"):
        v = values.get(name)
        if v is not None and not 0 <= v <= 1:
            raise TrainingRuleError(ERROR_SHARE.format(field=name.replace("_", " "), value=v))
    rp = values.get("min_roleplay_score")
    if rp is not None and not 1 <= rp <= 5:
        raise TrainingRuleError(ERROR_ROLEPLAY_THRESHOLD.format(value=rp))
    weights = {
        c: values[f"weight_{c}"]
        for c in scoring.COMPONENTS
        if values.get(f"weight_{c}") is not None
    }
    if len(weights) == len(scoring.COMPONENTS):
        try:
            scoring.check_weights(weights)
        except ValueError as exc:
            raise TrainingRuleError(str(exc)) from None


@transaction.atomic
def program_create(
    *,
    user: User,
    campaign: Campaign,
    title: str,
    prework_opens: dt.date,
    prework_due: dt.date,
    description: str = "",
    **options: Any,
) -> Program:
    """Create a program of ``campaign``; options are any of ``PROGRAM_CHANGEABLE``."""
    unknown = sorted(set(options) - set(PROGRAM_CHANGEABLE))
    if unknown:
        raise TrainingRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(PROGRAM_CHANGEABLE))
        )
    values = {
        "title": title,
        "description": description,
        "prework_opens": prework_opens,
        "prework_due": prework_due,
        **{k: v for k, v in options.items() if v is not None},
    }
    defaults = {f"weight_{c}": w for c, w in Program().weights.items()}
    _check_program({**defaults, **values})
    program = Program.objects.create(campaign=campaign, created_by=user, **values)
    audit_record(
        actor=user,
        action="training.program.create",
        obj=program,
        after={k: _json(v) for k, v in values.items()},
    )
    return program


@transaction.atomic
def program_update(*, program: Program, user: User, changes: Mapping[str, Any]) -> Program:
    unknown = sorted(set(changes) - set(PROGRAM_CHANGEABLE))
    if unknown:
        raise TrainingRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(PROGRAM_CHANGEABLE))
        )
    current = {f: getattr(program, f) for f in PROGRAM_CHANGEABLE}
    _check_program({**current, **changes})
    changed = [f for f, v in changes.items() if current[f] != v]
    if changed:
        before = {f: _json(current[f]) for f in changed}
        for f in changed:
            setattr(program, f, changes[f])
        program.save(update_fields=changed)
        audit_record(
            actor=user,
            action="training.program.update",
            obj=program,
            before=before,
            after={f: _json(getattr(program, f)) for f in changed},
        )
    return program


@transaction.atomic
def program_set_status(*, program: Program, user: User, status: str) -> Program:
    if status not in STATUS_FLOW.get(ProgramStatus(program.status), set()):
        raise TrainingRuleError(ERROR_STATUS.format(current=program.status, target=status))
    before = program.status
    program.status = status
    program.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="training.program.status",
        obj=program,
        before={"status": before},
        after={"status": status},
    )
    return program


def _enrol(
    *, program: Program, user: User | None, reps: Iterable[User], source: str, label: str
) -> list[Enrolment]:
    existing = set(program.enrolments.values_list("rep_id", flat=True))
    new = [
        Enrolment(program=program, rep=rep, source=source, source_label=label, enrolled_by=user)
        for rep in {r.pk: r for r in reps}.values()
        if rep.pk not in existing
    ]
    Enrolment.objects.bulk_create(new)
    if new:
        audit_record(
            actor=user,
            action="training.enrol",
            obj=program,
            after={"source": source, "label": label, "reps": sorted(e.rep_id for e in new)},
        )
    return new


@transaction.atomic
def enrol_team(*, program: Program, user: User | None, team: Team) -> list[Enrolment]:
    """Enrol every rep covering a territory of ``team``; reps already enrolled stay."""
    reps = [t.rep for t in team.territories.select_related("rep") if t.rep is not None]
    if not reps:
        raise TrainingRuleError(ERROR_NO_REPS.format(source=team))
    return _enrol(
        program=program, user=user, reps=reps, source=EnrolmentSource.TEAM, label=team.name
    )


@transaction.atomic
def enrol_territory(
    *, program: Program, user: User | None, territory: Territory
) -> list[Enrolment]:
    if territory.rep is None:
        raise TrainingRuleError(ERROR_NO_REPS.format(source=territory))
    label = territory.team.name if territory.team else str(territory)
    return _enrol(
        program=program,
        user=user,
        reps=[territory.rep],
        source=EnrolmentSource.TERRITORY,
        label=label,
    )


# ---------------------------------------------------------------- content


@transaction.atomic
def concept_get_or_create(*, program: Program, user: User | None, code: str, name: str) -> Concept:
    concept, created = Concept.objects.get_or_create(
        program=program,
        code=code,
        defaults={"name": name, "position": program.concepts.count()},
    )
    if created:
        audit_record(actor=user, action="training.concept.create", obj=concept)
    return concept


def _check_assets(program: Program, assets: Sequence[Asset]) -> None:
    for asset in assets:
        if asset.campaign_id != program.campaign_id:
            raise TrainingRuleError(ERROR_ASSET_OTHER_CAMPAIGN.format(asset=asset))


MODULE_FIELDS = (
    "title",
    "summary",
    "body",
    "video_url",
    "pass_mark",
    "max_attempts",
    "questions_per_attempt",
    "minutes",
)


@transaction.atomic
def module_create(
    *,
    program: Program,
    user: User | None,
    title: str,
    body: str = "",
    assets: Sequence[Asset] = (),
    **fields: Any,
) -> Module:
    unknown = sorted(set(fields) - set(MODULE_FIELDS))
    if unknown:
        raise TrainingRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(MODULE_FIELDS))
        )
    _check_module(fields)
    _check_assets(program, assets)
    position = (program.modules.aggregate(m=Max("position"))["m"] or 0) + 1
    module = Module.objects.create(
        program=program, title=title, body=body, position=position, **fields
    )
    module.assets.set(assets)
    audit_record(
        actor=user,
        action="training.module.create",
        obj=module,
        after={"title": title, "assets": [a.pk for a in assets]},
    )
    return module


def _check_module(fields: Mapping[str, Any]) -> None:
    mark = fields.get("pass_mark")
    if mark is not None and not 0 < mark <= 1:
        raise TrainingRuleError(ERROR_SHARE.format(field="pass mark", value=mark))


@transaction.atomic
def module_update(
    *,
    module: Module,
    user: User,
    changes: Mapping[str, Any],
    assets: Sequence[Asset] | None = None,
) -> Module:
    unknown = sorted(set(changes) - set(MODULE_FIELDS))
    if unknown:
        raise TrainingRuleError(
            ERROR_UNKNOWN_FIELD.format(field=unknown[0], allowed=", ".join(MODULE_FIELDS))
        )
    _check_module(changes)
    changed = [f for f, v in changes.items() if getattr(module, f) != v]
    before = {f: getattr(module, f) for f in changed}
    for f in changed:
        setattr(module, f, changes[f])
    if changed:
        module.save(update_fields=changed)
    if assets is not None:
        _check_assets(module.program, assets)
        old = sorted(module.assets.values_list("pk", flat=True))
        new = sorted(a.pk for a in assets)
        if old != new:
            module.assets.set(assets)
            before["assets"], changes = old, {**changes, "assets": new}
            changed.append("assets")
    if changed:
        audit_record(
            actor=user,
            action="training.module.update",
            obj=module,
            before=before,
            after={f: changes[f] for f in changed},
        )
    return module


def _check_question(
    *,
    kind: str,
    options: Sequence[tuple[str, bool]],
    numeric_answer: float | None,
    numeric_tolerance: float,
    figure_seed: int | None,
    has_image: bool,
    hotspots: Sequence[Mapping[str, float]],
) -> None:
    if kind not in QuestionKind.values:
        raise TrainingRuleError(f"Unknown question kind {kind!r}.")
    if kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
        if len(options) < 2:
            raise TrainingRuleError(ERROR_OPTIONS.format(kind=QuestionKind(kind).label.lower()))
        n_correct = sum(1 for _, c in options if c)
        if kind == QuestionKind.SINGLE and n_correct != 1:
            raise TrainingRuleError(ERROR_SINGLE_KEY.format(n=n_correct))
        if kind == QuestionKind.MULTIPLE and n_correct < 1:
            raise TrainingRuleError(ERROR_MULTIPLE_KEY)
    if kind == QuestionKind.NUMERIC and (
        numeric_answer is None
        or not math.isfinite(numeric_answer)
        or not math.isfinite(numeric_tolerance)
        or numeric_tolerance < 0
    ):
        raise TrainingRuleError(ERROR_NUMERIC)
    if kind == QuestionKind.HOTSPOT:
        if figure_seed is None and not has_image:
            raise TrainingRuleError(ERROR_HOTSPOT_IMAGE)
        try:
            ok = bool(hotspots) and all(
                float(r["r"]) > 0 and math.isfinite(float(r["x"])) and math.isfinite(float(r["y"]))
                for r in hotspots
            )
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise TrainingRuleError(ERROR_HOTSPOT_REGIONS)


def _upload_stem(file_name: str, default: str) -> str:
    """The uploaded file's name without folders or extension, as storage will accept it."""
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0][:80]
    try:
        return get_valid_filename(stem)
    except SuspiciousFileOperation:  # nothing usable left (empty, or only symbols)
        return default


@transaction.atomic
def question_create(
    *,
    module: Module,
    user: User | None,
    concept: Concept,
    kind: str,
    prompt: str,
    explanation: str,
    options: Sequence[tuple[str, bool]] = (),
    numeric_answer: float | None = None,
    numeric_tolerance: float = 0.0,
    unit: str = "",
    figure_seed: int | None = None,
    image: tuple[str, bytes] | None = None,
    hotspots: Sequence[Mapping[str, float]] = (),
) -> Question:
    """Add a question to a module's bank; its key is checked for its kind."""
    if concept.program_id != module.program_id:
        raise TrainingRuleError(ERROR_CONCEPT_OTHER_PROGRAM.format(concept=concept))
    _check_question(
        kind=kind,
        options=options,
        numeric_answer=numeric_answer,
        numeric_tolerance=numeric_tolerance,
        figure_seed=figure_seed,
        has_image=image is not None,
        hotspots=hotspots,
    )
    width = height = None
    picture = None
    if image is not None:
        try:
            picture = read_radiograph(image[0], image[1])
        except RadiographError as exc:
            raise TrainingRuleError(str(exc)) from None
        width, height = picture.width, picture.height
    # The module's row lock makes questions added at once take distinct places.
    Module.objects.select_for_update().get(pk=module.pk)
    position = (module.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    question = Question(
        module=module,
        concept=concept,
        kind=kind,
        prompt=prompt,
        explanation=explanation,
        position=position,
        numeric_answer=numeric_answer if kind == QuestionKind.NUMERIC else None,
        numeric_tolerance=numeric_tolerance if kind == QuestionKind.NUMERIC else 0.0,
        unit=unit,
        figure_seed=figure_seed if kind == QuestionKind.HOTSPOT else None,
        image_width=width,
        image_height=height,
        hotspots=[{"x": float(r["x"]), "y": float(r["y"]), "r": float(r["r"])} for r in hotspots]
        if kind == QuestionKind.HOTSPOT
        else [],
    )
    if image is not None and picture is not None and kind == QuestionKind.HOTSPOT:
        # What is shown (a DICOM becomes a PNG), under a name storage accepts whatever
        # the uploaded one was ("€€€" has no valid file-name characters).
        name = f"{_upload_stem(image[0], 'image')}.{picture.display_ext}"
        question.image.save(name, ContentFile(picture.display), save=False)
    question.save()
    if kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
        AnswerOption.objects.bulk_create(
            AnswerOption(question=question, text=text, correct=correct, position=i)
            for i, (text, correct) in enumerate(options)
        )
    audit_record(
        actor=user,
        action="training.question.create",
        obj=question,
        after={"module": module.pk, "kind": kind, "concept": concept.code},
    )
    return question


@transaction.atomic
def question_set_active(*, question: Question, user: User, active: bool) -> Question:
    if question.active != active:
        question.active = active
        question.save(update_fields=["active"])
        audit_record(
            actor=user,
            action="training.question.active",
            obj=question,
            before={"active": not active},
            after={"active": active},
        )
    return question


# ---------------------------------------------------------------- quizzes


def _bank(module: Module) -> list[scoring.BankItem]:
    rows = module.questions.filter(active=True).prefetch_related("options")
    return [
        scoring.BankItem(q.pk, q.concept_id, tuple(o.pk for o in q.options.all())) for q in rows
    ]


def _require_enrolled(program: Program, rep: User) -> Enrolment:
    enrolment = program.enrolments.filter(rep=rep).first()
    if enrolment is None:
        raise TrainingRuleError(ERROR_NOT_ENROLLED.format(rep=rep, program=program))
    if program.status != ProgramStatus.OPEN:
        raise TrainingRuleError(ERROR_PROGRAM_NOT_OPEN.format(program=program))
    return enrolment


@transaction.atomic
def quiz_start(
    *, module: Module, rep: User, seed: int | None = None, at: dt.datetime | None = None
) -> QuizAttempt:
    """Start an attempt, or return the one still open. Order comes from a fresh seed."""
    _require_enrolled(module.program, rep)
    # Lock the rep's attempts at this module so two clicks cannot open two attempts.
    existing = list(
        QuizAttempt.objects.select_for_update().filter(module=module, rep=rep).order_by("number")
    )
    for attempt in existing:
        if attempt.is_open:
            return attempt
    if module.max_attempts and len(existing) >= module.max_attempts:
        raise TrainingRuleError(ERROR_NO_ATTEMPTS_LEFT.format(n=module.max_attempts))
    bank = _bank(module)
    if not bank:
        raise TrainingRuleError(ERROR_NO_QUESTIONS.format(module=module))
    seed = seed if seed is not None else secrets.randbelow(2**31)
    attempt = QuizAttempt.objects.create(
        module=module,
        rep=rep,
        number=len(existing) + 1,
        seed=seed,
        layout=scoring.draw_layout(bank, seed=seed, n=module.questions_per_attempt),
        started_at=at or timezone.now(),
    )
    audit_record(
        actor=rep,
        action="training.quiz.start",
        obj=attempt,
        after={"module": module.pk, "number": attempt.number, "seed": seed},
    )
    return attempt


def parse_response(kind: str, raw: Any, *, number: int, option_ids: set[int]) -> Any:
    """Turn a submitted value into a response ``is_correct`` understands; None if blank.

    Raises ``TrainingRuleError`` naming the question number and the value.
    """
    if raw is None or raw == "" or raw == []:
        return None
    if kind == QuestionKind.SINGLE:
        value = raw[0] if isinstance(raw, list) else raw
        try:
            option = int(value)
        except (TypeError, ValueError):
            raise TrainingRuleError(ERROR_BAD_OPTION.format(n=number, value=value)) from None
        if option not in option_ids:
            raise TrainingRuleError(ERROR_BAD_OPTION.format(n=number, value=value))
        return option
    if kind == QuestionKind.MULTIPLE:
        values = raw if isinstance(raw, list) else [raw]
        chosen = []
        for value in values:
            try:
                option = int(value)
            except (TypeError, ValueError):
                raise TrainingRuleError(ERROR_BAD_OPTION.format(n=number, value=value)) from None
            if option not in option_ids:
                raise TrainingRuleError(ERROR_BAD_OPTION.format(n=number, value=value))
            chosen.append(option)
        return sorted(set(chosen))
    if kind == QuestionKind.NUMERIC:
        value = raw[0] if isinstance(raw, list) else raw
        try:
            number_value = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise TrainingRuleError(ERROR_BAD_NUMBER.format(n=number, value=value)) from None
        if not math.isfinite(number_value):
            raise TrainingRuleError(ERROR_BAD_NUMBER.format(n=number, value=value))
        return number_value
    if kind == QuestionKind.HOTSPOT:
        value = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
        try:
            if isinstance(value, str):
                x, y = (float(v) for v in value.split(","))
            else:
                x, y = float(value[0]), float(value[1])
        except (TypeError, ValueError, IndexError):
            raise TrainingRuleError(ERROR_BAD_POINT.format(n=number, value=value)) from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise TrainingRuleError(ERROR_BAD_POINT.format(n=number, value=value))
        return [x, y]
    raise TrainingRuleError(f"Unknown question kind {kind!r}.")


def score_questions(
    questions: Sequence[Question], responses: Mapping[int, Any]
) -> list[tuple[Question, Any, bool]]:
    """Parse and score each question's response (questions carry prefetched options)."""
    scored = []
    for number, question in enumerate(questions, start=1):
        options = list(question.options.all())
        response = parse_response(
            question.kind,
            responses.get(question.pk),
            number=number,
            option_ids={o.pk for o in options},
        )
        correct = scoring.is_correct(
            kind=question.kind,
            response=response,
            correct_options=frozenset(o.pk for o in options if o.correct),
            numeric_answer=question.numeric_answer,
            tolerance=question.numeric_tolerance,
            hotspots=question.hotspots,
        )
        scored.append((question, response, correct))
    return scored


@transaction.atomic
def quiz_submit(
    *,
    attempt: QuizAttempt,
    rep: User,
    responses: Mapping[int, Any],
    at: dt.datetime | None = None,
) -> QuizAttempt:
    """Score an attempt: right or wrong per question, the share right, passed or not.

    ``responses`` maps question ids to raw values (option ids, a number, "x,y"); blank
    questions count as wrong. Nothing is stored if any value is unreadable.
    """
    attempt = (
        QuizAttempt.objects.select_for_update(of=("self",))
        .select_related("module__program")
        .get(pk=attempt.pk)
    )
    if attempt.rep_id != rep.pk:
        raise TrainingRuleError(ERROR_NOT_YOUR_ATTEMPT)
    if not attempt.is_open:
        raise TrainingRuleError(ERROR_ATTEMPT_SUBMITTED.format(at=attempt.submitted_at))
    ids = [int(q) for q in attempt.layout["questions"]]
    for qid in responses:
        if qid not in ids:
            raise TrainingRuleError(ERROR_UNKNOWN_QUESTION.format(qid=qid))
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=ids).prefetch_related("options")}
    scored = score_questions([by_id[q] for q in ids], responses)
    QuizAnswer.objects.bulk_create(
        QuizAnswer(attempt=attempt, question=q, response=r, correct=c) for q, r, c in scored
    )
    attempt.correct = sum(1 for *_, c in scored if c)
    attempt.total = len(scored)
    attempt.score = attempt.correct / attempt.total if attempt.total else 0.0
    attempt.passed = attempt.score >= attempt.module.pass_mark - 1e-9
    attempt.submitted_at = at or timezone.now()
    attempt.save(update_fields=["correct", "total", "score", "passed", "submitted_at"])
    audit_record(
        actor=rep,
        action="training.quiz.submit",
        obj=attempt,
        after={"correct": attempt.correct, "total": attempt.total, "passed": attempt.passed},
    )
    _certify_if_ready(attempt.module.program, rep.pk, at=attempt.submitted_at)
    return attempt


# ---------------------------------------------------------------- seminars


@transaction.atomic
def seminar_create(
    *,
    program: Program,
    user: User | None,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
    online_link: str = "",
    trainers: Sequence[User] = (),
    cohort: Sequence[Enrolment] = (),
    notes: str = "",
) -> Seminar:
    _aware("starts_at", starts_at)
    _aware("ends_at", ends_at)
    if ends_at <= starts_at:
        raise TrainingRuleError(ERROR_SEMINAR_TIMES)
    if not place.strip() and not online_link.strip():
        raise TrainingRuleError(ERROR_SEMINAR_WHERE)
    seminar = Seminar.objects.create(
        program=program,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        online_link=online_link.strip(),
        notes=notes,
    )
    seminar.trainers.set(trainers)
    _seat(seminar, cohort)
    audit_record(
        actor=user,
        action="training.seminar.create",
        obj=seminar,
        after={
            "starts_at": starts_at.isoformat(),
            "place": seminar.place,
            "online_link": seminar.online_link,
            "trainers": sorted(t.pk for t in trainers),
            "cohort": sorted(e.rep_id for e in cohort),
        },
    )
    return seminar


def _seat(seminar: Seminar, cohort: Sequence[Enrolment]) -> list[SeminarSeat]:
    for e in cohort:
        if e.program_id != seminar.program_id:
            raise TrainingRuleError(ERROR_COHORT_OTHER_PROGRAM.format(rep=e.rep))
    seated = set(seminar.seats.values_list("enrolment_id", flat=True))
    seats = [SeminarSeat(seminar=seminar, enrolment=e) for e in cohort if e.pk not in seated]
    SeminarSeat.objects.bulk_create(seats)
    return seats


@transaction.atomic
def seminar_add_to_cohort(
    *, seminar: Seminar, user: User, enrolments: Sequence[Enrolment]
) -> list[SeminarSeat]:
    seats = _seat(seminar, enrolments)
    if seats:
        audit_record(
            actor=user,
            action="training.seminar.cohort",
            obj=seminar,
            after={"added": sorted(s.enrolment.rep_id for s in seats)},
        )
    return seats


@transaction.atomic
def attendance_record(
    *,
    seminar: Seminar,
    user: User | None,
    attended: Mapping[int, bool],
    at: dt.datetime | None = None,
) -> list[SeminarSeat]:
    """Record who attended, by enrolment id; certification is re-checked for each rep."""
    seats = {s.enrolment_id: s for s in seminar.seats.select_related("enrolment__rep")}
    for enrolment_id in attended:
        if enrolment_id not in seats:
            enrolment = Enrolment.objects.filter(pk=enrolment_id).select_related("rep").first()
            who = enrolment.rep if enrolment else f"Enrolment #{enrolment_id}"
            raise TrainingRuleError(ERROR_ATTENDANCE_NOT_SEATED.format(rep=who))
    now = at or timezone.now()
    changed = []
    before, after = {}, {}
    for enrolment_id, present in attended.items():
        seat = seats[enrolment_id]
        if seat.attended != present:
            before[str(seat.enrolment.rep_id)] = seat.attended
            seat.attended, seat.recorded_by, seat.recorded_at = present, user, now
            after[str(seat.enrolment.rep_id)] = present
            changed.append(seat)
    if changed:
        SeminarSeat.objects.bulk_update(changed, ["attended", "recorded_by", "recorded_at"])
        audit_record(
            actor=user, action="training.attendance", obj=seminar, before=before, after=after
        )
        for seat in changed:
            if seat.attended:
                _certify_if_ready(seminar.program, seat.enrolment.rep_id, at=now)
    return list(seats.values())


# ---------------------------------------------------------------- VHS exercise


def parse_points(raw: str | Mapping[str, Any]) -> dict[str, list[list[float]]]:
    """The clicked points as ``{"long_axis": [[x, y]]*2, "short_axis": …, "vertebrae": …}``."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (ValueError, TypeError) as exc:
        raise TrainingRuleError(ERROR_POINTS_JSON.format(reason=exc)) from None
    if not isinstance(data, dict):
        raise TrainingRuleError(ERROR_POINTS_JSON.format(reason="expected an object"))
    needs = {
        "long_axis": "both ends of the long axis (carina to apex)",
        "short_axis": "both ends of the short axis (widest part, perpendicular)",
        "vertebrae": "the cranial edge of T4 and of the following vertebrae (two marks at least)",
    }
    points: dict[str, list[list[float]]] = {}
    for key, what in needs.items():
        value = data.get(key)
        try:
            pts = [[float(p[0]), float(p[1])] for p in value or []]
        except (TypeError, ValueError, IndexError, KeyError):
            raise TrainingRuleError(ERROR_POINTS.format(what=what)) from None
        if (key == "vertebrae" and len(pts) < 2) or (key != "vertebrae" and len(pts) != 2):
            raise TrainingRuleError(ERROR_POINTS.format(what=what))
        if not all(math.isfinite(c) for p in pts for c in p):
            raise TrainingRuleError(ERROR_POINTS.format(what=what))
        points[key] = pts
    return points


def measure(points: Mapping[str, list[list[float]]]) -> Any:
    try:
        return vhs_from_points(
            long_axis=(tuple(points["long_axis"][0]), tuple(points["long_axis"][1])),  # type: ignore[arg-type]
            short_axis=(tuple(points["short_axis"][0]), tuple(points["short_axis"][1])),  # type: ignore[arg-type]
            vertebrae=[tuple(p) for p in points["vertebrae"]],  # type: ignore[misc]
        )
    except GeometryError as exc:
        raise TrainingRuleError(str(exc)) from None


@transaction.atomic
def vhs_submit(
    *,
    program: Program,
    rep: User,
    points: str | Mapping[str, Any],
    seed: int | None = None,
    case: VhsCase | None = None,
    at: dt.datetime | None = None,
) -> VhsAttempt:
    """Score a VHS measurement of a generated case (``seed``) or an uploaded ``case``."""
    _require_enrolled(program, rep)
    parsed = parse_points(points)
    measurement = measure(parsed)
    if case is not None:
        if case.program_id != program.pk:
            raise TrainingRuleError(ERROR_CASE_OTHER_PROGRAM)
        reference, source = case.reference_vhs, CaseSource.UPLOADED
    else:
        if seed is None:
            raise TrainingRuleError(ERROR_POINTS.format(what="the case it measures"))
        try:
            reference = schematic.generate_case(seed).reference_vhs
        except ValueError as exc:
            raise TrainingRuleError(str(exc)) from None
        source = CaseSource.GENERATED
    error = abs(measurement.vhs - reference)
    attempt = VhsAttempt.objects.create(
        program=program,
        rep=rep,
        source=source,
        seed=seed if case is None else None,
        case=case,
        points=parsed,
        long_axis=measurement.long_axis,
        short_axis=measurement.short_axis,
        vhs=measurement.vhs,
        reference_vhs=reference,
        error=error,
        axes_angle=measurement.axes_angle,
        tolerance=program.vhs_tolerance,
        passed=error <= program.vhs_tolerance + 1e-9,
        submitted_at=at or timezone.now(),
    )
    audit_record(
        actor=rep,
        action="training.vhs.submit",
        obj=attempt,
        after={"vhs": round(attempt.vhs, 2), "error": round(error, 2), "passed": attempt.passed},
    )
    _certify_if_ready(program, rep.pk, at=attempt.submitted_at)
    return attempt


@transaction.atomic
def vhs_case_upload(
    *,
    program: Program,
    user: User,
    title: str,
    file_name: str,
    data: bytes,
    reference_vhs: float,
    breed: str = "",
    measured_by: str = "",
    notes: str = "",
) -> VhsCase:
    """Add a real radiograph (PNG, JPEG or DICOM) with an expert's reference VHS."""
    if not (math.isfinite(reference_vhs) and 5 <= reference_vhs <= 16):
        raise TrainingRuleError(ERROR_REFERENCE_VHS.format(value=reference_vhs))
    try:
        picture = read_radiograph(file_name, data)
    except RadiographError as exc:
        raise TrainingRuleError(str(exc)) from None
    stem = _upload_stem(file_name, "radiograph")
    case = VhsCase(
        program=program,
        title=title,
        breed=breed,
        original_format=picture.format,
        width=picture.width,
        height=picture.height,
        pixel_spacing_mm=picture.pixel_spacing_mm,
        reference_vhs=reference_vhs,
        measured_by=measured_by,
        notes=notes,
        uploaded_by=user,
    )
    original_ext = {"png": "png", "jpeg": "jpg", "dicom": "dcm"}[picture.format]
    case.original.save(f"{stem}.{original_ext}", ContentFile(data), save=False)
    case.image.save(
        f"{stem}-display.{picture.display_ext}", ContentFile(picture.display), save=False
    )
    case.save()
    audit_record(
        actor=user,
        action="training.vhs_case.upload",
        obj=case,
        after={
            "format": picture.format,
            "reference_vhs": reference_vhs,
            "size": [case.width, case.height],
        },
    )
    return case


@transaction.atomic
def vhs_case_set_reference(
    *, case: VhsCase, user: User, points: str | Mapping[str, Any]
) -> VhsCase:
    """The expert measures the case in the app; the reference VHS becomes their result."""
    parsed = parse_points(points)
    measurement = measure(parsed)
    before = {"reference_vhs": case.reference_vhs}
    case.reference_points = parsed
    case.reference_vhs = round(measurement.vhs, 2)
    case.save(update_fields=["reference_points", "reference_vhs"])
    audit_record(
        actor=user,
        action="training.vhs_case.reference",
        obj=case,
        before=before,
        after={"reference_vhs": case.reference_vhs},
    )
    return case


# ---------------------------------------------------------------- role-plays


@transaction.atomic
def scenarios_build(
    *, program: Program, user: User | None, limit: int = 6
) -> list[RolePlayScenario]:
    """Role-play scenarios from the campaign's most up-voted objections with an approved
    answer; objections already made into a scenario are skipped."""
    objections = campaign_selectors.roleplay_scenarios_for(campaign=program.campaign, limit=limit)
    if not objections:
        raise TrainingRuleError(ERROR_NO_SCENARIOS)
    used = set(program.scenarios.values_list("objection_id", flat=True))
    position = program.scenarios.count()
    created = []
    for objection in objections:
        if objection.pk in used:
            continue
        position += 1
        created.append(
            RolePlayScenario.objects.create(
                program=program,
                objection=objection,
                position=position,
                title=_title_from(objection.text),
                vet_says=objection.text,
                brief=(
                    f"A vet ({objection.segment.replace('_', ' ') or 'any segment'}) raises this "
                    f"objection; it is heard {objection.get_frequency_display().lower()}. "
                    "Acknowledge it, find out what lies behind it, answer with the evidence, "
                    "check the vet is satisfied and agree a next step."
                ),
                model_answer=objection.response.text,
                votes=getattr(objection, "votes", 0),
            )
        )
    if created:
        audit_record(
            actor=user,
            action="training.scenarios.build",
            obj=program,
            after={"objections": [s.objection_id for s in created]},
        )
    return created


def _title_from(text: str) -> str:
    text = text.strip().strip('“”"')
    return text if len(text) <= 80 else text[:77].rsplit(" ", 1)[0] + "…"


@transaction.atomic
def roleplay_create(
    *,
    scenario: RolePlayScenario,
    rep: User,
    user: User,
    seminar: Seminar | None = None,
    at: dt.datetime | None = None,
) -> RolePlay:
    if role_of(rep) != Role.SALES_REP:
        raise TrainingRuleError(ERROR_NOT_REP.format(user=rep))
    if seminar is not None and seminar.program_id != scenario.program_id:
        raise TrainingRuleError(ERROR_SCENARIO_OTHER_PROGRAM)
    if not scenario.program.enrolments.filter(rep=rep).exists():
        raise TrainingRuleError(ERROR_NOT_ENROLLED.format(rep=rep, program=scenario.program))
    roleplay = RolePlay.objects.create(
        scenario=scenario,
        rep=rep,
        seminar=seminar,
        created_by=user,
        created_at=at or timezone.now(),
    )
    audit_record(
        actor=user,
        action="training.roleplay.create",
        obj=roleplay,
        after={"scenario": scenario.pk, "rep": rep.pk, "seminar": seminar.pk if seminar else None},
    )
    return roleplay


def _check_rubric(scores: Mapping[str, Any]) -> dict[str, int]:
    clean = {}
    for criterion in RUBRIC:
        value = scores.get(criterion)
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = 0
        if str(value).strip() not in {str(number)} or not 1 <= number <= 5:
            raise TrainingRuleError(
                ERROR_RUBRIC.format(label=RUBRIC_LABELS[criterion], value=value)
            )
        clean[criterion] = number
    return clean


@transaction.atomic
def roleplay_score(
    *,
    roleplay: RolePlay,
    user: User,
    kind: str,
    scores: Mapping[str, Any],
    comment: str = "",
    at: dt.datetime | None = None,
) -> RolePlayScore:
    """Record (or correct) one scorer's rubric: 1-5 on each of the five criteria."""
    if kind not in ScorerKind.values:
        raise TrainingRuleError(ERROR_SCORER_KIND.format(kind=kind))
    clean = _check_rubric(scores)
    existing = RolePlayScore.objects.filter(roleplay=roleplay, scorer=user).first()
    before = {c: getattr(existing, c) for c in RUBRIC} if existing else None
    score = existing or RolePlayScore(roleplay=roleplay, scorer=user, kind=kind)
    for criterion, value in clean.items():
        setattr(score, criterion, value)
    score.kind = kind
    score.comment = comment.strip()
    score.scored_at = at or timezone.now()
    score.save()
    audit_record(
        actor=user,
        action="training.roleplay.score",
        obj=roleplay,
        before=before,
        after={**clean, "kind": kind},
    )
    if kind == ScorerKind.TRAINER:
        _certify_if_ready(roleplay.scenario.program, roleplay.rep_id, at=score.scored_at)
    return score


# ---------------------------------------------------------------- certification


def _certify_if_ready(program: Program, rep_id: int, *, at: dt.datetime | None = None) -> None:
    enrolment = program.enrolments.filter(rep_id=rep_id).first()
    if enrolment is not None:
        certification_check(enrolment=enrolment, at=at)


@transaction.atomic
def certification_check(
    *, enrolment: Enrolment, at: dt.datetime | None = None
) -> Certification | None:
    """Certify the rep when every threshold is met; a certification is never revoked here."""
    existing = Certification.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    row = selectors.readiness_for(enrolment=enrolment)
    if not row.readiness.ready:
        return None
    try:
        with transaction.atomic():
            certification = Certification.objects.create(
                enrolment=enrolment,
                certified_at=at or timezone.now(),
                readiness=row.readiness.as_dict(),
            )
    except IntegrityError:  # certified by a concurrent request
        return Certification.objects.get(enrolment=enrolment)
    audit_record(
        actor=None,
        action="training.certify",
        obj=enrolment,
        after=row.readiness.as_dict(),
    )
    return certification


@transaction.atomic
def certification_check_all(
    *, program: Program, at: dt.datetime | None = None
) -> list[Certification]:
    """Certify every enrolled rep of ``program`` who meets every threshold (one pass)."""
    enrolments = list(program.enrolments.select_related("rep", "certification"))
    rows = selectors.readiness_rows(program=program, enrolments=enrolments)
    created = []
    for row in rows:
        if row.certified_at is not None or not row.readiness.ready:
            continue
        certification = Certification.objects.create(
            enrolment=row.enrolment,
            certified_at=at or timezone.now(),
            readiness=row.readiness.as_dict(),
        )
        audit_record(
            actor=None, action="training.certify", obj=row.enrolment, after=row.readiness.as_dict()
        )
        created.append(certification)
    return created


# ---------------------------------------------------------------- reminders

REMINDER_SUBJECT = "Pre-work overdue: {program}"
REMINDER_TEXT = (
    "Hello {name},\n\nyour pre-work for {program} was due on {due:%d %B %Y}. "
    "Still to pass: {modules}.\n\nOpen it in OneVoice: {url}\n"
)


@transaction.atomic
def reminders_send(
    *, today: dt.date | None = None, base_url: str = "", email: bool = True
) -> list[Reminder]:
    """Remind every rep with overdue pre-work, in the app and by e-mail, once a day.

    Safe to run as often as cron likes: a rep gets at most one reminder per channel per
    day. E-mail goes through Django's e-mail backend to reps with an address.
    """
    today = today or timezone.localdate()
    sent: list[Reminder] = []
    for enrolment, modules in selectors.overdue_prework(today=today):
        rep, program = enrolment.rep, enrolment.program
        url = f"{base_url}/training/programs/{program.pk}/"
        text = REMINDER_TEXT.format(
            name=rep.first_name or rep.username,
            program=program.title,
            due=program.prework_due,
            modules=", ".join(m.title for m in modules),
            url=url,
        )
        channels = [ReminderChannel.IN_APP]
        if email and rep.email:
            channels.append(ReminderChannel.EMAIL)
        for channel in channels:
            reminder, created = Reminder.objects.get_or_create(
                enrolment=enrolment, channel=channel, sent_on=today, defaults={"text": text}
            )
            if not created:
                continue
            if channel == ReminderChannel.EMAIL:
                send_mail(
                    REMINDER_SUBJECT.format(program=program.title),
                    text,
                    settings.DEFAULT_FROM_EMAIL,
                    [rep.email],
                )
            audit_record(
                actor=None,
                action="training.reminder",
                obj=reminder,
                after={"channel": channel, "modules": [m.pk for m in modules]},
            )
            sent.append(reminder)
    return sent


@transaction.atomic
def reminders_mark_read(*, user: User) -> int:
    return Reminder.objects.filter(enrolment__rep=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# ---------------------------------------------------------------- customer kits


@transaction.atomic
def kit_create(
    *,
    campaign: Campaign,
    user: User,
    title: str,
    questions: Sequence[Question],
    modules: Sequence[Module] = (),
    intro: str = "",
    include_vhs: bool = True,
    link_days: int = 30,
) -> CustomerKit:
    if not questions:
        raise TrainingRuleError(ERROR_KIT_QUESTIONS)
    for question in questions:
        if question.module.program.campaign_id != campaign.pk:
            raise TrainingRuleError(ERROR_KIT_OTHER_CAMPAIGN.format(what=question))
    for module in modules:
        if module.program.campaign_id != campaign.pk:
            raise TrainingRuleError(ERROR_KIT_OTHER_CAMPAIGN.format(what=module))
    kit = CustomerKit.objects.create(
        campaign=campaign,
        title=title,
        intro=intro,
        include_vhs=include_vhs,
        link_days=max(1, link_days),
        created_by=user,
    )
    kit.questions.set(questions)
    kit.modules.set(modules)
    audit_record(
        actor=user,
        action="training.kit.create",
        obj=kit,
        after={"questions": [q.pk for q in questions], "modules": [m.pk for m in modules]},
    )
    return kit


def kit_token(invitation: KitInvitation) -> str:
    """The signed token of a personal link; it carries no personal data."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=KIT_SALT, compress=True)


def kit_invitation_from_token(token: str, *, now: dt.datetime | None = None) -> KitInvitation:
    """The invitation a link names, or ``KitLinkError`` (404 forged, 410 expired/withdrawn)."""
    try:
        data = signing.loads(token, salt=KIT_SALT)
        invitation = KitInvitation.objects.select_related("kit", "vet", "training").get(
            pk=int(data["i"]), nonce=str(data["n"])
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, KitInvitation.DoesNotExist):
        raise KitLinkError(ERROR_LINK_INVALID, 404) from None
    if invitation.revoked_at is not None:
        raise KitLinkError(ERROR_LINK_REVOKED, 410)
    if (now or timezone.now()) >= invitation.expires_at:
        raise KitLinkError(ERROR_LINK_EXPIRED.format(at=invitation.expires_at), 410)
    return invitation


KIT_MAIL_SUBJECT = "{kit}: your training link"
KIT_MAIL_TEXT = (
    "Dear Dr {last_name},\n\nthank you for joining our training. Your personal link to the "
    "short pre-test, the training material and the post-test is:\n\n{url}\n\n"
    "It works until {expires:%d %B %Y} and needs no account.\n"
)


@transaction.atomic
def kit_invite(
    *,
    kit: CustomerKit,
    user: User,
    training: CustomerTraining,
    vets: Sequence[Vet],
    base_url: str = "",
    email: bool = True,
    at: dt.datetime | None = None,
) -> list[tuple[KitInvitation, str]]:
    """Personal links for vets who attended ``training``; e-mailed to those who agreed to
    be contacted and have an address. Returns each invitation with its token.

    The scores go to the training's attendance, which its campaign's KPIs read: the audit
    row names that campaign."""
    if not vets:
        raise TrainingRuleError(ERROR_KIT_NO_VETS)
    attendees = set(training.attendees.values_list("pk", flat=True))
    for vet in vets:
        if vet.pk not in attendees:
            raise TrainingRuleError(ERROR_KIT_NOT_ATTENDEE.format(vet=vet))
    now = at or timezone.now()
    out = []
    for vet in vets:
        invitation = KitInvitation.objects.create(
            kit=kit,
            vet=vet,
            training=training,
            issued_by=user,
            issued_at=now,
            expires_at=now + dt.timedelta(days=kit.link_days),
            nonce=secrets.token_urlsafe(12),
        )
        token = kit_token(invitation)
        if email and vet.email and vet.consent_to_contact and vet.erased_at is None:
            send_mail(
                KIT_MAIL_SUBJECT.format(kit=kit.title),
                KIT_MAIL_TEXT.format(
                    last_name=vet.last_name,
                    url=f"{base_url}/training/kit/{token}/",
                    expires=invitation.expires_at,
                ),
                settings.DEFAULT_FROM_EMAIL,
                [vet.email],
            )
        audit_record(
            actor=user,
            action="training.kit.invite",
            obj=invitation,
            after={
                "vet": vet.pk,
                "training": training.pk,
                "campaign": training.campaign_id,
                "expires_at": invitation.expires_at.isoformat(),
            },
        )
        out.append((invitation, token))
    return out


@transaction.atomic
def kit_test_submit(
    *,
    invitation: KitInvitation,
    test: str,
    responses: Mapping[int, Any],
    at: dt.datetime | None = None,
) -> KitInvitation:
    """Score a vet's pre- or post-test (0-100) and pass it on to the customer training."""
    if test not in KitTest.values:
        raise TrainingRuleError(ERROR_KIT_TEST.format(test=test))
    invitation = (
        KitInvitation.objects.select_for_update(of=("self",))
        .select_related("kit", "training")
        .get(pk=invitation.pk)
    )
    taken_at = invitation.pre_taken_at if test == KitTest.PRE else invitation.post_taken_at
    if taken_at is not None:
        raise TrainingRuleError(
            ERROR_KIT_DONE.format(test=KitTest(test).label.lower(), at=taken_at)
        )
    if test == KitTest.POST and invitation.pre_taken_at is None:
        raise TrainingRuleError(ERROR_KIT_ORDER)
    questions = selectors.kit_questions(kit=invitation.kit)
    allowed = {q.pk for q in questions}
    for qid in responses:
        if qid not in allowed:
            raise TrainingRuleError(ERROR_UNKNOWN_QUESTION.format(qid=qid))
    scored = score_questions(questions, responses)
    score = round(100 * sum(1 for *_, c in scored if c) / len(scored), 1) if scored else 0.0
    now = at or timezone.now()
    answers = {str(q.pk): {"response": r, "correct": c} for q, r, c in scored}
    if test == KitTest.PRE:
        invitation.pre_score, invitation.pre_taken_at, invitation.pre_answers = score, now, answers
        fields = ["pre_score", "pre_taken_at", "pre_answers"]
    else:
        invitation.post_score, invitation.post_taken_at = score, now
        invitation.post_answers = answers
        fields = ["post_score", "post_taken_at", "post_answers"]
    invitation.save(update_fields=fields)
    audit_record(
        actor=None,
        action=f"training.kit.{test}_test",
        obj=invitation,
        after={"score": score},
    )
    if invitation.training is not None:
        # The customer training's attendance carries the scores the field and KPIs read;
        # if the vet was since removed from it, the scores stay on the invitation only.
        try:
            with transaction.atomic():
                field_services.training_scores_set(
                    training=invitation.training,
                    by=invitation.issued_by,
                    scores={invitation.vet_id: (invitation.pre_score, invitation.post_score)},
                )
        except field_services.FieldRuleError:
            pass
    return invitation


@transaction.atomic
def kit_vhs_submit(
    *, invitation: KitInvitation, seed: int, points: str | Mapping[str, Any]
) -> tuple[float, float, float]:
    """A vet's practice measurement of a generated case: (their VHS, reference, error)."""
    parsed = parse_points(points)
    measurement = measure(parsed)
    try:
        reference = schematic.generate_case(seed).reference_vhs
    except ValueError as exc:
        raise TrainingRuleError(str(exc)) from None
    error = abs(measurement.vhs - reference)
    if invitation.vhs_error is None or error < invitation.vhs_error:
        invitation.vhs_error = error
        invitation.save(update_fields=["vhs_error"])
        audit_record(
            actor=None, action="training.kit.vhs", obj=invitation, after={"error": round(error, 2)}
        )
    return measurement.vhs, reference, error
