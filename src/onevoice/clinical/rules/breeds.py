"""Breed-specific VHS reference values, each tied to its source.

Figures are those of ``shared/domain/heart.md`` §1. A breed lists its references with
the one the aid uses for the breed-adjusted cut-off first (for Whippets and Dachshunds,
one per lateral view). A mean ± SD gives a *derived* interval (mean ± 2 SD): the
papers quote the mean, not that interval, so the product shows it as reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from onevoice.clinical.rules.sources import Source, sources
from onevoice.clinical.rules.thresholds import fmt

View = Literal["right", "left"]
VIEWS: tuple[View, ...] = ("right", "left")
ReferenceKind = Literal["range", "mean_sd", "median_range", "upper_limit"]
Position = Literal["below", "within", "above"]

GENERAL_KEY = "any"


def D(text: str) -> Decimal:
    return Decimal(text)


@dataclass(frozen=True)
class VhsReference:
    """One published normal VHS for a group of dogs.

    ``figure_confirmed`` is False when the figure itself is recalled (heart.md ⚠️).
    ``view`` is the lateral radiograph it was measured on, when the source says.
    """

    label: str
    kind: ReferenceKind
    sources: tuple[Source, ...]
    figure_confirmed: bool = True
    low: Decimal | None = None
    high: Decimal | None = None
    centre: Decimal | None = None
    sd: Decimal | None = None
    n: int | None = None
    view: View | None = None
    note: str = ""

    @property
    def derived(self) -> bool:
        """True when the interval is computed (mean ± 2 SD), not quoted by the source."""
        return self.kind == "mean_sd"

    @property
    def reported(self) -> bool:
        return not self.figure_confirmed or self.derived

    @property
    def interval(self) -> tuple[Decimal | None, Decimal]:
        """(lower, upper) limits of normal; no lower limit for an upper-limit-only figure."""
        if self.kind == "mean_sd":
            assert self.centre is not None
            assert self.sd is not None
            return self.centre - 2 * self.sd, self.centre + 2 * self.sd
        assert self.high is not None
        return self.low, self.high

    @property
    def upper(self) -> Decimal:
        return self.interval[1]

    @property
    def figure(self) -> str:
        """The figure as the source gives it, e.g. "10.6 ± 0.5 (mean ± SD)"."""
        n = f", n={self.n}" if self.n else ""
        if self.kind == "mean_sd":
            assert self.centre is not None
            assert self.sd is not None
            return f"{fmt(self.centre)} ± {fmt(self.sd)} (mean ± SD{n})"
        if self.kind == "median_range":
            assert self.centre is not None
            assert self.low is not None
            return f"median {fmt(self.centre)} ({fmt(self.low)}–{fmt(self.upper)}){n}"
        if self.kind == "upper_limit":
            return f"upper limit about {fmt(self.upper)}"
        assert self.low is not None
        return f"{fmt(self.low)}–{fmt(self.upper)}{n}"

    @property
    def interval_text(self) -> str:
        low, high = self.interval
        return f"{fmt(low)}–{fmt(high)}" if low is not None else f"up to {fmt(high)}"

    def describe(self) -> str:
        """The figure, plus the derived interval when the source gives a mean ± SD."""
        if self.derived:
            return f"{self.figure}; derived interval {self.interval_text}"
        return self.figure

    def position_of(self, vhs: Decimal) -> ReferencePosition:
        low, high = self.interval
        position: Position = "within"
        if low is not None and vhs < low:
            position = "below"
        elif vhs > high:
            position = "above"
        sd_from_mean = None
        if self.kind == "mean_sd":
            assert self.centre is not None
            assert self.sd is not None
            sd_from_mean = ((vhs - self.centre) / self.sd).quantize(Decimal("0.1"))
        return ReferencePosition(self, position, sd_from_mean)


@dataclass(frozen=True)
class ReferencePosition:
    """Where one VHS falls against one reference."""

    reference: VhsReference
    position: Position
    sd_from_mean: Decimal | None = None

    @property
    def text(self) -> str:
        low, high = self.reference.interval
        if self.position == "above":
            words = f"above {fmt(high)}"
        elif self.position == "below" and low is not None:
            words = f"below {fmt(low)}"
        elif low is None:
            words = f"not above {fmt(high)}"
        else:
            words = f"within {fmt(low)}–{fmt(high)}"
        if self.sd_from_mean is not None:
            sign = "+" if self.sd_from_mean > 0 else ""
            words += f" ({sign}{fmt(self.sd_from_mean)} SD from the mean)"
        return words


@dataclass(frozen=True)
class Breed:
    """A breed (or group) with its published normal VHS values."""

    key: str
    name: str
    references: tuple[VhsReference, ...]
    notes: tuple[str, ...] = ()
    note_sources: tuple[Source, ...] = ()
    mmvd_at_risk: bool = False
    mmvd_note: str = ""
    mmvd_note_sources: tuple[Source, ...] = field(default_factory=tuple)

    def primary(self, view: View = "right") -> VhsReference:
        """The reference for the breed-adjusted cut-off on this lateral view."""
        views = {r.view for r in self.references}
        if {"right", "left"} <= views:
            return next(r for r in self.references if r.view == view)
        return self.references[0]

    def references_for(self, view: View = "right") -> tuple[VhsReference, ...]:
        """Every reference, the chosen view's first; the other view's are left out."""
        views = {r.view for r in self.references}
        if {"right", "left"} <= views:
            return tuple(r for r in self.references if r.view in (view, None))
        return self.references


_RIGHT_ONLY_NOTE = (
    "This breed's figures were measured on right lateral radiographs; VHS reads higher "
    "on right than on left lateral views (Dachshund and Whippet studies)."
)
_ANOMALOUS_VERTEBRAE = (
    "Anomalous vertebrae, common in this breed, raise the VHS (Jepsen-Grant 2013)."
)
_ABOVE_9_7 = (
    "Pugs, Pomeranians, Bulldogs and Boston Terriers have a normal VHS significantly "
    "above 9.7 (Jepsen-Grant 2013)."
)


def _lamb(mean: str, sd: str, confirmed: bool = False) -> VhsReference:
    keys = ("lamb2001", "bagardi2022") if confirmed else ("lamb2001",)
    return VhsReference(
        "Lamb 2001 breed mean",
        "mean_sd",
        sources(*keys),
        figure_confirmed=confirmed,
        centre=D(mean),
        sd=D(sd),
        view="right",
        note="" if confirmed else "Figure recalled, not confirmed in a retrieved abstract.",
    )


def _module(low: str, high: str, note: str = "") -> VhsReference:
    return VhsReference(
        "Manufacturer teaching module range",
        "range",
        sources("vetmedin_modules"),
        low=D(low),
        high=D(high),
        note=note,
    )


def _jepsen_grant(mean: str, sd: str) -> VhsReference:
    return VhsReference(
        "Jepsen-Grant 2013 breed mean",
        "mean_sd",
        sources("jepsen_grant2013"),
        figure_confirmed=False,
        centre=D(mean),
        sd=D(sd),
        view="right",
        note="Figure recalled, not confirmed in a retrieved abstract.",
    )


GENERAL = Breed(
    GENERAL_KEY,
    "Any breed (general reference)",
    (
        VhsReference(
            "Usual limits (UPenn summary of Buchanan's method)",
            "range",
            sources("upenn_vhs"),
            low=D("8.5"),
            high=D("10.5"),
        ),
        VhsReference(
            "Buchanan 1995 mean of normal dogs",
            "mean_sd",
            sources("buchanan1995"),
            centre=D("9.7"),
            sd=D("0.5"),
            n=100,
        ),
    ),
    notes=(
        "About 11 may be normal in short-thorax breeds, and about 9.5 is the upper limit "
        "in long-thorax breeds such as the Dachshund (UPenn).",
    ),
    note_sources=sources("upenn_vhs"),
)

BREEDS: dict[str, Breed] = {
    b.key: b
    for b in (
        GENERAL,
        Breed(
            "cavalier",
            "Cavalier King Charles Spaniel",
            (
                _module("9.9", "11.7"),
                _lamb("10.6", "0.5", confirmed=True),
                VhsReference(
                    "Bagardi 2022 mean",
                    "mean_sd",
                    sources("bagardi2022"),
                    centre=D("10.08"),
                    sd=D("0.56"),
                    n=30,
                    view="right",
                ),
            ),
            notes=(_RIGHT_ONLY_NOTE,),
            mmvd_at_risk=True,
            mmvd_note="Every Cavalier King Charles Spaniel is at least stage A (at risk).",
            mmvd_note_sources=sources("keene2019"),
        ),
        Breed(
            "boxer",
            "Boxer",
            (_module("10.3", "12.6"), _lamb("11.6", "0.8")),
            notes=(_RIGHT_ONLY_NOTE,),
        ),
        Breed(
            "labrador",
            "Labrador Retriever",
            (_module("9.7", "11.7"), _lamb("10.8", "0.6")),
            notes=(_RIGHT_ONLY_NOTE,),
        ),
        Breed(
            "whippet",
            "Whippet",
            (
                # The paper names projections by the beam: L→R is the dog on its right
                # side (right lateral), which reads higher, as heart.md notes.
                VhsReference(
                    "Bavegems 2005, L→R projection (right lateral)",
                    "mean_sd",
                    sources("bavegems2005"),
                    centre=D("11.3"),
                    sd=D("0.5"),
                    view="right",
                ),
                VhsReference(
                    "Bavegems 2005, R→L projection (left lateral)",
                    "mean_sd",
                    sources("bavegems2005"),
                    centre=D("11.0"),
                    sd=D("0.5"),
                    view="left",
                ),
                _module(
                    "11.0",
                    "11.3",
                    note="The module's range spans the two Bavegems means (one per lateral "
                    "view), not the spread of normal dogs.",
                ),
            ),
        ),
        Breed(
            "beagle",
            "Beagle",
            (
                VhsReference(
                    "Kraetschmer 2008 mean",
                    "mean_sd",
                    sources("kraetschmer2008"),
                    centre=D("10.3"),
                    sd=D("0.4"),
                    view="right",
                ),
            ),
            notes=(_RIGHT_ONLY_NOTE,),
        ),
        Breed(
            "greyhound",
            "Greyhound",
            (
                VhsReference(
                    "Greyhound study mean",
                    "mean_sd",
                    sources("greyhound_vhs"),
                    centre=D("10.5"),
                    sd=D("0.1"),
                    view="right",
                ),
            ),
            notes=(_RIGHT_ONLY_NOTE,),
        ),
        Breed(
            "dachshund",
            "Dachshund",
            (
                VhsReference(
                    "JAAHA 2017, right lateral",
                    "median_range",
                    sources("jaaha2017_dachshund"),
                    low=D("9.25"),
                    high=D("11.55"),
                    centre=D("10.3"),
                    view="right",
                ),
                VhsReference(
                    "JAAHA 2017, left lateral",
                    "median_range",
                    sources("jaaha2017_dachshund"),
                    low=D("8.7"),
                    high=D("11.31"),
                    centre=D("10.1"),
                    view="left",
                ),
            ),
            notes=(
                "The UPenn summary gives about 9.5 as the upper limit for long-thorax "
                "breeds such as the Dachshund; this Dachshund study found higher values.",
            ),
            note_sources=sources("upenn_vhs"),
        ),
        Breed(
            "pug",
            "Pug",
            (_jepsen_grant("10.7", "0.9"),),
            notes=(_ABOVE_9_7,),
            note_sources=sources("jepsen_grant2013"),
        ),
        Breed(
            "pomeranian",
            "Pomeranian",
            (_jepsen_grant("10.5", "0.9"),),
            notes=(_ABOVE_9_7,),
            note_sources=sources("jepsen_grant2013"),
        ),
        Breed(
            "bulldog",
            "Bulldog",
            (_jepsen_grant("12.7", "1.7"),),
            notes=(_ABOVE_9_7, _ANOMALOUS_VERTEBRAE),
            note_sources=sources("jepsen_grant2013"),
        ),
        Breed(
            "boston_terrier",
            "Boston Terrier",
            (_jepsen_grant("11.7", "1.4"),),
            notes=(_ABOVE_9_7, _ANOMALOUS_VERTEBRAE),
            note_sources=sources("jepsen_grant2013"),
        ),
        Breed("shih_tzu", "Shih Tzu", (_jepsen_grant("9.5", "0.6"),)),
        Breed("lhasa_apso", "Lhasa Apso", (_jepsen_grant("9.6", "0.8"),)),
        Breed(
            "yorkshire_terrier",
            "Yorkshire Terrier",
            (_lamb("9.7", "0.5"), _jepsen_grant("9.7", "0.5")),
        ),
        Breed(
            "dobermann",
            "Dobermann",
            (_lamb("10.0", "0.6"),),
            mmvd_note=(
                "Dobermanns are screened for dilated cardiomyopathy every year from age 3 "
                "with Holter and echocardiography (ESVC 2017); this helper stages MMVD only."
            ),
            mmvd_note_sources=sources("wess2017_esvc"),
        ),
        Breed("german_shepherd", "German Shepherd", (_lamb("9.7", "0.7"),)),
        Breed(
            "miniature_schnauzer",
            "Miniature Schnauzer",
            (
                VhsReference(
                    "Murphy 2024",
                    "median_range",
                    sources("murphy2024"),
                    low=D("9.68"),
                    high=D("12.07"),
                    centre=D("10.9"),
                ),
            ),
        ),
        Breed(
            "short_thorax",
            "Other short-thorax breed",
            (
                VhsReference(
                    "UPenn: short-thorax breeds",
                    "upper_limit",
                    sources("upenn_vhs"),
                    high=D("11.0"),
                    note="About 11 may be normal in short-thorax breeds.",
                ),
            ),
        ),
        Breed(
            "long_thorax",
            "Other long-thorax breed",
            (
                VhsReference(
                    "UPenn: long-thorax breeds",
                    "upper_limit",
                    sources("upenn_vhs"),
                    high=D("9.5"),
                    note="About 9.5 is the upper limit in long-thorax breeds.",
                ),
            ),
        ),
    )
}


def breed_choices() -> list[tuple[str, str]]:
    """(key, name) for a select box: the general reference first, then breeds A–Z."""
    rest = sorted((b for b in BREEDS.values() if b.key != GENERAL_KEY), key=lambda b: b.name)
    return [(GENERAL.key, GENERAL.name), *((b.key, b.name) for b in rest)]
