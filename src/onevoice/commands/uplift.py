"""``onevoice uplift``: staggered difference-in-differences on a panel file.

Thin layer over `onevoice.analytics.did`: read the file, fit, print. With ``--json``
stdout is exactly one JSON object; failures exit non-zero with a one-line reason on
stderr. Never imports Django (the ``--campaign`` variant lives with the Django side).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

__all__ = ["uplift"]

_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _read_panel(path: Path, columns: list[str]) -> Any:
    """Read only the needed columns; CSV or Parquet (file or dataset folder)."""
    import pandas as pd
    import pyarrow as pa

    kind = "parquet" if path.is_dir() else _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: expected a .csv or .parquet file")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    import pyarrow.parquet as pq
    from pyarrow import csv

    try:
        if kind == "parquet":
            present = pq.read_schema(path).names if path.is_file() else None
        else:
            with csv.open_csv(path) as reader:
                present = reader.schema.names
        if present is not None:
            missing = [c for c in columns if c not in present]
            if missing:
                raise ValueError(
                    f"{path}: column {missing[0]!r} is not in the file; columns are: "
                    + ", ".join(present[:20])
                )
        if kind == "parquet":
            table = pq.read_table(path, columns=columns)
        else:
            table = csv.read_csv(path, convert_options=csv.ConvertOptions(include_columns=columns))
    except pa.ArrowException as exc:
        raise ValueError(f"{path}: {str(exc).splitlines()[0]}") from None
    frame = table.to_pandas()
    return frame, pd


def _dates_if_text(frame: Any, pd: Any, column: str) -> None:
    """Text periods / cohorts (e.g. '2024-03-01') become datetimes; '0' / '' mean never."""
    s = frame[column]
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return
    text = s.astype("string").str.strip()
    never = text.isna() | text.isin(["", "0"])
    parsed = pd.to_datetime(text.where(~never), errors="coerce")
    bad = parsed.isna() & ~never
    if bad.any():
        raise ValueError(
            f"column {column!r}: cannot read {text[bad].iloc[0]!r} as a number or date"
        )
    frame[column] = parsed


def uplift(
    panel: Annotated[
        Path | None,
        typer.Argument(help="Long panel, CSV or Parquet: one row per unit and period."),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Unit id column (numbers or text).")
    ] = None,
    time: Annotated[
        str | None, typer.Option("--time", help="Period column (numbers or dates).")
    ] = None,
    cohort: Annotated[
        str | None,
        typer.Option("--cohort", help="First treated period; 0 or empty = never treated."),
    ] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="Outcome column (e.g. units).")
    ] = None,
    campaign: Annotated[
        str | None,
        typer.Option(
            "--campaign",
            help="Run on a campaign's own data (id or slug) instead of a panel file; "
            "the analysis is stored in the app.",
        ),
    ] = None,
    control: Annotated[
        str | None,
        typer.Option(
            "--control",
            help="Control group: never | notyet (default: never for a panel file; the "
            "recommended analysis's for --campaign).",
        ),
    ] = None,
    covariates: Annotated[
        str | None,
        typer.Option(
            "--covariates",
            help="Comma-separated covariate columns ('' for none; --campaign default: "
            "n_vets, patient_volume, pre_level, segment, region).",
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="With covariates: dr | ipw | reg.")
    ] = "dr",
    base_period: Annotated[
        str, typer.Option("--base-period", help="varying | universal.")
    ] = "varying",
    anticipation: Annotated[
        int, typer.Option("--anticipation", help="Periods of anticipation.", min=0)
    ] = 0,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="Cluster column, constant within unit.")
    ] = None,
    bootstrap: Annotated[
        int | None,
        typer.Option(
            "--bootstrap",
            help="Multiplier-bootstrap draws (0 = analytic; default 0 for a panel file, "
            "999 for --campaign).",
            min=0,
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.", min=0)] = None,
    balance_e: Annotated[
        int | None,
        typer.Option("--balance-e", help="Event study balanced up to this event time."),
    ] = None,
    unit_price: Annotated[
        float | None,
        typer.Option("--unit-price", help="Price per outcome unit, for incremental revenue."),
    ] = None,
    skus: Annotated[
        str | None,
        typer.Option(
            "--skus",
            help="With --campaign: run the campaign's design on these SKUs instead of its "
            "own (comma-separated), a negative control.",
        ),
    ] = None,
    min_cohort_size: Annotated[
        int | None,
        typer.Option(
            "--min-cohort-size",
            help="Smallest cohort estimated (default: the number of covariates + 5, so the "
            "propensity model can be fitted). A panel file refuses smaller cohorts; "
            "--campaign leaves them out and says so. 1 estimates every cohort, as R did.",
            min=1,
        ),
    ] = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Add Rambachan & Roth's relative-magnitudes bounds of the event study: how "
            "strong a break in parallel trends would overturn the conclusion (always "
            "computed with --campaign).",
        ),
    ] = False,
    mbar: Annotated[
        str,
        typer.Option("--mbar", help="M̄ values of the sensitivity bounds, comma-separated."),
    ] = "0.5,1,1.5,2",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")
    ] = False,
) -> None:
    """Estimate the effect of treatment (e.g. training vets) on an outcome, honestly.

    Callaway & Sant'Anna group-time effects, their aggregations, the pre-trend test and
    the naive comparison beside them.
    """
    from onevoice.analytics.did import ATTgt, DIDError
    from onevoice.analytics.did.document import analysis_document

    covs = tuple(c.strip() for c in (covariates or "").split(",") if c.strip())
    try:
        mbars = tuple(float(m) for m in mbar.split(",") if m.strip())
    except ValueError:
        _refuse(f"--mbar must be numbers separated by commas, not {mbar!r}", as_json=as_json)
    if campaign is not None:
        _campaign_uplift(
            campaign,
            choices={
                "outcome": outcome,
                "control": control,
                "method": method,
                "base_period": base_period,
                "anticipation": anticipation,
                "covariates": None if covariates is None else covs,
                "cluster": cluster,
                "bootstrap": bootstrap,
                "seed": seed,
                "skus": None
                if skus is None
                else tuple(s.strip() for s in skus.split(",") if s.strip()),
                "min_cohort_size": min_cohort_size,
                "sensitivity_mbar": mbars,
            },
            as_json=as_json,
        )
        return
    control = control or "never"
    bootstrap = bootstrap or 0
    if panel is None or not (unit and time and cohort and outcome):
        _refuse(
            "give a PANEL file with --unit, --time, --cohort and --outcome, or --campaign ID",
            as_json=as_json,
        )
    needed = list(
        dict.fromkeys([unit, time, cohort, outcome, *covs, *([cluster] if cluster else [])])
    )
    try:
        frame, pd = _read_panel(panel, needed)
        _dates_if_text(frame, pd, time)
        if pd.api.types.is_datetime64_any_dtype(frame[time].dtype):
            _dates_if_text(frame, pd, cohort)
        est = ATTgt(
            control=control,  # type: ignore[arg-type]
            method=method,  # type: ignore[arg-type]
            base_period=base_period,  # type: ignore[arg-type]
            anticipation=anticipation,
            covariates=covs,
            cluster=cluster,
            bootstrap=bootstrap,
            seed=seed,
            min_cohort_size=min_cohort_size,
        )
        with warnings.catch_warnings():
            # Warnings are reported once, in the output, not also by the warnings module.
            warnings.simplefilter("ignore")
            est.fit(frame, unit=unit, time=time, cohort=cohort, outcome=outcome)
            simple = est.aggregate("simple")
            dynamic = est.aggregate("dynamic", balance_e=balance_e)
            group = est.aggregate("group")
            calendar = est.aggregate("calendar")
            naive = est.naive()
            lift = est.uplift(unit_price=unit_price)
            columns = {"unit": unit, "time": time, "cohort": cohort, "outcome": outcome}
            bounds = _sensitivity(est, frame, columns, mbars) if sensitivity else None
    except (DIDError, ValueError, OSError) as exc:
        _refuse(str(exc), as_json=as_json)

    if as_json:
        doc = analysis_document(est, balance_e=balance_e, unit_price=unit_price)
        if bounds is not None:
            doc["sensitivity"] = bounds.to_dict()
        typer.echo(json.dumps(doc, allow_nan=False))
        return
    for text in (
        est.panel_report_.summary(),
        est.att_gt_.summary(),
        simple.summary(),
        dynamic.summary(),
        group.summary(),
        calendar.summary(),
        naive.summary(),
        lift.summary(),
        *([bounds.summary()] if bounds is not None else []),
    ):
        typer.echo(text + "\n")
    for w in est.warnings_:
        typer.echo(f"warning: {w}", err=True)


def _sensitivity(est: Any, frame: Any, columns: dict[str, str], mbars: tuple[float, ...]) -> Any:
    """The relative-magnitudes bounds at every post-treatment event time: the same design
    refitted with a universal base period (the event-study normalisation they assume)."""
    from onevoice.analytics.did import ATTgt, relative_magnitudes

    if est.base_period == "universal":
        universal = est
    else:
        params = {**est.get_params(), "base_period": "universal", "bootstrap": 0}
        universal = ATTgt(**params)
        universal.fit(frame, **columns)
    return relative_magnitudes(universal, mbar=mbars, event_times=None)


def _refuse(message: str, *, as_json: bool) -> NoReturn:
    """Stop with one line: on stderr (exit 1), or with ``--json`` as ``{"error": ...}``
    on stdout (exit 2), so a script reading stdout always gets one whole JSON object."""
    line = message.splitlines()[0] if message else "the analysis failed"
    if as_json:
        typer.echo(json.dumps({"error": line}))
        raise typer.Exit(code=2)
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code=1)


def _campaign_uplift(campaign: str, *, choices: dict[str, Any], as_json: bool) -> None:
    """``--campaign``: the measurement app's analysis, stored, printed like a panel's.

    Options not given are the recommended analysis's (``UpliftOptions``), the one the
    page, the review and the scheduled job use: the same data gives the same numbers.
    """
    from onevoice.commands.django_env import django_start, migrate

    django_start(None)
    migrate()
    from django.db.models import Q

    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.uplift import UpliftOptions, uplift_analysis_run

    lookup = Q(slug=campaign) | (Q(pk=int(campaign)) if campaign.isdigit() else Q())
    found = Campaign.objects.filter(lookup).first()
    if found is None:
        _refuse(f"no campaign with id or slug {campaign!r}", as_json=as_json)
    given = {k: v for k, v in choices.items() if v is not None}
    options = UpliftOptions(**given)
    analysis = uplift_analysis_run(campaign=found, user=None, options=options)
    if analysis.status != "done":
        _refuse(analysis.error, as_json=as_json)
    result = analysis.result or {}
    if as_json:
        keep = {k: v for k, v in result.items() if k not in {"balance", "periods"}}
        keep["analysis_id"] = analysis.pk
        typer.echo(json.dumps(keep, allow_nan=False))
        return
    simple, naive, lift = result["simple"], result["naive"], result["uplift"]
    rel = lift["relative_uplift"]
    sample = result.get("sample") or {}
    typer.echo(
        f"{found.name}: sales of {', '.join(result['campaign']['skus'])}; "
        f"{sample.get('trained_clinics')} trained clinics against "
        f"{sample.get('control_clinics')} not trained by the campaign.\n"
        f"Options: {options.describe()}.\n"
        f"Training effect {simple['att']:.3f} {options.outcome}/clinic/period "
        f"(95% CI {simple['ci_low']:.3f} to {simple['ci_high']:.3f}); relative uplift "
        f"{rel['estimate']:.1%} (CI {rel['ci_low']:.1%} to {rel['ci_high']:.1%}).\n"
        f"Naive ratio trained / never trained: {naive['ratio']:.2f}x; of the gap "
        f"{naive['gap']:.3f}, {naive['selection']:.3f} is selection and "
        f"{naive['effect']:.3f} is training. Stored as analysis {analysis.pk}."
    )
    if result.get("negative_control"):
        typer.echo(
            "This is a negative control: the campaign never trained on these SKUs, so an "
            "interval away from 0 means the design is confounded."
        )
    for dropped in sample.get("dropped", []):
        typer.echo(f"note: {dropped['clinics']} clinic(s) left out: {dropped['reason']}", err=True)
    for note in result.get("notes", []):
        typer.echo(f"note: {note}", err=True)
