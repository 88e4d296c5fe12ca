"""Checking measurements before any rule sees them.

Every refusal names the field and the value, so a vet can see at once what to fix.
Numbers are kept as ``Decimal``: the rules compare against published cut-offs such as
"VHS >10.5" and "LA:Ao ≥1.6", and binary floats would put 5.4 + 5.1 a hair off 10.5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Plausible ranges: wide enough for any dog the literature describes (Bulldog VHS
# 12.7 ± 1.7, severe cardiomegaly), narrow enough to catch a typo or a value in mm.
AXIS_RANGE = (Decimal("1.0"), Decimal("12.0"))
VHS_RANGE = (Decimal("5.0"), Decimal("18.0"))
VLAS_RANGE = (Decimal("0.5"), Decimal("6.0"))
LA_AO_RANGE = (Decimal("0.5"), Decimal("5.0"))
LVIDDN_RANGE = (Decimal("0.5"), Decimal("4.0"))
MONTHS_RANGE = (Decimal("0.5"), Decimal("120"))
MURMUR_GRADES = range(7)  # 0 = no murmur, 1–6 = grade n/6

ERROR_REQUIRED = "{label}: enter a value."
ERROR_NOT_A_NUMBER = "{label}: “{value}” is not a number."
ERROR_OUT_OF_RANGE = (
    "{label}: {value}{unit} is outside the range this aid accepts ({low}–{high}{unit}); "
    "check the measurement."
)
ERROR_MURMUR = "{label}: “{value}” is not a murmur grade; enter 0 (no murmur) to 6."
ERROR_CHOICE = "{label}: “{value}” is not one of {choices}."
ERROR_NEEDS_OTHER = "{label}: {value} needs {other} as well."


@dataclass(frozen=True)
class InputProblem:
    """One refused input: which field, the value as given, and why."""

    field: str
    value: str
    message: str
    # "required" when nothing was entered: a live form stays quiet about those.
    code: str = "invalid"


class ClinicalInputError(ValueError):
    """Raised with every problem found in one set of inputs."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(p.message for p in problems))

    @property
    def only_missing(self) -> bool:
        """True when every problem is a value not yet entered (nothing is wrong yet)."""
        return all(p.code == "required" for p in self.problems)


class Checker:
    """Collects problems over several inputs, then raises them together."""

    def __init__(self) -> None:
        self.problems: list[InputProblem] = []

    def refuse(self, field: str, value: object, message: str, code: str = "invalid") -> None:
        self.problems.append(InputProblem(field, _shown(value), message, code))

    def number(
        self,
        field: str,
        label: str,
        value: object,
        bounds: tuple[Decimal, Decimal],
        unit: str = "",
        required: bool = False,
    ) -> Decimal | None:
        """``value`` as a Decimal within ``bounds``; None (with a problem) otherwise.

        An empty optional value is None without a problem.
        """
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.refuse(field, "", ERROR_REQUIRED.format(label=label), "required")
            return None
        number = to_decimal(value)
        if number is None:
            self.refuse(field, value, ERROR_NOT_A_NUMBER.format(label=label, value=_shown(value)))
            return None
        low, high = bounds
        if not low <= number <= high:
            unit_text = f" {unit}" if unit else ""
            message = ERROR_OUT_OF_RANGE.format(
                label=label, value=_shown(value), unit=unit_text, low=low, high=high
            )
            self.refuse(field, value, message)
            return None
        return number

    def murmur(self, field: str, label: str, value: object) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number = to_decimal(value)
        if number is None or number != number.to_integral_value() or number not in MURMUR_GRADES:
            self.refuse(field, value, ERROR_MURMUR.format(label=label, value=_shown(value)))
            return None
        return int(number)

    def choice(self, field: str, label: str, value: str, choices: tuple[str, ...]) -> str | None:
        if value in choices:
            return value
        listed = ", ".join(choices)
        self.refuse(field, value, ERROR_CHOICE.format(label=label, value=value, choices=listed))
        return None

    def required(self, field: str, message: str) -> None:
        self.refuse(field, "", message, "required")

    def done(self) -> None:
        if self.problems:
            raise ClinicalInputError(self.problems)


def to_decimal(value: object) -> Decimal | None:
    """A finite Decimal from a number or text ("10.5", "10,5"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        # repr gives the shortest text that round-trips: 5.3 -> "5.3", not 5.29999…
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _shown(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value).strip()
