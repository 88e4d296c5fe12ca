"""Who may open the campaign pages and endpoints (a campaign in co-creation)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from onevoice.accounts.choices import Role
from onevoice.campaigns import services
from tests.campaigns.conftest import make_campaign
from tests.url_matrix import Entry

MKT, MGR, REP, FV, REV, ANA, ADM = (r.value for r in Role)


def _slug(org):
    return {"slug": make_campaign(org).slug}


def _message(org):
    campaign = make_campaign(org)
    m = services.message_create(
        campaign=campaign, user=org.users[Role.MARKETING], title="t", text="x"
    )
    return {"slug": campaign.slug, "pk": m.pk}


def _objection(org, with_response=False):
    campaign = make_campaign(org)
    o = services.objection_raise(campaign=campaign, user=org.users[Role.SALES_REP], text="No.")
    if with_response:
        services.response_save(objection=o, user=org.users[Role.MARKETING], text="Yes.")
    return {"slug": campaign.slug, "pk": o.pk}


def _asset(org):
    campaign = make_campaign(org)
    a = services.asset_create(
        campaign=campaign, user=org.users[Role.MARKETING], title="A", kind="detail_aid", body="page"
    )
    return {"slug": campaign.slug, "pk": a.pk}


def _version(org):
    """A version still in review: invisible to reps (404), not yet usable."""
    campaign = make_campaign(org)
    a = services.asset_create(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        title="A",
        kind="detail_aid",
        file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"),
    )
    return {"pk": a.versions.get().pk}


def _kpi(org):
    campaign = make_campaign(org)
    import datetime as dt

    k = services.kpi_set(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        code="units_sold",
        baseline=1,
        target=2,
        due_date=dt.date(2026, 1, 1),
        owners=["sales"],
    )
    return {"slug": campaign.slug, "pk": k.pk}


EVIDENCE = {"citation": "EPIC", "excerpt": "1228 vs 766", "level": "rct"}
FORBIDDEN = 403
RAISERS = {MKT: 302, MGR: 302, REP: 302, FV: 302}
ANSWERERS_PAGE = {MKT: 200, FV: 200}

MATRIX: dict[str, Entry] = {
    "campaigns:list": Entry("GET", 302, 200),
    "campaigns:create": Entry("GET", 302, FORBIDDEN, only={MKT: 200}),
    "campaigns:notifications": Entry("GET", 302, 200),
    "campaigns:detail": Entry("GET", 302, 200, kwargs=_slug),
    "campaigns:history": Entry("GET", 302, 200, kwargs=_slug),
    "campaigns:brief_edit": Entry("GET", 302, FORBIDDEN, only={MKT: 200}, kwargs=_slug),
    # Leads may ask; the rules refuse (no KPI plan yet) with a message and a redirect.
    "campaigns:transition": Entry(
        "POST", 302, FORBIDDEN, only={MKT: 302, MGR: 302}, kwargs=_slug, data={"target": "ready"}
    ),
    "campaigns:sign": Entry("POST", 302, FORBIDDEN, only={MKT: 302, MGR: 302}, kwargs=_slug),
    "campaigns:message_create": Entry(
        "POST", 302, FORBIDDEN, only={MKT: 302}, kwargs=_slug, data={"title": "t", "text": "x"}
    ),
    "campaigns:message_edit": Entry("GET", 302, FORBIDDEN, only={MKT: 200}, kwargs=_message),
    "campaigns:message_approve": Entry("POST", 302, FORBIDDEN, only={REV: 302}, kwargs=_message),
    "campaigns:message_evidence": Entry(
        "POST", 302, FORBIDDEN, only={MKT: 302}, kwargs=_message, data=EVIDENCE
    ),
    "campaigns:objection_raise": Entry(
        "POST",
        302,
        FORBIDDEN,
        only=RAISERS,
        kwargs=_slug,
        data={"text": "Too dear.", "frequency": "often"},
    ),
    "campaigns:objection_upvote": Entry("POST", 302, FORBIDDEN, only=RAISERS, kwargs=_objection),
    "campaigns:response_edit": Entry("GET", 302, FORBIDDEN, only=ANSWERERS_PAGE, kwargs=_objection),
    "campaigns:response_evidence": Entry(
        "POST",
        302,
        FORBIDDEN,
        only={MKT: 302, FV: 302},
        kwargs=lambda org: _objection(org, with_response=True),
        data=EVIDENCE,
    ),
    "campaigns:response_approve": Entry(
        "POST",
        302,
        FORBIDDEN,
        only={MKT: 302, REV: 302},
        kwargs=lambda org: _objection(org, with_response=True),
    ),
    "campaigns:asset_create": Entry(
        "POST",
        302,
        FORBIDDEN,
        only={MKT: 302, MGR: 302},
        kwargs=_slug,
        data={"title": "T", "kind": "leave_behind", "body": "b"},
    ),
    "campaigns:asset_version_add": Entry(
        "POST", 302, FORBIDDEN, only={MKT: 302, MGR: 302}, kwargs=_asset, data={"body": "v2"}
    ),
    # Reps never see a version before it is approved: 404, not 403.
    "campaigns:asset_version": Entry("GET", 302, 200, only={REP: 404}, kwargs=_version),
    "campaigns:asset_download": Entry("GET", 302, 200, only={REP: 404}, kwargs=_version),
    "campaigns:asset_decide": Entry(
        "POST",
        302,
        FORBIDDEN,
        only={MKT: 302, MGR: 302, REV: 302, REP: 404},
        kwargs=_version,
        data={"decision": "approve"},
    ),
    "campaigns:asset_use": Entry(
        "POST", 302, FORBIDDEN, only={MGR: 302, FV: 302, REP: 404}, kwargs=_version
    ),
    "campaigns:asset_comment": Entry(
        "POST", 302, 302, only={ANA: 403, ADM: 403, REP: 404}, kwargs=_version, data={"text": "hi"}
    ),
    "campaigns:kpi_set": Entry(
        "POST",
        302,
        FORBIDDEN,
        only={MKT: 302, MGR: 302},
        kwargs=_slug,
        data={
            "code": "units_sold",
            "baseline": "1",
            "target": "2",
            "due_date": "2026-01-01",
            "owners": "sales",
        },
    ),
    "campaigns:kpi_remove": Entry("POST", 302, FORBIDDEN, only={MKT: 302, MGR: 302}, kwargs=_kpi),
    "campaigns:comment_add": Entry(
        "POST", 302, 302, only={ANA: 403, ADM: 403}, kwargs=_slug, data={"text": "hello @marketing"}
    ),
    "api:campaign_list": Entry("GET", 401, 200),
    "api:campaign_detail": Entry("GET", 401, 200, kwargs=_slug),
    "api:message_list": Entry("GET", 401, 200, kwargs=_slug),
    "api:objection_list": Entry("GET", 401, 200, kwargs=_slug),
    "api:objection_raise": Entry(
        "POST",
        401,
        FORBIDDEN,
        only={MKT: 201, MGR: 201, REP: 201, FV: 201},
        kwargs=_slug,
        data={"text": "Too dear."},
        json=True,
    ),
    "api:objection_upvote": Entry(
        "POST",
        401,
        FORBIDDEN,
        only={MKT: 200, MGR: 200, REP: 200, FV: 200},
        kwargs=lambda org: {"slug": (k := _objection(org))["slug"], "objection_id": k["pk"]},
    ),
    "api:campaign_sign": Entry("POST", 401, FORBIDDEN, only={MKT: 201, MGR: 201}, kwargs=_slug),
}
