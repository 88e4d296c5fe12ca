"""Seeded simulation of a canine heart-failure drug launch, with its ground truth.

``simulate_launch(SimulationParams(...))`` returns a :class:`SimulatedLaunch`:
the sales organisation, ~2,000 clinics and ~5,000 vets, 30 months of
distributor sales (12 before and 18 from the campaign start), the reps'
flipped-classroom results, the customer trainings rolled out over time, and,
beside the data, the true training effect per cohort and period.

Story. An existing pimobendan product (sold before the campaign for dogs in
heart failure, ACVIM stage C) is launched for *preclinical* MMVD (stage B2,
EPIC trial). Reps and technical field vets train vets to measure the vertebral
heart score on chest radiographs and to stage per ACVIM, so more B2 dogs are
found and treated.

Design of the causal structure (what an estimator must cope with):

1. Untreated sales (``demand``): a clinic-specific level (unobserved,
   additive, so it cancels in differences) plus a mild common seasonality and
   growth. Changes over time are linear in *observed* covariates: a market
   trend and seasonality per vet (``n_vets``) plus tier-, segment- and
   region-specific growth (high-potential tiers, larger independents,
   corporate groups, referral centres and the later regions grow faster).
2. Selection (``rollout``): the month of a clinic's first customer training
   is a multinomial logit (never-trained as base) in a linear index of
   observed categorical covariates: the A-D targeting tier (by potential),
   segment and region. High-potential clinics in the faster-growing segments
   and regions are trained more often and earlier, so trained clinics were
   already bigger buyers *and* already growing. Customer trainings start in
   the second campaign month; about half the clinics are never trained.
3. Hence conditional parallel trends hold given the covariates of
   :func:`selection_covariates` (``n_vets`` and tier, segment and region
   dummies), against never-trained clinics: the propensity of every cohort
   vs never is exactly logistic-linear in them and bounded away from 0 and 1,
   and the untreated trend is exactly linear in them. The Callaway &
   Sant'Anna doubly robust estimator with those covariates therefore
   recovers ``true_att_overall``. Unconditional parallel trends do *not*
   hold. Not-yet-treated controls are not exactly logit-linear, so the exact
   guarantee is for never-treated controls.
4. Effect (``demand.effect_mean``): from the training month on,
   ``potential * effect_by_segment[segment] * (1 - exp(-(k + 1) / tau))``,
   ``k`` months after training, ``tau = 3``. Independents gain most (they
   lack echocardiography, so radiographic staging changes their practice),
   referral hospitals least. The default true relative uplift is ~15%: above
   the ~5% of routine academic detailing (O'Brien, Cochrane 2007) because
   this is hands-on training for a new indication with low baseline use, yet
   far below the naive comparison.
5. With defaults the naive ratio (trained vs never-trained mean packs) is
   about 3, almost all of it selection.

Units are packs of 100 tablets (one 10 kg dog needs 60 tablets a month);
pack sizes and prices are assumptions (see ``products``). Domain figures
are from ``domain/heart.md``; derived numbers are marked in each module.

The company around the launch. ``simulate_company(CompanyParams(...))``
returns a :class:`SimulatedCompany`: the same organisation and clinics
selling four products (the cardiac one plus a parasiticide, an NSAID and a
dermatology product) in one distributor sales stream from 2022-06 to 2026-11,
and three campaigns, each on its own product with its own trainings and true
effect: a large one (Parivo, 2023-06), a null one (Arthrelle, 2024-01) and the
cardiac launch itself (2025-06), exactly as ``simulate_launch`` makes it. The
dermatology product is never trained on: a negative control. Each campaign's
truth is kept beside it, so "campaign-true" measurement (own trainings, own
SKUs) can be checked against it. See :mod:`.company`, :mod:`.campaigns` and
:mod:`.portfolio_products`.

The package never imports Django.
"""

from onevoice.analytics.simulate.company import (
    CompanyParams,
    SimulatedCompany,
    simulate_company,
)
from onevoice.analytics.simulate.launch import (
    SimulatedLaunch,
    selection_covariates,
    simulate_launch,
)
from onevoice.analytics.simulate.params import SEGMENTS, SimulationParams

__all__ = [
    "SEGMENTS",
    "CompanyParams",
    "SimulatedCompany",
    "SimulatedLaunch",
    "SimulationParams",
    "selection_covariates",
    "simulate_company",
    "simulate_launch",
]
