"""Flipped-classroom training: programs, pre-work modules and quizzes, seminars, the VHS
exercise, role-plays, readiness and certification, and customer training kits for vets.

A *program* belongs to a campaign and has three phases: remote pre-work (modules, each
followed by a quiz, due before the seminar), one or more seminars (practice: the VHS
exercise and role-plays of the campaign's objections) and certification once every
readiness threshold is met.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from onevoice.training.choices import (
    CaseSource,
    EnrolmentSource,
    ImageFormat,
    KitTest,
    ProgramStatus,
    QuestionKind,
    ReminderChannel,
    ScorerKind,
)

USER = settings.AUTH_USER_MODEL

if TYPE_CHECKING:
    from onevoice.accounts.models import User

# Readiness weights and certification thresholds a new program starts with; each program
# may change them. What they mean: training/README.md and ``scoring.readiness``.
DEFAULT_WEIGHTS = {"prework": 0.20, "quiz": 0.30, "exercise": 0.25, "roleplay": 0.25}
DEFAULT_VHS_TOLERANCE = 0.5
DEFAULT_MIN_QUIZ_MASTERY = 0.8
DEFAULT_MIN_ROLEPLAY = 3.0
DEFAULT_MASTERY_TARGET = 0.7
RUBRIC = ("acknowledge", "clarify", "answer_with_evidence", "check_understanding", "advance")
RUBRIC_LABELS = {
    "acknowledge": "Acknowledge the concern",
    "clarify": "Clarify what lies behind it",
    "answer_with_evidence": "Answer with evidence",
    "check_understanding": "Check the vet is satisfied",
    "advance": "Advance to a next step",
}


class Program(models.Model):
    """A training program of a campaign: pre-work, seminar(s), then certification."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="training_programs"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="What the program is for, in Markdown.")
    status = models.CharField(
        max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    prework_opens = models.DateField()
    prework_due = models.DateField(help_text="Pre-work is due by the end of this day.")
    certification_due = models.DateField(null=True, blank=True)
    vhs_tolerance = models.FloatField(
        "VHS tolerance (vertebrae)",
        default=DEFAULT_VHS_TOLERANCE,
        help_text="A VHS measurement passes when within this many vertebrae of the reference.",
    )
    vhs_passes_required = models.PositiveSmallIntegerField(default=1)
    weight_prework = models.FloatField(default=DEFAULT_WEIGHTS["prework"])
    weight_quiz = models.FloatField(default=DEFAULT_WEIGHTS["quiz"])
    weight_exercise = models.FloatField(default=DEFAULT_WEIGHTS["exercise"])
    weight_roleplay = models.FloatField(default=DEFAULT_WEIGHTS["roleplay"])
    min_quiz_mastery = models.FloatField(
        default=DEFAULT_MIN_QUIZ_MASTERY,
        help_text="Mean of the best quiz score of each module (0 to 1) needed to certify.",
    )
    min_roleplay_score = models.FloatField(
        default=DEFAULT_MIN_ROLEPLAY,
        help_text="Mean trainer rubric score (1 to 5) needed to certify.",
    )
    require_attendance = models.BooleanField(
        default=True, help_text="Certification needs attendance at a seminar."
    )
    mastery_target = models.FloatField(
        default=DEFAULT_MASTERY_TARGET,
        help_text="Concepts the cohort answers correctly less often than this are 'missed'.",
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-prework_due", "title"]
        permissions = [
            ("view_all_results", "See every rep's training results"),
            ("view_prep_report", "Open seminar prep reports and item analysis"),
            ("score_roleplay", "Score role-plays of one's team as a trainer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vhs_tolerance__gt=0), name="program_vhs_tolerance_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(prework_due__gte=models.F("prework_opens")),
                name="program_prework_due_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def weights(self) -> dict[str, float]:
        return {
            "prework": self.weight_prework,
            "quiz": self.weight_quiz,
            "exercise": self.weight_exercise,
            "roleplay": self.weight_roleplay,
        }

    @property
    def prework_deadline(self) -> dt.datetime:
        """The end of the due day, in the installation's time zone."""
        next_day = dt.datetime.combine(self.prework_due + dt.timedelta(days=1), dt.time.min)
        return timezone.make_aware(next_day)


class Enrolment(models.Model):
    """A rep enrolled in a program, through their team or their territory."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrolments")
    rep = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="training_enrolments")
    source = models.CharField(max_length=20, choices=EnrolmentSource.choices)
    source_label = models.CharField(max_length=200, blank=True, help_text="e.g. 'North team'.")
    enrolled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "rep__last_name", "rep__first_name", "rep__username"]
        constraints = [
            models.UniqueConstraint(fields=["program", "rep"], name="one_enrolment_per_rep")
        ]

    def __str__(self) -> str:
        return f"{self.rep} in {self.program}"


class Concept(models.Model):
    """A concept quiz questions are tagged with, e.g. 'Measuring the VHS'."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="concepts")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["program", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="one_code_per_concept")
        ]

    def __str__(self) -> str:
        return self.name


class Module(models.Model):
    """A pre-work module: content to study, then a quiz drawn from its question bank."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True, help_text="The module's content, in Markdown.")
    video_url = models.URLField(blank=True, help_text="A video to watch, e.g. on the intranet.")
    assets = models.ManyToManyField(
        "campaigns.Asset",
        blank=True,
        related_name="training_modules",
        help_text="The campaign's sales tools to study; reps see their approved version.",
    )
    pass_mark = models.FloatField(default=0.8, help_text="Share of questions right to pass.")
    max_attempts = models.PositiveSmallIntegerField(
        default=3, help_text="Quiz attempts allowed; 0 for no limit."
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        default=0, help_text="Questions drawn for each attempt; 0 for the whole bank."
    )
    minutes = models.PositiveSmallIntegerField(default=20, help_text="Expected study time.")

    class Meta:
        ordering = ["program", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gt=0, pass_mark__lte=1),
                name="module_pass_mark_share",
            )
        ]

    def __str__(self) -> str:
        return self.title


def question_image_to(instance: Question, filename: str) -> str:
    return f"training/questions/{instance.module_id}/{filename}"


class Question(models.Model):
    """A question of a module's bank, tagged with the concept it tests."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    concept = models.ForeignKey(Concept, on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    prompt = models.TextField(help_text="The question, in Markdown.")
    explanation = models.TextField(
        help_text="Shown after each attempt: why the right answer is right, in Markdown."
    )
    position = models.PositiveIntegerField(default=0)
    numeric_answer = models.FloatField(null=True, blank=True)
    numeric_tolerance = models.FloatField(default=0)
    unit = models.CharField(max_length=30, blank=True)
    figure_seed = models.PositiveIntegerField(
        null=True, blank=True, help_text="Hotspot on a generated schematic radiograph."
    )
    image = models.FileField(upload_to=question_image_to, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    hotspots = models.JSONField(
        default=list, blank=True, help_text='Correct regions: [{"x": .., "y": .., "r": ..}].'
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["module", "position", "id"]

    def __str__(self) -> str:
        return self.prompt[:80]


class AnswerOption(models.Model):
    """One option of a single- or multiple-choice question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=400)
    correct = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(models.Model):
    """One attempt at a module's quiz; ``layout`` is the seeded order it was shown in."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="attempts")
    rep = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    layout = models.JSONField(help_text='{"questions": [ids], "options": {"qid": [ids]}}')
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    correct = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["module", "rep", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "rep", "number"], name="one_number_per_attempt"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep} — {self.module} attempt {self.number}"

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class QuizAnswer(models.Model):
    """A rep's answer to one question of an attempt, and whether it was right."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    response = models.JSONField(null=True, blank=True)
    correct = models.BooleanField()

    class Meta:
        ordering = ["attempt", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt}: Q{self.question_id} {'right' if self.correct else 'wrong'}"


class Seminar(models.Model):
    """A group session of the program: practice, not theory; where, when, who."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="seminars")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(blank=True)
    trainers: models.ManyToManyField[User, Any] = models.ManyToManyField(
        USER, blank=True, related_name="seminars_trained"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["program", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="seminar_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"


class SeminarSeat(models.Model):
    """A rep of the seminar's cohort, and whether they attended (empty until recorded)."""

    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="seats")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="seats")
    attended = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seminar", "enrolment__rep__last_name", "enrolment__rep__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["seminar", "enrolment"], name="one_seat_per_rep")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.rep} at {self.seminar}"


def radiograph_upload_to(instance: VhsCase, filename: str) -> str:
    return f"training/radiographs/{instance.program_id}/{filename}"


class VhsCase(models.Model):
    """An uploaded lateral chest radiograph with an expert's reference VHS.

    Generated cases are not stored: a seed draws them again, identically.
    DICOM files are kept as uploaded and shown through a PNG rendered at upload.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="vhs_cases")
    title = models.CharField(max_length=200)
    breed = models.CharField(max_length=100, blank=True)
    original = models.FileField(upload_to=radiograph_upload_to)
    original_format = models.CharField(max_length=10, choices=ImageFormat.choices)
    image = models.FileField(upload_to=radiograph_upload_to, help_text="PNG or JPEG shown.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    pixel_spacing_mm = models.FloatField(null=True, blank=True)
    reference_vhs = models.FloatField(help_text="The expert's VHS for this radiograph.")
    reference_points = models.JSONField(
        null=True, blank=True, help_text="The expert's clicked points, when measured in the app."
    )
    measured_by = models.CharField(max_length=200, blank=True, help_text="The expert.")
    notes = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reference_vhs__gt=0), name="vhs_case_reference_positive"
            )
        ]

    def __str__(self) -> str:
        return self.title


class VhsAttempt(models.Model):
    """A trainee's VHS measurement of one case, scored by its error against the reference."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="vhs_attempts")
    rep = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="vhs_attempts")
    source = models.CharField(max_length=20, choices=CaseSource.choices)
    seed = models.PositiveIntegerField(null=True, blank=True)
    case = models.ForeignKey(
        VhsCase, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
    )
    points = models.JSONField(help_text="The clicked long axis, short axis and vertebra marks.")
    long_axis = models.FloatField()
    short_axis = models.FloatField()
    vhs = models.FloatField()
    reference_vhs = models.FloatField()
    error = models.FloatField()
    axes_angle = models.FloatField()
    tolerance = models.FloatField()
    passed = models.BooleanField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source=CaseSource.GENERATED, seed__isnull=False, case__isnull=True)
                    | models.Q(source=CaseSource.UPLOADED, case__isnull=False)
                ),
                name="vhs_attempt_names_its_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep}: VHS {self.vhs:.1f} vs {self.reference_vhs:.1f}"


class RolePlayScenario(models.Model):
    """A role-play built from one of the campaign's objections, with its approved answer."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="scenarios")
    objection = models.ForeignKey(
        "campaigns.Objection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_scenarios",
    )
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    vet_says = models.TextField(help_text="What the vet (played by the trainer) says.")
    brief = models.TextField(blank=True, help_text="The situation, in Markdown.")
    model_answer = models.TextField(blank=True, help_text="The approved answer, in Markdown.")
    votes = models.PositiveIntegerField(default=0, help_text="Up-votes when built.")

    class Meta:
        ordering = ["program", "position", "id"]

    def __str__(self) -> str:
        return self.title


class RolePlay(models.Model):
    """A rep playing one scenario, usually at a seminar, scored on the rubric."""

    scenario = models.ForeignKey(
        RolePlayScenario, on_delete=models.PROTECT, related_name="roleplays"
    )
    rep = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="roleplays")
    seminar = models.ForeignKey(
        Seminar, null=True, blank=True, on_delete=models.SET_NULL, related_name="roleplays"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rep}: {self.scenario}"


class RolePlayScore(models.Model):
    """One person's rubric score of a role-play: a trainer's, or the rep's own."""

    roleplay = models.ForeignKey(RolePlay, on_delete=models.CASCADE, related_name="scores")
    kind = models.CharField(max_length=10, choices=ScorerKind.choices)
    scorer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    acknowledge = models.PositiveSmallIntegerField()
    clarify = models.PositiveSmallIntegerField()
    answer_with_evidence = models.PositiveSmallIntegerField()
    check_understanding = models.PositiveSmallIntegerField()
    advance = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["roleplay", "kind", "scored_at"]
        constraints = [
            models.UniqueConstraint(fields=["roleplay", "scorer"], name="one_score_per_scorer"),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{c}__gte": 1, f"{c}__lte": 5}),
                    name=f"roleplay_{c}_1_to_5",
                )
                for c in RUBRIC
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} score of {self.roleplay}: {self.mean:.1f}"

    @property
    def mean(self) -> float:
        return sum(getattr(self, c) for c in RUBRIC) / len(RUBRIC)


class Certification(models.Model):
    """A rep certified in a program: every readiness threshold was met."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="certification"
    )
    certified_at = models.DateTimeField(default=timezone.now)
    readiness = models.JSONField(help_text="The readiness index and components at the time.")

    class Meta:
        ordering = ["-certified_at"]

    def __str__(self) -> str:
        return f"{self.enrolment.rep} certified {self.certified_at:%Y-%m-%d}"


class Reminder(models.Model):
    """A reminder of overdue pre-work sent to a rep, at most one a channel a day."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=10, choices=ReminderChannel.choices)
    sent_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    text = models.TextField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "channel", "sent_on"], name="one_reminder_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} reminder to {self.enrolment.rep} on {self.sent_on}"


class CustomerKit(models.Model):
    """Modules and exercises packaged for vets, with a pre-test and a post-test."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="training_kits"
    )
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Welcome text for the vet, in Markdown.")
    modules = models.ManyToManyField(Module, blank=True, related_name="kits")
    questions = models.ManyToManyField(
        Question, related_name="kits", help_text="Asked in both the pre-test and the post-test."
    )
    include_vhs = models.BooleanField(
        default=True, help_text="Let the vet practise measuring the VHS on generated cases."
    )
    link_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days a personal link stays valid."
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["campaign", "title"]

    def __str__(self) -> str:
        return self.title


class KitInvitation(models.Model):
    """A vet's personal, expiring link to a kit, and their pre- and post-test scores."""

    kit = models.ForeignKey(CustomerKit, on_delete=models.CASCADE, related_name="invitations")
    vet = models.ForeignKey("field.Vet", on_delete=models.CASCADE, related_name="kit_invitations")
    training = models.ForeignKey(
        "field.CustomerTraining",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kit_invitations",
        help_text="The customer training the scores belong to.",
    )
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    nonce = models.CharField(max_length=32, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    pre_score = models.FloatField(null=True, blank=True)
    pre_taken_at = models.DateTimeField(null=True, blank=True)
    pre_answers = models.JSONField(default=dict, blank=True)
    post_score = models.FloatField(null=True, blank=True)
    post_taken_at = models.DateTimeField(null=True, blank=True)
    post_answers = models.JSONField(default=dict, blank=True)
    vhs_error = models.FloatField(null=True, blank=True, help_text="Best practice measurement.")

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kit} for {self.vet}"

    def score(self, test: str) -> float | None:
        return self.pre_score if test == KitTest.PRE else self.post_score

    @property
    def score_change(self) -> float | None:
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score
