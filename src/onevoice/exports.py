"""Cells written to CSV files people open in spreadsheets.

A cell starting with ``=``, ``+``, ``@`` or ``-`` (or a tab or carriage return) is read
as a formula by Excel, LibreOffice and Google Sheets: a clinic named
``=HYPERLINK(...)`` in a CRM export would run when an administrator opens the refused
rows. Such text is prefixed with an apostrophe, which spreadsheets show as text; plain
negative numbers are left alone.
"""

from __future__ import annotations

import re
from typing import Any

_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-(?![\d.]))")


def spreadsheet_safe(value: Any) -> Any:
    """Return ``value`` unchanged unless it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def safe_row(values: Any) -> list[Any]:
    return [spreadsheet_safe(v) for v in values]
