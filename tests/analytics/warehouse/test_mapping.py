"""Column mappings: YAML files, distributor clinic-id tables, and header resolution."""

from __future__ import annotations

import pytest

from onevoice.analytics.warehouse import ColumnMapping, ImportRefused, load_mapping
from onevoice.analytics.warehouse.mapping import resolve_columns


def test_yaml_mapping_with_a_clinic_id_table(tmp_path):
    (tmp_path / "kunden.csv").write_text(
        "distributor_id,clinic_id\n100234,CL-003\n\n", encoding="utf-8"
    )
    path = tmp_path / "grosso.yaml"
    path.write_text(
        "columns:\n"
        "  clinic_id: Kunden-Nr\n"
        "  date: Datum\n"
        "  sku: Artikel\n"
        "  units: Menge\n"
        "currency: EUR\n"
        "date_format: '%d.%m.%Y'\n"
        "decimal: ','\n"
        "clinic_ids:\n"
        "  100999: CL-004\n"
        "clinic_id_table: kunden.csv\n",
        encoding="utf-8",
    )

    mapping = load_mapping(path)

    assert mapping.columns == {
        "clinic_id": "Kunden-Nr",
        "date": "Datum",
        "sku": "Artikel",
        "units": "Menge",
    }
    assert mapping.clinic_ids == {"100999": "CL-004", "100234": "CL-003"}
    assert (mapping.currency, mapping.date_format, mapping.decimal) == ("EUR", "%d.%m.%Y", ",")


def test_distributor_ids_are_translated_and_reported_when_unknown(dataset, reference, write_file):
    path = write_file(
        "grosso.csv",
        "Kunden-Nr;Datum;Artikel;Menge\n100234;04.03.2025;CT-100;2\n100555;04.03.2025;CT-100;2\n",
    )
    mapping = ColumnMapping(
        columns={"clinic_id": "Kunden-Nr", "date": "Datum", "sku": "Artikel", "units": "Menge"},
        clinic_ids={"100234": "CL-003", "100555": "CL-404"},
    )

    report = dataset.import_file(path, reference=reference, mapping=mapping)

    assert dataset.to_arrow().column("clinic_id").to_pylist() == ["CL-003"]
    assert dataset.quarantine(report.batch_id)["_detail"].tolist() == [
        "grosso.csv: row 3, column 'Kunden-Nr': distributor id '100555' maps to 'CL-404', "
        "which is not a known clinic"
    ]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("colums: {}\n", "unknown key(s) colums"),
        ("columns:\n  clinic: X\n", "columns: clinic are not sales columns"),
        ("decimal: ';'\n", "decimal must be '.' or ','"),
        ("- a\n- b\n", "expected a mapping at the top level"),
        ("columns: [\n", "not valid YAML"),
    ],
)
def test_bad_mapping_files_name_the_file_and_the_problem(tmp_path, yaml_text, message):
    path = tmp_path / "m.yaml"
    path.write_text(yaml_text, encoding="utf-8")

    with pytest.raises(ValueError, match=r"m\.yaml: ") as caught:
        load_mapping(path)

    assert message in str(caught.value)


def test_a_bad_clinic_id_table_row_is_named(tmp_path):
    (tmp_path / "ids.csv").write_text("distributor_id,clinic_id\n17\n", encoding="utf-8")
    path = tmp_path / "m.yaml"
    path.write_text("clinic_id_table: ids.csv\n", encoding="utf-8")

    with pytest.raises(
        ValueError, match=r"ids.csv: row 2: expected 'distributor_id, clinic_id', got '17'"
    ):
        load_mapping(path)


def test_a_long_bad_row_is_shown_cut_short():
    from onevoice.analytics.warehouse.mapping import parse_clinic_id_table

    with pytest.raises(ValueError, match=r"got '" + "x" * 77 + r"\.\.\.'$"):
        parse_clinic_id_table(["distributor_id,clinic_id\n", "x" * 10_000 + "\n"], "ids.csv")


def test_canonical_headers_need_no_mapping_in_any_order_or_case():
    header = ["Units", "SKU", "Date", "Clinic_Id", "Currency", "Net_Revenue", "Notes"]

    assert resolve_columns(header, ColumnMapping(), "f.csv") == {
        "clinic_id": "Clinic_Id",
        "date": "Date",
        "sku": "SKU",
        "units": "Units",
        "net_revenue": "Net_Revenue",
        "currency": "Currency",
    }


def test_an_ambiguous_required_column_refuses_the_file():
    with pytest.raises(
        ImportRefused, match=r"f\.csv: column 'units' appears 2 times in the header"
    ):
        resolve_columns(["clinic_id", "date", "sku", "units", "units"], ColumnMapping(), "f.csv")


def test_a_mapped_column_missing_from_the_file_is_named_with_its_role():
    mapping = ColumnMapping(columns={"units": "Menge"})
    with pytest.raises(ImportRefused, match=r"missing required column\(s\) 'Menge \(units\)'"):
        resolve_columns(["clinic_id", "date", "sku", "Anzahl"], mapping, "f.csv")
