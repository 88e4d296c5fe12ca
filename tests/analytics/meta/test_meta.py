"""meta_analysis against R metafor, its edge cases, input checks and the result object.

Reference values and their provenance: tests/data/metafor/ (README.md, reference.json).
Tolerances are stated per value in reference.json: half a unit in the last place metafor
printed (5e-5 for 4 decimals), 1e-8 for full-precision values.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import onevoice.analytics.meta as meta
from onevoice.analytics.meta import ESTIMAND, MetaResult, meta_analysis
from onevoice.analytics.meta.pooling import (
    ERROR_EMPTY,
    ERROR_ESTIMATE,
    ERROR_LABELS_LENGTH,
    ERROR_LABELS_UNIQUE,
    ERROR_LENGTHS,
    ERROR_LEVEL,
    ERROR_OPTION,
    ERROR_STD_ERROR,
    NOTE_K1,
    NOTE_K1_KNHA,
    NOTE_KNHA_ZERO,
    NOTE_TAU2_ZERO,
)

REFERENCE = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "metafor" / "reference.json").read_text()
)
CASES = {case["id"]: case for case in REFERENCE["cases"]}


def bcg() -> tuple[list[float], list[float], list[str]]:
    """dat.bcg log relative risks and variances, as metafor's escalc(measure="RR")."""
    rows = REFERENCE["datasets"]["bcg"]["rows"]
    tpos, tneg, cpos, cneg = (np.array([r[i] for r in rows], dtype=float) for i in range(3, 7))
    yi = np.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg)))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return list(yi), list(np.sqrt(vi)), [f"{r[1]}, {r[2]}" for r in rows]


def dataset(name: str) -> tuple[list[float], list[float], list[str] | None]:
    if name == "bcg":
        return bcg()
    data = REFERENCE["datasets"][name]
    return data["yi"], list(np.sqrt(data["vi"])), None


def observed(res: MetaResult, key: str) -> float:
    """The result's value for a reference key (``exp_x`` = exp of attribute ``x``)."""
    if key.startswith("exp_"):
        return math.exp(getattr(res, key.removeprefix("exp_")))
    return float(getattr(res, key))


def test_public_surface_is_exactly_all() -> None:
    assert set(meta.__all__) == {
        "ESTIMAND",
        "MetaEntry",
        "MetaResult",
        "Tau2Method",
        "TestKind",
        "meta_analysis",
    }
    for name in meta.__all__:
        assert getattr(meta, name) is not None


def test_bcg_effect_sizes_match_metafor_escalc() -> None:
    yi, se, _ = bcg()
    data = REFERENCE["datasets"]["bcg"]
    np.testing.assert_allclose(yi, data["yi_4dp"], rtol=0, atol=5e-5)
    np.testing.assert_allclose(np.square(se), data["vi_4dp"], rtol=0, atol=5e-5)


@pytest.mark.parametrize("case_id", list(CASES))
def test_matches_metafor(case_id: str) -> None:
    case = CASES[case_id]
    yi, se, labels = dataset(case["dataset"])
    res = meta_analysis(yi, se, labels=labels, method=case["method"], test=case["test"])
    assert (res.method, res.test, res.k) == (case["method"], case["test"], len(yi))
    for key, expected in case["expected"].items():
        assert observed(res, key) == pytest.approx(expected, abs=case["atol"][key]), key


def test_bcg_dl_knha_rescales_only_the_interval() -> None:
    """metafor's knha leaves estimate, τ², Q, I², H² as the DL fit has them; wider CI."""
    yi, se, labels = bcg()
    ref = CASES["bcg_dl_z"]
    knha = meta_analysis(yi, se, labels=labels, method="DL", test="knha")
    z = meta_analysis(yi, se, labels=labels, method="DL", test="z")
    for key in ["estimate", "tau2", "tau", "i2", "h2", "q"]:
        assert observed(knha, key) == pytest.approx(ref["expected"][key], abs=ref["atol"][key])
    assert knha.df == 12
    assert knha.knha_scale is not None
    assert knha.se == pytest.approx(z.se * math.sqrt(knha.knha_scale))
    assert knha.ci_high - knha.ci_low > z.ci_high - z.ci_low


def test_knha_wider_than_z_when_campaigns_differ() -> None:
    kw: dict[str, Any] = {"labels": ["North", "South", "East", "West"]}
    est, ses = [0.30, -0.05, 0.12, 0.45], [0.05, 0.06, 0.04, 0.08]
    knha = meta_analysis(est, ses, test="knha", **kw)
    z = meta_analysis(est, ses, test="z", **kw)
    assert knha.tau2 > 0
    assert knha.ci_low < z.ci_low
    assert knha.ci_high > z.ci_high
    assert knha.pi_high - knha.pi_low > z.pi_high - z.pi_low


def test_dl_tau2_zero_when_spread_is_within_noise() -> None:
    est, ses = [0.10, 0.11, 0.09, 0.10], [0.05, 0.04, 0.05, 0.06]
    res = meta_analysis(est, ses, method="DL", test="z")
    w = 1 / np.square(ses)
    assert res.q < res.q_df
    assert res.tau2 == 0.0
    assert (res.i2, res.h2) == (0.0, 1.0)
    assert res.estimate == pytest.approx(float(np.sum(w * est) / np.sum(w)))
    assert res.se == pytest.approx(1 / math.sqrt(float(np.sum(w))))
    assert (res.pi_low, res.pi_high) == pytest.approx((res.ci_low, res.ci_high))
    assert NOTE_TAU2_ZERO in res.notes


def test_knha_scale_is_not_truncated_at_one() -> None:
    """metafor's test="knha" (not "adhoc"): homogeneous estimates give a scale below 1."""
    est, ses = [0.10, 0.11, 0.09, 0.10], [0.05, 0.04, 0.05, 0.06]
    knha = meta_analysis(est, ses, test="knha")
    z = meta_analysis(est, ses, test="z")
    assert knha.knha_scale is not None
    assert knha.knha_scale < 1
    assert knha.se < z.se


def test_single_estimate_is_its_own_pooled_estimate() -> None:
    res = meta_analysis([0.12], [0.04], labels=["North"], method="REML", test="knha")
    assert (res.k, res.test, res.df) == (1, "z", None)
    assert (res.estimate, res.se) == pytest.approx((0.12, 0.04))
    assert (res.ci_low, res.ci_high) == pytest.approx(
        (0.12 - 1.959964 * 0.04, 0.12 + 1.959964 * 0.04)
    )
    assert (res.tau2, res.i2, res.h2, res.q, res.q_df, res.q_p) == (0.0, 0.0, 1.0, 0.0, 0, None)
    assert res.notes == (NOTE_K1, NOTE_K1_KNHA)
    assert res.to_dict()["q_p"] is None
    assert "Note: " + NOTE_K1_KNHA in res.summary()
    assert meta_analysis([0.12], [0.04], test="z").notes == (NOTE_K1,)


def test_equal_estimates_fall_back_to_the_normal_interval() -> None:
    res = meta_analysis([0.1, 0.1, 0.1], [0.04, 0.03, 0.06], test="knha")
    assert res.test == "z"
    assert res.knha_scale is None
    assert res.ci_low < 0.1 < res.ci_high
    assert NOTE_KNHA_ZERO in res.notes


def test_reml_tau2_zero_on_homogeneous_estimates() -> None:
    res = meta_analysis([0.10, 0.11, 0.09, 0.10], [0.05, 0.04, 0.05, 0.06], method="REML")
    assert res.tau2 == 0.0
    assert res.i2 == 0.0


@pytest.mark.parametrize(
    ("estimates", "std_errors", "labels", "message"),
    [
        ([], [], None, ERROR_EMPTY),
        ([0.1, 0.2], [0.05], None, ERROR_LENGTHS.format(n_estimates=2, n_std_errors=1)),
        ([0.1, 0.2], [0.05, 0.05], ["A"], ERROR_LABELS_LENGTH.format(n_labels=1, n_estimates=2)),
        ([0.1, 0.2], [0.05, 0.05], ["A", "A"], ERROR_LABELS_UNIQUE.format(label="A")),
        (
            [0.1, float("nan")],
            [0.05, 0.05],
            ["North", "South"],
            "estimate at index 1 ('South') must be a finite number; got nan.",
        ),
        (
            [0.1, "high"],
            [0.05, 0.05],
            None,
            ERROR_ESTIMATE.format(index=1, label="#2", value="high"),
        ),
        (
            [0.1, 0.2, 0.3],
            [0.05, 0.05, 0.0],
            ["North", "South", "East"],
            "standard error at index 2 ('East') must be a finite number > 0; got 0.0.",
        ),
        (
            [0.1, 0.2],
            [-0.05, 0.05],
            None,
            ERROR_STD_ERROR.format(index=0, label="#1", value=-0.05),
        ),
        (
            [0.1, 0.2],
            [0.05, float("inf")],
            None,
            ERROR_STD_ERROR.format(index=1, label="#2", value=float("inf")),
        ),
        ([0.1, 0.2], [0.05, None], None, ERROR_STD_ERROR.format(index=1, label="#2", value=None)),
    ],
)
def test_bad_input_is_named(
    estimates: list[Any], std_errors: list[Any], labels: list[str] | None, message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        meta_analysis(estimates, std_errors, labels=labels)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"method": "PM"}, ERROR_OPTION.format(name="method", allowed="DL | REML", value="PM")),
        ({"test": "t"}, ERROR_OPTION.format(name="test", allowed="knha | z", value="t")),
        ({"level": 95}, ERROR_LEVEL.format(value=95)),
        ({"level": True}, ERROR_LEVEL.format(value=True)),
    ],
)
def test_bad_option_is_named(option: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        meta_analysis([0.1, 0.2], [0.05, 0.05], **option)


@pytest.fixture(scope="module")
def bcg_result() -> MetaResult:
    yi, se, labels = bcg()
    return meta_analysis(yi, se, labels=labels, method="DL", test="knha")


def test_tidy_has_one_row_per_estimate_and_the_pooled_row(bcg_result: MetaResult) -> None:
    tab = bcg_result.tidy()
    assert list(tab.columns) == [
        "label",
        "kind",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "weight_pct",
    ]
    assert len(tab) == 14
    assert tab["label"].iloc[0] == "Aronson, 1948"
    assert tab["weight_pct"].iloc[:-1].sum() == pytest.approx(100.0)
    pooled = tab.iloc[-1]
    assert pooled["kind"] == "pooled"
    assert pooled["estimate"] == bcg_result.estimate
    assert (pooled["ci_low"], pooled["ci_high"]) == (bcg_result.ci_low, bcg_result.ci_high)
    first = tab.iloc[0]
    assert first["ci_high"] - first["estimate"] == pytest.approx(1.959964 * first["se"])


def test_summary_names_method_interval_and_estimand(bcg_result: MetaResult) -> None:
    text = bcg_result.summary()
    assert "DerSimonian–Laird" in text
    assert "Hartung–Knapp–Sidik–Jonkman (t, 12 df)" in text
    assert ESTIMAND == "random-effects pooled mean of the per-campaign relative uplifts"
    assert ESTIMAND in text
    assert "I² = 92.12%" in text
    assert "Q(12) = 152.2330, p < 0.0001" in text
    assert "Aronson, 1948" in text


def test_to_dict_is_plain_json(bcg_result: MetaResult) -> None:
    d = bcg_result.to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back == d
    assert {
        "k",
        "method",
        "test",
        "pooled",
        "tau2",
        "i2",
        "q",
        "q_df",
        "q_p",
        "entries",
    } <= set(d)
    assert set(d["pooled"]) >= {"estimate", "se", "ci_low", "ci_high", "df"}
    assert (d["k"], d["method"], d["test"], d["pooled"]["df"], d["q_df"]) == (
        13,
        "DL",
        "knha",
        12,
        12,
    )
    assert type(d["pooled"]["estimate"]) is float
    assert type(d["tau2"]) is float
    assert len(d["entries"]) == 13
    assert d["entries"][0]["label"] == "Aronson, 1948"


def test_plot_is_a_vega_lite_forest_plot(bcg_result: MetaResult) -> None:
    spec = bcg_result.plot()
    json.dumps(spec, allow_nan=False)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    rows = spec["data"]["values"]
    assert [r["label"] for r in rows][-1] == "Pooled (random effects)"
    assert len(rows) == 14
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks.count("rule") == 3  # zero line, prediction interval, confidence intervals
    assert "point" in marks
    prediction = next(layer for layer in spec["layer"] if "data" in layer)
    assert prediction["data"]["values"][0]["pi_low"] == pytest.approx(bcg_result.pi_low)
