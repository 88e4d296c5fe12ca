"""The reps' flipped-classroom pre-work and seminar certification results.

Each rep has a latent ability. Pre-work is a 20-question quiz per concept,
done remotely 2-6 weeks before the seminar; concepts differ in difficulty
(measuring VHS is hardest, dosing easiest), so the cohort's weak spots are
visible in the data and can shape the seminar. A few reps leave a module
unfinished. At the seminar (two weeks before the campaign starts) reps measure
a VHS on an exercise radiograph and are scored on an objection role-play.
Rep readiness does not feed into the sales model: the causal question the
simulator answers is about customer trainings.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

# (module, concept, difficulty on the logit scale)
PREWORK_CONCEPTS: tuple[tuple[str, str, float], ...] = (
    ("disease_and_diagnosis", "vhs_measurement", 0.9),
    ("disease_and_diagnosis", "acvim_staging", 0.5),
    ("evidence_and_dosing", "epic_trial_evidence", 0.2),
    ("evidence_and_dosing", "dosing", -0.3),
    ("customer_conversations", "objection_handling", 0.6),
)
QUESTIONS_PER_CONCEPT = 20
PREWORK_EASE = 1.2
ABILITY_SLOPE = 0.8
UNFINISHED_MODULE_P = 0.06
SEMINAR_DAYS_BEFORE_START = 14
PREWORK_WINDOW_DAYS = (14, 42)  # completed this many days before the seminar
VHS_PASS_ERROR = 0.5  # vertebrae
ROLEPLAY_PASS_SCORE = 3


def build_readiness(
    rng: np.random.Generator, rep_ids: pd.Series, campaign_start: datetime.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw pre-work results and certification for every rep.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    rep_ids : pandas.Series
        The reps' ids.
    campaign_start : datetime.date
        The seminar is two weeks before it.

    Returns
    -------
    tuple of pandas.DataFrame
        ``rep_prework`` (rep_id, module, concept, score, completed_on; score
        NaN and completed_on NaT when the module was not finished) and
        ``rep_certification`` (rep_id, vhs_error, roleplay_score, certified,
        certified_on; certified_on NaT when not certified).
    """
    n_reps = rep_ids.size
    n_concepts = len(PREWORK_CONCEPTS)
    modules = np.array([c[0] for c in PREWORK_CONCEPTS], dtype=object)
    concepts = np.array([c[1] for c in PREWORK_CONCEPTS], dtype=object)
    difficulty = np.array([c[2] for c in PREWORK_CONCEPTS])
    module_names, module_of_concept = np.unique(modules, return_inverse=True)

    ability = rng.normal(0.0, 1.0, n_reps)
    p_correct = 1.0 / (
        1.0 + np.exp(-(PREWORK_EASE + ABILITY_SLOPE * ability[:, None] - difficulty[None, :]))
    )
    score = rng.binomial(QUESTIONS_PER_CONCEPT, p_correct) / QUESTIONS_PER_CONCEPT
    unfinished_module = rng.random((n_reps, module_names.size)) < UNFINISHED_MODULE_P
    unfinished = unfinished_module[:, module_of_concept]
    seminar = np.datetime64(campaign_start, "D") - np.timedelta64(SEMINAR_DAYS_BEFORE_START, "D")
    days_before = rng.integers(
        PREWORK_WINDOW_DAYS[0], PREWORK_WINDOW_DAYS[1] + 1, (n_reps, module_names.size)
    )
    completed = (seminar - days_before.astype("timedelta64[D]"))[:, module_of_concept]
    completed_on = pd.Series(completed.ravel()).astype("datetime64[ns]")
    completed_on[unfinished.ravel()] = pd.NaT
    rep_prework = pd.DataFrame(
        {
            "rep_id": rep_ids.repeat(n_concepts).reset_index(drop=True),
            "module": np.tile(modules, n_reps),
            "concept": np.tile(concepts, n_reps),
            "score": np.where(unfinished, np.nan, score).ravel(),
            "completed_on": completed_on,
        }
    )

    # Reps who understood VHS in pre-work measure it more accurately; VHS is
    # read to the nearest 0.1 vertebra.
    vhs_score = np.where(unfinished[:, 0], 0.5, score[:, 0])
    vhs_error = np.round(np.abs(rng.normal(0.0, 0.15 + 0.5 * (1.0 - vhs_score))), 1)
    roleplay = np.clip(np.rint(3.2 + 0.8 * ability + rng.normal(0.0, 0.8, n_reps)), 1, 5)
    certified = (vhs_error <= VHS_PASS_ERROR) & (roleplay >= ROLEPLAY_PASS_SCORE)
    certified_on = pd.Series(np.full(n_reps, seminar)).astype("datetime64[ns]")
    certified_on[~certified] = pd.NaT
    rep_certification = pd.DataFrame(
        {
            "rep_id": rep_ids.reset_index(drop=True),
            "vhs_error": vhs_error,
            "roleplay_score": roleplay.astype(np.int64),
            "certified": certified,
            "certified_on": certified_on,
        }
    )
    return rep_prework, rep_certification
