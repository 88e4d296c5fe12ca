"""Vertebral heart score: L + S, where the dog falls, and which published cut-offs it
crosses (heart.md §1 and §2)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from onevoice.clinical.rules.breeds import (
    BREEDS,
    GENERAL,
    GENERAL_KEY,
    VIEWS,
    Breed,
    ReferencePosition,
    View,
)
from onevoice.clinical.rules.inputs import (
    AXIS_RANGE,
    ERROR_NEEDS_OTHER,
    ERROR_OUT_OF_RANGE,
    MONTHS_RANGE,
    VHS_RANGE,
    Checker,
)
from onevoice.clinical.rules.sources import Source, merge_sources, sources
from onevoice.clinical.rules.thresholds import Cutoff, ThresholdCheck, check_all, fmt

D = Decimal

METHOD: tuple[str, ...] = (
    "Use a lateral thoracic radiograph.",
    "Long axis (L): from the ventral border of the left mainstem bronchus (carina) to the "
    "cardiac apex.",
    "Short axis (S): at the widest part of the heart, perpendicular to L.",
    "Lay L and S along the spine from the cranial edge of T4 and count vertebral bodies to "
    "the nearest 0.1 vertebra. VHS = L + S.",
)
METHOD_SOURCES = sources("buchanan1995", "upenn_vhs", "cb_measuring_vhs")

# The general B2 criterion ("breed-adjusted VHS >10.5") before any breed adjustment.
B2_GENERAL_VHS = D("10.5")
RISE = D("0.5")
RISE_MONTHS = D("6")

CUTOFFS: tuple[Cutoff, ...] = (
    Cutoff(
        "vhs_below_lower_limit",
        "VHS",
        "<",
        D("8.5"),
        "Below the usual lower limit of 8.5 vertebrae.",
        sources("upenn_vhs"),
    ),
    Cutoff(
        "vhs_above_upper_limit",
        "VHS",
        ">",
        D("10.5"),
        "Above the usual upper limit of 10.5 vertebrae. VHS >10.5, adjusted for breed, is "
        "one of the ACVIM criteria for stage B2.",
        sources("upenn_vhs", "keene2019"),
    ),
    Cutoff(
        "vhs_borderline_manufacturer",
        "VHS",
        "≥",
        D("10.5"),
        "Borderline in the manufacturer's guidance (not the consensus).",
        sources("boehringer_breed_vhs"),
        below=D("11.5"),
    ),
    Cutoff(
        "vhs_preclinical_10_8",
        "VHS",
        ">",
        D("10.8"),
        "In dogs with preclinical MMVD this cut-off found most dogs with stage B2 heart "
        "enlargement, but also many without it; 43% of dogs fell between 10.8 and 11.7, "
        "where radiographs alone do not decide.",
        sources("poad2020"),
        performance="sensitivity 91%, specificity 69%",
    ),
    Cutoff(
        "vhs_forum_11_1",
        "VHS",
        ">",
        D("11.1"),
        "The VHS cut-off an ACVIM Forum 2020 abstract compared with VLAS; VLAS >2.3 "
        "detected left atrial enlargement better.",
        sources("acvim2020_vlas_abstract"),
    ),
    Cutoff(
        "vhs_radiographic_b2",
        "VHS",
        "≥",
        D("11.5"),
        "Radiographic cardiomegaly: the ACVIM radiographic criterion for stage B2 when "
        "echocardiography is not available.",
        sources("acvim_radiographic_proxy", "keene2019"),
        reported=True,
    ),
    Cutoff(
        "vhs_cardiomegaly_manufacturer",
        "VHS",
        "≥",
        D("11.5"),
        "Cardiomegaly in the manufacturer's guidance (not the consensus).",
        sources("boehringer_breed_vhs"),
    ),
    Cutoff(
        "vhs_preclinical_11_7",
        "VHS",
        ">",
        D("11.7"),
        "Highly specific for stage B2 heart enlargement in dogs with preclinical MMVD, but "
        "found only a third of them.",
        sources("poad2020"),
        performance="sensitivity 32%, specificity 97%",
    ),
)


@dataclass(frozen=True)
class BreedAdjustedCutoff:
    """The VHS above which the ACVIM B2 criterion counts as met for this dog.

    The consensus says "breed-adjusted VHS >10.5" without per-breed numbers; the aid
    uses the upper end of the breed's confirmed reference, which is its own reading and
    therefore ``reported``.
    """

    value: Decimal
    basis: str
    reported: bool
    sources: tuple[Source, ...]

    @property
    def label(self) -> str:
        return f"VHS >{fmt(self.value)}"

    def met_by(self, vhs: Decimal) -> bool:
        return vhs > self.value


def breed_adjusted_cutoff(breed: Breed, view: View = "right") -> BreedAdjustedCutoff:
    """The B2 VHS cut-off for ``breed``: 10.5, or the upper end of its confirmed range."""
    consensus = sources("keene2019")
    if breed.key == GENERAL_KEY:
        return BreedAdjustedCutoff(
            B2_GENERAL_VHS,
            "VHS >10.5, the ACVIM stage B2 criterion for a dog without a breed reference.",
            False,
            consensus,
        )
    reference = breed.primary(view)
    if not reference.figure_confirmed:
        return BreedAdjustedCutoff(
            B2_GENERAL_VHS,
            f"The {breed.name} figures are recalled, not confirmed, so the aid keeps the "
            "general VHS >10.5; a breed-adjusted cut-off may be higher.",
            True,
            merge_sources(consensus, reference.sources),
        )
    return BreedAdjustedCutoff(
        reference.upper,
        f"The upper end of the {breed.name} reference ({reference.label}: "
        f"{reference.describe()}). The consensus asks for a breed-adjusted VHS >10.5 "
        "without giving per-breed numbers; this adjustment is the aid's reading.",
        True,
        merge_sources(consensus, reference.sources),
    )


@dataclass(frozen=True)
class VhsRise:
    """A rise since an earlier radiograph; ≥0.5 within 6 months means cardiomegaly in
    the manufacturer's guidance."""

    previous: Decimal
    months: Decimal
    rise: Decimal
    significant: bool
    sources: tuple[Source, ...]

    @property
    def text(self) -> str:
        change = f"{'+' if self.rise >= 0 else ''}{fmt(self.rise)}"
        months = format(self.months.normalize(), "f")
        since = f"{change} since {fmt(self.previous)}, {months} months ago"
        if self.significant:
            return (
                f"{since}: a rise of ≥0.5 within 6 months means cardiomegaly in the "
                "manufacturer's guidance."
            )
        return f"{since}."


@dataclass(frozen=True)
class VhsResult:
    """A measured VHS with everything a vet needs to read it, and the sources used."""

    long_axis: Decimal
    short_axis: Decimal
    vhs: Decimal
    breed: Breed
    view: View
    positions: tuple[ReferencePosition, ...]
    general_positions: tuple[ReferencePosition, ...]
    b2_cutoff: BreedAdjustedCutoff
    thresholds: tuple[ThresholdCheck, ...]
    rise: VhsRise | None
    notes: tuple[str, ...]
    sources: tuple[Source, ...]

    @property
    def findings(self) -> tuple[ThresholdCheck, ...]:
        """The cut-offs this VHS crosses."""
        return tuple(t for t in self.thresholds if t.crossed)

    @property
    def crossed_keys(self) -> frozenset[str]:
        return frozenset(t.key for t in self.findings)

    @property
    def meets_b2_vhs_criterion(self) -> bool:
        return self.b2_cutoff.met_by(self.vhs)

    @property
    def breed_position(self) -> ReferencePosition:
        """Against the reference the aid uses for this breed and view."""
        return self.positions[0]


def vhs_calculate(
    *,
    long_axis: object,
    short_axis: object,
    breed: str = GENERAL_KEY,
    view: str = "right",
    previous_vhs: object = None,
    months_since_previous: object = None,
) -> VhsResult:
    """VHS = L + S from the two axes in vertebrae, read against the breed's references.

    Raises ``ClinicalInputError`` naming every field that is missing, not a number, or
    outside a plausible range.
    """
    check = Checker()
    long_ = check.number("long_axis", "Long axis", long_axis, AXIS_RANGE, "vertebrae", True)
    short = check.number("short_axis", "Short axis", short_axis, AXIS_RANGE, "vertebrae", True)
    breed_key = check.choice("breed", "Breed", breed or GENERAL_KEY, tuple(BREEDS))
    view_ = check.choice("view", "Lateral view", view or "right", VIEWS)
    previous = check.number("previous_vhs", "Earlier VHS", previous_vhs, VHS_RANGE, "vertebrae")
    months = check.number(
        "months_since_previous",
        "Months since the earlier VHS",
        months_since_previous,
        MONTHS_RANGE,
        "months",
    )
    if (previous is None) != (months is None) and not check.problems:
        given, other = (
            ("previous_vhs", "months_since_previous")
            if previous is not None
            else ("months_since_previous", "previous_vhs")
        )
        labels = {"previous_vhs": "Earlier VHS", "months_since_previous": "Months since"}
        value = previous if previous is not None else months
        assert value is not None
        check.refuse(
            given,
            fmt(value),
            ERROR_NEEDS_OTHER.format(
                label=labels[given], value=fmt(value), other=labels[other].lower()
            ),
        )
    vhs = None
    if long_ is not None and short is not None:
        vhs = long_ + short
        low, high = VHS_RANGE
        if not low <= vhs <= high:
            check.refuse(
                "vhs",
                fmt(vhs),
                ERROR_OUT_OF_RANGE.format(
                    label="VHS (long + short axis)",
                    value=fmt(vhs),
                    unit=" vertebrae",
                    low=low,
                    high=high,
                ),
            )
    check.done()
    assert long_ is not None
    assert short is not None
    assert vhs is not None
    assert breed_key is not None
    assert view_ in VIEWS
    chosen: View = "left" if view_ == "left" else "right"
    the_breed = BREEDS[breed_key]
    return _result(long_, short, vhs, the_breed, chosen, previous, months)


def _result(
    long_axis: Decimal,
    short_axis: Decimal,
    vhs: Decimal,
    breed: Breed,
    view: View,
    previous: Decimal | None,
    months: Decimal | None,
) -> VhsResult:
    references = breed.references_for(view)
    positions = tuple(r.position_of(vhs) for r in references)
    general_positions = (
        () if breed.key == GENERAL_KEY else tuple(r.position_of(vhs) for r in GENERAL.references)
    )
    cutoff = breed_adjusted_cutoff(breed, view)
    thresholds = check_all(vhs, CUTOFFS)
    rise = None
    if previous is not None and months is not None:
        change = vhs - previous
        rise = VhsRise(
            previous,
            months,
            change,
            change >= RISE and months <= RISE_MONTHS,
            sources("boehringer_breed_vhs"),
        )
    notes = list(breed.notes)
    if view == "left" and not {r.view for r in breed.references} >= {"right", "left"}:
        notes.append(
            "You measured on a left lateral view; the references were measured on right "
            "lateral views or do not say, and VHS reads higher on right than on left lateral."
        )
    used = merge_sources(
        METHOD_SOURCES,
        *(r.sources for r in references),
        *((r.sources for r in GENERAL.references) if general_positions else ()),
        breed.note_sources,
        cutoff.sources,
        *(t.cutoff.sources for t in thresholds),
        rise.sources if rise else (),
    )
    return VhsResult(
        long_axis=long_axis,
        short_axis=short_axis,
        vhs=vhs,
        breed=breed,
        view=view,
        positions=positions,
        general_positions=general_positions,
        b2_cutoff=cutoff,
        thresholds=thresholds,
        rise=rise,
        notes=tuple(notes),
        sources=used,
    )
