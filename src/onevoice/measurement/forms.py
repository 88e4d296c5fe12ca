"""Forms of the measurement pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import cast

from django import forms

from onevoice.analytics.warehouse import CANONICAL_COLUMNS
from onevoice.analytics.warehouse.mapping import parse_clinic_id_table
from onevoice.measurement.uplift import DEFAULT_OPTIONS


class SalesUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (any delimiter or encoding), XLSX or Parquet.")


class SalesReadingForm(forms.Form):
    """How to read the file, where detection guessed wrong; blank = detect."""

    delimiter = forms.ChoiceField(
        choices=[("", "Detect"), (",", "Comma"), (";", "Semicolon"), ("\t", "Tab"), ("|", "Pipe")],
        required=False,
    )
    encoding = forms.ChoiceField(
        choices=[
            ("", "Detect"),
            ("utf-8", "UTF-8"),
            ("cp1252", "Windows-1252"),
            ("latin-1", "Latin-1 (ISO 8859-1)"),
            ("utf-16", "UTF-16"),
        ],
        required=False,
    )
    sheet = forms.CharField(
        required=False, max_length=100, help_text="Excel files: the sheet; blank for the first."
    )

    def mapping_kwargs(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}


CLINIC_ID_TABLE_MAX_BYTES = 10 * 1024 * 1024


class ColumnMappingForm(forms.Form):
    """Which column of the file holds each canonical field; blank = same name."""

    clinic_id_table = forms.FileField(
        required=False,
        label="Clinic id table",
        help_text=(
            "When the file has the distributor's customer numbers: a CSV with a header row "
            "and two columns, distributor's number and company clinic id."
        ),
    )

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

    def clean_clinic_id_table(self) -> dict[str, str]:
        upload = self.cleaned_data.get("clinic_id_table")
        if not upload:
            return {}
        if Path(upload.name).suffix.lower() not in (".csv", ".txt"):
            raise forms.ValidationError(f"{upload.name}: the clinic id table must be a CSV file.")
        if upload.size > CLINIC_ID_TABLE_MAX_BYTES:
            raise forms.ValidationError(
                f"{upload.name}: {upload.size:,} bytes is over the "
                f"{CLINIC_ID_TABLE_MAX_BYTES:,}-byte limit."
            )
        try:
            text = upload.read().decode("utf-8-sig")
            return parse_clinic_id_table(io.StringIO(text, newline=""), upload.name)
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(f"{upload.name}: not UTF-8 text ({exc.reason}).") from exc
        except (ValueError, csv.Error) as exc:
            raise forms.ValidationError(str(exc)) from exc

    def mapping_kwargs(self) -> dict[str, object]:
        data = self.cleaned_data
        columns = {
            name: data[f"col_{name}"]
            for name in CANONICAL_COLUMNS
            if data.get(f"col_{name}") and data[f"col_{name}"] != name
        }
        kwargs: dict[str, object] = {"columns": columns}
        if data.get("clinic_id_table"):
            kwargs["clinic_ids"] = data["clinic_id_table"]
        if data.get("decimal"):
            kwargs["decimal"] = data["decimal"]
        if data.get("currency"):
            kwargs["currency"] = data["currency"].upper()
        if data.get("date_format"):
            kwargs["date_format"] = data["date_format"]
        return kwargs


class UpliftForm(forms.Form):
    """The analyst's options; defaults are the recommended analysis.

    ``campaigns`` are those the analyst may see (the live one first); ``product_lines``
    the portfolio's lines and their SKUs, for a negative-control run on a line the
    campaign never trained on.
    """

    campaign = forms.ChoiceField(label="Campaign")
    measure_on = forms.ChoiceField(
        label="Sales counted",
        required=False,
        help_text="The campaign's own products, or another product line as a negative "
        "control: training for this campaign should not move its sales.",
    )
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
        help_text="Multiplier-bootstrap draws for the uniform band (0: analytic only).",
    )
    anticipation = forms.IntegerField(min_value=0, max_value=6)

    def __init__(
        self,
        *args: object,
        campaigns: list[tuple[str, str]] | None = None,
        product_lines: dict[str, list[str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The recommended analysis has one definition, ``DEFAULT_OPTIONS``: the form
        # starts from it, as the CLI, the review and the scheduled job do.
        default = DEFAULT_OPTIONS
        for name in ("outcome", "freq", "control", "method", "bootstrap", "anticipation"):
            self.fields[name].initial = getattr(default, name)
        self.fields["adjust"].initial = bool(default.covariates)
        self.fields["cluster"].initial = default.cluster or ""
        self.product_lines = product_lines or {}
        campaign = cast(forms.ChoiceField, self.fields["campaign"])
        campaign.choices = campaigns or []
        if campaigns:
            campaign.initial = campaigns[0][0]
        cast(forms.ChoiceField, self.fields["measure_on"]).choices = [
            ("", "The campaign's own products"),
            *(
                (line, f"{line} (negative control: {', '.join(skus)})")
                for line, skus in self.product_lines.items()
            ),
        ]

    def skus(self) -> tuple[str, ...]:
        """The SKUs of the chosen line, or () for the campaign's own."""
        line = self.cleaned_data.get("measure_on") or ""
        return tuple(self.product_lines.get(line, ()))


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
