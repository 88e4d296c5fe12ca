"""API endpoints of the clinical app (mounted at /api/clinical/).

The same pure rules as the pages; nothing sent is stored. A refused value is a 422
whose ``detail`` lists each field, the value as sent, and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import ValidationError

from onevoice.clinical.rules import (
    BREEDS,
    DISCLAIMER,
    GENERAL_KEY,
    SOURCES,
    Breed,
    ClinicalInputError,
    Criterion,
    Source,
    StagingResult,
    ThresholdCheck,
    VhsReference,
    VhsResult,
    VlasResult,
    breed_choices,
    mmvd_stage,
    vhs_calculate,
    vlas_assess,
)
from onevoice.clinical.rules.breeds import ReferencePosition
from onevoice.clinical.rules.vhs import breed_adjusted_cutoff

router = Router(tags=["clinical"])

Result = TypeVar("Result")
# Numbers may also come as text ("10.5", "10,5"): the rules parse them, so a value that
# is not a number is refused with the same message, naming the value, as on the pages.
Number = float | str


class SourceOut(Schema):
    key: str
    short: str
    citation: str
    kind: str
    confirmed: bool
    reported: bool
    url: str
    caveat: str


class ThresholdOut(Schema):
    key: str
    label: str
    meaning: str
    performance: str
    reported: bool
    crossed: bool
    sources: list[str]


class ReferenceOut(Schema):
    label: str
    figure: str
    figure_confirmed: bool
    lower: float | None
    upper: float
    derived: bool
    reported: bool
    view: str | None
    note: str
    sources: list[str]


class PositionOut(Schema):
    reference: ReferenceOut
    position: Literal["below", "within", "above"]
    sd_from_mean: float | None
    text: str


class B2VhsCriterionOut(Schema):
    label: str
    cutoff: float
    met: bool
    reported: bool
    basis: str
    sources: list[str]


class RiseOut(Schema):
    previous_vhs: float
    months: float
    rise: float
    significant: bool
    text: str


class BreedRefOut(Schema):
    key: str
    name: str


class VhsIn(Schema):
    long_axis: Number
    short_axis: Number
    breed: str = GENERAL_KEY
    view: str = "right"
    previous_vhs: Number | None = None
    months_since_previous: Number | None = None


class VhsOut(Schema):
    long_axis: float
    short_axis: float
    vhs: float
    breed: BreedRefOut
    view: str
    positions: list[PositionOut]
    general_positions: list[PositionOut]
    b2_vhs_criterion: B2VhsCriterionOut
    thresholds: list[ThresholdOut]
    rise: RiseOut | None
    notes: list[str]
    sources: list[SourceOut]
    disclaimer: str


class VlasIn(Schema):
    vlas: Number


class VlasOut(Schema):
    vlas: float
    position: Literal["below", "within", "above"]
    thresholds: list[ThresholdOut]
    sources: list[SourceOut]
    disclaimer: str


class StagingIn(Schema):
    murmur_grade: Number
    chf: str = "none"
    echo_shows_mmvd: bool = False
    at_risk: bool = False
    la_ao: Number | None = None
    lviddn: Number | None = None
    vhs: Number | None = None
    vlas: Number | None = None
    breed: str = GENERAL_KEY
    view: str = "right"


class CriterionOut(Schema):
    key: str
    label: str
    value: str
    met: bool | None
    reported: bool
    basis: str
    sources: list[str]


class StagingOut(Schema):
    stage: str
    label: str
    definition: str
    management: str
    treatment_recommended: bool
    route: str
    reported: bool
    criteria: list[CriterionOut]
    radiographic_criteria: list[CriterionOut]
    reasons: list[str]
    missing: list[str]
    evidence: list[str]
    notes: list[str]
    sources: list[SourceOut]
    disclaimer: str


class BreedOut(Schema):
    key: str
    name: str
    references: list[ReferenceOut]
    notes: list[str]
    b2_vhs_cutoff_right_lateral: float
    b2_vhs_cutoff_left_lateral: float


def _keys(sources: tuple[Source, ...]) -> list[str]:
    return [s.key for s in sources]


def _source(s: Source) -> dict[str, Any]:
    return {
        "key": s.key,
        "short": s.short,
        "citation": s.citation,
        "kind": s.kind,
        "confirmed": s.confirmed,
        "reported": s.reported,
        "url": s.url,
        "caveat": s.caveat,
    }


def _threshold(t: ThresholdCheck) -> dict[str, Any]:
    c = t.cutoff
    return {
        "key": c.key,
        "label": c.label,
        "meaning": c.meaning,
        "performance": c.performance,
        "reported": c.reported,
        "crossed": t.crossed,
        "sources": _keys(c.sources),
    }


def _reference(r: VhsReference) -> dict[str, Any]:
    lower, upper = r.interval
    return {
        "label": r.label,
        "figure": r.figure,
        "figure_confirmed": r.figure_confirmed,
        "lower": None if lower is None else float(lower),
        "upper": float(upper),
        "derived": r.derived,
        "reported": r.reported,
        "view": r.view,
        "note": r.note,
        "sources": _keys(r.sources),
    }


def _position(p: ReferencePosition) -> dict[str, Any]:
    return {
        "reference": _reference(p.reference),
        "position": p.position,
        "sd_from_mean": None if p.sd_from_mean is None else float(p.sd_from_mean),
        "text": p.text,
    }


def _criterion(c: Criterion) -> dict[str, Any]:
    return {
        "key": c.key,
        "label": c.label,
        "value": c.value,
        "met": c.met,
        "reported": c.reported,
        "basis": c.basis,
        "sources": _keys(c.sources),
    }


def _run(rule: Callable[..., Result], **inputs: Any) -> Result:
    """Call a rule; its refusals become a 422 naming each field and value."""
    try:
        return rule(**inputs)
    except ClinicalInputError as exc:
        raise ValidationError(
            [
                {
                    "type": p.code,
                    "loc": ["body", "payload", p.field],
                    "msg": p.message,
                    "input": p.value,
                }
                for p in exc.problems
            ]
        ) from None


@router.post("/vhs", response=VhsOut, url_name="clinical_vhs")
def vhs(request: HttpRequest, payload: VhsIn) -> dict[str, Any]:
    """VHS = long + short axis (vertebrae), against the breed's references and cut-offs."""
    r: VhsResult = _run(vhs_calculate, **payload.dict())
    return {
        "long_axis": float(r.long_axis),
        "short_axis": float(r.short_axis),
        "vhs": float(r.vhs),
        "breed": {"key": r.breed.key, "name": r.breed.name},
        "view": r.view,
        "positions": [_position(p) for p in r.positions],
        "general_positions": [_position(p) for p in r.general_positions],
        "b2_vhs_criterion": {
            "label": f"Breed-adjusted {r.b2_cutoff.label}",
            "cutoff": float(r.b2_cutoff.value),
            "met": r.meets_b2_vhs_criterion,
            "reported": r.b2_cutoff.reported,
            "basis": r.b2_cutoff.basis,
            "sources": _keys(r.b2_cutoff.sources),
        },
        "thresholds": [_threshold(t) for t in r.thresholds],
        "rise": None
        if r.rise is None
        else {
            "previous_vhs": float(r.rise.previous),
            "months": float(r.rise.months),
            "rise": float(r.rise.rise),
            "significant": r.rise.significant,
            "text": r.rise.text,
        },
        "notes": list(r.notes),
        "sources": [_source(s) for s in r.sources],
        "disclaimer": DISCLAIMER,
    }


@router.post("/vlas", response=VlasOut, url_name="clinical_vlas")
def vlas(request: HttpRequest, payload: VlasIn) -> dict[str, Any]:
    """VLAS (vertebrae) against the healthy-dog interval and the published cut-offs."""
    r: VlasResult = _run(vlas_assess, vlas=payload.vlas)
    return {
        "vlas": float(r.vlas),
        "position": r.position,
        "thresholds": [_threshold(t) for t in r.thresholds],
        "sources": [_source(s) for s in r.sources],
        "disclaimer": DISCLAIMER,
    }


@router.post("/staging", response=StagingOut, url_name="clinical_staging")
def staging(request: HttpRequest, payload: StagingIn) -> dict[str, Any]:
    """ACVIM 2019 MMVD stage from murmur, heart failure, echocardiography and radiographs."""
    r: StagingResult = _run(mmvd_stage, **payload.dict())
    return {
        "stage": r.stage,
        "label": r.label,
        "definition": r.definition,
        "management": r.management,
        "treatment_recommended": r.treatment_recommended,
        "route": r.route,
        "reported": r.reported,
        "criteria": [_criterion(c) for c in r.criteria],
        "radiographic_criteria": [_criterion(c) for c in r.radiographic_criteria],
        "reasons": list(r.reasons),
        "missing": list(r.missing),
        "evidence": list(r.evidence),
        "notes": list(r.notes),
        "sources": [_source(s) for s in r.sources],
        "disclaimer": DISCLAIMER,
    }


def _breed(b: Breed) -> dict[str, Any]:
    return {
        "key": b.key,
        "name": b.name,
        "references": [_reference(r) for r in b.references],
        "notes": list(b.notes),
        "b2_vhs_cutoff_right_lateral": float(breed_adjusted_cutoff(b, "right").value),
        "b2_vhs_cutoff_left_lateral": float(breed_adjusted_cutoff(b, "left").value),
    }


@router.get("/breeds", response=list[BreedOut], url_name="clinical_breeds")
def breeds(request: HttpRequest) -> list[dict[str, Any]]:
    """Every breed with its published VHS references and breed-adjusted B2 cut-off."""
    return [_breed(BREEDS[key]) for key, _ in breed_choices()]


@router.get("/sources", response=list[SourceOut], url_name="clinical_sources")
def sources(request: HttpRequest) -> list[dict[str, Any]]:
    """Every source the clinical aid relies on, and whether its figures are confirmed."""
    return [_source(s) for s in SOURCES.values()]
