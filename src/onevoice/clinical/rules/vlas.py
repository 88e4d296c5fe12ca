"""Vertebral left atrial size: where the dog falls against the healthy-dog interval and
the published cut-offs for left atrial enlargement and stage B2 (heart.md §2)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from onevoice.clinical.rules.inputs import VLAS_RANGE, Checker
from onevoice.clinical.rules.sources import Source, merge_sources, sources
from onevoice.clinical.rules.thresholds import Cutoff, ThresholdCheck, check_all

D = Decimal

METHOD: tuple[str, ...] = (
    "Use a lateral thoracic radiograph.",
    "Measure from the ventral border of the carina to the caudal border of the left "
    "atrium, where it meets the dorsal border of the caudal vena cava.",
    "Lay that length along the spine from the cranial edge of T4 and count vertebral "
    "bodies to the nearest 0.1 vertebra.",
)
METHOD_SOURCES = sources("malcolm2018")
# heart.md: the landmark wording is recalled, unconfirmed; only the citation is confirmed.
METHOD_REPORTED = True

REFERENCE_LOW = D("1.4")
REFERENCE_HIGH = D("2.2")
REFERENCE_MEDIAN = D("1.9")
REFERENCE_SOURCES = sources("vezzosi2020")

CUTOFFS: tuple[Cutoff, ...] = (
    Cutoff(
        "vlas_below_reference",
        "VLAS",
        "<",
        REFERENCE_LOW,
        "Below the healthy-dog reference interval 1.4–2.2 (median 1.9).",
        REFERENCE_SOURCES,
    ),
    Cutoff(
        "vlas_above_reference",
        "VLAS",
        ">",
        REFERENCE_HIGH,
        "Above the healthy-dog reference interval 1.4–2.2 (median 1.9).",
        REFERENCE_SOURCES,
    ),
    Cutoff(
        "vlas_lae_commonly_cited",
        "VLAS",
        "≥",
        D("2.3"),
        "The commonly cited cut-off for left atrial enlargement.",
        sources("malcolm2018"),
        reported=True,
    ),
    Cutoff(
        "vlas_lae_forum",
        "VLAS",
        ">",
        D("2.3"),
        "Left atrial enlargement in an ACVIM Forum 2020 abstract (a different cohort), "
        "which did better than VHS >11.1.",
        sources("acvim2020_vlas_abstract"),
        performance="sensitivity 88.9%, specificity 73.3%",
    ),
    Cutoff(
        "vlas_b2_2_5",
        "VLAS",
        "≥",
        D("2.5"),
        "Stage B2 heart enlargement.",
        sources("javma2020_vlas"),
        performance="sensitivity 70%, specificity 84%",
    ),
    Cutoff(
        "vlas_la_ao_2_8",
        "VLAS",
        "≥",
        D("2.8"),
        "Highly specific for an echocardiographic LA:Ao ≥1.6.",
        sources("cb_castaneda2022"),
    ),
    Cutoff(
        "vlas_b2_3_0",
        "VLAS",
        "≥",
        D("3.0"),
        "Stage B2 with minimal risk of a false-positive diagnosis.",
        sources("javma2020_vlas"),
        performance="sensitivity 40%, specificity 96%",
    ),
    Cutoff(
        "vlas_radiographic_b2",
        "VLAS",
        "≥",
        D("3.0"),
        "The ACVIM radiographic criterion for stage B2 when echocardiography is not "
        "available, as summarised.",
        sources("acvim_radiographic_proxy", "keene2019"),
        reported=True,
    ),
)


@dataclass(frozen=True)
class VlasResult:
    """A VLAS read against the healthy-dog interval and every published cut-off."""

    vlas: Decimal
    position: Literal["below", "within", "above"]
    thresholds: tuple[ThresholdCheck, ...]
    sources: tuple[Source, ...]

    @property
    def findings(self) -> tuple[ThresholdCheck, ...]:
        return tuple(t for t in self.thresholds if t.crossed)

    @property
    def crossed_keys(self) -> frozenset[str]:
        return frozenset(t.key for t in self.findings)


def vlas_assess(*, vlas: object) -> VlasResult:
    """Read a VLAS (vertebrae). Raises ``ClinicalInputError`` naming field and value."""
    check = Checker()
    value = check.number("vlas", "VLAS", vlas, VLAS_RANGE, "vertebrae", required=True)
    check.done()
    assert value is not None
    position: Literal["below", "within", "above"] = "within"
    if value < REFERENCE_LOW:
        position = "below"
    elif value > REFERENCE_HIGH:
        position = "above"
    thresholds = check_all(value, CUTOFFS)
    used = merge_sources(METHOD_SOURCES, REFERENCE_SOURCES, *(t.cutoff.sources for t in thresholds))
    return VlasResult(value, position, thresholds, used)
