"""The uplift engine on a campaign's own data: panel, estimate, stored analysis.

A campaign's experiment is its own: treatment is a clinic's first customer training
*under that campaign* (``field.selectors.clinic_treatment_dates``), the outcome is the
sales of *that campaign's SKUs* (``Campaign.skus``) from 12 months before its start to
its end (``measurement.sales``), and the estimator is Callaway & Sant'Anna in
``onevoice.analytics.did``. Clinics trained by another campaign on the same SKUs before
this one ends are left out, whether or not this campaign trained them too: they are
neither untouched controls nor clean treated clinics. The same design on SKUs the campaign never trained on (``skus``) is a
negative control: an "uplift" there means the design is confounded. Every run is stored
with its options, the SKUs and clinics it counted and why others were left out, so a
review can always show where a number came from.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record
from onevoice.analytics.did import ATTgt, DIDError, relative_magnitudes
from onevoice.analytics.did.document import analysis_document, rows
from onevoice.analytics.panel import SalesPanel, sales_panel
from onevoice.analytics.warehouse import connect
from onevoice.campaigns.models import Campaign
from onevoice.field.selectors import clinic_covariates, clinic_treatment_dates
from onevoice.measurement.facts import campaign_skus
from onevoice.measurement.models import SalesBatch, UpliftAnalysis
from onevoice.measurement.sales import product_master, sales_dataset

ERROR_NO_SALES = "There are no sales stored yet: import the distributor files first."
ERROR_NO_SKUS = (
    "{campaign} lists no products: choose the SKUs its sales are counted on, on the "
    "campaign's page, before measuring its uplift."
)
ERROR_UNKNOWN_SKUS = "Unknown SKU(s) {skus}: they are not in the product master."
PRE_PERIOD_MONTHS = 12
# Cohorts need more clinics than the propensity model has covariates (dummies included)
# to be estimable with room to spare; below that the logit separates.
COHORT_MARGIN = 5


# The options in words, for the line every result prints.
COVARIATE_WORDS = {
    "n_vets": "number of vets",
    "patient_volume": "patient volume",
    "pre_level": "pre-campaign sales",
    "segment": "segment",
    "region": "region",
}
METHOD_WORDS = {
    "dr": "doubly robust",
    "ipw": "inverse probability weighting",
    "reg": "outcome regression",
}


@dataclass(frozen=True)
class UpliftOptions:
    """What an analyst chooses; the defaults are what we would defend to a reviewer, and
    the one definition the page, ``onevoice uplift --campaign``, the review and the
    scheduled job all use.

    Not-yet-treated controls use every clinic until it is trained; doubly robust
    adjustment on size, volume, segment, region and pre-campaign level handles the
    selection of bigger, faster-growing clinics into early training; standard errors
    are clustered by clinic and the 999-draw bootstrap gives the uniform band.
    ``skus`` empty means the campaign's own SKUs; others make a negative-control run.
    ``min_cohort_size`` None means covariates + 5 (see ``COHORT_MARGIN``).
    """

    outcome: str = "units"
    freq: str = "month"
    control: str = "notyet"
    method: str = "dr"
    base_period: str = "varying"
    anticipation: int = 0
    covariates: tuple[str, ...] = ("n_vets", "patient_volume", "pre_level", "segment", "region")
    cluster: str | None = None
    bootstrap: int = 999
    seed: int = 20250601
    skus: tuple[str, ...] = ()
    min_cohort_size: int | None = None
    # Rambachan & Roth relative-magnitudes bounds of the event study at these M̄.
    sensitivity_mbar: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["covariates"] = list(self.covariates)
        data["skus"] = list(self.skus)
        data["sensitivity_mbar"] = list(self.sensitivity_mbar)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UpliftOptions:
        """Options as stored; keys of older versions (``product``) are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("covariates", "skus", "sensitivity_mbar"):
            if name in values:
                values[name] = tuple(values[name] or ())
        return cls(**values)

    def describe(self) -> str:
        """The options in one line, as the page and the review print them."""
        controls = {"notyet": "not-yet-trained", "never": "never-trained"}.get(
            self.control, self.control
        )
        adjust = (
            "adjusted for " + ", ".join(COVARIATE_WORDS.get(c, c) for c in self.covariates)
            if self.covariates
            else "no covariates"
        )
        method = METHOD_WORDS.get(self.method, self.method)
        inference = (
            f"{self.bootstrap}-draw bootstrap" if self.bootstrap else "analytic standard errors"
        )
        cohorts = (
            f"cohorts of fewer than {self.min_cohort_size} clinics left out"
            if self.min_cohort_size is not None
            else "cohorts smaller than the covariates + 5 left out"
        )
        return (
            f"{self.outcome.replace('_', ' ')} per clinic and {self.freq}; {controls} clinics "
            f"as controls; {adjust}; {method}; {inference}; {cohorts}"
        )


DEFAULT_OPTIONS = UpliftOptions()


@dataclass
class PanelInputs:
    panel: SalesPanel
    inputs: dict[str, Any] = field(default_factory=dict)


def _trained_elsewhere(*, campaign: Campaign, skus: list[str]) -> dict[str, str]:
    """Clinics trained by another campaign on any of ``skus`` before this one ended,
    with the other campaign's name."""
    others = (
        Campaign.objects.filter(skus__sku__in=skus)
        .exclude(pk=campaign.pk)
        .distinct()
        .order_by("start_date", "pk")
    )
    out: dict[str, str] = {}
    for other in others:
        for clinic, day in clinic_treatment_dates(campaign_id=other.pk).items():
            if day <= campaign.end_date:
                out.setdefault(clinic, other.name)
    return out


def campaign_panel(*, campaign: Campaign, options: UpliftOptions) -> PanelInputs:
    """Build the campaign's clinic × period panel: its SKUs, its trainings, 12 months
    before its start to its end."""
    batches = list(
        SalesBatch.objects.filter(rolled_back_at__isnull=True).values_list("batch_id", flat=True)
    )
    if not batches:
        raise DIDError(ERROR_NO_SALES)
    own = campaign_skus(campaign)
    skus = list(options.skus) or own
    if not skus:
        raise DIDError(ERROR_NO_SKUS.format(campaign=campaign.name))
    master = product_master()
    unknown = sorted(set(skus) - master.skus)
    if unknown:
        raise DIDError(ERROR_UNKNOWN_SKUS.format(skus=", ".join(unknown)))
    clinics = pd.DataFrame(clinic_covariates()).rename(
        columns={"code": "clinic_id", "region__code": "region", "territory__code": "territory"}
    )
    treatment = clinic_treatment_dates(campaign_id=campaign.pk)
    # Trained by another campaign on the same products before this one ended: neither an
    # untouched control nor a clean treated clinic (its "before" already had training).
    elsewhere = _trained_elsewhere(campaign=campaign, skus=skus)
    left_out = set(elsewhere)
    treatment = {c: d for c, d in treatment.items() if c not in left_out}
    dropped: list[dict[str, Any]] = []
    if left_out:
        names = sorted({elsewhere[c] for c in left_out})
        dropped.append(
            {
                "reason": "trained by another campaign on the same products "
                f"({', '.join(names)}) before this one ended",
                "clinics": len(left_out),
            }
        )
        clinics = clinics[~clinics["clinic_id"].isin(left_out)]
    start = (pd.Timestamp(campaign.start_date) - pd.DateOffset(months=PRE_PERIOD_MONTHS)).date()
    panel = sales_panel(
        sales_dataset().table(connect()),
        products=master,
        clinics=clinics,
        treatment=treatment,
        start=start,
        end=campaign.end_date,
        pre_end=campaign.start_date,
        freq=options.freq,  # type: ignore[arg-type]
        outcome=options.outcome,  # type: ignore[arg-type]
        skus=skus,
    )
    early = len(clinics) - panel.n_units
    if early:
        dropped.append({"reason": "trained before the sales data start", "clinics": early})
    territory = clinics.set_index("clinic_id")["territory"]
    panel.frame["territory"] = panel.frame["clinic_id"].map(territory).fillna("none")
    inputs = {
        "campaign": {"slug": campaign.slug, "name": campaign.name},
        "skus": sorted(skus),
        "negative_control": bool(options.skus) and sorted(options.skus) != own,
        "sales_batches": sorted(batches),
        "clinics": int(len(clinics) + len(left_out)),
        "trained_clinics": len(treatment),  # by this campaign, and counted
        "dropped": dropped,
        "periods": [p.isoformat() for p in (panel.periods[0], panel.periods[-1])],
        "notes": panel.notes,
    }
    return PanelInputs(panel=panel, inputs=inputs)


def _design(frame: pd.DataFrame, covariates: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Numeric covariates as they are; categorical ones as indicators minus a base level."""
    columns: list[str] = []
    for name in covariates:
        if name in {"segment", "region"}:
            dummies = pd.get_dummies(frame[name], prefix=name, drop_first=True, dtype=float)
            frame = pd.concat([frame, dummies], axis=1)
            columns.extend(dummies.columns)
        else:
            columns.append(name)
    return frame, columns


def _drop_small_cohorts(
    frame: pd.DataFrame, *, minimum: int
) -> tuple[pd.DataFrame, list[str], int]:
    """Leave out cohorts too small to estimate (late trainings), and say so.

    Merging them into a neighbouring cohort would misdate their training; leaving them
    out only narrows which trainings the average covers.
    """
    sizes = frame[frame["cohort"] > 0].groupby("cohort")["clinic_id"].nunique()
    small = sizes[sizes < minimum]
    if small.empty:
        return frame, [], 0
    periods = dict(zip(frame["t"], frame["period"], strict=False))
    notes = [
        f"{int(n)} clinic(s) first trained in {periods[int(c)]:%Y-%m} left out: too few "
        f"to estimate their cohort (fewer than {minimum})."
        for c, n in small.items()
    ]
    return frame[~frame["cohort"].isin(small.index)], notes, int(small.sum())


def uplift_estimate(
    panel: SalesPanel, options: UpliftOptions
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the estimator on a panel; return the result document and its charts.

    The document's ``sample`` says how many trained and never-trained clinics the
    estimate counts and how many trained clinics small cohorts left out.
    """
    frame, covs = _design(panel.frame, options.covariates)
    minimum = (
        options.min_cohort_size
        if options.min_cohort_size is not None
        else len(covs) + COHORT_MARGIN
    )
    frame, small_notes, small = _drop_small_cohorts(frame, minimum=minimum)
    est = ATTgt(
        control=options.control,  # type: ignore[arg-type]
        method=options.method,  # type: ignore[arg-type]
        base_period=options.base_period,  # type: ignore[arg-type]
        anticipation=options.anticipation,
        covariates=covs,
        cluster=options.cluster,
        bootstrap=options.bootstrap,
        seed=options.seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reported in the document's "warnings"
        est.fit(frame, unit="clinic_id", time="t", cohort="cohort", outcome="outcome")
        document = analysis_document(est)
        balance = est.balance()
        dynamic = est.aggregate("dynamic")
    document["balance"] = rows(balance.tidy(), list(balance.tidy().columns))
    document["periods"] = [p.isoformat() for p in panel.periods]
    document["notes"] = [*panel.notes, *small_notes]
    cohorts = frame.groupby("clinic_id")["cohort"].first()
    document["sample"] = {
        "trained_clinics": int((cohorts > 0).sum()),
        "control_clinics": int((cohorts == 0).sum()),
        "small_cohort_clinics": small,
    }
    if options.sensitivity_mbar:
        document["sensitivity"] = sensitivity_document(
            frame, options=options, covariates=covs, mbar=options.sensitivity_mbar
        )
    charts = {"event_study": dynamic.plot(), "balance": balance.plot()}
    return document, charts


# The event times the sensitivity bounds: the training month and six months after it
# (when the ramped-up effect shows), where the panel reaches that far.
SENSITIVITY_EVENTS = (0, 5)


def sensitivity_document(
    frame: pd.DataFrame,
    *,
    options: UpliftOptions,
    covariates: list[str],
    mbar: tuple[float, ...],
) -> dict[str, Any]:
    """How strong a break in parallel trends would overturn the event study (Rambachan
    & Roth's relative magnitudes), as ``to_dict()`` gives it, or ``{"error": ...}``.

    The bounds need the event study normalised to the period before training, so the
    same design is fitted again with a universal base period (analytic, no bootstrap).
    """
    universal = ATTgt(
        control=options.control,  # type: ignore[arg-type]
        method=options.method,  # type: ignore[arg-type]
        base_period="universal",
        anticipation=options.anticipation,
        covariates=covariates,
        cluster=options.cluster,
        bootstrap=0,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            universal.fit(frame, unit="clinic_id", time="t", cohort="cohort", outcome="outcome")
            events = universal.aggregate("dynamic").table["event"].tolist()
            wanted = [e for e in SENSITIVITY_EVENTS if e in events]
            bounds = relative_magnitudes(universal, mbar=mbar, event_times=wanted)
    except (DIDError, ValueError) as exc:
        return {"error": str(exc).splitlines()[0]}
    return bounds.to_dict()


def uplift_analysis_start(
    *, campaign: Campaign, user: User | None, options: UpliftOptions | None = None
) -> UpliftAnalysis:
    """Record a new analysis as running; ``uplift_analysis_compute`` fills it in."""
    options = options or UpliftOptions()
    with transaction.atomic():
        analysis = UpliftAnalysis.objects.create(
            campaign=campaign, options=options.to_json(), created_by=user
        )
        audit_record(actor=user, action="uplift.run", obj=analysis, after=analysis.options)
    return analysis


def uplift_analysis_compute(analysis_id: int) -> UpliftAnalysis:
    """Build the panel, estimate, and store the result (or the reason it failed)."""
    analysis = UpliftAnalysis.objects.select_related("campaign").get(pk=analysis_id)
    options = UpliftOptions.from_json(analysis.options)
    began = time.perf_counter()
    try:
        built = campaign_panel(campaign=analysis.campaign, options=options)
        analysis.inputs = built.inputs
        document, analysis.charts = uplift_estimate(built.panel, options)
        sample = document["sample"]
        if small := sample["small_cohort_clinics"]:
            built.inputs["dropped"].append(
                {"reason": "first trained in a cohort too small to estimate", "clinics": small}
            )
        analysis.result = {
            "campaign": {**built.inputs["campaign"], "skus": built.inputs["skus"]},
            "negative_control": built.inputs["negative_control"],
            "options": options.to_json(),
            **document,
            "sample": {**sample, "dropped": built.inputs["dropped"]},
        }
        analysis.status = "done"
    except (DIDError, ValueError) as exc:
        analysis.error = str(exc).splitlines()[0]
        analysis.status = "failed"
    analysis.seconds = time.perf_counter() - began
    analysis.save(update_fields=["inputs", "result", "charts", "status", "error", "seconds"])
    return analysis


def uplift_analysis_run(
    *, campaign: Campaign, user: User | None, options: UpliftOptions | None = None
) -> UpliftAnalysis:
    """Start and compute an analysis in this thread (CLI, tests, the scheduled job)."""
    analysis = uplift_analysis_start(campaign=campaign, user=user, options=options)
    return uplift_analysis_compute(analysis.pk)


def uplift_analysis_in_background(analysis_id: int) -> None:
    """Compute in a worker thread so the page returns at once and polls for the result."""
    import threading

    from django.db import connection

    def work() -> None:
        try:
            uplift_analysis_compute(analysis_id)
        except Exception as exc:
            UpliftAnalysis.objects.filter(pk=analysis_id).update(
                status="failed", error=str(exc)[:500]
            )
        finally:
            connection.close()

    threading.Thread(target=work, name=f"uplift-{analysis_id}", daemon=True).start()
