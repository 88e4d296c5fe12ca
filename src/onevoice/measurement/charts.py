"""Vega-Lite specifications (plain dicts) for dashboards and reviews.

Every chart carries its numbers: :class:`Chart` keeps the rows the spec embeds, so the
page offers them as CSV and the review writes them to its workbook. The specs embed
their data and name nothing on the network (the schema URL is an identifier only);
pages draw them with the vendored vega-embed, reviews turn them into SVG/PNG with
vl-convert. No Django here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 520
HEIGHT = 220
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
STATUS_COLOURS = {
    "Achieved": "#2e7d32",
    "On track": "#1f77b4",
    "At risk": "#ef6c00",
    "Missed": "#c62828",
    "No data": "#9e9e9e",
}


@dataclass
class Chart:
    """A chart: its name (for the CSV link), title, Vega-Lite spec and the rows behind it."""

    name: str
    title: str
    rows: list[dict[str, Any]]
    spec: dict[str, Any]
    columns: list[str] = field(default_factory=list)
    caption: str = ""
    svg: str = ""  # filled in by the review's HTML file

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = list(self.rows[0]) if self.rows else []

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def dom_id(self) -> str:
        return f"spec-{self.name}"


def clean(value: Any) -> Any:
    """JSON-ready scalars: dates as ISO text, numpy numbers as Python, NaN as None."""
    kind = type(value)
    if kind is str or kind is int or value is None:  # most values: no conversion
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value


def clean_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in row.items()} for row in rows]


def _base(title: str, rows: list[dict[str, Any]], width: int = WIDTH) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start", "font": FONT},
        "data": {"values": rows},
        "width": width,
        "height": HEIGHT,
        "config": {
            "font": FONT,
            "axis": {"labelFont": FONT, "titleFont": FONT},
            "legend": {"labelFont": FONT, "titleFont": FONT, "labelLimit": 260},
        },
    }


def _field(name: str, kind: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    """An encoding channel; ``title=""`` hides the axis or legend title."""
    out: dict[str, Any] = {"field": name, "type": kind, **extra}
    if title is not None:
        out["title"] = title or None
    return out


def bar_chart(
    name: str,
    title: str,
    rows: list[dict[str, Any]],
    *,
    x: str,
    y: str,
    x_title: str | None = None,
    y_title: str | None = None,
    color: str | None = None,
    color_title: str | None = None,
    x_type: str = "nominal",
    horizontal: bool = False,
    caption: str = "",
) -> Chart:
    """Bars (stacked by ``color`` when given); horizontal bars put ``x`` on the y axis."""
    rows = clean_rows(rows)
    spec = _base(title, rows)
    category = _field(x, x_type, x_title, sort=None)
    if x_type == "temporal":
        category.update(timeUnit="yearmonth", axis={"format": "%b %Y"})
    value = _field(y, "quantitative", y_title)
    encoding: dict[str, Any] = (
        {"x": value, "y": category} if horizontal else {"x": category, "y": value}
    )
    if color:
        encoding["color"] = _field(color, "nominal", color_title)
    encoding["tooltip"] = (
        [_field(c, "nominal" if c in {x, color} else "quantitative") for c in rows[0]]
        if rows
        else []
    )
    if x_type == "temporal":
        encoding["tooltip"] = [
            {**t, "type": "temporal", "format": "%b %Y"} if t["field"] == x else t
            for t in encoding["tooltip"]
        ]
    spec["mark"] = {"type": "bar", "tooltip": True}
    spec["encoding"] = encoding
    if horizontal:
        spec["height"] = max(HEIGHT, 18 * len({r[x] for r in rows}))
    return Chart(name, title, rows, spec, caption=caption)


def line_chart(
    name: str,
    title: str,
    rows: list[dict[str, Any]],
    *,
    x: str,
    y: str,
    x_title: str | None = None,
    y_title: str | None = None,
    color: str | None = None,
    color_title: str | None = None,
    rule_y: float | None = None,
    rule_x: str | None = None,
    caption: str = "",
) -> Chart:
    """Lines over months with points; optional horizontal (e.g. 100% of target) and
    vertical (e.g. the campaign's start) reference rules."""
    rows = clean_rows(rows)
    spec = _base(title, rows)
    encoding: dict[str, Any] = {
        "x": _field(x, "temporal", x_title, axis={"format": "%b %Y"}),
        "y": _field(y, "quantitative", y_title),
    }
    if color:
        encoding["color"] = _field(color, "nominal", color_title)
    encoding["tooltip"] = [
        {"field": x, "type": "temporal", "format": "%Y-%m-%d"},
        *([_field(color, "nominal")] if color else []),
        _field(y, "quantitative"),
    ]
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "line", "point": True}, "encoding": encoding},
    ]
    if rule_y is not None:
        layers.append(
            {
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#444"},
                "encoding": {"y": {"datum": rule_y}},
            }
        )
    if rule_x is not None:
        layers.append(
            {
                "mark": {"type": "rule", "strokeDash": [2, 2], "color": "#c62828"},
                "encoding": {"x": {"datum": rule_x, "type": "temporal"}},
            }
        )
    spec["layer"] = layers
    return Chart(name, title, rows, spec, caption=caption)


def status_bar_chart(name: str, title: str, rows: list[dict[str, Any]], caption: str = "") -> Chart:
    """Each KPI's value as a share of its target, coloured by status, with the 100% line."""
    rows = clean_rows(rows)
    spec = _base(title, rows)
    spec["height"] = max(HEIGHT, 24 * len(rows))
    spec["layer"] = [
        {
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": _field("kpi", "nominal", "KPI", sort=None),
                "x": _field("pct_of_target", "quantitative", "% of target"),
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": "Status",
                    "scale": {
                        "domain": list(STATUS_COLOURS),
                        "range": list(STATUS_COLOURS.values()),
                    },
                },
            },
        },
        {
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#444"},
            "encoding": {"x": {"datum": 100}},
        },
    ]
    return Chart(name, title, rows, spec, caption=caption)
