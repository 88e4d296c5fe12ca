"""ACVIM 2019 staging against every stage criterion in heart.md §3 and the radiographic
B2 criterion of §2: just below, at and just above each threshold."""

import pytest

from onevoice.clinical.rules import ClinicalInputError, mmvd_stage

# Every stage B2 criterion met, with room on each side.
B2 = {"murmur_grade": 4, "la_ao": "1.8", "lviddn": "1.9", "vhs": "11.2"}


def stage(**changes):
    return mmvd_stage(**{**B2, **changes})


def test_all_b2_criteria_met_is_stage_b2_where_treatment_is_recommended():
    result = stage()
    assert result.stage == "B2"
    assert result.route == "criteria"
    assert not result.reported
    assert result.treatment_recommended
    assert "Pimobendan" in result.management
    assert "1228" in result.evidence[0]
    assert "766" in result.evidence[0]
    assert "boswood2016_epic" in {s.key for s in result.sources}


# Each criterion with the others met: [just below, at, just above] -> stages.
CRITERIA = [
    ("murmur_grade", [2, 3, 4], ["B1", "B2", "B2"]),
    ("la_ao", ["1.59", "1.6", "1.61"], ["B1", "B2", "B2"]),
    ("lviddn", ["1.69", "1.7", "1.71"], ["B1", "B2", "B2"]),
    ("vhs", ["10.4", "10.5", "10.6"], ["B1", "B1", "B2"]),  # VHS >10.5, strictly
]


@pytest.mark.parametrize(("field", "values", "stages"), CRITERIA)
def test_each_b2_criterion_below_at_and_above(field, values, stages):
    assert [stage(**{field: v}).stage for v in values] == stages


def test_b1_says_which_criterion_failed():
    result = stage(la_ao="1.5")
    assert result.stage == "B1"
    assert "LA:Ao ≥1.6 not met (1.5)." in result.reasons
    assert not result.treatment_recommended
    assert result.evidence == ()


def test_vhs_criterion_is_breed_adjusted():
    # Cavalier reference 9.9–11.7: an 11.7 is within the breed's normal.
    assert [stage(vhs=v, breed="cavalier").stage for v in ("11.6", "11.7", "11.8")] == [
        "B1",
        "B1",
        "B2",
    ]
    criterion = stage(vhs="11.8", breed="cavalier").criteria[3]
    assert criterion.label == "Breed-adjusted VHS >11.7"
    assert criterion.reported  # the adjustment is the aid's reading of "breed-adjusted"


# Without echocardiography: murmur ≥3/6 and VHS ≥11.5 or VLAS ≥3 (wording reported).
NO_ECHO = {"murmur_grade": 3, "la_ao": None, "lviddn": None}


@pytest.mark.parametrize(("vhs", "expected"), [("11.4", "B"), ("11.5", "B2"), ("11.6", "B2")])
def test_radiographic_vhs_criterion_without_echo(vhs, expected):
    result = mmvd_stage(**NO_ECHO, vhs=vhs)
    assert result.stage == expected
    if expected == "B2":
        assert result.route == "radiographic"
        assert result.reported
        assert "acvim_radiographic_proxy" in {s.key for s in result.sources}
        assert result.missing == ("Echocardiography (LA:Ao, LVIDDN) to confirm.",)


@pytest.mark.parametrize(("vlas", "expected"), [("2.9", "B"), ("3.0", "B2"), ("3.1", "B2")])
def test_radiographic_vlas_criterion_without_echo(vlas, expected):
    result = mmvd_stage(**NO_ECHO, vlas=vlas)
    assert result.stage == expected
    assert result.reported is (expected == "B2")


def test_radiographic_criterion_still_needs_a_murmur_of_3_of_6():
    assert mmvd_stage(murmur_grade=2, vhs="12.0").stage == "B1"


def test_vhs_at_or_below_the_breed_cutoff_rules_out_b2_without_echo():
    result = mmvd_stage(murmur_grade=4, vhs="10.5")
    assert result.stage == "B1"


def test_undecided_when_a_criterion_is_missing():
    result = mmvd_stage(murmur_grade=4, la_ao="1.7", vhs="11.0")
    assert result.stage == "B"
    assert result.missing == ("LVIDDN ≥1.7",)
    assert not result.treatment_recommended
    echo_only = mmvd_stage(murmur_grade=4, la_ao="1.7", lviddn="1.8")
    assert echo_only.stage == "B"
    assert echo_only.missing == ("Breed-adjusted VHS >10.5",)


def test_radiographs_below_the_cutoffs_do_not_rule_out_b2():
    result = mmvd_stage(murmur_grade=3, vhs="11.0", vlas="2.6")
    assert result.stage == "B"
    assert any("do not rule it out" in r for r in result.reasons)


@pytest.mark.parametrize(("chf", "expected"), [("current_or_past", "C"), ("refractory", "D")])
def test_heart_failure_stages(chf, expected):
    result = mmvd_stage(murmur_grade=0, chf=chf)
    assert result.stage == expected
    assert result.treatment_recommended
    assert stage(chf=chf).stage == expected


def test_no_murmur_is_stage_a_for_dogs_at_risk_and_no_stage_otherwise():
    assert mmvd_stage(murmur_grade=0).stage == "none"
    assert mmvd_stage(murmur_grade=0, at_risk=True).stage == "A"
    a = mmvd_stage(murmur_grade=0, breed="cavalier")
    assert a.stage == "A"
    assert a.management == "Recheck by auscultation yearly."


def test_echo_mmvd_without_murmur_is_stage_b1():
    result = mmvd_stage(murmur_grade=0, echo_shows_mmvd=True, la_ao="1.7")
    assert result.stage == "B1"  # murmur ≥3/6 is one of the B2 criteria


def test_enlarged_heart_without_signs_of_mmvd_asks_for_another_cause():
    result = mmvd_stage(murmur_grade=0, vhs="12.0")
    assert result.stage == "none"
    assert any("another cause" in r for r in result.reasons)


def test_dobermann_note_points_to_dcm_screening():
    result = stage(breed="dobermann")
    assert any("dilated cardiomyopathy" in n for n in result.notes)
    assert "wess2017_esvc" in {s.key for s in result.sources}


@pytest.mark.parametrize(
    ("inputs", "field", "value", "words"),
    [
        ({"murmur_grade": 7}, "murmur_grade", "7", "Murmur grade: “7” is not a murmur grade"),
        ({"murmur_grade": "3.5"}, "murmur_grade", "3.5", "not a murmur grade"),
        ({"murmur_grade": None}, "murmur_grade", "", "Murmur grade: enter 0"),
        ({"murmur_grade": 3, "vhs": 40}, "vhs", "40", "VHS: 40 vertebrae is outside"),
        ({"murmur_grade": 3, "la_ao": "-1.6"}, "la_ao", "-1.6", "LA:Ao: -1.6 is outside"),
        ({"murmur_grade": 3, "lviddn": "17"}, "lviddn", "17", "LVIDDN: 17 is outside"),
        ({"murmur_grade": 3, "vlas": "30"}, "vlas", "30", "VLAS: 30 vertebrae"),
        ({"murmur_grade": 3, "chf": "maybe"}, "chf", "maybe", "Heart failure: “maybe”"),
    ],
)
def test_bad_input_names_the_field_and_the_value(inputs, field, value, words):
    with pytest.raises(ClinicalInputError) as info:
        mmvd_stage(**inputs)
    (problem,) = info.value.problems
    assert (problem.field, problem.value) == (field, value)
    assert words in problem.message
