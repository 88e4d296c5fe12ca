"""Ground truth kept beside the data: true effects by cohort, period and segment.

"True" effects are the *expected* extra packs caused by training (the
structural effect, not the realised noisy difference), averaged over the
clinics actually in each cohort; i.e. sample ATTs of this simulated launch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from onevoice.analytics.simulate.params import SEGMENTS


def true_effect_frame(
    effect: np.ndarray, first_month: np.ndarray, months_pre: int, month_starts: pd.DatetimeIndex
) -> pd.DataFrame:
    """Return the true ATT for every (cohort, period) cell.

    Parameters
    ----------
    effect : numpy.ndarray
        Expected effect per clinic and month, shape ``(n_clinics, n_months)``.
    first_month : numpy.ndarray
        Campaign month of first training per clinic, -1 for never.
    months_pre : int
        Months before the campaign start (window index of campaign month 0).
    month_starts : pandas.DatetimeIndex
        First day of each month of the window.

    Returns
    -------
    pandas.DataFrame
        ``cohort, period, att, n_clinics`` for every cohort that has clinics
        and every month of the window; ``att`` is 0 before the cohort's training.
    """
    trained = first_month >= 0
    cohort_months, codes = np.unique(first_month[trained], return_inverse=True)
    n_cohorts, n_months = cohort_months.size, effect.shape[1]
    sums = np.zeros((n_cohorts, n_months))
    np.add.at(sums, codes, effect[trained])
    sizes = np.bincount(codes, minlength=n_cohorts)
    att = sums / np.maximum(sizes, 1)[:, None]
    cohort_dates = month_starts.take(months_pre + cohort_months)
    return pd.DataFrame(
        {
            "cohort": cohort_dates.repeat(n_months),
            "period": np.tile(month_starts.to_numpy(), n_cohorts),
            "att": att.ravel(),
            "n_clinics": np.repeat(sizes, n_months).astype(np.int64),
        }
    )


def post_treatment_mask(first_month: np.ndarray, months_pre: int, n_months: int) -> np.ndarray:
    """Return a boolean ``(n_clinics, n_months)`` mask of treated clinic-months.

    Parameters
    ----------
    first_month : numpy.ndarray
        Campaign month of first training per clinic, -1 for never.
    months_pre : int
        Window index of campaign month 0.
    n_months : int
        Months in the window.

    Returns
    -------
    numpy.ndarray
        True from each trained clinic's training month on.
    """
    start = np.where(first_month >= 0, months_pre + first_month, n_months)
    return np.arange(n_months)[None, :] >= start[:, None]


def overall_effect(
    effect: np.ndarray, untreated: np.ndarray, post: np.ndarray
) -> tuple[float, float]:
    """Return the true overall ATT and relative uplift.

    Averaging the expected effect over all treated clinic-months is the same
    as Callaway-Sant'Anna's "simple" aggregation of the true ATT(g, t): the
    mean of the post-treatment cells weighted by cohort size.

    Parameters
    ----------
    effect, untreated : numpy.ndarray
        Expected effect and expected untreated packs, ``(n_clinics, n_months)``.
    post : numpy.ndarray
        Mask of treated clinic-months (:func:`post_treatment_mask`).

    Returns
    -------
    tuple of float
        ``(att, relative_uplift)``: packs per treated clinic-month, and that
        divided by the mean expected untreated packs of the same clinic-months.
        Both NaN when no clinic was trained.
    """
    if not post.any():
        return float("nan"), float("nan")
    effect_sum = float(effect[post].sum())
    return effect_sum / int(post.sum()), effect_sum / float(untreated[post].sum())


def true_by_segment(
    effect: np.ndarray, untreated: np.ndarray, post: np.ndarray, segment: np.ndarray
) -> pd.DataFrame:
    """Return the true ATT and relative uplift within each segment.

    Parameters
    ----------
    effect, untreated : numpy.ndarray
        Expected effect and expected untreated packs, ``(n_clinics, n_months)``.
    post : numpy.ndarray
        Mask of treated clinic-months (:func:`post_treatment_mask`).
    segment : numpy.ndarray
        Segment index per clinic.

    Returns
    -------
    pandas.DataFrame
        ``segment, att, relative_uplift, n_clinics`` (trained clinics), one row
        per segment in :data:`SEGMENTS` order; NaN where a segment has no
        trained clinic.
    """
    rows_segment = np.broadcast_to(segment[:, None], post.shape)[post]
    cells = np.bincount(rows_segment, minlength=len(SEGMENTS)).astype(float)
    effect_sum = np.bincount(rows_segment, weights=effect[post], minlength=len(SEGMENTS))
    untreated_sum = np.bincount(rows_segment, weights=untreated[post], minlength=len(SEGMENTS))
    trained_clinics = np.bincount(segment[post.any(axis=1)], minlength=len(SEGMENTS))
    with np.errstate(invalid="ignore", divide="ignore"):
        att = np.where(cells > 0, effect_sum / cells, np.nan)
        relative = np.where(cells > 0, effect_sum / untreated_sum, np.nan)
    return pd.DataFrame(
        {
            "segment": list(SEGMENTS),
            "att": att,
            "relative_uplift": relative,
            "n_clinics": trained_clinics.astype(np.int64),
        }
    )


def naive_ratio(
    units: np.ndarray, post: np.ndarray, first_month: np.ndarray, months_pre: int
) -> float:
    """Return the naive "trained clinics buy N times more" ratio.

    Parameters
    ----------
    units : numpy.ndarray
        Realised packs per clinic and month.
    post : numpy.ndarray
        Mask of treated clinic-months.
    first_month : numpy.ndarray
        Campaign month of first training per clinic, -1 for never.
    months_pre : int
        Window index of campaign month 0.

    Returns
    -------
    float
        Mean monthly packs of trained clinics from their training month on,
        divided by mean monthly packs of never-trained clinics over the
        campaign months; NaN if either group is empty.
    """
    never = first_month < 0
    trained_mean = units[post].mean() if post.any() else np.nan
    never_mean = units[never, months_pre:].mean() if never.any() else np.nan
    return float(trained_mean / never_mean)
