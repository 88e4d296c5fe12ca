"""The demo's training program: the flipped classroom of the Cardio B2 launch.

Content comes from ../shared/domain/heart.md (VHS, VLAS, ACVIM staging, EPIC, dosing),
with the sources named in the modules; figures that source marks as recalled are said
to be "reported". The program, its modules, questions, seminars and role-play scenarios
are created through the services, so they carry audit rows. The reps' history is the
simulator's: ``rep_prework`` gives each rep's share right per concept and when each
module was finished (or not), ``rep_certification`` their VHS error and role-play score
at the seminar. That history is bulk-loaded like the field's simulated history (no
audit row per answer), then certification is decided by the program's own rules.

Per-question answers are drawn around the simulator's per-concept shares (each question
a little easier or harder than its concept, one deliberately ambiguous), so the item
analysis and the prep report have something real to show. A rep who did not pass a
module at the first attempt passed it at a second one on the day the simulator says it
was finished. The demo's sales-rep login has not started the modules it left
unfinished (at least "Evidence and dosing"), so a visitor can take that quiz.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.utils import timezone

from onevoice.accounts.models import Team, User
from onevoice.campaigns.models import Asset, Campaign
from onevoice.clinical.geometry import length_for_vertebrae, vertebrae_for_length
from onevoice.field.models import CustomerTraining
from onevoice.training import schematic, scoring, services
from onevoice.training.choices import ProgramStatus, ScorerKind
from onevoice.training.models import (
    RUBRIC,
    Enrolment,
    Module,
    Program,
    Question,
    QuizAnswer,
    QuizAttempt,
    RolePlay,
    RolePlayScore,
    SeminarSeat,
    VhsAttempt,
)

PROGRAM_TITLE = "Cardio B2 launch: finding and treating stage B2 dogs"
PASS_MARK = 0.7
HOTSPOT_SEED = 20250518
LOGIN_REP_UNFINISHED = "evidence_and_dosing"
SEED = 4242
SPREAD = 1.8

CONCEPTS = {
    "vhs_measurement": "Measuring VHS and VLAS on a radiograph",
    "acvim_staging": "ACVIM staging of MMVD",
    "epic_trial_evidence": "The EPIC evidence",
    "dosing": "Dosing",
    "objection_handling": "Handling vets' objections",
}

DISEASE_BODY = """\
Myxomatous mitral valve disease (MMVD) causes **75–80% of clinical cardiac cases** in dogs
(Hezzell, *In Practice* 2018). In UK primary care a murmur consistent with MMVD is recorded
in **3.5%** of dogs (Mattin et al., *JVIM* 2015, 111,967 dogs); more than half of Cavalier
King Charles Spaniels are affected by age 5 and almost all by age 10.

## ACVIM staging (Keene et al., *JVIM* 2019)

| Stage | What it means | Management |
|---|---|---|
| A | At risk, no structural disease (e.g. every Cavalier) | Auscultation yearly |
| B1 | Murmur, no remodelling (or below B2 criteria) | No treatment; recheck yearly |
| B2 | Murmur ≥3/6, LA:Ao ≥1.6, LVIDDN ≥1.7, breed-adjusted VHS >10.5 | **Pimobendan**; recheck about every 6 months |
| C | Current or past congestive heart failure | Furosemide/torasemide, pimobendan, ACE inhibitor, spironolactone |
| D | Heart failure refractory to standard therapy | Stage C plus escalation |

Where echocardiography is not available, radiographs help: a **VHS of 11.5 or more**, or a
VHS above the breed's normal values, and a **VLAS of 3 or more** are described as adjuncts
for identifying stage B2 (as summarised by Clinician's Brief and a staging poster; the
verbatim consensus wording was not available to us).

## Measuring the vertebral heart score (Buchanan & Bücheler, *JAVMA* 1995)

1. Use a **lateral** thoracic radiograph.
2. **Long axis (L):** from the ventral border of the carina to the cardiac apex.
3. **Short axis (S):** at the widest part of the heart, **perpendicular** to L.
4. Lay L and S along the spine starting at the **cranial edge of T4**; count vertebrae to
   the nearest **0.1**. **VHS = L + S.**

Normal dogs average **9.7 ± 0.5** vertebrae, but breeds differ: Cavaliers about 10.1
(Bagardi 2022), Beagles 10.3 (Kraetschmer 2008), Whippets about 11 (Bavegems 2005). VHS
reads higher on a right than on a left lateral view. Compare with the breed's normal and
follow the same dog over time.

## Vertebral left atrial size (Malcolm et al., *JAVMA* 2018)

From the carina to the caudal border of the left atrium, laid from T4 like VHS. Healthy
dogs: reference interval **1.4–2.2** (Vezzosi 2020). A VLAS of **3.0 or more** gave a
specificity of 96% for stage B2: minimal risk of a false positive.

Practise on the exercise page: every generated radiograph has a known VHS.
"""

EVIDENCE_BODY = """\
## EPIC (Boswood et al., *JVIM* 2016)

A randomised, placebo-controlled trial of **360 dogs** with preclinical MMVD and
cardiomegaly: LA:Ao ≥1.6, LVIDDN ≥1.7 and VHS >10.5.

* Median time to congestive heart failure, cardiac death or euthanasia: **1,228 versus 766
  days** (P = .0038; hazard ratio 0.64).
* The authors' summary: treatment **prolonged the preclinical period by about 15 months**.
* Median survival 1,059 versus 902 days.

The FDA granted conditional approval for stage B2 in June 2022 and full approval in
December 2025, citing a 15.6-month delay in the onset of heart failure.

## Dosing

* US label: **0.5 mg/kg per day**, split into two doses about 12 hours apart
  (21 CFR 520.1780); chewables of 1.25, 2.5, 5 and 10 mg.
* EU SPC: 0.2–0.6 mg/kg/day, preferably 0.5, i.e. 0.25 mg/kg twice daily, about an hour
  before food.
* A 10 kg dog needs 5 mg a day: one 2.5 mg tablet twice daily, **60 tablets a month**.
"""

CONVERSATIONS_BODY = """\
Every objection in this launch was raised by the field and answered with evidence by
marketing and the technical field vets; the approved answers are your objection cards.

## The rubric your manager scores role-plays on

1. **Acknowledge** the concern: the vet is right to raise it.
2. **Clarify** what lies behind it: cost, evidence, practicality?
3. **Answer with evidence**: the approved answer and its source, nothing beyond it.
4. **Check** the vet is satisfied.
5. **Advance**: agree a next step (a radiograph review, a customer training).

At the seminar you will play the objections the field hears most, so read the cards of
the most up-voted ones before you come.
"""

Option = tuple[str, bool]
QuestionSpec = dict[str, Any]

QUESTIONS: dict[str, list[QuestionSpec]] = {
    "disease_and_diagnosis": [
        {
            "concept": "vhs_measurement",
            "kind": "single",
            "prompt": "Where do you start counting vertebrae when you lay the heart's axes "
            "along the spine?",
            "options": [
                ("At the cranial edge of T4", True),
                ("At the caudal edge of T4", False),
                ("At the cranial edge of T1", False),
                ("At the carina", False),
            ],
            "explanation": "Both axes are laid from the **cranial edge of T4** and counted to "
            "the nearest 0.1 vertebra (Buchanan & Bücheler 1995).",
            "easiness": 0.15,
        },
        {
            "concept": "vhs_measurement",
            "kind": "numeric",
            "prompt": "A dog's long axis measures 5.6 vertebrae and its short axis 4.5. What "
            "is its VHS?",
            "answer": 10.1,
            "tolerance": 0.05,
            "unit": "vertebrae",
            "explanation": "VHS = L + S = 5.6 + 4.5 = **10.1**.",
            "easiness": 0.1,
        },
        {
            "concept": "vhs_measurement",
            "kind": "hotspot",
            "prompt": "Click the **cranial edge of T4** on this lateral radiograph (schematic).",
            "landmark": "t4",
            "explanation": "Count the thoracic vertebrae from the first one behind the neck: "
            "the fourth one's cranial (head-side) edge is where the count starts.",
            "easiness": -0.15,
        },
        {
            "concept": "vhs_measurement",
            "kind": "numeric",
            "prompt": "The line from the carina to the caudal border of the left atrium "
            "measures 31 mm; the vertebrae from T4 measure 12 mm each. What is the VLAS, to "
            "0.1?",
            "answer": 2.6,
            "tolerance": 0.1,
            "unit": "vertebrae",
            "explanation": "31 / 12 = **2.6** vertebrae: above the commonly cited 2.3 cut-off "
            "for left atrial enlargement (reported; Malcolm 2018), below the 3.0 that is "
            "highly specific for stage B2.",
            "easiness": -0.2,
        },
        {
            "concept": "vhs_measurement",
            "kind": "multiple",
            "prompt": "Which statements about VHS and breed are supported by published studies?",
            "options": [
                (
                    "Several breeds, e.g. Cavalier, Beagle and Whippet, have normal VHS above 9.7",
                    True,
                ),
                ("VHS can read higher on a right than on a left lateral view", True),
                ("VHS is the same in every breed", False),
                ("A VHS of 10.5 always means cardiomegaly", False),
            ],
            "explanation": "Breed normals differ (Cavalier ≈10.1, Beagle 10.3, Whippet ≈11) "
            "and VHS reads higher on right than left lateral views in the Dachshund and "
            "Whippet studies: compare with the breed and follow the same dog.",
            "ambiguous": True,
        },
        {
            "concept": "acvim_staging",
            "kind": "single",
            "prompt": "A 9-year-old Cavalier has a 4/6 murmur, LA:Ao 1.8 and LVIDDN 1.8, and "
            "no clinical signs. Which ACVIM stage?",
            "options": [("B2", True), ("B1", False), ("C", False), ("A", False)],
            "explanation": "Murmur ≥3/6 with LA:Ao ≥1.6 and LVIDDN ≥1.7 and no heart failure: "
            "**stage B2**, where pimobendan is recommended.",
            "easiness": 0.1,
        },
        {
            "concept": "acvim_staging",
            "kind": "multiple",
            "prompt": "Which findings are among the clinical-trial criteria for stage B2?",
            "options": [
                ("Murmur of grade 3/6 or louder", True),
                ("LA:Ao of 1.6 or more", True),
                ("LVIDDN of 1.7 or more", True),
                ("Coughing at night", False),
            ],
            "explanation": "B2: murmur ≥3/6, LA:Ao ≥1.6, LVIDDN ≥1.7, breed-adjusted VHS "
            ">10.5. Coughing may be a sign of heart failure (stage C) or of airway disease.",
            "easiness": -0.2,
        },
        {
            "concept": "acvim_staging",
            "kind": "single",
            "prompt": "Without echocardiography, which radiographic finding is described as "
            "supporting stage B2?",
            "options": [
                ("A VHS of 11.5 or more, or above the breed's normal", True),
                ("A VHS of 9.7 or more", False),
                ("A VLAS of 1.4 or more", False),
                ("Any murmur", False),
            ],
            "explanation": "A general VHS ≥11.5 or a rise above breed-specific normals, and a "
            "VLAS ≥3, are described as adjuncts when echo is not available.",
            "easiness": 0.0,
        },
        {
            "concept": "acvim_staging",
            "kind": "single",
            "prompt": "What does ACVIM stage C mean?",
            "options": [
                ("Current or past congestive heart failure", True),
                ("At risk, no structural heart disease", False),
                ("A murmur without remodelling", False),
                ("Heart failure refractory to standard therapy", False),
            ],
            "explanation": "Stage C is current or past CHF; refractory heart failure is stage D.",
            "easiness": 0.1,
        },
    ],
    "evidence_and_dosing": [
        {
            "concept": "epic_trial_evidence",
            "kind": "single",
            "prompt": "In EPIC, what was the median time to heart failure, cardiac death or "
            "euthanasia on pimobendan versus placebo?",
            "options": [
                ("1,228 versus 766 days", True),
                ("718 versus 441 days", False),
                ("1,059 versus 902 days", False),
                ("15 versus 9 months", False),
            ],
            "explanation": "**1,228 vs 766 days** (P = .0038, HR 0.64). 718 vs 441 days is "
            "PROTECT (Dobermann DCM); 1,059 vs 902 days is EPIC's median survival.",
            "easiness": -0.1,
        },
        {
            "concept": "epic_trial_evidence",
            "kind": "single",
            "prompt": "By how much did treating at stage B2 prolong the preclinical period "
            "in EPIC, in the authors' summary?",
            "options": [
                ("About 15 months", True),
                ("About 3 months", False),
                ("About 5 years", False),
                ("No difference", False),
            ],
            "explanation": "About **15 months**; the FDA cites a 15.6-month delay.",
            "easiness": 0.15,
        },
        {
            "concept": "epic_trial_evidence",
            "kind": "multiple",
            "prompt": "Which were entry criteria of EPIC?",
            "options": [
                ("LA:Ao of 1.6 or more", True),
                ("LVIDDN of 1.7 or more", True),
                ("VHS above 10.5", True),
                ("Signs of heart failure", False),
            ],
            "explanation": "360 dogs with **LA:Ao ≥1.6, LVIDDN ≥1.7 and VHS >10.5**, all "
            "preclinical: none in heart failure.",
            "easiness": -0.15,
        },
        {
            "concept": "epic_trial_evidence",
            "kind": "single",
            "prompt": "What kind of study was EPIC?",
            "options": [
                ("A randomised, placebo-controlled trial", True),
                ("A retrospective case series", False),
                ("An expert consensus", False),
                ("A survey of vets", False),
            ],
            "explanation": "A **randomised, placebo-controlled** trial: the strongest kind of "
            "evidence for a treatment effect.",
            "easiness": 0.1,
        },
        {
            "concept": "dosing",
            "kind": "numeric",
            "prompt": "The US label dose is 0.5 mg/kg per day. What is the daily dose of a "
            "10 kg dog?",
            "answer": 5,
            "tolerance": 0,
            "unit": "mg",
            "explanation": "0.5 mg/kg × 10 kg = **5 mg a day**, given as two doses.",
            "easiness": 0.1,
        },
        {
            "concept": "dosing",
            "kind": "single",
            "prompt": "How is the daily dose given?",
            "options": [
                ("Split into two doses about 12 hours apart, about an hour before food", True),
                ("Once a day with food", False),
                ("Three times a day", False),
                ("Only when the dog coughs", False),
            ],
            "explanation": "Two doses about **12 h apart**, about an hour before food (label "
            "and SPC).",
            "easiness": 0.05,
        },
        {
            "concept": "dosing",
            "kind": "numeric",
            "prompt": "A 10 kg dog takes one 2.5 mg tablet twice a day. How many tablets is "
            "that in 30 days?",
            "answer": 60,
            "tolerance": 0,
            "unit": "tablets",
            "explanation": "2 a day × 30 days = **60 tablets** a month.",
            "easiness": 0.0,
        },
        {
            "concept": "dosing",
            "kind": "single",
            "prompt": "What dose range does the EU SPC give?",
            "options": [
                ("0.2–0.6 mg/kg/day, preferably 0.5", True),
                ("0.05–0.1 mg/kg/day", False),
                ("1–2 mg/kg/day", False),
                ("5 mg/kg/day", False),
            ],
            "explanation": "**0.2–0.6 mg/kg/day**, preferably 0.5 (0.25 mg/kg twice daily).",
            "easiness": -0.15,
        },
    ],
    "customer_conversations": [
        {
            "concept": "objection_handling",
            "kind": "single",
            "prompt": "A vet says: “My clients won't pay for tablets while the dog looks "
            "perfectly healthy.” What do you do first?",
            "options": [
                ("Acknowledge the concern and ask what worries the owners most", True),
                ("Offer a discount straight away", False),
                ("Tell the vet the owners are wrong", False),
                ("Move on to another product", False),
            ],
            "explanation": "**Acknowledge, then clarify** before you answer: the evidence "
            "(about 15 more months before heart failure in EPIC) lands better once you know "
            "what worries the owner.",
            "easiness": 0.15,
        },
        {
            "concept": "objection_handling",
            "kind": "multiple",
            "prompt": "Which steps belong to the rubric role-plays are scored on?",
            "options": [
                ("Answer with evidence", True),
                ("Check the vet is satisfied", True),
                ("Agree a next step", True),
                ("Promise results the evidence does not show", False),
            ],
            "explanation": "Acknowledge, clarify, answer with evidence, check, advance. Never "
            "claim beyond the approved evidence.",
            "easiness": -0.1,
        },
        {
            "concept": "objection_handling",
            "kind": "single",
            "prompt": "“I don't have an echo machine, so I can't stage B2.” Which answer is "
            "backed by the approved material?",
            "options": [
                (
                    "Radiographs help: VHS ≥11.5 (or above the breed normal) and VLAS ≥3 as adjuncts",
                    True,
                ),
                ("Echocardiography is never needed", False),
                ("Treat every dog with a murmur", False),
                ("Refer every dog with a murmur", False),
            ],
            "explanation": "The objection card: radiographs are described as an adjunct in the "
            "absence of echocardiography, with VHS ≥11.5 and VLAS ≥3.",
            "easiness": 0.05,
        },
        {
            "concept": "objection_handling",
            "kind": "single",
            "prompt": "“Isn't it only conditionally approved?” What is the current US status "
            "for stage B2?",
            "options": [
                (
                    "Fully approved since December 2025, after conditional approval in June 2022",
                    True,
                ),
                ("Still conditionally approved", False),
                ("Not approved for stage B2", False),
                ("Approved only for Dobermanns", False),
            ],
            "explanation": "Conditional approval in June 2022, **full approval in December "
            "2025** (FDA).",
            "easiness": -0.1,
        },
    ],
}

MODULES = (
    (
        "disease_and_diagnosis",
        "Disease and diagnosis: finding stage B2 on a chest radiograph",
        "MMVD, ACVIM staging, measuring VHS and VLAS",
        DISEASE_BODY,
        ("VHS pocket guide", "Webinar: finding B2 dogs on radiographs"),
        35,
    ),
    (
        "evidence_and_dosing",
        "Evidence and dosing",
        "EPIC in numbers, the label dose and what it means per dog",
        EVIDENCE_BODY,
        ("EPIC detail aid",),
        25,
    ),
    (
        "customer_conversations",
        "Customer conversations: handling objections",
        "The objections the field raised and the rubric role-plays are scored on",
        CONVERSATIONS_BODY,
        ("Objection card: “the dog looks healthy”",),
        20,
    ),
)

TRAINER_COMMENTS = (
    "Good acknowledgement; go to the evidence sooner.",
    "Cited EPIC precisely. Agree a concrete next step next time.",
    "Clarify before answering: you answered the wrong worry.",
    "Confident and accurate; checked the vet was satisfied.",
    "Stay within the approved claim; no promises on survival.",
    "Strong close: booked a radiograph review with the practice.",
)
SELF_COMMENTS = (
    "I rushed the evidence part.",
    "Felt natural; need the numbers at my fingertips.",
    "I forgot to check before moving on.",
    "Happy with this one.",
)


@dataclass(frozen=True)
class DemoTraining:
    program: Program
    certified: int
    enrolled: int


def _date(value: Any) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def demo_program_load(
    *, launch: Any, usernames: Mapping[str, str], login_rep_id: str | None = None
) -> int:
    """Create the demo program and the simulated reps' history; 0 if it exists already.

    ``usernames`` maps the simulator's people ids to usernames; ``login_rep_id`` is the
    rep whose login the demo prints (the first rep by default).
    """
    campaign = Campaign.objects.order_by("-start_date").first()
    if campaign is None or Program.objects.filter(campaign=campaign).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=set(usernames.values()))}
    login_rep_id = login_rep_id or str(launch.reps.rep_id.iloc[0])
    _load(launch, campaign, usernames, users, login_rep_id)
    return 1


def _load(
    launch: Any,
    campaign: Campaign,
    usernames: Mapping[str, str],
    users: Mapping[str, User],
    login_rep_id: str,
) -> DemoTraining:
    rng = random.Random(SEED)
    seminar_day = campaign.start_date - dt.timedelta(days=14)
    mkt = campaign.marketing_lead
    program = services.program_create(
        user=mkt,
        campaign=campaign,
        title=PROGRAM_TITLE,
        description=(
            "The flipped classroom of the launch. **Before** the seminar, at your own pace: "
            "the three modules and their quizzes. **At** the seminar: measuring VHS on "
            "radiographs and role-playing the objections vets raise most. **After**: "
            "certification when every threshold is met."
        ),
        prework_opens=seminar_day - dt.timedelta(days=49),
        prework_due=seminar_day - dt.timedelta(days=7),
        certification_due=campaign.start_date + dt.timedelta(days=29),
    )
    concepts = {
        code: services.concept_get_or_create(program=program, user=mkt, code=code, name=name)
        for code, name in CONCEPTS.items()
    }
    assets = {a.title: a for a in Asset.objects.filter(campaign=campaign)}
    modules: dict[str, Module] = {}
    questions: dict[str, list[tuple[Question, QuestionSpec]]] = {}
    figure = schematic.generate_case(HOTSPOT_SEED)
    for key, title, summary, body, asset_titles, minutes in MODULES:
        module = services.module_create(
            program=program,
            user=mkt,
            title=title,
            summary=summary,
            body=body,
            assets=[assets[t] for t in asset_titles if t in assets],
            pass_mark=PASS_MARK,
            max_attempts=3,
            minutes=minutes,
        )
        modules[key] = module
        questions[key] = []
        for spec in QUESTIONS[key]:
            extra: dict[str, Any] = {}
            if spec["kind"] in {"single", "multiple"}:
                extra["options"] = spec["options"]
            elif spec["kind"] == "numeric":
                extra.update(
                    numeric_answer=float(spec["answer"]),
                    numeric_tolerance=float(spec["tolerance"]),
                    unit=spec["unit"],
                )
            else:
                x, y = figure.landmarks[spec["landmark"]]
                extra.update(
                    figure_seed=HOTSPOT_SEED,
                    hotspots=[{"x": x, "y": y, "r": round(0.4 * figure.unit, 1)}],
                )
            question = services.question_create(
                module=module,
                user=mkt,
                concept=concepts[spec["concept"]],
                kind=spec["kind"],
                prompt=spec["prompt"],
                explanation=spec["explanation"],
                **extra,
            )
            questions[key].append((question, spec))

    # Enrolment by team: every team of the simulated organisation.
    for team in Team.objects.filter(region__code__in=set(launch.regions.region_id)).order_by(
        "name"
    ):
        try:
            services.enrol_team(program=program, user=mkt, team=team)
        except services.TrainingRuleError:
            continue
    enrolments = {e.rep.username: e for e in program.enrolments.select_related("rep")}
    rep_of_user = {usernames[r]: r for r in launch.reps.rep_id}

    # One seminar per region: its manager and the region's field vets train.
    seminars = {}
    for region in launch.regions.itertuples(index=False):
        manager_ids = launch.managers.loc[
            launch.managers.region_id == region.region_id, "manager_id"
        ]
        fv_ids = launch.field_vets.loc[
            launch.field_vets.region_id == region.region_id, "field_vet_id"
        ]
        trainers = [
            users[usernames[m]] for m in [*manager_ids, *fv_ids][:3] if usernames.get(m) in users
        ]
        rep_ids = set(launch.reps.loc[launch.reps.manager_id.isin(set(manager_ids)), "rep_id"])
        cohort = [enrolments[usernames[r]] for r in sorted(rep_ids) if usernames[r] in enrolments]
        seminar = services.seminar_create(
            program=program,
            user=mkt,
            title=f"{region.name} seminar: VHS workshop and role-plays",
            starts_at=_at(seminar_day, 9),
            ends_at=_at(seminar_day, 17),
            place=f"{region.name} region training centre",
            trainers=trainers,
            cohort=cohort,
            notes="Bring a laptop. Morning: measuring VHS and VLAS on radiographs. "
            "Afternoon: role-plays of the objections the cohort's prep report prioritises.",
        )
        for e in cohort:
            seminars[e.rep_id] = seminar
    scenarios = services.scenarios_build(program=program, user=mkt, limit=6)
    services.program_set_status(program=program, user=mkt, status=ProgramStatus.OPEN)

    _history(
        launch=launch,
        program=program,
        modules=modules,
        questions=questions,
        enrolments=enrolments,
        rep_of_user=rep_of_user,
        seminars=seminars,
        scenarios=scenarios,
        login_rep_id=login_rep_id,
        seminar_day=seminar_day,
        figure=figure,
        rng=rng,
    )
    certified = len(services.certification_check_all(program=program, at=_at(seminar_day, 17)))
    _kit(campaign, program, modules, questions, usernames, users, login_rep_id)
    return DemoTraining(program=program, certified=certified, enrolled=len(enrolments))


def _response(question: Question, spec: QuestionSpec, right: bool, rng: random.Random) -> Any:
    options = list(question.options.all()) if spec["kind"] in {"single", "multiple"} else []
    if spec["kind"] == "single":
        pool = [o.pk for o in options if o.correct == right]
        return rng.choice(pool)
    if spec["kind"] == "multiple":
        good = sorted(o.pk for o in options if o.correct)
        if right:
            return good
        bad = [o.pk for o in options if not o.correct]
        return sorted(good[:-1] + bad[:1]) if len(good) > 1 else bad
    if spec["kind"] == "numeric":
        answer = float(spec["answer"])
        return answer if right else answer + rng.choice([-1, 1]) * max(1.0, answer * 0.2)
    region = question.hotspots[0]
    if right:
        return [
            round(region["x"] + rng.uniform(-3, 3), 1),
            round(region["y"] + rng.uniform(-3, 3), 1),
        ]
    return [round(region["x"] + rng.choice([-1, 1]) * 2.2 * region["r"], 1), round(region["y"], 1)]


def _attempt_rights(
    specs: Sequence[QuestionSpec],
    shares: Mapping[str, float],
    rng: random.Random,
    *,
    cohort_means: Mapping[str, float],
    boost: float = 0.0,
) -> list[bool]:
    rights = []
    for spec in specs:
        if spec.get("ambiguous"):
            # A question whose wording misleads strong and weak reps alike: the item
            # analysis should flag it.
            p = 0.5
        else:
            # Spread the reps apart around the cohort's mean for the concept: a quiz of a
            # few questions then ranks reps as the simulator's 20-question scores do.
            concept = spec["concept"]
            mean = cohort_means.get(concept, shares[concept])
            p = mean + SPREAD * (shares[concept] - mean) + spec.get("easiness", 0.0) + boost
        rights.append(rng.random() < min(0.98, max(0.03, p)))
    return rights


def _history(
    *,
    launch: Any,
    program: Program,
    modules: Mapping[str, Module],
    questions: Mapping[str, list[tuple[Question, QuestionSpec]]],
    enrolments: Mapping[str, Enrolment],
    rep_of_user: Mapping[str, str],
    seminars: Mapping[int, Any],
    scenarios: Sequence[Any],
    login_rep_id: str,
    seminar_day: dt.date,
    figure: schematic.SchematicCase,
    rng: random.Random,
) -> None:
    prework = launch.rep_prework
    means = prework.groupby("concept")["score"].mean().to_dict()
    by_module: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in prework.to_dict("records"):
        by_module.setdefault((record["rep_id"], record["module"]), []).append(record)
    # Options once, not once per answer.
    with_options = {
        q.pk: q
        for q in Question.objects.filter(module__program=program).prefetch_related("options")
    }
    questions = {
        key: [(with_options[q.pk], spec) for q, spec in rows] for key, rows in questions.items()
    }
    certification = launch.rep_certification.set_index("rep_id")
    attempts: list[QuizAttempt] = []
    answers: list[tuple[int, list[QuizAnswer]]] = []
    due = program.prework_due
    for username, enrolment in sorted(enrolments.items()):
        rep_id = rep_of_user.get(username)
        if rep_id is None:
            continue
        for key, module in modules.items():
            mrows = by_module.get((rep_id, key))
            if not mrows:
                continue
            shares = {r["concept"]: r["score"] for r in mrows}
            completed = _date(mrows[0]["completed_on"])
            if rep_id == login_rep_id and (completed is None or key == LOGIN_REP_UNFINISHED):
                continue  # left for a visitor to take
            specs = [spec for _, spec in questions[key]]
            qs = [q for q, _ in questions[key]]
            plan: list[tuple[dt.datetime, list[bool]]] = []
            if completed is None:
                if rng.random() < 0.5:
                    continue  # not started
                # Started, not finished: a failed first attempt, shares unknown.
                rights = _attempt_rights(
                    specs, dict.fromkeys(shares, 0.5), rng, cohort_means={}, boost=-0.15
                )
                _force(rights, passed=False)
                plan.append((_at(due - dt.timedelta(days=rng.randint(3, 12)), 19), rights))
            else:
                first = _attempt_rights(specs, shares, rng, cohort_means=means)
                if sum(first) / len(first) >= PASS_MARK:
                    plan.append((_at(completed, rng.randint(8, 20), rng.randint(0, 59)), first))
                else:
                    day = completed - dt.timedelta(days=rng.randint(1, 4))
                    plan.append((_at(day, rng.randint(8, 20), rng.randint(0, 59)), first))
                    second = _attempt_rights(specs, shares, rng, cohort_means=means, boost=0.25)
                    _force(second, passed=True)
                    plan.append((_at(completed, rng.randint(8, 20), rng.randint(0, 59)), second))
            for number, (at, rights) in enumerate(plan, start=1):
                seed = rng.randrange(2**31)
                layout = scoring.draw_layout(
                    [
                        scoring.BankItem(q.pk, q.concept_id, tuple(o.pk for o in q.options.all()))
                        for q in qs
                    ],
                    seed=seed,
                )
                correct = sum(rights)
                attempt = QuizAttempt(
                    module=module,
                    rep_id=enrolment.rep_id,
                    number=number,
                    seed=seed,
                    layout=layout,
                    started_at=at - dt.timedelta(minutes=rng.randint(8, 25)),
                    submitted_at=at,
                    correct=correct,
                    total=len(rights),
                    score=correct / len(rights),
                    passed=correct / len(rights) >= PASS_MARK,
                )
                attempts.append(attempt)
                answers.append(
                    (
                        len(attempts) - 1,
                        [
                            QuizAnswer(question=q, response=_response(q, s, ok, rng), correct=ok)
                            for q, s, ok in zip(qs, specs, rights, strict=True)
                        ],
                    )
                )
    QuizAttempt.objects.bulk_create(attempts)
    for index, rows in answers:
        for row in rows:
            row.attempt = attempts[index]
    QuizAnswer.objects.bulk_create([row for _, rows in answers for row in rows])

    # The seminar: attendance, one VHS measurement and one role-play per rep.
    seats = []
    vhs = []
    roleplays: list[tuple[RolePlay, int, int]] = []
    for username, enrolment in sorted(enrolments.items()):
        rep_id = rep_of_user.get(username)
        seminar = seminars.get(enrolment.rep_id)
        if rep_id is None or seminar is None or rep_id not in certification.index:
            continue
        result = certification.loc[rep_id]
        seats.append(enrolment.pk)
        case_seed = 1000 + int(rep_id.lstrip("R") or 0)
        vhs.append(
            _vhs_attempt(
                program, enrolment.rep_id, case_seed, float(result.vhs_error), seminar_day, rng
            )
        )
        scenario = scenarios[len(roleplays) % len(scenarios)]
        trainer = seminar.trainers.order_by("pk").first()
        roleplay = RolePlay(
            scenario=scenario,
            rep_id=enrolment.rep_id,
            seminar=seminar,
            created_by=trainer or program.created_by,
            created_at=_at(seminar_day, 14, rng.randint(0, 59)),
        )
        roleplays.append(
            (roleplay, int(result.roleplay_score), trainer.pk if trainer else program.created_by_id)
        )
    SeminarSeat.objects.filter(enrolment_id__in=seats).update(
        attended=True, recorded_at=_at(seminar_day, 17)
    )
    VhsAttempt.objects.bulk_create(vhs)
    RolePlay.objects.bulk_create([r for r, _, _ in roleplays])
    scores = []
    for roleplay, score, trainer_id in roleplays:
        scores.append(
            RolePlayScore(
                roleplay=roleplay,
                kind=ScorerKind.TRAINER,
                scorer_id=trainer_id,
                comment=rng.choice(TRAINER_COMMENTS),
                scored_at=roleplay.created_at + dt.timedelta(minutes=15),
                **_rubric(score, rng),
            )
        )
        scores.append(
            RolePlayScore(
                roleplay=roleplay,
                kind=ScorerKind.SELF,
                scorer_id=roleplay.rep_id,
                comment=rng.choice(SELF_COMMENTS),
                scored_at=roleplay.created_at + dt.timedelta(minutes=20),
                **_rubric(min(5, score + rng.choice([0, 1])), rng),
            )
        )
    RolePlayScore.objects.bulk_create(scores)


def _force(rights: list[bool], *, passed: bool) -> None:
    """Flip answers until the attempt passes (or fails) at the pass mark."""
    for i in range(len(rights)):
        if (sum(rights) / len(rights) >= PASS_MARK) == passed:
            return
        rights[i] = passed


def _rubric(mean: int, rng: random.Random) -> dict[str, int]:
    """Five criteria averaging exactly ``mean``: one up, one down where there is room."""
    values = dict.fromkeys(RUBRIC, mean)
    if 1 < mean < 5 and rng.random() < 0.7:
        up, down = rng.sample(RUBRIC, 2)
        values[up] += 1
        values[down] -= 1
    return values


def _vhs_attempt(
    program: Program, rep_pk: int, seed: int, error: float, day: dt.date, rng: random.Random
) -> VhsAttempt:
    """A measurement of generated case ``seed`` that is off by ``error`` vertebrae."""
    case = schematic.generate_case(seed)
    points = case.reference_points
    marks = [(p[0], p[1]) for p in points["vertebrae"]]
    (cx, cy), (ax, ay) = points["long_axis"]
    length = math.dist((cx, cy), (ax, ay))
    long_v = vertebrae_for_length(length, marks).vertebrae
    sign = rng.choice([-1, 1]) if long_v - error > 1 else 1
    k = length_for_vertebrae(long_v + sign * error, marks) / length
    measured = {**points, "long_axis": [[cx, cy], [cx + (ax - cx) * k, cy + (ay - cy) * k]]}
    m = services.measure(measured)
    return VhsAttempt(
        program=program,
        rep_id=rep_pk,
        source="generated",
        seed=seed,
        points=measured,
        long_axis=m.long_axis,
        short_axis=m.short_axis,
        vhs=m.vhs,
        reference_vhs=case.reference_vhs,
        error=abs(m.vhs - case.reference_vhs),
        axes_angle=m.axes_angle,
        tolerance=program.vhs_tolerance,
        passed=abs(m.vhs - case.reference_vhs) <= program.vhs_tolerance + 1e-9,
        submitted_at=_at(day, 11, rng.randint(0, 59)),
    )


def _kit(
    campaign: Campaign,
    program: Program,
    modules: Mapping[str, Module],
    questions: Mapping[str, list[tuple[Question, QuestionSpec]]],
    usernames: Mapping[str, str],
    users: Mapping[str, User],
    login_rep_id: str,
) -> None:
    """The customer training kit for vets, with links for the login rep's last training."""
    diagnosis = [q for q, _ in questions["disease_and_diagnosis"]]
    kit = services.kit_create(
        campaign=campaign,
        user=campaign.marketing_lead,
        title="Finding stage B2 dogs on chest radiographs",
        intro=(
            "A short course for your practice: a five-question pre-test, the material on "
            "staging and measuring the vertebral heart score, practice on generated "
            "radiographs, and the same five questions again."
        ),
        questions=[*diagnosis[:4], diagnosis[5]],
        modules=[modules["disease_and_diagnosis"]],
    )
    rep = users.get(usernames.get(login_rep_id, ""))
    if rep is None:
        return
    # The kit's scores go to the training's attendance: a training of the kit's campaign.
    training = (
        CustomerTraining.objects.filter(rep=rep, campaign=campaign)
        .order_by("-date")
        .prefetch_related("attendees")
        .first()
    )
    if training is not None and training.attendees.exists():
        services.kit_invite(
            kit=kit, user=rep, training=training, vets=list(training.attendees.all()), email=False
        )
