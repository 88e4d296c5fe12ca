"""Who gets a customer training, when, and who attends it.

Selection model. Each clinic ``i`` has a selection index ``z[i]`` that is a
linear function of *observed* categorical covariates::

    z = s * (SELECT_TIER[tier] + SELECT_SEGMENT[segment] + SELECT_REGION_MAX * region / (R - 1))

(``s`` = ``selection_strength``, ``tier`` the A-D targeting tier by potential,
``R`` the number of regions). The campaign month ``m`` of the first training
(or "never") follows a multinomial logit with "never" as the base category::

    P(first training in month m | X) / P(never | X) = exp(alpha + log r[m] + w[m] * z)

``r[m]`` is the rollout curve (slow start, then decaying), ``w[m]`` falls from
1.4 to 0.6, so high-index clinics are trained *earlier* as well as more often,
and ``alpha`` is set so that the expected never-trained share is
``share_never_trained``. Customer trainings start in the *second* campaign
month (the first is spent on launch communication and bookings).

Consequences:

- For every cohort ``g``, ``P(G = g | G in {g, never}, X)`` is exactly
  logistic-linear in tier, segment and region dummies: the propensity model
  of the Callaway-Sant'Anna doubly robust estimator with never-treated
  controls is correctly specified. Because the covariates are categorical,
  every propensity is bounded away from 0 and 1 (overlap), and a fitted
  logit cannot extrapolate to extreme weights for the largest clinics.
- Timing depends on nothing else (no unobserved level, no sales noise), so
  untreated outcomes are independent of timing given the covariates.
- Tiers A/B, larger independents and corporate groups, and the later regions
  are selected more; they are also the faster-growing ones (see
  :mod:`.demand`), so trained clinics are bigger *and* already growing: the
  selection behind the naive "three times more" comparison.
- The selection is steep at the bottom (tier D is rarely trained) and mild
  at the top (about one in eight tier A/B clinics is never trained), so the
  biggest, noisiest clinics always have never-trained counterparts. Steep
  selection at the top instead leaves a handful of never-trained large
  clinics carrying the counterfactual and analytic standard errors too small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from onevoice.analytics.simulate.names import make_ids
from onevoice.analytics.simulate.params import SimulationParams

# Log-odds shifts by tier D, C, B, A: reps train their big accounts first.
SELECT_TIER = np.array([-3.5, -1.2, 0.6, 0.9])
# Reps prioritise first-opinion practices: referral centres already have
# cardiologists who stage by echocardiography.
SELECT_SEGMENT = np.array([0.0, 0.3, 0.5, -1.0])
SELECT_REGION_MAX = 0.4
EARLY_WEIGHT = 1.4
LATE_WEIGHT = 0.6
ROLLOUT_START_MONTHS = 1.5
ROLLOUT_DECAY_MONTHS = 9.0
FIRST_TRAINING_MONTH = 1  # campaign month (0-based) of the first customer trainings

TRAINING_FORMATS = ("in_clinic", "webinar", "ce_event")
FIRST_FORMAT_P = np.array([0.55, 0.25, 0.20])
FOLLOW_UP_FORMAT_P = np.array([0.40, 0.60, 0.0])
# Technical field vets join most CE events and about half of in-clinic sessions.
FIELD_VET_P = np.array([0.5, 0.3, 0.9])
FOLLOW_UP_SHARE = 0.25
FOLLOW_UP_MAX_GAP_MONTHS = 6
ATTEND_FIRST_P = 0.8
ATTEND_FOLLOW_UP_P = 0.6


def selection_index(
    params: SimulationParams, tier: np.ndarray, segment: np.ndarray, region: np.ndarray
) -> np.ndarray:
    """Return each clinic's selection index ``z`` (see the module docstring).

    Parameters
    ----------
    params : SimulationParams
        ``selection_strength`` and ``n_regions`` are used.
    tier, segment, region : numpy.ndarray
        Tier, segment and region indices per clinic.

    Returns
    -------
    numpy.ndarray
        Higher means trained earlier and more often.
    """
    region_term = SELECT_REGION_MAX * region / max(params.n_regions - 1, 1)
    z = SELECT_TIER[tier] + SELECT_SEGMENT[segment] + region_term
    return params.selection_strength * z


def cohort_probabilities(params: SimulationParams, z: np.ndarray) -> np.ndarray:
    """Return ``P(first training in campaign month m | X)``, shape ``(n_clinics, months_post)``.

    ``1 - row sum`` is the probability of never being trained in the window.
    Months before :data:`FIRST_TRAINING_MONTH` have probability 0.

    Parameters
    ----------
    params : SimulationParams
        ``months_post`` and ``share_never_trained`` are used.
    z : numpy.ndarray
        Selection index per clinic.

    Returns
    -------
    numpy.ndarray
        Multinomial-logit probabilities.
    """
    return rollout_probabilities(
        z, months_post=params.months_post, share_never_trained=params.share_never_trained
    )


def rollout_probabilities(
    z: np.ndarray, *, months_post: int, share_never_trained: float
) -> np.ndarray:
    """Return the rollout of :func:`cohort_probabilities` for any campaign length.

    The same multinomial logit (module docstring) for a campaign of
    ``months_post`` months whose expected never-trained share is
    ``share_never_trained``; the company simulator uses it for every campaign.

    Parameters
    ----------
    z : numpy.ndarray
        Selection index per clinic.
    months_post : int
        Campaign months (>= 2).
    share_never_trained : float
        Expected share of clinics never trained in the campaign, in (0, 1).

    Returns
    -------
    numpy.ndarray
        ``P(first training in campaign month m | X)``, shape ``(n_clinics, months_post)``.
    """
    m = np.arange(months_post - FIRST_TRAINING_MONTH)
    rollout = -np.expm1(-(m + 1) / ROLLOUT_START_MONTHS) * np.exp(-m / ROLLOUT_DECAY_MONTHS)
    span = max(m.size - 1, 1)
    weight = EARLY_WEIGHT + (LATE_WEIGHT - EARLY_WEIGHT) * m / span
    log_odds = np.log(rollout)[None, :] + weight[None, :] * z[:, None]
    # Largest log-odds term per clinic, factored out for numerical safety.
    shift = log_odds.max(axis=1)
    log_total = shift + np.log(np.exp(log_odds - shift[:, None]).sum(axis=1))
    alpha = _calibrate_alpha(log_total, 1.0 - share_never_trained)
    # P(m) = exp(alpha + l_m) / (1 + exp(alpha + log_total))
    log_denominator = np.logaddexp(0.0, alpha + log_total)
    probabilities = np.zeros((z.size, months_post))
    probabilities[:, FIRST_TRAINING_MONTH:] = np.exp(alpha + log_odds - log_denominator[:, None])
    return probabilities


def _calibrate_alpha(log_total: np.ndarray, target_trained: float) -> float:
    # Mean trained probability expit(alpha + log_total) rises monotonically in alpha.
    low, high = -60.0, 60.0
    for _ in range(80):
        mid = 0.5 * (low + high)
        trained = np.mean(1.0 / (1.0 + np.exp(-(mid + log_total))))
        if trained < target_trained:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def draw_first_training_month(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """Draw each clinic's first-training campaign month (0-based) or -1 for never.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    probabilities : numpy.ndarray
        Output of :func:`cohort_probabilities`.

    Returns
    -------
    numpy.ndarray
        Integer campaign month per clinic, -1 if never trained.
    """
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(size=(probabilities.shape[0], 1))
    below = u < cumulative
    return np.where(below[:, -1], below.argmax(axis=1), -1)


def _business_days(rng: np.random.Generator, month_starts: np.ndarray) -> np.ndarray:
    """Draw a uniformly random Monday-Friday date within each given month."""
    starts = month_starts.astype("datetime64[D]")
    next_starts = (month_starts.astype("datetime64[M]") + 1).astype("datetime64[D]")
    n_days = np.busday_count(starts, next_starts)
    offsets = np.floor(rng.random(starts.size) * n_days).astype(np.int64)
    return np.busday_offset(starts, offsets, roll="forward")


@dataclass(frozen=True)
class Trainings:
    """Customer trainings and their attendance, as frames."""

    customer_trainings: pd.DataFrame
    training_attendance: pd.DataFrame


def build_trainings(
    rng: np.random.Generator,
    *,
    first_month: np.ndarray,
    months_post: int,
    campaign_months: np.ndarray,
    clinic_ids: pd.Series,
    territory: np.ndarray,
    region: np.ndarray,
    n_vets: np.ndarray,
    vet_first_index: np.ndarray,
    vet_ids: pd.Series,
    vet_roles: np.ndarray,
    rep_ids: pd.Series,
    field_vet_ids: pd.Series,
    field_vet_region: np.ndarray,
    first_training_number: int = 1,
) -> Trainings:
    """Draw the customer trainings (first and follow-up) and who attended.

    Every trained clinic gets its first training on a weekday of its cohort
    month; a quarter get a follow-up 1-6 months later when that still falls in
    the window. Follow-ups do not change the true effect, which runs from the
    first training.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    first_month : numpy.ndarray
        Campaign month (0-based) of each clinic's first training, -1 for never.
    months_post : int
        Number of campaign months in the window.
    campaign_months : numpy.ndarray
        ``datetime64[D]`` first day of each campaign month.
    clinic_ids, rep_ids, vet_ids, field_vet_ids : pandas.Series
        Id columns of the corresponding frames.
    territory, region, n_vets, vet_first_index : numpy.ndarray
        Per-clinic territory (= rep) index, region index, vet count and index
        of the clinic's first vet in the vets frame.
    vet_roles : numpy.ndarray
        Role of each vet (cardiology leads start with higher test scores).
    field_vet_region : numpy.ndarray
        Region index of each field vet (field vets are contiguous by region).
    first_training_number : int
        Number in the first training id (``CT000001`` by default), so trainings
        of several campaigns can share one numbering.

    Returns
    -------
    Trainings
        ``customer_trainings`` and ``training_attendance`` frames.
    """
    trained = np.flatnonzero(first_month >= 0)
    follow = trained[rng.random(trained.size) < FOLLOW_UP_SHARE]
    follow_month = first_month[follow] + rng.integers(1, FOLLOW_UP_MAX_GAP_MONTHS + 1, follow.size)
    keep = follow_month < months_post
    follow, follow_month = follow[keep], follow_month[keep]

    clinic = np.concatenate([trained, follow])
    month = np.concatenate([first_month[trained], follow_month])
    is_first = np.concatenate([np.ones(trained.size, bool), np.zeros(follow.size, bool)])
    n = clinic.size

    fmt = np.where(
        is_first,
        rng.choice(len(TRAINING_FORMATS), n, p=FIRST_FORMAT_P),
        rng.choice(len(TRAINING_FORMATS), n, p=FOLLOW_UP_FORMAT_P),
    )
    dates = _business_days(rng, campaign_months[month])
    with_field_vet = rng.random(n) < FIELD_VET_P[fmt]
    n_regions = int(max(region.max(initial=0), field_vet_region.max(initial=0))) + 1
    fv_count = np.bincount(field_vet_region, minlength=n_regions)
    fv_start = np.cumsum(fv_count) - fv_count
    clinic_region = region[clinic]
    fv_pick = fv_start[clinic_region] + np.floor(rng.random(n) * fv_count[clinic_region]).astype(
        np.int64
    )

    order = np.lexsort((clinic, dates))
    clinic, dates, fmt, is_first = clinic[order], dates[order], fmt[order], is_first[order]
    with_field_vet, fv_pick = with_field_vet[order], fv_pick[order]

    training_ids = make_ids("CT", n, 6, first=first_training_number)
    field_vet_col = field_vet_ids.take(fv_pick).reset_index(drop=True).where(with_field_vet)
    customer_trainings = pd.DataFrame(
        {
            "training_id": training_ids,
            "clinic_id": clinic_ids.take(clinic).reset_index(drop=True),
            "date": pd.to_datetime(dates).astype("datetime64[ns]"),
            "rep_id": rep_ids.take(territory[clinic]).reset_index(drop=True),
            "field_vet_id": field_vet_col,
            "format": np.asarray(TRAINING_FORMATS, dtype=object)[fmt],
            "is_follow_up": ~is_first,
        }
    )

    attendance = _build_attendance(
        rng,
        clinic=clinic,
        is_first=is_first,
        n_vets=n_vets,
        vet_first_index=vet_first_index,
        vet_roles=vet_roles,
    )
    training_attendance = pd.DataFrame(
        {
            "training_id": training_ids.take(attendance["training"]).reset_index(drop=True),
            "vet_id": vet_ids.take(attendance["vet"]).reset_index(drop=True),
            "pre_score": attendance["pre"],
            "post_score": attendance["post"],
        }
    )
    return Trainings(customer_trainings=customer_trainings, training_attendance=training_attendance)


def _build_attendance(
    rng: np.random.Generator,
    *,
    clinic: np.ndarray,
    is_first: np.ndarray,
    n_vets: np.ndarray,
    vet_first_index: np.ndarray,
    vet_roles: np.ndarray,
) -> dict[str, np.ndarray]:
    slots = n_vets[clinic]
    training = np.repeat(np.arange(clinic.size), slots)
    slot_start = np.cumsum(slots) - slots
    position = np.arange(training.size) - slot_start[training]
    vet = vet_first_index[clinic][training] + position
    p_attend = np.where(is_first, ATTEND_FIRST_P, ATTEND_FOLLOW_UP_P)[training]
    attends = rng.random(training.size) < p_attend
    # Every training has at least one attendee: the clinic's lead vet.
    nobody = np.bincount(training, weights=attends, minlength=clinic.size) == 0
    attends[slot_start[nobody]] = True
    training, vet = training[attends], vet[attends]

    # Pre/post test out of 100. Gains of ~20 points (d ~ 1.4 of a 14-point SD)
    # for the first session are plausible for a focused skills course (Arthur
    # 2003 reports d ~ 0.6 for learning across organisational training; a
    # pre/post gain on the taught content is larger than a between-group d).
    first = is_first[training]
    lead = vet_roles[vet] == "cardiology_lead"
    pre_mean = np.where(first, 50.0, 62.0) + np.where(lead, 15.0, 0.0)
    pre = rng.normal(pre_mean, 14.0)
    gain = rng.normal(np.where(first, 20.0, 10.0), 9.0)
    pre_score = np.clip(np.rint(pre), 0, 100).astype(np.int64)
    post_score = np.clip(np.rint(pre + gain), 0, 100).astype(np.int64)
    return {"training": training, "vet": vet, "pre": pre_score, "post": post_score}
