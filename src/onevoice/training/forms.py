"""Forms of the training pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Team, Territory, User
from onevoice.campaigns.models import Asset, Campaign
from onevoice.training.choices import QuestionKind
from onevoice.training.models import (
    RUBRIC,
    RUBRIC_LABELS,
    Concept,
    Module,
    Program,
    Question,
    RolePlayScenario,
)
from onevoice.training.schematic import MAX_SEED

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SHARE = {"min_value": 0, "max_value": 1, "step_size": None}


class ProgramForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    prework_opens = forms.DateField(widget=DATE)
    prework_due = forms.DateField(widget=DATE, help_text="Pre-work is due by the end of this day.")
    certification_due = forms.DateField(widget=DATE, required=False)
    vhs_tolerance = forms.FloatField(
        label="VHS tolerance (vertebrae)", min_value=0.05, max_value=3, initial=0.5
    )
    vhs_passes_required = forms.IntegerField(min_value=1, max_value=10, initial=1)
    weight_prework = forms.FloatField(min_value=0, initial=0.2, label="Weight: on-time pre-work")
    weight_quiz = forms.FloatField(min_value=0, initial=0.3, label="Weight: quiz mastery")
    weight_exercise = forms.FloatField(min_value=0, initial=0.25, label="Weight: VHS accuracy")
    weight_roleplay = forms.FloatField(min_value=0, initial=0.25, label="Weight: role-play")
    min_quiz_mastery = forms.FloatField(min_value=0, max_value=1, initial=0.8)
    min_roleplay_score = forms.FloatField(min_value=1, max_value=5, initial=3.0)
    require_attendance = forms.BooleanField(required=False, initial=True)
    mastery_target = forms.FloatField(min_value=0, max_value=1, initial=0.7)


class ProgramCreateForm(ProgramForm):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none())

    def __init__(self, *args: Any, campaigns: QuerySet[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        self.order_fields(["campaign"])


class EnrolForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.select_related("team"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("team")) == bool(data.get("territory")):
            raise forms.ValidationError("Choose a team or a territory (one of the two).")
        return data


class ModuleForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=300, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), required=False)
    video_url = forms.URLField(required=False, assume_scheme="https")
    assets = forms.ModelMultipleChoiceField(queryset=Asset.objects.none(), required=False)
    pass_mark = forms.FloatField(min_value=0.05, max_value=1, initial=0.8)
    max_attempts = forms.IntegerField(min_value=0, max_value=50, initial=3)
    questions_per_attempt = forms.IntegerField(min_value=0, max_value=100, initial=0)
    minutes = forms.IntegerField(min_value=1, max_value=600, initial=20)

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = Asset.objects.filter(campaign=program.campaign)  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(choices=QuestionKind.choices)
    concept = forms.ModelChoiceField(queryset=Concept.objects.none(), required=False)
    new_concept = forms.CharField(
        max_length=200, required=False, help_text="Or name a new concept for this program."
    )
    prompt = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    explanation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Choice questions: one option a line; start correct ones with '*'.",
    )
    numeric_answer = forms.FloatField(required=False)
    numeric_tolerance = forms.FloatField(required=False, min_value=0, initial=0)
    unit = forms.CharField(max_length=30, required=False)
    figure_seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text="Hotspot on a generated radiograph: its case number.",
    )
    landmark = forms.ChoiceField(
        required=False,
        choices=[
            ("", "—"),
            ("t4", "Cranial edge of T4"),
            ("carina", "Carina"),
            ("apex", "Cardiac apex"),
        ],
        help_text="On a generated radiograph, the landmark to click.",
    )
    landmark_radius = forms.FloatField(required=False, min_value=1, initial=18)
    hotspots = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Or regions as 'x, y, r' lines, in image pixels.",
    )
    image = forms.FileField(required=False, help_text="Hotspot on an uploaded image (PNG/JPEG).")

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["concept"].queryset = program.concepts.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("concept") and not (data.get("new_concept") or "").strip():
            raise forms.ValidationError("Choose the concept the question tests, or name one.")
        options = []
        for line in (data.get("options") or "").splitlines():
            line = line.strip()
            if line:
                correct = line.startswith("*")
                options.append((line.lstrip("*").strip(), correct))
        data["option_list"] = options
        regions = []
        for n, line in enumerate((data.get("hotspots") or "").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                x, y, r = (float(v) for v in line.replace(";", ",").split(","))
            except ValueError:
                raise forms.ValidationError(
                    f"Hotspot line {n}: {line.strip()!r} is not 'x, y, r'."
                ) from None
            regions.append({"x": x, "y": y, "r": r})
        data["regions"] = regions
        return data


class SeminarForm(forms.Form):
    title = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(widget=DATETIME)
    ends_at = forms.DateTimeField(widget=DATETIME)
    place = forms.CharField(max_length=300, required=False)
    online_link = forms.URLField(required=False, assume_scheme="https")
    trainers = forms.ModelMultipleChoiceField(queryset=User.objects.none(), required=False)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(),
        required=False,
        help_text="The enrolled reps of these teams make the cohort.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [Role.SALES_MANAGER.value, Role.MARKETING.value, Role.FIELD_VET.value]
        self.fields["trainers"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, groups__name__in=roles)
            .distinct()
            .order_by("last_name", "first_name")
        )


class VhsCaseForm(forms.Form):
    title = forms.CharField(max_length=200)
    breed = forms.CharField(max_length=100, required=False)
    file = forms.FileField(help_text="PNG, JPEG or DICOM lateral thoracic radiograph.")
    reference_vhs = forms.FloatField(
        min_value=5, max_value=16, help_text="The expert's measurement, in vertebrae."
    )
    measured_by = forms.CharField(max_length=200, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RolePlayForm(forms.Form):
    scenario = forms.ModelChoiceField(queryset=RolePlayScenario.objects.none())
    rep = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(
        self, *args: Any, scenarios: QuerySet[RolePlayScenario], reps: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = scenarios  # type: ignore[attr-defined]
        self.fields["rep"].queryset = reps  # type: ignore[attr-defined]


SCORE_CHOICES = [(str(i), str(i)) for i in range(1, 6)]


class RolePlayScoreForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in RUBRIC:
            self.fields[criterion] = forms.TypedChoiceField(
                label=RUBRIC_LABELS[criterion],
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.order_fields([*RUBRIC, "comment"])


class KitForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none())
    title = forms.CharField(max_length=200)
    intro = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    modules = forms.ModelMultipleChoiceField(queryset=Module.objects.none(), required=False)
    questions = forms.ModelMultipleChoiceField(queryset=Question.objects.none())
    include_vhs = forms.BooleanField(required=False, initial=True, label="Include VHS practice")
    link_days = forms.IntegerField(min_value=1, max_value=365, initial=30)

    def __init__(self, *args: Any, campaigns: QuerySet[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        self.fields["modules"].queryset = Module.objects.filter(  # type: ignore[attr-defined]
            program__campaign__in=campaigns
        ).select_related("program")
        self.fields["questions"].queryset = Question.objects.filter(  # type: ignore[attr-defined]
            module__program__campaign__in=campaigns, active=True
        ).select_related("module")
