"""Cells written to the CSV and XLSX files people open in spreadsheets.

Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets: an objection typed as
``=HYPERLINK(...)``, or a distributor's cell ``-1+cmd|' /C calc'!A0``, would run when
someone opens the download. Such text is prefixed with an apostrophe, which spreadsheets
show as text. Numbers stay numbers, and so does text that is only a number (``-12.5``,
``+3``); ``-1+cmd|…`` is not only a number, so it is escaped.

Every CSV and XLSX cell the app writes goes through ``safe_row`` (or ``spreadsheet_safe``
for one cell); ``tests/test_exports.py`` downloads each file and checks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from django.http import HttpResponseBase
from django.utils.cache import add_never_cache_headers

_Response = TypeVar("_Response", bound=HttpResponseBase)

_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def spreadsheet_safe(value: Any) -> Any:
    """Return ``value`` unchanged unless it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and _FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """The cells of one row, each made ``spreadsheet_safe``."""
    return [spreadsheet_safe(v) for v in values]


def not_stored(response: _Response) -> _Response:
    """Mark a download of personal data as one no browser or proxy may keep a copy of:
    ``Cache-Control: no-store`` (with Django's other never-cache directives) and the
    HTTP/1.0 ``Pragma: no-cache``. Every export of people's data goes through this;
    ``tests/security/test_download_caching.py`` downloads each."""
    add_never_cache_headers(response)
    response["Pragma"] = "no-cache"
    return response
