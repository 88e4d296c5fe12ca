"""Result objects: ``tidy()`` -> DataFrame, ``summary()`` -> text, ``to_dict()``, ``plot()``.

Presentation only; the estimates are computed elsewhere and handed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .charts import estimate_chart, records

__all__ = [
    "AggregateResult",
    "BalanceResult",
    "GroupTimeResult",
    "NaiveResult",
    "PretestResult",
    "UpliftResult",
]


def _num(x: Any) -> float | None:
    """A JSON-ready number (NaN / None -> None)."""
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def _fmt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _table_text(frame: pd.DataFrame, columns: list[str], digits: int = 4) -> str:
    shown = frame[columns].copy()
    for c in columns:
        if pd.api.types.is_float_dtype(shown[c]):
            shown[c] = shown[c].map(lambda v: _fmt(v, digits))
    return shown.to_string(index=False)


@dataclass(frozen=True)
class PretestResult:
    """Joint Wald test of zero pre-treatment effects.

    ``test`` is ``"cells"`` (every pre-treatment ATT(g,t), R did's test) or ``"event"``
    (the event-study pre-period estimates).
    """

    stat: float | None
    df: int
    p_value: float | None
    note: str | None = None
    test: str = "cells"

    @property
    def label(self) -> str:
        if self.test == "event":
            return "Event-study pre-trend test (all pre-treatment event-time estimates = 0)"
        return "Pre-trend test (all pre-treatment ATT(g,t) = 0)"

    def tidy(self) -> pd.DataFrame:
        """One row: ``stat``, ``df``, ``p_value``."""
        return pd.DataFrame([{"stat": self.stat, "df": self.df, "p_value": self.p_value}])

    def summary(self) -> str:
        """One line, e.g. ``Pre-trend test: chi2(5) = 7.79, p = 0.1681``."""
        if self.stat is None:
            return f"{self.label}: not available ({self.note})."
        verdict = (
            "no evidence against parallel pre-trends"
            if (self.p_value or 0) >= 0.05
            else "pre-trends differ: the parallel-trends assumption is doubtful"
        )
        text = (
            f"{self.label}: chi2({self.df}) = {self.stat:.4f}, p = {self.p_value:.5f} — {verdict}."
        )
        return text if self.note is None else f"{text} Caution: {self.note}."

    def to_dict(self) -> dict[str, Any]:
        """``{"stat", "df", "p_value"}`` (+ ``note``, ``test``)."""
        return {
            "stat": _num(self.stat),
            "df": self.df,
            "p_value": _num(self.p_value),
            "note": self.note,
            "test": self.test,
        }


@dataclass(frozen=True)
class GroupTimeResult:
    """All ATT(g,t) with standard errors, pointwise intervals and a simultaneous band.

    ``table`` columns: ``group``, ``time``, ``event`` (t - g), ``att``, ``se``,
    ``ci_low``, ``ci_high``, ``band_low``, ``band_high``, ``post``, ``n_treated``,
    ``n_control``.
    """

    table: pd.DataFrame
    alpha: float
    crit: float
    inference: str
    settings: dict[str, Any]
    pretest: PretestResult
    pretest_event: PretestResult | None = None

    def tidy(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """R-did-like text: settings, the ATT(g,t) table, the pre-trend test."""
        s = self.settings
        level = round(100 * (1 - self.alpha))
        lines = [
            "Group-time average treatment effects (Callaway & Sant'Anna 2021)",
            f"  outcome {s.get('outcome')!s}; control group: {s['control']}; "
            f"method: {s['method']}; base period: {s['base_period']}; "
            f"anticipation: {s['anticipation']}",
            f"  {s['n_units']} units x {s['n_periods']} periods; "
            f"standard errors: {self.inference}, clustered by {s.get('cluster') or 'unit'}",
            "",
            _table_text(
                self.table,
                ["group", "time", "att", "se", "ci_low", "ci_high", "band_low", "band_high"],
            ),
            "",
            f"  {level}% pointwise intervals (ci) and simultaneous band (band, critical value "
            f"{_fmt(self.crit, 3)}).",
            *(["  " + self.pretest_event.summary()] if self.pretest_event else []),
            "  " + self.pretest.summary(),
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Settings, rows, pretest; JSON-ready."""
        return {
            "settings": dict(self.settings),
            "alpha": self.alpha,
            "inference": self.inference,
            "crit": _num(self.crit),
            "rows": records(self.table),
            "pretest": self.pretest.to_dict(),
            "pretest_event": None if self.pretest_event is None else self.pretest_event.to_dict(),
        }

    def plot(self) -> dict[str, Any]:
        """Vega-Lite spec: one panel per cohort, ATT(g,t) over time with intervals."""
        frame = self.table.assign(phase=self.table["post"].map({True: "after", False: "before"}))
        return estimate_chart(
            frame,
            x="time",
            x_title="period",
            title="ATT(g,t) by cohort",
            y_title=f"effect on {self.settings.get('outcome') or 'outcome'}",
            facet="group",
        )


_KEY_TITLES = {
    "dynamic": ("event", "periods since first treatment"),
    "group": ("group", "cohort (first treated period)"),
    "calendar": ("time", "period"),
}


@dataclass(frozen=True)
class AggregateResult:
    """An aggregation of ATT(g,t): an overall estimate and, except "simple", a table."""

    kind: str
    att: float
    se: float
    ci_low: float
    ci_high: float
    table: pd.DataFrame
    alpha: float
    crit: float
    inference: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str | None:
        """Name of the table's key column (``event``, ``group``, ``time``) or None."""
        return _KEY_TITLES[self.kind][0] if self.kind in _KEY_TITLES else None

    def tidy(self) -> pd.DataFrame:
        """One row per key plus an ``overall`` row; column ``term`` names each row."""
        overall = pd.DataFrame(
            [
                {
                    "term": "overall",
                    "att": self.att,
                    "se": self.se,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                }
            ]
        )
        if self.key is None:
            return overall
        rows = self.table.assign(term=[f"{self.key} {v}" for v in self.table[self.key]])
        return pd.concat([rows, overall], ignore_index=True)[
            ["term", *[c for c in rows.columns if c != "term"]]
        ]

    def summary(self) -> str:
        """The overall estimate with its interval, then the table."""
        level = round(100 * (1 - self.alpha))
        names = {
            "simple": "Overall ATT (average over all post-treatment cells, by cohort size)",
            "dynamic": "Event study: ATT by periods since first treatment",
            "group": "ATT by cohort",
            "calendar": "ATT by calendar period",
        }
        lines = [
            names[self.kind],
            f"  overall: {_fmt(self.att)} (se {_fmt(self.se)}), {level}% CI "
            f"[{_fmt(self.ci_low)}, {_fmt(self.ci_high)}]",
        ]
        if self.settings.get("balance_e") is not None:
            lines.append(f"  balanced in event time up to e = {self.settings['balance_e']}")
        if self.key is not None:
            lines += [
                "",
                _table_text(
                    self.table,
                    [self.key, "att", "se", "ci_low", "ci_high", "band_low", "band_high"],
                ),
                "",
                f"  simultaneous band critical value {_fmt(self.crit, 3)} ({self.inference}).",
            ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Overall numbers and rows; JSON-ready."""
        return {
            "kind": self.kind,
            "att": _num(self.att),
            "se": _num(self.se),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "alpha": self.alpha,
            "crit": _num(self.crit),
            "inference": self.inference,
            "rows": records(self.table),
            "settings": dict(self.settings.items()),
        }

    def plot(self) -> dict[str, Any]:
        """Vega-Lite spec: estimates by key with pointwise intervals and the uniform band.

        For "dynamic" this is the event-study chart; "simple" plots its single estimate.
        """
        outcome = self.settings.get("outcome") or "outcome"
        if self.key is None:
            frame = pd.DataFrame(
                [
                    {
                        "term": "overall",
                        "att": self.att,
                        "se": self.se,
                        "ci_low": self.ci_low,
                        "ci_high": self.ci_high,
                        "band_low": self.ci_low,
                        "band_high": self.ci_high,
                        "phase": "after",
                    }
                ]
            )
            return estimate_chart(
                frame,
                x="term",
                x_title="",
                title="Overall ATT",
                y_title=f"effect on {outcome}",
                x_type="nominal",
                band=False,
            )
        key, title = _KEY_TITLES[self.kind]
        if self.kind == "dynamic":
            phase = self.table["event"].map(lambda e: "after" if e >= 0 else "before")
        else:
            phase = pd.Series(["after"] * len(self.table))
        frame = self.table.assign(phase=phase.to_numpy())
        return estimate_chart(
            frame,
            x=key,
            x_title=title,
            title={
                "dynamic": "Event study",
                "group": "ATT by cohort",
                "calendar": "ATT by period",
            }[self.kind],
            y_title=f"effect on {outcome}",
            x_type="quantitative" if self.kind == "dynamic" else "ordinal",
        )


@dataclass(frozen=True)
class NaiveResult:
    """The naive comparison and the decomposition of its gap into selection and effect.

    All means are over post-treatment (cohort, period) cells weighted by cohort size, the
    same cells and weights as the overall ("simple") ATT, so that
    ``gap = selection + effect`` holds exactly.
    """

    treated_mean: float
    control_mean: float
    ratio: float
    gap: float
    effect: float
    selection: float
    counterfactual_mean: float
    before: float
    after: float
    table: pd.DataFrame  # quantity, estimate, se, ci_low, ci_high
    alpha: float

    @property
    def before_after_change(self) -> float:
        """Change of the trained units' mean from before to after training."""
        return self.after - self.before

    @property
    def selection_share(self) -> float:
        """Share of the naive gap that is pre-existing difference (selection)."""
        return self.selection / self.gap if self.gap else float("nan")

    def tidy(self) -> pd.DataFrame:
        """One row per quantity: estimate, se, interval."""
        return self.table.copy()

    def summary(self) -> str:
        """The naive claim and what it is made of, in words."""
        return "\n".join(
            [
                "Naive comparison (trained vs never trained, after training)",
                f"  trained units' mean after training: {_fmt(self.treated_mean)}",
                f"  never-trained units' mean, same periods: {_fmt(self.control_mean)}",
                f"  naive ratio: {_fmt(self.ratio, 2)}x   naive gap: {_fmt(self.gap)}",
                f"  of the gap, effect of training: {_fmt(self.effect)}; pre-existing "
                f"difference (selection): {_fmt(self.selection)} "
                f"({_fmt(100 * self.selection_share, 1)}% of the gap)",
                f"  without training the trained units would have averaged "
                f"{_fmt(self.counterfactual_mean)} "
                f"({_fmt(self.counterfactual_mean / self.control_mean, 2)}x the never-trained)",
                f"  before/after for the trained units: {_fmt(self.before)} -> "
                f"{_fmt(self.after)} (change {_fmt(self.before_after_change)}, which also "
                "contains the common trend)",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """Headline numbers and the table; JSON-ready."""
        return {
            "treated_mean": _num(self.treated_mean),
            "control_mean": _num(self.control_mean),
            "ratio": _num(self.ratio),
            "gap": _num(self.gap),
            "effect": _num(self.effect),
            "selection": _num(self.selection),
            "selection_share": _num(self.selection_share),
            "counterfactual_mean": _num(self.counterfactual_mean),
            "before": _num(self.before),
            "after": _num(self.after),
            "rows": records(self.table),
        }

    def plot(self) -> dict[str, Any]:
        """Vega-Lite stacked bar: the naive gap split into selection and effect."""
        values = [
            {"part": "pre-existing difference (selection)", "value": _num(self.selection)},
            {"part": "effect of training", "value": _num(self.effect)},
        ]
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": "What the naive gap is made of",
            "data": {"values": values},
            "mark": "bar",
            "encoding": {
                "x": {"field": "value", "type": "quantitative", "title": "difference in mean"},
                "color": {"field": "part", "type": "nominal", "title": None},
                "tooltip": [
                    {"field": "part"},
                    {"field": "value", "format": ".4f"},
                ],
            },
        }


@dataclass(frozen=True)
class UpliftResult:
    """Relative uplift and incremental volume, with intervals."""

    table: pd.DataFrame  # quantity, estimate, se, ci_low, ci_high
    alpha: float

    def _row(self, name: str) -> dict[str, Any]:
        row = self.table.loc[self.table["quantity"] == name]
        return {} if row.empty else row.iloc[0].to_dict()

    @property
    def relative_uplift(self) -> float:
        """ATT / counterfactual mean of the trained units."""
        return float(self._row("relative_uplift")["estimate"])

    @property
    def incremental(self) -> float:
        """Extra outcome (e.g. units) over all post-training unit-periods."""
        return float(self._row("incremental")["estimate"])

    def tidy(self) -> pd.DataFrame:
        """One row per quantity."""
        return self.table.copy()

    def summary(self) -> str:
        """Text table of the uplift quantities."""
        level = round(100 * (1 - self.alpha))
        return "Uplift of the trained units ({}% CI)\n{}".format(
            level, _table_text(self.table, ["quantity", "estimate", "se", "ci_low", "ci_high"])
        )

    def to_dict(self) -> dict[str, Any]:
        """Quantities keyed by name."""
        return {
            str(r["quantity"]): {k: (_num(v) if k != "quantity" else v) for k, v in r.items()}
            for r in self.table.to_dict(orient="records")
        }

    def plot(self) -> dict[str, Any]:
        """Vega-Lite point + interval of the relative uplift (percent)."""
        r = self._row("relative_uplift")
        frame = pd.DataFrame(
            [
                {
                    "term": "relative uplift",
                    "att": 100 * r.get("estimate", math.nan),
                    "se": 100 * r.get("se", math.nan),
                    "ci_low": 100 * r.get("ci_low", math.nan),
                    "ci_high": 100 * r.get("ci_high", math.nan),
                    "band_low": None,
                    "band_high": None,
                    "phase": "after",
                }
            ]
        )
        return estimate_chart(
            frame,
            x="term",
            x_title="",
            title="Relative uplift of trained units (%)",
            y_title="% over counterfactual",
            x_type="nominal",
            band=False,
        )


@dataclass(frozen=True)
class BalanceResult:
    """Standardised mean differences of covariates, raw and propensity-weighted."""

    table: pd.DataFrame

    def tidy(self) -> pd.DataFrame:
        """One row per cohort and covariate."""
        return self.table.copy()

    def summary(self) -> str:
        """Text table; |SMD| above 0.1 is commonly read as imbalance."""
        cols = [c for c in ["group", "covariate", "smd_raw", "smd_weighted"] if c in self.table]
        return "Covariate balance (standardised mean differences; |SMD| > 0.1 = imbalance)\n" + (
            _table_text(self.table, cols, 3)
        )

    def to_dict(self) -> dict[str, Any]:
        """Rows; JSON-ready."""
        return {"rows": records(self.table)}

    def plot(self) -> dict[str, Any]:
        """Vega-Lite dot plot (Love plot) of raw vs weighted SMDs."""
        long = self.table.melt(
            id_vars=["group", "covariate"],
            value_vars=["smd_raw", "smd_weighted"],
            var_name="sample",
            value_name="smd",
        )
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": "Covariate balance",
            "data": {"values": records(long)},
            "layer": [
                {
                    "mark": {"type": "rule", "strokeDash": [4, 4]},
                    "encoding": {"x": {"datum": 0.1}},
                },
                {
                    "mark": {"type": "point", "filled": True},
                    "encoding": {
                        "x": {"field": "smd", "type": "quantitative", "title": "SMD"},
                        "y": {"field": "covariate", "type": "nominal"},
                        "color": {"field": "sample", "type": "nominal"},
                        "shape": {"field": "group", "type": "nominal"},
                    },
                },
            ],
        }
