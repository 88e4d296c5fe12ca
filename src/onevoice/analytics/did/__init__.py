"""Staggered difference-in-differences (Callaway & Sant'Anna 2021) in numpy.

Pure numpy / scipy / pandas; never imports Django. Reproduces the R ``did`` package
(ATT(g,t), aggregations, pre-test, analytic standard errors) and adds what a marketing
review needs: the naive comparison and its selection/effect decomposition, relative
uplift and incremental volume, covariate balance.

>>> from onevoice.analytics.did import ATTgt
>>> est = ATTgt(control="notyet").fit(panel, unit="clinic_id", time="month",
...                                   cohort="first_trained", outcome="units")  # doctest: +SKIP
>>> est.aggregate("dynamic").plot()  # doctest: +SKIP
>>> relative_magnitudes(est_universal, event_times=[0, 1]).summary()  # doctest: +SKIP

Sensitivity to broken parallel trends (Rambachan & Roth's relative magnitudes, as R
HonestDiD) needs a fit with ``base_period="universal"``.
"""

from .data import PanelReport, build_panel
from .errors import (
    AlwaysTreatedError,
    CohortTooSmallError,
    CollinearCovariatesError,
    DIDError,
    DIDWarning,
    NoControlUnitsError,
    NotFittedError,
    PanelError,
)
from .estimator import ATTgt
from .options import AggregationKind, BasePeriod, BootstrapWeights, Control, Method
from .results import (
    AggregateResult,
    BalanceResult,
    GroupTimeResult,
    NaiveResult,
    PretestResult,
    UpliftResult,
)
from .sensitivity import (
    RelativeMagnitudesResult,
    relative_magnitudes,
    relative_magnitudes_from_estimates,
)

__all__ = [
    "ATTgt",
    "AggregateResult",
    "AggregationKind",
    "AlwaysTreatedError",
    "BalanceResult",
    "BasePeriod",
    "BootstrapWeights",
    "CohortTooSmallError",
    "CollinearCovariatesError",
    "Control",
    "DIDError",
    "DIDWarning",
    "GroupTimeResult",
    "Method",
    "NaiveResult",
    "NoControlUnitsError",
    "NotFittedError",
    "PanelError",
    "PanelReport",
    "PretestResult",
    "RelativeMagnitudesResult",
    "UpliftResult",
    "build_panel",
    "relative_magnitudes",
    "relative_magnitudes_from_estimates",
]
