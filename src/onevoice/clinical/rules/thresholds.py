"""Published cut-offs as data, and the check of one measurement against each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from onevoice.clinical.rules.sources import Source

Operator = Literal["<", "≤", ">", "≥"]


def fmt(number: Decimal) -> str:
    """A measurement as a vet writes it: at least one decimal, no trailing zeros beyond."""
    text = format(number.normalize(), "f")
    if "." not in text:
        return f"{text}.0"
    return text


@dataclass(frozen=True)
class Cutoff:
    """A published threshold: crossing it means ``meaning``, according to ``sources``.

    ``reported`` marks a cut-off whose figure or wording is uncertain (heart.md ⚠️); the
    product shows it as "reported". ``performance`` is the published sensitivity and
    specificity, when there is one.
    """

    key: str
    measure: str
    operator: Operator
    value: Decimal
    meaning: str
    sources: tuple[Source, ...]
    reported: bool = False
    performance: str = ""
    # A band such as "10.5 to <11.5" also needs the measurement below ``below``.
    below: Decimal | None = None

    @property
    def label(self) -> str:
        if self.below is not None:
            return f"{self.measure} {fmt(self.value)} to <{fmt(self.below)}"
        return f"{self.measure} {self.operator}{fmt(self.value)}"

    def crossed_by(self, measurement: Decimal) -> bool:
        if self.below is not None and measurement >= self.below:
            return False
        if self.operator == "<":
            return measurement < self.value
        if self.operator == "≤":
            return measurement <= self.value
        if self.operator == ">":
            return measurement > self.value
        return measurement >= self.value


@dataclass(frozen=True)
class ThresholdCheck:
    """One cut-off and whether this dog's measurement crosses it."""

    cutoff: Cutoff
    crossed: bool

    @property
    def key(self) -> str:
        return self.cutoff.key


def check_all(measurement: Decimal, cutoffs: tuple[Cutoff, ...]) -> tuple[ThresholdCheck, ...]:
    return tuple(ThresholdCheck(c, c.crossed_by(measurement)) for c in cutoffs)
