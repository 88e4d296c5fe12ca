import pytest

from onevoice.campaigns.models import Product
from onevoice.field.models import Clinic

CSV = (
    "clinic_id,date,sku,units,net_revenue,currency\n"
    "C1,2026-01-15,SKU-1,3,90.0,EUR\n"
    "C1,2026-02-15,SKU-1,2,60.0,EUR\n"
    "C2,2026-01-20,SKU-1,5,150.0,EUR\n"
    "NOPE,2026-01-20,SKU-1,5,150.0,EUR\n"
    "C2,not-a-date,SKU-1,5,150.0,EUR\n"
)


@pytest.fixture
def sales_reference_data(org, settings, tmp_path):
    settings.SALES_DATASET_DIR = tmp_path / "sales"
    settings.ONEVOICE_HOME = tmp_path
    for code in ("C1", "C2"):
        Clinic.objects.create(code=code, name=code, region=org.north, segment="independent_small")
    Product.objects.create(
        sku="SKU-1",
        name="Pimobendan 2.5 mg x 100",
        strength_mg=2.5,
        tablets_per_pack=100,
        list_price=30,
        treatment_months_per_pack=1.64,
    )
    return tmp_path
