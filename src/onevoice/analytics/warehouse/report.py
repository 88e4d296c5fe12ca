"""The import report: what one import did, in numbers a user can check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImportReport:
    """Outcome of importing one sales file.

    ``rows_read == rows_stored + rows_quarantined`` always holds. When the file's content
    was already imported (same content hash as an active batch), nothing is stored:
    ``batch_id`` is ``None``, every count is zero and ``duplicate_of`` names that batch.
    """

    batch_id: str | None
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    duplicate_of: str | None = None
    source_name: str = ""
    content_hash: str = ""
    months: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_stored + self.rows_quarantined:
            raise ValueError(
                f"import report does not add up: read {self.rows_read} != stored "
                f"{self.rows_stored} + quarantined {self.rows_quarantined}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Return exactly the public JSON shape of the report.

        Keys: ``batch_id``, ``rows_read``, ``rows_stored``, ``rows_quarantined``,
        ``reasons`` (reason -> count, only reasons that occurred) and ``duplicate_of``.
        """
        return {
            "batch_id": self.batch_id,
            "rows_read": self.rows_read,
            "rows_stored": self.rows_stored,
            "rows_quarantined": self.rows_quarantined,
            "reasons": dict(sorted(self.reasons.items())),
            "duplicate_of": self.duplicate_of,
        }


@dataclass(frozen=True)
class ImportProgress:
    """Progress of a running import, passed to ``on_progress`` after each chunk."""

    rows_read: int
    bytes_read: int
    total_bytes: int
