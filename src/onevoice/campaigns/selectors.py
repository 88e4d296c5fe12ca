"""Reads for campaigns."""

from __future__ import annotations

from django.db.models import QuerySet

from onevoice.campaigns.models import Product


def product_list() -> QuerySet[Product]:
    return Product.objects.all()
