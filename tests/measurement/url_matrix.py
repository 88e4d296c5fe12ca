"""Who may open the measurement pages: sales data is for analysts and admins."""

from onevoice.accounts.choices import Role
from onevoice.measurement.models import SalesBatch, UpliftAnalysis
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


def _analysis(org):
    from tests.campaigns.conftest import make_campaign

    a = UpliftAnalysis.objects.create(
        campaign=make_campaign(org), options={}, status="failed", error="no sales"
    )
    return {"pk": a.pk}


READERS = {ANA: 200, ADM: 200, Role.MARKETING.value: 200, Role.SALES_MANAGER.value: 200}

MATRIX: dict[str, Entry] = {
    "measurement:uplift": Entry("GET", 302, 403, only=READERS),
    "measurement:uplift_detail": Entry("GET", 302, 403, only=READERS, kwargs=_analysis),
    # A failed analysis has no tables: 404 for readers.
    "measurement:uplift_csv": Entry(
        "GET",
        302,
        403,
        only=dict.fromkeys(READERS, 404),
        kwargs=lambda org: {**_analysis(org), "table": "dynamic"},
    ),
    "measurement:sales": Entry("GET", 302, 403, only=SALES_DATA),
    # An unknown upload token is a 404 for those allowed, 403 for the rest.
    "measurement:sales_preview": Entry(
        "GET", 302, 403, only={ANA: 404, ADM: 404}, kwargs={"token": "abc123"}
    ),
    "measurement:sales_batch": Entry("GET", 302, 403, only=SALES_DATA, kwargs=_batch),
    "measurement:sales_quarantine": Entry(
        "GET", 302, 403, only={ANA: 404, ADM: 404}, kwargs={"batch_id": "unknown"}
    ),
    "measurement:sales_rollback": Entry(
        "POST", 302, 403, only={ANA: 404, ADM: 404}, kwargs={"batch_id": "unknown"}
    ),
}
