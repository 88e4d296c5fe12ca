"""Random-effects pooling of per-campaign estimates, computed as R metafor's ``rma()`` does.

The model is ``y_i = mu + u_i + e_i`` with ``u_i ~ N(0, tau²)`` (campaigns differ in their
true effect) and ``e_i ~ N(0, se_i²)`` (sampling error, known). ``mu`` is estimated by
inverse-variance weighting with weights ``1 / (se_i² + tau²)``.

Choices follow metafor (``rma.uni``) so that its numbers can serve as the reference:
τ² is truncated at 0; REML is Fisher scoring started at the Hedges estimate; Q, I² and H²
use the fixed-effect weights ``1/se_i²``; the Knapp–Hartung scale is *not* truncated at 1
(metafor's ``test="knha"``, not ``"adhoc"``); the prediction interval uses the same
critical value as the confidence interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
from scipy import stats

from .results import MetaEntry, MetaResult

__all__ = [
    "ERROR_EMPTY",
    "ERROR_ESTIMATE",
    "ERROR_LABELS_LENGTH",
    "ERROR_LABELS_UNIQUE",
    "ERROR_LENGTHS",
    "ERROR_LEVEL",
    "ERROR_OPTION",
    "ERROR_REML_NOT_CONVERGED",
    "ERROR_STD_ERROR",
    "NOTE_K1",
    "NOTE_K1_KNHA",
    "NOTE_KNHA_ZERO",
    "NOTE_TAU2_ZERO",
    "Tau2Method",
    "TestKind",
    "meta_analysis",
]

Tau2Method = Literal["DL", "REML"]
TestKind = Literal["knha", "z"]

METHOD_CHOICES: tuple[str, ...] = get_args(Tau2Method)
TEST_CHOICES: tuple[str, ...] = get_args(TestKind)

ERROR_EMPTY = "meta_analysis needs at least one estimate; got none."
ERROR_LENGTHS = (
    "estimates and std_errors must have the same length; got {n_estimates} estimates "
    "and {n_std_errors} standard errors."
)
ERROR_LABELS_LENGTH = (
    "labels must give one label per estimate; got {n_labels} labels for {n_estimates} estimates."
)
ERROR_LABELS_UNIQUE = "labels must be unique; {label!r} appears more than once."
ERROR_ESTIMATE = "estimate at index {index} ({label!r}) must be a finite number; got {value!r}."
ERROR_STD_ERROR = (
    "standard error at index {index} ({label!r}) must be a finite number > 0; got {value!r}."
)
ERROR_OPTION = "{name} must be one of {allowed}; got {value!r}."
ERROR_LEVEL = "level must be a number between 0 and 1 (e.g. 0.95); got {value!r}."
ERROR_REML_NOT_CONVERGED = (
    'The REML estimate of tau² did not converge in {maxiter} Fisher scoring steps; use method="DL".'
)

NOTE_K1 = (
    "Only one estimate: the pooled estimate is that estimate, and heterogeneity between "
    "campaigns cannot be assessed."
)
NOTE_K1_KNHA = (
    "The Knapp–Hartung interval needs at least two estimates (it has k − 1 degrees of "
    "freedom); the normal (z) interval is shown instead."
)
NOTE_KNHA_ZERO = (
    "All estimates are equal, so the Knapp–Hartung scale is 0 and its interval would have "
    "zero width (metafor shows it so); the normal (z) interval is shown instead."
)
NOTE_TAU2_ZERO = (
    "tau² is estimated as 0: the estimates vary no more than sampling noise explains, so "
    "the random-effects pooled mean equals the common-effect (fixed-effect) mean."
)

# Fisher scoring for REML: metafor stops at a change below 1e-5 after at most 100 steps; a
# tighter threshold gives the exact REML maximum, which metafor's printed digits agree with.
_REML_THRESHOLD = 1e-10
_REML_MAXITER = 1000
_LL0_TOL = float(np.finfo(float).eps) ** 0.25


def meta_analysis(
    estimates: Sequence[float] | np.ndarray,
    std_errors: Sequence[float] | np.ndarray,
    *,
    labels: Sequence[str] | None = None,
    method: Tau2Method = "DL",
    test: TestKind = "knha",
    level: float = 0.95,
) -> MetaResult:
    """Pool estimates by a random-effects meta-analysis (as R ``metafor::rma``).

    Parameters
    ----------
    estimates
        One estimate per study; here one relative uplift per campaign.
    std_errors
        The standard error of each estimate (finite, > 0).
    labels
        A unique name per estimate (e.g. the campaign); default ``"#1"``, ``"#2"``, ….
    method
        Estimator of the between-campaign variance τ²: ``"DL"`` (DerSimonian–Laird,
        ``rma(method="DL")``) or ``"REML"`` (restricted maximum likelihood by Fisher
        scoring, ``rma(method="REML")``).
    test
        ``"knha"``: Hartung–Knapp–Sidik–Jonkman — the standard error is multiplied by
        ``sqrt(q)``, ``q = sum(w_i (y_i − mu)²) / (k − 1)``, and the interval uses a t
        distribution with ``k − 1`` degrees of freedom; ``q`` is not truncated at 1, as in
        metafor's ``test="knha"``. ``"z"``: the normal (Wald) interval.
    level
        Confidence level of the intervals, between 0 and 1.

    Returns
    -------
    MetaResult
        The pooled estimate with its standard error, interval, test statistic and
        prediction interval; τ², I² and H² (percent and ratio, metafor's definitions);
        Cochran's Q with its degrees of freedom and p-value; each estimate's weight.

    Raises
    ------
    ValueError
        No estimates, mismatched lengths, duplicate labels, a non-finite estimate, a
        standard error that is not a finite positive number (naming its index, label and
        value), or a bad option.

    Notes
    -----
    With a single estimate (k = 1) there is nothing to pool: τ² = 0, I² = 0, H² = 1,
    Q = 0 on 0 degrees of freedom (no p-value), and the interval is the normal one even
    when ``test="knha"`` (which would have 0 degrees of freedom; metafor returns no
    interval). When all estimates are exactly equal the Knapp–Hartung scale is 0; metafor
    then reports a zero-width interval, here the normal interval is used instead. In both
    cases ``test`` on the result is ``"z"`` and ``notes`` says why.
    """
    method = _check_choice("method", method, METHOD_CHOICES)  # type: ignore[assignment]
    test = _check_choice("test", test, TEST_CHOICES)  # type: ignore[assignment]
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        raise ValueError(ERROR_LEVEL.format(value=level))
    names, y, v = _validated(estimates, std_errors, labels)
    k = len(y)
    notes: list[str] = []

    # Heterogeneity always uses the fixed-effect weights, whatever the τ² estimator.
    w_fixed = 1.0 / v
    mu_fixed = float(np.sum(w_fixed * y) / np.sum(w_fixed))
    q = float(np.sum(w_fixed * (y - mu_fixed) ** 2)) if k > 1 else 0.0
    c = float(np.sum(w_fixed) - np.sum(w_fixed**2) / np.sum(w_fixed))

    if k == 1:
        tau2 = 0.0
        notes.append(NOTE_K1)
    elif method == "DL":
        tau2 = max(0.0, (q - (k - 1)) / c)
    else:
        tau2 = _reml_tau2(y, v)

    w = 1.0 / (v + tau2)
    estimate = float(np.sum(w * y) / np.sum(w))
    se = math.sqrt(1.0 / float(np.sum(w)))

    used_test = test
    knha_scale: float | None = None
    if test == "knha" and k == 1:
        used_test = "z"
        notes.append(NOTE_K1_KNHA)
    elif test == "knha":
        rss = float(np.sum(w * (y - estimate) ** 2))
        if rss <= np.finfo(float).eps:
            # All estimates equal: metafor sets the scale to 0 and shows a zero-width
            # interval, which would read as certainty; show the normal interval instead.
            used_test = "z"
            notes.append(NOTE_KNHA_ZERO)
        else:
            knha_scale = rss / (k - 1)
            se *= math.sqrt(knha_scale)

    alpha = 1.0 - float(level)
    df: int | None
    if used_test == "knha":
        df = k - 1
        crit = float(stats.t.ppf(1 - alpha / 2, df))
    else:
        df = None
        crit = float(stats.norm.ppf(1 - alpha / 2))
    statistic = estimate / se  # se > 0: every se_i > 0 and the knha scale is never 0 here
    if df is None:
        p_value = float(2 * stats.norm.sf(abs(statistic)))
    else:
        p_value = float(2 * stats.t.sf(abs(statistic), df))

    if k > 1 and tau2 == 0.0:
        notes.append(NOTE_TAU2_ZERO)
    # I² and H² relative to the "typical" within-study variance s² = (k-1)/c (metafor's
    # default i2def); for DL this equals (Q - df)/Q.
    if k > 1:
        s2 = (k - 1) / c
        i2 = 100.0 * tau2 / (s2 + tau2)
        h2 = tau2 / s2 + 1.0
    else:
        i2, h2 = 0.0, 1.0

    pi_half = crit * math.sqrt(se**2 + tau2)
    z_entry = float(stats.norm.ppf(1 - alpha / 2))
    weights = 100.0 * w / np.sum(w)
    entries = tuple(
        MetaEntry(
            label=name,
            estimate=float(yi),
            se=float(math.sqrt(vi)),
            ci_low=float(yi - z_entry * math.sqrt(vi)),
            ci_high=float(yi + z_entry * math.sqrt(vi)),
            weight_pct=float(wi),
        )
        for name, yi, vi, wi in zip(names, y, v, weights, strict=True)
    )
    return MetaResult(
        k=k,
        method=method,
        test=used_test,
        level=float(level),
        estimate=estimate,
        se=se,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        df=df,
        statistic=statistic,
        p_value=p_value,
        pi_low=estimate - pi_half,
        pi_high=estimate + pi_half,
        tau2=tau2,
        i2=i2,
        h2=h2,
        q=q,
        q_df=k - 1,
        q_p=float(stats.chi2.sf(q, k - 1)) if k > 1 else None,
        knha_scale=knha_scale,
        entries=entries,
        notes=tuple(notes),
    )


def _check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(ERROR_OPTION.format(name=name, allowed=" | ".join(allowed), value=value))
    return value


def _validated(
    estimates: Sequence[float] | np.ndarray,
    std_errors: Sequence[float] | np.ndarray,
    labels: Sequence[str] | None,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Labels, estimates and sampling variances, or a ValueError naming what is wrong."""
    est, ses = list(estimates), list(std_errors)
    if not est and not ses:
        raise ValueError(ERROR_EMPTY)
    if len(est) != len(ses):
        raise ValueError(ERROR_LENGTHS.format(n_estimates=len(est), n_std_errors=len(ses)))
    names = [f"#{i + 1}" for i in range(len(est))] if labels is None else [str(s) for s in labels]
    if len(names) != len(est):
        raise ValueError(ERROR_LABELS_LENGTH.format(n_labels=len(names), n_estimates=len(est)))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(ERROR_LABELS_UNIQUE.format(label=name))
        seen.add(name)
    y = np.array([_finite(x) for x in est])
    se = np.array([_finite(x) for x in ses])
    for i, name in enumerate(names):
        if not math.isfinite(y[i]):
            raise ValueError(ERROR_ESTIMATE.format(index=i, label=name, value=est[i]))
        if not (math.isfinite(se[i]) and se[i] > 0):
            raise ValueError(ERROR_STD_ERROR.format(index=i, label=name, value=ses[i]))
    return names, y, se**2


def _finite(x: object) -> float:
    """``float(x)``, or NaN when ``x`` is not a real number (the caller names it)."""
    if isinstance(x, bool | str | bytes):
        return math.nan
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """REML estimate of τ² by Fisher scoring, started at the Hedges estimate (as metafor).

    For an intercept-only model ``P = W - w wᵀ / Σw``, so ``Py = w (y - mu_w)`` and the
    traces have closed forms; no k×k matrix is formed.
    """
    tau2 = max(0.0, float(np.var(y, ddof=1) - np.mean(v)))  # Hedges (HE) estimator
    for _ in range(_REML_MAXITER):
        w = 1.0 / (v + tau2)
        sw, sw2, sw3 = float(w.sum()), float((w**2).sum()), float((w**3).sum())
        py = w * (y - float(np.sum(w * y)) / sw)
        tr_p = sw - sw2 / sw
        tr_pp = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
        step = (float(py @ py) - tr_p) / tr_pp
        while tau2 + step < 0:  # step halving keeps τ² ≥ 0
            step /= 2
        tau2 += step
        if abs(step) < _REML_THRESHOLD:
            break
    else:
        raise RuntimeError(ERROR_REML_NOT_CONVERGED.format(maxiter=_REML_MAXITER))
    # Fisher scoring can stop at a local maximum; metafor then prefers τ² = 0 when that has
    # the larger restricted likelihood (by more than its tolerance, eps ** 0.25).
    if tau2 > 1e-5 and _reml_loglik(y, v, 0.0) - _reml_loglik(y, v, tau2) > _LL0_TOL:
        return 0.0
    return tau2


def _reml_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """Restricted log-likelihood of the intercept-only model, up to a constant."""
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    return float(
        -0.5 * np.sum(np.log(v + tau2)) - 0.5 * math.log(w.sum()) - 0.5 * np.sum(w * (y - mu) ** 2)
    )
