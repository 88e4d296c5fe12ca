import datetime as dt
import re

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.measurement import sales
from onevoice.measurement.models import SalesBatch
from tests.measurement.conftest import CSV


def _write(tmp_path, text=CSV, name="jan.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_import_mirrors_the_batch_and_conserves_rows(sales_reference_data, org):
    report = sales.sales_import(path=_write(sales_reference_data), user=org.users[Role.ANALYST])
    assert (report.rows_read, report.rows_stored, report.rows_quarantined) == (5, 3, 2)
    batch = SalesBatch.objects.get()
    assert batch.batch_id == report.batch_id
    assert batch.rows_stored == 3
    assert set(batch.reasons) == {"unknown_clinic", "unparseable_date"}
    assert AuditEvent.objects.filter(action="sales.import", actor=org.users[Role.ANALYST]).exists()


def test_same_file_twice_stores_nothing_and_rollback_removes_rows(sales_reference_data, org):
    path = _write(sales_reference_data)
    first = sales.sales_import(path=path, user=None)
    second = sales.sales_import(path=path, user=None)
    assert second.duplicate_of == first.batch_id
    assert second.rows_stored == 0
    assert SalesBatch.objects.count() == 1
    dataset = sales.sales_dataset()
    assert dataset.to_arrow().num_rows == 3
    sales.sales_batch_rollback(batch=SalesBatch.objects.get(), user=org.users[Role.ANALYST])
    assert dataset.to_arrow().num_rows == 0
    assert SalesBatch.objects.get().rolled_back_at is not None


def test_products_convert_to_treatment_months(sales_reference_data):
    product = sales.product_master()["SKU-1"]
    assert abs(product.treatment_months_per_pack - 1.64) < 1e-9


def test_upload_preview_import_report_quarantine_and_rollback_pages(
    client, sales_reference_data, org
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org.users[Role.ANALYST])
    response = client.post(
        reverse("measurement:sales"), {"file": SimpleUploadedFile("jan.csv", CSV.encode())}
    )
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "clinic_id" in preview
    assert "NOPE" in preview
    response = client.post(response["Location"], {"col_clinic_id": "clinic_id"})
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert re.search(r"Rows stored</th><td class=\"num\">3<", report)
    assert "unknown_clinic: 1" in report
    batch = SalesBatch.objects.get()
    download = client.get(reverse("measurement:sales_quarantine", args=[batch.batch_id]))
    body = b"".join(download.streaming_content).decode()
    assert "NOPE" in body
    assert "not-a-date" in body
    client.post(reverse("measurement:sales_rollback", args=[batch.batch_id]))
    batch.refresh_from_db()
    assert batch.rolled_back_at is not None


def test_missing_column_is_refused_whole_naming_the_columns_found(
    client, sales_reference_data, org
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org.users[Role.ANALYST])
    bad = "customer,when,qty\nC1,2026-01-01,3\n"
    response = client.post(
        reverse("measurement:sales"), {"file": SimpleUploadedFile("bad.csv", bad.encode())}
    )
    html = client.post(response["Location"], {}).content.decode()
    assert 'data-testid="import-error"' in html
    assert "customer" in html
    assert not SalesBatch.objects.exists()


def test_upload_of_an_unknown_type_is_refused(client, sales_reference_data, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(org.users[Role.ANALYST])
    response = client.post(
        reverse("measurement:sales"), {"file": SimpleUploadedFile("x.html", b"<p>")}
    )
    assert response.status_code == 200
    assert "must be CSV, TSV, TXT, XLSX or Parquet" in response.content.decode()


# --- a process killed between the dataset and the database --------------------------------


@pytest.fixture
def settled(monkeypatch):
    """Batches count as settled at once (as if the import died minutes ago)."""
    monkeypatch.setattr(sales, "RECONCILE_AFTER", dt.timedelta(0))


def test_an_import_still_writing_its_row_is_left_to_it(sales_reference_data):
    sales.sales_dataset().import_file(
        _write(sales_reference_data), reference=sales.sales_reference()
    )
    assert sales.sales_reconcile() == []
    assert not SalesBatch.objects.exists()


def test_an_import_whose_row_could_not_be_written_stays_undone(sales_reference_data, settled):
    # Its batch was rolled back and the import reported as failed; no row to bring back.
    report = sales.sales_dataset().import_file(
        _write(sales_reference_data), reference=sales.sales_reference()
    )
    sales.sales_dataset().rollback(report.batch_id)
    assert sales.sales_reconcile() == []
    assert not SalesBatch.objects.exists()


def test_an_import_killed_after_the_dataset_commit_is_mirrored_on_the_next_visit(
    client, sales_reference_data, org, settled
):
    # What a kill between the two steps leaves: the batch in the dataset, no row.
    path = _write(sales_reference_data)
    stored = sales.sales_dataset().import_file(path, reference=sales.sales_reference())
    assert not SalesBatch.objects.exists()

    client.force_login(org.users[Role.ANALYST])
    page = client.get(reverse("measurement:sales")).content.decode()
    assert stored.batch_id in page
    batch = SalesBatch.objects.get()
    assert (batch.batch_id, batch.rows_stored, batch.rows_quarantined) == (stored.batch_id, 3, 2)
    assert batch.imported_by is None
    assert batch.is_active
    assert AuditEvent.objects.filter(action="sales.recovered", object_id=str(batch.pk)).exists()
    # The same file again is the duplicate of a batch that has a page, and can be undone.
    again = sales.sales_import(path=path, user=org.users[Role.ANALYST])
    assert again.duplicate_of == stored.batch_id
    assert client.get(reverse("measurement:sales_batch", args=[batch.batch_id])).status_code == 200
    client.post(reverse("measurement:sales_rollback", args=[batch.batch_id]))
    batch.refresh_from_db()
    assert not batch.is_active
    assert sales.sales_dataset().to_arrow().num_rows == 0


def test_a_rollback_killed_after_removing_the_files_is_finished(sales_reference_data, org):
    report = sales.sales_import(path=_write(sales_reference_data), user=None)
    # The files are gone and the manifest says so; the row was not saved.
    sales.sales_dataset().rollback(report.batch_id)
    batch = SalesBatch.objects.get()
    assert batch.is_active

    # Asked again from the page: the row is saved, with its audit row, and nothing fails.
    sales.sales_batch_rollback(batch=batch, user=org.users[Role.ANALYST])
    batch.refresh_from_db()
    assert not batch.is_active
    assert AuditEvent.objects.filter(action="sales.rollback", object_id=str(batch.pk)).exists()


def test_reconcile_marks_a_batch_the_manifest_rolled_back(sales_reference_data):
    report = sales.sales_import(path=_write(sales_reference_data), user=None)
    sales.sales_dataset().rollback(report.batch_id)

    changed = sales.sales_reconcile()

    assert [b.batch_id for b in changed] == [report.batch_id]
    batch = SalesBatch.objects.get()
    assert not batch.is_active
    assert AuditEvent.objects.filter(action="sales.rollback_recovered").count() == 1
    assert sales.sales_reconcile() == []  # nothing left to repair


def test_an_import_whose_batch_a_reconcile_mirrored_first_keeps_its_importer(
    sales_reference_data, org, settled
):
    # Another process's reconcile ran between this import's dataset commit and its row.
    report = sales.sales_dataset().import_file(
        _write(sales_reference_data), reference=sales.sales_reference()
    )
    sales.sales_reconcile()

    sales.sales_batch_record(report=report, user=org.users[Role.ANALYST])

    batch = SalesBatch.objects.get()
    assert batch.imported_by == org.users[Role.ANALYST]
    assert sales.sales_dataset().to_arrow().num_rows == 3


# --- the page's reading settings and clinic id table -------------------------------------

DISTRIBUTOR = (
    "Kunde;Datum;Artikel;Menge;Umsatz;Währung\n"
    "100234;15.01.2026;SKU-1;3;90,0;EUR\n"
    "100235;20.01.2026;SKU-1;5;150,0;EUR\n"
    "999999;20.01.2026;SKU-1;1;30,0;EUR\n"
)
MAPPED = {
    "col_clinic_id": "Kunde",
    "col_date": "Datum",
    "col_sku": "Artikel",
    "col_units": "Menge",
    "col_net_revenue": "Umsatz",
    "col_currency": "Währung",
    "date_format": "%d.%m.%Y",
    "decimal": ",",
}


def _upload(client, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("measurement:sales"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    return response["Location"]


def _import_with_table(client, preview, table):
    """Import the distributor file as a semicolon-separated Windows-1252 CSV, mapped."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        preview,
        {
            "action": "import",
            "delimiter": ";",
            "encoding": "cp1252",
            **MAPPED,
            "clinic_id_table": SimpleUploadedFile("kunden.csv", table),
        },
    )


def test_a_distributor_file_is_read_with_the_settings_and_clinic_id_table_given_on_the_page(
    client, sales_reference_data, org
):

    client.force_login(org.users[Role.ANALYST])
    preview = _upload(client, "verkauf.csv", DISTRIBUTOR.encode("cp1252"))
    # Asked to read it as semicolon-separated Windows-1252: the preview shows its columns.
    page = client.post(preview, {"action": "preview", "delimiter": ";", "encoding": "cp1252"})
    assert page.status_code == 200
    assert "<code>Währung</code>" in page.content.decode()
    response = _import_with_table(
        client, preview, b"distributor_id,clinic_id\n100234,C1\n100235,C2\n"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = SalesBatch.objects.get()
    assert (batch.rows_stored, batch.rows_quarantined) == (2, 1)
    assert batch.reasons == {"unknown_clinic": 1}
    stored = sales.sales_dataset().to_arrow().to_pylist()
    assert sorted((r["clinic_id"], r["units"]) for r in stored) == [("C1", 3), ("C2", 5)]


def test_a_bad_clinic_id_table_is_refused_naming_its_row_and_nothing_is_stored(
    client, sales_reference_data, org
):

    client.force_login(org.users[Role.ANALYST])
    preview = _upload(client, "verkauf.csv", DISTRIBUTOR.encode("cp1252"))
    response = _import_with_table(client, preview, b"distributor_id,clinic_id\n100234,C1\n100235\n")
    assert response.status_code == 200
    assert "kunden.csv: row 3: expected" in response.content.decode()
    assert not SalesBatch.objects.exists()
    assert sales.sales_dataset().batches() == []


def test_reading_settings_that_do_not_fit_the_file_are_a_clear_message(
    client, sales_reference_data, org
):
    client.force_login(org.users[Role.ANALYST])
    preview = _upload(client, "jan.csv", b"clinic_id,date\nC1,2026-01-15\nC2,2026-01-20\n")
    response = client.post(preview, {"action": "preview", "encoding": "utf-16"})
    assert response.status_code == 200
    assert "jan.csv: cannot be read with these settings" in response.content.decode()
    # Read as detected again, the columns are back.
    assert "<code>clinic_id</code>" in client.get(preview).content.decode()


def test_an_invalid_reading_setting_is_shown_and_nothing_is_imported(
    client, sales_reference_data, org
):
    client.force_login(org.users[Role.ANALYST])
    preview = _upload(client, "jan.csv", CSV.encode())
    response = client.post(preview, {"action": "import", "delimiter": "x"})
    assert response.status_code == 200
    assert "Delimiter: Select a valid choice" in response.content.decode()
    assert not SalesBatch.objects.exists()


def test_an_unreadable_file_is_named_not_located_and_an_empty_reason_still_says_what():
    from pathlib import Path

    from onevoice.measurement.views import _unreadable

    path = Path("/srv/onevoice/uploads/3f9a/jan.csv")
    said = _unreadable(path, ValueError(f"Could not read {path}: bad byte\nat offset 12"))
    assert said == "jan.csv: cannot be read with these settings: Could not read jan.csv: bad byte"
    assert _unreadable(path, ValueError("")).endswith("with these settings: ValueError")
