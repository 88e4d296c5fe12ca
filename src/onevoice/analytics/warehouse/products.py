"""Product master: which SKUs exist, which product each belongs to, and how many
treatment-months one pack covers.

Distributors report packs sold; what a campaign changes is how many patient-months of
treatment clinics dispense. A pack of 100 tablets at 2 tablets a day covers
100 / 2 / 30.4375 = 1.64 treatment-months, so ``units * treatment_months_per_pack``
turns sales into treatment-months whatever the pack size.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

DAYS_PER_MONTH = 365.25 / 12

BAD_PACK = "product master: SKU {sku!r} has pack_size {value!r}; it must be a positive number"
BAD_DOSE = "product master: SKU {sku!r} has doses_per_day {value!r}; it must be a positive number"
DUPLICATE_SKU = "product master: SKU {sku!r} is listed twice"
MISSING_FIELD = "{file}: row {row}: column {column!r} is empty or missing"


@dataclass(frozen=True)
class Product:
    """One SKU (a pack of a product).

    ``pack_size`` is the number of dosing units (tablets, ml, pipettes) in the pack and
    ``doses_per_day`` the dosing units one reference patient takes a day; both None when
    unknown, in which case the SKU has no treatment-month equivalent.
    """

    sku: str
    product: str
    pack_size: float | None = None
    doses_per_day: float | None = None

    def __post_init__(self) -> None:
        if self.pack_size is not None and not self.pack_size > 0:
            raise ValueError(BAD_PACK.format(sku=self.sku, value=self.pack_size))
        if self.doses_per_day is not None and not self.doses_per_day > 0:
            raise ValueError(BAD_DOSE.format(sku=self.sku, value=self.doses_per_day))

    @property
    def treatment_months_per_pack(self) -> float | None:
        """Treatment-months one pack covers, or None when pack size or dose is unknown."""
        if self.pack_size is None or self.doses_per_day is None:
            return None
        return self.pack_size / self.doses_per_day / DAYS_PER_MONTH


class ProductMaster(Mapping[str, Product]):
    """Read-only mapping SKU -> :class:`Product`."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._by_sku: dict[str, Product] = {}
        for p in products:
            if p.sku in self._by_sku:
                raise ValueError(DUPLICATE_SKU.format(sku=p.sku))
            self._by_sku[p.sku] = p

    @classmethod
    def from_skus(cls, skus: Iterable[str], product: str = "") -> ProductMaster:
        """A master that only knows which SKUs exist (no pack sizes)."""
        return cls(Product(sku=s, product=product or s) for s in skus)

    @classmethod
    def from_csv(cls, path: str | Path) -> ProductMaster:
        """Load ``sku, product, pack_size, doses_per_day`` from a CSV file.

        The last two columns may be empty.
        """
        products = []
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row_no, row in enumerate(csv.DictReader(fh), start=2):
                for column in ("sku", "product"):
                    if not (row.get(column) or "").strip():
                        raise ValueError(MISSING_FIELD.format(file=path, row=row_no, column=column))
                products.append(
                    Product(
                        sku=row["sku"].strip(),
                        product=row["product"].strip(),
                        pack_size=_optional_float(row.get("pack_size")),
                        doses_per_day=_optional_float(row.get("doses_per_day")),
                    )
                )
        return cls(products)

    def __getitem__(self, sku: str) -> Product:
        return self._by_sku[sku]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_sku)

    def __len__(self) -> int:
        return len(self._by_sku)

    @property
    def skus(self) -> frozenset[str]:
        """Every SKU the master knows."""
        return frozenset(self._by_sku)

    def skus_of(self, product: str) -> list[str]:
        """SKUs of one product (every pack size), sorted."""
        return sorted(s for s, p in self._by_sku.items() if p.product == product)

    def treatment_months(self, sku: str, units: float) -> float | None:
        """Treatment-months covered by ``units`` packs of ``sku`` (None when unknown)."""
        per_pack = self._by_sku[sku].treatment_months_per_pack
        return None if per_pack is None else units * per_pack

    def to_arrow(self) -> pa.Table:
        """The master as an Arrow table (``sku, product, treatment_months_per_pack``)."""
        rows = list(self._by_sku.values())
        return pa.table(
            {
                "sku": pa.array([p.sku for p in rows], pa.string()),
                "product": pa.array([p.product for p in rows], pa.string()),
                "treatment_months_per_pack": pa.array(
                    [p.treatment_months_per_pack for p in rows], pa.float64()
                ),
            }
        )


def _optional_float(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None
