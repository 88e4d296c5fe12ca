"""Measurement geometry for the vertebral scale: pure functions, no Django.

The vertebral heart score (Buchanan & Bücheler, JAVMA 1995) lays the heart's long axis
(carina to apex) and short axis (widest part, perpendicular to the long one) along the
thoracic spine starting at the cranial edge of T4 and counts vertebrae to 0.1. The
vertebral left atrial size (Malcolm et al., JAVMA 2018) does the same with the length
from the carina to the caudal border of the left atrium.

On an image the user marks the cranial edge of T4 and of each following vertebra; the
marks make a polyline whose segments are one vertebra each. A length in image units is
converted to vertebrae by walking it along that polyline from T4: whole vertebrae while
it covers them, then the fraction of the vertebra where it ends. Vertebrae need not be
equally long, and the spine need not be straight.

Points are ``(x, y)`` in image units (pixels or SVG user units); only ratios matter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Segment = tuple[Point, Point]

ERROR_TOO_FEW_MARKS = (
    "Mark the cranial edge of T4 and of at least the next vertebra ({n} mark(s) given)."
)
ERROR_ZERO_VERTEBRA = (
    "Vertebra marks {i} and {j} are on the same spot; mark each cranial edge once."
)
ERROR_MARKS_BACKWARDS = (
    "Vertebra mark {i} goes back towards T4; mark the vertebrae in order, head to tail."
)
ERROR_ZERO_AXIS = "The {axis} has no length: its two ends are on the same spot."
ERROR_NOT_FINITE = "Point {point!r} is not a pair of finite numbers."
ERROR_NEGATIVE_LENGTH = "A length cannot be negative ({length})."


class GeometryError(ValueError):
    """The points cannot be measured; the message says which and why."""


def check_point(point: Sequence[float]) -> Point:
    """Return ``point`` as a float pair, or raise ``GeometryError``."""
    if len(point) != 2:
        raise GeometryError(ERROR_NOT_FINITE.format(point=point))
    x, y = float(point[0]), float(point[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        raise GeometryError(ERROR_NOT_FINITE.format(point=point))
    return (x, y)


def distance(a: Point, b: Point) -> float:
    """Euclidean distance between two points."""
    return math.hypot(b[0] - a[0], b[1] - a[1])


def segment_length(segment: Segment) -> float:
    return distance(segment[0], segment[1])


def angle_between(a: Segment, b: Segment) -> float:
    """The angle between two lines in degrees, 0 to 90 (direction does not matter)."""
    ax, ay = a[1][0] - a[0][0], a[1][1] - a[0][1]
    bx, by = b[1][0] - b[0][0], b[1][1] - b[0][1]
    na, nb = math.hypot(ax, ay), math.hypot(bx, by)
    if na == 0 or nb == 0:
        raise GeometryError(ERROR_ZERO_AXIS.format(axis="line"))
    cos = abs(ax * bx + ay * by) / (na * nb)
    return math.degrees(math.acos(min(1.0, cos)))


def project(point: Point, line: Segment) -> float:
    """Where ``point`` falls along ``line``: 0 at its start, 1 at its end (unclamped)."""
    (x0, y0), (x1, y1) = line
    dx, dy = x1 - x0, y1 - y0
    norm2 = dx * dx + dy * dy
    if norm2 == 0:
        raise GeometryError(ERROR_ZERO_AXIS.format(axis="line"))
    return ((point[0] - x0) * dx + (point[1] - y0) * dy) / norm2


def vertebra_lengths(marks: Sequence[Point]) -> list[float]:
    """The length of each marked vertebra: the distance between consecutive cranial edges.

    Raises ``GeometryError`` when fewer than two marks are given, two marks coincide, or a
    mark goes back towards T4 (projected on the line from the first to the last mark).
    """
    if len(marks) < 2:
        raise GeometryError(ERROR_TOO_FEW_MARKS.format(n=len(marks)))
    lengths = []
    for i in range(1, len(marks)):
        d = distance(marks[i - 1], marks[i])
        if d == 0:
            raise GeometryError(ERROR_ZERO_VERTEBRA.format(i=i, j=i + 1))
        lengths.append(d)
    if len(marks) > 2:
        spine = (marks[0], marks[-1])
        if distance(*spine) == 0:
            raise GeometryError(ERROR_MARKS_BACKWARDS.format(i=len(marks)))
        positions = [project(m, spine) for m in marks]
        for i in range(1, len(positions)):
            if positions[i] <= positions[i - 1]:
                raise GeometryError(ERROR_MARKS_BACKWARDS.format(i=i + 1))
    return lengths


@dataclass(frozen=True)
class VertebralCount:
    """A length expressed in vertebrae, and whether it ran past the last mark."""

    vertebrae: float
    extrapolated: bool


def vertebrae_for_length(length: float, marks: Sequence[Point]) -> VertebralCount:
    """Lay ``length`` along the marked spine from the first mark (T4); count vertebrae.

    Whole vertebrae are counted while the length covers them; the vertebra where it ends
    counts as the covered fraction. A length past the last mark is extended with the
    last vertebra's length and flagged ``extrapolated``.
    """
    if length < 0:
        raise GeometryError(ERROR_NEGATIVE_LENGTH.format(length=length))
    lengths = vertebra_lengths(marks)
    remaining = length
    count = 0.0
    for vertebra in lengths:
        if remaining <= vertebra:
            return VertebralCount(count + remaining / vertebra, extrapolated=False)
        remaining -= vertebra
        count += 1
    return VertebralCount(count + remaining / lengths[-1], extrapolated=remaining > 1e-9)


def length_for_vertebrae(vertebrae: float, marks: Sequence[Point]) -> float:
    """The inverse of ``vertebrae_for_length``: the image length of ``vertebrae``."""
    if vertebrae < 0:
        raise GeometryError(ERROR_NEGATIVE_LENGTH.format(length=vertebrae))
    lengths = vertebra_lengths(marks)
    whole = math.floor(vertebrae)
    if whole >= len(lengths):
        return sum(lengths) + (vertebrae - len(lengths)) * lengths[-1]
    return sum(lengths[:whole]) + (vertebrae - whole) * lengths[whole]


def point_along_spine(vertebrae: float, marks: Sequence[Point]) -> Point:
    """The point ``vertebrae`` vertebrae caudal to T4 on the marked spine (for drawing)."""
    lengths = vertebra_lengths(marks)
    whole = min(math.floor(vertebrae), len(lengths) - 1)
    frac = vertebrae - whole
    (x0, y0), (x1, y1) = marks[whole], marks[whole + 1]
    return (x0 + (x1 - x0) * frac, y0 + (y1 - y0) * frac)


@dataclass(frozen=True)
class VhsMeasurement:
    """A vertebral heart score measured from points on one lateral radiograph."""

    long_axis: float  # vertebrae
    short_axis: float  # vertebrae
    long_axis_length: float  # image units
    short_axis_length: float
    axes_angle: float  # degrees between the axes; 90 when perpendicular
    extrapolated: bool  # an axis ran past the last vertebra mark

    @property
    def vhs(self) -> float:
        return self.long_axis + self.short_axis

    @property
    def vhs_reported(self) -> float:
        """Each axis counted to the nearest 0.1 vertebra, then added, as read by hand."""
        return round(round(self.long_axis, 1) + round(self.short_axis, 1), 1)


def vhs_from_points(
    *, long_axis: Segment, short_axis: Segment, vertebrae: Sequence[Point]
) -> VhsMeasurement:
    """Measure the VHS: both axes laid along the spine from the first mark (T4)."""
    long_axis = (check_point(long_axis[0]), check_point(long_axis[1]))
    short_axis = (check_point(short_axis[0]), check_point(short_axis[1]))
    marks = [check_point(m) for m in vertebrae]
    long_len, short_len = segment_length(long_axis), segment_length(short_axis)
    if long_len == 0:
        raise GeometryError(ERROR_ZERO_AXIS.format(axis="long axis"))
    if short_len == 0:
        raise GeometryError(ERROR_ZERO_AXIS.format(axis="short axis"))
    long_v = vertebrae_for_length(long_len, marks)
    short_v = vertebrae_for_length(short_len, marks)
    return VhsMeasurement(
        long_axis=long_v.vertebrae,
        short_axis=short_v.vertebrae,
        long_axis_length=long_len,
        short_axis_length=short_len,
        axes_angle=angle_between(long_axis, short_axis),
        extrapolated=long_v.extrapolated or short_v.extrapolated,
    )


def vlas_from_points(
    *, carina: Point, left_atrium: Point, vertebrae: Sequence[Point]
) -> VertebralCount:
    """Vertebral left atrial size: carina to the caudal left atrium, laid from T4."""
    a, b = check_point(carina), check_point(left_atrium)
    length = distance(a, b)
    if length == 0:
        raise GeometryError(ERROR_ZERO_AXIS.format(axis="left atrial line"))
    return vertebrae_for_length(length, [check_point(m) for m in vertebrae])
