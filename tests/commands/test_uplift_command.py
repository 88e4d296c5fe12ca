"""``onevoice uplift`` through Typer's CliRunner on a throwaway app."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from onevoice.commands.uplift import uplift

MPDTA = Path(__file__).resolve().parents[1] / "data" / "mpdta" / "mpdta.csv"
ARGS = ["--unit", "countyreal", "--time", "year", "--cohort", "first.treat", "--outcome", "lemp"]


@pytest.fixture
def run() -> CliRunner:
    return CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("uplift")(uplift)
    app.command("noop")(lambda: None)  # keeps "uplift" a named sub-command
    return app


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(_app(), ["uplift", *args])


def test_json_is_exactly_one_object_matching_r(run: CliRunner) -> None:
    result = invoke(run, str(MPDTA), *ARGS, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert set(doc) >= {
        "att_gt",
        "simple",
        "dynamic",
        "group",
        "calendar",
        "naive",
        "pretrend",
        "n_units",
        "n_periods",
        "warnings",
    }
    assert doc["n_units"] == 500
    assert doc["n_periods"] == 5
    assert doc["simple"]["att"] == pytest.approx(-0.0399512751551763, abs=1e-9)
    assert doc["simple"]["se"] == pytest.approx(0.0120340127701854, abs=1e-9)
    assert doc["simple"]["ci_low"] < doc["simple"]["att"] < doc["simple"]["ci_high"]
    assert doc["att_gt"][0] == pytest.approx(
        {
            "group": 2004,
            "time": 2004,
            "att": -0.0105032462209624,
            "se": 0.0232510363681664,
            "ci_low": doc["att_gt"][0]["ci_low"],
            "ci_high": doc["att_gt"][0]["ci_high"],
        }
    )
    assert [r["event"] for r in doc["dynamic"]] == [-3, -2, -1, 0, 1, 2, 3]
    assert [r["group"] for r in doc["group"]] == [2004, 2006, 2007]
    assert [r["time"] for r in doc["calendar"]] == [2004, 2005, 2006, 2007]
    assert doc["pretrend"] == pytest.approx(
        {"stat": 7.79123662720035, "df": 5, "p_value": 0.16812}, abs=5e-6
    )
    assert set(doc["naive"]) >= {"treated_mean", "control_mean", "ratio"}
    assert doc["warnings"] == []


def test_parquet_with_string_ids_dates_and_options(run: CliRunner, tmp_path: Path) -> None:
    df = pd.read_csv(MPDTA)
    df["state"] = (df["countyreal"] // 1000).astype(str)  # 29 states: "few clusters"
    df["countyreal"] = "c" + df["countyreal"].astype(str)
    df["year"] = df["year"].astype(str) + "-01-01"
    df["first.treat"] = df["first.treat"].map(lambda g: f"{g}-01-01" if g else "")
    path = tmp_path / "panel.parquet"
    df.to_parquet(path)
    result = invoke(
        run,
        str(path),
        *ARGS,
        "--control",
        "notyet",
        "--cluster",
        "state",
        "--bootstrap",
        "199",
        "--seed",
        "7",
        "--json",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["att_gt"][0]["group"] == "2004-01-01"
    assert doc["simple"]["att"] == pytest.approx(-0.0397636256230437, abs=1e-9)
    assert doc["inference"] == "bootstrap"
    assert any("clusters" in w for w in doc["warnings"])
    again = json.loads(
        invoke(
            run,
            str(path),
            *ARGS,
            "--control",
            "notyet",
            "--cluster",
            "state",
            "--bootstrap",
            "199",
            "--seed",
            "7",
            "--json",
        ).stdout
    )
    assert again == doc


def test_text_output(run: CliRunner) -> None:
    result = invoke(run, str(MPDTA), *ARGS, "--covariates", "lpop", "--method", "reg")
    assert result.exit_code == 0, result.output
    assert "Group-time average treatment effects" in result.stdout
    assert "Event study" in result.stdout
    assert "Naive comparison" in result.stdout
    assert "-0.0420" in result.stdout  # R's simple ATT with ~lpop, est_method="reg"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--control", "nevertreated"], "error: control must be one of never | notyet"),
        (["--method", "ols"], "error: method must be one of dr | ipw | reg"),
        (["--covariates", "nope"], "error: "),
    ],
)
def test_failures_exit_non_zero_with_one_line(
    run: CliRunner, extra: list[str], message: str
) -> None:
    result = invoke(run, str(MPDTA), *ARGS, *extra)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    if "nope" in extra:
        assert "column 'nope' is not in the file; columns are: year, countyreal" in result.stderr
    # With --json, stdout is still exactly one JSON object: the error, with exit code 2.
    as_json = invoke(run, str(MPDTA), *ARGS, *extra, "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout) == {"error": result.stderr.strip().removeprefix("error: ")}


def test_missing_file_and_bad_suffix(run: CliRunner, tmp_path: Path) -> None:
    result = invoke(run, str(tmp_path / "none.csv"), *ARGS)
    assert result.exit_code == 1
    assert "no such file" in result.stderr
    bad = tmp_path / "panel.xlsx"
    bad.write_text("x")
    result = invoke(run, str(bad), *ARGS)
    assert result.exit_code == 1
    assert "expected a .csv or .parquet file" in result.stderr


def test_min_cohort_size_one_estimates_a_one_county_cohort_as_a_two_by_two_did(
    run: CliRunner, tmp_path: Path
) -> None:
    """A state-level panel has cohorts of a few units; the default refuses them, and
    ``--min-cohort-size 1`` estimates them as R did does: with never-treated controls and
    no covariates, a one-unit cohort's ATT(g, t) is that unit's change from g - 1 to t
    minus the never-treated units' mean change."""
    import pandas as pd

    frame = pd.read_csv(MPDTA)
    single = frame.loc[frame["first.treat"] == 2004, "countyreal"].min()
    frame = frame[(frame["first.treat"] != 2004) | (frame["countyreal"] == single)]
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    refused = invoke(run, str(path), *ARGS, "--json")
    assert refused.exit_code == 2
    assert "has 1 unit(s), fewer than min_cohort_size=5" in json.loads(refused.stdout)["error"]
    result = invoke(run, str(path), *ARGS, "--min-cohort-size", "1", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    never = frame.loc[frame["first.treat"] == 0, "countyreal"].unique()
    for year in (2004, 2005, 2006, 2007):
        by_hand = (wide.loc[single, year] - wide.loc[single, 2003]) - (
            wide.loc[never, year] - wide.loc[never, 2003]
        ).mean()
        cell = next(r for r in doc["att_gt"] if r["group"] == 2004 and r["time"] == year)
        assert cell["att"] == pytest.approx(by_hand, abs=1e-12)


def test_sensitivity_adds_the_relative_magnitudes_bounds_of_the_event_study(
    run: CliRunner,
) -> None:
    """``--sensitivity``: Rambachan & Roth's bounds from the same design refitted with a
    universal base period, exactly as the library gives them (the library's own tests
    check them against HonestDiD's reference on this panel)."""
    import pandas as pd

    from onevoice.analytics.did import ATTgt, relative_magnitudes

    result = invoke(run, str(MPDTA), *ARGS, "--sensitivity", "--mbar", "0.5,1,2", "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)["sensitivity"]
    est = ATTgt(base_period="universal").fit(
        pd.read_csv(MPDTA), unit="countyreal", time="year", cohort="first.treat", outcome="lemp"
    )
    expected = relative_magnitudes(est, mbar=(0.5, 1, 2), event_times=None).to_dict()
    assert got == json.loads(json.dumps(expected))
    assert got["kind"] == "relative_magnitudes"
    assert {(r["event_time"], r["mbar"]) for r in got["rows"]} >= {(0, 0.5), (1, 2.0)}
    assert got["breakdown_mbar"]["1"] == pytest.approx(0.317, abs=2e-3)
    bad = invoke(run, str(MPDTA), *ARGS, "--sensitivity", "--mbar", "one", "--json")
    assert bad.exit_code == 2
    assert json.loads(bad.stdout) == {
        "error": "--mbar must be numbers separated by commas, not 'one'"
    }
