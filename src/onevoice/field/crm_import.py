"""Reading CRM exports of clinics and vets, and planning what importing them would do.

A CRM export is a CSV file (any common delimiter, UTF-8 or Windows-1252) or an Excel
workbook (.xlsx). Its first non-empty row is the header. A *column mapping* says which
header holds each OneVoice field (``{"name": "Account Name", ...}``); ``mapping_guess``
proposes one from the headers.

``import_plan`` reads the file against the database *without writing*: for every row
it says whether the clinic or vet is new, already stored (updated or unchanged), or
refused, with a ``RowProblem`` naming the file, row, column and value for each reason.
The preview shows the plan; ``services.crm_import_commit`` computes it again inside
its transaction and applies it. Rows are numbered as a spreadsheet shows them: the
header is row 1 when it is the first line.

Recognising a clinic imported twice: by its code, ignoring letter case and surrounding
spaces; for a row without a code, by its name and city (ignoring case, accents and
punctuation). A vet: by code, else by clinic and name.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from onevoice.accounts.models import Region, Territory
from onevoice.field.choices import ImportKind, RowAction, Segment, VetRole
from onevoice.field.models import Clinic, Vet

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000

# Whole-file problems: the import cannot start. Each names the file.
ERROR_FILE_EMPTY = "{file}: the file is empty."
ERROR_FILE_TOO_BIG = "{file}: the file is {size:,} bytes; the limit is {limit:,}."
ERROR_FILE_TYPE = "{file}: not a CSV file or an Excel workbook (.xlsx); save it as one of those."
ERROR_FILE_XLS = "{file}: old Excel format (.xls); save it as .xlsx or CSV."
ERROR_FILE_ENCODING = "{file}: cannot read the text as UTF-8 or Windows-1252."
ERROR_FILE_XLSX = "{file}: not a readable Excel workbook ({reason})."
ERROR_FILE_SHEET = "{file}: no sheet named {sheet!r}; the sheets are {sheets}."
ERROR_FILE_NO_HEADER = "{file}: no header row; the first non-empty row must name the columns."
ERROR_FILE_DUPLICATE_HEADER = (
    "{file}, row {row}: column {column!r} appears twice (columns {first} and {second})."
)
ERROR_FILE_TOO_MANY_ROWS = "{file}: more than {limit:,} rows; split the file."
ERROR_FILE_CSV = "{file}, row {row}: {reason}."

# Mapping problems: the columns chosen cannot be imported.
ERROR_MAPPING_MISSING = "{file}: map a column to {field!r}; it is required."
ERROR_MAPPING_UNKNOWN_FIELD = "{file}: {field!r} is not a field of {kind}; use {allowed}."
ERROR_MAPPING_NO_COLUMN = (
    "{file}: no column {column!r} (mapped to {field!r}); the columns are {columns}."
)
ERROR_MAPPING_TWICE = "{file}: column {column!r} is mapped to both {first!r} and {second!r}."

# Row problems: reasons a row is refused.
REASON_REQUIRED = "required, but empty"
REASON_REQUIRED_NEW = "required for a new {what}, but empty"
REASON_NOT_INTEGER = "not a whole number"
REASON_NOT_NUMBER = "not a number"
REASON_NEGATIVE = "must not be negative"
REASON_TOO_LONG = "longer than {limit} characters"
REASON_CHOICE = "not one of: {allowed}"
REASON_NO_REGION = "no region with this code or name"
REASON_NO_TERRITORY = "no territory with this code"
REASON_TERRITORY_REGION = "territory {territory} is in region {actual}, not {expected}"
REASON_NO_CLINIC = "no clinic with this code; import the clinic first"
REASON_NOT_BOOLEAN = "not yes/no (use yes, no, true, false, 1, 0, y, n)"
REASON_EMAIL = "not an e-mail address"
REASON_SAME_AS_ROW = "the same {what} as row {row}"
REASON_AMBIGUOUS = "matches {n} stored clinics with this name and city; add the clinic code"
REASON_ERASED = "this vet's personal data was erased on request; they are not re-imported"


class ImportFileError(ValueError):
    """The file, or its mapping, cannot be imported at all; the message says why."""


@dataclass(frozen=True)
class RowProblem:
    """One reason a row is refused, pointing at the cell."""

    file: str
    row: int
    column: str
    value: str
    reason: str

    def message(self) -> str:
        return f"{self.file}, row {self.row}, column {self.column!r}, value {self.value!r}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Table:
    """The cells of a CRM export as text, with each data row's number in the file."""

    file_name: str
    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]
    sheets: list[str] = field(default_factory=list)


@dataclass
class RowPlan:
    """What importing one row would do."""

    row: int
    action: RowAction
    key: str
    label: str
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    existing_pk: int | None = None


@dataclass
class ImportPlan:
    """What importing a whole file would do, row by row."""

    kind: ImportKind
    file_name: str
    rows: list[RowPlan]

    @property
    def counts(self) -> dict[str, int]:
        counts = {action.value: 0 for action in RowAction}
        for r in self.rows:
            counts[r.action.value] += 1
        return counts

    @property
    def problems(self) -> list[RowProblem]:
        return [p for r in self.rows for p in r.problems]


# ---------------------------------------------------------------- reading the file


def read_table(*, file_name: str, content: bytes, sheet: str = "") -> Table:
    """Read a CSV or .xlsx export; raise ``ImportFileError`` naming the file if unreadable."""
    if not content:
        raise ImportFileError(ERROR_FILE_EMPTY.format(file=file_name))
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            ERROR_FILE_TOO_BIG.format(file=file_name, size=len(content), limit=MAX_FILE_BYTES)
        )
    lower = file_name.lower()
    raw: Iterable[list[str]]
    if content[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        sheets, raw = _read_xlsx(file_name, content, sheet)
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or lower.endswith(".xls"):
        raise ImportFileError(ERROR_FILE_XLS.format(file=file_name))
    else:
        sheets, raw = [], _read_csv(file_name, content)
    return _table(file_name, raw, sheets)


def _read_csv(file_name: str, content: bytes) -> Iterable[list[str]]:
    if b"\x00" in content[:4096]:
        raise ImportFileError(ERROR_FILE_TYPE.format(file=file_name))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(ERROR_FILE_ENCODING.format(file=file_name))
    sample = text[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[list[str]] = []
    try:
        rows.extend(reader)
    except csv.Error as exc:
        raise ImportFileError(
            ERROR_FILE_CSV.format(file=file_name, row=reader.line_num, reason=exc)
        ) from None
    return rows


def _read_xlsx(file_name: str, content: bytes, sheet: str) -> tuple[list[str], list[list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(ERROR_FILE_XLSX.format(file=file_name, reason=exc)) from None
    try:
        names = list(book.sheetnames)
        if sheet and sheet not in names:
            raise ImportFileError(
                ERROR_FILE_SHEET.format(file=file_name, sheet=sheet, sheets=", ".join(names))
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    return names, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _table(file_name: str, raw: Iterable[list[str]], sheets: list[str]) -> Table:
    headers: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(raw, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if headers is None:
            headers, header_row = _headers(file_name, number, cells), number
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(ERROR_FILE_TOO_MANY_ROWS.format(file=file_name, limit=MAX_ROWS))
        rows.append((number, cells))
    if headers is None:
        raise ImportFileError(ERROR_FILE_NO_HEADER.format(file=file_name))
    return Table(file_name, headers, header_row, rows, sheets)


def _headers(file_name: str, row: int, cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    headers = [c or f"Column {_letter(i)}" for i, c in enumerate(cells)]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h.casefold() in seen:
            raise ImportFileError(
                ERROR_FILE_DUPLICATE_HEADER.format(
                    file=file_name,
                    row=row,
                    column=h,
                    first=_letter(seen[h.casefold()]),
                    second=_letter(i),
                )
            )
        seen[h.casefold()] = i
    return headers


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---------------------------------------------------------------- fields and mapping


class CellError(ValueError):
    """A cell's value is not acceptable; the message is the reason."""


def _norm(text: str) -> str:
    """Lower case, no accents, punctuation or repeated spaces: for matching names."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise CellError(REASON_TOO_LONG.format(limit=limit))
        return value

    return parse


def _integer(value: str) -> int:
    cleaned = value.replace(" ", "").replace("\u00a0", "").replace("'", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise CellError(REASON_NOT_INTEGER) from None
    if not number.is_integer():
        raise CellError(REASON_NOT_INTEGER)
    if number < 0:
        raise CellError(REASON_NEGATIVE)
    return int(number)


def _number(value: str) -> float:
    cleaned = value.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")  # a decimal comma: "3,5"
    try:
        number = float(cleaned)
    except ValueError:
        raise CellError(REASON_NOT_NUMBER) from None
    if number != number or number in {float("inf"), float("-inf")}:
        raise CellError(REASON_NOT_NUMBER)
    if number < 0:
        raise CellError(REASON_NEGATIVE)
    return number


def _choice(choices: type[Segment] | type[VetRole]) -> Callable[[str], str]:
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[_norm(value)] = value
        lookup[_norm(str(label))] = value

    def parse(value: str) -> str:
        try:
            return lookup[_norm(value)]
        except KeyError:
            allowed = ", ".join(f"{v} ({label})" for v, label in choices.choices)
            raise CellError(REASON_CHOICE.format(allowed=allowed)) from None

    return parse


_TRUE = {"yes", "y", "true", "t", "1", "x", "ja", "oui", "si"}
_FALSE = {"no", "n", "false", "f", "0", "nein", "non"}


def _boolean(value: str) -> bool:
    v = value.strip().casefold()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise CellError(REASON_NOT_BOOLEAN)


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(REASON_EMAIL) from None
    return value


@dataclass(frozen=True)
class FieldSpec:
    """A OneVoice field an export column can be mapped to."""

    name: str
    label: str
    parse: Callable[[str], Any]
    required: bool = False
    synonyms: tuple[str, ...] = ()


CLINIC_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "code",
        "Clinic code",
        _text(40),
        synonyms=(
            "clinic code",
            "clinic id",
            "account id",
            "account number",
            "customer id",
            "customer number",
            "crm id",
            "id",
            "code",
        ),
    ),
    FieldSpec(
        "name",
        "Name",
        _text(200),
        required=True,
        synonyms=("name", "clinic", "clinic name", "account name", "practice", "practice name"),
    ),
    FieldSpec("address", "Address", _text(300), synonyms=("address", "street", "address line 1")),
    FieldSpec("city", "City", _text(100), synonyms=("city", "town", "locality")),
    FieldSpec("region", "Region", str, synonyms=("region", "region code", "sales region")),
    FieldSpec(
        "territory", "Territory", str, synonyms=("territory", "territory code", "territory id")
    ),
    FieldSpec(
        "segment",
        "Segment",
        _choice(Segment),
        synonyms=("segment", "account type", "clinic type", "type"),
    ),
    FieldSpec(
        "n_vets",
        "Number of vets",
        _integer,
        synonyms=("vets", "number of vets", "n vets", "vet count", "vets count", "fte vets"),
    ),
    FieldSpec(
        "patient_volume",
        "Dogs seen per year",
        _integer,
        synonyms=("patient volume", "dogs per year", "dogs seen per year", "patients", "dogs seen"),
    ),
    FieldSpec(
        "potential",
        "Potential (units / month)",
        _number,
        synonyms=("potential", "monthly potential", "potential units", "potential units month"),
    ),
)

VET_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "code",
        "Vet code",
        _text(40),
        synonyms=("vet code", "vet id", "contact id", "contact number", "crm id", "id", "code"),
    ),
    FieldSpec(
        "clinic",
        "Clinic code",
        str,
        required=True,
        synonyms=(
            "clinic",
            "clinic code",
            "clinic id",
            "account id",
            "account number",
            "account",
            "customer id",
        ),
    ),
    FieldSpec(
        "first_name",
        "First name",
        _text(100),
        required=True,
        synonyms=("first name", "given name", "firstname"),
    ),
    FieldSpec(
        "last_name",
        "Last name",
        _text(100),
        required=True,
        synonyms=("last name", "surname", "family name", "lastname"),
    ),
    FieldSpec(
        "role", "Role", _choice(VetRole), synonyms=("role", "position", "job title", "title")
    ),
    FieldSpec(
        "consent_to_contact",
        "Consent to be contacted",
        _boolean,
        synonyms=(
            "consent",
            "consent to contact",
            "consent to be contacted",
            "opt in",
            "marketing consent",
        ),
    ),
    FieldSpec("email", "E-mail", _email, synonyms=("email", "e mail", "email address", "mail")),
    FieldSpec(
        "phone", "Phone", _text(40), synonyms=("phone", "telephone", "phone number", "mobile")
    ),
)

FIELDS: dict[ImportKind, tuple[FieldSpec, ...]] = {
    ImportKind.CLINICS: CLINIC_FIELDS,
    ImportKind.VETS: VET_FIELDS,
}


def mapping_guess(
    *, kind: ImportKind, headers: Sequence[str], previous: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Propose which header holds each field: the previous mapping where it still fits,
    else a header whose name is one of the field's usual names."""
    by_norm = {_norm(h): h for h in headers}
    guess: dict[str, str] = {}
    taken: set[str] = set()
    specs = FIELDS[kind]
    if previous:
        for spec in specs:
            header = previous.get(spec.name)
            if header is not None and header in headers and header not in taken:
                guess[spec.name] = header
                taken.add(header)
    for spec in specs:
        if spec.name in guess:
            continue
        for synonym in (_norm(spec.name), *spec.synonyms):
            header = by_norm.get(_norm(synonym))
            if header is not None and header not in taken:
                guess[spec.name] = header
                taken.add(header)
                break
    return guess


def mapping_check(
    *, kind: ImportKind, file_name: str, headers: Sequence[str], mapping: Mapping[str, str]
) -> None:
    """Raise ``ImportFileError`` unless every required field is mapped to an existing column."""
    specs = {s.name: s for s in FIELDS[kind]}
    used: dict[str, str] = {}
    for name, header in mapping.items():
        if name not in specs:
            raise ImportFileError(
                ERROR_MAPPING_UNKNOWN_FIELD.format(
                    file=file_name, field=name, kind=kind.label.lower(), allowed=", ".join(specs)
                )
            )
        if not header:
            continue
        if header not in headers:
            raise ImportFileError(
                ERROR_MAPPING_NO_COLUMN.format(
                    file=file_name, column=header, field=name, columns=", ".join(headers)
                )
            )
        if header in used:
            raise ImportFileError(
                ERROR_MAPPING_TWICE.format(
                    file=file_name, column=header, first=used[header], second=name
                )
            )
        used[header] = name
    for spec in specs.values():
        if spec.required and not mapping.get(spec.name):
            raise ImportFileError(ERROR_MAPPING_MISSING.format(file=file_name, field=spec.name))
    if kind == ImportKind.CLINICS and not (mapping.get("region") or mapping.get("territory")):
        raise ImportFileError(ERROR_MAPPING_MISSING.format(file=file_name, field="region"))


# ---------------------------------------------------------------- planning


def import_plan(*, kind: ImportKind, table: Table, mapping: Mapping[str, str]) -> ImportPlan:
    """Plan the import of ``table`` against what is stored now; writes nothing."""
    mapping = {k: v for k, v in mapping.items() if v}
    mapping_check(kind=kind, file_name=table.file_name, headers=table.headers, mapping=mapping)
    planner = _ClinicPlanner if kind == ImportKind.CLINICS else _VetPlanner
    return ImportPlan(kind=kind, file_name=table.file_name, rows=planner(table, mapping).plan())


class _Planner:
    what = "row"
    specs: tuple[FieldSpec, ...] = ()

    def __init__(self, table: Table, mapping: Mapping[str, str]) -> None:
        self.table = table
        self.mapping = dict(mapping)
        self.index = {h: i for i, h in enumerate(table.headers)}
        self.seen: dict[str, int] = {}

    def plan(self) -> list[RowPlan]:
        return [self.plan_row(number, cells) for number, cells in self.table.rows]

    def plan_row(self, number: int, cells: list[str]) -> RowPlan:
        raise NotImplementedError

    def cell(self, cells: list[str], name: str) -> str:
        header = self.mapping.get(name)
        if header is None:
            return ""
        i = self.index[header]
        return cells[i] if i < len(cells) else ""

    def problem(self, number: int, name: str, value: str, reason: str) -> RowProblem:
        column = self.mapping.get(name, name)
        return RowProblem(self.table.file_name, number, column, value, reason)

    def parse(self, number: int, cells: list[str], problems: list[RowProblem]) -> dict[str, Any]:
        """Parse every mapped, non-empty cell; an empty cell means 'not given'."""
        values: dict[str, Any] = {}
        for spec in self.specs:
            if spec.name not in self.mapping:
                continue
            raw = self.cell(cells, spec.name)
            if not raw:
                if spec.required:
                    problems.append(self.problem(number, spec.name, raw, REASON_REQUIRED))
                continue
            try:
                values[spec.name] = spec.parse(raw)
            except CellError as exc:
                problems.append(self.problem(number, spec.name, raw, str(exc)))
        return values

    def duplicate(self, number: int, key: str, name: str, value: str) -> RowProblem | None:
        if key in self.seen:
            reason = REASON_SAME_AS_ROW.format(what=self.what, row=self.seen[key])
            return self.problem(number, name, value, reason)
        self.seen[key] = number
        return None

    @staticmethod
    def outcome(
        number: int,
        key: str,
        label: str,
        values: dict[str, Any],
        problems: list[RowProblem],
        existing: Any,
        fields: Iterable[str],
    ) -> RowPlan:
        if problems:
            return RowPlan(number, RowAction.REFUSED, key, label, values, problems=problems)
        if existing is None:
            return RowPlan(number, RowAction.NEW, key, label, values)
        changes = {
            f: (getattr(existing, f), values[f])
            for f in fields
            if f in values and getattr(existing, f) != values[f]
        }
        action = RowAction.UPDATED if changes else RowAction.UNCHANGED
        return RowPlan(number, action, key, label, values, changes, existing_pk=existing.pk)


def new_clinic_code(name: str, city: str) -> str:
    """A stable code for a clinic the CRM exported without one."""
    digest = hashlib.sha1(f"{_norm(name)}|{_norm(city)}".encode()).hexdigest()[:10].upper()
    return f"CRM-{digest}"


class _ClinicPlanner(_Planner):
    what = "clinic"
    specs = CLINIC_FIELDS
    updatable = ("name", "address", "city", "segment", "n_vets", "patient_volume", "potential")

    def __init__(self, table: Table, mapping: Mapping[str, str]) -> None:
        super().__init__(table, mapping)
        self.by_code = {c.code.strip().casefold(): c for c in Clinic.objects.all()}
        self.by_name: dict[tuple[str, str], list[Clinic]] = {}
        for c in self.by_code.values():
            self.by_name.setdefault((_norm(c.name), _norm(c.city)), []).append(c)
        self.regions: dict[str, Region] = {}
        for r in Region.objects.all():
            self.regions[r.name.casefold()] = r
            self.regions[r.code.casefold()] = r
        self.territories = {
            t.code.casefold(): t for t in Territory.objects.select_related("region")
        }

    def plan_row(self, number: int, cells: list[str]) -> RowPlan:
        problems: list[RowProblem] = []
        values = self.parse(number, cells, problems)
        region = self._region(number, values, problems)
        territory = self._territory(number, values, problems, region)
        if region is None and territory is not None:
            region = territory.region
        values.pop("region", None)
        values.pop("territory", None)
        if region is not None:
            values["region_id"] = region.pk
        if territory is not None:
            values["territory_id"] = territory.pk
        code = values.get("code", "")
        name, city = values.get("name", ""), values.get("city", "")
        existing: Clinic | None = None
        if code:
            key = code.casefold()
            existing = self.by_code.get(key)
            dup = self.duplicate(number, key, "code", code)
        else:
            key = f"{_norm(name)}|{_norm(city)}"
            matches = self.by_name.get((_norm(name), _norm(city)), [])
            if len(matches) > 1:
                problems.append(
                    self.problem(number, "name", name, REASON_AMBIGUOUS.format(n=len(matches)))
                )
            existing = matches[0] if len(matches) == 1 else None
            dup = self.duplicate(number, key, "name", name) if name else None
        if dup is not None:
            problems.append(dup)
        if existing is None:
            code = code or (new_clinic_code(name, city) if name else "")
            for required in ("segment",):
                if required not in values and not _has_problem(problems, self.mapping, required):
                    problems.append(
                        self.problem(
                            number,
                            required,
                            self.cell(cells, required),
                            REASON_REQUIRED_NEW.format(what="clinic"),
                        )
                    )
            if "region_id" not in values and not (
                _has_problem(problems, self.mapping, "region")
                or _has_problem(problems, self.mapping, "territory")
            ):
                problems.append(
                    self.problem(number, "region", "", REASON_REQUIRED_NEW.format(what="clinic"))
                )
        else:
            code = existing.code
        values["code"] = code
        label = f"{name or (existing.name if existing else '')} ({code})"
        return self.outcome(
            number,
            code,
            label,
            values,
            problems,
            existing,
            (*self.updatable, "region_id", "territory_id"),
        )

    def _region(
        self, number: int, values: dict[str, Any], problems: list[RowProblem]
    ) -> Region | None:
        raw = values.get("region")
        if not raw:
            return None
        region = self.regions.get(raw.casefold())
        if region is None:
            problems.append(self.problem(number, "region", raw, REASON_NO_REGION))
        return region

    def _territory(
        self,
        number: int,
        values: dict[str, Any],
        problems: list[RowProblem],
        region: Region | None,
    ) -> Territory | None:
        raw = values.get("territory")
        if not raw:
            return None
        territory = self.territories.get(raw.casefold())
        if territory is None:
            problems.append(self.problem(number, "territory", raw, REASON_NO_TERRITORY))
            return None
        if region is not None and territory.region_id != region.pk:
            reason = REASON_TERRITORY_REGION.format(
                territory=territory.code, actual=territory.region.name, expected=region.name
            )
            problems.append(self.problem(number, "territory", raw, reason))
            return None
        return territory


def _has_problem(problems: list[RowProblem], mapping: Mapping[str, str], name: str) -> bool:
    column = mapping.get(name, name)
    return any(p.column == column for p in problems)


class _VetPlanner(_Planner):
    what = "vet"
    specs = VET_FIELDS
    updatable = ("first_name", "last_name", "role", "consent_to_contact", "email", "phone")

    def __init__(self, table: Table, mapping: Mapping[str, str]) -> None:
        super().__init__(table, mapping)
        self.clinics = {
            code.strip().casefold(): (pk, code)
            for pk, code in Clinic.objects.values_list("pk", "code")
        }
        self.by_code: dict[str, Vet] = {}
        self.by_name: dict[tuple[int, str], Vet] = {}
        for v in Vet.objects.all():
            self.by_code[v.code.strip().casefold()] = v
            if v.erased_at is None:
                self.by_name[(v.clinic_id, _norm(f"{v.first_name} {v.last_name}"))] = v

    def plan_row(self, number: int, cells: list[str]) -> RowPlan:
        problems: list[RowProblem] = []
        values = self.parse(number, cells, problems)
        clinic_raw = values.pop("clinic", "")
        clinic = self.clinics.get(clinic_raw.casefold()) if clinic_raw else None
        if clinic_raw and clinic is None:
            problems.append(self.problem(number, "clinic", clinic_raw, REASON_NO_CLINIC))
        if clinic is not None:
            values["clinic_id"] = clinic[0]
        code = values.get("code", "")
        full_name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
        existing: Vet | None = None
        if code:
            key = code.casefold()
            existing = self.by_code.get(key)
            dup = self.duplicate(number, key, "code", code)
        else:
            key = f"{clinic[0] if clinic else clinic_raw}|{_norm(full_name)}"
            if clinic is not None:
                existing = self.by_name.get((clinic[0], _norm(full_name)))
            dup = self.duplicate(number, key, "last_name", values.get("last_name", ""))
        if dup is not None:
            problems.append(dup)
        if existing is not None and existing.erased_at is not None:
            problems.append(self.problem(number, "code", code, REASON_ERASED))
        if existing is None:
            code = code or _new_vet_code(clinic[1] if clinic else clinic_raw, full_name)
        else:
            code = existing.code
        values["code"] = code
        return self.outcome(
            number,
            code,
            f"Dr {full_name} ({code})",
            values,
            problems,
            existing,
            (*self.updatable, "clinic_id"),
        )


def _new_vet_code(clinic_code: str, full_name: str) -> str:
    digest = hashlib.sha1(f"{clinic_code}|{_norm(full_name)}".encode()).hexdigest()[:10].upper()
    return f"CRMV-{digest}"
