"""Queries that measurement needs, as Ibis expressions that run unchanged on DuckDB
and Spark.

Execute with the backend the sales table came from: ``con.to_pandas(expr)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, get_args

import ibis
import pyarrow as pa

from onevoice.analytics.warehouse.products import ProductMaster

if TYPE_CHECKING:
    import ibis.expr.types as ir

Frequency = Literal["week", "month", "quarter"]
_TRUNCATE_UNIT = {"week": "W", "month": "M", "quarter": "Q"}
BAD_FREQUENCY = "frequency must be one of {allowed}, not {value!r}"
UNKNOWN_PRODUCT = "no SKU of product {product!r} in the product master"
BAD_RANGE = "start {start} is after end {end}"


def period_start(day: dt.date, freq: Frequency) -> dt.date:
    """First day of the week (Monday), month or quarter that contains ``day``."""
    if freq == "week":
        return day - dt.timedelta(days=day.weekday())
    if freq == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def period_starts(start: dt.date, end: dt.date, freq: Frequency) -> list[dt.date]:
    """Every period start from the period containing ``start`` to the one containing ``end``."""
    current, last = period_start(start, freq), period_start(end, freq)
    out = []
    while current <= last:
        out.append(current)
        if freq == "week":
            current += dt.timedelta(days=7)
        else:
            step = 1 if freq == "month" else 3
            month = current.month - 1 + step
            current = dt.date(current.year + month // 12, month % 12 + 1, 1)
    return out


def sales_by_clinic(
    sales: ir.Table,
    *,
    products: ProductMaster,
    freq: Frequency,
    start: dt.date,
    end: dt.date,
    product: str | None = None,
    skus: Sequence[str] | None = None,
    clinic_ids: Sequence[str] | None = None,
) -> ir.Table:
    """Sales per clinic and period, zero-filled, for one product (or a list of SKUs).

    Parameters
    ----------
    sales
        The stored sales (:meth:`SalesDataset.table`).
    products
        The product master; gives a product's SKUs and each pack's treatment-months.
    freq
        ``"week"`` (ISO weeks, starting Monday), ``"month"`` or ``"quarter"``.
    start, end
        Dates to cover; the first and last periods are those containing them, and only
        sales dated within ``[start, end]`` count.
    product, skus
        Which sales count: every SKU of ``product``, or the given SKUs; all when neither.
    clinic_ids
        The clinics of the panel. Default: every clinic with any stored sale. A clinic
        with no sale in a period gets a row of zeros.

    Returns
    -------
    ibis Table
        ``clinic_id, period, units, treatment_months, net_revenue``: one row per clinic
        and period, ordered by both. ``period`` is the period's first day.
        ``treatment_months`` counts SKUs without a known pack size as zero;
        ``net_revenue`` adds up amounts in whatever currency the files used.
    """
    if freq not in get_args(Frequency):
        raise ValueError(BAD_FREQUENCY.format(allowed=", ".join(get_args(Frequency)), value=freq))
    if start > end:
        raise ValueError(BAD_RANGE.format(start=start, end=end))
    wanted = list(skus) if skus is not None else None
    if product is not None:
        wanted = products.skus_of(product)
        if not wanted:
            raise ValueError(UNKNOWN_PRODUCT.format(product=product))

    rows = sales.filter((sales.date >= start) & (sales.date <= end))
    if wanted is not None:
        rows = rows.filter(rows.sku.isin(wanted))
    packs = ibis.memtable(products.to_arrow().select(["sku", "treatment_months_per_pack"]))
    rows = rows.left_join(packs, rows.sku == packs.sku)
    per_period = rows.group_by(
        clinic_id=rows.clinic_id, period=rows.date.truncate(_TRUNCATE_UNIT[freq]).cast("date")
    ).aggregate(
        units=rows.units.sum(),
        treatment_months=(rows.units * rows.treatment_months_per_pack.fill_null(0.0)).sum(),
        net_revenue=rows.net_revenue.fill_null(0.0).sum(),
    )

    if clinic_ids is None:
        clinics = sales.select("clinic_id").distinct()
    else:
        clinics = ibis.memtable(
            pa.table({"clinic_id": pa.array(sorted(set(clinic_ids)), pa.string())})
        )
    periods = ibis.memtable(
        pa.table({"period": pa.array(period_starts(start, end, freq), pa.date32())})
    )
    grid = clinics.cross_join(periods)
    joined = grid.left_join(
        per_period,
        (grid.clinic_id == per_period.clinic_id) & (grid.period == per_period.period),
    )
    return joined.select(
        clinic_id=grid.clinic_id,
        period=grid.period,
        units=joined.units.fill_null(0.0),
        treatment_months=joined.treatment_months.fill_null(0.0),
        net_revenue=joined.net_revenue.fill_null(0.0),
    ).order_by(["clinic_id", "period"])
