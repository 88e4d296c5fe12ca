"""The post-implementation review: the CLI and the button give the same self-contained
files, deterministic for the same data; the HTML parses, the PDF has pages and images,
the workbook has its sheets; the leads write the lessons in the app."""

from __future__ import annotations

import csv
import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from onevoice.accounts.choices import Role
from onevoice.measurement.models import ReviewLesson, UpliftAnalysis
from onevoice.measurement.review import negative_control_lines
from tests.measurement.kpi_world import kpi_world, stored_uplift
from tests.measurement.test_uplift import launch_loaded  # noqa: F401 - fixture


class Outline(HTMLParser):
    """What a reader of the HTML file sees: sections, tables, inline SVGs, links out."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.tables: list[str] = []
        self.svgs = 0
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("data-section") or "")
        if tag == "table":
            self.tables.append(a.get("data-table") or "")
        if tag == "svg":
            self.svgs += 1
        for key in ("src", "href"):
            value = a.get(key) or ""
            if tag in {"script", "link", "img"} and value:
                self.external.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def outline(html: bytes) -> Outline:
    parser = Outline()
    parser.feed(html.decode("utf-8"))
    return parser


def _run(slug: str, out: Path) -> dict[str, bytes]:
    from onevoice.cli import app

    result = CliRunner().invoke(app, ["report", slug, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {p.suffix: p.read_bytes() for p in out.iterdir()}


def test_cli_review_of_the_simulated_launch_is_complete_and_deterministic(
    launch_loaded,  # noqa: F811
    tmp_path,
):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.facts import latest_uplift

    campaign = Campaign.objects.get(status="live")
    first = _run(campaign.slug, tmp_path / "one")
    # No analysis existed: the report ran one and used it; the second run reuses it.
    analysis = latest_uplift(campaign)
    assert analysis is not None
    assert analysis.status == "done", analysis.error
    runs = list(UpliftAnalysis.objects.filter(campaign=campaign))
    assert [a.pk for a in runs if not a.options["skus"]] == [analysis.pk]
    # ...and the campaign's design on each product line it never trained on, once (at
    # 400 clinics the lines another campaign trained leave too few clinics: those runs
    # fail with their reason, which the review shows).
    controls = [a for a in runs if a.options["skus"]]
    assert sorted(tuple(a.options["skus"]) for a in controls) == sorted(
        tuple(skus) for line, skus in negative_control_lines(campaign).items()
    )
    dermiva = next(a for a in controls if a.options["skus"][0].startswith("DRM"))
    assert dermiva.status == "done", dermiva.error
    assert dermiva.result["negative_control"] is True
    assert set(negative_control_lines(campaign)) == {
        "Arthrelle",
        "Dermiva",
        "Parivo",
    }
    # ...and added the effect by who delivered the first training.
    analysis.refresh_from_db()
    subgroups = analysis.result["subgroups"]
    assert [(r["split"], r["group"]) for r in subgroups] == [
        ("certified_rep", "Delivered by a certified rep"),
        ("certified_rep", "Delivered by a rep not certified (yet)"),
        ("certified_rep", "Difference"),
        ("field_vet", "Co-delivered with a technical field vet"),
        ("field_vet", "Delivered by the rep alone"),
        ("field_vet", "Difference"),
    ]
    sides = [r for r in subgroups if r["group"] != "Difference"]
    assert all(r["trained_clinics"] > 0 and r.get("relative") is not None for r in sides), [
        (r["group"], r["trained_clinics"], r.get("error")) for r in sides
    ]
    by_split = {
        s: sum(r["trained_clinics"] for r in sides if r["split"] == s)
        for s in ("certified_rep", "field_vet")
    }
    assert (
        by_split["certified_rep"] == by_split["field_vet"]
    )  # the same trained clinics, split two ways
    second = _run(str(campaign.pk), tmp_path / "two")
    assert set(first) == {".html", ".pdf", ".xlsx"}
    assert first[".html"] == second[".html"]
    assert first[".xlsx"] == second[".xlsx"]

    page = outline(first[".html"])
    assert page.sections == [
        "objectives",
        "marketing",
        "sales",
        "effect",
        "negative_controls",
        "portfolio",
        "breakdowns",
        "lessons",
        "sources",
    ]
    assert {
        "KPIs shared",
        "Event study",
        "Negative controls",
        "By who delivered",
        "Portfolio",
        "By region",
        "By segment",
        "By rep",
    } <= set(page.tables)
    assert page.svgs >= 4  # charts inline, nothing to fetch
    assert page.external == []
    text = " ".join(page.text)
    result = analysis.result
    assert f"{result['naive']['ratio']:.1f}×" in text
    rel = result["uplift"]["relative_uplift"]
    assert f"{100 * rel['estimate']:.1f}% ({100 * rel['ci_low']:.1f}% to" in text
    assert "Incremental net revenue" in text
    sample = result["sample"]
    assert (
        f"{sample['trained_clinics']} trained clinics were compared with "
        f"{sample['control_clinics']} clinics the campaign did not train" in text
    )
    assert ", ".join(result["campaign"]["skus"]) in text
    assert "descriptive" in text
    # How strong a break in trends would overturn the conclusion, in a sentence.
    sentences = result["sensitivity"]["summary"]
    assert sentences
    assert sentences[0] in text
    assert "Not written yet." in text  # no lessons yet

    reader = PdfReader(io.BytesIO(first[".pdf"]))
    assert len(reader.pages) >= 3
    assert sum(len(p.images) for p in reader.pages) >= 4
    assert "Did training vets lift sales?" in "".join(p.extract_text() for p in reader.pages)

    book = load_workbook(io.BytesIO(first[".xlsx"]))
    assert book.sheetnames[0] == "Summary"
    assert {"KPIs shared", "Trainings by format", "Event study", "By rep"} <= set(book.sheetnames)
    by_rep = book["By rep"]
    assert by_rep["A2"].value == "Rep"
    assert by_rep.max_row - 2 >= len(launch_loaded.reps)


def test_report_names_a_missing_campaign(db):
    from onevoice.cli import app

    result = CliRunner().invoke(app, ["report", "no-such-campaign"])
    assert result.exit_code == 1
    assert "no campaign with id or slug 'no-such-campaign'" in result.output


@pytest.fixture
def world(org, tmp_path, settings):
    return kpi_world(org, tmp_path, settings)


def test_both_leads_write_lessons_that_the_review_files_carry(world, org, client):
    campaign = world.campaign
    stored_uplift(campaign)
    url = reverse("measurement:review", args=[campaign.slug])
    mkt, sales = org.users[Role.MARKETING], org.users[Role.SALES_MANAGER]
    for lead, text in ((mkt, "Pre-work before the seminar worked."), (sales, "Train webinars.")):
        client.force_login(lead)
        page = client.get(url).content.decode()
        assert 'data-testid="lessons-form"' in page
        assert client.post(url, {"text": text}).status_code == 302
    assert set(ReviewLesson.objects.values_list("function", "text")) == {
        ("marketing", "Pre-work before the seminar worked."),
        ("sales", "Train webinars."),
    }
    client.force_login(org.users[Role.ANALYST])
    assert 'data-testid="lessons-form"' not in client.get(url).content.decode()
    assert client.post(url, {"text": "Mine"}).status_code == 403
    html = client.get(reverse("measurement:review_file", args=[campaign.slug, "html"]))
    assert html["Content-Disposition"].endswith('.html"')
    # It names reps and leads: no browser or proxy keeps a copy.
    assert "no-store" in html["Cache-Control"]
    text = " ".join(outline(html.content).text)
    assert "Pre-work before the seminar worked." in text
    assert "Train webinars." in text
    # Objectives against results carry the hand-checked KPI values of kpi_world.
    assert "Customer trainings held" in text
    produced = client.post(reverse("measurement:review_produce", args=[campaign.slug]))
    assert produced.status_code == 200
    assert "no-store" in produced["Cache-Control"]
    names = zipfile.ZipFile(io.BytesIO(produced.content)).namelist()
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["html", "pdf", "xlsx"]
    # The stored analysis was used: the button ran none.
    assert UpliftAnalysis.objects.count() == 1


def test_the_review_describes_the_data_not_the_day_it_is_made(world, org, client):
    from onevoice.measurement.review import review_document

    doc = review_document(campaign=world.campaign)
    # The last data: D's sale of 10 January 2026 (its month's end), within the campaign.
    assert doc.as_of.isoformat() == "2026-01-31"
    client.force_login(org.users[Role.SALES_REP])
    assert client.get(reverse("measurement:review", args=[world.campaign.slug])).status_code == 403


# ---------------------------------------------------------------- across campaigns

# BCG vaccine trials (Colditz et al. 1994), log relative risks: tpos, tneg, cpos, cneg.
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]


def test_portfolio_pools_the_reviewed_campaigns(org, client):
    from onevoice.analytics.meta import meta_analysis
    from onevoice.campaigns.choices import CampaignStatus
    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.portfolio import Z95
    from tests.campaigns.conftest import make_campaign

    reviewed = [
        ("Cardio A", 0.10, (0.02, 0.18), ("CDV-1",)),
        ("Cardio B", 0.20, (0.12, 0.28), ("PRF-1",)),
        ("Derm C", 0.05, (-0.05, 0.15), ("DRM-1",)),
    ]
    for name, estimate, ci, skus in reviewed:
        c = make_campaign(org, name=name)
        Campaign.objects.filter(pk=c.pk).update(status=CampaignStatus.REVIEWED)
        stored_uplift(c, estimate=estimate, ci=ci, skus=skus)
    live = make_campaign(org, name="Live one")
    Campaign.objects.filter(pk=live.pk).update(status=CampaignStatus.LIVE)
    stored_uplift(live, estimate=0.5, ci=(0.3, 0.7), skus=("NEW-1",))
    # Refused from the pool, each with its reason: a campaign measured on the same SKU
    # over the same months as Cardio A, one analysed before campaign scope (no SKUs
    # recorded), and one measuring revenue instead of units.
    twin = make_campaign(org, name="Cardio twin")
    old = make_campaign(org, name="Old analysis")
    revenue = make_campaign(org, name="Revenue one")
    for c in (twin, old, revenue):
        Campaign.objects.filter(pk=c.pk).update(status=CampaignStatus.REVIEWED)
    stored_uplift(twin, estimate=0.3, ci=(0.2, 0.4), skus=("CDV-1",))
    stored_uplift(old, skus=())
    stored_uplift(revenue, skus=("REV-1",), options={"outcome": "net_revenue", "control": "notyet"})
    expected = meta_analysis(
        [e for _, e, _, _ in reviewed],
        [(hi - lo) / (2 * Z95) for _, _, (lo, hi), _ in reviewed],
        method="DL",
        test="knha",
    )
    client.force_login(org.users[Role.SALES_MANAGER])
    html = client.get(reverse("measurement:portfolio")).content.decode()
    assert f"{100 * expected.estimate:.1f}% ({100 * expected.ci_low:.1f}% to" in html
    assert f"I² = {expected.i2:.0f}%" in html
    assert "Hartung–Knapp–Sidik–Jonkman (t, 2 df)" in html
    # The answer in one sentence: three campaigns of 5-20% with overlapping intervals.
    verdict = (
        "As a rule, training lifted sales: " if expected.ci_low > 0 else "Not shown as a rule yet: "
    )
    assert f'data-testid="portfolio-verdict"><strong>{verdict}' in html
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("measurement:portfolio_csv")).content.decode())
        )
    )
    assert [r["campaign"] for r in rows][-1] == "Pooled (3 reviewed campaigns)"
    pooled = {r["campaign"]: r["pooled"] for r in rows[:-1]}
    assert {k: v for k, v in pooled.items() if v == "yes"} == {
        "Cardio A": "yes",
        "Cardio B": "yes",
        "Derm C": "yes",
    }
    assert pooled["Live one"] == "no: not reviewed yet: joins the pool once reviewed"
    assert pooled["Cardio twin"] == (
        "no: shares CDV-1 with Cardio A over overlapping months: the same sales would count twice"
    )
    assert pooled["Old analysis"].startswith("no: analysed before campaign scope")
    assert pooled["Revenue one"].startswith(
        "no: measures net revenue against not-yet-trained controls, unlike the pooled"
    )
    assert float(rows[-1]["uplift_pct"]) == pytest.approx(100 * expected.estimate, abs=0.01)
    client.force_login(org.users[Role.SALES_REP])
    assert client.get(reverse("measurement:portfolio")).status_code == 403
