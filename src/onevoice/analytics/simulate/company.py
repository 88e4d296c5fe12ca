"""A multi-product, multi-campaign company around the cardiac launch.

:func:`simulate_company` returns a :class:`SimulatedCompany`: the launch's
organisation, clinics and vets; four product lines in one distributor sales
stream from 2022-06 to 2026-11 (:mod:`.portfolio_products`); and three
campaigns with their own trainings and true effects (:mod:`.campaigns`).

The company is built *around* the launch: ``simulate_launch`` runs first with
the company's seed and size, and everything it returns is kept as it is (the
cardiac sales from 2024-06, trainings, truth). The other products' demand and
the other campaigns come from extra streams ``default_rng([seed, k])``, so
they never change the launch's numbers, and each product's sales depend only
on its own stream and its own campaign: sales of a product no campaign
trained on are a valid negative control.

Cardiac sales before the launch window (2022-06 to 2024-05) are not absent:
the portfolio page would otherwise show an established product appearing in
2024. They come from the launch's untreated model (the clinic's level and
seasons, same SKU mix and discount) with its growth starting at the launch
window, drawn from their own stream. Extending the linear growth backwards
instead would push a quarter of the clinics to zero sales by 2022; holding it
flat keeps every trend difference linear in observed covariates over the
whole stream, and no analysis of the launch reads those months.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from onevoice.analytics.simulate import demand
from onevoice.analytics.simulate import portfolio_products as portfolio
from onevoice.analytics.simulate.campaigns import (
    ARTHRELLE_CAMPAIGN,
    CAMPAIGNS,
    CARDIO_CAMPAIGN,
    PARIVO_CAMPAIGN,
    PRE_MONTHS,
    CampaignDesign,
    CampaignTruth,
    campaign_truth,
    draw_first_months,
    effect_mean,
    first_trained_frame,
)
from onevoice.analytics.simulate.launch import (
    LaunchInternals,
    SimulatedLaunch,
    build_launch,
)
from onevoice.analytics.simulate.params import (
    ERR_NOISE,
    ERR_SELECTION,
    ERR_SHARE_NEVER,
    SEGMENTS,
    SimulationParams,
    _is_finite_number,
)
from onevoice.analytics.simulate.rollout import build_trainings
from onevoice.analytics.simulate.sales import SalesLines, draw_sales_lines, sales_frame

COMPANY_START = datetime.date(2022, 6, 1)
"""First month of the company's sales stream."""
COMPANY_MONTHS = 54
"""Months of sales: 2022-06 to 2026-11, the end of the cardiac campaign."""

# Keys of the extra random streams, default_rng([seed, key]); the launch uses
# default_rng(seed). Campaigns use the keys in campaigns.py.
CARDIAC_HISTORY_STREAM = 1
PRODUCT_STREAMS = {"Parivo": 2, "Arthrelle": 3, "Dermiva": 4}

ERR_EFFECT = "{name} must have one finite value >= 0 per segment {segments}, got {value!r}"
ERR_UNKNOWN_CAMPAIGN = "no campaign {slug!r}; the company's campaigns are {known}"
ERR_CELLS = (
    "cells must be treated clinic-months of campaign {slug!r}: "
    "{n_bad} of {n} are not (or none were given)"
)

DATE_DTYPE = "datetime64[ns]"

ADDED_CAMPAIGNS: tuple[CampaignDesign, ...] = tuple(
    d for d in CAMPAIGNS if d is not CARDIO_CAMPAIGN
)
"""The campaigns simulated here; the cardiac one comes from the launch."""


@dataclass(frozen=True, kw_only=True)
class CompanyParams:
    """Parameters of the simulated company; the same params always give the same data.

    Parameters
    ----------
    seed : int
        Seed of every stream; the cardiac campaign is ``simulate_launch`` with it.
    n_clinics : int
        Number of customer clinics (>= 10).
    n_reps : int or None
        Number of reps; ``None`` means the launch's default ``max(40, n_clinics // 50)``.
        Resolved to an int after construction.
    n_regions : int
        Number of sales regions (1-8).
    parasiticide_effect_by_segment : tuple of float
        Full effect of the Parivo campaign's training, as a share of the
        clinic's dog-driven Parivo level, one per entry of :data:`SEGMENTS`.
        The default gives a true relative uplift of about 27%.
    nsaid_effect_by_segment : tuple of float
        The same for the Arthrelle campaign; zero by default (no true effect).
    selection_strength : float
        Multiplies the selection coefficients of the Parivo and Arthrelle
        campaigns (0: trained clinics are a random draw). The cardiac
        campaign's selection is the launch's.
    share_never_trained : float
        Expected share of clinics the Parivo and Arthrelle campaigns never train.
    noise_shape : float
        Gamma shape of the demand noise of the Parivo, Arthrelle and Dermiva
        sales (``math.inf``: Poisson).
    """

    seed: int = 20250601
    n_clinics: int = 2000
    n_reps: int | None = None
    n_regions: int = 4
    # Year-round protection changes what every first-opinion practice
    # recommends; referral hospitals sell few preventives.
    parasiticide_effect_by_segment: tuple[float, ...] = (0.55, 0.49, 0.44, 0.16)
    nsaid_effect_by_segment: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    selection_strength: float = 1.0
    share_never_trained: float = 0.5
    noise_shape: float = 20.0

    def __post_init__(self) -> None:
        # The launch's params check seed, size and organisation, with its messages.
        launch = SimulationParams(
            seed=self.seed, n_clinics=self.n_clinics, n_reps=self.n_reps, n_regions=self.n_regions
        )
        object.__setattr__(self, "n_reps", launch.n_reps)
        for name in ("parasiticide_effect_by_segment", "nsaid_effect_by_segment"):
            value = getattr(self, name)
            if (
                not isinstance(value, tuple)
                or len(value) != len(SEGMENTS)
                or not all(_is_finite_number(v) and v >= 0 for v in value)
            ):
                raise ValueError(ERR_EFFECT.format(name=name, segments=SEGMENTS, value=value))
        if not _is_finite_number(self.selection_strength) or self.selection_strength < 0:
            raise ValueError(ERR_SELECTION.format(value=self.selection_strength))
        if not _is_finite_number(self.share_never_trained) or not (
            0.0 < self.share_never_trained < 1.0
        ):
            raise ValueError(ERR_SHARE_NEVER.format(value=self.share_never_trained))
        if (
            not isinstance(self.noise_shape, int | float)
            or isinstance(self.noise_shape, bool)
            or math.isnan(self.noise_shape)
            or self.noise_shape <= 0
        ):
            raise ValueError(ERR_NOISE.format(value=self.noise_shape))

    @property
    def launch_params(self) -> SimulationParams:
        """The params of the cardiac launch inside the company."""
        return SimulationParams(
            seed=self.seed, n_clinics=self.n_clinics, n_reps=self.n_reps, n_regions=self.n_regions
        )


@dataclass(frozen=True, eq=False)
class SimulatedCompany:
    """A company's portfolio, sales and campaigns, with each campaign's truth beside it.

    All ids are strings; month columns hold month starts as ``datetime64[ns]``.
    The organisation, clinics and vets are the launch's (:class:`SimulatedLaunch`).

    Attributes
    ----------
    regions, territories, managers, reps, field_vets, clinics, vets : pandas.DataFrame
        The launch's frames, unchanged (``clinics.potential``, ``tier`` and
        ``baseline_units`` are about the cardiac product).
    portfolio : pandas.DataFrame
        ``product, sku_prefix, generic_name, therapeutic_area, description,
        n_skus``: one row per product line (Cardivance, Parivo, Arthrelle, Dermiva).
    products : pandas.DataFrame
        ``sku, name, product, strength_mg, tablets_per_pack, list_price,
        treatment_months_per_pack``, ordered by SKU; ``product`` is the brand.
    sales : pandas.DataFrame
        ``clinic_id, date, sku, units, net_revenue, currency`` for every
        product, 2022-06 to 2026-11, zero lines omitted, ordered by clinic,
        date and SKU. The Cardivance lines from 2024-06 are the launch's sales.
    campaigns : pandas.DataFrame
        ``slug, name, product, skus, start, end, months, status, why,
        n_trained, true_att, true_relative_uplift, naive_ratio``, ordered by
        start. ``skus`` is a list of str, ``start``/``end`` are
        ``datetime.date`` (first and last day), ``status`` is ``reviewed`` or
        ``live``. ``true_att`` is packs per treated clinic-month of the
        campaign's SKUs over its window (Callaway-Sant'Anna "simple"),
        ``true_relative_uplift`` that over the expected untreated packs of the
        same clinic-months.
    customer_trainings : pandas.DataFrame
        ``training_id, campaign, clinic_id, date, rep_id, field_vet_id,
        format, is_follow_up``, ordered by date; ``campaign`` is a slug;
        training ids are unique across campaigns (the cardiac ones are the
        launch's).
    training_attendance : pandas.DataFrame
        ``training_id, vet_id, pre_score, post_score`` for every campaign.
    treatment : pandas.DataFrame
        ``campaign, clinic_id, first_trained``: one row per campaign and
        clinic; the month of the clinic's first training in that campaign, NaT
        if it had none.
    rep_prework, rep_certification : pandas.DataFrame
        The launch's.
    true_effects : dict of str to pandas.DataFrame
        Per campaign slug: ``cohort, period, att, n_clinics`` (true ATT(g, t)).
    campaign_clinic_months : dict of str to pandas.DataFrame
        Per campaign slug, the balanced panel of its analysis window (12
        months before the start to the end) with its truth: ``clinic_id, date,
        units`` (packs of the campaign's SKUs), ``expected_untreated``,
        ``expected_effect``, ``treated``.
    launch : SimulatedLaunch
        The cardiac launch the company is built around.
    params : CompanyParams
    """

    regions: pd.DataFrame
    territories: pd.DataFrame
    managers: pd.DataFrame
    reps: pd.DataFrame
    field_vets: pd.DataFrame
    clinics: pd.DataFrame
    vets: pd.DataFrame
    portfolio: pd.DataFrame
    products: pd.DataFrame
    sales: pd.DataFrame
    campaigns: pd.DataFrame
    customer_trainings: pd.DataFrame
    training_attendance: pd.DataFrame
    treatment: pd.DataFrame
    rep_prework: pd.DataFrame
    rep_certification: pd.DataFrame
    true_effects: dict[str, pd.DataFrame]
    campaign_clinic_months: dict[str, pd.DataFrame]
    launch: SimulatedLaunch
    params: CompanyParams

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return every company-wide DataFrame field by name (not the per-campaign dicts)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }

    def campaign(self, slug: str) -> pd.Series:
        """Return the ``campaigns`` row of ``slug``."""
        rows = self.campaigns[self.campaigns["slug"] == slug]
        if rows.empty:
            raise KeyError(ERR_UNKNOWN_CAMPAIGN.format(slug=slug, known=list(self.campaigns.slug)))
        return rows.iloc[0]

    def true_att_over(self, slug: str, cells: pd.DataFrame) -> tuple[float, float]:
        """Return the true ATT and relative uplift over exactly the given clinic-months.

        For an analysis that left some cohorts or clinics out: pass the
        treated clinic-months it averaged over.

        Parameters
        ----------
        slug : str
            The campaign.
        cells : pandas.DataFrame
            ``clinic_id`` and ``date`` (month start) of treated clinic-months of
            the campaign's window.

        Returns
        -------
        tuple of float
            ``(att, relative_uplift)``: mean expected effect (packs), and that
            over the mean expected untreated packs, of those clinic-months.

        Raises
        ------
        ValueError
            When ``cells`` is empty or holds a clinic-month that is not a
            treated clinic-month of the campaign's window.
        """
        panel = self.campaign_clinic_months[self.campaign(slug)["slug"]]
        keys = cells[["clinic_id", "date"]].astype({"date": DATE_DTYPE})
        found = keys.merge(panel, on=["clinic_id", "date"], how="left", validate="one_to_one")
        bad = found["treated"].ne(True)  # unknown cells (NaN) or untreated ones
        if found.empty or bad.any():
            raise ValueError(ERR_CELLS.format(slug=slug, n_bad=int(bad.sum()), n=len(found)))
        effect = float(found["expected_effect"].sum())
        return effect / len(found), effect / float(found["expected_untreated"].sum())


def _company_months() -> pd.DatetimeIndex:
    return pd.date_range(COMPANY_START, periods=COMPANY_MONTHS, freq="MS").as_unit("ns")


def _month_index(months: pd.DatetimeIndex, day: datetime.date) -> int:
    return int(months.get_loc(pd.Timestamp(day)))


@dataclass
class _Lines:
    """Sales lines of every product, gathered in company months and portfolio SKU order."""

    sku_position: dict[str, int]
    parts: list[SalesLines] = field(default_factory=list)

    def add(self, lines: SalesLines, *, month_offset: int, skus: list[str]) -> None:
        """Add ``lines`` whose months start ``month_offset`` company months in."""
        sku_index = np.array([self.sku_position[s] for s in skus])
        self.parts.append(
            SalesLines(
                clinic=lines.clinic,
                month=lines.month + month_offset,
                sku=sku_index[lines.sku],
                units=lines.units,
                net_revenue=lines.net_revenue,
            )
        )

    def merged(self) -> SalesLines:
        """Return every line, ordered by clinic, month and SKU."""
        clinic, month, sku, units, revenue = (
            np.concatenate([getattr(p, name) for p in self.parts])
            for name in ("clinic", "month", "sku", "units", "net_revenue")
        )
        # One integer key per line (unique: a clinic buys a SKU once a month) sorts
        # by clinic, month and SKU faster than a three-key lexsort.
        key = (clinic.astype(np.int64) * COMPANY_MONTHS + month) * len(self.sku_position) + sku
        order = np.argsort(key)
        return SalesLines(
            clinic=clinic[order],
            month=month[order],
            sku=sku[order],
            units=units[order],
            net_revenue=revenue[order],
        )


def _cardiac_history(seed: int, launch: SimulatedLaunch, internals: LaunchInternals) -> SalesLines:
    """Cardiac sales lines of the company months before the launch window.

    The launch's untreated model (``demand.untreated_mean``) with its growth
    term held at zero: the clinic's level plus its seasons, sold with the
    launch's SKU mix and discount of each clinic (module docstring says why).
    """
    clinics = internals.clinics
    history = pd.date_range(COMPANY_START, internals.month_starts[0], freq="MS", inclusive="left")
    mean = np.maximum(
        clinics.untreated_level[:, None]
        + clinics.n_vets[:, None] * demand.season(launch.params, history.month.to_numpy())[None, :],
        demand.MIN_MEAN_UNITS,
    )
    rng_noise, rng_sales = np.random.default_rng([seed, CARDIAC_HISTORY_STREAM]).spawn(2)
    units = demand.draw_units(rng_noise, mean, launch.params.noise_shape)
    lines, _ = draw_sales_lines(
        rng_sales,
        units=units,
        segment=clinics.segment,
        market_mix=portfolio.CARDIVANCE.market_mix,
        list_prices=portfolio.CARDIVANCE.list_prices,
        clinic_terms=internals.sales_terms,
    )
    return lines


def _campaign_streams(seed: int, design: CampaignDesign) -> list[np.random.Generator]:
    """The campaign's two streams: who is trained when, and the trainings themselves."""
    return np.random.default_rng([seed, design.stream]).spawn(2)


def _first_months(params: CompanyParams, internals: LaunchInternals) -> dict[str, np.ndarray]:
    """Each campaign's first-training campaign month per clinic (-1: never)."""
    clinics = internals.clinics
    first_months = {CARDIO_CAMPAIGN.slug: internals.first_month}
    for design in ADDED_CAMPAIGNS:
        first_months[design.slug] = draw_first_months(
            design,
            _campaign_streams(params.seed, design)[0],
            segment=clinics.segment,
            region=clinics.region,
            n_vets=clinics.n_vets,
            selection_strength=params.selection_strength,
            share_never_trained=params.share_never_trained,
        )
    return first_months


def _product_sales(
    line: portfolio.ProductLine,
    *,
    params: CompanyParams,
    internals: LaunchInternals,
    months: pd.DatetimeIndex,
    first_months: dict[str, np.ndarray],
) -> tuple[SalesLines, CampaignTruth | None]:
    """Sales of one added product line, and the truth of its campaign if it has one."""
    clinics = internals.clinics
    rng_level, rng_noise, rng_sales = np.random.default_rng(
        [params.seed, PRODUCT_STREAMS[line.product]]
    ).spawn(3)
    product_demand = portfolio.draw_demand(
        line,
        rng_level,
        n_vets=clinics.n_vets,
        patient_volume=clinics.patient_volume,
        segment=clinics.segment,
        region=clinics.region,
        n_regions=params.n_regions,
    )
    untreated = portfolio.untreated_mean(line, product_demand, clinics.n_vets, months)
    design = next((d for d in ADDED_CAMPAIGNS if d.product == line.product), None)
    effect = np.zeros_like(untreated)
    if design is not None:
        start = _month_index(months, design.start)
        first = first_months[design.slug]
        shares = np.asarray(_effect_by_segment(params, design))[clinics.segment]
        effect = effect_mean(
            shares * product_demand.volume_level,
            np.where(first >= 0, start + first, -1),
            months.size,
            design.effect_ramp_months,
        )
    units = demand.draw_units(rng_noise, untreated + effect, params.noise_shape)
    lines, _ = draw_sales_lines(
        rng_sales,
        units=units,
        segment=clinics.segment,
        market_mix=line.market_mix,
        list_prices=line.list_prices,
    )
    if design is None:
        return lines, None
    window = slice(start - PRE_MONTHS, start + design.months)
    return lines, campaign_truth(
        units=units[:, window],
        untreated=untreated[:, window],
        effect=effect[:, window],
        first_month=first_months[design.slug],
        window_months=months[window],
        clinic_ids=clinics.clinic_ids,
    )


def _effect_by_segment(params: CompanyParams, design: CampaignDesign) -> tuple[float, ...]:
    if design is PARIVO_CAMPAIGN:
        return params.parasiticide_effect_by_segment
    if design is ARTHRELLE_CAMPAIGN:
        return params.nsaid_effect_by_segment
    raise KeyError(design.slug)


def _trainings(
    params: CompanyParams,
    launch: SimulatedLaunch,
    internals: LaunchInternals,
    months: pd.DatetimeIndex,
    first_months: dict[str, np.ndarray],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every campaign's trainings and attendance: the launch's, then the others numbered on."""
    clinics, org = internals.clinics, internals.org
    trainings = [launch.customer_trainings.assign(campaign=CARDIO_CAMPAIGN.slug)]
    attendance = [launch.training_attendance]
    next_number = len(launch.customer_trainings) + 1
    for design in ADDED_CAMPAIGNS:
        start = _month_index(months, design.start)
        drawn = build_trainings(
            _campaign_streams(params.seed, design)[1],
            first_month=first_months[design.slug],
            months_post=design.months,
            campaign_months=months[start : start + design.months]
            .to_numpy()
            .astype("datetime64[D]"),
            clinic_ids=clinics.clinic_ids,
            territory=clinics.territory,
            region=clinics.region,
            n_vets=clinics.n_vets,
            vet_first_index=clinics.vet_first_index,
            vet_ids=clinics.vets["vet_id"],
            vet_roles=clinics.vets["role"].to_numpy(dtype=object),
            rep_ids=org.reps["rep_id"],
            field_vet_ids=org.field_vets["field_vet_id"],
            field_vet_region=org.field_vet_region,
            first_training_number=next_number,
        )
        next_number += len(drawn.customer_trainings)
        trainings.append(drawn.customer_trainings.assign(campaign=design.slug))
        attendance.append(drawn.training_attendance)
    columns = ["training_id", "campaign", *launch.customer_trainings.columns[1:]]
    customer_trainings = (
        pd.concat(trainings, ignore_index=True)[columns]
        .sort_values("date", kind="stable")
        .reset_index(drop=True)
    )
    return customer_trainings, pd.concat(attendance, ignore_index=True)


def simulate_company(params: CompanyParams | None = None) -> SimulatedCompany:
    """Simulate a company with four products and three campaigns, with each one's truth.

    Parameters
    ----------
    params : CompanyParams, optional
        Size, effects and selection knobs; defaults to ``CompanyParams()``
        (2,000 clinics, seed 20250601).

    Returns
    -------
    SimulatedCompany
        The same params always give identical frames. The cardiac campaign is
        ``simulate_launch(params.launch_params)``.

    Examples
    --------
    >>> company = simulate_company(CompanyParams(seed=7, n_clinics=200))
    >>> list(company.campaigns["slug"])
    ['parivo-year-round-protection', 'arthrelle-oa-pain-check', 'cardio-b2-launch']
    """
    params = params if params is not None else CompanyParams()
    launch, internals = build_launch(params.launch_params)
    months = _company_months()
    products = portfolio.build_portfolio_products()
    lines = _Lines(sku_position={sku: i for i, sku in enumerate(products["sku"])})
    cardiac_skus = portfolio.CARDIVANCE.sku_codes
    launch_offset = _month_index(months, internals.month_starts[0].date())
    lines.add(internals.sales_lines, month_offset=launch_offset, skus=cardiac_skus)
    lines.add(_cardiac_history(params.seed, launch, internals), month_offset=0, skus=cardiac_skus)

    first_months = _first_months(params, internals)
    truths = {
        CARDIO_CAMPAIGN.slug: CampaignTruth(
            true_effect=launch.true_effect,
            clinic_months=launch.clinic_months,
            true_att=launch.true_att_overall,
            true_relative_uplift=launch.true_relative_uplift,
            naive_ratio=launch.naive_ratio,
        )
    }
    for line in (portfolio.PARIVO, portfolio.ARTHRELLE, portfolio.DERMIVA):
        drawn, truth = _product_sales(
            line, params=params, internals=internals, months=months, first_months=first_months
        )
        lines.add(drawn, month_offset=0, skus=line.sku_codes)
        if truth is not None:
            truths[next(d.slug for d in ADDED_CAMPAIGNS if d.product == line.product)] = truth
    sales = sales_frame(
        lines.merged(),
        clinic_ids=internals.clinics.clinic_ids,
        month_starts=months,
        skus=products["sku"],
    )
    customer_trainings, training_attendance = _trainings(
        params, launch, internals, months, first_months
    )
    treatment = pd.concat(
        [
            first_trained_frame(
                first_months[d.slug],
                months[_month_index(months, d.start) :],
                internals.clinics.clinic_ids,
                d.slug,
            )
            for d in CAMPAIGNS
        ],
        ignore_index=True,
    )
    return SimulatedCompany(
        regions=launch.regions,
        territories=launch.territories,
        managers=launch.managers,
        reps=launch.reps,
        field_vets=launch.field_vets,
        clinics=launch.clinics,
        vets=launch.vets,
        portfolio=portfolio.build_portfolio(),
        products=products,
        sales=sales,
        campaigns=_campaigns_frame(truths, treatment),
        customer_trainings=customer_trainings,
        training_attendance=training_attendance,
        treatment=treatment,
        rep_prework=launch.rep_prework,
        rep_certification=launch.rep_certification,
        true_effects={slug: t.true_effect for slug, t in truths.items()},
        campaign_clinic_months={slug: t.clinic_months for slug, t in truths.items()},
        launch=launch,
        params=params,
    )


def _campaigns_frame(truths: dict[str, CampaignTruth], treatment: pd.DataFrame) -> pd.DataFrame:
    trained = treatment.dropna(subset=["first_trained"]).groupby("campaign")["clinic_id"].nunique()
    designs: list[CampaignDesign] = sorted(CAMPAIGNS, key=lambda d: d.start)
    return pd.DataFrame(
        {
            "slug": [d.slug for d in designs],
            "name": [d.name for d in designs],
            "product": [d.product for d in designs],
            "skus": [portfolio.product_line(d.product).sku_codes for d in designs],
            "start": [d.start for d in designs],
            "end": [d.end for d in designs],
            "months": np.array([d.months for d in designs], dtype=np.int64),
            "status": [d.status for d in designs],
            "why": [d.why for d in designs],
            "n_trained": np.array([int(trained.get(d.slug, 0)) for d in designs], dtype=np.int64),
            "true_att": [truths[d.slug].true_att for d in designs],
            "true_relative_uplift": [truths[d.slug].true_relative_uplift for d in designs],
            "naive_ratio": [truths[d.slug].naive_ratio for d in designs],
        }
    )
