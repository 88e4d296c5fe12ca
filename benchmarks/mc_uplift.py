"""Monte Carlo check of the uplift engine on simulated launches with a known truth.

Usage::

    .venv/bin/python benchmarks/mc_uplift.py                       # 200 launches
    .venv/bin/python benchmarks/mc_uplift.py --launches 20 --clinics 1000
    .venv/bin/python benchmarks/mc_uplift.py --out docs/mc_uplift.md

Each launch comes from ``onevoice.analytics.simulate.simulate_launch`` with its own seed:
clinics select into training on their sales level and on observed covariates, so
unconditional parallel trends fail and the doubly robust estimator with the simulator's
``selection_covariates`` (never-treated controls) is the correctly specified one. For
every launch we record the overall ATT (simple aggregation) with its 95% interval, the
same estimate without covariates, and the naive trained-vs-never-trained ratio.

Targets (issue 7): mean error within 3% of the true effect; 95% intervals cover the
truth in 93-97% of launches; the naive ratio far from the true ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from onevoice.analytics.did import ATTgt  # noqa: E402
from onevoice.analytics.simulate import (  # noqa: E402
    SimulationParams,
    selection_covariates,
    simulate_launch,
)


def pretest_diagnostics(fit: ATTgt) -> dict[str, float]:
    """Why does the cell-level pre-test reject? Its pieces, from the fitted internals.

    - ``pre_mean_z`` / ``pre_reject_share``: mean z and share of |z| > 1.96 of the
      individual pre-period ATT(g,t) (mean 0 and 5% if each is centred and its SE right);
    - ``pretest_pinv_*``: the cell-level Wald statistic with a generalized inverse and
      its numerical rank as degrees of freedom (as R did falls back to);
    - ``es_pretest_*``: the joint Wald test of the event-study (dynamic) pre-period
      estimates, a few restrictions each averaged over many cohorts.
    """
    cells = fit._cells
    inf = fit.inference_
    pre = (cells.time < cells.group) & ~cells.reference
    se = inf.analytic_se(cells.coords)
    idx = np.flatnonzero(pre & np.isfinite(se))
    z = cells.att[idx] / se[idx]
    out = {"pre_mean_z": float(z.mean()), "pre_reject_share": float((np.abs(z) > 1.96).mean())}
    vals, vecs = np.linalg.eigh(inf.vcov(cells.coords[:, idx]))
    keep = vals > vals.max() * len(idx) * np.finfo(float).eps
    proj = vecs[:, keep].T @ cells.att[idx]
    stat = float(proj @ (proj / vals[keep]))
    out |= {
        "pretest_pinv_stat": stat,
        "pretest_pinv_df": int(keep.sum()),
        "pretest_pinv_p": float(stats.chi2.sf(stat, int(keep.sum()))),
        "pretest_cond": float(vals.max() / max(vals.min(), 1e-300)),
    }
    dyn = fit._aggregate("dynamic")
    e_pre = dyn.keys < 0
    th = dyn.est[e_pre]
    vc = inf.vcov(dyn.coords[:, e_pre])
    es_stat = float(th @ np.linalg.solve(vc, th))
    out |= {
        "es_pretest_stat": es_stat,
        "es_pretest_df": int(e_pre.sum()),
        "es_pretest_p": float(stats.chi2.sf(es_stat, int(e_pre.sum()))),
        "es_pre_mean_z": float(np.mean(th / np.sqrt(np.diag(vc)))),
    }
    return out


def one_launch(seed: int, n_clinics: int) -> dict[str, Any]:
    """Simulate one launch and estimate its effect three ways."""
    launch = simulate_launch(SimulationParams(seed=seed, n_clinics=n_clinics))
    covs = selection_covariates(launch.clinics)
    panel = (
        launch.clinic_months[["clinic_id", "date", "units"]]
        .merge(launch.treatment, on="clinic_id")
        .merge(covs, on="clinic_id")
    )
    cov_cols = [c for c in covs.columns if c != "clinic_id"]
    cols = {"unit": "clinic_id", "time": "date", "cohort": "first_trained", "outcome": "units"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Late monthly cohorts can be small; they are estimated, not refused, here.
        dr = ATTgt(method="dr", covariates=cov_cols, min_cohort_size=2, seed=seed).fit(
            panel, **cols
        )
        plain = ATTgt(min_cohort_size=2, seed=seed).fit(panel, **cols)
    simple = dr.aggregate("simple")
    naive = dr.naive()
    uplift = dr.uplift().tidy().set_index("quantity")
    truth = launch.true_att_overall
    return {
        "seed": seed,
        "truth": truth,
        "att": simple.att,
        "se": simple.se,
        "covered": simple.ci_low <= truth <= simple.ci_high,
        "att_no_covariates": plain.aggregate("simple").att,
        "naive_ratio": naive.ratio,
        "naive_ratio_simulator": launch.naive_ratio,
        "counterfactual_ratio": naive.counterfactual_mean / naive.control_mean,
        "selection_share": naive.selection_share,
        "relative_uplift": float(uplift.loc["relative_uplift", "estimate"]),
        "true_relative_uplift": launch.true_relative_uplift,
        "pretest_p": dr.pretest().p_value,
        "pretest_df": dr.pretest().df,
    } | pretest_diagnostics(dr)


def _pretest_rows(df: pd.DataFrame) -> list[str]:
    if "es_pretest_p" not in df:  # CSVs written before these diagnostics existed
        return []
    return [
        f"| cell-level pre-test: restrictions (median) | {df['pretest_df'].median():.0f} |",
        f"| cell-level Wald statistic: mean (its chi-squared reference has mean = df) | {df['pretest_pinv_stat'].mean():.0f} |",
        f"| same with generalized inverse, rank as df: rejects at 5% | {100 * (df['pretest_pinv_p'] < 0.05).mean():.1f}% (median rank {df['pretest_pinv_df'].median():.0f}) |",
        f"| pre-period ATT(g,t): mean z / share with abs(z) > 1.96 | {df['pre_mean_z'].mean():+.3f} / {100 * df['pre_reject_share'].mean():.1f}% |",
        f"| event-study pre-test (dynamic pre-period estimates) rejects at 5% | {100 * (df['es_pretest_p'] < 0.05).mean():.1f}% (df {df['es_pretest_df'].median():.0f}) |",
        f"| event-study pre-period estimates: mean z | {df['es_pre_mean_z'].mean():+.3f} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--launches", type=int, default=200)
    parser.add_argument("--clinics", type=int, default=2000)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write a Markdown section here")
    parser.add_argument("--csv", type=Path, help="write one row per launch here")
    parser.add_argument(
        "--summarise",
        type=Path,
        nargs="+",
        help="only summarise per-launch CSVs written by earlier (e.g. parallel) runs",
    )
    ns = parser.parse_args()

    t0 = time.perf_counter()
    failures: list[str] = []
    if ns.summarise:
        df = pd.concat([pd.read_csv(p) for p in ns.summarise], ignore_index=True)
        failures = [
            f"seed {s}: {e}"
            for s, e in zip(df["seed"], df["error"], strict=True)
            if isinstance(e, str)
        ]
        df = df[df["error"].isna()].drop(columns="error")
        ns.launches = len(df) + len(failures)
    else:
        rows = []
        for k, seed in enumerate(range(ns.first_seed, ns.first_seed + ns.launches), start=1):
            try:
                rows.append(one_launch(seed, ns.clinics) | {"error": None})
            except Exception as exc:  # a failed launch is reported, not hidden
                msg = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                failures.append(f"seed {seed}: {msg}")
                rows.append({"seed": seed, "error": msg})
            if ns.csv:  # written as it goes, so an interrupted run keeps what it did
                pd.DataFrame(rows).to_csv(ns.csv, index=False)
            if k % 10 == 0:
                print(
                    f"{k}/{ns.launches} launches, {time.perf_counter() - t0:.0f} s", file=sys.stderr
                )
        all_rows = pd.DataFrame(rows)
        df = all_rows[all_rows["error"].isna()].drop(columns="error")
    rel_err = (df["att"] - df["truth"]) / df["truth"]
    mean_err = float((df["att"] - df["truth"]).mean() / df["truth"].mean())
    coverage = float(df["covered"].mean())
    # Binomial MC error of a 95% coverage estimate over this many launches.
    cov_mc = float(np.sqrt(0.95 * 0.05 / len(df)))
    plain_err = float((df["att_no_covariates"] - df["truth"]).mean() / df["truth"].mean())
    true_ratio = float((1 + df["true_relative_uplift"]).mean())
    err = df["att"] - df["truth"]
    sd_ratio = float(df["se"].median() / err.std(ddof=1))
    z = err / df["se"]
    checks = {
        "mean error within 3% of truth": abs(mean_err) <= 0.03,
        "95% CI coverage in [93%, 97%]": 0.93 <= coverage <= 0.97,
        "naive ratio biased (far above 1 + true uplift)": df["naive_ratio"].mean()
        > 1.5 * true_ratio,
    }
    lines = [
        "## Uplift engine on simulated launches (Monte Carlo)",
        "",
        f"`.venv/bin/python benchmarks/mc_uplift.py --launches {ns.launches} --clinics {ns.clinics}`"
        " (or the same split over seed ranges and summarised with `--summarise`). Doubly robust, never-treated controls, covariates "
        "= the simulator's `selection_covariates`; overall ATT = simple aggregation; truth = "
        "`true_att_overall` of each launch.",
        "",
        "| quantity | value |",
        "|---|---:|",
        f"| launches estimated / attempted | {len(df)} / {ns.launches} |",
        f"| mean true ATT (packs / clinic-month) | {df['truth'].mean():.4f} |",
        f"| mean estimate | {df['att'].mean():.4f} |",
        f"| mean error / mean truth | {100 * mean_err:+.2f}% |",
        f"| mean of per-launch relative errors | {100 * rel_err.mean():+.2f}% |",
        f"| RMSE / mean truth | {100 * np.sqrt(((df['att'] - df['truth']) ** 2).mean()) / df['truth'].mean():.2f}% |",
        f"| 95% CI coverage | {100 * coverage:.1f}% (MC s.e. {100 * cov_mc:.1f} pp) |",
        f"| median analytic SE / SD of (estimate - truth) | {sd_ratio:.3f} |",
        f"| SD of (estimate - truth) / SE (1 if SEs are right) | {z.std(ddof=1):.3f} |",
        f"| mean error without covariates (unconditional DiD) | {100 * plain_err:+.1f}% |",
        f"| naive ratio, trained / never trained (mean) | {df['naive_ratio'].mean():.2f} |",
        f"| naive ratio as the simulator defines it (mean) | {df['naive_ratio_simulator'].mean():.2f} |",
        f"| ratio the trained would have shown untrained (est., mean) | {df['counterfactual_ratio'].mean():.2f} |",
        f"| 1 + true relative uplift (mean) | {true_ratio:.3f} |",
        f"| estimated relative uplift (mean) | {100 * df['relative_uplift'].mean():.1f}% vs true {100 * df['true_relative_uplift'].mean():.1f}% |",
        f"| share of the naive gap that is selection (mean) | {100 * df['selection_share'].mean():.0f}% |",
        f"| pre-trend test rejects at 5% | {100 * (df['pretest_p'] < 0.05).mean():.1f}% of launches |",
        *_pretest_rows(df),
        "",
        *[f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks.items()],
        *([""] + [f"- failed launch {f}" for f in failures] if failures else []),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if ns.out:
        ns.out.write_text(text)


if __name__ == "__main__":
    main()
