"""Fuzzed files through every importer's front door: the CRM import (API and page) and
the sales import pages. Whatever the file, the answer is the import, a clear 4xx, or a
page naming the problem; never a server error, and a refused file stores nothing.

The warehouse's own parsing is fuzzed in ``tests/analytics/warehouse``; here the files
go through the Django side (upload, mapping, preview, commit, mirror, audit).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.accounts.services import api_token_create
from onevoice.field import crm_import as crm
from onevoice.field.models import Clinic, CrmImport, Vet
from onevoice.measurement.models import SalesBatch

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------- cells

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE field_clinic;--",
        "ÄÖÜ café Genève",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🐶",
        "a" * 500,
        "\u202eevil",
        "line\nbreak",
        '"quoted, with comma"',
        "NaN",
        "-1",
        "1e308",
        "1,5",
        "1.234,5",
        "0x1F",
        "yes",
        "N1",
        "S1",
        "N",
        "North",
        "ZZ",
        "independent_small",
        "Corporate group",
        "vet@example.org",
        "not-an-email",
    ]
)
CELL = st.one_of(NASTY_TEXT, st.text(max_size=30), st.integers(-5, 10**6).map(str))


def _mostly(valid: list[str], odd: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """A valid value seven times in eight, else an odd one for this column or anything:
    a file's rows are then partly imported and partly refused."""
    other = st.one_of(st.sampled_from(odd), CELL) if odd else CELL
    return st.integers(0, 7).flatmap(lambda n: other if n == 0 else st.sampled_from(valid))


CLINIC_COLUMNS: dict[str, st.SearchStrategy[str]] = {
    "Account ID": _mostly(["CL-OWN", "cl-other ", "CL-900", "CL-901", ""]),
    "Account Name": _mostly(["Oak Vets", "Pine Vets", "Ash Clinic", "Café Vétérinaire"]),
    "Street": _mostly(["1 High St", ""]),
    "City": _mostly(["Leeds", "Bath", "Genève"]),
    "Region": _mostly(["N", "S", "North", "south"], ["ZZ", ""]),
    "Territory": _mostly(["N1", "S1", ""], ["ZZ9"]),
    "Segment": _mostly(["independent_small", "Corporate group", ""]),
    "Vets": _mostly(["3", "12", "1,200", ""], ["-1", "2.5"]),
    "Dogs per year": _mostly(["2400", "7 000", ""]),
    "Potential": _mostly(["6.5", "14", "3,5", ""]),
}
VET_COLUMNS: dict[str, st.SearchStrategy[str]] = {
    "Contact ID": _mostly(["V-900", "V-901", ""]),
    "Clinic code": _mostly(["CL-OWN", "CL-OTHER", "cl-own"]),
    "First name": _mostly(["Ana", "José", "Li"]),
    "Last name": _mostly(["Silva", "O'Brien", "Müller"]),
    "Role": _mostly(["associate", "owner", ""]),
    "Email": _mostly(["ana@example.org", ""]),
    "Phone": _mostly(["0123 456", ""]),
    "Consent": _mostly(["yes", "no", "1", ""]),
}
REQUIRED = {
    "clinics": ["Account Name", "Region"],
    "vets": ["Clinic code", "First name", "Last name"],
}


@st.composite
def crm_files(draw: Any) -> tuple[str, str, bytes]:
    """A CRM export: usually its required columns and mostly valid cells, with nasty
    values, missing or extra columns, ragged rows, any delimiter and encoding, and
    sometimes truncated or followed by garbage."""
    kind = draw(st.sampled_from(["clinics", "vets"]))
    columns = CLINIC_COLUMNS if kind == "clinics" else VET_COLUMNS
    optional = [c for c in columns if c not in REQUIRED[kind]]
    headers = list(REQUIRED[kind]) if draw(st.integers(0, 9)) else []
    headers += draw(st.lists(st.sampled_from(optional), unique=True))
    headers = draw(st.permutations(headers)) if headers else ["Notes"]
    extra = draw(st.lists(st.sampled_from(["Notes", "", "Comment"]), max_size=1, unique=True))
    rows = []
    for _ in range(draw(st.integers(0, 10))):
        row = [draw(columns.get(h, CELL)) for h in headers] + [draw(CELL) for _ in extra]
        if not draw(st.integers(0, 9)):
            row = row[: draw(st.integers(0, len(row)))]  # a ragged row
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t", "|"])))
    writer.writerow(headers + extra)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    content = out.getvalue().encode(encoding, errors="replace")
    mangle = draw(st.sampled_from(["none", "none", "none", "truncate", "garbage", "empty"]))
    if mangle == "truncate":
        content = content[: draw(st.integers(0, len(content)))]
    elif mangle == "garbage":
        content += draw(st.binary(max_size=40))
    elif mangle == "empty":
        content = b""
    name = draw(
        st.sampled_from(["crm.csv", "crm.csv", "crm.txt", "crm.xlsx", "crm", "../../etc/crm.csv"])
    )
    return kind, name, content


@given(name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a"]), content=st.binary(max_size=400))
@settings(max_examples=200, deadline=None)
def test_crm_reader_reads_any_bytes_or_refuses_them_naming_the_file(name, content):
    try:
        table = crm.read_table(file_name=name, content=content)
    except crm.ImportFileError as exc:
        refusal = str(exc)
    else:
        assert table.headers
        assert all(number > table.header_row for number, _ in table.rows)
        return
    assert refusal.startswith(name)


def _stored() -> tuple[int, int, int, int]:
    return (
        Clinic.objects.count(),
        Vet.objects.count(),
        CrmImport.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def admin_api(org):
    _, key = api_token_create(user=org.users[Role.ADMIN], name="fuzz")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@FUZZ
@given(upload=crm_files())
def test_crm_api_imports_or_refuses_any_file_and_counts_every_row(org, admin_api, upload):
    from tests.field.factories import world

    world(org)  # stored clinics and vets the file may match
    kind, name, content = upload
    before = _stored()
    response = admin_api.post(
        reverse("api:field_import_create"),
        {"file": SimpleUploadedFile(name, content), "kind": kind},
    )
    assert response.status_code in {201, 400}, response.content
    if response.status_code == 400:
        event("crm api: file refused")
        assert response.json()["detail"]
        assert _stored() == before  # a refused file stores nothing
        return
    preview = response.json()
    import_id = preview["id"]
    commit_url = reverse("api:field_import_commit", kwargs={"import_id": import_id})
    stored = Clinic.objects.count() if kind == "clinics" else Vet.objects.count()
    response = admin_api.post(commit_url)
    assert response.status_code in {200, 400}, response.content
    if response.status_code == 400:
        event("crm api: commit refused")
        assert response.json()["detail"]
        after = Clinic.objects.count() if kind == "clinics" else Vet.objects.count()
        assert after == stored  # nothing imported when the commit is refused
        return
    report = response.json()
    counts = report["counts"]
    event(
        f"crm api: committed, new rows: {min(counts['new'], 2)}, refused: {min(counts['refused'], 2)}"
    )
    table = crm.read_table(file_name=name, content=content)
    assert sum(counts.values()) == len(table.rows)  # every row is accounted for
    after = Clinic.objects.count() if kind == "clinics" else Vet.objects.count()
    assert after - stored == counts["new"]
    for problem in report["problems"]:
        assert problem["reason"]
        assert problem["row"] > table.header_row
    assert AuditEvent.objects.filter(action="crm_import.commit", object_id=str(import_id)).exists()


@FUZZ
@given(upload=crm_files())
def test_crm_import_pages_never_fail_on_any_file(org, client, upload):
    client.force_login(org.users[Role.ADMIN])
    kind, name, content = upload
    before = _stored()
    response = client.post(
        reverse("field:imports"), {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert _stored() == before
        return
    detail_url = response["Location"]
    assert client.get(detail_url).status_code == 200
    assert client.get(detail_url + "refused.csv").status_code == 200
    committed = client.post(detail_url + "commit/")
    assert committed.status_code == 302
    assert client.get(detail_url).status_code == 200
    assert client.get(detail_url + "refused.csv").status_code == 200


# --------------------------------------------------------------------------- sales


@pytest.fixture
def sales_home(org, settings, tmp_path):
    from onevoice.campaigns.models import Product

    settings.SALES_DATASET_DIR = tmp_path / "sales"
    settings.ONEVOICE_HOME = tmp_path
    for code in ("C1", "C2"):
        Clinic.objects.create(code=code, name=code, region=org.north, segment="independent_small")
    Product.objects.create(
        sku="SKU-1",
        name="Pimobendan 2.5 mg x 100",
        strength_mg=2.5,
        tablets_per_pack=100,
        list_price=30,
        treatment_months_per_pack=1.64,
    )
    return tmp_path


SALES_CELLS = {
    "clinic_id": _mostly(["C1", "C2", "c1 "], ["NOPE"]),
    "date": _mostly(["2026-01-15", "2026-02-28", "2025-12-01"], ["2026-13-01", "2999-01-01"]),
    "sku": _mostly(["SKU-1"], ["SKU-2", "sku-1"]),
    "units": _mostly(["3", "0", "12"], ["-2", "1.5", "1,5", "NaN", "1e308", "12 000"]),
    "net_revenue": _mostly(["90.0", "15"], ["90,00", "-10", "1e400", "€90", "1.234,56"]),
    "currency": _mostly(["EUR"], ["eur", "USD", "€"]),
}
REQUIRED_SALES = ["clinic_id", "date", "sku", "units"]


@st.composite
def sales_files(draw: Any) -> tuple[str, bytes]:
    """A distributor file: usually the required columns, mostly valid cells."""
    columns = list(REQUIRED_SALES) if draw(st.integers(0, 9)) else []
    columns += draw(st.lists(st.sampled_from(["net_revenue", "currency"]), unique=True))
    columns = list(draw(st.permutations(columns))) if columns else ["notes"]
    rows = [
        [draw(SALES_CELLS.get(c, CELL)) for c in columns] for _ in range(draw(st.integers(0, 8)))
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    writer.writerow([c.upper() if draw(st.integers(0, 9)) == 0 else c for c in columns])
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "cp1252", "utf-16"]))
    content = out.getvalue().encode(encoding, "replace")
    if not draw(st.integers(0, 4)):
        content += draw(st.binary(max_size=30))
    name = draw(
        st.sampled_from(
            [
                "jan.csv",
                "jan.csv",
                "jan.tsv",
                "jan.txt",
                "jan.xlsx",
                "jan.parquet",
                "jan.html",
                "jan",
            ]
        )
    )
    return name, content


# The mapping form as a browser could post it: usually as offered, sometimes forged.
MAPPING_FORM: st.SearchStrategy[dict[str, str]] = st.one_of(
    st.just({}),
    st.just({}),
    st.fixed_dictionaries(
        {
            "decimal": st.sampled_from(["", ".", ",", ";"]),
            "currency": st.sampled_from(["", "EUR", "usd", "€", "EURO"]),
            "date_format": st.sampled_from(
                ["", "%Y-%m-%d", "%d/%m/%Y", "%", "%Q", "%Y-%m-%d%", "{0}", "%s" * 20]
            ),
            "col_units": st.sampled_from(["", "units", "UNITS", "nope"]),
            "col_clinic_id": st.sampled_from(["", "clinic_id", "CLINIC_ID"]),
        }
    ),
)


def _dataset_rows() -> int:
    from onevoice.measurement.sales import sales_dataset

    return sales_dataset().to_arrow().num_rows


@FUZZ
@given(upload=sales_files(), mapping=MAPPING_FORM)
def test_sales_import_pages_import_or_refuse_any_file_without_losing_rows(
    org, client, sales_home, upload, mapping
):
    client.force_login(org.users[Role.ANALYST])
    name, content = upload
    batches, rows_before = SalesBatch.objects.count(), _dataset_rows()
    response = client.post(
        reverse("measurement:sales"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code in {200, 302}
    if response.status_code == 200:  # the upload form again, saying why
        event("sales: upload refused")
        assert "errorlist" in response.content.decode() or "must be" in response.content.decode()
        assert SalesBatch.objects.count() == batches
        return
    preview_url = response["Location"]
    assert client.get(preview_url).status_code == 200
    response = client.post(preview_url, mapping)
    assert response.status_code in {200, 302}
    if response.status_code == 200:  # refused: the page names the problem
        event("sales: import refused")
        assert SalesBatch.objects.count() == batches
        assert _dataset_rows() == rows_before
        return
    found = re.search(r"/sales/batches/([^/]+)/", response["Location"])
    assert found is not None
    batch_id = found.group(1)
    batch = SalesBatch.objects.get(batch_id=batch_id)
    if SalesBatch.objects.count() == batches:  # the same file again: nothing new stored
        event("sales: duplicate")
        assert _dataset_rows() == rows_before
        return
    event(
        f"sales: stored {min(batch.rows_stored, 1)}, quarantined {min(batch.rows_quarantined, 1)}"
    )
    assert batch.rows_read == batch.rows_stored + batch.rows_quarantined
    assert _dataset_rows() == rows_before + batch.rows_stored
    assert AuditEvent.objects.filter(action="sales.import", object_id=str(batch.pk)).exists()
    assert client.get(response["Location"]).status_code == 200
    quarantine = client.get(reverse("measurement:sales_quarantine", args=[batch_id]))
    assert quarantine.status_code == 200


@pytest.mark.parametrize("date_format", ["%", "%Y-%m-%d%", "%Q"])
def test_a_malformed_date_format_is_refused_on_the_page(org, client, sales_home, date_format):
    """Found by the property above: the mapping form's date format goes to DuckDB's
    strptime, which raised on a stray '%' (a server error instead of a reason)."""
    client.force_login(org.users[Role.ANALYST])
    content = b"clinic_id,date,sku,units\nC1,15/01/2026,SKU-1,3\n"
    response = client.post(
        reverse("measurement:sales"), {"file": SimpleUploadedFile("jan.csv", content)}
    )
    response = client.post(response["Location"], {"date_format": date_format})
    assert response.status_code == 200  # the preview again, naming the problem
    assert 'data-testid="import-error"' in response.content.decode()
    assert not SalesBatch.objects.exists()
