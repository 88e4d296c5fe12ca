"""Errors the sales importer raises when it refuses a whole file.

Row-level problems never raise: they send the row to the quarantine with a reason
(see :mod:`onevoice.analytics.warehouse.validation`). These exceptions are for the cases
where nothing in the file can be trusted, and each message names the file.
"""

from __future__ import annotations

from collections.abc import Sequence

MISSING_COLUMNS = "{file}: missing required column(s) {missing}; the header has {found}"
AMBIGUOUS_COLUMN = "{file}: column {column!r} appears {count} times in the header"
EMPTY_FILE = "{file}: the file is empty (no header row)"
UNREADABLE_FILE = "{file}: cannot be read as {kind}: {reason}"
UNSUPPORTED_FORMAT = (
    "{file}: unsupported file type {suffix!r}; use .csv, .txt, .tsv, .xlsx or .parquet"
)
REVENUE_WITHOUT_CURRENCY = (
    "{file}: column {column!r} holds net revenue but the file has no currency column "
    "and the mapping sets no default currency"
)
UNKNOWN_BATCH = "no batch {batch_id!r} in the sales dataset at {root}"


class SalesImportError(Exception):
    """Base class for every error of the sales warehouse."""


class ImportRefused(SalesImportError):
    """The whole file was refused; nothing was stored."""


class MissingColumnsError(ImportRefused):
    """A required column is absent; the message names the columns the file does have."""

    def __init__(self, file: str, missing: Sequence[str], found: Sequence[str]) -> None:
        self.file = file
        self.missing = list(missing)
        self.found = list(found)
        super().__init__(
            MISSING_COLUMNS.format(
                file=file,
                missing=", ".join(repr(c) for c in self.missing),
                found=", ".join(repr(c) for c in self.found) or "no columns",
            )
        )


class UnknownBatchError(SalesImportError, KeyError):
    """A batch id that the dataset does not know."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown batch"
