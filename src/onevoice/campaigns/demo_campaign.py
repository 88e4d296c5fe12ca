"""The demo's co-created campaign for the canine heart-failure launch.

Every claim comes from ../shared/domain/heart.md with its source; figures that source
marks as recalled or secondary are flagged ``reported``. The campaign is built through
the same services as the pages, so its history, approvals and sign-offs are real rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from onevoice.accounts.models import User
from onevoice.campaigns import selectors, services
from onevoice.campaigns.choices import CampaignStatus, Decision, EvidenceLevel, Function
from onevoice.campaigns.models import Campaign

E = tuple[str, str, str, str, bool]  # citation, link, excerpt, level, reported

EPIC = (
    "Boswood A et al. Effect of pimobendan in dogs with preclinical myxomatous mitral valve "
    "disease and cardiomegaly: the EPIC study. J Vet Intern Med 2016;30:1765",
    "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5115200/",
)
CONSENSUS = (
    "Keene BW et al. ACVIM consensus guidelines for the diagnosis and treatment of "
    "myxomatous mitral valve disease in dogs. J Vet Intern Med 2019;33:1127",
    "10.1111/jvim.15488",
)

MESSAGES: tuple[tuple[str, str, tuple[E, ...]], ...] = (
    (
        "Treat stage B2 before heart failure",
        "In dogs with preclinical MMVD and cardiomegaly (ACVIM stage B2), pimobendan delayed "
        "the onset of congestive heart failure, cardiac death or euthanasia: median 1,228 "
        "versus 766 days on placebo.",
        (
            (
                *EPIC,
                "Median time to CHF, cardiac death or euthanasia: 1228 vs 766 days "
                "(P = .0038; HR 0.64).",
                "rct",
                False,
            ),
        ),
    ),
    (
        "About 15 more months without signs",
        "Starting treatment at stage B2 prolonged the preclinical period by about 15 months; "
        "the FDA cites a 15.6-month delay in granting full approval in December 2025.",
        (
            (*EPIC, "Prolongation of preclinical period by approximately 15 months.", "rct", False),
            (
                "FDA approval of pimobendan for stage B2 MMVD (conditional 2022, full 2025)",
                "https://www.fda.gov",
                "The FDA cites a 15.6-month delay in the onset of heart failure.",
                "label",
                False,
            ),
        ),
    ),
    (
        "Find B2 dogs on a chest radiograph",
        "Where echocardiography is not available, a vertebral heart score of 11.5 or more, or "
        "above the breed's normal values, identifies radiographic cardiomegaly consistent with "
        "stage B2.",
        (
            (
                *CONSENSUS,
                "Paraphrased by Clinician's Brief: a general breed VHS ≥11.5 or an "
                "increase above breed-specific normal values can identify stage B2. The verbatim "
                "consensus wording was not available.",
                "guideline",
                True,
            ),
            (
                "Buchanan JW, Bücheler J. Vertebral scale system to measure canine heart size in "
                "radiographs. JAVMA 1995;206:194–199",
                "",
                "Long axis plus short axis, laid along "
                "the spine from the cranial edge of T4, counted to the nearest 0.1 vertebra.",
                "cohort",
                False,
            ),
        ),
    ),
    (
        "Know the breed's normal heart size",
        "The mean VHS of normal dogs is 9.7 ± 0.5 vertebrae, but several breeds run higher: "
        "Cavalier King Charles Spaniels average about 10.1, Beagles 10.3 and Whippets 11.",
        (
            (
                "Buchanan & Bücheler 1995, as quoted by Kraetschmer 2008 and Jepsen-Grant 2013",
                "",
                "Mean 9.7 ± 0.5 v in 100 normal dogs.",
                "cohort",
                False,
            ),
            (
                "Bagardi M et al. Vet Radiol Ultrasound 2022",
                "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9299495/",
                "CKCS normal VHS 10.08 ± 0.56 (n = 30).",
                "cohort",
                False,
            ),
            (
                "Kraetschmer S et al. J Small Anim Pract 2008",
                "",
                "Beagle VHS 10.3 ± 0.4.",
                "cohort",
                False,
            ),
        ),
    ),
    (
        "VLAS adds specificity",
        "A vertebral left atrial size of 3.0 or more carries minimal risk of a false-positive "
        "stage B2 diagnosis (specificity 96%).",
        (
            (
                "Vertebral left atrial size for stage B2 MMVD. JAVMA 2020;256(10):1129 (first "
                "author recalled, unconfirmed)",
                "",
                "VLAS ≥3.0 gave sensitivity 40%, specificity "
                "96%: minimal risk of false-positive diagnosis of stage B2.",
                "cohort",
                True,
            ),
        ),
    ),
    (
        "Simple twice-daily dosing",
        "The label dose is 0.5 mg/kg a day, split into two doses about 12 hours apart, given "
        "about an hour before food.",
        (
            (
                "US label, 21 CFR 520.1780",
                "https://www.ecfr.gov/current/title-21/section-520.1780",
                "0.5 mg/kg per day total, divided into two portions about 12 h apart; chewables "
                "1.25/2.5/5/10 mg.",
                "label",
                False,
            ),
            (
                "EU SPC (Zelys / Cardisure)",
                "",
                "0.2–0.6 mg/kg/day, preferably 0.5, i.e. 0.25 mg/kg BID, about 1 h before food.",
                "label",
                False,
            ),
        ),
    ),
    (
        "Murmurs are common — screen them",
        "MMVD causes 75–80% of clinical cardiac cases in dogs, and a murmur consistent with "
        "MMVD is recorded in about 3.5% of dogs seen in primary care.",
        (
            (
                "Mattin MJ et al. J Vet Intern Med 2015 (111,967 dogs)",
                "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC4895395/",
                "Diagnosed MMVD 0.36%; murmur consistent with MMVD 3.54%.",
                "cohort",
                False,
            ),
            (
                "Hezzell M. In Practice 2018",
                "",
                "MMVD is 75–80% of clinical cardiac cases.",
                "expert",
                False,
            ),
        ),
    ),
)

# (what the vet says, segment, frequency, response, clinical claim, evidence)
OBJECTIONS: tuple[tuple[str, str, str, str, bool, tuple[E, ...]], ...] = (
    (
        "My clients won't pay for tablets while the dog looks perfectly healthy.",
        "independent_small",
        "very_often",
        "Treating at stage B2 bought a median of about 15 months before heart failure in EPIC: "
        "time the owner gets with a dog that still feels well.",
        True,
        ((*EPIC, "Prolongation of preclinical period by approximately 15 months.", "rct", False),),
    ),
    (
        "I don't have an echo machine, so I can't stage B2.",
        "independent_small",
        "often",
        "Radiographs help where echo is not available: VHS ≥11.5 (or above the breed normal) "
        "and VLAS ≥3 are described as adjuncts in the absence of echocardiography.",
        True,
        (
            (
                *CONSENSUS,
                "VHS ≥11.5, VLAS ≥3: useful as an adjunct to / in the absence of "
                "echocardiography (staging poster; verbatim consensus not available).",
                "guideline",
                True,
            ),
        ),
    ),
    (
        "VHS is unreliable — every breed is different.",
        "referral_hospital",
        "often",
        "Breed differences are real and documented; compare with the breed's published normal "
        "(e.g. CKCS 10.08 ± 0.56) and track the same dog over time.",
        True,
        (
            (
                "Bagardi M et al. Vet Radiol Ultrasound 2022",
                "",
                "CKCS normal VHS 10.08 ± 0.56.",
                "cohort",
                False,
            ),
            (
                "Jepsen-Grant K et al. Vet Radiol Ultrasound 2013;54:3–8",
                "",
                "Pug, Pomeranian, Bulldog and Boston Terrier VHS significantly above 9.7.",
                "cohort",
                False,
            ),
        ),
    ),
    (
        "The EPIC dogs were referral cases; my patients are different.",
        "independent_large",
        "sometimes",
        "EPIC's entry criteria are measurable in practice: LA:Ao ≥1.6, LVIDDN ≥1.7 and VHS "
        ">10.5. Apply the same criteria and the evidence applies.",
        True,
        ((*EPIC, "360 dogs with LA:Ao ≥1.6, LVIDDN ≥1.7 and VHS >10.5.", "rct", False),),
    ),
    (
        "I already start an ACE inhibitor when I hear a murmur.",
        "independent_small",
        "sometimes",
        "The consensus recommends pimobendan for stage B2; ACE inhibitors belong with stage C "
        "treatment of heart failure.",
        True,
        (
            (
                *CONSENSUS,
                "Stage B2: pimobendan; stage C: furosemide/torasemide, pimobendan, ACE "
                "inhibitor, spironolactone (Vet Times 2020 summary table).",
                "guideline",
                False,
            ),
        ),
    ),
    (
        "Taking radiographs in a 15-minute consult isn't realistic.",
        "corporate_group",
        "often",
        "Measuring the VHS takes a minute once learned: two axes laid along the spine from T4. "
        "Our technical field vets train your team on your own radiographs.",
        False,
        (
            (
                "Buchanan JW, Bücheler J. JAVMA 1995;206:194–199",
                "",
                "VHS = L + S counted in vertebrae from the cranial edge of T4, to the nearest 0.1.",
                "cohort",
                False,
            ),
        ),
    ),
    (
        "Every Cavalier has a murmur anyway — why single them out?",
        "independent_large",
        "often",
        "Because they are the dogs most likely to reach B2: over half of Cavaliers are affected "
        "by age 5 and almost all by 10, so yearly rechecks find B2 early.",
        True,
        (
            (
                "Hezzell M. In Practice 2018",
                "",
                "More than half of CKCS are affected by age 5 and almost all by age 10.",
                "expert",
                False,
            ),
        ),
    ),
    (
        "Isn't it only conditionally approved?",
        "referral_hospital",
        "rarely",
        "No longer: the FDA granted full approval for stage B2 in December 2025, after the "
        "conditional approval of June 2022.",
        False,
        (
            (
                "FDA approval of pimobendan for stage B2 MMVD",
                "https://www.fda.gov",
                "Conditional approval June 2022; full approval December 2025.",
                "label",
                False,
            ),
        ),
    ),
    (
        "How do I know which dogs qualify for treatment?",
        "independent_small",
        "very_often",
        "Stage B2 means a murmur ≥3/6 with cardiomegaly: LA:Ao ≥1.6, LVIDDN ≥1.7, breed-adjusted "
        "VHS >10.5 — the criteria of the clinical trials.",
        True,
        (
            (
                *CONSENSUS,
                "B2: murmur ≥3/6, LA:Ao ≥1.6, LVIDDN ≥1.7, breed-adjusted VHS >10.5.",
                "guideline",
                False,
            ),
        ),
    ),
    (
        "What about Dobermanns with DCM?",
        "referral_hospital",
        "rarely",
        "In preclinical Dobermann DCM (PROTECT), pimobendan delayed heart failure or sudden death: "
        "718 versus 441 days. Screening there is Holter plus echo, yearly from age 3.",
        True,
        (
            (
                "Summerfield NJ et al. J Vet Intern Med 2012;26:1337 (PROTECT)",
                "",
                "Time to CHF or sudden death 718 vs 441 days (P = .0088).",
                "rct",
                False,
            ),
        ),
    ),
    (
        "What dose does a 10 kg dog get?",
        "corporate_group",
        "sometimes",
        "0.5 mg/kg/day: 5 mg a day, one 2.5 mg tablet twice daily — 60 tablets a month.",
        True,
        (
            (
                "US label, 21 CFR 520.1780",
                "",
                "0.5 mg/kg per day, split into two portions about 12 h apart.",
                "label",
                False,
            ),
        ),
    ),
)

ASSETS: tuple[tuple[str, str, str], ...] = (
    (
        "EPIC detail aid",
        "detail_aid",
        "## Treat B2 before heart failure\n\n- Median **1,228 vs 766 days** to CHF, cardiac death "
        "or euthanasia (EPIC, Boswood 2016)\n- About **15 months** longer without signs\n\n"
        "Stage B2: murmur ≥3/6, LA:Ao ≥1.6, LVIDDN ≥1.7, VHS >10.5.",
    ),
    (
        "VHS pocket guide",
        "leave_behind",
        "## Measuring the vertebral heart score\n\n1. Lateral chest radiograph.\n2. Long axis: "
        "carina to apex. Short axis: widest part, perpendicular.\n3. Lay both along the spine from "
        "the **cranial edge of T4**; count to 0.1 vertebra.\n4. VHS = L + S. Normal mean 9.7 ± 0.5 "
        "(breeds differ).",
    ),
    (
        "Objection card: “the dog looks healthy”",
        "objection_card",
        "**Vet:** My clients won't pay for tablets while the dog looks healthy.\n\n**You:** "
        "Treating at B2 bought about 15 months before heart failure in EPIC — time with a dog "
        "that still feels well.",
    ),
    (
        "Webinar: finding B2 dogs on radiographs",
        "webinar_deck",
        "## Webinar outline\n\n1. Why stage B2 matters (EPIC)\n2. VHS step by step\n3. VLAS\n4. "
        "Breed normals\n5. Cases",
    ),
)


@dataclass(frozen=True)
class DemoPeople:
    marketing_lead: User
    sales_lead: User
    reviewer: User
    field_vet: User
    reps: Sequence[User]


def demo_campaign_load(
    *,
    people: DemoPeople,
    start: dt.date,
    end: dt.date,
    units_baseline: float | None,
    skus: Sequence[str] = (),
) -> Campaign:
    """Create the fully co-created, signed, live campaign through the services.

    ``skus`` are the products it counts; their rows must exist already.
    """
    mkt, sales, rev = people.marketing_lead, people.sales_lead, people.reviewer
    campaign = services.campaign_create(
        user=mkt,
        name="Cardio B2 launch",
        product="Pimobendan chewable tablets",
        indication="Preclinical myxomatous mitral valve disease, ACVIM stage B2",
        objective="Get vets to find stage B2 dogs on chest radiographs and treat them "
        "before heart failure.",
        why="Most dogs with MMVD are seen in **primary care**, where a murmur is heard but "
        "cardiomegaly is rarely measured. EPIC showed that treating stage B2 delays heart "
        "failure by about 15 months, yet B2 dogs go unrecognised without echocardiography.\n\n"
        "So the campaign *trains vets to measure the vertebral heart score* on radiographs "
        "they already take, with our technical field vets, and gives reps one evidence-backed "
        "answer to every objection they hear.",
        start_date=start,
        end_date=end,
        marketing_lead=mkt,
        sales_lead=sales,
        target_segments=["independent_small", "independent_large", "corporate_group"],
        skus=selectors.products_with_skus(skus=skus),
    )
    services.campaign_transition(campaign=campaign, user=mkt, target=CampaignStatus.CO_CREATION)
    for title, text, evidence in MESSAGES:
        message = services.message_create(campaign=campaign, user=mkt, title=title, text=text)
        for citation, link, excerpt, level, reported in evidence:
            services.evidence_add(
                user=mkt,
                message=message,
                citation=citation,
                link=link,
                excerpt=excerpt,
                level=level,
                reported=reported,
            )
        services.message_approve(message=message, user=rev)
    reps = list(people.reps) or [sales]
    for i, (text, segment, frequency, answer, clinical, evidence) in enumerate(OBJECTIONS):
        objection = services.objection_raise(
            campaign=campaign,
            user=reps[i % len(reps)],
            text=text,
            segment=segment,
            frequency=frequency,
        )
        # Earlier objections in the list are the ones most reps recognise.
        for voter in reps[: max(1, len(reps) - 3 * i)]:
            if voter != objection.raised_by:
                services.objection_upvote(objection=objection, user=voter)
        author = people.field_vet if clinical and i % 2 else mkt
        response = services.response_save(
            objection=objection, user=author, text=answer, clinical_claim=clinical
        )
        for citation, link, excerpt, level, reported in evidence:
            services.evidence_add(
                user=author,
                response=response,
                citation=citation,
                link=link,
                excerpt=excerpt,
                level=level,
                reported=reported,
            )
        approver = rev if clinical else mkt
        services.response_approve(response=response, user=approver, as_reviewer=clinical)
    for title, kind, body in ASSETS:
        asset = services.asset_create(
            campaign=campaign, user=mkt, title=title, kind=kind, body=body, expires_on=end
        )
        version = asset.versions.get()
        for function, user in (
            (Function.MARKETING, mkt),
            (Function.SALES, sales),
            (Function.REVIEWER, rev),
        ):
            services.asset_decide(
                version=version, user=user, function=function, decision=Decision.APPROVE
            )
    _kpi_plan(campaign, mkt, sales, end, units_baseline)
    services.comment_add(
        campaign=campaign,
        user=sales,
        about="Key message 3",
        text=f"@{mkt.username} reps will need the VHS pocket guide before the "
        "first customer trainings.",
    )
    services.campaign_transition(campaign=campaign, user=mkt, target=CampaignStatus.READY)
    services.campaign_sign(campaign=campaign, user=mkt)
    services.campaign_sign(campaign=campaign, user=sales)
    return services.campaign_transition(campaign=campaign, user=sales, target=CampaignStatus.LIVE)


def _kpi_plan(
    campaign: Campaign, mkt: User, sales: User, end: dt.date, units_baseline: float | None
) -> None:
    joint = [Function.MARKETING, Function.SALES]
    halfway = campaign.start_date + (end - campaign.start_date) / 2
    plan: list[tuple[User, str, float, float, dt.date, list[Function], str]] = [
        (
            mkt,
            "prework_completed",
            0,
            95,
            halfway,
            [Function.MARKETING],
            "Before each seminar cohort.",
        ),
        (mkt, "reps_certified", 0, 90, halfway, joint, "VHS exercise within ±0.5 v and role-play."),
        (sales, "clinics_reached", 0, 1200, end, [Function.SALES], ""),
        (sales, "vets_trained", 0, 1500, end, joint, "Customer trainings with field vets."),
        (sales, "customer_trainings_held", 0, 1000, end, [Function.SALES], ""),
        (mkt, "causal_uplift", 0, 10, end, joint, "Relative uplift, staggered DiD, 95% CI."),
    ]
    if units_baseline is not None:
        # Baseline from the sales data: the campaign's months at the pace of the 12
        # months before launch, so the target compares the same length of time.
        plan.append(
            (
                sales,
                "units_sold",
                units_baseline,
                round(units_baseline * 1.2),
                end,
                joint,
                "Baseline: the monthly pace of the 12 months before launch, over the "
                "campaign's months; target +20%.",
            )
        )
    for user, code, baseline, target, due, owners, notes in plan:
        services.kpi_set(
            campaign=campaign,
            user=user,
            code=code,
            baseline=float(baseline),
            target=float(target),
            due_date=due,
            owners=owners,
            notes=notes,
        )


# The demo's earlier campaigns, on the portfolio's other product lines (fictional brands of
# the simulator's company): what their briefs and one key message say.
EARLIER = {
    "Parivo": {
        "indication": "Flea and tick protection of dogs, all year round",
        "objective": "Get clinics to recommend monthly protection all year, not only in summer.",
        "segments": ["independent_small", "independent_large", "corporate_group"],
        "message": (
            "Protection that does not stop in winter",
            "Ticks are active whenever it is above about 4 °C: a monthly chew all year "
            "avoids the spring gap.",
        ),
    },
    "Arthrelle": {
        "indication": "Pain of canine osteoarthritis",
        "objective": "Get vets to check older dogs for osteoarthritis pain at every visit.",
        "segments": ["independent_small", "independent_large"],
        "message": (
            "Ask about stiffness at every senior visit",
            "Owners rarely mention stiffness; a two-question check at the senior visit "
            "finds dogs in pain.",
        ),
    },
}


def demo_reviewed_campaign_load(
    *,
    people: DemoPeople,
    name: str,
    product: str,
    why: str,
    start: dt.date,
    end: dt.date,
    skus: Sequence[str],
) -> Campaign:
    """An earlier campaign of the demo, run through its whole life with the services:
    co-created, signed by both leads, live, closed and reviewed (its leads' lessons are
    written by the measurement side, which owns them)."""
    mkt, sales, rev = people.marketing_lead, people.sales_lead, people.reviewer
    brief = EARLIER.get(product, EARLIER["Parivo"])
    campaign = services.campaign_create(
        user=mkt,
        name=name,
        product=product,
        indication=str(brief["indication"]),
        objective=str(brief["objective"]),
        why=why,
        start_date=start,
        end_date=end,
        marketing_lead=mkt,
        sales_lead=sales,
        target_segments=list(brief["segments"]),
        skus=selectors.products_with_skus(skus=skus),
    )
    services.campaign_transition(campaign=campaign, user=mkt, target=CampaignStatus.CO_CREATION)
    title, text = brief["message"]
    message = services.message_create(campaign=campaign, user=mkt, title=title, text=text)
    services.evidence_add(
        user=mkt,
        message=message,
        citation=f"{product} summary of product characteristics (a fictional demo product)",
        excerpt=text,
        level=EvidenceLevel.LABEL,
        reported=True,
    )
    services.message_approve(message=message, user=rev)
    joint = [Function.MARKETING, Function.SALES]
    for code, target, notes in (
        ("causal_uplift", 10.0, "Relative uplift, staggered DiD, 95% CI."),
        ("customer_trainings_held", 200.0, ""),
    ):
        services.kpi_set(
            campaign=campaign,
            user=mkt,
            code=code,
            baseline=0.0,
            target=target,
            due_date=end,
            owners=joint,
            notes=notes,
        )
    services.campaign_transition(campaign=campaign, user=mkt, target=CampaignStatus.READY)
    services.campaign_sign(campaign=campaign, user=mkt)
    services.campaign_sign(campaign=campaign, user=sales)
    for status in (CampaignStatus.LIVE, CampaignStatus.CLOSED, CampaignStatus.REVIEWED):
        campaign = services.campaign_transition(campaign=campaign, user=mkt, target=status)
    return campaign
