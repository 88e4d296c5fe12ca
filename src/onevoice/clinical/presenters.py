"""What the pages draw: a scale with reference bands and the dog's mark.

The rules decide; this module only turns their results into positions on a bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from onevoice.clinical.rules import VhsResult, VlasResult, fmt
from onevoice.clinical.rules import vlas as vlas_rules


@dataclass(frozen=True)
class Band:
    label: str
    left: float
    width: float
    css: str


@dataclass(frozen=True)
class Tick:
    label: str
    left: float


@dataclass(frozen=True)
class Scale:
    """A horizontal bar from ``low`` to ``high`` with bands, ticks and one mark."""

    low: str
    high: str
    bands: tuple[Band, ...]
    ticks: tuple[Tick, ...]
    mark: float
    mark_label: str


def _percent(value: Decimal, low: Decimal, high: Decimal) -> float:
    share = (min(max(value, low), high) - low) / (high - low)
    return round(float(share) * 100, 1)


def _band(label: str, lo: Decimal, hi: Decimal, low: Decimal, high: Decimal, css: str) -> Band:
    left = _percent(lo, low, high)
    return Band(label, left, round(_percent(hi, low, high) - left, 1), css)


def vhs_scale(result: VhsResult) -> Scale:
    primary = result.breed_position.reference
    p_low, p_high = primary.interval
    values = [result.vhs, Decimal("7"), Decimal("14"), p_high]
    if p_low is not None:
        values.append(p_low)
    low = min(values).to_integral_value(rounding="ROUND_FLOOR")
    high = max(values).to_integral_value(rounding="ROUND_CEILING")
    bands = [_band("Usual limits 8.5–10.5", Decimal("8.5"), Decimal("10.5"), low, high, "general")]
    if result.breed.key != "any":
        bands.append(
            _band(
                f"{result.breed.name} {primary.interval_text} ({primary.label})",
                p_low if p_low is not None else low,
                p_high,
                low,
                high,
                "breed",
            )
        )
    ticks = tuple(
        Tick(f"{v}", _percent(Decimal(v), low, high))
        for v in ("10.5", "11.5")
        if low < Decimal(v) < high
    )
    return Scale(
        fmt(low), fmt(high), tuple(bands), ticks, _percent(result.vhs, low, high), fmt(result.vhs)
    )


def vlas_scale(result: VlasResult) -> Scale:
    low = min(Decimal("1.0"), result.vlas.to_integral_value(rounding="ROUND_FLOOR"))
    high = max(Decimal("3.5"), result.vlas.to_integral_value(rounding="ROUND_CEILING"))
    bands = (
        _band(
            "Healthy dogs 1.4–2.2",
            vlas_rules.REFERENCE_LOW,
            vlas_rules.REFERENCE_HIGH,
            low,
            high,
            "general",
        ),
    )
    ticks = tuple(Tick(v, _percent(Decimal(v), low, high)) for v in ("2.3", "2.5", "2.8", "3.0"))
    return Scale(
        fmt(low), fmt(high), bands, ticks, _percent(result.vlas, low, high), fmt(result.vlas)
    )
