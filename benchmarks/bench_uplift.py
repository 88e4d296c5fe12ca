"""Speed and memory of the uplift engine beside csdid, on the same simulated panels.

Usage::

    .venv/bin/python benchmarks/bench_uplift.py                     # 20k and 200k units
    .venv/bin/python benchmarks/bench_uplift.py --units 20000 --no-csdid
    .venv/bin/python benchmarks/bench_uplift.py --out docs/benchmarks_uplift.md

Every measurement runs in a fresh Python process so that peak memory (``ru_maxrss``)
belongs to that run alone. "Estimation" starts with the panel already loaded as a
pandas DataFrame and covers ATT(g,t), the four aggregations and the pre-test; "command"
is the whole ``uplift`` command on a Parquet file (interpreter start, imports, reading,
estimation, JSON output) against a script that loads the same file and runs csdid with
the same aggregations. csdid is not a project dependency: ``pip install csdid`` first,
or pass ``--no-csdid``.

The panel: units x periods, 4 cohorts (first treated in periods 7, 11, 15, 19; 15% of
units each) and 40% never treated; outcome = unit level (higher for treated units) +
trend + effect 1.0 after treatment + noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COHORTS = (0, 7, 11, 15, 19)
SHARES = (0.40, 0.15, 0.15, 0.15, 0.15)


def make_panel(n_units: int, n_periods: int, path: Path, seed: int = 0) -> None:
    """Write the simulated long panel to Parquet."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    g = rng.choice(COHORTS, size=n_units, p=SHARES)
    t = np.arange(1, n_periods + 1)
    level = rng.normal(10.0, 2.0, n_units) + 2.0 * (g > 0)
    y = (
        level[:, None]
        + 0.3 * t[None, :]
        + np.where((g[:, None] > 0) & (t[None, :] >= g[:, None]), 1.0, 0.0)
        + rng.normal(0.0, 1.0, (n_units, n_periods))
    )
    frame = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(1, n_units + 1), n_periods),
            "time": np.tile(t, n_units),
            "cohort": np.repeat(g, n_periods),
            "y": y.ravel(),
        }
    )
    frame.to_parquet(path, index=False)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child_estimate(engine: str, path: str, bootstrap: int) -> dict[str, Any]:
    """Load the panel, then time the estimation alone."""
    import pandas as pd

    frame = pd.read_parquet(path)
    loaded = _rss_mb()
    if engine == "onevoice":
        sys.path.insert(0, str(ROOT / "src"))
        from onevoice.analytics.did import ATTgt

        t0 = time.perf_counter()
        est = ATTgt(bootstrap=bootstrap, seed=1).fit(
            frame, unit="unit", time="time", cohort="cohort", outcome="y"
        )
        aggs = {k: est.aggregate(k) for k in ("simple", "dynamic", "group", "calendar")}
        est.pretest()
        seconds = time.perf_counter() - t0
        tab = est.att_gt_.tidy()
        att, se = tab["att"].tolist(), tab["se"].tolist()
        simple = (aggs["simple"].att, aggs["simple"].se)
    else:
        import warnings

        from csdid.att_gt import ATTgt as CsATTgt

        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        out = CsATTgt(
            yname="y",
            tname="time",
            idname="unit",
            gname="cohort",
            data=frame,
            control_group=["nevertreated"],
            biters=max(bootstrap, 1),
        ).fit(est_method="dr", bstrap=bootstrap > 0)
        results = {}
        for k in ("simple", "dynamic", "group", "calendar"):
            out.aggte(typec=k, bstrap=bootstrap > 0, biters=max(bootstrap, 1))
            results[k] = out.atte
        seconds = time.perf_counter() - t0
        import numpy as np

        att = np.ravel(np.asarray(out.results["att"], dtype=float)).tolist()
        se = np.ravel(np.asarray(out.results["se"], dtype=float)).tolist()
        simple = (
            float(np.ravel(results["simple"]["overall_att"])[0]),
            float(np.ravel(results["simple"]["overall_se"])[0]),
        )
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "loaded_mb": loaded,
        "att": att,
        "se": se,
        "simple": simple,
    }


# Each timed script reports its own peak memory on stderr when it exits.
PEAK_HOOK = (
    "import atexit, resource, sys; atexit.register(lambda: sys.stderr.write("
    "'PEAK_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
)

CSDID_SCRIPT = (
    PEAK_HOOK
    + """
import sys, warnings, json
import pandas as pd
from csdid.att_gt import ATTgt
warnings.simplefilter("ignore")
boot = int(sys.argv[2])
df = pd.read_parquet(sys.argv[1])
out = ATTgt(yname="y", tname="time", idname="unit", gname="cohort", data=df,
            control_group=["nevertreated"], biters=max(boot, 1)).fit(est_method="dr", bstrap=boot > 0)
res = {}
for k in ("simple", "dynamic", "group", "calendar"):
    out.aggte(typec=k, bstrap=boot > 0, biters=max(boot, 1))
    res[k] = float(pd.Series(out.atte["overall_att"]).iloc[0])
print(json.dumps(res))
"""
)

CLI_SCRIPT = (
    PEAK_HOOK
    + """
import sys, typer
sys.path.insert(0, {src!r})
from onevoice.commands.uplift import uplift
app = typer.Typer()
app.command()(uplift)
app()
"""
)


def _run_timed(cmd: list[str]) -> dict[str, Any]:
    """Wall time of one child process and the peak memory it reports at exit."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr[-2000:]}")
    peaks = [ln for ln in proc.stderr.splitlines() if ln.startswith("PEAK_KB=")]
    return {"seconds": seconds, "peak_mb": int(peaks[-1][8:]) / 1024.0 if peaks else None}


def run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--bootstrap", type=int, default=999)
    parser.add_argument("--no-csdid", action="store_true")
    parser.add_argument("--no-command", action="store_true", help="skip end-to-end command timings")
    parser.add_argument("--out", type=Path, help="write a Markdown section here")
    parser.add_argument(
        "--child", nargs=3, metavar=("ENGINE", "PATH", "BOOT"), help=argparse.SUPPRESS
    )
    ns = parser.parse_args()
    if ns.child:
        engine, path, boot = ns.child
        print(json.dumps(child_estimate(engine, path, int(boot))))
        return

    engines = ["onevoice"] + ([] if ns.no_csdid else ["csdid"])
    rows: list[dict[str, Any]] = []
    checks: list[str] = []
    with tempfile.TemporaryDirectory(prefix="onevoice-bench-") as tmp:
        for n in ns.units:
            path = Path(tmp) / f"panel_{n}.parquet"
            make_panel(n, ns.periods, path)
            for boot in (0, ns.bootstrap):
                res = {}
                for engine in engines:
                    print(
                        f"[{n} x {ns.periods}] {engine} bootstrap={boot} ...",
                        file=sys.stderr,
                        flush=True,
                    )
                    res[engine] = run_child([engine, str(path), str(boot)])
                    rows.append(
                        {
                            "units": n,
                            "what": "estimation",
                            "inference": "analytic" if boot == 0 else f"bootstrap {boot}",
                            "engine": engine,
                            "seconds": res[engine]["seconds"],
                            "peak_mb": res[engine]["peak_mb"],
                            "loaded_mb": res[engine]["loaded_mb"],
                        }
                    )
                if "csdid" in res:
                    import numpy as np

                    a, b = res["onevoice"], res["csdid"]
                    d_att = float(np.max(np.abs(np.array(a["att"]) - np.array(b["att"]))))
                    d_simple = abs(a["simple"][0] - b["simple"][0])
                    line = f"{n} units, bootstrap={boot}: max |ATT(g,t) diff| {d_att:.1e}, simple ATT diff {d_simple:.1e}"
                    if boot == 0:
                        d_se = float(np.max(np.abs(np.array(a["se"]) - np.array(b["se"]))))
                        line += f", max |SE diff| {d_se:.1e}"
                    else:
                        ratio = np.array(a["se"]) / np.array(b["se"])
                        line += f", bootstrap SE ratio onevoice/csdid {ratio.min():.3f}-{ratio.max():.3f}"
                    checks.append(line)
                if ns.no_command:
                    continue
                cli = [
                    sys.executable, "-c", CLI_SCRIPT.format(src=str(ROOT / "src")), str(path),
                    "--unit", "unit", "--time", "time", "--cohort", "cohort", "--outcome", "y",
                    "--bootstrap", str(boot), "--seed", "1", "--json",
                ]  # fmt: skip
                print(
                    f"[{n} x {ns.periods}] command bootstrap={boot} ...",
                    file=sys.stderr,
                    flush=True,
                )
                r = _run_timed(cli)
                rows.append(
                    {
                        "units": n,
                        "what": "command",
                        "inference": "analytic" if boot == 0 else f"bootstrap {boot}",
                        "engine": "onevoice uplift",
                        **r,
                        "loaded_mb": None,
                    }
                )
                if "csdid" in engines:
                    r = _run_timed([sys.executable, "-c", CSDID_SCRIPT, str(path), str(boot)])
                    rows.append(
                        {
                            "units": n,
                            "what": "command",
                            "inference": "analytic" if boot == 0 else f"bootstrap {boot}",
                            "engine": "csdid script",
                            **r,
                            "loaded_mb": None,
                        }
                    )

    lines = [
        "## Uplift engine (`onevoice.analytics.did`) vs csdid",
        "",
        f"Measured with `.venv/bin/python benchmarks/bench_uplift.py --units {' '.join(map(str, ns.units))}` "
        f"on {platform.node() or 'this machine'} ({os.cpu_count()} CPUs, Python {platform.python_version()}); "
        f"{ns.periods} periods, 4 cohorts + never treated, doubly robust without covariates, "
        "never-treated controls. Estimation = ATT(g,t) + simple/dynamic/group/calendar "
        "aggregations (+ pre-test for onevoice) with the panel already in memory; peak = "
        "the process's maximum resident memory (including the loaded panel).",
        "",
        "| units | what | inference | engine | time | peak memory |",
        "|---:|---|---|---|---:|---:|",
    ]
    for r in rows:
        peak = f"{r['peak_mb']:.0f} MB" if r.get("peak_mb") else "n/a"
        lines.append(
            f"| {r['units']:,} | {r['what']} | {r['inference']} | {r['engine']} | {_fmt_s(r['seconds'])} | {peak} |"
        )
    speed = []
    for n in ns.units:
        for what in ("estimation", "command"):
            for inf in ("analytic", f"bootstrap {ns.bootstrap}"):
                ours = [
                    r
                    for r in rows
                    if r["units"] == n
                    and r["what"] == what
                    and r["inference"] == inf
                    and r["engine"].startswith("onevoice")
                ]
                theirs = [
                    r
                    for r in rows
                    if r["units"] == n
                    and r["what"] == what
                    and r["inference"] == inf
                    and r["engine"].startswith("csdid")
                ]
                if ours and theirs:
                    o, t = ours[0], theirs[0]
                    mem = (
                        f", memory {o['peak_mb'] / t['peak_mb']:.2f}x of csdid's"
                        if o.get("peak_mb") and t.get("peak_mb")
                        else ""
                    )
                    speed.append(
                        f"- {n:,} units, {what}, {inf}: {t['seconds'] / o['seconds']:.1f}x faster{mem}"
                    )
    if speed:
        lines += ["", "Ratios (csdid time / onevoice time):", "", *speed]
    if checks:
        lines += [
            "",
            "Same results (csdid 0.4.3, analytic SEs agree; bootstrap SEs are random):",
            "",
            *[f"- {c}" for c in checks],
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    if ns.out:
        ns.out.write_text(text)


if __name__ == "__main__":
    main()
