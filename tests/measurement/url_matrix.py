"""Who may open the measurement pages: sales data is for analysts and admins."""

from onevoice.accounts.choices import Role
from onevoice.measurement.models import SalesBatch
from tests.url_matrix import Entry

ANA, ADM = Role.ANALYST.value, Role.ADMIN.value
SALES_DATA = {ANA: 200, ADM: 200}


def _batch(org):
    SalesBatch.objects.create(
        batch_id="b1",
        source_name="x.csv",
        content_hash="h",
        rows_read=0,
        rows_stored=0,
        rows_quarantined=0,
    )
    return {"batch_id": "b1"}


MATRIX: dict[str, Entry] = {
    "measurement:sales": Entry("GET", 302, 403, only=SALES_DATA),
    # An unknown upload token is a 404 for those allowed, 403 for the rest.
    "measurement:sales_preview": Entry(
        "GET", 302, 403, only={ANA: 404, ADM: 404}, kwargs={"token": "abc123"}
    ),
    "measurement:sales_batch": Entry("GET", 302, 403, only=SALES_DATA, kwargs=_batch),
    "measurement:sales_quarantine": Entry("GET", 302, 403, only={ANA: 404, ADM: 404},
                                          kwargs={"batch_id": "unknown"}),
    "measurement:sales_rollback": Entry(
        "POST", 302, 403, only={ANA: 404, ADM: 404}, kwargs={"batch_id": "unknown"}
    ),
}
