"""Speed and memory of the launch simulator at several sizes.

Usage::

    .venv/bin/python benchmarks/bench_simulate.py                      # 2,000 / 20,000 / 100,000
    .venv/bin/python benchmarks/bench_simulate.py --clinics 2000 --repeat 5

Each size runs in a fresh Python process, so the peak resident memory reported
(``ru_maxrss``) belongs to that size alone; it includes the interpreter and
imported libraries (~150 MB). Wall time is the best of ``--repeat`` runs of
``simulate_launch`` in that process, not counting imports; "first" is the
first run, which also pays one-off warm-up costs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
from onevoice.analytics.simulate import SimulationParams, simulate_launch
times = []
for _ in range({repeat}):
    launch = None  # free the previous launch so the peak is one launch's
    start = time.perf_counter()
    launch = simulate_launch(SimulationParams(n_clinics={n}))
    times.append(time.perf_counter() - start)
print(json.dumps({{
    "clinics": {n},
    "seconds": min(times),
    "first_seconds": times[0],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "vets": len(launch.vets),
    "sales_lines": len(launch.sales),
    "clinic_months": len(launch.clinic_months),
    "naive_ratio": launch.naive_ratio,
    "true_att_overall": launch.true_att_overall,
    "true_relative_uplift": launch.true_relative_uplift,
}}))
"""


def run_size(n_clinics: int, repeat: int) -> dict[str, float]:
    """Simulate ``n_clinics`` in a fresh process and return its measurements."""
    code = CHILD.format(src=str(ROOT / "src"), repeat=repeat, n=n_clinics)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clinics", type=int, nargs="+", default=[2_000, 20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    ns = parser.parse_args()

    print(
        "| clinics | best s | first s | peak RSS (MB) | vets | sales lines "
        "| naive ratio | true ATT | true uplift |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in ns.clinics:
        r = run_size(n, ns.repeat)
        print(
            f"| {n:,} | {r['seconds']:.2f} | {r['first_seconds']:.2f} "
            f"| {r['peak_rss_mb']:,.0f} | {r['vets']:,} "
            f"| {r['sales_lines']:,} | {r['naive_ratio']:.2f} | {r['true_att_overall']:.3f} "
            f"| {100 * r['true_relative_uplift']:.1f}% |"
        )


if __name__ == "__main__":
    main()
