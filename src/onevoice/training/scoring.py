"""The arithmetic of training, kept free of Django so it can be checked by hand.

* ``draw_layout``: which questions an attempt shows, in which order, with which option
  order — all from the attempt's seed, so an attempt can be replayed exactly.
* ``is_correct``: whether one response answers one question.
* ``item_analysis``: per-question difficulty (share correct) and discrimination
  (point-biserial correlation of the item with the rest of the attempt).
* ``readiness``: the readiness index of a rep and the certification criteria not met.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- layout


@dataclass(frozen=True)
class BankItem:
    """A question of a bank as the layout sees it: its id, concept and option ids."""

    question_id: int
    concept: Hashable
    option_ids: tuple[int, ...] = ()


def draw_layout(bank: Sequence[BankItem], *, seed: int, n: int = 0) -> dict[str, Any]:
    """Choose and order an attempt's questions and each question's options.

    With ``n`` = 0 (or ``n`` ≥ the bank) every question is asked. Otherwise the
    questions are drawn concept by concept in turn, so every concept is tested before
    any is tested twice. The same bank and seed always give the same layout.
    """
    rng = random.Random(seed)
    items = sorted(bank, key=lambda b: b.question_id)
    if n and n < len(items):
        by_concept: dict[Hashable, list[BankItem]] = defaultdict(list)
        for item in items:
            by_concept[item.concept].append(item)
        queues = [by_concept[c] for c in sorted(by_concept, key=str)]
        for queue in queues:
            rng.shuffle(queue)
        chosen: list[BankItem] = []
        while len(chosen) < n:
            for queue in queues:
                if queue and len(chosen) < n:
                    chosen.append(queue.pop())
        items = chosen
    rng.shuffle(items)
    options = {}
    for item in items:
        order = sorted(item.option_ids)
        rng.shuffle(order)
        options[str(item.question_id)] = order
    return {"questions": [i.question_id for i in items], "options": options}


# ---------------------------------------------------------------- scoring

NUMERIC_SLACK = 1e-9  # tolerance comparisons survive float rounding of typed decimals


def in_hotspot(point: Sequence[float], regions: Iterable[Mapping[str, float]]) -> bool:
    """True when ``point`` lies in one of the circular regions ``{x, y, r}`` (edge included)."""
    x, y = float(point[0]), float(point[1])
    return any(
        (x - float(r["x"])) ** 2 + (y - float(r["y"])) ** 2 <= float(r["r"]) ** 2 + NUMERIC_SLACK
        for r in regions
    )


def is_correct(
    *,
    kind: str,
    response: Any,
    correct_options: frozenset[int] = frozenset(),
    numeric_answer: float | None = None,
    tolerance: float = 0.0,
    hotspots: Sequence[Mapping[str, float]] = (),
) -> bool:
    """Score one response: right or wrong, no partial credit.

    ``response`` is an option id (single), a list of option ids (multiple: right only
    when exactly the correct set is chosen), a number (numeric: right within
    ``tolerance`` of the answer, edges included) or an ``[x, y]`` point (hotspot).
    ``None`` is an unanswered question, which is wrong.
    """
    if response is None:
        return False
    if kind == "single":
        return len(correct_options) == 1 and response in correct_options
    if kind == "multiple":
        return frozenset(response) == correct_options
    if kind == "numeric":
        if numeric_answer is None:
            return False
        return abs(float(response) - numeric_answer) <= tolerance + NUMERIC_SLACK
    if kind == "hotspot":
        return in_hotspot(response, hotspots)
    raise ValueError(f"unknown question kind {kind!r}")


# ---------------------------------------------------------------- item analysis


@dataclass(frozen=True)
class ItemStats:
    """Difficulty and discrimination of one question over a set of attempts."""

    question_id: int
    n: int
    difficulty: float | None  # share of attempts that answered it right
    discrimination: float | None  # point-biserial r of the item with the rest score

    @property
    def flag(self) -> str:
        """A plain-words verdict for the trainer."""
        if self.n == 0 or self.difficulty is None:
            return "no answers yet"
        if self.discrimination is not None and self.discrimination < 0:
            return "check the key: stronger reps get it wrong more often"
        if self.difficulty < 0.3:
            return "hard: most of the cohort missed it"
        if self.discrimination is not None and self.discrimination < 0.2:
            return "weak discrimination: review the wording"
        if self.difficulty > 0.95:
            return "easy: almost everyone got it"
        return ""


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation; None when fewer than two pairs or either variable is constant."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def item_analysis(responses: Iterable[tuple[Hashable, int, bool]]) -> dict[int, ItemStats]:
    """Item statistics from ``(attempt, question_id, correct)`` triples.

    Difficulty is the share of attempts answering the question right. Discrimination is
    the point-biserial correlation (Pearson's r of a 0/1 item) between the item and the
    attempt's *rest score*: the share right of the attempt's other questions, so the
    item does not correlate with itself. Attempts may ask different subsets of a bank,
    hence shares rather than counts. Undefined (None) when everyone, or no one, got the
    item right, or all rest scores are equal.
    """
    by_attempt: dict[Hashable, list[tuple[int, bool]]] = defaultdict(list)
    for attempt, question_id, correct in responses:
        by_attempt[attempt].append((question_id, bool(correct)))
    items: dict[int, list[float]] = defaultdict(list)
    rests: dict[int, list[float]] = defaultdict(list)
    seen: dict[int, list[float]] = defaultdict(list)
    for answers in by_attempt.values():
        total = sum(c for _, c in answers)
        for question_id, correct in answers:
            seen[question_id].append(float(correct))
            if len(answers) > 1:
                items[question_id].append(float(correct))
                rests[question_id].append((total - correct) / (len(answers) - 1))
    return {
        q: ItemStats(
            question_id=q,
            n=len(values),
            difficulty=sum(values) / len(values) if values else None,
            discrimination=pearson(items[q], rests[q]),
        )
        for q, values in seen.items()
    }


def concept_mastery(
    responses: Iterable[tuple[Hashable, bool]],
) -> dict[Hashable, tuple[int, float]]:
    """``(concept, correct)`` pairs → ``{concept: (answers, share right)}``."""
    counts: dict[Hashable, list[int]] = defaultdict(lambda: [0, 0])
    for concept, correct in responses:
        counts[concept][0] += 1
        counts[concept][1] += bool(correct)
    return {c: (n, right / n) for c, (n, right) in counts.items()}


# ---------------------------------------------------------------- readiness

COMPONENTS = ("prework", "quiz", "exercise", "roleplay")
RECENT_VHS = 3  # the exercise component averages the rep's most recent measurements
LATE_CREDIT = 0.5  # a module passed after the due date counts half for on-time pre-work

UNMET_PREWORK = "Pre-work: {missing} of {total} module(s) not passed yet."
UNMET_QUIZ = "Quiz mastery {value:.1%} is below the {threshold:.0%} required."
UNMET_VHS = "VHS exercise: {passes} of {required} measurement(s) within ±{tolerance:g} vertebra."
UNMET_ROLEPLAY_NONE = "Role-play: no trainer has scored one yet."
UNMET_ROLEPLAY = "Role-play: mean trainer score {value:.1f} is below {threshold:.1f}."
UNMET_ATTENDANCE = "Seminar: attendance not recorded."
ERROR_WEIGHTS = "Readiness weights must not be negative and must not all be zero."


@dataclass(frozen=True)
class ReadinessInputs:
    """What one rep has done in a program, as readiness needs it."""

    modules: int
    passed_on_time: int = 0
    passed_late: int = 0
    best_scores: Sequence[float] = ()  # best quiz score of each attempted module, 0 to 1
    vhs_errors: Sequence[float] = ()  # newest first, in vertebrae
    vhs_passes: int = 0
    trainer_scores: Sequence[float] = ()  # mean rubric score of each role-play, 1 to 5
    attended: bool = False


@dataclass(frozen=True)
class Thresholds:
    """What certification requires; each program sets its own."""

    min_quiz_mastery: float = 0.8
    vhs_tolerance: float = 0.5
    vhs_passes_required: int = 1
    min_roleplay_score: float = 3.0
    require_attendance: bool = True


@dataclass(frozen=True)
class Readiness:
    """A rep's readiness index (0-100), its components (0-1) and what certification lacks."""

    index: float
    components: dict[str, float]
    unmet: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.unmet

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": round(self.index, 1),
            "components": {k: round(v, 4) for k, v in self.components.items()},
            "unmet": list(self.unmet),
        }


def check_weights(weights: Mapping[str, float]) -> None:
    values = [float(weights.get(c, 0)) for c in COMPONENTS]
    if any(v < 0 or not math.isfinite(v) for v in values) or sum(values) == 0:
        raise ValueError(ERROR_WEIGHTS)


def readiness(
    inputs: ReadinessInputs, *, weights: Mapping[str, float], thresholds: Thresholds
) -> Readiness:
    """Combine what a rep has done into the readiness index and the unmet criteria.

    Components, each 0 to 1:

    * prework — modules passed by the due date, a late pass counting half;
    * quiz — mean over the program's modules of the best quiz score (0 if never taken);
    * exercise — mean over the last three VHS measurements of ``1 − error / (2 × tolerance)``,
      floored at 0: exact scores 1, an error at the tolerance 0.5;
    * roleplay — mean trainer rubric score mapped from 1–5 to 0–1.

    The index is the weighted mean of the components × 100.
    """
    check_weights(weights)
    modules = inputs.modules
    passed = inputs.passed_on_time + inputs.passed_late
    prework = (
        (inputs.passed_on_time + LATE_CREDIT * inputs.passed_late) / modules if modules else 1.0
    )
    quiz = sum(inputs.best_scores) / modules if modules else 1.0
    recent = list(inputs.vhs_errors)[:RECENT_VHS]
    tol = thresholds.vhs_tolerance
    exercise = sum(max(0.0, 1.0 - e / (2 * tol)) for e in recent) / len(recent) if recent else 0.0
    roleplay_mean = (
        sum(inputs.trainer_scores) / len(inputs.trainer_scores) if inputs.trainer_scores else None
    )
    roleplay = (roleplay_mean - 1) / 4 if roleplay_mean is not None else 0.0
    components = {"prework": prework, "quiz": quiz, "exercise": exercise, "roleplay": roleplay}
    total_weight = sum(float(weights.get(c, 0)) for c in COMPONENTS)
    index = 100 * sum(float(weights.get(c, 0)) * components[c] for c in COMPONENTS) / total_weight

    unmet = []
    if passed < modules:
        unmet.append(UNMET_PREWORK.format(missing=modules - passed, total=modules))
    if quiz < thresholds.min_quiz_mastery - 1e-9:
        unmet.append(UNMET_QUIZ.format(value=quiz, threshold=thresholds.min_quiz_mastery))
    if inputs.vhs_passes < thresholds.vhs_passes_required:
        unmet.append(
            UNMET_VHS.format(
                passes=inputs.vhs_passes, required=thresholds.vhs_passes_required, tolerance=tol
            )
        )
    if roleplay_mean is None:
        unmet.append(UNMET_ROLEPLAY_NONE)
    elif roleplay_mean < thresholds.min_roleplay_score - 1e-9:
        unmet.append(
            UNMET_ROLEPLAY.format(value=roleplay_mean, threshold=thresholds.min_roleplay_score)
        )
    if thresholds.require_attendance and not inputs.attended:
        unmet.append(UNMET_ATTENDANCE)
    return Readiness(index=index, components=components, unmet=unmet)
