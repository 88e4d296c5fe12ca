"""Forms of the measurement pages."""

from __future__ import annotations

from django import forms

from onevoice.analytics.warehouse import CANONICAL_COLUMNS


class SalesUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (any delimiter or encoding), XLSX or Parquet.")


class ColumnMappingForm(forms.Form):
    """Which column of the file holds each canonical field; blank = same name."""

    decimal = forms.ChoiceField(
        choices=[("", "Detect"), (".", "Point (1.5)"), (",", "Comma (1,5)")], required=False
    )
    currency = forms.CharField(
        required=False, max_length=3, help_text="Currency when the file has no currency column."
    )
    date_format = forms.CharField(
        required=False, max_length=40, help_text="e.g. %d/%m/%Y; blank to detect."
    )

    def __init__(self, *args: object, header: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", "—"), *((h, h) for h in header)]
        for name in CANONICAL_COLUMNS:
            self.fields[f"col_{name}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=name,
                initial=name if name in header else "",
            )

    def mapping_kwargs(self) -> dict[str, object]:
        data = self.cleaned_data
        columns = {
            name: data[f"col_{name}"]
            for name in CANONICAL_COLUMNS
            if data.get(f"col_{name}") and data[f"col_{name}"] != name
        }
        kwargs: dict[str, object] = {"columns": columns}
        if data.get("decimal"):
            kwargs["decimal"] = data["decimal"]
        if data.get("currency"):
            kwargs["currency"] = data["currency"].upper()
        if data.get("date_format"):
            kwargs["date_format"] = data["date_format"]
        return kwargs


class UpliftForm(forms.Form):
    """The analyst's options; defaults are the recommended analysis."""

    outcome = forms.ChoiceField(
        choices=[
            ("units", "Units (packs)"),
            ("net_revenue", "Net revenue"),
            ("treatment_months", "Treatment-months"),
            ("any_purchase", "Any purchase (share)"),
        ]
    )
    freq = forms.ChoiceField(
        choices=[("month", "Month"), ("quarter", "Quarter"), ("week", "Week")], label="Period"
    )
    control = forms.ChoiceField(
        choices=[("notyet", "Not yet trained"), ("never", "Never trained")], label="Control group"
    )
    method = forms.ChoiceField(
        choices=[
            ("dr", "Doubly robust"),
            ("ipw", "Inverse probability weighting"),
            ("reg", "Outcome regression"),
        ]
    )
    adjust = forms.BooleanField(
        required=False,
        initial=True,
        label="Adjust for size, volume, segment, region and pre-campaign level",
    )
    cluster = forms.ChoiceField(
        choices=[("", "Clinic"), ("territory", "Territory")],
        required=False,
        label="Cluster standard errors by",
    )
    bootstrap = forms.IntegerField(
        min_value=0,
        max_value=9999,
        initial=999,
        help_text="Multiplier-bootstrap draws for the uniform band (0: analytic only).",
    )
    anticipation = forms.IntegerField(min_value=0, max_value=6, initial=0)


class DashboardFilterForm(forms.Form):
    """Which campaign, region, segment, territory and period a dashboard shows.

    Choices are only what the user may see; a value outside them is a form error.
    """

    campaign = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    segment = forms.ChoiceField(required=False)
    territory = forms.ChoiceField(required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self,
        *args: object,
        campaigns: list[tuple[str, str]],
        regions: list[tuple[str, str]],
        segments: list[tuple[str, str]],
        territories: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, choices in (
            ("campaign", campaigns),
            ("region", [("", "All regions"), *regions]),
            ("segment", [("", "All segments"), *segments]),
            ("territory", [("", "All territories"), *territories]),
        ):
            choice_field = self.fields[name]
            assert isinstance(choice_field, forms.ChoiceField)
            choice_field.choices = choices

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The period's start is after its end.")
        return data


class ReviewLessonForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        label="Lessons learned",
        help_text="What worked, what did not, and what to do differently next launch.",
    )
