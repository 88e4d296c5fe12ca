"""Sales warehouse: validated, idempotent imports of distributor sales files into an
append-only Parquet dataset, queried through Ibis on DuckDB or Spark.

Pure Python: nothing here imports Django. The caller supplies the reference data
(known clinics, product master, today's date) as a :class:`Reference`.
"""

from onevoice.analytics.warehouse.dataset import BatchInfo, SalesDataset
from onevoice.analytics.warehouse.engine import connect, engine_name
from onevoice.analytics.warehouse.errors import (
    ImportRefused,
    MissingColumnsError,
    SalesImportError,
    UnknownBatchError,
)
from onevoice.analytics.warehouse.mapping import (
    CANONICAL_COLUMNS,
    REQUIRED_COLUMNS,
    ColumnMapping,
    load_mapping,
)
from onevoice.analytics.warehouse.products import Product, ProductMaster
from onevoice.analytics.warehouse.queries import sales_by_clinic
from onevoice.analytics.warehouse.report import ImportProgress, ImportReport
from onevoice.analytics.warehouse.validation import REASONS, Reference

__all__ = [
    "CANONICAL_COLUMNS",
    "REASONS",
    "REQUIRED_COLUMNS",
    "BatchInfo",
    "ColumnMapping",
    "ImportProgress",
    "ImportRefused",
    "ImportReport",
    "MissingColumnsError",
    "Product",
    "ProductMaster",
    "Reference",
    "SalesDataset",
    "SalesImportError",
    "UnknownBatchError",
    "connect",
    "engine_name",
    "load_mapping",
    "sales_by_clinic",
]
