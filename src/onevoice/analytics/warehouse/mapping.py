"""Column mapping: how a distributor's file header maps onto the canonical sales columns.

A file whose header already uses the canonical names (``clinic_id, date, sku, units,
net_revenue, currency``, in any order and letter case) needs no mapping. Other files
come with a YAML mapping such as::

    columns:            # canonical name: header in the distributor's file
      clinic_id: Kunden-Nr
      date: Rechnungsdatum
      sku: Artikel
      units: Menge
      net_revenue: Umsatz netto
    currency: EUR       # default when the file has no currency column
    date_format: "%d.%m.%Y"   # optional; sniffed when absent
    decimal: ","              # optional; sniffed when absent
    delimiter: ";"            # optional; sniffed when absent
    encoding: cp1252          # optional; sniffed when absent
    sheet: Verkauf            # .xlsx only; first sheet when absent
    clinic_ids:               # distributor's customer number -> company clinic id
      "100234": CL-00017
    clinic_id_table: kunden.csv   # or a CSV (distributor_id, clinic_id), relative to this file
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from onevoice.analytics.warehouse.errors import (
    AMBIGUOUS_COLUMN,
    REVENUE_WITHOUT_CURRENCY,
    ImportRefused,
    MissingColumnsError,
)

CANONICAL_COLUMNS: tuple[str, ...] = (
    "clinic_id",
    "date",
    "sku",
    "units",
    "net_revenue",
    "currency",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("clinic_id", "date", "sku", "units")

BAD_MAPPING = "{file}: {problem}"
UNKNOWN_KEY = "unknown key(s) {keys}; allowed: {allowed}"
UNKNOWN_CANONICAL = "columns: {names} are not sales columns; use {allowed}"
BAD_DECIMAL = "decimal must be '.' or ',', not {value!r}"
BAD_TABLE_ROW = "{file}: row {row}: expected 'distributor_id, clinic_id', got {value!r}"

_ALLOWED_KEYS = {
    "columns",
    "currency",
    "date_format",
    "decimal",
    "delimiter",
    "encoding",
    "sheet",
    "clinic_ids",
    "clinic_id_table",
}


@dataclass(frozen=True)
class ColumnMapping:
    """How to read one distributor's files. Every field is optional."""

    columns: Mapping[str, str] = field(default_factory=dict)
    clinic_ids: Mapping[str, str] = field(default_factory=dict)
    currency: str | None = None
    date_format: str | None = None
    decimal: Literal[".", ","] | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - set(CANONICAL_COLUMNS))
        if unknown:
            raise ValueError(
                UNKNOWN_CANONICAL.format(
                    names=", ".join(unknown), allowed=", ".join(CANONICAL_COLUMNS)
                )
            )
        if self.decimal not in (None, ".", ","):
            raise ValueError(BAD_DECIMAL.format(value=self.decimal))


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read a YAML mapping file (see the module docstring for its keys)."""
    path = Path(path)
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(BAD_MAPPING.format(file=path, problem=f"not valid YAML: {exc}")) from exc
    if not isinstance(raw, dict):
        raise ValueError(
            BAD_MAPPING.format(file=path, problem="expected a mapping at the top level")
        )
    unknown = sorted(set(raw) - _ALLOWED_KEYS)
    if unknown:
        problem = UNKNOWN_KEY.format(
            keys=", ".join(unknown), allowed=", ".join(sorted(_ALLOWED_KEYS))
        )
        raise ValueError(BAD_MAPPING.format(file=path, problem=problem))
    clinic_ids = {str(k): str(v) for k, v in (raw.get("clinic_ids") or {}).items()}
    if raw.get("clinic_id_table"):
        clinic_ids.update(load_clinic_id_table(path.parent / str(raw["clinic_id_table"])))
    try:
        return ColumnMapping(
            columns={str(k): str(v) for k, v in (raw.get("columns") or {}).items()},
            clinic_ids=clinic_ids,
            currency=_opt_str(raw.get("currency")),
            date_format=_opt_str(raw.get("date_format")),
            decimal=_opt_str(raw.get("decimal")),  # type: ignore[arg-type]  # checked in __post_init__
            delimiter=_opt_str(raw.get("delimiter")),
            encoding=_opt_str(raw.get("encoding")),
            sheet=_opt_str(raw.get("sheet")),
        )
    except ValueError as exc:
        raise ValueError(BAD_MAPPING.format(file=path, problem=exc)) from exc


def load_clinic_id_table(path: str | Path) -> dict[str, str]:
    """Read a two-column CSV ``distributor_id, clinic_id`` (header row required)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return parse_clinic_id_table(fh, str(path))


def parse_clinic_id_table(lines: Iterable[str], file: str) -> dict[str, str]:
    """The rows of a ``distributor_id, clinic_id`` CSV (after its header row) as a dict;
    ``file`` names it in errors."""
    table: dict[str, str] = {}
    reader = csv.reader(lines)
    next(reader, None)
    for row_no, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            text = ",".join(row)
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise ValueError(BAD_TABLE_ROW.format(file=file, row=row_no, value=shown))
        table[row[0].strip()] = row[1].strip()
    return table


def resolve_columns(header: Sequence[str], mapping: ColumnMapping, file: str) -> dict[str, str]:
    """Map each canonical column to the header name that holds it.

    Returns ``{canonical: source_header}`` for the columns present. Refuses the file
    (:class:`ImportRefused`) when a required column is missing, when a needed header
    name is ambiguous, or when revenue has no currency.
    """
    counts = Counter(header)
    by_folded: dict[str, str] = {}
    for name in header:
        by_folded.setdefault(name.strip().casefold(), name)

    resolved: dict[str, str] = {}
    missing: list[str] = []
    for canonical in CANONICAL_COLUMNS:
        wanted = mapping.columns.get(canonical, canonical)
        source = wanted if wanted in counts else by_folded.get(wanted.strip().casefold())
        if source is None:
            if canonical in REQUIRED_COLUMNS:
                missing.append(wanted if wanted == canonical else f"{wanted} ({canonical})")
            continue
        if counts[source] > 1:
            raise ImportRefused(
                AMBIGUOUS_COLUMN.format(file=file, column=source, count=counts[source])
            )
        resolved[canonical] = source
    if missing:
        raise MissingColumnsError(file, missing, list(header))
    if "net_revenue" in resolved and "currency" not in resolved and not mapping.currency:
        raise ImportRefused(
            REVENUE_WITHOUT_CURRENCY.format(file=file, column=resolved["net_revenue"])
        )
    return resolved


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
