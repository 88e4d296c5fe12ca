"""Forms of the campaign pages."""

from __future__ import annotations

from django import forms

from onevoice.accounts.choices import Role
from onevoice.accounts.models import User
from onevoice.campaigns import kpi_catalogue, selectors
from onevoice.campaigns.choices import AssetKind, EvidenceLevel, Frequency, Function
from onevoice.campaigns.models import Product
from onevoice.field.choices import Segment


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.username})"


class _ProductChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return obj.label


def _products() -> forms.ModelMultipleChoiceField:
    return _ProductChoice(
        queryset=selectors.product_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Products counted (SKUs)",
        help_text="Sales of these SKUs are what the campaign's KPIs and uplift count.",
    )


def _users(role: Role) -> forms.ModelChoiceField:
    return _UserChoice(
        queryset=User.objects.filter(groups__name=role.value, is_active=True).order_by(
            "last_name", "first_name"
        )
    )


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    product = forms.CharField(max_length=200)
    species = forms.CharField(max_length=60, initial="Dog")
    indication = forms.CharField(max_length=300)
    objective = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    why = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), help_text="Markdown.")
    target_segments = forms.MultipleChoiceField(
        choices=Segment.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    skus = _products()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["marketing_lead"] = _users(Role.MARKETING)
        self.fields["sales_lead"] = _users(Role.SALES_MANAGER)


class BriefForm(forms.Form):
    edit_version = forms.IntegerField(widget=forms.HiddenInput)
    objective = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    why = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), help_text="Markdown.")
    indication = forms.CharField(max_length=300)
    target_segments = forms.MultipleChoiceField(
        choices=Segment.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    skus = _products()


class MessageForm(forms.Form):
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class EvidenceForm(forms.Form):
    citation = forms.CharField(max_length=400)
    link = forms.CharField(max_length=300, required=False, label="DOI or URL")
    excerpt = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.ChoiceField(choices=EvidenceLevel.choices)
    reported = forms.BooleanField(
        required=False, label="Reported / recalled, not confirmed in the source"
    )


class ObjectionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What the vet says")
    segment = forms.ChoiceField(choices=[("", "Any segment"), *Segment.choices], required=False)
    frequency = forms.ChoiceField(choices=Frequency.choices, initial=Frequency.SOMETIMES)


class ResponseForm(forms.Form):
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    clinical_claim = forms.BooleanField(
        required=False, initial=True, label="Makes a clinical claim (reviewer approval)"
    )


class AssetForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AssetKind.choices)


class AssetVersionForm(forms.Form):
    file = forms.FileField(required=False)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="Or write the page here, in Markdown.",
    )
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class KpiForm(forms.Form):
    # The version the editor loaded; 0 when adding. Blank skips the check (old clients).
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    code = forms.ChoiceField(choices=kpi_catalogue.CHOICES, label="KPI")
    baseline = forms.FloatField()
    target = forms.FloatField()
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    owners = forms.MultipleChoiceField(
        choices=[(Function.MARKETING, "Marketing"), (Function.SALES, "Sales")],
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(max_length=300, required=False)


class KpiRemoveForm(forms.Form):
    edit_version = forms.IntegerField(required=False, min_value=1)


class CommentForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="Mention someone with @username."
    )
    about = forms.CharField(max_length=200, required=False)
