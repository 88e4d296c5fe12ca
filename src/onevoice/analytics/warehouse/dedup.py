"""Holding back repeated lines before they are written, cheaply.

Each stored row's key (clinic, day, SKU, units, revenue, currency as stored) has a 64-bit
hash (see :meth:`ChunkValidator.key_hash`). As chunks stream by, :class:`SeenKeys` says
which rows have a hash that an earlier row of the file already had: only those rows can
repeat an earlier line. The importer holds them back instead of writing them, and at the
end compares their actual values with the rows stored before them (exact, no hash
trusted); the few that turn out not to repeat anything (two different lines sharing a
64-bit hash: about one chance in 10^6 for a ten-million-row file) are stored then. So
no month file is ever rewritten for a repeat within the file, and a file without
repeats pays only for the hash lookups.

The hashes live in pandas' hash tables (the ones behind ``pd.factorize``), one per
sixteenth of the hash range, filled one table at a time, so the table being probed fits
the processor's last-level cache (16 MB each for ten million rows; one table for all
costs twice the time). Memory: 16 bytes per slot, 21 to 42 bytes per distinct row
depending on the power-of-two rounding (258 MB for ten million rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# pandas' own hash tables are not public API; test_dedup covers what is used here.
from pandas._libs import hashtable as _hashtable

_PART_BITS = 4
_SHIFT = np.uint64(64 - _PART_BITS)


class SeenKeys:
    """Remembers the key hashes of a file's rows, chunk by chunk, in row order.

    Parameters
    ----------
    expected_rows
        Rough number of rows the file will have (sizes the tables; they grow past it).
    """

    def __init__(self, expected_rows: int = 0) -> None:
        parts = 1 << _PART_BITS
        hint = max(expected_rows // parts, 1024)
        self._tables = [_hashtable.UInt64HashTable(hint) for _ in range(parts)]

    def add(self, hashes: np.ndarray) -> np.ndarray:
        """Record one chunk's hashes (in row order); True where an earlier row (of an
        earlier chunk, or earlier in this one) had the same hash."""
        n = len(hashes)
        seen = np.zeros(n, bool)
        if not n:
            return seen
        part = (hashes >> _SHIFT).astype(np.uint8)
        # A stable sort of 8-bit keys is a radix sort in numpy: linear, keeps row order.
        order = np.argsort(part, kind="stable")
        ends = np.cumsum(np.bincount(part, minlength=1 << _PART_BITS)).tolist()
        ordered = np.ascontiguousarray(hashes[order])
        start = 0
        for table, end in zip(self._tables, ends, strict=True):
            if end > start:
                seen[order[start:end]] = _seen(table, ordered[start:end])
            start = end
        return seen


def _seen(table: _hashtable.UInt64HashTable, keys: np.ndarray) -> np.ndarray:
    """Add ``keys`` to ``table``; True where the table or an earlier key had the same."""
    # One pass: the table adds the keys and returns those it did not hold.
    new = table.unique(keys)
    if len(new) == len(keys):
        return np.zeros(len(keys), bool)  # all new and distinct: the usual case
    first_of_new = np.isin(keys, new) & ~pd.Series(keys).duplicated().to_numpy()
    return ~first_of_new
