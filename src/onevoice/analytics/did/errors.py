"""Errors raised by the difference-in-differences engine.

Every message is a module constant (a ``str.format`` template) so that callers and tests
can refer to it, and every message says what was wrong, where, and what to do next.
"""

from __future__ import annotations

__all__ = [
    "ALWAYS_TREATED",
    "BAD_OPTION",
    "CLUSTER_NOT_CONSTANT",
    "COHORT_NOT_CONSTANT",
    "COHORT_NOT_ON_GRID",
    "COHORT_TOO_SMALL",
    "COLLINEAR_COVARIATES",
    "CONTROL_CELL_SINGULAR",
    "DUPLICATE_ROWS",
    "EMPTY_PANEL",
    "MISSING_COLUMN",
    "NON_NUMERIC",
    "NOT_FITTED",
    "NO_CONTROL_UNITS",
    "NO_POST_CELLS",
    "NO_TREATED_UNITS",
    "TOO_FEW_PERIODS",
    "AlwaysTreatedError",
    "CohortTooSmallError",
    "CollinearCovariatesError",
    "DIDError",
    "DIDWarning",
    "NoControlUnitsError",
    "NotFittedError",
    "PanelError",
]

BAD_OPTION = "{name} must be one of {allowed}; got {value!r}"
MISSING_COLUMN = "column {column!r} ({role}) is not in the data; columns are: {columns}"
NON_NUMERIC = "column {column!r} ({role}) must be numeric; found values such as {example!r}"
EMPTY_PANEL = "the panel has no usable rows after removing missing values"
TOO_FEW_PERIODS = "the panel needs at least two time periods; found {n}"
DUPLICATE_ROWS = (
    "{count} (unit, period) pairs appear more than once, e.g. unit {unit!r} in period "
    "{period!r}: the panel must have one row per unit and period"
)
COHORT_NOT_CONSTANT = (
    "the cohort column {column!r} must be constant within a unit; unit {unit!r} has "
    "{first!r} and {second!r}"
)
CLUSTER_NOT_CONSTANT = (
    "the cluster column {column!r} must be constant within a unit; unit {unit!r} has "
    "{first!r} and {second!r}"
)
COHORT_NOT_ON_GRID = (
    "cohort {value!r} (unit {unit!r}) is not one of the time periods; the cohort column must "
    "hold the first treated period as it appears in the time column"
)
ALWAYS_TREATED = (
    "{count} unit(s) were first treated at or before the first period with a pre-treatment "
    "period ({first!r}, anticipation {anticipation}), e.g. unit {unit!r} in cohort {cohort!r}: "
    "their effect cannot be estimated. Remove them, or pass always_treated='drop' to drop "
    "them with a report"
)
NO_TREATED_UNITS = "no unit is ever treated within the panel's periods: nothing to estimate"
NO_CONTROL_UNITS = (
    "no usable control units for cohort {cohort!r} in period {period!r} (control group "
    "{control!r}): {detail}"
)
COHORT_TOO_SMALL = (
    "cohort {cohort!r} has {size} unit(s), fewer than min_cohort_size={minimum}: its "
    "estimates would rest on too few units. Merge it with a neighbouring cohort, drop it, "
    "or lower min_cohort_size deliberately"
)
COLLINEAR_COVARIATES = (
    "covariates are collinear or constant{where}: {columns} add nothing beyond the others; "
    "drop them"
)
CONTROL_CELL_SINGULAR = (
    "covariates are collinear among the controls of cohort {cohort!r} in period {period!r} "
    "({n_controls} control units): the outcome regression cannot be fitted; use fewer "
    "covariates or the not-yet-treated control group"
)
NO_POST_CELLS = "no post-treatment group-time cells to aggregate"
NOT_FITTED = "this {name} is not fitted yet: call fit(data, unit=..., time=..., cohort=..., outcome=...) first"


class DIDError(ValueError):
    """Base class of the engine's errors: bad input or an estimate that cannot be made."""


class PanelError(DIDError):
    """The panel is malformed (missing columns, duplicates, non-constant cohorts...)."""


class AlwaysTreatedError(DIDError):
    """Some units were treated before the data start (no pre-treatment period)."""


class NoControlUnitsError(DIDError):
    """A cohort has no usable control units in some period."""


class CohortTooSmallError(DIDError):
    """A cohort (or the never-treated control group) has too few units."""


class CollinearCovariatesError(DIDError):
    """The covariate matrix is rank deficient."""


class NotFittedError(DIDError, AttributeError):
    """A method needing a fitted estimator was called before ``fit``."""


class DIDWarning(UserWarning):
    """Something the analyst must know about (dropped units, poor overlap, few clusters)."""
