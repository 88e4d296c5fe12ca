"""CRM imports of clinics and vets: reading files, mapping columns, refusing rows with
the file, row, column and value, recognising clinics imported twice, and the pages."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.field import crm_import as crm
from onevoice.field import services
from onevoice.field.choices import ImportKind, ImportStatus
from onevoice.field.models import Clinic, CrmImport, Vet
from tests.field.factories import CLINICS_CSV, clinic, vet

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[object]], sheet: str = "Accounts") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _start(org, content: bytes, *, kind="clinics", name="crm.csv", sheet=""):
    return services.crm_import_start(
        by=org.users[Role.ADMIN], kind=kind, file_name=name, content=content, sheet=sheet
    )


def _plan(crm_import: CrmImport) -> crm.ImportPlan:
    return crm.import_plan(
        kind=ImportKind(crm_import.kind),
        table=services.crm_import_table(crm_import=crm_import),
        mapping=crm_import.mapping,
    )


# ---------------------------------------------------------------- reading files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty."),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls: old Excel format (.xls)"),
        (
            "broken.xlsx",
            b"PK\x03\x04 not really a zip",
            "broken.xlsx: not a readable Excel workbook",
        ),
        ("blank.csv", b"\n ,, \n\n", "blank.csv: no header row"),
        (
            "dup.csv",
            b"Name,City,name\nA,B,C\n",
            "dup.csv, row 1: column 'name' appears twice (columns A and C)",
        ),
        ("bin.csv", b"\x00\x01\x02binary", "bin.csv: not a CSV file or an Excel workbook"),
    ],
)
def test_unreadable_files_are_refused_naming_the_file(name, content, message):
    with pytest.raises(crm.ImportFileError) as exc:
        crm.read_table(file_name=name, content=content)
    assert str(exc.value).startswith(message)


def test_csv_dialects_and_encodings_are_read():
    semicolon = "Nom;Ville\nCafé Vétérinaire;Genève\n".encode("cp1252")
    table = crm.read_table(file_name="fr.csv", content=semicolon)
    assert table.headers == ["Nom", "Ville"]
    assert table.rows == [(2, ["Café Vétérinaire", "Genève"])]
    bom = "\ufeffName,City\n\nOak,Leeds\n".encode()
    table = crm.read_table(file_name="bom.csv", content=bom)
    assert table.headers == ["Name", "City"]
    assert table.rows == [(3, ["Oak", "Leeds"])], "rows keep their number in the file"


def test_excel_sheet_is_read_with_numbers_as_text_and_missing_sheet_named():
    content = _xlsx([["Account ID", "Vets", "Potential"], ["CL-1", 3.0, 2.5]])
    table = crm.read_table(file_name="crm.xlsx", content=content)
    assert table.rows == [(2, ["CL-1", "3", "2.5"])]
    assert table.sheets == ["Accounts"]
    with pytest.raises(
        crm.ImportFileError, match=r"crm\.xlsx: no sheet named .Clinics.; the sheets are Accounts"
    ):
        crm.read_table(file_name="crm.xlsx", content=content, sheet="Clinics")


def test_mapping_is_guessed_from_usual_header_names():
    headers = ["Account ID", "Account Name", "Street", "Town", "Region", "Type", "Potential"]
    guess = crm.mapping_guess(kind=ImportKind.CLINICS, headers=headers)
    assert guess == {
        "code": "Account ID",
        "name": "Account Name",
        "address": "Street",
        "city": "Town",
        "region": "Region",
        "segment": "Type",
        "potential": "Potential",
    }


def test_previous_mapping_is_reused_when_its_columns_are_there():
    guess = crm.mapping_guess(
        kind=ImportKind.CLINICS,
        headers=["Kunden-Nr", "Praxis", "Gebiet"],
        previous={"code": "Kunden-Nr", "name": "Praxis", "region": "Gebiet", "city": "Ort"},
    )
    assert guess == {"code": "Kunden-Nr", "name": "Praxis", "region": "Gebiet"}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"code": "Account ID"}, "crm.csv: map a column to 'name'; it is required."),
        ({"name": "Account Name"}, "crm.csv: map a column to 'region'; it is required."),
        ({"name": "Nope", "region": "Region"}, "crm.csv: no column 'Nope' (mapped to 'name')"),
        (
            {"name": "Account Name", "city": "Account Name", "region": "Region"},
            "crm.csv: column 'Account Name' is mapped to both 'name' and 'city'.",
        ),
        (
            {"name": "Account Name", "colour": "City", "region": "Region"},
            "crm.csv: 'colour' is not a field of clinics",
        ),
    ],
)
def test_unusable_mappings_are_refused(org, mapping, message):
    crm_import = _start(org, CLINICS_CSV.encode())
    with pytest.raises(crm.ImportFileError) as exc:
        services.crm_import_set_mapping(
            crm_import=crm_import, by=org.users[Role.ADMIN], mapping=mapping
        )
    assert str(exc.value).startswith(message)
    crm_import.refresh_from_db()
    assert crm_import.mapping["name"] == "Account Name", "the stored mapping is unchanged"


# ---------------------------------------------------------------- planning and importing


BAD_ROWS = (
    "Account ID,Account Name,City,Region,Territory,Segment,Vets,Potential\n"
    "CL-1,Good Vets,Leeds,N,N1,independent_small,3,4.5\n"
    "CL-2,,York,N,N1,independent_small,2,1\n"
    "CL-3,Bad Numbers,Hull,N,N1,Hospital,two,-3\n"
    "CL-4,Wrong Place,Bath,N,S1,corporate_group,1,1\n"
    "CL-5,Nowhere,Bath,Atlantis,,corporate_group,1,1\n"
    "cl-1,Good Vets again,Leeds,N,N1,independent_small,3,4.5\n"
)


def test_every_refused_row_is_reported_with_file_row_column_and_value(org):
    crm_import = _start(org, BAD_ROWS.encode(), name="export.csv")
    plan = _plan(crm_import)
    assert plan.counts == {"new": 1, "updated": 0, "unchanged": 0, "refused": 5}
    messages = sorted(p.message() for p in plan.problems)
    assert messages == sorted(
        [
            "export.csv, row 3, column 'Account Name', value '': required, but empty",
            "export.csv, row 4, column 'Segment', value 'Hospital': not one of: "
            "independent_small (Independent, small), independent_large (Independent, large), "
            "corporate_group (Corporate group), referral_hospital (Referral hospital)",
            "export.csv, row 4, column 'Vets', value 'two': not a whole number",
            "export.csv, row 4, column 'Potential', value '-3': must not be negative",
            "export.csv, row 5, column 'Territory', value 'S1': territory S1 is in region South, not North",
            "export.csv, row 6, column 'Region', value 'Atlantis': no region with this code or name",
            "export.csv, row 7, column 'Account ID', value 'cl-1': the same clinic as row 2",
        ]
    )
    services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])
    assert list(Clinic.objects.values_list("code", flat=True)) == ["CL-1"]
    crm_import.refresh_from_db()
    assert crm_import.status == ImportStatus.COMMITTED
    assert {(p["row"], p["column"], p["value"]) for p in crm_import.report} >= {
        (3, "Account Name", ""),
        (7, "Account ID", "cl-1"),
    }


def test_a_clinic_imported_twice_is_recognised_and_updated_not_duplicated(org):
    admin = org.users[Role.ADMIN]
    first = _start(org, CLINICS_CSV.encode())
    services.crm_import_commit(crm_import=first, by=admin)
    assert Clinic.objects.count() == 2
    # The next export: codes in another case, one potential changed, one clinic new.
    again = CLINICS_CSV.replace("CL-100", " cl-100 ").replace(",14\n", ",16\n") + (
        "CL-102,Ash Clinic,3 Mill Ln,Ripon,N,N1,referral_hospital,12,9000,20\n"
    )
    second = _start(org, again.encode())
    plan = _plan(second)
    assert plan.counts == {"new": 1, "updated": 1, "unchanged": 1, "refused": 0}
    assert [r.changes for r in plan.rows if r.changes] == [{"potential": (14.0, 16.0)}]
    services.crm_import_commit(crm_import=second, by=admin)
    assert sorted(Clinic.objects.values_list("code", "potential")) == [
        ("CL-100", 6.5),
        ("CL-101", 16.0),
        ("CL-102", 20.0),
    ]
    update = AuditEvent.objects.get(action="clinic.update")
    assert (update.before, update.after) == ({"potential": 14.0}, {"potential": 16.0})


def test_without_a_code_a_clinic_is_recognised_by_name_and_city(org):
    existing = clinic(org, code="CL-9", name="Oak Vets", city="Leeds")
    content = (
        b"Practice,Town,Region,Segment\n"
        b"OAK VETS,leeds,North,independent_small\n"
        b"Birch Vets,Leeds,North,independent_small\n"
    )
    crm_import = _start(org, content)
    plan = _plan(crm_import)
    assert [(r.action.value, r.key) for r in plan.rows] == [
        ("updated", "CL-9"),
        ("new", crm.new_clinic_code("Birch Vets", "Leeds")),
    ]
    services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])
    assert Clinic.objects.count() == 2
    assert Clinic.objects.get(pk=existing.pk).name == "OAK VETS", "the CRM's spelling wins"
    # Importing the same file again creates nothing more and changes nothing.
    again = _start(org, content)
    assert _plan(again).counts == {"new": 0, "updated": 0, "unchanged": 2, "refused": 0}
    services.crm_import_commit(crm_import=again, by=org.users[Role.ADMIN])
    assert Clinic.objects.count() == 2


def test_excel_export_of_vets_is_imported_against_stored_clinics(org):
    own = clinic(org, code="CL-1")
    content = _xlsx(
        [
            ["Contact ID", "Account", "First name", "Surname", "Position", "Opt-in", "E-mail"],
            ["V-1", "cl-1", "Ana", "Silva", "Practice owner", "yes", "ana@example.org"],
            ["V-2", "CL-404", "Bo", "Chen", "associate", "no", ""],
            ["V-3", "CL-1", "Cy", "Diaz", "nurse", "perhaps", "not-an-email"],
        ],
        sheet="Contacts",
    )
    crm_import = _start(org, content, kind="vets", name="contacts.xlsx")
    plan = _plan(crm_import)
    assert plan.counts["new"] == 1
    assert sorted((p.row, p.column, p.value) for p in plan.problems) == [
        (3, "Account", "CL-404"),
        (4, "E-mail", "not-an-email"),
        (4, "Opt-in", "perhaps"),
        (4, "Position", "nurse"),
    ]
    services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])
    ana = Vet.objects.get()
    assert (ana.clinic, ana.role, ana.consent_to_contact, ana.email) == (
        own,
        "owner",
        True,
        "ana@example.org",
    )


def test_vet_updates_keep_personal_data_out_of_the_audit_trail(org):
    v = vet(clinic(org, code="CL-1"), code="V-1", first_name="Ana", last_name="Silva")
    content = b"Vet code,Clinic code,First name,Last name,Phone\nV-1,CL-1,Ana,Silva-Lopes,0123\n"
    crm_import = _start(org, content, kind="vets")
    services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])
    v.refresh_from_db()
    assert (v.last_name, v.phone) == ("Silva-Lopes", "0123")
    event = AuditEvent.objects.get(action="vet.update")
    assert "Silva" not in str(event.before) + str(event.after)
    assert event.before == {"fields": ["last_name", "phone"]}


def test_an_erased_vet_is_not_brought_back_by_an_import(org):
    v = vet(clinic(org, code="CL-1"), code="V-1")
    services.vet_erase(vet=v, by=org.users[Role.ADMIN])
    content = b"Vet code,Clinic code,First name,Last name\nV-1,CL-1,Ana,Silva\n"
    plan = _plan(_start(org, content, kind="vets"))
    assert [p.reason for p in plan.problems] == [crm.REASON_ERASED]


def test_a_failure_during_commit_writes_nothing(org, monkeypatch):
    crm_import = _start(org, CLINICS_CSV.encode())

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_apply_updates", boom)
    with pytest.raises(RuntimeError):
        services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])
    assert Clinic.objects.count() == 0
    crm_import.refresh_from_db()
    assert crm_import.status == ImportStatus.PREVIEW


def test_an_import_is_committed_once(org):
    crm_import = _start(org, CLINICS_CSV.encode())
    services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])
    with pytest.raises(services.FieldRuleError, match="already done"):
        services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])


# ---------------------------------------------------------------- the pages


def test_admin_uploads_maps_previews_and_imports_through_the_pages(client, org):
    client.force_login(org.users[Role.ADMIN])
    content = (
        b"Kunden-Nr;Praxis;Ort;Gebiet;Typ;Potenzial\n"
        b"K-1;Tierarzt Eiche;Leeds;N;independent_small;3,5\n"
        b"K-2;Tierarzt Buche;York;N;unknown;1\n"
    )
    upload = io.BytesIO(content)
    upload.name = "kunden.csv"
    response = client.post(reverse("field:imports"), {"kind": "clinics", "file": upload})
    crm_import = CrmImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("field:import", args=[crm_import.pk])

    page = client.get(response["Location"]).content.decode()
    assert "map a column to &#x27;name&#x27;; it is required." in page
    assert Clinic.objects.count() == 0

    mapping = {
        "code": "Kunden-Nr",
        "name": "Praxis",
        "city": "Ort",
        "region": "Gebiet",
        "segment": "Typ",
        "potential": "Potenzial",
    }
    response = client.post(reverse("field:import", args=[crm_import.pk]), mapping, follow=True)
    page = response.content.decode()
    assert "1 new, 0 updated, 0 already stored and unchanged, 1 refused." in page
    assert "kunden.csv" in page
    assert "<code>unknown</code>" in page
    assert Clinic.objects.count() == 0, "a preview writes nothing"

    report = client.get(reverse("field:import_report", args=[crm_import.pk]))
    rows = list(csv.DictReader(io.StringIO(report.content.decode())))
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in rows] == [
        ("kunden.csv", "3", "Typ", "unknown")
    ]

    response = client.post(reverse("field:import_commit", args=[crm_import.pk]), follow=True)
    assert (
        "Imported kunden.csv: 1 new, 0 updated, 0 unchanged, 1 refused."
        in response.content.decode()
    )
    assert Clinic.objects.get().potential == 3.5


def test_an_unreadable_upload_is_refused_on_the_page_and_nothing_is_kept(client, org):
    client.force_login(org.users[Role.ADMIN])
    upload = io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1...")
    upload.name = "old.xls"
    response = client.post(reverse("field:imports"), {"kind": "clinics", "file": upload})
    assert response.status_code == 200
    assert "old.xls: old Excel format (.xls); save it as .xlsx or CSV." in response.content.decode()
    assert not CrmImport.objects.exists()
