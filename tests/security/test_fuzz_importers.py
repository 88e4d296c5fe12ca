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
import struct
from collections.abc import Sequence
from pathlib import Path
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
from tests.security.support import state_diff, stored_state

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
    if draw(st.integers(0, 3)) == 0:
        # A real workbook or Parquet file of any cell types (tests/analytics: the same
        # generators), now and then cut short.
        from tests.analytics.warehouse.strategies import messy_parquet, messy_workbooks

        suffix, files = draw(
            st.sampled_from([(".xlsx", messy_workbooks()), (".parquet", messy_parquet())])
        )
        content = draw(files)[0]
        if draw(st.booleans()):
            content = content[: draw(st.integers(0, len(content)))]
        name = f"jan{suffix}"
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


# --------------------------------------------------------------------------- uploads
#
# Every other place a user hands the app a file: training images (hotspot questions),
# radiographs (PNG, JPEG, DICOM) and campaign assets. The answer is the stored file or
# the form again naming the problem; a refusal leaves both the database and the media
# folder as they were.


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """A media folder of the test's own: the default one is shared with other runs."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _media_files() -> set[str]:
    from django.conf import settings as django_settings

    root = Path(django_settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _png_header(width: int, height: int) -> bytes:
    """A PNG signature and an IHDR claiming any size (the pixels need not follow)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0"


def _jpeg(width: int, height: int) -> bytes:
    """A JPEG start, a start-of-frame with the size, and the end marker."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


@st.composite
def dicom_files(draw: Any) -> bytes:
    """A DICOM file written by pydicom with plausible-to-absurd image attributes."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = draw(
        st.sampled_from([ExplicitVRLittleEndian] * 3 + [JPEGBaseline8Bit])
    )
    ds = FileDataset("scan.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    rows = draw(st.sampled_from([0, 1, 2, 16, 40, 8001, 65535]))
    cols = draw(st.sampled_from([0, 1, 3, 16, 40, 8001, 65535]))
    bits = draw(st.sampled_from([1, 8, 16, 32]))
    samples = draw(st.sampled_from([1, 1, 3]))
    frames = draw(st.sampled_from([1, 1, 2, 0]))
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = draw(st.sampled_from([0, 1]))
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = draw(
        st.sampled_from(["MONOCHROME2", "MONOCHROME1", "RGB", "YBR_FULL", "PALETTE COLOR"])
    )
    if samples > 1:
        ds.PlanarConfiguration = 0
    if draw(st.booleans()):
        ds.NumberOfFrames = frames
    for keyword, values in (
        ("RescaleSlope", ["1", "0", "-1", "1e308", "0.5"]),
        ("RescaleIntercept", ["0", "-1024", "1e308"]),
        ("WindowCenter", ["40", "0", "-1e308"]),
        ("WindowWidth", ["400", "0", "1", "-5", "1e308"]),
    ):
        if draw(st.booleans()):
            setattr(ds, keyword, draw(st.sampled_from(values)))
    if draw(st.booleans()):
        ds.PixelSpacing = draw(st.sampled_from([["0.1", "0.1"], ["0", "0"], ["-1", "2"]]))
    exact = rows * cols * max(bits // 8, 1) * samples * max(frames, 1)
    size = draw(st.sampled_from(["exact", "short", "long", "empty", "none"]))
    if size != "none":
        length = {"exact": exact, "short": exact // 2, "long": exact + 2, "empty": 0}[size]
        if length > 400_000:  # an absurd size is claimed, not sent
            length = 64
        fill = draw(st.sampled_from([b"\0", b"\x80", b"\xff", b"\x12\x34"]))
        ds.PixelData = (fill * (length // len(fill) + 1))[:length]
    out = io.BytesIO()
    try:
        ds.save_as(out, enforce_file_format=True)
    except Exception:  # pydicom refuses to write some absurd combinations: send the start
        return b"\0" * 128 + b"DICM" + draw(st.binary(max_size=200))
    return out.getvalue()


IMAGE_NAMES = st.sampled_from(
    [
        "scan.png",
        "scan.jpg",
        "scan.dcm",
        "scan",
        "scan.html",
        "scan.png.html",
        "€€€",
        "€€€.png",
        "ümlaut röntgen.jpg",
        "a" * 240 + ".png",
        "../../etc/scan.png",
        ".png",
        "CON.png",
        "x\u202egnp.html",
    ]
)


@st.composite
def image_files(draw: Any) -> tuple[str, bytes]:
    """An image upload: a real small PNG, a header claiming any size, a JPEG frame, a
    DICOM file, HTML or noise; sometimes truncated or followed by garbage."""
    from tests.training.factories import tiny_png

    kind = draw(st.sampled_from(["png", "png_header", "jpeg", "dicom", "dicom", "html", "noise"]))
    side = st.sampled_from([0, 1, 40, 8000, 8001, 65535, 2**31 - 1, 2**32 - 1])
    if kind == "png":
        content = tiny_png(draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    elif kind == "png_header":
        content = _png_header(draw(side), draw(side))
    elif kind == "jpeg":
        content = _jpeg(draw(side.filter(lambda n: n < 2**16)), draw(st.integers(0, 2**16 - 1)))
    elif kind == "dicom":
        content = draw(dicom_files())
    elif kind == "html":
        content = b"<html><script>alert(document.cookie)</script></html>"
    else:
        content = draw(st.binary(max_size=300))
    mangle = draw(st.sampled_from(["none", "none", "none", "truncate", "garbage", "flip"]))
    if mangle == "truncate":
        content = content[: draw(st.integers(0, len(content)))]
    elif mangle == "garbage":
        content += draw(st.binary(min_size=1, max_size=40))
    elif mangle == "flip" and content:
        at = draw(st.integers(0, len(content) - 1))
        content = content[:at] + bytes([content[at] ^ 0xFF]) + content[at + 1 :]
    return draw(IMAGE_NAMES), content


def _refusal_shown(response: Any) -> bool:
    """The form came back with a reason: for the whole form or beside a field."""
    page = response.content.decode()
    return 'data-testid="error"' in page or 'data-testid="field-error"' in page


def _served_as_an_image_or_attachment(response: Any) -> None:
    assert response.status_code == 200
    attachment = response.get("Content-Disposition", "").startswith("attachment")
    assert attachment or response["Content-Type"] in {"image/png", "image/jpeg"}, response[
        "Content-Type"
    ]


@FUZZ
@given(
    upload=image_files(),
    reference=st.sampled_from(["11.2", "11.2", "5", "16", "4.99", "nan", "inf", "1e400", ""]),
)
def test_radiograph_upload_stores_the_case_or_refuses_it_naming_the_problem(
    org, client, media, upload, reference
):
    from onevoice.training.models import VhsCase
    from tests.training.factories import make_program

    program = make_program(org).program
    client.force_login(org.users[Role.MARKETING])
    name, content = upload
    before, media, cases = stored_state(), _media_files(), VhsCase.objects.count()
    response = client.post(
        reverse("training:vhs_case_upload", kwargs={"pk": program.pk}),
        {
            "title": "Cavalier",
            "reference_vhs": reference,
            "file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code in {302, 400}, response.status_code
    if response.status_code == 400:
        event("radiograph: refused")
        assert _refusal_shown(response)
        assert not state_diff(before, stored_state())
        assert _media_files() == media  # no file left behind by a refusal
        return
    event("radiograph: stored")
    assert VhsCase.objects.count() == cases + 1
    case = VhsCase.objects.latest("pk")
    assert len(_media_files() - media) == 2  # the original and the image shown
    assert AuditEvent.objects.filter(action="training.vhs_case.upload", object_id=str(case.pk))
    _served_as_an_image_or_attachment(
        client.get(reverse("training:vhs_case_image", kwargs={"pk": case.pk}))
    )
    assert client.get(response["Location"]).status_code == 200


@FUZZ
@given(
    upload=st.one_of(image_files(), st.none()),
    kind=st.sampled_from(["hotspot", "hotspot", "hotspot", "single"]),
    hotspots=st.sampled_from(["10, 10, 5", "10, 10, 5", "", "1e400, 1, 1", "a, b, c", "5;5;0"]),
)
def test_question_image_upload_stores_the_question_or_refuses_it_naming_the_problem(
    org, client, media, upload, kind, hotspots
):
    from onevoice.training.models import Question
    from tests.training.factories import make_program

    t = make_program(org)
    client.force_login(org.users[Role.MARKETING])
    data: dict[str, Any] = {
        "kind": kind,
        "concept": t.concepts["vhs"].pk,
        "prompt": "Click the apex.",
        "explanation": "There.",
        "options": "*Yes\nNo",
        "hotspots": hotspots,
    }
    if upload is not None:
        data["image"] = SimpleUploadedFile(*upload)
    before, media, questions = stored_state(), _media_files(), Question.objects.count()
    response = client.post(reverse("training:question_create", kwargs={"pk": t.m1.pk}), data)
    assert response.status_code in {302, 400}, response.status_code
    if response.status_code == 400:
        event("question: refused")
        assert _refusal_shown(response)
        assert not state_diff(before, stored_state())
        assert _media_files() == media
        return
    event(f"question: stored {kind}")
    assert Question.objects.count() == questions + 1
    question = Question.objects.latest("pk")
    assert AuditEvent.objects.filter(action="training.question.create", object_id=str(question.pk))
    if question.image:
        assert len(_media_files() - media) == 1
        client.force_login(org.users[Role.SALES_REP])
        _served_as_an_image_or_attachment(
            client.get(reverse("training:question_image", kwargs={"pk": question.pk}))
        )
    else:
        assert _media_files() == media


ASSET_NAMES = st.sampled_from(
    [
        "aid.pdf",
        "aid.PDF",
        "slide.png",
        "slide.jpg",
        "deck.pptx",
        "film.mp4",
        "aid.html",
        "aid.svg",
        "aid.pdf.html",
        "aid",
        "€€€.pdf",
        "a" * 240 + ".pdf",
        "../../aid.pdf",
    ]
)
ASSET_CONTENT = st.one_of(
    st.sampled_from(
        [
            b"%PDF-1.4 aid",
            b"\x89PNG\r\n\x1a\n" + b"\0" * 8,
            b"\xff\xd8\xff\xe0",
            b"PK\x03\x04deck",
            b"\0\0\0\x18ftypmp42",
            b"<html><script>1</script></html>",
            b"%PDF-<html><script>1</script></html>",
            b"",
        ]
    ),
    st.binary(max_size=64),
)


@FUZZ
@given(
    name=ASSET_NAMES,
    content=ASSET_CONTENT,
    body=st.sampled_from(["", "", "A page, in **Markdown**.", " "]),
    expires=st.sampled_from(["", "2027-01-31", "2027-02-30", "31/01/2027", "99999-01-01"]),
    new_asset=st.booleans(),
)
def test_asset_upload_stores_a_checked_version_or_refuses_it_saying_why(
    org, client, media, name, content, body, expires, new_asset
):
    from django.contrib.messages import get_messages

    from onevoice.campaigns.models import AssetVersion
    from tests.field.factories import campaign_toolkit

    kit = campaign_toolkit(org)
    campaign = kit.campaign
    client.force_login(org.users[Role.MARKETING])
    data: dict[str, Any] = {"body": body, "expires_on": expires}
    if name != "aid" or content:  # "aid" with no bytes: no file part at all
        data["file"] = SimpleUploadedFile(name, content)
    if new_asset:
        url = reverse("campaigns:asset_create", kwargs={"slug": campaign.slug})
        data.update(title="Detail aid", kind="detail_aid")
    else:
        url = reverse(
            "campaigns:asset_version_add",
            kwargs={"slug": campaign.slug, "pk": kit.version.asset_id},
        )
    before, media, versions = stored_state(), _media_files(), AssetVersion.objects.count()
    response = client.post(url, data)
    assert response.status_code == 302, response.status_code
    if AssetVersion.objects.count() == versions:
        event("asset: refused")
        assert [str(m) for m in get_messages(response.wsgi_request)]  # the reason is shown
        assert not state_diff(before, stored_state())
        assert _media_files() == media
        return
    event("asset: stored")
    version = AssetVersion.objects.latest("pk")
    assert AuditEvent.objects.filter(action="asset.version_add", object_id=str(version.pk))
    if version.file:
        assert len(_media_files() - media) == 1
        download = client.get(reverse("campaigns:asset_download", kwargs={"pk": version.pk}))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert download["Content-Type"] == version.content_type
        assert download["Content-Type"] not in {"text/html", "image/svg+xml"}


@pytest.mark.parametrize("name", ["€€€", ".png", "scan.dcm"])
def test_a_question_image_with_an_unusable_name_or_a_dicom_is_stored_as_shown(
    org, client, media, name
):
    """Found with the uploads above: a hotspot image named with no valid file-name
    character ("€€€") was a bare 400 from storage, and a DICOM was kept as DICOM bytes
    the question page cannot show. Both are now stored as the PNG/JPEG that is shown."""
    from onevoice.training.models import Question
    from tests.training.factories import make_program, tiny_png

    t = make_program(org)
    client.force_login(org.users[Role.MARKETING])
    content = tiny_png() if name != "scan.dcm" else _dicom_with_pixels()
    response = client.post(
        reverse("training:question_create", kwargs={"pk": t.m1.pk}),
        {
            "kind": "hotspot",
            "concept": t.concepts["vhs"].pk,
            "prompt": "Click the apex.",
            "explanation": "There.",
            "hotspots": "10, 10, 5",
            "image": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 302
    question = Question.objects.latest("pk")
    assert question.image.name.endswith(".png")
    client.force_login(org.users[Role.SALES_REP])
    image = client.get(reverse("training:question_image", kwargs={"pk": question.pk}))
    assert image["Content-Type"] == "image/png"


def _dicom_with_pixels() -> bytes:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("scan.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.Rows, ds.Columns, ds.SamplesPerPixel = 8, 8, 1
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.PixelData = bytes(range(64))
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()
