"""Where every clinical figure comes from, with how sure we are of it.

The figures and their status follow ``shared/domain/heart.md``: a source is *confirmed*
when its figure was read in the cited abstract or page, and *reported* when it is a
secondary source, recalled, or derived; the product shows reported figures as "reported".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["study", "consensus", "summary", "manufacturer"]


@dataclass(frozen=True)
class Source:
    """One publication or page the aid relies on.

    ``confirmed`` is False when the figure taken from it is recalled or its attribution
    unconfirmed; ``caveat`` says what exactly is uncertain.
    """

    key: str
    short: str
    citation: str
    kind: SourceKind
    confirmed: bool
    url: str = ""
    caveat: str = ""

    @property
    def reported(self) -> bool:
        return not self.confirmed


def _s(
    key: str,
    short: str,
    citation: str,
    kind: SourceKind,
    confirmed: bool = True,
    url: str = "",
    caveat: str = "",
) -> Source:
    return Source(key, short, citation, kind, confirmed, url, caveat)


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        _s(
            "buchanan1995",
            "Buchanan & Bücheler 1995",
            "Buchanan JW, Bücheler J. JAVMA 1995;206:194–199.",
            "study",
            caveat="Mean 9.7 ± 0.5 v in 100 normal dogs, as quoted by Kraetschmer 2008 and "
            "Jepsen-Grant 2013.",
        ),
        _s(
            "upenn_vhs",
            "UPenn radiology: VHS",
            "University of Pennsylvania School of Veterinary Medicine, radiology case 4: "
            "vertebral heart score (summary of the method and limits).",
            "summary",
            url="https://cal.vet.upenn.edu/projects/radiology/case4/vhs.html",
        ),
        _s(
            "cb_measuring_vhs",
            "Clinician's Brief: Measuring VHS",
            "Clinician's Brief. Measuring vertebral heart score.",
            "summary",
        ),
        _s(
            "lamb2001",
            "Lamb et al. 2001",
            "Lamb et al. Vet Rec 2001;148:707.",
            "study",
            confirmed=False,
            caveat="Only the Cavalier figure (10.6 ± 0.5) is confirmed, via Bagardi 2022; "
            "the other breed means are recalled. The abstract confirms only the ranking: "
            "Boxer highest, Labrador above every breed except Boxer and Cavalier.",
        ),
        _s(
            "bagardi2022",
            "Bagardi et al. 2022",
            "Bagardi et al. Vet Radiol Ultrasound 2022 (PMC9299495).",
            "study",
            url="https://pmc.ncbi.nlm.nih.gov/articles/PMC9299495/",
        ),
        _s(
            "vetmedin_modules",
            "Vetmedin mini-modules",
            "Breed VHS ranges in a manufacturer's teaching module (vetmedinminimodules.com).",
            "manufacturer",
            url="https://vetmedinminimodules.com",
            caveat="Manufacturer teaching material, not a peer-reviewed study.",
        ),
        _s(
            "kraetschmer2008",
            "Kraetschmer et al. 2008",
            "Kraetschmer et al. J Small Anim Pract 2008.",
            "study",
        ),
        _s(
            "bavegems2005",
            "Bavegems et al. 2005",
            "Bavegems et al. Vet Radiol Ultrasound 2005;46:400.",
            "study",
        ),
        _s(
            "greyhound_vhs",
            "Greyhound VHS study",
            "Greyhound VHS study, abstract via bvsalud (Samii co-author).",
            "study",
            caveat='The figure is confirmed; the attribution "Marin et al., Vet Radiol '
            'Ultrasound 2007" is not.',
        ),
        _s(
            "jaaha2017_dachshund",
            "JAAHA 2017 (Dachshunds)",
            "Dachshund VHS study. J Am Anim Hosp Assoc 2017;53(2):73.",
            "study",
            caveat='The figures are confirmed; the first author "Birks" is recalled.',
        ),
        _s(
            "jepsen_grant2013",
            "Jepsen-Grant et al. 2013",
            "Jepsen-Grant et al. Vet Radiol Ultrasound 2013;54:3–8.",
            "study",
            confirmed=False,
            caveat="Confirmed: Pug, Pomeranian, Bulldog and Boston Terrier are significantly "
            "above 9.7, and anomalous vertebrae raise VHS in Bulldogs and Boston Terriers. "
            "The breed means are recalled.",
        ),
        _s(
            "murphy2024",
            "Murphy et al. 2024",
            "Murphy et al. Am J Vet Res 2024 (Miniature Schnauzers).",
            "study",
        ),
        _s(
            "malcolm2018",
            "Malcolm et al. 2018",
            "Malcolm et al. JAVMA 2018;253:1038.",
            "study",
            confirmed=False,
            caveat="The citation is confirmed; the landmark wording and the attribution of "
            "the ≥2.3 cut-off are recalled.",
        ),
        _s(
            "vezzosi2020",
            "Vezzosi et al. 2020",
            "Vezzosi et al. Vet Radiol Ultrasound 2020;61:507.",
            "study",
        ),
        _s(
            "acvim2020_vlas_abstract",
            "ACVIM Forum 2020 abstract (VLAS)",
            "ACVIM Forum 2020 abstract comparing VLAS and VHS (eventscribe.com).",
            "study",
        ),
        _s(
            "javma2020_vlas",
            "JAVMA 2020 (VLAS for stage B2)",
            "VLAS cut-offs for ACVIM stage B2. JAVMA 2020;256(10):1129 (M.B. Rak co-author).",
            "study",
            caveat='The figures are confirmed; the first author "Mikawa" is recalled.',
        ),
        _s(
            "cb_castaneda2022",
            "Castaneda & Estrada 2022",
            "Castaneda & Estrada. Clinician's Brief 2022 (vertebral left atrial size).",
            "summary",
        ),
        _s(
            "poad2020",
            "Poad et al. 2020",
            "Poad et al. J Vet Intern Med 2020;34:1728 (VHS in preclinical MMVD).",
            "study",
        ),
        _s(
            "keene2019",
            "ACVIM consensus 2019 (Keene et al.)",
            "Keene et al. ACVIM consensus on myxomatous mitral valve disease. "
            "J Vet Intern Med 2019;33:1127, doi:10.1111/jvim.15488. Stage criteria as "
            "tabulated by Vet Times 2020, Clinician's Brief and In Practice.",
            "consensus",
            url="https://doi.org/10.1111/jvim.15488",
            caveat="Read through published summaries; the verbatim consensus text was not "
            "available.",
        ),
        _s(
            "acvim_radiographic_proxy",
            "ACVIM radiographic B2 criteria (as summarised)",
            "Clinician's Brief paraphrase of the 2019 consensus (\"a general breed VHS ≥11.5 "
            'or an increase above breed-specific VHS normal values"); staging poster: '
            '"VHS ≥11.5*, VLAS ≥3*, useful as an adjunct to/in the absence of '
            'echocardiography" (INTCA poster).',
            "summary",
            confirmed=False,
            caveat="The verbatim consensus text was not available, including whether it says "
            '"≥" or ">"; treat the exact wording as reported.',
        ),
        _s(
            "boehringer_breed_vhs",
            "Boehringer Ingelheim: Breed-specific VHS",
            'Boehringer Ingelheim material "Breed-specific VHS" (docslib).',
            "manufacturer",
            caveat="Manufacturer guidance, not the consensus.",
        ),
        _s(
            "boswood2016_epic",
            "EPIC trial (Boswood et al. 2016)",
            "Boswood et al. The EPIC study. J Vet Intern Med 2016;30:1765 (PMC5115200).",
            "study",
            url="https://pmc.ncbi.nlm.nih.gov/articles/PMC5115200/",
        ),
        _s(
            "wess2017_esvc",
            "ESVC Dobermann DCM guideline (Wess et al. 2017)",
            "Wess et al. ESVC screening guideline for DCM in Dobermanns. "
            "J Vet Cardiol 2017;19:405.",
            "consensus",
        ),
    )
}


def source(key: str) -> Source:
    """The source registered under ``key`` (KeyError for a typo, caught by the tests)."""
    return SOURCES[key]


def sources(*keys: str) -> tuple[Source, ...]:
    return tuple(SOURCES[k] for k in keys)


def merge_sources(*groups: tuple[Source, ...]) -> tuple[Source, ...]:
    """The union of several source tuples, first occurrence first."""
    seen: dict[str, Source] = {}
    for group in groups:
        for s in group:
            seen.setdefault(s.key, s)
    return tuple(seen.values())
