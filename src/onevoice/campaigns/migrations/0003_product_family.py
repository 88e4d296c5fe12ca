"""A product's line (brand), so a campaign's SKUs and the portfolio's other lines can be told
apart (the other lines are the negative controls of a campaign's uplift). Existing SKUs take
the product name of the first campaign that lists them."""

from typing import Any

from django.db import migrations, models


def fill_family(apps: Any, schema_editor: Any) -> None:
    product_model = apps.get_model("campaigns", "Product")
    for product in product_model.objects.filter(family=""):
        campaign = product.campaigns.order_by("start_date", "id").first()
        if campaign is not None:
            product.family = campaign.product
            product.save(update_fields=["family"])


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0002_kpitarget_edit_version")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="family",
            field=models.CharField(
                blank=True,
                help_text="The product line (brand) the SKU belongs to, e.g. Cardivance.",
                max_length=100,
            ),
        ),
        migrations.RunPython(fill_family, migrations.RunPython.noop),
    ]
