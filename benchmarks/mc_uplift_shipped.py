"""Monte Carlo of the uplift users actually get: the shipped defaults, through the app.

Usage::

    .venv/bin/python benchmarks/mc_uplift_shipped.py --launches 200 --csv runs.csv
    .venv/bin/python benchmarks/mc_uplift_shipped.py --launches 100 --first-seed 101 --csv b.csv
    .venv/bin/python benchmarks/mc_uplift_shipped.py --summarise a.csv b.csv

Unlike ``mc_uplift.py`` (the estimator on the simulator's panel with the simulator's own
selection covariates), every launch here goes through what the page runs: the simulated
launch is stored in a real database (clinics, vets, the campaign with its SKUs, its
customer trainings) and its distributor sales are imported into the Parquet dataset by
the importer; then ``measurement.uplift.uplift_analysis_run`` builds the campaign's panel
from the stored sales and trainings and estimates, for the shipped default
(``DEFAULT_OPTIONS``: not-yet-trained controls, doubly robust with number of vets,
patient volume, pre-campaign sales, segment and region, 999-draw bootstrap, small cohorts
left out) and for each alternative a user can pick on the page (never-trained controls,
no covariates, analytic standard errors).

The truth of each run is the simple ATT over exactly the treated clinic-months the run
estimated (the cohorts it kept, from their training month to the campaign's end),
computed from the simulation's expected effects (its potential outcomes).

Targets (issue 16): for the default, |bias| < 3% of the true effect and 95% coverage in
93-97% over >= 200 launches. Results: docs/benchmarks_uplift.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CONFIGS: dict[str, dict[str, Any]] = {
    # name: the options that differ from DEFAULT_OPTIONS
    "default": {},
    "default_analytic": {"bootstrap": 0},
    "never_cov_bootstrap": {"control": "never"},
    "never_cov_analytic": {"control": "never", "bootstrap": 0},
    "notyet_nocov_analytic": {"covariates": (), "bootstrap": 0},
    "never_nocov_analytic": {"control": "never", "covariates": (), "bootstrap": 0},
}


def _setup(home: Path) -> None:
    os.environ["ONEVOICE_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    from onevoice.commands.django_env import django_start, migrate

    django_start(home)
    migrate()


def _load(launch: Any, sales_dir: Path) -> Any:
    """Store the launch as the demo would (org, products, clinics, vets, the live campaign
    with its SKUs, its trainings) and import its sales; return the campaign."""
    import datetime as dt

    from django.conf import settings
    from django.core.management import call_command

    from onevoice.accounts.org import TerritoryRow, org_load
    from onevoice.campaigns.models import Campaign, Product
    from onevoice.field.services import (
        TrainingRow,
        clinics_bulk_load,
        trainings_bulk_load,
        vets_bulk_load,
    )
    from onevoice.measurement.demo_load import (
        _people,
        clinic_rows,
        demo_sales_import,
        vet_rows,
    )

    call_command("flush", interactive=False, verbosity=0)
    settings.SALES_DATASET_DIR = sales_dir
    people, usernames = _people(launch)
    rep_of = {r.territory_id: usernames[r.rep_id] for r in launch.reps.itertuples(index=False)}
    org_load(
        regions=[(r.region_id, r.name) for r in launch.regions.itertuples(index=False)],
        people=people,
        territories=[
            TerritoryRow(t.territory_id, t.name, t.region_id, rep_of.get(t.territory_id))
            for t in launch.territories.itertuples(index=False)
        ],
        password=None,
    )
    for p in launch.products.itertuples(index=False):
        Product.objects.create(
            sku=p.sku,
            name=p.name,
            family="Cardivance",
            strength_mg=float(p.strength_mg),
            tablets_per_pack=int(p.tablets_per_pack),
            list_price=round(float(p.list_price), 2),
            treatment_months_per_pack=float(p.treatment_months_per_pack),
        )
    clinics_bulk_load(rows=clinic_rows(launch))
    vets_bulk_load(rows=vet_rows(launch))
    from onevoice.accounts.models import User

    start = launch.params.campaign_start
    end = (pd.Timestamp(start) + pd.DateOffset(months=launch.params.months_post)).date()
    lead = User.objects.get(username="marketing")
    campaign = Campaign.objects.create(
        slug="cardio-b2-launch",
        name="Cardio B2 launch",
        product="Cardivance",
        indication="MMVD stage B2",
        objective="Find B2 dogs.",
        why="Monte Carlo.",
        start_date=start,
        end_date=end - dt.timedelta(days=1),
        marketing_lead=lead,
        sales_lead=lead,
        status="live",
    )
    campaign.skus.set(Product.objects.all())
    attendance: dict[str, list[tuple[str, None, None]]] = {}
    for a in launch.training_attendance.itertuples(index=False):
        attendance.setdefault(a.training_id, []).append((a.vet_id, None, None))
    trainings_bulk_load(
        rows=(
            TrainingRow(
                t.training_id,
                t.clinic_id,
                pd.Timestamp(t.date).date(),
                t.format,
                usernames[t.rep_id],
                usernames.get(t.field_vet_id) if isinstance(t.field_vet_id, str) else None,
                attendance.get(t.training_id, ()),
                campaign.slug,
            )
            for t in launch.customer_trainings.itertuples(index=False)
        )
    )
    demo_sales_import(launch)  # type: ignore[arg-type]  # reads only .sales
    return campaign


def _truth(launch: Any, result: dict[str, Any]) -> tuple[float, float]:
    """Simple ATT and relative uplift over the treated clinic-months the run kept."""
    periods = [pd.Timestamp(p) for p in result["periods"]]
    kept = {periods[int(r["group"]) - 1] for r in result["att_gt"]}
    first = launch.treatment.set_index("clinic_id")["first_trained"]
    cohort = launch.clinic_months["clinic_id"].map(first)
    months = launch.clinic_months
    cells = cohort.isin(kept) & (months["date"] >= cohort) & (months["date"] <= periods[-1])
    effect = float(months.loc[cells, "expected_effect"].mean())
    untreated = float(months.loc[cells, "expected_untreated"].mean())
    return effect, effect / untreated


def one_launch(seed: int, n_clinics: int, work: Path) -> list[dict[str, Any]]:
    from onevoice.analytics.simulate import SimulationParams, simulate_launch
    from onevoice.measurement.uplift import DEFAULT_OPTIONS, uplift_analysis_run

    launch = simulate_launch(SimulationParams(seed=seed, n_clinics=n_clinics))
    sales_dir = work / f"sales-{seed}"
    campaign = _load(launch, sales_dir)
    rows = []
    for name, changes in CONFIGS.items():
        began = time.perf_counter()
        analysis = uplift_analysis_run(
            campaign=campaign, user=None, options=replace(DEFAULT_OPTIONS, **changes)
        )
        row: dict[str, Any] = {"seed": seed, "config": name, "status": analysis.status}
        if analysis.status == "done":
            result = analysis.result
            truth, true_rel = _truth(launch, result)
            simple, rel = result["simple"], result["uplift"]["relative_uplift"]
            row |= {
                "att": simple["att"],
                "se": simple["se"],
                "ci_low": simple["ci_low"],
                "ci_high": simple["ci_high"],
                "truth": truth,
                "rel": rel["estimate"],
                "rel_ci_low": rel["ci_low"],
                "rel_ci_high": rel["ci_high"],
                "true_rel": true_rel,
                "trained": result["sample"]["trained_clinics"],
                "small_cohort_clinics": result["sample"]["small_cohort_clinics"],
            }
        else:
            row["error"] = analysis.error
        row["seconds"] = time.perf_counter() - began
        rows.append(row)
    shutil.rmtree(sales_dir, ignore_errors=True)
    return rows


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per configuration: bias, RMSE, coverage, SD(error)/mean(SE), with MC errors."""
    out = []
    for name in CONFIGS:
        d = runs[(runs["config"] == name) & (runs["status"] == "done")]
        if d.empty:
            continue
        err = d["att"] - d["truth"]
        cover = (d["ci_low"] <= d["truth"]) & (d["truth"] <= d["ci_high"])
        rel_cover = (d["rel_ci_low"] <= d["true_rel"]) & (d["true_rel"] <= d["rel_ci_high"])
        n = len(d)
        out.append(
            {
                "configuration": name,
                "launches": n,
                "failed": int((runs["config"] == name).sum() - n),
                "mean truth (packs)": d["truth"].mean(),
                "bias % of truth": 100 * err.mean() / d["truth"].mean(),
                "bias MC s.e. %": 100 * err.std(ddof=1) / np.sqrt(n) / d["truth"].mean(),
                "RMSE (packs)": float(np.sqrt((err**2).mean())),
                "coverage %": 100 * cover.mean(),
                "coverage MC s.e.": 100 * np.sqrt(cover.mean() * (1 - cover.mean()) / n),
                "relative coverage %": 100 * rel_cover.mean(),
                "SD(error)/mean(SE)": err.std(ddof=1) / d["se"].mean(),
                "mean relative uplift %": 100 * d["rel"].mean(),
                "true relative uplift %": 100 * d["true_rel"].mean(),
                "seconds per run": d["seconds"].mean(),
            }
        )
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame) -> str:
    """A Markdown table (no tabulate dependency), numbers to 3 significant digits."""

    def cell(v: Any) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.to_numpy()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--launches", type=int, default=200)
    parser.add_argument("--clinics", type=int, default=2000)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--csv", type=Path, help="append one row per launch and option set")
    parser.add_argument("--summarise", type=Path, nargs="*", help="only summarise these CSVs")
    args = parser.parse_args()
    if args.summarise:
        runs = pd.concat([pd.read_csv(p) for p in args.summarise], ignore_index=True)
        print(markdown(summarise(runs)))
        return
    work = Path(tempfile.mkdtemp(prefix="onevoice-mc-"))
    _setup(work)
    rows: list[dict[str, Any]] = []
    done = set()
    if args.csv and args.csv.exists():
        previous = pd.read_csv(args.csv)
        done = set(previous["seed"])
        rows = previous.to_dict("records")
    began = time.perf_counter()
    for seed in range(args.first_seed, args.first_seed + args.launches):
        if seed in done:
            continue
        rows += one_launch(seed, args.clinics, work)
        if args.csv:
            pd.DataFrame(rows).to_csv(args.csv, index=False)
        print(f"seed {seed} done, {time.perf_counter() - began:.0f} s", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    print(markdown(summarise(pd.DataFrame(rows))))


if __name__ == "__main__":
    main()
