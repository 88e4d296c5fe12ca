"""Vega-Lite specifications (plain dicts) for the result objects' ``plot()``.

The specs embed their data and reference nothing on the network except the schema URL,
which renderers use as an identifier only.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["estimate_chart", "records"]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts (NaN -> None, numpy scalars -> Python)."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for k, v in row.items():
            if hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float) and not math.isfinite(v):
                v = None
            elif isinstance(v, pd.Timestamp):
                v = v.isoformat()
            clean[str(k)] = v
        out.append(clean)
    return out


def estimate_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    x_title: str,
    title: str,
    y_title: str,
    x_type: str = "quantitative",
    facet: str | None = None,
    band: bool = True,
) -> dict[str, Any]:
    """Point estimates with pointwise intervals, a simultaneous band and a zero line.

    ``frame`` needs columns ``x``, ``att``, ``ci_low``, ``ci_high``, ``band_low``,
    ``band_high`` and ``phase`` ("before" / "after" treatment).
    """
    color = {
        "field": "phase",
        "type": "nominal",
        "title": None,
        "scale": {"domain": ["before", "after"], "range": ["#7f7f7f", "#1f77b4"]},
    }
    xenc = {"field": x, "type": x_type, "title": x_title}
    layers: list[dict[str, Any]] = []
    if band:
        layers.append(
            {
                "mark": {"type": "area", "opacity": 0.18, "color": "#1f77b4"},
                "encoding": {
                    "x": xenc,
                    "y": {"field": "band_low", "type": "quantitative"},
                    "y2": {"field": "band_high"},
                    "tooltip": [
                        {"field": "band_low", "title": "band low", "format": ".4f"},
                        {"field": "band_high", "title": "band high", "format": ".4f"},
                    ],
                },
            }
            if x_type == "quantitative"
            else {
                "mark": {"type": "bar", "opacity": 0.18, "color": "#1f77b4", "width": 14},
                "encoding": {
                    "x": xenc,
                    "y": {"field": "band_low", "type": "quantitative"},
                    "y2": {"field": "band_high"},
                },
            }
        )
    layers += [
        {
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#444"},
            "encoding": {"y": {"datum": 0}},
        },
        {
            "mark": {"type": "rule", "strokeWidth": 2},
            "encoding": {
                "x": xenc,
                "y": {"field": "ci_low", "type": "quantitative", "title": y_title},
                "y2": {"field": "ci_high"},
                "color": color,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 60},
            "encoding": {
                "x": xenc,
                "y": {"field": "att", "type": "quantitative", "title": y_title},
                "color": color,
                "tooltip": [
                    {"field": x, "title": x_title},
                    {"field": "att", "title": "estimate", "format": ".4f"},
                    {"field": "se", "title": "std. error", "format": ".4f"},
                    {"field": "ci_low", "title": "CI low", "format": ".4f"},
                    {"field": "ci_high", "title": "CI high", "format": ".4f"},
                ],
            },
        },
    ]
    data = {"values": records(frame)}
    if facet is None:
        return {
            "$schema": SCHEMA,
            "title": title,
            "data": data,
            "width": 480,
            "height": 260,
            "layer": layers,
        }
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": data,
        "facet": {"row": {"field": facet, "type": "ordinal", "title": "cohort"}},
        "spec": {"width": 480, "height": 160, "layer": layers},
    }
