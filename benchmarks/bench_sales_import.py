"""Benchmark: importing a large distributor CSV vs. a plain pandas read-and-validate.

Generates a sales CSV (10 million rows by default, ~0.3% of them refused for the usual
reasons), then, in the same run, times and measures peak memory of:

* ``onevoice``: ``SalesDataset.import_file`` - read, validate, find duplicates, write the
  month-partitioned Parquet batch and the quarantine, commit;
* ``pandas``: ``pd.read_csv(dtype=str)`` then the same row checks with pandas (it writes
  nothing, so it does strictly less work).

Each contender runs in its own fresh Python process, alternating, ``--repeat`` times;
peak memory is that process's maximum resident set size (``ru_maxrss``), interpreter and
imports included for both. Usage::

    python benchmarks/bench_sales_import.py                 # 10M rows, 3 repeats
    python benchmarks/bench_sales_import.py --rows 1000000 --repeat 1   # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLINICS = 5000
SKUS = 12
NOW = dt.date(2025, 6, 30)


def generate(path: Path, rows: int, *, clean: bool = False) -> None:
    """Write a sales CSV with DuckDB (fast).

    By default 0.5% of the rows are refused (unknown clinic, impossible date, date out of
    the window, negative and non-numeric units) and one line in 100,000 repeats an
    earlier one; ``clean`` writes only good, distinct rows.
    """
    import duckdb

    bad = "-1" if clean else "i % 1000"  # -1 matches no case below
    repeats = "range(0)" if clean else f"range(10, {rows}, 100000)"
    duckdb.sql(
        f"""
        COPY (
          SELECT
            CASE WHEN {bad} = 1 THEN 'CL-99999'
                 ELSE 'CL-' || lpad((i % {CLINICS})::VARCHAR, 5, '0') END AS clinic_id,
            CASE WHEN {bad} = 2 THEN '2023-02-30'
                 WHEN {bad} = 3 THEN '2009-01-01'
                 ELSE (DATE '2022-07-01' + ((i // {CLINICS}) % 1000)::INT)::VARCHAR END AS date,
            'SKU-' || ((i * 7) % {SKUS})::VARCHAR AS sku,
            CASE WHEN {bad} = 4 THEN '-2'
                 WHEN {bad} = 5 THEN 'n/a'
                 ELSE ((i * 13) % 20 + 1)::VARCHAR END AS units,
            round(((i * 13) % 20 + 1) * 23.5 + (i % 7) * 0.01, 2)::VARCHAR AS net_revenue,
            'EUR' AS currency
          FROM range({rows}) t(i)
          -- exact repeats of earlier lines, appended at the end
          UNION ALL
          SELECT 'CL-' || lpad((i % {CLINICS})::VARCHAR, 5, '0'),
                 (DATE '2022-07-01' + ((i // {CLINICS}) % 1000)::INT)::VARCHAR,
                 'SKU-' || ((i * 7) % {SKUS})::VARCHAR,
                 ((i * 13) % 20 + 1)::VARCHAR,
                 round(((i * 13) % 20 + 1) * 23.5 + (i % 7) * 0.01, 2)::VARCHAR,
                 'EUR'
          FROM {repeats} t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )


def _cpu() -> float:
    """CPU seconds of this process, all threads: less sensitive than wall time to other
    programs competing for the same cores."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_onevoice(csv_path: Path, work: Path) -> dict[str, object]:
    from onevoice.analytics.warehouse import ProductMaster, Reference, SalesDataset

    reference = Reference(
        clinic_ids=frozenset(f"CL-{i:05d}" for i in range(CLINICS)),
        products=ProductMaster.from_skus([f"SKU-{i}" for i in range(SKUS)]),
        now=NOW,
    )
    root = work / "dataset"
    shutil.rmtree(root, ignore_errors=True)
    start, cpu = time.perf_counter(), _cpu()
    report = SalesDataset(root).import_file(csv_path, reference=reference)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu() - cpu,
        "rows_read": report.rows_read,
        "rows_stored": report.rows_stored,
        "rows_quarantined": report.rows_quarantined,
        "reasons": report.reasons,
    }


def run_pandas(csv_path: Path, work: Path) -> dict[str, object]:
    import numpy as np
    import pandas as pd

    clinics = {f"CL-{i:05d}" for i in range(CLINICS)}
    skus = {f"SKU-{i}" for i in range(SKUS)}
    start, cpu = time.perf_counter(), _cpu()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    date = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    units = pd.to_numeric(frame["units"], errors="coerce")
    revenue = pd.to_numeric(frame["net_revenue"], errors="coerce")
    earliest = pd.Timestamp(NOW.replace(year=NOW.year - 10))
    checks = [
        ("unknown_clinic", ~frame["clinic_id"].isin(clinics)),
        ("unknown_sku", ~frame["sku"].isin(skus)),
        ("unparseable_date", date.isna()),
        ("date_out_of_window", (date < earliest) | (date > pd.Timestamp(NOW))),
        ("non_numeric_units", units.isna()),
        ("negative_units", units < 0),
        ("non_numeric_revenue", revenue.isna() & (frame["net_revenue"] != "")),
    ]
    # Small integer codes, not strings: the baseline should not waste memory either.
    names = ["", *(name for name, _ in checks), "duplicate_line"]
    code = np.select(
        [mask.to_numpy() for _, mask in checks],
        [np.int8(i + 1) for i in range(len(checks))],
        default=np.int8(0),
    )
    valid = code == 0
    duplicate = frame[valid].duplicated().to_numpy()
    code[np.flatnonzero(valid)[duplicate]] = len(names) - 1
    counts = {names[i]: int(n) for i, n in enumerate(np.bincount(code)) if i and n}
    seconds = time.perf_counter() - start
    refused = int((code != 0).sum())
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu() - cpu,
        "rows_read": len(frame),
        "rows_stored": len(frame) - refused,
        "rows_quarantined": refused,
        "reasons": counts,
    }


def child(contender: str, csv_path: Path, work: Path) -> None:
    result = (run_onevoice if contender == "onevoice" else run_pandas)(csv_path, work)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(contender: str, csv_path: Path, work: Path) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            contender,
            "--csv",
            str(csv_path),
            "--work",
            str(work),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", type=Path, help="use (or create) this CSV instead of a temp file")
    parser.add_argument("--clean", action="store_true", help="no refused or repeated rows")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--child", choices=["onevoice", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    args = parser.parse_args()

    if args.child:
        child(args.child, args.csv, args.work)
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-sales-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = args.csv or work / f"sales_{args.rows}{'_clean' if args.clean else ''}.csv"
    if not csv_path.exists():
        print(f"generating {args.rows:,} rows into {csv_path} ...", file=sys.stderr)
        generate(csv_path, args.rows, clean=args.clean)
    size_mb = csv_path.stat().st_size / 2**20

    runs: dict[str, list[dict[str, object]]] = {"pandas": [], "onevoice": []}
    for i in range(args.repeat):
        for contender in ("pandas", "onevoice"):
            result = measure(contender, csv_path, work)
            runs[contender].append(result)
            print(
                f"run {i + 1} {contender:8s}: {result['seconds']:.2f} s "
                f"({result['cpu_seconds']:.2f} CPU s), peak {result['peak_mb']:.0f} MB, "
                f"load {os.getloadavg()[0]:.1f}",
                file=sys.stderr,
            )
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)

    summary = {}
    for contender, results in runs.items():
        seconds = statistics.median(float(r["seconds"]) for r in results)  # type: ignore[arg-type]
        peak = statistics.median(float(r["peak_mb"]) for r in results)  # type: ignore[arg-type]
        rows = int(results[0]["rows_read"])  # type: ignore[call-overload]
        cpu = statistics.median(float(r["cpu_seconds"]) for r in results)  # type: ignore[arg-type]
        summary[contender] = {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "rows_per_s": rows / seconds,
            "peak_mb": peak,
            "rows_read": rows,
            "rows_stored": results[0]["rows_stored"],
            "rows_quarantined": results[0]["rows_quarantined"],
            "reasons": results[0]["reasons"],
            "all_seconds": [r["seconds"] for r in results],
            "all_cpu_seconds": [r["cpu_seconds"] for r in results],
            "all_peak_mb": [r["peak_mb"] for r in results],
        }
    if args.json:
        print(json.dumps({"rows": args.rows, "csv_mb": size_mb, "results": summary}, indent=1))
        return
    base, ours = summary["pandas"], summary["onevoice"]
    print(
        f"CSV: {base['rows_read']:,} rows, {size_mb:.0f} MB; median of {args.repeat} run(s); "
        f"{os.cpu_count()} CPU(s); load average at the end {os.getloadavg()[0]:.1f}\n"
    )
    print("| contender | wall s | rows/s | CPU s | peak memory (MB) | stored | quarantined |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in (("pandas read + validate (baseline)", base), ("onevoice import", ours)):
        print(
            f"| {name} | {r['seconds']:.2f} | {r['rows_per_s']:,.0f} | {r['cpu_seconds']:.2f} | "
            f"{r['peak_mb']:,.0f} | {r['rows_stored']:,} | {r['rows_quarantined']:,} |"
        )
    speed = ours["rows_per_s"] / base["rows_per_s"]
    cpu_ratio = base["cpu_seconds"] / ours["cpu_seconds"]
    memory = ours["peak_mb"] / base["peak_mb"]
    print(
        f"\nspeed-up {speed:.1f}x in wall time (target >= 5x), {cpu_ratio:.1f}x in CPU time; "
        f"peak memory {memory:.2f}x of baseline (target <= 0.5x)"
    )


if __name__ == "__main__":
    main()
