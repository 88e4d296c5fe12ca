"""The forest plot as a Vega-Lite specification (a plain dict), like the DiD charts.

The spec embeds its data and references nothing on the network except the schema URL.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..did.charts import SCHEMA, records

__all__ = ["forest_chart"]


def forest_chart(
    frame: pd.DataFrame,
    *,
    prediction: tuple[str, float, float] | None,
    title: str,
    x_title: str,
) -> dict[str, Any]:
    """Estimates with intervals, one row each in ``frame`` order, and a zero line.

    ``frame`` needs columns ``label``, ``kind`` (``"estimate"`` / ``"pooled"``),
    ``estimate``, ``se``, ``ci_low``, ``ci_high`` and ``weight_pct`` (marker size).
    ``prediction`` is ``(label, low, high)``: a thin dashed interval drawn on that row.
    """
    y = {"field": "label", "type": "nominal", "title": None, "sort": None}
    color = {
        "field": "kind",
        "type": "nominal",
        "title": None,
        "scale": {"domain": ["estimate", "pooled"], "range": ["#1f77b4", "#d62728"]},
    }
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#444"},
            "encoding": {"x": {"datum": 0}},
        },
        {
            "mark": {"type": "rule", "strokeWidth": 2},
            "encoding": {
                "y": y,
                "x": {"field": "ci_low", "type": "quantitative", "title": x_title},
                "x2": {"field": "ci_high"},
                "color": color,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "opacity": 1},
            "encoding": {
                "y": y,
                "x": {"field": "estimate", "type": "quantitative", "title": x_title},
                "color": color,
                # A study's marker grows with its weight, as in metafor's forest().
                "size": {
                    "field": "weight_pct",
                    "type": "quantitative",
                    "title": "weight %",
                    "scale": {"range": [30, 400]},
                    "legend": None,
                },
                "shape": {
                    "field": "kind",
                    "type": "nominal",
                    "scale": {"domain": ["estimate", "pooled"], "range": ["square", "diamond"]},
                    "legend": None,
                },
                "tooltip": [
                    {"field": "label", "title": "estimate of"},
                    {"field": "estimate", "title": "estimate", "format": ".4f"},
                    {"field": "se", "title": "std. error", "format": ".4f"},
                    {"field": "ci_low", "title": "CI low", "format": ".4f"},
                    {"field": "ci_high", "title": "CI high", "format": ".4f"},
                    {"field": "weight_pct", "title": "weight %", "format": ".1f"},
                ],
            },
        },
    ]
    if prediction is not None and all(math.isfinite(b) for b in prediction[1:]):
        label, low, high = prediction
        layers.insert(
            1,
            {
                "data": {"values": [{"label": label, "pi_low": low, "pi_high": high}]},
                "mark": {"type": "rule", "strokeDash": [2, 2], "color": "#d62728", "opacity": 0.6},
                "encoding": {
                    "y": y,
                    "x": {"field": "pi_low", "type": "quantitative"},
                    "x2": {"field": "pi_high"},
                    "tooltip": [
                        {"field": "pi_low", "title": "prediction low", "format": ".4f"},
                        {"field": "pi_high", "title": "prediction high", "format": ".4f"},
                    ],
                },
            },
        )
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": records(frame)},
        "width": 480,
        "height": max(120, 24 * len(frame)),
        "layer": layers,
    }
