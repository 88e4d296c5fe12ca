"""`ATTgt`: the public estimator (scikit-learn contract, statsmodels-style results)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from .aggregate import Aggregate, aggregate_cells
from .attgt import CellPlan, Cells, estimate_cells, plan_cells
from .balance import covariate_balance
from .data import Panel, PanelReport, build_panel, shown
from .errors import (
    COHORT_TOO_SMALL,
    NOT_FITTED,
    CohortTooSmallError,
    DIDError,
    DIDWarning,
    NotFittedError,
)
from .inference import Inference
from .naive import naive_decomposition
from .options import (
    AGGREGATION_CHOICES,
    AggregationKind,
    AlwaysTreated,
    BasePeriod,
    BootstrapWeights,
    Control,
    Method,
    Options,
    check_choice,
    validate_options,
)
from .pretest import event_pretest, wald_pretest
from .results import (
    AggregateResult,
    BalanceResult,
    GroupTimeResult,
    NaiveResult,
    PretestResult,
    UpliftResult,
)
from .uplift import uplift_summary

__all__ = ["ATTgt"]

_FEW_CLUSTERS = 30


def _entropy(seed: int | np.random.Generator | None) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DIDError(
            f"seed must be a non-negative integer, a numpy Generator or None; got {seed!r}"
        )
    return int(seed)


class ATTgt:
    """Callaway & Sant'Anna (2021) staggered difference-in-differences.

    ``__init__`` only stores options; `fit` validates them and the panel, estimates every
    group-time ATT(g,t) and returns ``self``. Learned attributes end in ``_``.

    Parameters
    ----------
    control : {"never", "notyet"}
        Control units: never treated, or not yet treated (including never treated).
    method : {"dr", "ipw", "reg"}
        With covariates: doubly robust (Sant'Anna & Zhao 2020, as R did), inverse
        probability weighting, or outcome regression. Without covariates all three give
        the same, closed-form, estimate.
    base_period : {"varying", "universal"}
        Pre-treatment cells compare with the previous period ("varying", R's default) or
        all cells with the period before treatment ("universal", the usual event-study
        normalisation).
    anticipation : int
        Number of periods before treatment in which units may react already.
    covariates : sequence of str
        Covariate columns (measured in each cell's base period). Text columns become
        indicators.
    cluster : str, optional
        A column constant within unit (e.g. territory) to cluster on. Units are always
        clusters; this clusters more coarsely (with a G/(G-1) small-sample factor).
    bootstrap : int
        Number of multiplier-bootstrap draws; 0 for analytic standard errors.
    bootstrap_weights : {"mammen", "rademacher"}
        Multiplier distribution (R did uses Mammen).
    seed : int, numpy.random.Generator or None
        Seeds the bootstrap and the simulation of simultaneous bands.
    alpha : float
        Intervals have level ``1 - alpha``.
    trim_level : float
        Control units with propensity score at or above this are trimmed (as DRDID).
    min_cohort_size : int, optional
        Smallest allowed cohort (and never-treated group); default ``5 + covariates``.
    always_treated : {"error", "drop"}
        Units treated before the data start: refuse, or drop them with a report.

    Attributes
    ----------
    att_gt_ : GroupTimeResult
        ATT(g,t) table with standard errors, intervals, band and pre-trend test.
    panel_report_ : PanelReport
        Units kept and dropped, and why.
    groups_, periods_ : list
        Cohorts and periods, as labelled in the data.
    n_units_, n_periods_ : int
    warnings_ : list of str
        Every warning raised while fitting.
    inference_ : Inference
        Covariance / bootstrap machinery behind all standard errors.

    Examples
    --------
    >>> est = ATTgt(control="notyet").fit(df, unit="id", time="year", cohort="g", outcome="y")
    >>> est.aggregate("dynamic").tidy()  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        control: Control = "never",
        method: Method = "dr",
        base_period: BasePeriod = "varying",
        anticipation: int = 0,
        covariates: Sequence[str] = (),
        cluster: str | None = None,
        bootstrap: int = 0,
        bootstrap_weights: BootstrapWeights = "mammen",
        seed: int | np.random.Generator | None = None,
        alpha: float = 0.05,
        trim_level: float = 0.995,
        min_cohort_size: int | None = None,
        always_treated: AlwaysTreated = "error",
    ) -> None:
        self.control = control
        self.method = method
        self.base_period = base_period
        self.anticipation = anticipation
        self.covariates = covariates
        self.cluster = cluster
        self.bootstrap = bootstrap
        self.bootstrap_weights = bootstrap_weights
        self.seed = seed
        self.alpha = alpha
        self.trim_level = trim_level
        self.min_cohort_size = min_cohort_size
        self.always_treated = always_treated

    _PARAMS = (
        "control",
        "method",
        "base_period",
        "anticipation",
        "covariates",
        "cluster",
        "bootstrap",
        "bootstrap_weights",
        "seed",
        "alpha",
        "trim_level",
        "min_cohort_size",
        "always_treated",
    )

    def get_params(self) -> dict[str, Any]:
        """The constructor's options, as given."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def __repr__(self) -> str:
        defaults = ATTgt().get_params()
        changed = [
            f"{k}={v!r}"
            for k, v in self.get_params().items()
            if v is not defaults[k] and v != defaults[k]
        ]
        return f"ATTgt({', '.join(changed)})"

    # -- fitting ----------------------------------------------------------------------
    def fit(self, data: Any, *, unit: str, time: str, cohort: str, outcome: str) -> Self:
        """Estimate all ATT(g,t) on a long panel.

        Parameters
        ----------
        data : pandas.DataFrame or pyarrow.Table
            One row per unit and period.
        unit, time, cohort, outcome : str
            Column names; ``cohort`` is the first treated period (0 / empty = never).

        Returns
        -------
        ATTgt
            ``self``, fitted.

        Raises
        ------
        DIDError
            For invalid options or data, with a message saying what and where.
        """
        opts = validate_options(
            control=self.control,
            method=self.method,
            base_period=self.base_period,
            anticipation=self.anticipation,
            covariates=self.covariates,
            cluster=self.cluster,
            bootstrap=self.bootstrap,
            bootstrap_weights=self.bootstrap_weights,
            alpha=self.alpha,
            trim_level=self.trim_level,
            min_cohort_size=self.min_cohort_size,
            always_treated=self.always_treated,
        )
        entropy = _entropy(self.seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DIDWarning)
            self._fit(data, opts, entropy, unit=unit, time=time, cohort=cohort, outcome=outcome)
        self.warnings_ = [str(w.message) for w in caught if issubclass(w.category, DIDWarning)]
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return self

    def _fit(
        self,
        data: Any,
        opts: Options,
        entropy: int,
        *,
        unit: str,
        time: str,
        cohort: str,
        outcome: str,
    ) -> None:
        panel = build_panel(
            data,
            unit=unit,
            time=time,
            cohort=cohort,
            outcome=outcome,
            covariates=opts.covariates,
            cluster=opts.cluster,
            anticipation=opts.anticipation,
            always_treated=opts.always_treated,
            control=opts.control,
        )
        self._check_sizes(panel, opts)
        plan = plan_cells(
            panel,
            control=opts.control,
            base_period=opts.base_period,
            anticipation=opts.anticipation,
        )
        cells = estimate_cells(
            panel, plan, method=opts.method, control=opts.control, trim_level=opts.trim_level
        )
        basis = cells.basis
        n = panel.n
        sums = None
        if panel.cluster is not None and panel.n_clusters < n:
            g = panel.n_clusters
            if g < 2:
                raise DIDError(f"cluster column {opts.cluster!r} has a single value")
            if g < _FEW_CLUSTERS:
                warnings.warn(
                    f"only {g} clusters in {opts.cluster!r}: clustered standard errors are "
                    "unreliable with fewer than about 30 clusters",
                    DIDWarning,
                    stacklevel=2,
                )
            sums = basis.cluster_sums(panel.cluster, g)
            omega = (sums.T @ sums) / n**2 * (g / (g - 1))
        else:
            omega = basis.gram() / n**2
        draws = None
        if opts.bootstrap:
            rng = np.random.default_rng(np.random.SeedSequence(entropy=entropy, spawn_key=(0,)))
            draws = basis.multiplier_draws(opts.bootstrap, rng, opts.bootstrap_weights, sums) / n
            if sums is not None:
                # Same small-sample factor as the analytic clustered variance.
                g = panel.n_clusters
                draws *= np.sqrt(g / (g - 1))
        inference = Inference(omega=omega, draws=draws, alpha=opts.alpha, entropy=entropy)

        self.options_ = opts
        self._panel: Panel = panel
        self._plan: CellPlan = plan
        self._cells: Cells = cells
        self._outcome = outcome
        self.inference_ = inference
        self.panel_report_: PanelReport = panel.report
        self.groups_ = list(panel.group_labels)
        self.periods_ = [panel.period_label(t) for t in panel.tvals]
        self.n_units_ = panel.n
        self.n_periods_ = panel.n_periods
        self.pretest_: PretestResult = wald_pretest(
            cells, inference, anticipation=opts.anticipation
        )
        self.pretest_event_: PretestResult = event_pretest(
            cells, inference, anticipation=opts.anticipation
        )
        self.att_gt_ = self._group_time_result()

    @staticmethod
    def _check_sizes(panel: Panel, opts: Options) -> None:
        for gc, label in enumerate(panel.group_labels, start=1):
            size = int(panel.counts[gc])
            if size < opts.min_cohort_size:
                raise CohortTooSmallError(
                    COHORT_TOO_SMALL.format(
                        cohort=shown(label), size=size, minimum=opts.min_cohort_size
                    )
                )
        never = int(panel.counts[0])
        if opts.control == "never" and never < opts.min_cohort_size:
            raise CohortTooSmallError(
                COHORT_TOO_SMALL.format(
                    cohort="never treated (control group)", size=never, minimum=opts.min_cohort_size
                )
            )

    # -- results ------------------------------------------------------------------------
    def _require_fitted(self) -> None:
        if not hasattr(self, "_cells"):
            raise NotFittedError(NOT_FITTED.format(name=type(self).__name__))

    def _settings(self) -> dict[str, Any]:
        o = self.options_
        return {
            "outcome": self._outcome,
            "control": o.control,
            "method": o.method,
            "base_period": o.base_period,
            "anticipation": o.anticipation,
            "covariates": list(o.covariates),
            "cluster": o.cluster,
            "bootstrap": o.bootstrap,
            "n_units": self.n_units_,
            "n_periods": self.n_periods_,
        }

    def _label(self, tval: float) -> Any:
        return self._panel.period_label(tval)

    def _group_time_result(self) -> GroupTimeResult:
        cells = self._cells
        tab = self.inference_.table(cells.att, cells.coords, "att_gt")
        frame = pd.DataFrame(
            {
                "group": [self._label(g) for g in cells.group],
                "time": [self._label(t) for t in cells.time],
                "event": cells.time - cells.group,
                "att": cells.att,
                "se": tab.se,
                "ci_low": tab.ci_low,
                "ci_high": tab.ci_high,
                "band_low": tab.band_low,
                "band_high": tab.band_high,
                "post": cells.post,
                "n_treated": cells.n_treated,
                "n_control": cells.n_control,
            }
        )
        return GroupTimeResult(
            table=frame,
            alpha=self.options_.alpha,
            crit=tab.crit,
            inference=self.inference_.method,
            settings=self._settings(),
            pretest=self.pretest_,
            pretest_event=self.pretest_event_,
        )

    def _aggregate(self, kind: str, **kw: Any) -> Aggregate:
        return aggregate_cells(self._cells, kind, **kw)

    def aggregate(
        self,
        kind: AggregationKind = "simple",
        *,
        balance_e: int | None = None,
        min_e: float | None = None,
        max_e: float | None = None,
    ) -> AggregateResult:
        """Aggregate the ATT(g,t) (as R did's ``aggte``).

        Parameters
        ----------
        kind : {"simple", "dynamic", "group", "calendar"}
            Overall average; by event time (event study); by cohort; by period.
        balance_e : int, optional
            Event study only: keep cohorts observed at least ``balance_e`` periods after
            treatment and event times up to it, so the cohort mix is constant over
            event time.
        min_e, max_e : float, optional
            Event times kept (dynamic); ``max_e`` also caps exposure in other kinds.

        Returns
        -------
        AggregateResult
        """
        self._require_fitted()
        kind = check_choice("kind", kind, AGGREGATION_CHOICES)  # type: ignore[assignment]
        if balance_e is not None and kind != "dynamic":
            raise DIDError("balance_e applies to the 'dynamic' aggregation only")
        agg = self._aggregate(
            kind,
            balance_e=balance_e,
            min_e=-np.inf if min_e is None else min_e,
            max_e=np.inf if max_e is None else max_e,
        )
        inf = self.inference_
        overall = inf.table(np.array([agg.overall]), agg.overall_coords[:, None], f"{kind}-overall")
        by = (
            inf.table(agg.est, agg.coords, f"{kind}-{balance_e}-{min_e}-{max_e}")
            if len(agg.keys)
            else None
        )
        frame = pd.DataFrame()
        if by is not None:
            key = {"dynamic": "event", "group": "group", "calendar": "time"}[kind]
            keys = list(agg.keys) if kind == "dynamic" else [self._label(k) for k in agg.keys]
            if kind == "dynamic":
                keys = [int(k) if float(k).is_integer() else float(k) for k in agg.keys]
            frame = pd.DataFrame(
                {
                    key: keys,
                    "att": agg.est,
                    "se": by.se,
                    "ci_low": by.ci_low,
                    "ci_high": by.ci_high,
                    "band_low": by.band_low,
                    "band_high": by.band_high,
                    "n_cells": agg.n_cells.astype(int),
                }
            )
        settings = self._settings() | {"balance_e": balance_e, "min_e": min_e, "max_e": max_e}
        return AggregateResult(
            kind=kind,
            att=agg.overall,
            se=float(overall.se[0]),
            ci_low=float(overall.ci_low[0]),
            ci_high=float(overall.ci_high[0]),
            table=frame,
            alpha=self.options_.alpha,
            crit=by.crit if by is not None else float("nan"),
            inference=inf.method,
            settings=settings,
        )

    def pretest(self, kind: Literal["cells", "event"] = "cells") -> PretestResult:
        """Joint Wald test of zero pre-treatment effects.

        ``"cells"``: every pre-treatment ATT(g,t) (R did's test, comparable with R).
        ``"event"``: the event-study pre-period estimates; few restrictions, so it keeps
        its size where many small cohorts make the cell-level test over-reject (see
        :mod:`.pretest`). Read both; the event-study one is the headline for panels
        with many small cohorts.
        """
        self._require_fitted()
        kind = check_choice("kind", kind, ("cells", "event"))  # type: ignore[assignment]
        return self.pretest_event_ if kind == "event" else self.pretest_

    def naive(self) -> NaiveResult:
        """The naive trained-vs-never-trained comparison and its selection/effect split."""
        self._require_fitted()
        simple = self._aggregate("simple")
        return naive_decomposition(
            self._cells, self.inference_, simple, anticipation=self.options_.anticipation
        )

    def uplift(self, *, unit_price: float | None = None) -> UpliftResult:
        """Relative uplift and incremental outcome (revenue with ``unit_price``)."""
        self._require_fitted()
        simple = self._aggregate("simple")
        return uplift_summary(self._cells, self.inference_, simple, unit_price=unit_price)

    def balance(self) -> BalanceResult:
        """Standardised mean differences of covariates (and base-period outcome)."""
        self._require_fitted()
        return covariate_balance(
            self._panel, self._plan, outcome=self._outcome, trim_level=self.options_.trim_level
        )
