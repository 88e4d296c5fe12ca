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


# Dashboards, KPI values and reviews: who opens them (the numbers inside are scoped to
# the viewer's clinics: tests/measurement/test_dashboards.py).
MKT, SM, REP = Role.MARKETING.value, Role.SALES_MANAGER.value, Role.SALES_REP.value
HEAD_OFFICE = {MKT: 200, SM: 200, ANA: 200, ADM: 200}


def _campaign(org):
    from tests.campaigns.conftest import make_campaign

    return {"slug": make_campaign(org).slug}


def _csv(org):
    _campaign(org)
    return {"kind": "territory", "chart": "trainings"}


MATRIX.update(
    {
        "measurement:dashboards": Entry(
            "GET", 302, 403, only={MKT: 302, SM: 302, REP: 302, ANA: 302, ADM: 302}
        ),
        "measurement:dashboard_marketing": Entry("GET", 302, 403, only=HEAD_OFFICE),
        "measurement:dashboard_sales": Entry("GET", 302, 403, only=HEAD_OFFICE),
        "measurement:dashboard_territory": Entry("GET", 302, 403, only={**HEAD_OFFICE, REP: 200}),
        "measurement:dashboard_csv": Entry(
            "GET", 302, 403, only={**HEAD_OFFICE, REP: 200}, kwargs=_csv
        ),
        "measurement:kpis_compute": Entry(
            "POST", 302, 403, only={MKT: 302, SM: 302, ANA: 302}, kwargs=_campaign
        ),
        "measurement:review": Entry("GET", 302, 403, only=HEAD_OFFICE, kwargs=_campaign),
        "measurement:portfolio": Entry("GET", 302, 403, only=HEAD_OFFICE),
        "measurement:portfolio_csv": Entry("GET", 302, 403, only=HEAD_OFFICE),
        "measurement:review_file": Entry(
            "GET",
            302,
            403,
            only=HEAD_OFFICE,
            kwargs=lambda org: {**_campaign(org), "fmt": "xlsx"},
        ),
        "measurement:review_produce": Entry("POST", 302, 403, only=HEAD_OFFICE, kwargs=_campaign),
    }
)
