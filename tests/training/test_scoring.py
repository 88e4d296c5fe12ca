"""Quiz layout, scoring, item analysis and readiness against hand-computed cases."""

from __future__ import annotations

import math

import pytest

from onevoice.training import scoring
from onevoice.training.scoring import BankItem, ReadinessInputs, Thresholds

BANK = [
    BankItem(1, "vhs", (11, 12, 13)),
    BankItem(2, "vhs", (21, 22)),
    BankItem(3, "vhs", ()),
    BankItem(4, "staging", (41, 42, 43, 44)),
    BankItem(5, "staging", ()),
    BankItem(6, "dosing", (61, 62)),
]


def test_layout_is_reproducible_from_the_seed_and_differs_between_seeds():
    a = scoring.draw_layout(BANK, seed=42)
    assert a == scoring.draw_layout(list(reversed(BANK)), seed=42)
    assert sorted(a["questions"]) == [1, 2, 3, 4, 5, 6]
    assert sorted(a["options"]["4"]) == [41, 42, 43, 44]
    orders = {tuple(scoring.draw_layout(BANK, seed=s)["questions"]) for s in range(30)}
    assert len(orders) > 20  # shuffled, not a fixed order


def test_a_subset_covers_every_concept_before_repeating_one():
    for seed in range(50):
        layout = scoring.draw_layout(BANK, seed=seed, n=3)
        concepts = {
            next(b.concept for b in BANK if b.question_id == q) for q in layout["questions"]
        }
        assert concepts == {"vhs", "staging", "dosing"}
        assert set(layout["options"]) == {str(q) for q in layout["questions"]}


@pytest.mark.parametrize(
    ("kind", "response", "expected"),
    [
        ("single", 11, True),
        ("single", 12, False),
        ("single", None, False),
        ("multiple", [11, 12], True),
        ("multiple", [12, 11], True),
        ("multiple", [11], False),  # partly right is wrong
        ("multiple", [11, 12, 13], False),
        ("numeric", 9.7, True),
        ("numeric", 10.0, True),  # at the tolerance: right
        ("numeric", 9.4, True),
        ("numeric", 10.01, False),
        ("hotspot", [103, 104], True),  # 5 from the centre, radius 5: on the edge
        ("hotspot", [106, 104], False),
        ("hotspot", [200, 50], True),  # the second region
    ],
)
def test_each_kind_is_right_or_wrong(kind, response, expected):
    correct = frozenset({11}) if kind == "single" else frozenset({11, 12})
    assert (
        scoring.is_correct(
            kind=kind,
            response=response,
            correct_options=correct,
            numeric_answer=9.7,
            tolerance=0.3,
            hotspots=[{"x": 100, "y": 100, "r": 5}, {"x": 200, "y": 50, "r": 10}],
        )
        is expected
    )


# Four attempts at three questions (1 = right):
#   A1: 1 1 1   A2: 1 0 1   A3: 0 0 1   A4: 0 1 0
RESPONSES = [
    ("A1", 1, True), ("A1", 2, True), ("A1", 3, True),
    ("A2", 1, True), ("A2", 2, False), ("A2", 3, True),
    ("A3", 1, False), ("A3", 2, False), ("A3", 3, True),
    ("A4", 1, False), ("A4", 2, True), ("A4", 3, False),
]  # fmt: skip


def test_item_difficulty_is_the_share_right():
    stats = scoring.item_analysis(RESPONSES)
    assert stats[1].difficulty == 0.5
    assert stats[2].difficulty == 0.5
    assert stats[3].difficulty == 0.75
    assert stats[1].n == 4


def test_item_discrimination_is_the_point_biserial_with_the_rest_score():
    stats = scoring.item_analysis(RESPONSES)
    # Q1: item [1,1,0,0]; rest scores (share of the other two right) [1, .5, .5, .5].
    # M1 = .75, M0 = .5, population sd of rest = sqrt(.046875) = .2165, sqrt(pq) = .5
    # r = (.75 - .5) / .2165 * .5 = 1 / sqrt(3)
    assert stats[1].discrimination == pytest.approx(1 / math.sqrt(3))
    # Q3: item [1,1,1,0]; rest [1, .5, 0, .5] -> covariance 0.
    assert stats[3].discrimination == pytest.approx(0.0)
    # Q2: item [1,0,0,1]; rest [1, 1, .5, 0]: the weakest rep gets it right -> negative.
    assert stats[2].discrimination == pytest.approx(-0.25 / math.sqrt(0.6875))
    assert "check the key" in stats[2].flag


def test_discrimination_is_undefined_when_everyone_agrees():
    stats = scoring.item_analysis([("a", 1, True), ("a", 2, True), ("b", 1, True), ("b", 2, False)])
    assert stats[1].difficulty == 1.0
    assert stats[1].discrimination is None


def test_concept_mastery():
    mastery = scoring.concept_mastery(
        [("vhs", True), ("vhs", False), ("vhs", True), ("dose", True)]
    )
    assert mastery == {"vhs": (3, pytest.approx(2 / 3)), "dose": (1, 1.0)}


WEIGHTS = {"prework": 0.2, "quiz": 0.3, "exercise": 0.25, "roleplay": 0.25}


def test_readiness_index_hand_computed():
    inputs = ReadinessInputs(
        modules=2,
        passed_on_time=1,
        passed_late=1,
        best_scores=[1.0, 0.8],
        vhs_errors=[0.25, 0.5, 0.0, 1.0],  # newest first: the 1.0 is too old to count
        vhs_passes=3,
        trainer_scores=[3.0, 4.0],
        attended=True,
    )
    r = scoring.readiness(inputs, weights=WEIGHTS, thresholds=Thresholds())
    # prework (1 + .5)/2 = .75; quiz .9; exercise mean(.75, .5, 1) = .75; role-play (3.5-1)/4
    assert r.components == pytest.approx(
        {"prework": 0.75, "quiz": 0.9, "exercise": 0.75, "roleplay": 0.625}
    )
    assert r.index == pytest.approx(100 * (0.2 * 0.75 + 0.3 * 0.9 + 0.25 * 0.75 + 0.25 * 0.625))
    assert r.ready
    # Other weights, same rep: only the quiz counts.
    only_quiz = scoring.readiness(
        inputs,
        weights={"prework": 0, "quiz": 1, "exercise": 0, "roleplay": 0},
        thresholds=Thresholds(),
    )
    assert only_quiz.index == pytest.approx(90)


def test_every_unmet_threshold_is_listed():
    inputs = ReadinessInputs(
        modules=3,
        passed_on_time=1,
        best_scores=[0.9, 0.5, 0.0],
        vhs_errors=[0.7],
        trainer_scores=[2.4],
    )
    r = scoring.readiness(inputs, weights=WEIGHTS, thresholds=Thresholds(vhs_tolerance=0.5))
    assert r.unmet == [
        "Pre-work: 2 of 3 module(s) not passed yet.",
        "Quiz mastery 46.7% is below the 80% required.",
        "VHS exercise: 0 of 1 measurement(s) within ±0.5 vertebra.",
        "Role-play: mean trainer score 2.4 is below 3.0.",
        "Seminar: attendance not recorded.",
    ]
    assert not r.ready
    assert r.components["exercise"] == pytest.approx(0.3)


@pytest.mark.parametrize("weights", [{"prework": -1, "quiz": 1}, dict.fromkeys(WEIGHTS, 0)])
def test_weights_must_be_usable(weights):
    with pytest.raises(ValueError, match="must not be negative"):
        scoring.readiness(ReadinessInputs(modules=1), weights=weights, thresholds=Thresholds())
