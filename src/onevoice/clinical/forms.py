"""Forms of the clinical aid. They only collect text; the pure rules validate it, so a
page and the API refuse the same values with the same messages."""

from __future__ import annotations

from typing import Any

from django import forms

from onevoice.clinical.rules import (
    GENERAL_KEY,
    ClinicalInputError,
    StagingResult,
    VhsResult,
    VlasResult,
    breed_choices,
    mmvd_stage,
    vhs_calculate,
    vlas_assess,
)

VIEW_CHOICES = [("right", "Right lateral"), ("left", "Left lateral")]
CHF_CHOICES = [
    ("none", "None"),
    ("current_or_past", "Current or past"),
    ("refractory", "Refractory to standard therapy"),
]
MURMUR_CHOICES = [(str(g), "0 (none)" if g == 0 else f"{g}/6") for g in range(7)]


def _measure(label: str, help_text: str = "", required: bool = False) -> forms.CharField:
    # type=number with step=any brings up the numeric keypad on tablets and accepts any
    # precision; limits are checked by the rules, which name the value in the error.
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(
            attrs={
                "step": "any",
                "inputmode": "decimal",
                "autocomplete": "off",
                **({"aria-required": "true"} if required else {}),
            }
        ),
    )


class ClinicalForm(forms.Form):
    """Runs one rule on the submitted text; refusals become errors on their fields."""

    error: ClinicalInputError | None = None

    def run(self) -> Any:
        """The rule's result, or None with the problems added as form errors."""
        if not self.is_valid():
            return None
        try:
            return self.calculate(self.cleaned_data)
        except ClinicalInputError as exc:
            self.error = exc
            for problem in exc.problems:
                field = problem.field if problem.field in self.fields else None
                self.add_error(field, problem.message)
            return None

    def calculate(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    @property
    def only_missing(self) -> bool:
        return self.error is not None and self.error.only_missing

    @property
    def invalid_messages(self) -> list[str]:
        """Refusals other than "enter a value": what a live form shows while typing."""
        if self.error is None:
            return []
        return [p.message for p in self.error.problems if p.code != "required"]


class VhsForm(ClinicalForm):
    long_axis = _measure("Long axis (L), vertebrae", "Carina to apex.", required=True)
    short_axis = _measure(
        "Short axis (S), vertebrae", "Widest part, perpendicular to L.", required=True
    )
    breed = forms.CharField(
        label="Breed", required=False, widget=forms.Select(choices=breed_choices())
    )
    view = forms.CharField(
        label="Lateral view",
        required=False,
        initial="right",
        widget=forms.RadioSelect(choices=VIEW_CHOICES),
    )
    previous_vhs = _measure("Earlier VHS, vertebrae")
    months_since_previous = _measure("Months since the earlier VHS")

    def calculate(self, data: dict[str, Any]) -> VhsResult:
        return vhs_calculate(
            long_axis=data["long_axis"],
            short_axis=data["short_axis"],
            breed=data["breed"] or GENERAL_KEY,
            view=data["view"] or "right",
            previous_vhs=data["previous_vhs"],
            months_since_previous=data["months_since_previous"],
        )


class VlasForm(ClinicalForm):
    vlas = _measure("VLAS, vertebrae", "Carina to the caudal left atrium.", required=True)

    def calculate(self, data: dict[str, Any]) -> VlasResult:
        return vlas_assess(vlas=data["vlas"])


class StagingForm(ClinicalForm):
    chf = forms.CharField(
        label="Congestive heart failure",
        required=False,
        initial="none",
        widget=forms.RadioSelect(choices=CHF_CHOICES),
    )
    murmur_grade = forms.CharField(
        label="Murmur grade",
        required=False,
        widget=forms.RadioSelect(choices=MURMUR_CHOICES),
    )
    echo_shows_mmvd = forms.BooleanField(
        label="Echocardiography shows MMVD (even without a murmur)", required=False
    )
    at_risk = forms.BooleanField(
        label="At risk of MMVD (e.g. every Cavalier King Charles Spaniel)", required=False
    )
    la_ao = _measure("LA:Ao")
    lviddn = _measure("LVIDDN")
    vhs = _measure("VHS, vertebrae")
    vlas = _measure("VLAS, vertebrae")
    breed = forms.CharField(
        label="Breed", required=False, widget=forms.Select(choices=breed_choices())
    )
    view = forms.CharField(
        label="Lateral view",
        required=False,
        initial="right",
        widget=forms.RadioSelect(choices=VIEW_CHOICES),
    )

    def calculate(self, data: dict[str, Any]) -> StagingResult:
        return mmvd_stage(
            murmur_grade=data["murmur_grade"],
            chf=data["chf"] or "none",
            echo_shows_mmvd=data["echo_shows_mmvd"],
            at_risk=data["at_risk"],
            la_ao=data["la_ao"],
            lviddn=data["lviddn"],
            vhs=data["vhs"],
            vlas=data["vlas"],
            breed=data["breed"] or GENERAL_KEY,
            view=data["view"] or "right",
        )
