"""Panel validation and the wide unit x period matrices the estimators work on.

`build_panel` turns a long table (one row per unit and period) into a balanced wide
panel: an ``n x T`` outcome matrix whose rows are sorted by cohort, so that every
cohort is a contiguous slice and all later computation is matrix algebra on slices.
Units that cannot be used are dropped *with a report*; nothing is dropped silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import (
    ALWAYS_TREATED,
    CLUSTER_NOT_CONSTANT,
    COHORT_NOT_CONSTANT,
    COHORT_NOT_ON_GRID,
    COLLINEAR_COVARIATES,
    DUPLICATE_ROWS,
    EMPTY_PANEL,
    MISSING_COLUMN,
    NO_CONTROL_UNITS,
    NO_TREATED_UNITS,
    NON_NUMERIC,
    TOO_FEW_PERIODS,
    AlwaysTreatedError,
    CollinearCovariatesError,
    DIDWarning,
    NoControlUnitsError,
    PanelError,
)

__all__ = ["Panel", "PanelReport", "build_panel", "check_collinear", "shown", "to_pandas"]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True)
class PanelReport:
    """What happened to the input on its way to the estimation panel.

    Attributes
    ----------
    n_rows : int
        Rows in the input.
    n_units_input : int
        Distinct units in the input.
    n_units : int
        Units kept for estimation.
    n_periods : int
        Periods kept for estimation.
    dropped : pandas.DataFrame
        One row per dropped unit: ``unit`` and ``reason``.
    notes : tuple of str
        Every other adjustment, in words (recoded cohorts, dropped periods...).
    """

    n_rows: int
    n_units_input: int
    n_units: int
    n_periods: int
    dropped: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def n_dropped(self) -> int:
        """Number of units dropped."""
        return len(self.dropped)

    def summary(self) -> str:
        """A few lines of text saying what was kept and what was dropped and why."""
        lines = [
            f"Panel: {self.n_units} units x {self.n_periods} periods used "
            f"({self.n_units_input} units, {self.n_rows} rows in the input)."
        ]
        if self.n_dropped:
            counts = self.dropped["reason"].value_counts()
            for reason, count in counts.items():
                lines.append(f"  dropped {count} unit(s): {reason}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (dropped units as a list of ``{unit, reason}``)."""
        return {
            "n_rows": self.n_rows,
            "n_units_input": self.n_units_input,
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "dropped": [
                {"unit": _jsonable(u), "reason": r}
                for u, r in zip(self.dropped["unit"], self.dropped["reason"], strict=True)
            ],
            "notes": list(self.notes),
        }


@dataclass
class Panel:
    """A balanced panel in wide form, units sorted by cohort.

    Attributes
    ----------
    y : ndarray, shape (n, T)
        Outcome; row ``i`` is unit ``unit_ids[i]``.
    unit_ids : ndarray, shape (n,)
        Original unit identifiers.
    period_labels : ndarray, shape (T,)
        Original period labels (numbers or datetimes), ascending.
    tvals : ndarray, shape (T,)
        Periods on the numeric scale used for comparisons and event time: the numbers
        themselves for a numeric time column, ``0..T-1`` for datetimes.
    groups : ndarray, shape (G,)
        Treated cohorts (first treated period) on the ``tvals`` scale, ascending.
    group_labels : list
        The cohorts as labelled in the input.
    code : ndarray, shape (n,)
        Cohort code of each unit: 0 never treated (within the panel), ``k`` = ``groups[k-1]``.
    offsets : ndarray, shape (G + 2,)
        Cohort ``c`` is rows ``offsets[c]:offsets[c + 1]``.
    x : ndarray or None
        Covariates, shape (n, k) when constant within unit, else (n, T, k).
    x_names : tuple of str
        Names of the covariate columns (categoricals expanded to indicators).
    cluster : ndarray or None
        Cluster code of each unit.
    report : PanelReport
        What was dropped or changed.
    """

    y: FloatArray
    unit_ids: np.ndarray
    period_labels: np.ndarray
    tvals: FloatArray
    groups: FloatArray
    group_labels: list[Any]
    code: IntArray
    offsets: IntArray
    x: FloatArray | None
    x_names: tuple[str, ...]
    cluster: IntArray | None
    n_clusters: int
    report: PanelReport
    datetime_periods: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Number of units."""
        return int(self.y.shape[0])

    @property
    def n_periods(self) -> int:
        """Number of periods."""
        return int(self.y.shape[1])

    @property
    def counts(self) -> IntArray:
        """Units per cohort code (index 0 = never treated)."""
        return np.diff(self.offsets)

    def cohort_slice(self, c: int) -> slice:
        """Rows of cohort code ``c``."""
        return slice(int(self.offsets[c]), int(self.offsets[c + 1]))

    def x_at(self, period: int) -> FloatArray | None:
        """Covariates measured in period index ``period`` (all units)."""
        if self.x is None:
            return None
        return self.x if self.x.ndim == 2 else self.x[:, period, :]

    def period_label(self, tval: float) -> Any:
        """Label of a period (or cohort) given on the ``tvals`` scale."""
        if self.datetime_periods:
            idx = round(tval)
            if 0 <= idx < len(self.period_labels):
                return pd.Timestamp(self.period_labels[idx])
            return tval
        return _plain_number(tval)


def to_pandas(data: Any, columns: Sequence[str]) -> pd.DataFrame:
    """Accept a pandas DataFrame, a pyarrow Table or anything with ``to_pandas``.

    A pyarrow Table is converted column-selected, so unused columns cost nothing.
    """
    if isinstance(data, pd.DataFrame):
        return data
    import pyarrow as pa

    if isinstance(data, pa.Table):
        keep = [c for c in dict.fromkeys(columns) if c in data.column_names]
        return data.select(keep).to_pandas()
    if hasattr(data, "to_pandas"):
        frame = data.to_pandas()
        if isinstance(frame, pd.DataFrame):
            return frame
    raise PanelError(
        f"the panel must be a pandas DataFrame or a pyarrow Table; got {type(data).__name__}"
    )


def _require(frame_columns: Sequence[str], column: str, role: str) -> None:
    if column not in frame_columns:
        shown = ", ".join(map(str, list(frame_columns)[:20]))
        raise PanelError(MISSING_COLUMN.format(column=column, role=role, columns=shown))


def _numeric(series: pd.Series, column: str, role: str) -> FloatArray:
    if series.dtype == np.float64:
        return series.to_numpy()  # a view: no copy of the largest columns
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        if bad.any():
            example = series[bad].iloc[0]
            raise PanelError(NON_NUMERIC.format(column=column, role=role, example=example))
        series = converted
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def shown(value: Any) -> Any:
    """A label as people read it: dates as YYYY-MM-DD, numpy scalars as Python."""
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | np.datetime64):
        return str(pd.Timestamp(value).date())
    return value


def _plain_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def _per_unit(
    values: np.ndarray,
    ucode: IntArray,
    n_units: int,
    column: str,
    unit_labels: np.ndarray,
    msg: str,
) -> np.ndarray:
    """Collapse a column that must be constant within unit; raise naming a unit if not."""
    out = np.empty(n_units, dtype=values.dtype)
    out[ucode] = values
    # Compared in blocks of rows so that the check costs no full-length temporaries.
    block = 1 << 20
    for start in range(0, len(values), block):
        v = values[start : start + block]
        back = out[ucode[start : start + block]]
        same = back == v
        if values.dtype.kind == "f":
            same |= np.isnan(back) & np.isnan(v)
        if not np.all(same):
            i = int(np.flatnonzero(~same)[0])
            raise PanelError(
                msg.format(
                    column=column,
                    unit=_jsonable(unit_labels[ucode[start + i]]),
                    first=_jsonable(back[i]),
                    second=_jsonable(v[i]),
                )
            )
    return out


def _covariate_matrix(
    frame: pd.DataFrame, covariates: Sequence[str]
) -> tuple[FloatArray, list[str]]:
    """Numeric columns as they are; text / categorical columns as indicators (first level dropped)."""
    blocks: list[FloatArray] = []
    names: list[str] = []
    for col in covariates:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            blocks.append(s.to_numpy(dtype=np.float64, na_value=np.nan)[:, None])
            names.append(col)
            continue
        codes, levels = pd.factorize(s, sort=True)
        if len(levels) < 2:
            raise CollinearCovariatesError(
                COLLINEAR_COVARIATES.format(where="", columns=repr(col) + " (a single level)")
            )
        dummies = np.zeros((len(s), len(levels) - 1))
        rows = np.flatnonzero(codes > 0)
        dummies[rows, codes[rows] - 1] = 1.0
        dummies[codes < 0, :] = np.nan
        blocks.append(dummies)
        names.extend(f"{col}={lvl}" for lvl in levels[1:])
    return np.hstack(blocks), names


# Fast path of the rank check: a Gram matrix whose smallest eigenvalue is above this
# fraction of its largest is full rank beyond doubt. Then the design's smallest singular
# value is above 1e-4 of its largest (rounding in the Gram is ~1e-15 of its largest
# eigenvalue), far above matrix_rank's threshold (rows x 2.2e-16, ~1e-12 here); anything
# less clear-cut takes the exact SVD, so the verdict is always matrix_rank's.
_GRAM_CLEARLY_FULL_RANK = 1e-8


def check_collinear(x: FloatArray, names: Sequence[str], where: str = "") -> None:
    """Raise `CollinearCovariatesError` if ``[1, x]`` is rank deficient, naming the culprits."""
    design = np.column_stack([np.ones(x.shape[0]), x])
    scale = np.abs(design).max(axis=0)
    scale[scale == 0] = 1.0
    design = design / scale
    # An SVD of the tall design costs ~10 ms; its k x k Gram matrix a fraction of that,
    # and the check runs for every batch of cells.
    eig = np.linalg.eigvalsh(design.T @ design)
    if eig[0] > eig[-1] * _GRAM_CLEARLY_FULL_RANK:
        return
    if np.linalg.matrix_rank(design) == design.shape[1]:
        return
    # Greedy pass: a column is redundant if it does not raise the rank of those before it.
    redundant: list[str] = []
    kept = design[:, :1]
    for j, name in enumerate(names, start=1):
        trial = np.column_stack([kept, design[:, j]])
        if np.linalg.matrix_rank(trial) > kept.shape[1]:
            kept = trial
        else:
            redundant.append(name)
    raise CollinearCovariatesError(
        COLLINEAR_COVARIATES.format(where=where, columns=", ".join(map(repr, redundant)))
    )


def build_panel(
    data: Any,
    *,
    unit: str,
    time: str,
    cohort: str,
    outcome: str,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    anticipation: int = 0,
    always_treated: str = "error",
    control: str = "never",
) -> Panel:
    """Validate a long panel and return it balanced, in wide form, sorted by cohort.

    Parameters
    ----------
    data : pandas.DataFrame or pyarrow.Table
        One row per unit and period.
    unit, time, cohort, outcome : str
        Column names. ``time`` is numeric (e.g. years, month numbers) or datetime.
        ``cohort`` holds the first treated period on the scale of ``time``; 0, empty or
        NaT means never treated. Cohorts after the last period count as never treated
        within the panel (reported in the notes).
    covariates : sequence of str
        Covariate columns; text columns become indicators.
    cluster : str, optional
        A column constant within unit (e.g. territory) to cluster standard errors on.
    anticipation : int
        Periods before treatment in which units may already react.
    always_treated : {"error", "drop"}
        What to do with units treated before the data start.
    control : {"never", "notyet"}
        The control group (needed here: without never-treated units, "notyet" uses the
        last cohort as controls and drops the periods from its treatment on).

    Returns
    -------
    Panel

    Raises
    ------
    PanelError, AlwaysTreatedError, NoControlUnitsError, CollinearCovariatesError
        With a message naming the column, unit or value at fault.
    """
    covariates = tuple(covariates)
    needed = [unit, time, cohort, outcome, *covariates] + ([cluster] if cluster else [])
    frame = to_pandas(data, needed)
    roles = [
        (unit, "unit"),
        (time, "time"),
        (cohort, "cohort"),
        (outcome, "outcome"),
        *((c, "covariate") for c in covariates),
    ]
    if cluster:
        roles.append((cluster, "cluster"))
    for col, role in roles:
        _require(list(frame.columns), col, role)

    n_rows = len(frame)
    notes: list[str] = []
    dropped_units: list[Any] = []
    dropped_reasons: list[str] = []

    # Rows without a unit or period cannot be placed; say so rather than guess.
    unit_s = frame[unit]
    time_s = frame[time]
    bad_rows = unit_s.isna().to_numpy() | time_s.isna().to_numpy()
    if bad_rows.any():
        notes.append(f"{int(bad_rows.sum())} row(s) without a unit or period were ignored")
        frame = frame.loc[~bad_rows]
        unit_s, time_s = frame[unit], frame[time]
    if len(frame) == 0:
        raise PanelError(EMPTY_PANEL)

    ucode_raw, unit_labels = pd.factorize(unit_s)

    def _drop(mask: np.ndarray, reason: str) -> None:
        labels = unit_labels[mask]
        dropped_units.extend(labels.tolist())
        dropped_reasons.extend([reason] * len(labels))

    unit_labels = np.asarray(unit_labels, dtype=object)
    ucode = ucode_raw
    del ucode_raw
    n_units_input = len(unit_labels)

    is_dt = pd.api.types.is_datetime64_any_dtype(time_s.dtype)
    if not is_dt and not pd.api.types.is_numeric_dtype(time_s.dtype):
        raise PanelError(NON_NUMERIC.format(column=time, role="time", example=time_s.iloc[0]))
    tcode_raw, t_uniques = pd.factorize(time_s)
    t_uniques_arr = np.asarray(t_uniques)
    order = np.argsort(t_uniques_arr, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    tcode = rank[tcode_raw].astype(np.int64, copy=False)
    del tcode_raw
    period_labels = t_uniques_arr[order]
    n_t = len(period_labels)
    if n_t < 2:
        raise PanelError(TOO_FEW_PERIODS.format(n=n_t))
    tvals = (
        np.arange(n_t, dtype=np.float64) if is_dt else period_labels.astype(np.float64, copy=False)
    )

    # Duplicated (unit, period) rows: one bincount over the grid the outcome matrix uses anyway.
    # Flat cell index; memory here is what limits the largest panels, so temporaries are
    # built in place and freed as soon as they are used.
    # 32-bit indices halve the largest temporaries whenever the grid allows it.
    idx_dtype = np.int32 if n_units_input * n_t < 2**31 else np.int64
    ucode = ucode.astype(idx_dtype)
    key = ucode * idx_dtype(n_t)
    key += tcode.astype(idx_dtype, copy=False)
    del tcode
    cells = n_units_input * n_t
    observed_flat = np.zeros(cells, dtype=bool)
    observed_flat[key] = True
    if int(np.count_nonzero(observed_flat)) != len(key):
        counts = np.bincount(key, minlength=cells)
        dup_keys = np.flatnonzero(counts > 1)
        k0 = int(dup_keys[0])
        raise PanelError(
            DUPLICATE_ROWS.format(
                count=len(dup_keys),
                unit=_jsonable(unit_labels[k0 // n_t]),
                period=_jsonable(period_labels[k0 % n_t]),
            )
        )
    observed = observed_flat.reshape(n_units_input, n_t)

    y = np.full((n_units_input, n_t), np.nan)
    y.reshape(-1)[key] = _numeric(frame[outcome], outcome, "outcome")

    x3: FloatArray | None = None
    x_names: list[str] = []
    if covariates:
        x_rows, x_names = _covariate_matrix(frame, covariates)
        x3 = np.full((n_units_input, n_t, x_rows.shape[1]), np.nan)
        x3.reshape(-1, x_rows.shape[1])[key] = x_rows
        del x_rows
    del key

    # Cohort: constant within unit, on the time scale; 0 / empty / NaT = never treated.
    cohort_s = frame[cohort]
    if is_dt:
        cvals_dt = pd.to_datetime(cohort_s, errors="coerce")
        bad = cvals_dt.isna() & cohort_s.notna() & (cohort_s.astype(str).str.strip() != "")
        bad &= ~cohort_s.isin([0, "0"])
        if bad.any():
            raise PanelError(
                NON_NUMERIC.format(column=cohort, role="cohort", example=cohort_s[bad].iloc[0])
            )
        cnum = cvals_dt.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        cnum[cvals_dt.isna().to_numpy()] = np.nan
    else:
        # Integer cohorts are checked as they are (no full-length float copy).
        is_int = pd.api.types.is_integer_dtype(cohort_s.dtype) and not cohort_s.hasnans
        cnum = cohort_s.to_numpy() if is_int else _numeric(cohort_s, cohort, "cohort")
    cohort_unit = _per_unit(
        cnum, ucode, n_units_input, cohort, unit_labels, COHORT_NOT_CONSTANT
    ).astype(np.float64)
    del cnum
    never = np.isnan(cohort_unit) | (cohort_unit == 0)
    if is_dt:
        # Map datetimes to period positions; a cohort must be one of the periods.
        grid = period_labels.astype("datetime64[ns]").astype(np.int64).astype(np.float64)
        g = np.where(never, np.nan, cohort_unit)
        pos = np.searchsorted(grid, np.nan_to_num(g, nan=grid[0]))
        pos_clip = np.minimum(pos, n_t - 1)
        on_grid = grid[pos_clip] == g
        beyond = ~never & (g > grid[-1])
        before = ~never & (g < grid[0])
        off = ~never & ~on_grid & ~beyond & ~before
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise PanelError(
                COHORT_NOT_ON_GRID.format(
                    value=str(pd.Timestamp(int(g[i]))), unit=_jsonable(unit_labels[i])
                )
            )
        g_t = np.where(on_grid, pos_clip.astype(np.float64), np.nan)
        g_t[before] = -1.0
        g_t[beyond] = np.inf
        g_t[never] = np.nan
        cohort_t = g_t
    else:
        cohort_t = np.where(never, np.nan, cohort_unit)
    beyond_last = ~np.isnan(cohort_t) & (cohort_t > tvals[-1])
    if beyond_last.any():
        notes.append(
            f"{int(beyond_last.sum())} unit(s) first treated after the last period are "
            "counted as never treated within the panel"
        )
        cohort_t[beyond_last] = np.nan

    # Units treated before the data start have no pre-treatment period.
    pre_exists = tvals[0] + anticipation < cohort_t
    always = ~np.isnan(cohort_t) & ~pre_exists
    keep = np.ones(n_units_input, dtype=bool)
    if always.any():
        i = int(np.flatnonzero(always)[0])
        label = _jsonable(unit_labels[i])
        coh = cohort_t[i]
        coh_label = _jsonable(period_labels[int(coh)]) if is_dt and coh >= 0 else _plain_number(coh)
        if always_treated == "error":
            raise AlwaysTreatedError(
                ALWAYS_TREATED.format(
                    count=int(always.sum()),
                    first=_jsonable(period_labels[0]),
                    anticipation=anticipation,
                    unit=label,
                    cohort=coh_label if not is_dt or coh >= 0 else "before the first period",
                )
            )
        _drop(always, "treated at or before the first period (no pre-treatment period)")
        keep &= ~always

    cluster_unit: np.ndarray | None = None
    if cluster:
        ccode, _ = pd.factorize(frame[cluster])
        ccode = ccode.astype(np.int64)
        if (ccode < 0).any():
            raise PanelError(f"the cluster column {cluster!r} has missing values")
        cluster_unit = _per_unit(
            ccode, ucode, n_units_input, cluster, unit_labels, CLUSTER_NOT_CONSTANT
        )

    # Balance: a unit must have its outcome (and covariates) in every period.
    missing_y = (~observed | np.isnan(y)).sum(axis=1)
    missing_x = (
        np.zeros(n_units_input, dtype=np.int64)
        if x3 is None
        else np.isnan(x3).any(axis=2).sum(axis=1)
    )
    _drop(keep & (missing_y > 0), "missing outcome in some period(s) (unbalanced panel)")
    keep &= missing_y == 0
    _drop(keep & (missing_x > 0), "missing covariate value(s)")
    keep &= missing_x == 0

    if not keep.any():
        raise PanelError(EMPTY_PANEL)

    # Without never-treated units, "not yet treated" compares with the last cohort, which
    # can only serve until it is itself treated (as R did does): later periods are dropped.
    period_keep = np.ones(n_t, dtype=bool)
    has_never = bool((np.isnan(cohort_t) & keep).any())
    treated_kept = cohort_t[keep & ~np.isnan(cohort_t)]
    if treated_kept.size == 0:
        raise PanelError(NO_TREATED_UNITS)
    if not has_never:
        if control == "never":
            raise NoControlUnitsError(
                NO_CONTROL_UNITS.format(
                    cohort="any",
                    period="any",
                    control=control,
                    detail="no unit is never treated; use control='notyet'",
                )
            )
        g_last = float(treated_kept.max())
        period_keep = tvals < g_last - anticipation
        if period_keep.sum() < 2:
            raise NoControlUnitsError(
                NO_CONTROL_UNITS.format(
                    cohort="any",
                    period="any",
                    control=control,
                    detail="no never-treated units and too few periods before the last cohort",
                )
            )
        cohort_t[cohort_t == g_last] = np.nan
        notes.append(
            "no never-treated units: the last cohort serves as control and periods from "
            f"{_jsonable(period_labels[int(np.argmax(~period_keep))])} on are dropped"
        )

    idx = np.flatnonzero(keep)
    groups = np.unique(cohort_t[idx][~np.isnan(cohort_t[idx])])
    code_all = np.zeros(n_units_input, dtype=np.int64)
    has_g = ~np.isnan(cohort_t)
    code_all[has_g] = np.searchsorted(groups, cohort_t[has_g]) + 1
    code = code_all[idx]
    # Stable sort keeps first-appearance order within a cohort.
    perm = idx[np.argsort(code, kind="stable")]
    code = code_all[perm]
    offsets = np.zeros(len(groups) + 2, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount(code, minlength=len(groups) + 1))

    cols = np.flatnonzero(period_keep)
    y_out = np.ascontiguousarray(y[np.ix_(perm, cols)]) if len(cols) < n_t else y[perm]
    del y
    x_out: FloatArray | None = None
    if x3 is not None:
        x3 = x3[perm][:, cols, :]
        x_out = x3[:, 0, :].copy() if np.all(x3 == x3[:, :1, :]) else x3
        check_collinear(x_out if x_out.ndim == 2 else x_out[:, 0, :], x_names)

    n_clusters = 0
    cluster_out: IntArray | None = None
    if cluster_unit is not None:
        cl = cluster_unit[perm]
        cluster_out, cl_uniques = pd.factorize(cl)
        cluster_out = cluster_out.astype(np.int64)
        n_clusters = len(cl_uniques)

    dropped = pd.DataFrame({"unit": dropped_units, "reason": dropped_reasons})
    report = PanelReport(
        n_rows=n_rows,
        n_units_input=n_units_input,
        n_units=len(perm),
        n_periods=len(cols),
        dropped=dropped,
        notes=tuple(notes),
    )
    if report.n_dropped:
        warnings.warn(
            f"{report.n_dropped} of {n_units_input} units dropped: "
            + "; ".join(f"{c} {r}" for r, c in dropped["reason"].value_counts().items()),
            DIDWarning,
            stacklevel=3,
        )
    for note in notes:
        warnings.warn(note, DIDWarning, stacklevel=3)

    if is_dt:
        group_labels = [pd.Timestamp(period_labels[int(g)]) for g in groups]
    else:
        group_labels = [_plain_number(g) for g in groups]
    return Panel(
        y=y_out,
        unit_ids=unit_labels[perm],
        period_labels=period_labels[cols],
        tvals=tvals[cols],
        groups=groups,
        group_labels=group_labels,
        code=code,
        offsets=offsets,
        x=x_out,
        x_names=tuple(x_names),
        cluster=cluster_out,
        n_clusters=n_clusters,
        report=report,
        datetime_periods=is_dt,
        notes=list(notes),
    )
