"""The clinical rules of the clinical aid: pure functions, no Django.

Each function validates its inputs (``ClinicalInputError`` names the field and value)
and returns a frozen dataclass that carries the sources it used. Figures follow
``shared/domain/heart.md``; uncertain ones are marked ``reported``.
"""

from onevoice.clinical.rules.breeds import BREEDS, GENERAL_KEY, Breed, VhsReference, breed_choices
from onevoice.clinical.rules.inputs import ClinicalInputError, InputProblem
from onevoice.clinical.rules.sources import SOURCES, Source
from onevoice.clinical.rules.staging import CHF_CHOICES, Criterion, StagingResult, mmvd_stage
from onevoice.clinical.rules.thresholds import Cutoff, ThresholdCheck, fmt
from onevoice.clinical.rules.vhs import BreedAdjustedCutoff, VhsResult, vhs_calculate
from onevoice.clinical.rules.vlas import VlasResult, vlas_assess

DISCLAIMER = (
    "An aid to clinical judgement, not a diagnosis. It applies published reference values "
    "and the ACVIM 2019 stage criteria to the measurements you enter; the veterinarian "
    "examining the dog makes every diagnostic and treatment decision. Figures marked "
    "“reported” come from secondary sources or memory and have not been checked against "
    "the original paper. Nothing you enter is stored."
)

__all__ = [
    "BREEDS",
    "CHF_CHOICES",
    "DISCLAIMER",
    "GENERAL_KEY",
    "SOURCES",
    "Breed",
    "BreedAdjustedCutoff",
    "ClinicalInputError",
    "Criterion",
    "Cutoff",
    "InputProblem",
    "Source",
    "StagingResult",
    "ThresholdCheck",
    "VhsReference",
    "VhsResult",
    "VlasResult",
    "breed_choices",
    "fmt",
    "mmvd_stage",
    "vhs_calculate",
    "vlas_assess",
]
