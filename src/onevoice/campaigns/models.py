"""Products launched by campaigns (the campaign itself arrives with co-creation)."""

from __future__ import annotations

from django.db import models


class Product(models.Model):
    """A SKU of the product being launched, with what one pack treats."""

    sku = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    strength_mg = models.FloatField()
    tablets_per_pack = models.PositiveIntegerField()
    list_price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    treatment_months_per_pack = models.FloatField(
        help_text="Months of treatment one pack gives a typical patient."
    )

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
