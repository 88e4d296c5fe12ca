"""Monthly demand: untreated (counterfactual) sales, the true training effect, noise.

Expected packs per clinic ``i`` and month ``t`` (``t = 0`` is the first month
of the window) without training::

    mu0[i, t] = level[i] + n_vets[i] * season[t] + growth[i] * t
    growth[i] = market_growth * n_vets[i] + TIER_GROWTH[tier[i]]
                + SEGMENT_GROWTH[segment[i]] + region_growth[region[i]]

``level`` is clinic-specific and unobserved, but additive: it cancels in any
before/after difference. Everything that makes clinics' sales *change*
differently over time (``growth`` and the seasonal term) is linear in the
observed covariates ``n_vets`` and tier, segment and region dummies: the
market trend and the seasons are felt per vet (each vet auscultates, finds
murmurs, orders radiographs), the rest per tier, segment and region. That is
what makes parallel trends hold conditionally on covariates, with an outcome
model that is linear in covariates that are not heavy-tailed. High-potential
tiers grow fastest, so unconditionally they do *not* share the trend of the
small practices.

The true effect of a customer training in month ``g`` is, ``k = t - g >= 0``
months later::

    effect[i, t] = potential[i] * effect_by_segment[segment[i]]
                   * (1 - exp(-(k + 1) / effect_ramp_months))

Units are negative binomial: Poisson with a gamma-distributed multiplier of
mean 1 per clinic-month (shape ``noise_shape``).
"""

from __future__ import annotations

import numpy as np

from onevoice.analytics.simulate.params import SimulationParams

# Extra packs/month gained each month by segment, beyond the market trend:
# corporate groups roll out cardiac screening protocols, referral centres
# take more cardiac referrals as awareness grows.
SEGMENT_GROWTH = np.array([0.0, 0.05, 0.08, 0.15])
# Extra packs/month gained each month by targeting tier D, C, B, A: the
# high-potential practices were already adopting preclinical (B2) treatment.
TIER_GROWTH = np.array([0.0, 0.03, 0.10, 0.25])
# Regional growth spreads linearly from 0 (first region) to this (last region).
REGION_GROWTH_MAX = 0.03
# Vets auscultate most in spring (booster season), so murmurs get found then.
SEASON_PEAK_MONTH = 4
# Keeps expected demand strictly positive in extreme draws.
MIN_MEAN_UNITS = 0.01


def region_growth(n_regions: int) -> np.ndarray:
    """Return the extra monthly growth (packs/month per month) of each region."""
    if n_regions == 1:
        return np.zeros(1)
    return REGION_GROWTH_MAX * np.arange(n_regions) / (n_regions - 1)


def clinic_growth(
    params: SimulationParams,
    n_vets: np.ndarray,
    tier: np.ndarray,
    segment: np.ndarray,
    region: np.ndarray,
) -> np.ndarray:
    """Return each clinic's expected untreated growth in packs/month per month.

    Parameters
    ----------
    params : SimulationParams
        ``market_growth`` and ``n_regions`` are used.
    n_vets, tier, segment, region : numpy.ndarray
        Per-clinic vet count, tier index, segment index and region index.

    Returns
    -------
    numpy.ndarray
        Growth per clinic; linear in ``n_vets`` and tier/segment/region dummies.
    """
    return (
        params.market_growth * n_vets
        + TIER_GROWTH[tier]
        + SEGMENT_GROWTH[segment]
        + region_growth(params.n_regions)[region]
    )


def season(params: SimulationParams, month_of_year: np.ndarray) -> np.ndarray:
    """Return the common seasonal term (packs per vet) for each month of year (1-12)."""
    return params.seasonality * np.cos(2 * np.pi * (month_of_year - SEASON_PEAK_MONTH) / 12)


def untreated_mean(
    params: SimulationParams,
    level: np.ndarray,
    n_vets: np.ndarray,
    growth: np.ndarray,
    month_of_year: np.ndarray,
) -> np.ndarray:
    """Return expected packs without training, shape ``(n_clinics, n_months)``.

    Parameters
    ----------
    params : SimulationParams
        ``seasonality`` is used.
    level, n_vets, growth : numpy.ndarray
        Per-clinic untreated level, vet count and growth.
    month_of_year : numpy.ndarray
        Calendar month (1-12) of each month in the window.

    Returns
    -------
    numpy.ndarray
        ``mu0`` as defined in the module docstring.
    """
    months = np.arange(month_of_year.size)
    mu0 = (
        level[:, None]
        + n_vets[:, None] * season(params, month_of_year)[None, :]
        + growth[:, None] * months[None, :]
    )
    return np.maximum(mu0, MIN_MEAN_UNITS)


def ramp(params: SimulationParams, months_since: np.ndarray) -> np.ndarray:
    """Return the share of the full effect reached ``months_since`` months after training.

    Parameters
    ----------
    params : SimulationParams
        ``effect_ramp_months`` is the time constant.
    months_since : numpy.ndarray
        Months since the training month (0 = training month); negative means
        before training.

    Returns
    -------
    numpy.ndarray
        0 before training, ``1 - exp(-(k + 1) / tau)`` from the training month on
        (the training month gets part of the effect, as trainings fall mid-month).
    """
    k = np.asarray(months_since, dtype=float)
    return np.where(k >= 0, -np.expm1(-(np.maximum(k, 0) + 1) / params.effect_ramp_months), 0.0)


def effect_mean(
    params: SimulationParams,
    potential: np.ndarray,
    segment: np.ndarray,
    first_trained_month: np.ndarray,
    n_months: int,
) -> np.ndarray:
    """Return the true expected effect in packs, shape ``(n_clinics, n_months)``.

    Parameters
    ----------
    params : SimulationParams
        ``effect_by_segment`` and ``effect_ramp_months`` are used.
    potential, segment : numpy.ndarray
        Per-clinic potential and segment index.
    first_trained_month : numpy.ndarray
        Window month index of each clinic's first training; -1 if never trained.
    n_months : int
        Number of months in the window.

    Returns
    -------
    numpy.ndarray
        Zero for never-trained clinics and before training.
    """
    full = potential * np.asarray(params.effect_by_segment)[segment]
    months_since = np.arange(n_months)[None, :] - first_trained_month[:, None]
    shares = ramp(params, months_since)
    shares[first_trained_month < 0, :] = 0.0
    return full[:, None] * shares


def draw_units(rng: np.random.Generator, mean: np.ndarray, noise_shape: float) -> np.ndarray:
    """Draw integer packs with the given expected values (negative binomial).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    mean : numpy.ndarray
        Expected packs, any shape, all > 0.
    noise_shape : float
        Gamma shape of the demand multiplier; ``inf`` gives Poisson.

    Returns
    -------
    numpy.ndarray
        Integer packs, same shape as ``mean``.
    """
    if np.isinf(noise_shape):
        return rng.poisson(mean)
    multiplier = rng.gamma(noise_shape, 1.0 / noise_shape, mean.shape)
    return rng.poisson(mean * multiplier)
