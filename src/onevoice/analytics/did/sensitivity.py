"""How strong a break in parallel trends would overturn the event-study effect.

Rambachan & Roth (2023), "A More Credible Approach to Parallel Trends", *relative
magnitudes* restriction: after treatment, the period-to-period change of the bias (the
deviation from parallel trends) is at most ``M̄`` times the largest such change seen
before treatment,

    Δ^RM(M̄) = {δ : |δ_{t+1} - δ_t| <= M̄ · max_{s<0} |δ_{s+1} - δ_s| for all t >= 0}.

For each M̄ this gives a confidence set for the effect at one event time that is valid
whatever the bias, as long as it obeys the restriction; the *breakdown* M̄ is the smallest
M̄ at which that set includes zero.

The confidence set is the one R ``HonestDiD`` (and its Python port ``moderndid``) report
by default for relative magnitudes, "C-LF": Δ^RM(M̄) is a union of polyhedra (which
pre-treatment change is the largest, and its sign), each is tested with the conditional
least-favourable hybrid test of Andrews, Roth & Pakes (2023) on the post-treatment
moments, and the set is every effect value that some polyhedron does not reject.

What is ours: HonestDiD solves a linear program per tested value (and a thousand more to
simulate the least-favourable critical value). For this restriction the program's dual
has a handful of vertices known in closed form (see `_UnionTest`), so each test is a
maximum of a few linear functions, vectorised over all tested values and polyhedra:
milliseconds instead of seconds per M̄, and ``mode="honestdid"`` reproduces HonestDiD's
numbers to machine precision. The speed buys precision: HonestDiD reports the extreme
accepted points of a 100-point grid, an interval too narrow by up to a grid step (0.008
on mpdta); the default ``mode="precise"`` refines the ends between grid points, so the
bounds are those of the test itself, and simulates the critical value from one set of
draws shared by every polyhedron and M̄ (HonestDiD draws afresh for each, so its bounds
jitter by about 1e-3 from that alone).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from .charts import SCHEMA, records
from .errors import DIDError, DIDWarning

if TYPE_CHECKING:  # pragma: no cover - typing only; the estimator is passed in at run time
    from .estimator import ATTgt

__all__ = [
    "EVENT_TIME_MISSING",
    "MODES",
    "NOT_CONSECUTIVE",
    "NOT_UNIVERSAL",
    "NO_POST_PERIODS",
    "NO_PRE_PERIODS",
    "Mode",
    "RelativeMagnitudesResult",
    "relative_magnitudes",
    "relative_magnitudes_from_estimates",
]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

NOT_UNIVERSAL = (
    "sensitivity to parallel trends needs an event study with a universal base period "
    "(every estimate compared with the period before treatment); this fit uses "
    "base_period={base!r}. Refit with ATTgt(base_period='universal', ...)"
)
NO_PRE_PERIODS = (
    "the relative-magnitudes bound needs at least one pre-treatment estimate besides the "
    "reference period (event time {reference}) to measure how far trends drift before "
    "treatment; event times available: {available}"
)
NO_POST_PERIODS = "no post-treatment event-study estimate (event time > {reference}) to bound"
EVENT_TIME_MISSING = (
    "event time {event_time!r} is not among the post-treatment event-study estimates; "
    "available: {available}"
)
NOT_CONSECUTIVE = (
    "event times must be consecutive integers around the reference period {reference}; "
    "got {event_times}. Narrow the window with min_e / max_e"
)

METHOD = "C-LF"
Mode = Literal["precise", "honestdid"]
MODES: tuple[str, ...] = get_args(Mode)
# HonestDiD's defaults for C-LF: first-stage size kappa = alpha / 10 and a least-favourable
# critical value simulated from 1,000 draws (seeded, so results are reproducible).
_KAPPA_SHARE = 0.1
_LF_DRAWS = 1000
_LF_SEED = 0
# Variances of normalised moment combinations are O(1); below this one is a constant.
_ZERO_VARIANCE = 1e-12
_REFINE_ROUNDS = 3
_REFINE_POINTS = 33
_WIDEN_TRIES = 4
# Breakdown search: the M̄ scanned before bisecting, and the bisection's tolerance.
_BREAKDOWN_SCAN = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0)
_BREAKDOWN_TOL = 1e-3


# -- the event study ----------------------------------------------------------------------
@dataclass(frozen=True)
class _EventStudy:
    """Pre-period then post-period estimates (reference period dropped) and covariance."""

    pre: tuple[int, ...]
    post: tuple[int, ...]
    reference: int
    beta: FloatArray
    sigma: FloatArray
    draws: FloatArray  # _LF_DRAWS x (pre + post) draws of N(0, sigma), for the LF value

    @property
    def n_pre(self) -> int:
        return len(self.pre)

    @property
    def n_post(self) -> int:
        return len(self.post)

    def position(self, event_time: int) -> int:
        """1-based position of ``event_time`` among the post-period estimates."""
        return self.post.index(event_time) + 1


def _as_int(value: Any) -> int | None:
    v = float(value)
    return int(v) if v.is_integer() else None


def _event_study(keys: ArrayLike, att: ArrayLike, vcov: ArrayLike, reference: int) -> _EventStudy:
    keys_f = np.asarray(keys, dtype=float)
    beta = np.asarray(att, dtype=float)
    sigma = np.asarray(vcov, dtype=float)
    n = len(keys_f)
    if n == 0:
        raise DIDError("no event-study estimates")
    if beta.shape != (n,) or sigma.shape != (n, n):
        raise DIDError(
            f"estimates ({beta.shape}) and covariance ({sigma.shape}) do not match the "
            f"{n} event times"
        )
    ints = [_as_int(k) for k in keys_f]
    if any(k is None for k in ints):
        raise DIDError(NOT_CONSECUTIVE.format(reference=reference, event_times=list(keys_f)))
    times = [int(k) for k in ints if k is not None]
    available = ", ".join(map(str, times))
    keep = np.array([t != reference for t in times])
    kept = [t for t in times if t != reference]
    full = sorted({*kept, reference})
    if full != list(range(full[0], full[-1] + 1)) or len(kept) != len(set(kept)):
        raise DIDError(NOT_CONSECUTIVE.format(reference=reference, event_times=times))
    order = np.argsort(np.asarray(kept))
    idx = np.flatnonzero(keep)[order]
    beta, sigma = beta[idx], sigma[np.ix_(idx, idx)]
    kept = sorted(kept)
    pre = tuple(t for t in kept if t < reference)
    post = tuple(t for t in kept if t > reference)
    if not pre:
        raise DIDError(NO_PRE_PERIODS.format(reference=reference, available=available))
    if not post:
        raise DIDError(NO_POST_PERIODS.format(reference=reference))
    if not (np.isfinite(beta).all() and np.isfinite(sigma).all()):
        raise DIDError("event-study estimates or their covariance are not finite")
    sigma = (sigma + sigma.T) / 2
    bad = [t for t, v in zip(kept, np.diag(sigma), strict=True) if not v > 0]
    if bad:
        raise DIDError(f"event-study estimates at event times {bad} have no sampling variance")
    if np.linalg.eigvalsh(sigma)[0] < -1e-10 * float(np.max(np.diag(sigma))):
        raise DIDError("the covariance of the event-study estimates is not positive semi-definite")
    # One set of normal draws for every polyhedron and M̄ (common random numbers): the
    # least-favourable value of a polyhedron with moments A β uses A ζ. HonestDiD draws
    # A Σ A' afresh for each polyhedron, which costs a decomposition each (slow where BLAS
    # threads contend) and makes the bounds jitter from one M̄ to the next.
    vals, vecs = np.linalg.eigh(sigma)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    z = np.random.default_rng(_LF_SEED).standard_normal((_LF_DRAWS, len(beta)))
    return _EventStudy(pre, post, reference, beta, sigma, z @ root.T)


# -- one polyhedron of Δ^RM and its ARP hybrid test ----------------------------------------
def _truncnorm_ppf(p: float, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Quantile ``p`` of a standard normal truncated to ``[lo, hi]`` (elementwise).

    Works on log tail probabilities so that truncation far in a tail (where the ARP test
    often is) keeps its precision; this is HonestDiD's ``norminvp_generalized``.
    """
    with np.errstate(all="ignore"):
        log_sf_lo, log_sf_hi = special.log_ndtr(-lo), special.log_ndtr(-hi)
        upper_tail = -special.ndtri_exp(log_sf_lo + np.log1p(p * np.expm1(log_sf_hi - log_sf_lo)))
        log_cdf_lo, log_cdf_hi = special.log_ndtr(lo), special.log_ndtr(hi)
        lower_tail = special.ndtri_exp(
            log_cdf_hi + np.log1p((1 - p) * np.expm1(log_cdf_lo - log_cdf_hi))
        )
        z = np.where(lo >= 0, upper_tail, lower_tail)
        z = np.minimum(np.maximum(z, lo), hi)
    return np.where(lo >= hi, lo, z)


def _post_moments(n_pre: int, n_post: int, mbar: float, s: int, positive: bool) -> FloatArray:
    """Rows of ``A`` (in ``A δ <= 0``) that involve post-treatment periods, as HonestDiD.

    Columns are the pre then post coefficients (the reference period, fixed at zero, is
    dropped). Row ``P_r`` is ``(δ_r - δ_{r-1}) - M̄ w'δ`` and ``N_r`` is
    ``-(δ_r - δ_{r-1}) - M̄ w'δ`` for post period r, where ``w'δ`` is the pre-treatment
    change assumed largest (``s``, HonestDiD's indexing: 0 = last pre period to the
    reference) with its sign. Order ``P_1..P_T, N_1..N_T`` as HonestDiD. The pre-period
    rows are left out, as HonestDiD does by default (``postPeriodMomentsOnly``).
    """
    total = n_pre + n_post + 1
    w = np.zeros(total)
    w[n_pre + s - 1 : n_pre + s + 1] = (-1.0, 1.0)
    if not positive:
        w = -w
    diff = np.zeros((n_post, total))
    for i in range(n_post):
        diff[i, n_pre + i : n_pre + i + 2] = (-1.0, 1.0)
    a = np.vstack([diff - mbar * w, -diff - mbar * w])
    return np.delete(a, n_pre, axis=1)


class _UnionTest:
    """C-LF test of ``θ = β_post[j] - δ_post[j]`` under Δ^RM(M̄), all polyhedra at once.

    Δ^RM(M̄) is the union over which pre-treatment change is the largest (``s``) and its
    sign of polyhedra Δ_{s,±}; a value is in the confidence set if the test of some
    polyhedron accepts it (HonestDiD's ``computeConditionalCS_DeltaRM``).

    Each polyhedron's ARP statistic is a linear program, ``η(θ) = min_τ max_k
    (y_k(θ) - X_k τ) / σ_k`` over the nuisance τ (the other post-period effects). Here the
    post-period bias is a chain ``u_0 = 0, u_1, ..., u_T`` whose steps are each bounded,
    with ``u_j`` fixed by θ, so the program's value is the largest of ``T + 2`` linear
    functions of ``y``, the vertices of its dual:

    - for each post step r, ``(P_r + N_r) / (σ_{P_r} + σ_{N_r})`` (the step's two bounds
      must not cross; it does not depend on θ);
    - ``Σ_{r<=j} P_r / Σ_{r<=j} σ_{P_r}`` and the same with N (the steps up to j must be
      able to add up to ``u_j``).

    With the vertices known, ARP's conditioning event (the optimal vertex stays optimal)
    is an interval for ``η`` in closed form, and the least-favourable critical value is a
    quantile of the largest vertex value of simulated moments. With one post period there
    is no nuisance and HonestDiD's no-nuisance test applies: the two moments are the
    vertices, and, as in HonestDiD, its truncation is not capped at the least-favourable
    value.

    ``honestdid_draws`` simulates each polyhedron's moments afresh as HonestDiD does
    (``default_rng(0).multivariate_normal`` of ``A Σ A'``), reproducing its numbers; else
    the study's common draws are used.
    """

    def __init__(
        self, study: _EventStudy, j: int, mbar: float, alpha: float, honestdid_draws: bool
    ) -> None:
        k, t = study.n_pre, study.n_post
        pieces = [(s, positive) for s in range(-(k - 1), 1) for positive in (True, False)]
        a = np.stack([_post_moments(k, t, mbar, s, pos) for s, pos in pieces])  # p x 2t x c
        sigma_y = a @ study.sigma @ a.transpose(0, 2, 1)
        sd = np.sqrt(np.maximum(np.diagonal(sigma_y, axis1=1, axis2=2), 1e-300))  # p x 2t
        n_p = len(pieces)
        self.nuisance = t > 1
        if self.nuisance:
            g = np.zeros((n_p, t + 2, 2 * t))
            r = np.arange(t)
            g[:, r, r] = g[:, r, t + r] = 1.0 / (sd[:, :t] + sd[:, t:])
            g[:, t, :j] = 1.0 / sd[:, :j].sum(axis=1, keepdims=True)
            g[:, t + 1, t : t + j] = 1.0 / sd[:, t : t + j].sum(axis=1, keepdims=True)
        else:
            g = np.zeros((n_p, 2, 2))
            g[:, [0, 1], [0, 1]] = 1.0 / sd
        ga = g @ a  # vertices as functions of the event-study coefficients: p x v x c
        self.level = ga @ study.beta  # vertex values at θ = 0 ...
        self.slope = ga[:, :, k + j - 1]  # ... fall by this per unit of θ
        self.q = ga @ study.sigma @ ga.transpose(0, 2, 1)  # covariance of vertex values
        kappa = _KAPPA_SHARE * alpha
        self.mod_size = (alpha - kappa) / (1 - kappa)
        # Least-favourable critical value: quantile 1 - kappa of η when every moment is
        # zero in expectation, η being the largest vertex value.
        if honestdid_draws:
            eta = np.stack(
                [
                    (
                        np.random.default_rng(_LF_SEED).multivariate_normal(
                            np.zeros(2 * t), sy, size=_LF_DRAWS, check_valid="ignore"
                        )
                        @ gp.T
                    ).max(axis=1)
                    for sy, gp in zip(sigma_y, g, strict=True)
                ]
            )
        else:
            n_v = ga.shape[1]
            eta = (ga.reshape(n_p * n_v, -1) @ study.draws.T).reshape(n_p, n_v, -1).max(axis=1)
        self.lf_cv = np.quantile(eta, 1 - kappa, axis=1)  # one per polyhedron

    def accept(self, theta: FloatArray) -> BoolArray:
        """Whether each value in ``theta`` is accepted by some polyhedron's test."""
        values = self.level[:, :, None] - self.slope[:, :, None] * theta[None, None, :]
        best = values.argmax(axis=1)[:, None, :]  # p x 1 x n: the optimal vertex
        eta = np.take_along_axis(values, best, axis=1)[:, 0, :]
        q_best = np.take_along_axis(self.q, best, axis=2)  # p x v x n: cov with the best
        var_b = np.take_along_axis(q_best, best, axis=1)[:, 0, :]
        degenerate = var_b < _ZERO_VARIANCE
        var_b = np.where(degenerate, 1.0, var_b)
        # Along the direction in which the optimal vertex's value moves (all else held),
        # every other vertex must stay below it: that bounds η to [v_lo, v_up].
        coef = q_best / var_b[:, None, :]
        denom = 1.0 - coef
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (values - coef * eta[:, None, :]) / denom
        other = np.arange(values.shape[1])[None, :, None] != best
        v_lo = np.where(other & (denom > 1e-10), ratio, -np.inf).max(axis=1)
        v_up = np.where(other & (denom < -1e-10), ratio, np.inf).min(axis=1)
        lf_cv = self.lf_cv[:, None]
        if self.nuisance:
            v_up = np.minimum(v_up, lf_cv)
        sd_b = np.sqrt(var_b)
        z_lo, z_up, stat = v_lo / sd_b, v_up / sd_b, eta / sd_b
        # The second stage's critical value is >= 0, so it matters only where the first
        # stage passes and the statistic is positive (a minority of tested values).
        reject = np.where(degenerate, eta > 0, False) | (eta > lf_cv)
        open_ = ~reject & ~degenerate & (stat > 0)
        if self.nuisance:
            open_ &= (z_lo <= stat) & (stat <= z_up)
        crit = _truncnorm_ppf(1 - self.mod_size, z_lo[open_], z_up[open_])
        reject[open_] = stat[open_] > crit
        return np.asarray((~reject).any(axis=0))


@dataclass(frozen=True)
class _Config:
    """How a set is computed: ``mode`` "precise" or "honestdid" (see the public API)."""

    alpha: float
    grid_points: int
    refine: bool
    honestdid_draws: bool


def _grid_range(study: _EventStudy, j: int, mbar: float) -> tuple[float, float]:
    """HonestDiD's grid: the estimate ± (the identified set's reach + a sampling margin)."""
    k = study.n_pre
    diffs = np.diff(np.eye(k + 1)[:, :k], axis=0)  # pre-period changes, the last to 0
    pre_beta, pre_sigma = study.beta[:k], study.sigma[:k, :k]
    largest = float(np.max(np.abs(diffs @ pre_beta)))
    largest_sd = float(np.max(np.sqrt(np.diag(diffs @ pre_sigma @ diffs.T))))
    sd_theta = math.sqrt(study.sigma[k + j - 1, k + j - 1])
    reach = mbar * j
    half = reach * largest + max(20 * sd_theta, 6 * reach * largest_sd)
    center = float(study.beta[k + j - 1])
    return center - half, center + half


def _edge(test: _UnionTest, outside: float, inside: float) -> float:
    """The accepted point nearest the rejected ``outside``, to 1/32^3 of the gap."""
    for _ in range(_REFINE_ROUNDS):
        pts = np.linspace(outside, inside, _REFINE_POINTS)
        k = int(np.argmax(test.accept(pts)))  # the last point (``inside``) is accepted
        if k == 0:  # pragma: no cover - ``outside`` was rejected; defensive only
            return float(pts[0])
        outside, inside = float(pts[k - 1]), float(pts[k])
    return inside


def _robust_interval(
    study: _EventStudy, j: int, mbar: float, cfg: _Config, test: _UnionTest | None = None
) -> tuple[float, float]:
    """Smallest and largest accepted effect (the convex hull of the confidence set)."""
    if test is None:
        test = _UnionTest(study, j, mbar, cfg.alpha, cfg.honestdid_draws)
    lo, hi = _grid_range(study, j, mbar)
    for attempt in range(_WIDEN_TRIES + 1):
        grid = np.linspace(lo, hi, cfg.grid_points)
        acc = test.accept(grid)
        if not acc.any():
            return math.nan, math.nan
        open_low, open_high = bool(acc[0]), bool(acc[-1])
        if not (open_low or open_high) or attempt == _WIDEN_TRIES:
            break
        # HonestDiD warns that the set is open at the grid's end; widen instead.
        center, half = (lo + hi) / 2, (hi - lo) / 2
        lo, hi = center - 4 * half, center + 4 * half
    first, last = np.flatnonzero(acc)[[0, -1]]
    low, high = float(grid[first]), float(grid[last])
    if cfg.refine:
        if first > 0:
            low = _edge(test, float(grid[first - 1]), low)
        if last < cfg.grid_points - 1:
            high = _edge(test, float(grid[last + 1]), high)
    if open_low or open_high:
        warnings.warn(
            "the robust confidence set is unbounded (the data cannot rule out any effect "
            f"under M̄ = {mbar:g})",
            DIDWarning,
            stacklevel=3,
        )
        low = -math.inf if open_low else low
        high = math.inf if open_high else high
    return low, high


def _breakdown(
    study: _EventStudy, j: int, cfg: _Config, known: dict[float, tuple[float, float]]
) -> float | None:
    """Smallest M̄ whose robust set includes 0 (to ``_BREAKDOWN_TOL``); None if none does.

    Walks up the M̄ already computed (``known``) and a scan grid to the first set that
    includes zero, then solves for the M̄ at which the set's end nearest zero reaches it
    (Brent's method: that end moves almost linearly with M̄, so this takes a handful of
    sets where bisection would take a dozen). The identified sets are nested in M̄, and
    in practice so are the confidence sets; should they not be, this is the first entry
    along the walk. Either way the set at the returned M̄ includes zero.
    """
    beta = float(study.beta[study.n_pre + j - 1])

    def interval(m: float) -> tuple[float, float]:
        if m not in known:
            known[m] = _robust_interval(study, j, m, cfg)
        return known[m]

    def includes_zero(m: float) -> bool:
        if m not in known:
            test = _UnionTest(study, j, m, cfg.alpha, cfg.honestdid_draws)
            if test.accept(np.zeros(1))[0]:
                return True  # zero itself is in the set, so in its hull
            known[m] = _robust_interval(study, j, m, cfg, test)
        low, high = known[m]
        return bool(low <= 0.0 <= high)

    def gap(m: float) -> float:
        """How far the set's end on zero's side stays from zero (<= 0: it reaches it)."""
        low, high = interval(m)
        return low if beta >= 0 else -high

    if includes_zero(0.0):
        return 0.0
    below = 0.0
    for m in sorted({*known, *_BREAKDOWN_SCAN}):
        if m <= 0.0:
            continue
        if includes_zero(m):
            above = m
            break
        below = m
    else:
        return None
    if above - below > _BREAKDOWN_TOL and gap(below) > 0 >= gap(above):
        root = float(optimize.brentq(gap, below, above, xtol=_BREAKDOWN_TOL / 4))
        # Close the bracket around the root, keeping "includes zero" at its top.
        if includes_zero(top := min(above, root + _BREAKDOWN_TOL / 2)):
            above = top
        if not includes_zero(bottom := max(below, root - _BREAKDOWN_TOL / 2)):
            below = bottom
    while above - below > _BREAKDOWN_TOL:
        mid = (below + above) / 2
        if includes_zero(mid):
            above = mid
        else:
            below = mid
    return above


# -- the result ---------------------------------------------------------------------------
def _fmt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _when(event_time: int) -> str:
    if event_time == 0:
        return "In the period of the training"
    if event_time > 0:
        unit = "period" if event_time == 1 else "periods"
        return f"{event_time} {unit} after the training"
    return f"{-event_time} period(s) before the training (anticipation)"


@dataclass(frozen=True)
class RelativeMagnitudesResult:
    """Confidence sets for event-study effects under bounded breaks in parallel trends.

    ``table`` columns: ``event_time``, ``method`` ("original" = the usual interval under
    exactly parallel trends, or "C-LF"), ``mbar`` (NaN on the original row), ``ci_low``,
    ``ci_high``. ``estimates``: ``event_time``, ``att``, ``se`` of the effects bounded.
    ``breakdown_mbar`` maps each event time to the smallest M̄ whose robust set includes
    zero, to 1e-3 (0.0 if the set at M̄ = 0 already does, e.g. when the usual interval
    includes zero; None if zero stays out up to ``settings["breakdown_max"]``, 10 or the
    largest M̄ asked). ``sentence(e)`` says it in words; ``to_dict()`` is what
    ``--json`` prints.
    """

    table: pd.DataFrame
    estimates: pd.DataFrame
    breakdown_mbar: dict[int, float | None]
    alpha: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def event_times(self) -> list[int]:
        """The event times bounded, in the order asked."""
        return [int(e) for e in self.estimates["event_time"]]

    def tidy(self) -> pd.DataFrame:
        """One row per event time and M̄, after that event time's original-interval row."""
        return self.table.copy()

    def interval(self, event_time: int, mbar: float | None = None) -> tuple[float, float]:
        """``(ci_low, ci_high)`` at ``mbar`` (None: the original interval)."""
        t = self.table[self.table["event_time"] == event_time]
        row = t[t["method"] == "original"] if mbar is None else t[np.isclose(t["mbar"], mbar)]
        if row.empty:
            raise DIDError(f"no interval for event time {event_time!r} at M̄ = {mbar!r}")
        return float(row["ci_low"].iloc[0]), float(row["ci_high"].iloc[0])

    def sentence(self, event_time: int | None = None) -> str:
        """The conclusion for one event time (default: the first) in one sentence."""
        e = self.event_times[0] if event_time is None else int(event_time)
        if e not in self.breakdown_mbar:
            raise DIDError(
                EVENT_TIME_MISSING.format(event_time=event_time, available=self.event_times)
            )
        low, high = self.interval(e)
        att = float(self.estimates.loc[self.estimates["event_time"] == e, "att"].iloc[0])
        when = _when(e)
        level = round(100 * (1 - self.alpha))
        if low <= 0 <= high:
            return (
                f"{when}, the effect ({_fmt(att)}) is not distinguishable from zero even "
                f"if trends were exactly parallel, so there is no conclusion for a break in "
                f"trends to overturn."
            )
        sign = "positive" if att > 0 else "negative"
        b = self.breakdown_mbar[e]
        if b is None:
            return (
                f"{when}, the effect stays {sign} ({level}% confidence) even if post-training "
                f"deviations from parallel trends were {self.settings.get('breakdown_max', 10):g} "
                f"times the largest pre-training one."
            )
        if b == 0:
            return (
                f"{when}, the effect is {sign} only if trends are exactly parallel: any "
                f"post-training deviation from them makes it indistinguishable from zero."
            )
        return (
            f"{when}, the effect stays {sign} ({level}% confidence) unless post-training "
            f"deviations from parallel trends exceed {b:.2f} times the largest "
            f"pre-training one."
        )

    def summary(self) -> str:
        """One sentence per event time, then the table of robust intervals."""
        level = round(100 * (1 - self.alpha))
        lines = [self.sentence(e) for e in self.event_times]
        shown = self.table.assign(
            mbar=[("original" if m != m else f"{m:g}") for m in self.table["mbar"]],
            ci_low=self.table["ci_low"].map(_fmt),
            ci_high=self.table["ci_high"].map(_fmt),
        )[["event_time", "mbar", "ci_low", "ci_high"]]
        lines += [
            "",
            f"Robust {level}% confidence sets under relative magnitudes (Rambachan & Roth "
            f"2023, {METHOD}); M̄ = largest post-training change in the deviation from "
            "parallel trends / largest pre-training one",
            shown.to_string(index=False),
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """``kind``, ``rows`` (robust intervals), ``breakdown_mbar``, ``original``; JSON-ready.

        ``breakdown_mbar`` is keyed by the event time as a string (JSON object keys are
        strings).
        """
        robust = self.table[self.table["method"] != "original"]
        rows = [
            {
                "event_time": int(r["event_time"]),
                "mbar": float(r["mbar"]),
                "ci_low": _num(r["ci_low"]),
                "ci_high": _num(r["ci_high"]),
            }
            for r in robust.to_dict(orient="records")
        ]
        original = []
        for e in self.event_times:
            low, high = self.interval(e)
            est = self.estimates[self.estimates["event_time"] == e].iloc[0]
            original.append(
                {
                    "event_time": e,
                    "att": _num(est["att"]),
                    "se": _num(est["se"]),
                    "ci_low": _num(low),
                    "ci_high": _num(high),
                }
            )
        return {
            "kind": "relative_magnitudes",
            "method": METHOD,
            "alpha": self.alpha,
            "rows": rows,
            "breakdown_mbar": {
                str(e): (None if b is None else float(b)) for e, b in self.breakdown_mbar.items()
            },
            "original": original,
            "summary": [self.sentence(e) for e in self.event_times],
            "settings": _json_settings(self.settings),
        }

    def plot(self) -> dict[str, Any]:
        """Vega-Lite spec: the interval at each M̄ beside the original one, per event time."""
        frame = self.table.assign(
            label=[("original" if m != m else f"M̄ = {m:g}") for m in self.table["mbar"]]
        )
        order = list(dict.fromkeys(frame["label"]))
        order = ["original", *[x for x in order if x != "original"]]
        outcome = self.settings.get("outcome") or "outcome"
        x = {"field": "label", "type": "ordinal", "sort": order, "title": None}
        color = {
            "field": "method",
            "type": "nominal",
            "title": None,
            "scale": {"domain": ["original", METHOD], "range": ["#7f7f7f", "#1f77b4"]},
        }
        layers = [
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#444"},
                "encoding": {"y": {"datum": 0}},
            },
            {
                "mark": {"type": "rule", "strokeWidth": 3},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "ci_low",
                        "type": "quantitative",
                        "title": f"effect on {outcome}",
                    },
                    "y2": {"field": "ci_high"},
                    "color": color,
                    "tooltip": [
                        {"field": "label", "title": "bound"},
                        {"field": "ci_low", "title": "low", "format": ".4f"},
                        {"field": "ci_high", "title": "high", "format": ".4f"},
                    ],
                },
            },
        ]
        return {
            "$schema": SCHEMA,
            "title": "How strong a break in parallel trends would overturn the effect",
            "data": {"values": records(frame)},
            "facet": {
                "column": {
                    "field": "event_time",
                    "type": "ordinal",
                    "title": "periods since training",
                }
            },
            "spec": {"width": 220, "height": 240, "layer": layers},
        }


def _num(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


def _json_value(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_json_value(x) for x in v]
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _json_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {str(k): _json_value(v) for k, v in settings.items()}


# -- public API ---------------------------------------------------------------------------
def _check_mbar(mbar: Iterable[float]) -> list[float]:
    values = [float(m) for m in mbar]
    if not values or not all(math.isfinite(m) and m >= 0 for m in values):
        raise DIDError(f"mbar must be one or more finite numbers >= 0; got {values!r}")
    return sorted(set(values))


def relative_magnitudes_from_estimates(
    keys: ArrayLike,
    att: ArrayLike,
    vcov: ArrayLike,
    *,
    reference: int = -1,
    mbar: Iterable[float] = (0.5, 1.0, 1.5, 2.0),
    event_times: Sequence[int] | None = (0,),
    alpha: float = 0.05,
    mode: Mode = "precise",
    grid_points: int | None = None,
    settings: dict[str, Any] | None = None,
) -> RelativeMagnitudesResult:
    """Relative-magnitudes sensitivity of any event study given as estimates + covariance.

    Parameters
    ----------
    keys : sequence of int
        Event times of the estimates (periods since treatment), consecutive; may include
        ``reference`` (its estimate is zero by construction and is dropped).
    att : sequence of float
        Event-study estimates, normalised to zero at ``reference``.
    vcov : array (len(keys) x len(keys))
        Their covariance.
    reference : int
        The normalised period (-1, or -1 - anticipation).
    mbar : iterable of float
        Values of M̄ (>= 0) at which to bound the effect.
    event_times : sequence of int or None
        Post-treatment event times to bound; None for all.
    alpha : float
        Sets have level ``1 - alpha``.
    mode : {"precise", "honestdid"}
        "precise": test a grid (1,000 values by default) and refine each end of the set
        between its last accepted and first rejected value (to 1/32^3 of a step), with
        one set of simulated draws for every polyhedron and M̄. "honestdid": HonestDiD's
        own computation (100 values, ends not refined, each polyhedron simulated afresh),
        to reproduce its published numbers; its bounds fall inside the precise ones by up
        to a grid step.
    grid_points : int, optional
        Values tested before refinement (default 1,000 precise, 100 honestdid).
    settings : dict, optional
        Carried into the result (e.g. the outcome's name).

    Returns
    -------
    RelativeMagnitudesResult

    Raises
    ------
    DIDError
        No pre-treatment estimate besides the reference, an event time that is not a
        post-treatment estimate, gaps in the event times, invalid options.
    """
    if not 0 < alpha < 1:
        raise DIDError(f"alpha must be between 0 and 1; got {alpha!r}")
    if mode not in MODES:
        raise DIDError(f"mode must be one of {MODES}; got {mode!r}")
    honestdid = mode == "honestdid"
    if grid_points is None:
        grid_points = 100 if honestdid else 1000
    if isinstance(grid_points, bool) or not isinstance(grid_points, int) or grid_points < 10:
        raise DIDError(f"grid_points must be an integer >= 10; got {grid_points!r}")
    cfg = _Config(
        alpha=alpha, grid_points=grid_points, refine=not honestdid, honestdid_draws=honestdid
    )
    mbars = _check_mbar(mbar)
    study = _event_study(keys, att, vcov, int(reference))
    if event_times is None:
        wanted = list(study.post)
    else:
        wanted = []
        for e in event_times:
            ei = _as_int(e) if isinstance(e, int | float | np.integer | np.floating) else None
            if ei is None or ei not in study.post:
                raise DIDError(
                    EVENT_TIME_MISSING.format(
                        event_time=e, available=", ".join(map(str, study.post))
                    )
                )
            if ei not in wanted:
                wanted.append(ei)
    eigen = np.linalg.eigvalsh(study.sigma)
    if eigen[0] <= 1e-12 * eigen[-1]:
        warnings.warn(
            "the covariance of the event-study estimates is singular (e.g. fewer clusters "
            "than estimates): the robust bounds may be unreliable",
            DIDWarning,
            stacklevel=2,
        )
    z = float(stats.norm.ppf(1 - alpha / 2))
    rows: list[dict[str, Any]] = []
    est_rows: list[dict[str, Any]] = []
    breakdown: dict[int, float | None] = {}
    for e in wanted:
        j = study.position(e)
        idx = study.n_pre + j - 1
        b, se = float(study.beta[idx]), math.sqrt(study.sigma[idx, idx])
        est_rows.append({"event_time": e, "att": b, "se": se})
        rows.append(
            {
                "event_time": e,
                "method": "original",
                "mbar": math.nan,
                "ci_low": b - z * se,
                "ci_high": b + z * se,
            }
        )
        known: dict[float, tuple[float, float]] = {}
        for m in mbars:
            low, high = _robust_interval(study, j, m, cfg)
            known[m] = (low, high)
            rows.append(
                {"event_time": e, "method": METHOD, "mbar": m, "ci_low": low, "ci_high": high}
            )
        breakdown[e] = _breakdown(study, j, cfg, known)
    info = {
        "reference": study.reference,
        "pre_event_times": list(study.pre),
        "post_event_times": list(study.post),
        "mode": mode,
        "grid_points": grid_points,
        "breakdown_tolerance": _BREAKDOWN_TOL,
        "breakdown_max": max(_BREAKDOWN_SCAN[-1], *mbars),
    }
    return RelativeMagnitudesResult(
        table=pd.DataFrame(rows, columns=["event_time", "method", "mbar", "ci_low", "ci_high"]),
        estimates=pd.DataFrame(est_rows, columns=["event_time", "att", "se"]),
        breakdown_mbar=breakdown,
        alpha=alpha,
        settings={**(settings or {}), **info},
    )


def relative_magnitudes(
    estimator: ATTgt,
    *,
    mbar: Iterable[float] = (0.5, 1.0, 1.5, 2.0),
    event_times: Sequence[int] | None = (0,),
    alpha: float | None = None,
    min_e: float | None = None,
    max_e: float | None = None,
    mode: Mode = "precise",
    grid_points: int | None = None,
) -> RelativeMagnitudesResult:
    """How strong a break in parallel trends would overturn a fitted event study.

    Aggregates the fitted ATT(g,t) by event time (as ``estimator.aggregate("dynamic")``),
    takes the estimates' analytic covariance (clustered as the fit; bootstrap draws are
    not used, as in HonestDiD) and bounds the effect at each of ``event_times`` under
    Rambachan & Roth's relative magnitudes Δ^RM(M̄) for each ``mbar``, with HonestDiD's
    default C-LF confidence sets, plus the breakdown M̄.

    Parameters
    ----------
    estimator : ATTgt
        Fitted with ``base_period="universal"`` (each estimate compared with the period
        before treatment, the event-study normalisation this method assumes).
    mbar : iterable of float
        Values of M̄ >= 0: post-treatment changes in the bias up to M̄ times the largest
        pre-treatment change. 0 = parallel trends continue exactly as before treatment;
        1 = breaks as large as the worst seen before.
    event_times : sequence of int or None
        Post-treatment event times to bound (0 = the first treated period); None for all.
    alpha : float, optional
        Sets have level ``1 - alpha``; default the estimator's.
    min_e, max_e : float, optional
        Event window of the aggregation (as in ``aggregate``): e.g. ``min_e=-13`` keeps
        12 pre-treatment estimates besides the reference period.
    mode, grid_points
        See `relative_magnitudes_from_estimates`: "precise" (default) or "honestdid"
        (HonestDiD's own numbers, for comparison).

    Returns
    -------
    RelativeMagnitudesResult

    Raises
    ------
    NotFittedError
        The estimator is not fitted.
    DIDError
        Base period not universal, no pre-treatment estimate, an event time that was not
        estimated, invalid options.

    Examples
    --------
    >>> est = ATTgt(base_period="universal").fit(df, unit="id", time="t", cohort="g",
    ...                                          outcome="y")  # doctest: +SKIP
    >>> relative_magnitudes(est, event_times=[0, 1]).summary()  # doctest: +SKIP
    """
    estimator._require_fitted()
    opts = estimator.options_
    if opts.base_period != "universal":
        raise DIDError(NOT_UNIVERSAL.format(base=opts.base_period))
    agg = estimator._aggregate(
        "dynamic",
        balance_e=None,
        min_e=-np.inf if min_e is None else min_e,
        max_e=np.inf if max_e is None else max_e,
    )
    vcov = estimator.inference_.vcov(agg.coords)
    settings = {
        "outcome": estimator._outcome,
        "control": opts.control,
        "method": opts.method,
        "anticipation": opts.anticipation,
        "min_e": min_e,
        "max_e": max_e,
    }
    return relative_magnitudes_from_estimates(
        agg.keys,
        agg.est,
        vcov,
        reference=-1 - int(opts.anticipation),
        mbar=mbar,
        event_times=event_times,
        alpha=opts.alpha if alpha is None else alpha,
        mode=mode,
        grid_points=grid_points,
        settings=settings,
    )
