"""Fixtures for the sales warehouse: a small reference (clinics, products, today) and a
helper that writes sales files the way distributors send them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onevoice.analytics.warehouse import Product, ProductMaster, Reference, SalesDataset

TODAY = dt.date(2025, 6, 30)
CANONICAL_HEADER = "clinic_id,date,sku,units,net_revenue,currency"


@pytest.fixture
def products() -> ProductMaster:
    """Cardiotab in two pack sizes (2 tablets a day) and a dewormer without dosing data."""
    return ProductMaster(
        [
            Product("CT-100", "Cardiotab", pack_size=100, doses_per_day=2),
            Product("CT-50", "Cardiotab", pack_size=50, doses_per_day=2),
            Product("WORM-1", "Wormex"),
        ]
    )


@pytest.fixture
def reference(products: ProductMaster) -> Reference:
    return Reference(
        clinic_ids=frozenset({"CL-001", "CL-002", "CL-003", "CL-004"}),
        products=products,
        now=TODAY,
    )


@pytest.fixture
def dataset(tmp_path: Path) -> SalesDataset:
    return SalesDataset(
        tmp_path / "sales", clock=lambda: dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)
    )


WriteFile = Callable[..., Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write text (or bytes) to a file in a scratch folder and return its path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return write


def csv_text(*rows: str, header: str = CANONICAL_HEADER) -> str:
    """A CSV file's text from a header and data lines."""
    return "\n".join([header, *rows]) + "\n"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (the lock file aside)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One small local SparkSession for the whole test session."""
    pytest.importorskip("pyspark")
    from onevoice.analytics.warehouse.engine import spark_session

    session = spark_session(
        "local[1]",
        **{
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "1",
            "spark.driver.memory": "1g",
            "spark.sql.adaptive.enabled": "false",
        },
    )
    yield session
    session.stop()
