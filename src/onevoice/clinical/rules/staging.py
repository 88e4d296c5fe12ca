"""ACVIM 2019 staging of myxomatous mitral valve disease (heart.md §3 and §2).

Stage B2, where treatment is recommended, needs every published criterion: murmur
≥3/6, LA:Ao ≥1.6, LVIDDN ≥1.7 and a breed-adjusted VHS >10.5. Without
echocardiography, the radiographic criterion (VHS ≥11.5 or VLAS ≥3, with a murmur
≥3/6) stands in; its exact wording is unverified, so a B2 reached that way is
reported, never stated as the consensus's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from onevoice.clinical.rules.breeds import BREEDS, GENERAL_KEY, VIEWS, Breed, View
from onevoice.clinical.rules.inputs import (
    LA_AO_RANGE,
    LVIDDN_RANGE,
    VHS_RANGE,
    VLAS_RANGE,
    Checker,
)
from onevoice.clinical.rules.sources import Source, merge_sources, sources
from onevoice.clinical.rules.thresholds import fmt
from onevoice.clinical.rules.vhs import BreedAdjustedCutoff, breed_adjusted_cutoff

D = Decimal

Stage = Literal["none", "A", "B1", "B", "B2", "C", "D"]
Route = Literal["clinical", "criteria", "radiographic", "incomplete"]
Chf = Literal["none", "current_or_past", "refractory"]
CHF_CHOICES: tuple[Chf, ...] = ("none", "current_or_past", "refractory")

MURMUR_B2 = 3
LA_AO_B2 = D("1.6")
LVIDDN_B2 = D("1.7")
RADIOGRAPHIC_VHS_B2 = D("11.5")
RADIOGRAPHIC_VLAS_B2 = D("3.0")

STAGE_LABELS: dict[Stage, str] = {
    "none": "No stage",
    "A": "Stage A",
    "B1": "Stage B1",
    "B": "Stage B (B1 or B2: more measurements needed)",
    "B2": "Stage B2",
    "C": "Stage C",
    "D": "Stage D",
}
DEFINITIONS: dict[Stage, str] = {
    "none": "No murmur or echocardiographic sign of MMVD, and not marked as at risk.",
    "A": "At risk, with no structural heart disease (e.g. every Cavalier King Charles Spaniel).",
    "B1": "Murmur or MMVD without remodelling, or below the stage B2 criteria.",
    "B": "Preclinical MMVD; whether it meets the stage B2 criteria is not yet known.",
    "B2": "Preclinical MMVD that meets the clinical-trial criteria: murmur ≥3/6, "
    "LA:Ao ≥1.6, LVIDDN ≥1.7, breed-adjusted VHS >10.5.",
    "C": "Current or past congestive heart failure.",
    "D": "Congestive heart failure refractory to standard therapy.",
}
MANAGEMENT: dict[Stage, str] = {
    "none": "No stage applies.",
    "A": "Recheck by auscultation yearly.",
    "B1": "No treatment; echocardiography (or radiographs) yearly.",
    "B": "Complete the missing measurements; echocardiography settles stage B2.",
    "B2": "Pimobendan is recommended; recheck about every 6 months.",
    "C": "Furosemide or torasemide, pimobendan, an ACE inhibitor and spironolactone.",
    "D": "The stage C measures plus escalation.",
}
EPIC_EVIDENCE: tuple[str, ...] = (
    "EPIC trial, 360 dogs with LA:Ao ≥1.6, LVIDDN ≥1.7 and VHS >10.5: pimobendan "
    "lengthened the median time to congestive heart failure, cardiac death or euthanasia "
    "from 766 to 1228 days (P = .0038; HR 0.64), a preclinical period about 15 months "
    "longer.",
)
STAGE_SOURCES = sources("keene2019")
EPIC_SOURCES = sources("boswood2016_epic")


@dataclass(frozen=True)
class Criterion:
    """One published stage criterion and this dog's value against it.

    ``met`` is None when the value was not entered.
    """

    key: str
    label: str
    value: str
    met: bool | None
    sources: tuple[Source, ...]
    reported: bool = False
    basis: str = ""


@dataclass(frozen=True)
class StagingResult:
    """The stage, the criteria that decided it, what to measure next, and sources."""

    stage: Stage
    route: Route
    reported: bool
    criteria: tuple[Criterion, ...]
    radiographic_criteria: tuple[Criterion, ...]
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    evidence: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[Source, ...]

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def definition(self) -> str:
        return DEFINITIONS[self.stage]

    @property
    def management(self) -> str:
        return MANAGEMENT[self.stage]

    @property
    def treatment_recommended(self) -> bool:
        return self.stage in ("B2", "C", "D")


def _shown(value: Decimal | None, suffix: str = "") -> str:
    return "not entered" if value is None else f"{fmt(value)}{suffix}"


def _at_least(value: Decimal | None, cutoff: Decimal) -> bool | None:
    return None if value is None else value >= cutoff


def mmvd_stage(
    *,
    murmur_grade: object,
    chf: str = "none",
    echo_shows_mmvd: bool = False,
    at_risk: bool = False,
    la_ao: object = None,
    lviddn: object = None,
    vhs: object = None,
    vlas: object = None,
    breed: str = GENERAL_KEY,
    view: str = "right",
) -> StagingResult:
    """Apply the ACVIM 2019 stage criteria to one dog's findings.

    ``murmur_grade`` is 0 (none) to 6; ``chf`` is "none", "current_or_past" or
    "refractory"; measurements are optional, and a missing one leaves its criterion
    undecided rather than met. Raises ``ClinicalInputError`` naming field and value.
    """
    check = Checker()
    murmur = check.murmur("murmur_grade", "Murmur grade", murmur_grade)
    if murmur is None and not check.problems:
        check.required("murmur_grade", "Murmur grade: enter 0 (no murmur) to 6.")
    chf_ = check.choice("chf", "Heart failure", chf or "none", CHF_CHOICES)
    la_ao_ = check.number("la_ao", "LA:Ao", la_ao, LA_AO_RANGE)
    lviddn_ = check.number("lviddn", "LVIDDN", lviddn, LVIDDN_RANGE)
    vhs_ = check.number("vhs", "VHS", vhs, VHS_RANGE, "vertebrae")
    vlas_ = check.number("vlas", "VLAS", vlas, VLAS_RANGE, "vertebrae")
    breed_key = check.choice("breed", "Breed", breed or GENERAL_KEY, tuple(BREEDS))
    view_ = check.choice("view", "Lateral view", view or "right", VIEWS)
    check.done()
    assert murmur is not None
    assert breed_key is not None
    the_breed = BREEDS[breed_key]
    chosen_view: View = "left" if view_ == "left" else "right"
    cutoff = breed_adjusted_cutoff(the_breed, chosen_view)
    criteria = _criteria(murmur, la_ao_, lviddn_, vhs_, cutoff)
    radiographic = _radiographic_criteria(vhs_, vlas_)
    notes = _notes(the_breed)

    def result(
        stage: Stage,
        route: Route,
        reasons: list[str],
        missing: tuple[str, ...] = (),
        reported: bool = False,
    ) -> StagingResult:
        evidence = EPIC_EVIDENCE if stage == "B2" else ()
        used = merge_sources(
            STAGE_SOURCES,
            *(c.sources for c in criteria),
            *(c.sources for c in radiographic) if route == "radiographic" else (),
            EPIC_SOURCES if evidence else (),
            the_breed.mmvd_note_sources,
        )
        return StagingResult(
            stage=stage,
            route=route,
            reported=reported,
            reasons=tuple(reasons),
            missing=missing,
            evidence=evidence,
            sources=used,
            criteria=criteria,
            radiographic_criteria=radiographic,
            notes=notes,
        )

    if chf_ == "refractory":
        return result(
            "D", "clinical", ["Heart failure that no longer responds to standard therapy."]
        )
    if chf_ == "current_or_past":
        return result("C", "clinical", ["Current or past congestive heart failure."])

    if murmur == 0 and not echo_shows_mmvd:
        reasons = ["No murmur and no echocardiographic sign of MMVD."]
        if any(c.met for c in criteria[1:]) or any(c.met for c in radiographic):
            reasons.append(
                "Some measurements are above the stage B2 cut-offs, but the B stages need "
                "evidence of MMVD (a murmur or echocardiographic changes); look for "
                "another cause."
            )
        if at_risk or the_breed.mmvd_at_risk:
            return result("A", "clinical", [*reasons, "The dog is at risk of MMVD."])
        return result("none", "clinical", reasons)

    failed = [c for c in criteria if c.met is False]
    if failed:
        return result(
            "B1",
            "criteria",
            [f"{c.label} not met ({c.value})." for c in failed]
            + ["Stage B2 needs every criterion."],
        )
    if all(c.met for c in criteria):
        return result("B2", "criteria", ["Every stage B2 criterion is met."])

    no_echo = la_ao_ is None and lviddn_ is None
    proxy_met = [c for c in radiographic if c.met]
    if no_echo and murmur >= MURMUR_B2 and proxy_met:
        return result(
            "B2",
            "radiographic",
            [
                f"No echocardiography; murmur {murmur}/6 and "
                + " and ".join(f"{c.label} ({c.value})" for c in proxy_met)
                + " meet the radiographic criterion for stage B2 (wording as summarised, "
                "not verified against the consensus text)."
            ],
            missing=("Echocardiography (LA:Ao, LVIDDN) to confirm.",),
            reported=True,
        )
    missing = tuple(f"{c.label}" for c in criteria if c.met is None)
    reasons = ["No criterion fails, but not every one could be checked."]
    if no_echo:
        reasons.append(
            "Without echocardiography, a radiographic VHS ≥11.5 or VLAS ≥3 with a murmur "
            "≥3/6 would indicate stage B2; radiographs below those cut-offs do not rule "
            "it out."
        )
    return result("B", "incomplete", reasons, missing=missing)


def _criteria(
    murmur: int,
    la_ao: Decimal | None,
    lviddn: Decimal | None,
    vhs: Decimal | None,
    cutoff: BreedAdjustedCutoff,
) -> tuple[Criterion, ...]:
    consensus = sources("keene2019")
    return (
        Criterion("murmur", "Murmur ≥3/6", f"{murmur}/6", murmur >= MURMUR_B2, consensus),
        Criterion("la_ao", "LA:Ao ≥1.6", _shown(la_ao), _at_least(la_ao, LA_AO_B2), consensus),
        Criterion("lviddn", "LVIDDN ≥1.7", _shown(lviddn), _at_least(lviddn, LVIDDN_B2), consensus),
        Criterion(
            "vhs_breed_adjusted",
            f"Breed-adjusted {cutoff.label}",
            _shown(vhs),
            None if vhs is None else cutoff.met_by(vhs),
            cutoff.sources,
            reported=cutoff.reported,
            basis=cutoff.basis,
        ),
    )


def _radiographic_criteria(vhs: Decimal | None, vlas: Decimal | None) -> tuple[Criterion, ...]:
    proxy = sources("acvim_radiographic_proxy", "keene2019")
    basis = "Used when echocardiography is not available; wording as summarised (≥ or >)."
    return (
        Criterion(
            "radiographic_vhs",
            "VHS ≥11.5",
            _shown(vhs),
            _at_least(vhs, RADIOGRAPHIC_VHS_B2),
            proxy,
            reported=True,
            basis=basis,
        ),
        Criterion(
            "radiographic_vlas",
            "VLAS ≥3",
            _shown(vlas),
            _at_least(vlas, RADIOGRAPHIC_VLAS_B2),
            proxy,
            reported=True,
            basis=basis,
        ),
    )


def _notes(breed: Breed) -> tuple[str, ...]:
    return (breed.mmvd_note,) if breed.mmvd_note else ()
