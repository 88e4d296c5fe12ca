"""Benchmark: the uplift panel built from 100 million stored sales rows, DuckDB vs pandas.

Generates, in chunks (one month at a time, never the whole set in memory), a sales
dataset laid out as the warehouse stores it: ``data/month=YYYY-MM/batch=<id>/
part-0.parquet`` with the stored schema and Parquet options of
``onevoice.analytics.warehouse``, one import batch per month, and a ``manifest.json``
listing them, so ``SalesDataset(root).table()`` reads it as it reads a real one. Then,
each in its own fresh process, builds the zero-filled clinic x month panel of one
product (units; cohort; covariates and pre-campaign level):

* ``onevoice``: ``onevoice.analytics.panel.sales_panel`` on the Ibis table of the
  dataset, executed by DuckDB (the project's builder, as the uplift command uses it);
* ``pandas``: a plain script - ``pd.read_parquet`` of the needed columns, filter the
  window and the product's SKUs, group by clinic and month, reindex on every clinic x
  month to zero-fill, then the same cohort and covariate columns;
* ``pandas-pushdown``: the same script with the window and SKU filters also given to
  the Parquet reader (``filters=``), as a pandas user who knows pyarrow would write it.

Each child reports wall time, CPU time (user + system, all threads) and peak resident
memory (``ru_maxrss``, interpreter and imports included) and writes its panel, which the
parent compares. Children run under an address-space cap (``RLIMIT_AS``, ``--cap-gb``,
default 12) so that running out of memory is reported ("ran out of memory at N GB")
instead of pushing a shared machine into swap or the OOM killer. Usage::

    python benchmarks/bench_panel_build.py                          # 100M rows
    python benchmarks/bench_panel_build.py --rows 20000000 1000000  # several sizes
    python benchmarks/bench_panel_build.py --rows 1000000 --keep    # keep the data

Data go under ``--work`` (default ``/tmp/onevoice_panel_bench``); a dataset already
generated with the same size and seed is reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CLINICS = 20_000
FIRST_MONTH = dt.date(2023, 1, 1)
MONTHS = 36
# The panel: the product's 24 months from 2024-01, campaign from 2025-01.
START, END, PRE_END = dt.date(2024, 1, 1), dt.date(2025, 12, 31), dt.date(2025, 1, 1)
PRODUCT = "Pimo"
# Eight products of three pack sizes each; lines spread evenly over SKUs, so the
# product's SKUs are one line in eight.
PRODUCTS = ("Pimo", "Cardi", "Vetm", "Fort", "Semi", "Isox", "Benaz", "Spiro")
PACKS = (30.0, 60.0, 100.0)
SEGMENTS = ("independent", "group", "corporate", "referral")
REGIONS = tuple(f"R{i:02d}" for i in range(12))
CONTENDERS = ("onevoice", "pandas", "pandas-pushdown")


def product_master() -> Any:
    from onevoice.analytics.warehouse import Product, ProductMaster

    return ProductMaster(
        Product(sku=f"{p[:3].upper()}-{int(n)}", product=p, pack_size=n, doses_per_day=2.0)
        for p in PRODUCTS
        for n in PACKS
    )


def clinic_ids() -> list[str]:
    return [f"CL-{i:06d}" for i in range(CLINICS)]


def clinics_and_treatment(seed: int) -> tuple[Any, dict[str, dt.date]]:
    """Clinic covariates and first-training dates (about half trained, 2025-01..12)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed + 1)
    clinics = pd.DataFrame(
        {
            "clinic_id": clinic_ids(),
            "n_vets": rng.integers(1, 15, CLINICS),
            "patient_volume": rng.integers(200, 20_000, CLINICS),
            "segment": np.asarray(SEGMENTS)[rng.integers(0, len(SEGMENTS), CLINICS)],
            "region": np.asarray(REGIONS)[rng.integers(0, len(REGIONS), CLINICS)],
        }
    )
    trained = rng.random(CLINICS) < 0.5
    month = rng.integers(0, 12, CLINICS)
    day = rng.integers(1, 29, CLINICS)
    # A few trained before the panel starts, so the "left out" path is exercised.
    early = rng.random(CLINICS) < 0.01
    treatment = {
        cid: (dt.date(2023, 6, int(d)) if e else dt.date(2025, int(m) + 1, int(d)))
        for cid, t, m, d, e in zip(clinics["clinic_id"], trained, month, day, early, strict=True)
        if t
    }
    return clinics, treatment


def _month(k: int) -> dt.date:
    y, m = divmod(FIRST_MONTH.month - 1 + k, 12)
    return dt.date(FIRST_MONTH.year + y, m + 1, 1)


def generate(root: Path, rows: int, seed: int) -> float:
    """Write ``rows`` sales lines month by month in the warehouse layout; return seconds."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from onevoice.analytics.warehouse.dataset import (
        MANIFEST,
        MANIFEST_FORMAT,
        PARQUET_OPTIONS,
        ROWS_PER_GROUP,
        BatchInfo,
    )
    from onevoice.analytics.warehouse.validation import STAGED_SCHEMA

    t0 = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)
    schema = STAGED_SCHEMA.remove(STAGED_SCHEMA.get_field_index("month"))
    skus = pa.array(sorted(product_master()), pa.string())
    ids = pa.array(clinic_ids(), pa.string())
    # Clinics buy at very different rates (log-normal weights), as real ones do.
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 1.0, CLINICS)
    cdf = np.cumsum(weights) / weights.sum()
    batches = []
    per_month = np.full(MONTHS, rows // MONTHS)
    per_month[: rows % MONTHS] += 1
    source_row = 0
    for k, n in enumerate(per_month):
        first = _month(k)
        last = _month(k + 1) - dt.timedelta(days=1)
        batch_id = f"{first:%Y%m}01T000000-{k:06x}"
        path = root / "data" / f"month={first:%Y-%m}" / f"batch={batch_id}" / "part-0.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(path, schema, **PARQUET_OPTIONS) as writer:
            done = 0
            while done < n:  # row groups as the importer writes them
                m = int(min(ROWS_PER_GROUP, n - done))
                clinic = np.searchsorted(cdf, rng.random(m)).astype(np.int32)
                sku = rng.integers(0, len(skus), m, dtype=np.int32)
                day = rng.integers(0, (last - first).days + 1, m).astype(np.int32)
                units = rng.poisson(2.0, m).astype(np.float64) + 1.0
                table = pa.table(
                    {
                        "batch_id": pa.DictionaryArray.from_arrays(
                            pa.array(np.zeros(m, np.int32)), pa.array([batch_id])
                        ),
                        "source_row": pa.array(np.arange(source_row, source_row + m)),
                        "clinic_id": pa.DictionaryArray.from_arrays(pa.array(clinic), ids),
                        "date": pa.array(day + (first - dt.date(1970, 1, 1)).days, pa.int32()).cast(
                            pa.date32()
                        ),
                        "sku": pa.DictionaryArray.from_arrays(pa.array(sku), skus),
                        "units": pa.array(units),
                        "net_revenue": pa.array(np.round(units * (20.0 + sku), 2)),
                        "currency": pa.DictionaryArray.from_arrays(
                            pa.array(np.zeros(m, np.int32)), pa.array(["EUR"])
                        ),
                    },
                    schema=schema,
                )
                writer.write_table(table, row_group_size=ROWS_PER_GROUP)
                done += m
                source_row += m
        batches.append(
            BatchInfo(
                batch_id=batch_id,
                source_name=f"distributor_{first:%Y_%m}.csv",
                content_hash=f"{k:064x}",
                imported_at=f"{last}T23:00:00+00:00",
                rows_read=int(n),
                rows_stored=int(n),
                rows_quarantined=0,
                months=(f"{first:%Y-%m}",),
            ).to_json()
        )
    (root / MANIFEST).write_text(json.dumps({"format": MANIFEST_FORMAT, "batches": batches}))
    return time.perf_counter() - t0


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def build_onevoice(root: Path, seed: int) -> Any:
    from onevoice.analytics.panel import sales_panel
    from onevoice.analytics.warehouse import SalesDataset, connect

    clinics, treatment = clinics_and_treatment(seed)
    table = SalesDataset(root).table(connect("duckdb"))
    panel = sales_panel(
        table,
        products=product_master(),
        clinics=clinics,
        treatment=treatment,
        start=START,
        end=END,
        pre_end=PRE_END,
        freq="month",
        outcome="units",
        product=PRODUCT,
    )
    return panel.frame


def build_pandas(root: Path, seed: int, *, pushdown: bool = False) -> Any:
    """The plain pandas way: read, filter, group, reindex; then cohort and covariates.

    With ``pushdown`` the window and SKU filters are also handed to the Parquet reader
    (``filters=``), so row groups and rows outside them are skipped while reading: what
    a pandas user who knows pyarrow would write.
    """
    import numpy as np
    import pandas as pd

    clinics, treatment = clinics_and_treatment(seed)
    skus = product_master().skus_of(PRODUCT)
    filters = [("date", ">=", START), ("date", "<=", END), ("sku", "in", skus)]
    sales = pd.read_parquet(
        root / "data",
        columns=["clinic_id", "date", "sku", "units"],
        filters=filters if pushdown else None,
    )
    date = pd.to_datetime(sales["date"])
    keep = (date >= pd.Timestamp(START)) & (date <= pd.Timestamp(END)) & sales["sku"].isin(skus)
    sales = sales[keep]
    period = date[keep].dt.to_period("M").dt.to_timestamp()
    units = sales.groupby([sales["clinic_id"], period])["units"].sum()
    months = pd.date_range(START, END, freq="MS")
    grid = pd.MultiIndex.from_product([sorted(clinics["clinic_id"]), months])
    frame = units.reindex(grid, fill_value=0.0).rename("outcome").reset_index()
    frame.columns = ["clinic_id", "period", "outcome"]
    frame["t"] = frame["period"].map({p: i + 1 for i, p in enumerate(months)}).astype(int)
    start = {
        c: pd.Timestamp(d).to_period("M").to_timestamp()
        for c, d in treatment.items()
        if pd.Timestamp(d) >= months[0]
    }
    cohort = {c: months.get_loc(p) + 1 for c, p in start.items()}
    early = [c for c, d in treatment.items() if pd.Timestamp(d) < months[0]]
    frame = frame[~frame["clinic_id"].isin(early)]
    frame["cohort"] = frame["clinic_id"].map(cohort).fillna(0).astype(int)
    pre = frame[frame["period"] < pd.Timestamp(PRE_END)].groupby("clinic_id")["outcome"].mean()
    frame = frame.join(clinics.set_index("clinic_id"), on="clinic_id")
    frame["pre_level"] = frame["clinic_id"].map(pre).fillna(0.0)
    frame["n_vets"] = frame["n_vets"].astype(float)
    frame["patient_volume"] = np.log1p(frame["patient_volume"].astype(float))
    frame["period"] = frame["period"].dt.date
    cols = ["clinic_id", "period", "t", "cohort", "outcome"]
    cols += ["n_vets", "patient_volume", "segment", "region", "pre_level"]
    return frame[cols].reset_index(drop=True)


def child(contender: str, root: Path, seed: int, out: Path, cap_gb: float) -> None:
    """Run one contender in this (fresh) process and print its measurements as JSON."""
    cap = int(cap_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    build = {
        "onevoice": build_onevoice,
        "pandas": build_pandas,
        "pandas-pushdown": lambda r, s: build_pandas(r, s, pushdown=True),
    }[contender]
    start, cpu = time.perf_counter(), _cpu()
    result: dict[str, Any] = {"contender": contender}
    try:
        frame = build(root, seed)
    except MemoryError as exc:  # pyarrow's ArrowMemoryError is one too
        result["error"] = f"ran out of memory at {cap_gb:g} GB ({type(exc).__name__})"
    except Exception as exc:
        # DuckDB reports an allocation failure as its own OutOfMemoryException.
        if "memory" not in str(exc).lower():
            raise
        result["error"] = f"ran out of memory at {cap_gb:g} GB ({type(exc).__name__})"
    else:
        result["rows"] = len(frame)
        frame["period"] = frame["period"].astype(str)
        frame.to_parquet(out, index=False)
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = _cpu() - cpu
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(contender: str, root: Path, seed: int, out: Path, cap_gb: float) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", contender, "--root", str(root)]
    args += ["--seed", str(seed), "--out", str(out), "--cap-gb", str(cap_gb)]
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        oom = "memory" in proc.stderr.lower() or proc.returncode < 0
        what = f"ran out of memory at {cap_gb:g} GB" if oom else "failed"
        return {"contender": contender, "error": f"{what} (exit {proc.returncode}: {tail})"}
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"process_seconds": wall}


def compare(a: Path, b: Path) -> str:
    import numpy as np
    import pandas as pd

    x = pd.read_parquet(a).sort_values(["clinic_id", "period"]).reset_index(drop=True)
    y = pd.read_parquet(b).sort_values(["clinic_id", "period"]).reset_index(drop=True)
    if list(x.columns) != list(y.columns) or len(x) != len(y):
        return f"DIFFERENT shape/columns: {x.shape} {list(x.columns)} vs {y.shape}"
    for col in x.columns:
        if x[col].dtype.kind == "f":
            diff = float(np.max(np.abs(x[col].to_numpy() - y[col].to_numpy())))
            if diff > 1e-9:
                return f"DIFFERENT {col}: max abs diff {diff}"
        elif not (x[col].astype(str).to_numpy() == y[col].astype(str).to_numpy()).all():
            return f"DIFFERENT {col}"
    return f"equal ({len(x):,} rows, {len(x.columns)} columns; outcome total {x['outcome'].sum():,.0f})"


def _row(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"| {r['contender']} | {r['error']} | | |"
    return (
        f"| {r['contender']} | {r['seconds']:.1f} s ({r['process_seconds']:.1f} s process) | "
        f"{r['cpu_seconds']:.1f} s | {r['peak_mb']:,.0f} MB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/onevoice_panel_bench"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cap-gb", type=float, default=12.0)
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.child:
        child(ns.child, ns.root, ns.seed, ns.out, ns.cap_gb)
        return

    for rows in ns.rows:
        root = ns.work / f"sales_{rows}_{ns.seed}"
        if (root / "manifest.json").exists():
            print(f"reusing {root}", file=sys.stderr)
        else:
            seconds = generate(root, rows, ns.seed)
            print(f"generated {rows:,} rows in {seconds:.0f} s", file=sys.stderr)
        size = sum(f.stat().st_size for f in root.rglob("*.parquet")) / 2**20
        results = []
        for contender in CONTENDERS:
            out = ns.work / f"panel_{contender}_{rows}.parquet"
            out.unlink(missing_ok=True)
            results.append(measure(contender, root, ns.seed, out, ns.cap_gb))
            print(json.dumps(results[-1]), file=sys.stderr)
        outs = [ns.work / f"panel_{c}_{rows}.parquet" for c in CONTENDERS]
        same = "; ".join(
            f"{c}: {compare(outs[0], o) if o.exists() else 'not compared (the run failed)'}"
            for c, o in zip(CONTENDERS[1:], outs[1:], strict=True)
        )
        print(
            f"\n### {rows:,} sales rows ({size:,.0f} MB of Parquet, {MONTHS} month partitions), "
            f"{CLINICS:,} clinics x 24 months panel; load average {os.getloadavg()[0]:.1f}\n"
        )
        print("| contender | wall (build; whole process) | CPU | peak RSS |")
        print("|---|---:|---:|---:|")
        for r in results:
            print(_row(r))
        a = results[0]
        print()
        for b in results[1:]:
            if "error" not in a and "error" not in b:
                print(
                    f"- {b['contender']} / onevoice: {b['seconds'] / a['seconds']:.1f}x wall, "
                    f"{b['cpu_seconds'] / a['cpu_seconds']:.1f}x CPU, "
                    f"{b['peak_mb'] / a['peak_mb']:.1f}x peak memory"
                )
        print(f"\nSame panel as onevoice's: {same}")
        if not ns.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
