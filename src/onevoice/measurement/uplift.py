"""The uplift engine on a campaign's own data: panel, estimate, stored analysis.

Treatment is a clinic's first customer training (``field.selectors``); the outcome
comes from the sales dataset (``measurement.sales``); the estimator is Callaway &
Sant'Anna in ``onevoice.analytics.did``. Every run is stored with its options and the
inputs it read, so a review can always show where a number came from.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record
from onevoice.analytics.did import ATTgt, DIDError
from onevoice.analytics.did.document import analysis_document, rows
from onevoice.analytics.panel import SalesPanel, sales_panel
from onevoice.analytics.warehouse import connect
from onevoice.campaigns.models import Campaign
from onevoice.field.selectors import clinic_covariates, clinic_treatment_dates
from onevoice.measurement.models import SalesBatch, UpliftAnalysis
from onevoice.measurement.sales import product_master, sales_dataset

ERROR_NO_SALES = "There are no sales stored yet: import the distributor files first."
PRE_PERIOD_MONTHS = 12


@dataclass(frozen=True)
class UpliftOptions:
    """What an analyst chooses; the defaults are what we would defend to a reviewer.

    Not-yet-treated controls use every clinic until it is trained; doubly robust
    adjustment on size, volume, segment, region and pre-campaign level handles the
    selection of bigger, faster-growing clinics into early training; standard errors
    are clustered by clinic and the 999-draw bootstrap gives the uniform band.
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
    product: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["covariates"] = list(self.covariates)
        return data


@dataclass
class PanelInputs:
    panel: SalesPanel
    inputs: dict[str, Any] = field(default_factory=dict)


def campaign_panel(*, campaign: Campaign, options: UpliftOptions) -> PanelInputs:
    """Build the clinic × period panel for a campaign: 12 months before it, to its end."""
    batches = list(
        SalesBatch.objects.filter(rolled_back_at__isnull=True).values_list("batch_id", flat=True)
    )
    if not batches:
        raise DIDError(ERROR_NO_SALES)
    clinics = pd.DataFrame(clinic_covariates()).rename(
        columns={"code": "clinic_id", "region__code": "region", "territory__code": "territory"}
    )
    treatment = clinic_treatment_dates()
    start = (pd.Timestamp(campaign.start_date) - pd.DateOffset(months=PRE_PERIOD_MONTHS)).date()
    con = connect()
    panel = sales_panel(
        sales_dataset().table(con),
        products=product_master(),
        clinics=clinics,
        treatment=treatment,
        start=start,
        end=campaign.end_date,
        pre_end=campaign.start_date,
        freq=options.freq,  # type: ignore[arg-type]
        outcome=options.outcome,  # type: ignore[arg-type]
        product=options.product,
    )
    territory = clinics.set_index("clinic_id")["territory"]
    panel.frame["territory"] = panel.frame["clinic_id"].map(territory).fillna("none")
    inputs = {
        "sales_batches": sorted(batches),
        "clinics": len(clinics),
        "trained_clinics": len(treatment),
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


def _drop_small_cohorts(frame: pd.DataFrame, *, minimum: int) -> tuple[pd.DataFrame, list[str]]:
    """Leave out cohorts too small to estimate (late trainings), and say so.

    Merging them into a neighbouring cohort would misdate their training; leaving them
    out only narrows which trainings the average covers.
    """
    sizes = frame[frame["cohort"] > 0].groupby("cohort")["clinic_id"].nunique()
    small = sizes[sizes < minimum]
    if small.empty:
        return frame, []
    periods = dict(zip(frame["t"], frame["period"], strict=False))
    notes = [
        f"{int(n)} clinic(s) first trained in {periods[int(c)]:%Y-%m} left out: too few "
        f"to estimate their cohort (fewer than {minimum})."
        for c, n in small.items()
    ]
    return frame[~frame["cohort"].isin(small.index)], notes


def uplift_estimate(
    panel: SalesPanel, options: UpliftOptions
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the estimator on a panel; return the result document and its charts."""
    frame, covs = _design(panel.frame, options.covariates)
    frame, dropped = _drop_small_cohorts(frame, minimum=len(covs) + 5)
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
    document["notes"] = [*panel.notes, *dropped]
    charts = {"event_study": dynamic.plot(), "balance": balance.plot()}
    return document, charts


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
    options = UpliftOptions(
        **{**analysis.options, "covariates": tuple(analysis.options["covariates"])}
    )
    began = time.perf_counter()
    try:
        built = campaign_panel(campaign=analysis.campaign, options=options)
        analysis.inputs = built.inputs
        analysis.result, analysis.charts = uplift_estimate(built.panel, options)
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
