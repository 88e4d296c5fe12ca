"""The estimator's options: ``Literal`` types, and the one place that validates them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from .errors import BAD_OPTION, DIDError

__all__ = [
    "AggregationKind",
    "AlwaysTreated",
    "BasePeriod",
    "BootstrapWeights",
    "Control",
    "Method",
    "Options",
    "check_choice",
    "validate_options",
]

Control = Literal["never", "notyet"]
Method = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]
BootstrapWeights = Literal["mammen", "rademacher"]
AlwaysTreated = Literal["error", "drop"]
AggregationKind = Literal["simple", "dynamic", "group", "calendar"]

CONTROL_CHOICES: tuple[str, ...] = get_args(Control)
METHOD_CHOICES: tuple[str, ...] = get_args(Method)
BASE_PERIOD_CHOICES: tuple[str, ...] = get_args(BasePeriod)
BOOTSTRAP_WEIGHT_CHOICES: tuple[str, ...] = get_args(BootstrapWeights)
ALWAYS_TREATED_CHOICES: tuple[str, ...] = get_args(AlwaysTreated)
AGGREGATION_CHOICES: tuple[str, ...] = get_args(AggregationKind)


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise a `DIDError` naming both."""
    if not isinstance(value, str) or value not in allowed:
        raise DIDError(BAD_OPTION.format(name=name, allowed=" | ".join(allowed), value=value))
    return value


@dataclass(frozen=True)
class Options:
    """Validated estimator options (what ``ATTgt.fit`` works with)."""

    control: Control
    method: Method
    base_period: BasePeriod
    anticipation: int
    covariates: tuple[str, ...]
    cluster: str | None
    bootstrap: int
    bootstrap_weights: BootstrapWeights
    alpha: float
    trim_level: float
    min_cohort_size: int
    always_treated: AlwaysTreated


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise DIDError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def validate_options(
    *,
    control: object,
    method: object,
    base_period: object,
    anticipation: object,
    covariates: object,
    cluster: object,
    bootstrap: object,
    bootstrap_weights: object,
    alpha: object,
    trim_level: object,
    min_cohort_size: object,
    always_treated: object,
) -> Options:
    """Check every option of `ATTgt` and return them as an `Options`.

    Raises
    ------
    DIDError
        Naming the first bad option, what it may be, and what it was.
    """
    if isinstance(covariates, str):
        # A bare string is a common slip for a one-element tuple; accept "a,b" too.
        covariates = tuple(c.strip() for c in covariates.split(",") if c.strip())
    if not isinstance(covariates, Sequence) or not all(isinstance(c, str) for c in covariates):
        raise DIDError(f"covariates must be a sequence of column names; got {covariates!r}")
    if len(set(covariates)) != len(covariates):
        raise DIDError(f"covariates must not repeat a column; got {covariates!r}")
    if cluster is not None and not isinstance(cluster, str):
        raise DIDError(f"cluster must be a column name or None; got {cluster!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, float | int) or not 0 < alpha < 1:
        raise DIDError(f"alpha must be a number between 0 and 1; got {alpha!r}")
    if (
        isinstance(trim_level, bool)
        or not isinstance(trim_level, float | int)
        or not 0.5 < trim_level <= 1
    ):
        raise DIDError(f"trim_level must be a number in (0.5, 1]; got {trim_level!r}")
    n_cov = len(covariates)
    minimum = (
        n_cov + 5 if min_cohort_size is None else _check_int("min_cohort_size", min_cohort_size, 1)
    )
    return Options(
        control=check_choice("control", control, CONTROL_CHOICES),  # type: ignore[arg-type]
        method=check_choice("method", method, METHOD_CHOICES),  # type: ignore[arg-type]
        base_period=check_choice("base_period", base_period, BASE_PERIOD_CHOICES),  # type: ignore[arg-type]
        anticipation=_check_int("anticipation", anticipation, 0),
        covariates=tuple(covariates),
        cluster=cluster,
        bootstrap=_check_int("bootstrap", bootstrap, 0),
        bootstrap_weights=check_choice(  # type: ignore[arg-type]
            "bootstrap_weights", bootstrap_weights, BOOTSTRAP_WEIGHT_CHOICES
        ),
        alpha=float(alpha),
        trim_level=float(trim_level),
        min_cohort_size=minimum,
        always_treated=check_choice(  # type: ignore[arg-type]
            "always_treated", always_treated, ALWAYS_TREATED_CHOICES
        ),
    )
