"""Forms of the field pages. They validate input; the services make the change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils import timezone

from onevoice.accounts.models import Region, Territory, User
from onevoice.accounts.selectors import territories_for
from onevoice.campaigns.models import Campaign
from onevoice.field import permissions, selectors
from onevoice.field.choices import ActivityKind, AdoptionStage, ImportKind, TrainingFormat
from onevoice.field.crm_import import FIELDS, MAX_FILE_BYTES
from onevoice.field.models import Activity, Clinic, CustomerTraining, Vet
from onevoice.field.selectors import CampaignToolkit, TrainingCampaigns


class ClinicForm(forms.ModelForm):
    """A clinic's master data; the territory list holds only territories the user works in."""

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "city",
            "region",
            "territory",
            "segment",
            "n_vets",
            "patient_volume",
            "potential",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        territory: Any = self.fields["territory"]
        territory.queryset = territories_for(user=user)
        clinic = self.instance
        if clinic.pk is not None and not permissions.can_move_clinic(user=user, clinic=clinic):
            # A rep keeps the clinic where it is: no other territory, and no "---------".
            territory.queryset = Territory.objects.filter(pk=clinic.territory_id)
            territory.required, territory.empty_label = True, None
        elif clinic.pk is None and not permissions.can_add_clinic(user=user, territory=None):
            territory.required, territory.empty_label = True, None
        self.fields["region"].queryset = Region.objects.all()  # type: ignore[attr-defined]
        self.fields["potential"].min_value = 0  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        region: Region | None = data.get("region")
        territory: Territory | None = data.get("territory")
        if region is not None and territory is not None and territory.region_id != region.pk:
            self.add_error(
                "territory", f"{territory} is in region {territory.region}, not {region}."
            )
        if data.get("potential") is not None and data["potential"] < 0:
            self.add_error("potential", "The potential cannot be negative.")
        return data


class ClinicCreateForm(ClinicForm):
    code = forms.CharField(
        max_length=40,
        required=False,
        help_text="The CRM's clinic code; leave empty for a clinic the CRM does not know yet.",
    )

    class Meta(ClinicForm.Meta):
        fields = ["code", *ClinicForm.Meta.fields]


class VetForm(forms.ModelForm):
    class Meta:
        model = Vet
        fields = ["first_name", "last_name", "role", "consent_to_contact", "email", "phone"]


class VetCreateForm(VetForm):
    code = forms.CharField(
        max_length=40, required=False, help_text="The CRM's contact code, if any."
    )

    class Meta(VetForm.Meta):
        fields = ["code", *VetForm.Meta.fields]


class _ToolkitChoices(forms.MultipleChoiceField):
    """Checkboxes over a list of objects (not a queryset); cleans to the objects."""

    def __init__(self, objects: list[Any], label: str, describe: Callable[[Any], str] = str):
        self.by_key = {str(o.pk): o for o in objects}
        super().__init__(
            choices=[(k, describe(o)) for k, o in self.by_key.items()],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=label,
        )

    def clean(self, value: Any) -> list[Any]:
        keys = super().clean(value)
        return [self.by_key[k] for k in keys]


def _merged(objects: list[Any], recorded: list[Any]) -> list[Any]:
    """The choices now, plus what was recorded before (e.g. an asset expired since)."""
    keys = {o.pk for o in objects}
    return [*objects, *(o for o in recorded if o.pk not in keys)]


def _add_toolkit(
    form: forms.Form,
    toolkit: CampaignToolkit | None,
    *,
    full: bool,
    recorded: dict[str, list[Any]] | None = None,
) -> None:
    """Add the campaign's approved messages and assets (and, for activities, objections)."""
    if toolkit is None:
        return
    recorded = recorded or {}
    if full:
        form.fields["key_messages"] = _ToolkitChoices(
            _merged(toolkit.messages, recorded.get("key_messages", [])),
            f"Key messages discussed ({toolkit.campaign})",
        )
    form.fields["asset_versions"] = _ToolkitChoices(
        _merged(toolkit.assets, recorded.get("asset_versions", [])),
        "Approved assets used",
        lambda v: f"{v.asset} (v{v.number}, {v.asset.get_kind_display()})",
    )
    if full:
        form.fields["objections"] = _ToolkitChoices(
            _merged(toolkit.objections, recorded.get("objections", [])),
            "Objections heard",
            lambda o: str(o),
        )


def _vet_choices(clinic: Clinic) -> Any:
    return clinic.vets.filter(erased_at__isnull=True).order_by("last_name", "first_name")


class ActivityForm(forms.Form):
    """A visit, call, e-mail or webinar with one clinic and some of its vets."""

    kind = forms.ChoiceField(choices=ActivityKind.choices)
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    vets = forms.ModelMultipleChoiceField(
        queryset=Vet.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Vets met",
    )
    field_vet = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Technical field vet along",
        empty_label="— none —",
    )
    duration_minutes = forms.IntegerField(min_value=0, max_value=24 * 60, required=False)
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="What was discussed"
    )
    next_step = forms.CharField(max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        clinic: Clinic,
        toolkit: CampaignToolkit | None = None,
        activity: Activity | None = None,
        **kwargs: Any,
    ) -> None:
        if activity is not None:
            kwargs.setdefault("initial", self.initial_for(activity))
        else:
            now = timezone.localtime().replace(second=0, microsecond=0)
            kwargs.setdefault("initial", {"occurred_at": now})
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.toolkit = toolkit
        self.fields["vets"].queryset = _vet_choices(clinic)  # type: ignore[attr-defined]
        self.fields["field_vet"].queryset = selectors.field_vets_for(clinic=clinic)  # type: ignore[attr-defined]
        recorded: dict[str, list[Any]] = {}
        if activity is not None:
            recorded = {
                "key_messages": list(activity.key_messages.all()),
                "asset_versions": list(activity.asset_versions.all()),
                "objections": list(activity.objections.all()),
            }
        _add_toolkit(self, toolkit, full=True, recorded=recorded)

    def links(self) -> dict[str, Any]:
        """The campaign and what of it was in play, for the services."""
        if self.toolkit is None:
            return {}
        return {
            "key_messages": self.cleaned_data["key_messages"],
            "asset_versions": self.cleaned_data["asset_versions"],
            "objections": self.cleaned_data["objections"],
        }

    @classmethod
    def initial_for(cls, activity: Activity) -> dict[str, Any]:
        return {
            "key_messages": [str(m.pk) for m in activity.key_messages.all()],
            "asset_versions": [str(v.pk) for v in activity.asset_versions.all()],
            "objections": [str(o.pk) for o in activity.objections.all()],
            "kind": activity.kind,
            "occurred_at": activity.occurred_at,
            "vets": list(activity.vets.all()),
            "field_vet": activity.field_vet,
            "duration_minutes": activity.duration_minutes,
            "summary": activity.summary,
            "next_step": activity.next_step,
        }


class TrainingForm(forms.Form):
    """A customer training at one clinic for one campaign: format, who delivered, who
    attended, materials."""

    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(),
        empty_label="— choose the campaign —",
        help_text="The campaign this training was given for: its uplift counts the training.",
    )
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    format = forms.ChoiceField(choices=TrainingFormat.choices)
    field_vet = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Technical field vet co-delivering",
        empty_label="— none, the rep alone —",
    )
    attendees = forms.ModelMultipleChoiceField(
        queryset=Vet.objects.none(), widget=forms.CheckboxSelectMultiple, label="Vets attending"
    )
    topic = forms.CharField(max_length=200, required=False)
    materials = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Materials used"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(
        self,
        *args: Any,
        clinic: Clinic,
        campaigns: TrainingCampaigns,
        training: CustomerTraining | None = None,
        **kwargs: Any,
    ) -> None:
        if training is not None:
            kwargs.setdefault("initial", self.initial_for(training))
        else:
            kwargs.setdefault(
                "initial", {"date": timezone.localdate(), "campaign": campaigns.preselected}
            )
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["campaign"].queryset = Campaign.objects.filter(  # type: ignore[attr-defined]
            pk__in=[c.pk for c in campaigns.campaigns]
        ).order_by("-start_date", "name")
        self.fields["attendees"].queryset = _vet_choices(clinic)  # type: ignore[attr-defined]
        self.fields["field_vet"].queryset = selectors.field_vets_for(clinic=clinic)  # type: ignore[attr-defined]
        recorded = list(training.asset_versions.all()) if training else []
        offered = _merged(campaigns.assets, recorded)
        self.offers_assets = bool(offered)
        if self.offers_assets:
            # Assets of every campaign offered, each named with its campaign when there
            # are several: the service refuses an asset of another campaign than the one
            # chosen, beside this field.
            names = {c.pk: str(c) for c in campaigns.campaigns}
            several = len({v.asset.campaign_id for v in offered}) > 1

            def describe(v: Any) -> str:
                label = f"{v.asset} (v{v.number}, {v.asset.get_kind_display()})"
                if several:
                    label += f" · {names.get(v.asset.campaign_id) or v.asset.campaign}"
                return label

            self.fields["asset_versions"] = _ToolkitChoices(
                offered, "Approved assets used", describe
            )

    def asset_versions(self) -> list[Any] | None:
        return self.cleaned_data["asset_versions"] if self.offers_assets else None

    @classmethod
    def initial_for(cls, training: CustomerTraining) -> dict[str, Any]:
        return {
            "campaign": training.campaign,
            "asset_versions": [str(v.pk) for v in training.asset_versions.all()],
            "date": training.date,
            "format": training.format,
            "field_vet": training.field_vet,
            "attendees": list(training.attendees.all()),
            "topic": training.topic,
            "materials": training.materials,
            "notes": training.notes,
        }


class ScoresForm(forms.Form):
    """Pre- and post-test scores (0 to 100) of each attendee of a training."""

    def __init__(self, *args: Any, training: CustomerTraining, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(training.trainingattendance_set.all())
        for a in self.rows:
            for which, value in (("pre", a.pre_score), ("post", a.post_score)):
                self.fields[f"{which}_{a.vet_id}"] = forms.FloatField(
                    min_value=0,
                    max_value=100,
                    required=False,
                    initial=value,
                    label=f"{a.vet} {which}-test",
                    widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                )

    def table(self) -> list[tuple[Any, Any, Any]]:
        return [(a, self[f"pre_{a.vet_id}"], self[f"post_{a.vet_id}"]) for a in self.rows]

    def scores(self) -> dict[int, tuple[float | None, float | None]]:
        return {
            a.vet_id: (self.cleaned_data[f"pre_{a.vet_id}"], self.cleaned_data[f"post_{a.vet_id}"])
            for a in self.rows
        }


class LadderForm(forms.Form):
    to_stage = forms.ChoiceField(choices=AdoptionStage.choices, label="Move to")
    note = forms.CharField(max_length=300, required=False, label="Why")


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    file = forms.FileField(
        label="CRM export (CSV or Excel .xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xlsm"}),
    )
    sheet = forms.CharField(
        max_length=100, required=False, help_text="Excel only; the first sheet when empty."
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"{upload.name}: the file is {upload.size:,} bytes; the limit is {MAX_FILE_BYTES:,}."
            )
        return upload


NOT_IN_FILE = ""


class MappingForm(forms.Form):
    """For each OneVoice field, the column of the file that holds it."""

    def __init__(self, *args: Any, kind: ImportKind, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NOT_IN_FILE, "— not in the file —"), *((h, h) for h in headers)]
        for spec in FIELDS[kind]:
            self.fields[spec.name] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=f"{spec.label}{' *' if spec.required else ''}",
            )

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}
