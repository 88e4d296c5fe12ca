"""VLAS rules against every published VLAS figure in heart.md §2."""

import pytest

from onevoice.clinical.rules import ClinicalInputError, vlas_assess

VLAS_THRESHOLDS = [
    ("vlas_below_reference", ["1.3", "1.4", "1.5"], [True, False, False]),
    ("vlas_above_reference", ["2.1", "2.2", "2.3"], [False, False, True]),
    ("vlas_lae_commonly_cited", ["2.2", "2.3", "2.4"], [False, True, True]),
    ("vlas_lae_forum", ["2.2", "2.3", "2.4"], [False, False, True]),
    ("vlas_b2_2_5", ["2.4", "2.5", "2.6"], [False, True, True]),
    ("vlas_la_ao_2_8", ["2.7", "2.8", "2.9"], [False, True, True]),
    ("vlas_b2_3_0", ["2.9", "3.0", "3.1"], [False, True, True]),
    ("vlas_radiographic_b2", ["2.9", "3.0", "3.1"], [False, True, True]),
]


@pytest.mark.parametrize(("key", "values", "crossed"), VLAS_THRESHOLDS)
def test_each_published_vlas_cutoff_below_at_and_above(key, values, crossed):
    assert [key in vlas_assess(vlas=v).crossed_keys for v in values] == crossed


@pytest.mark.parametrize(
    ("vlas", "position"),
    [("1.3", "below"), ("1.4", "within"), ("1.9", "within"), ("2.2", "within"), ("2.3", "above")],
)
def test_position_against_the_healthy_dog_interval(vlas, position):
    assert vlas_assess(vlas=vlas).position == position


def test_uncertain_vlas_figures_are_reported_with_their_performance():
    cutoffs = {t.key: t.cutoff for t in vlas_assess(vlas="2.0").thresholds}
    # heart.md ⚠️: the ≥2.3 attribution to Malcolm 2018; the radiographic B2 wording.
    assert cutoffs["vlas_lae_commonly_cited"].reported
    assert cutoffs["vlas_radiographic_b2"].reported
    assert not cutoffs["vlas_b2_3_0"].reported
    assert cutoffs["vlas_lae_forum"].performance == "sensitivity 88.9%, specificity 73.3%"
    assert cutoffs["vlas_b2_2_5"].performance == "sensitivity 70%, specificity 84%"
    assert cutoffs["vlas_b2_3_0"].performance == "sensitivity 40%, specificity 96%"


def test_result_carries_the_sources_it_used():
    keys = {s.key for s in vlas_assess(vlas="2.6").sources}
    assert {"vezzosi2020", "malcolm2018", "javma2020_vlas", "cb_castaneda2022"} <= keys


@pytest.mark.parametrize(
    ("vlas", "value", "words"),
    [
        ("0", "0", "VLAS: 0 vertebrae is outside the range"),
        ("-2", "-2", "VLAS: -2 vertebrae"),
        ("7", "7", "VLAS: 7 vertebrae"),
        ("two", "two", "VLAS: “two” is not a number"),
        (None, "", "VLAS: enter a value"),
    ],
)
def test_bad_vlas_names_the_field_and_value(vlas, value, words):
    with pytest.raises(ClinicalInputError) as info:
        vlas_assess(vlas=vlas)
    (problem,) = info.value.problems
    assert (problem.field, problem.value) == ("vlas", value)
    assert words in problem.message
