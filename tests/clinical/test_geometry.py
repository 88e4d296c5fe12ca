"""The vertebral scale against hand-computed cases."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onevoice.clinical import geometry as g

STRAIGHT = [(100.0 + 10 * i, 0.0) for i in range(10)]  # T4 … T13, 10 units a vertebra


def test_distance_and_angle():
    assert g.distance((0, 0), (3, 4)) == 5
    assert g.angle_between(((0, 0), (0, 10)), ((-5, 5), (5, 5))) == pytest.approx(90)
    assert g.angle_between(((0, 0), (10, 10)), ((0, 0), (10, 0))) == pytest.approx(45)
    # Direction does not matter: the angle between lines is 0-90.
    assert g.angle_between(((0, 0), (10, 0)), ((10, 1), (0, 1))) == pytest.approx(0)


def test_length_on_equal_vertebrae_counts_whole_and_fraction():
    assert g.vertebrae_for_length(25, STRAIGHT) == g.VertebralCount(2.5, extrapolated=False)
    assert g.vertebrae_for_length(10, STRAIGHT).vertebrae == 1.0
    assert g.vertebrae_for_length(0, STRAIGHT).vertebrae == 0.0


def test_unequal_vertebrae_count_the_fraction_of_the_vertebra_reached():
    # T4 is 10 long, T5 20 long: 20 units cover T4 and half of T5.
    marks = [(0.0, 0.0), (10.0, 0.0), (30.0, 0.0)]
    assert g.vertebra_lengths(marks) == [10, 20]
    assert g.vertebrae_for_length(20, marks).vertebrae == pytest.approx(1.5)


def test_a_curved_spine_is_measured_along_the_marks():
    marks = [(0.0, 0.0), (3.0, 4.0), (6.0, 8.0), (12.0, 8.0)]  # 5, 5, 6
    assert g.vertebrae_for_length(7.5, marks).vertebrae == pytest.approx(1.5)
    assert g.vertebrae_for_length(13, marks).vertebrae == pytest.approx(2 + 3 / 6)


def test_past_the_last_mark_extends_the_last_vertebra_and_says_so():
    count = g.vertebrae_for_length(25, [(0.0, 0.0), (10.0, 0.0)])
    assert count.vertebrae == pytest.approx(2.5)
    assert count.extrapolated


def test_vhs_from_clicked_points():
    # L 52 units = 5.2 v, S 40 units = 4.0 v, perpendicular: VHS 9.2.
    m = g.vhs_from_points(
        long_axis=((0, 0), (0, 52)), short_axis=((-20, 26), (20, 26)), vertebrae=STRAIGHT
    )
    assert (m.long_axis, m.short_axis) == (pytest.approx(5.2), pytest.approx(4.0))
    assert m.vhs == pytest.approx(9.2)
    assert m.axes_angle == pytest.approx(90)
    assert not m.extrapolated


def test_reported_vhs_rounds_each_axis_to_a_tenth_first():
    m = g.vhs_from_points(
        long_axis=((0, 0), (52.6, 0)), short_axis=((0, 0), (0, 40.4)), vertebrae=STRAIGHT
    )
    assert m.vhs == pytest.approx(9.30)
    assert m.vhs_reported == 9.3  # 5.3 + 4.0
    m = g.vhs_from_points(
        long_axis=((0, 0), (52.4, 0)), short_axis=((0, 0), (40.4, 0)), vertebrae=STRAIGHT
    )
    assert m.vhs == pytest.approx(9.28)
    assert m.vhs_reported == 9.2  # 5.2 + 4.0, though the exact sum rounds to 9.3


def test_vlas_is_carina_to_left_atrium_laid_from_t4():
    assert g.vlas_from_points(
        carina=(0, 0), left_atrium=(0, 21), vertebrae=STRAIGHT
    ).vertebrae == pytest.approx(2.1)


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ([(0, 0)], "at least the next vertebra (1 mark(s) given)"),
        ([(0, 0), (0, 0)], "Vertebra marks 1 and 2 are on the same spot"),
        ([(0, 0), (10, 0), (5, 0), (30, 0)], "Vertebra mark 3 goes back towards T4"),
    ],
)
def test_bad_vertebra_marks_are_refused_with_the_reason(marks, message):
    with pytest.raises(g.GeometryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        g.vertebrae_for_length(5, marks)


def test_bad_axes_are_refused():
    with pytest.raises(g.GeometryError, match="long axis has no length"):
        g.vhs_from_points(
            long_axis=((1, 1), (1, 1)), short_axis=((0, 0), (1, 0)), vertebrae=STRAIGHT
        )
    with pytest.raises(g.GeometryError, match="not a pair of finite numbers"):
        g.vhs_from_points(
            long_axis=((0, 0), (math.nan, 1)), short_axis=((0, 0), (1, 0)), vertebrae=STRAIGHT
        )
    with pytest.raises(g.GeometryError, match="cannot be negative"):
        g.vertebrae_for_length(-1, STRAIGHT)


@given(
    lengths=st.lists(st.floats(5, 80), min_size=2, max_size=14),
    vertebrae=st.floats(0, 12),
)
def test_length_for_vertebrae_inverts_vertebrae_for_length(lengths, vertebrae):
    marks = [(0.0, 0.0)]
    for length in lengths:
        marks.append((marks[-1][0] + length, marks[-1][1] + 0.1 * length))
    length = g.length_for_vertebrae(vertebrae, marks)
    assert g.vertebrae_for_length(length, marks).vertebrae == pytest.approx(vertebrae, abs=1e-9)


def test_point_along_spine():
    assert g.point_along_spine(2.5, STRAIGHT) == pytest.approx((125.0, 0.0))
