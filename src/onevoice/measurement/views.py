"""Measurement pages: sales imports, uplift analyses, dashboards, KPI values, reviews."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from onevoice.accounts.choices import Role
from onevoice.accounts.models import User
from onevoice.accounts.permissions import request_user, role_of, role_required
from onevoice.accounts.selectors import teams_led_by, territories_for
from onevoice.analytics.warehouse import ColumnMapping, SalesImportError
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Campaign
from onevoice.campaigns.selectors import campaign_current, campaign_list_for
from onevoice.exports import not_stored, safe_row
from onevoice.field.choices import Segment
from onevoice.field.permissions import roles_with, signed_in
from onevoice.measurement import sales
from onevoice.measurement.choices import KpiTrigger
from onevoice.measurement.dashboards import CHARTS, Dashboard, dashboard_chart
from onevoice.measurement.facts import Scope, product_lines
from onevoice.measurement.forms import (
    ColumnMappingForm,
    DashboardFilterForm,
    ReviewLessonForm,
    SalesReadingForm,
    SalesUploadForm,
    UpliftForm,
)
from onevoice.measurement.kpis import default_as_of, kpi_values_compute
from onevoice.measurement.models import SalesBatch, UpliftAnalysis
from onevoice.measurement.permissions import (
    ERROR_DASHBOARD_DENIED,
    ERROR_TERRITORY_DENIED,
    access_dashboard,
    access_kpi_compute,
    access_lessons,
    access_review,
    can_compute_kpis,
    can_view_dashboard,
    can_view_review,
    dashboard_roles,
    lessons_function_of,
    review_roles,
)
from onevoice.measurement.presentation import UPLIFT_TABLES, uplift_view
from onevoice.measurement.review import (
    portfolio_for,
    review_build,
    review_document,
    review_lesson_of,
    review_lesson_save,
)
from onevoice.measurement.review_files import (
    CONTENT_TYPES,
    FORMATS,
    review_html,
    review_pdf,
    review_xlsx,
    review_zip,
)
from onevoice.measurement.snapshots import Fragments, dashboard_for, dashboard_page_for
from onevoice.measurement.uplift import (
    DEFAULT_OPTIONS,
    UpliftOptions,
    uplift_analysis_compute,
    uplift_analysis_in_background,
    uplift_analysis_start,
)

# Distributor sales are commercial data: analysts import and correct them; admins too.
SALES_DATA = (Role.ANALYST, Role.ADMIN)


@role_required(*SALES_DATA)
def sales_list(request: HttpRequest) -> HttpResponse:
    # The list shows every batch the dataset holds, one an import killed half-way included.
    sales.sales_reconcile()
    form = SalesUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            token = sales.upload_store(name=upload.name, chunks=upload.chunks(), size=upload.size)
        except ValueError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("measurement:sales_preview", token=token)
    return render(
        request,
        "measurement/sales_list.html",
        {
            "form": form,
            "batches": SalesBatch.objects.select_related("imported_by")[:200],
        },
    )


@role_required(*SALES_DATA)
def sales_preview(request: HttpRequest, token: str) -> HttpResponse:
    path = sales.upload_path(token)
    if path is None:
        raise Http404("This upload is gone; upload the file again.")
    header: list[str] = []
    rows: list[list[str]] = []
    error = ""
    posted = request.method == "POST"
    # How to read the file (delimiter, encoding, sheet): the preview follows it, so an
    # analyst sees the columns right before mapping them.
    reading = SalesReadingForm(request.POST if posted else None)
    read_with = reading.mapping_kwargs() if reading.is_valid() else {}
    try:
        header, rows = sales.upload_preview(path, ColumnMapping(**read_with))  # type: ignore[arg-type]
    except SalesImportError as exc:
        error = str(exc)
    except (ValueError, duckdb.Error) as exc:  # e.g. a file that is not in that encoding
        error = _unreadable(path, exc)
    importing = posted and request.POST.get("action") != "preview"
    form = ColumnMappingForm(
        request.POST if importing else None, request.FILES if importing else None, header=header
    )
    if importing and reading.is_valid() and form.is_valid() and not error:
        try:
            mapping = ColumnMapping(**read_with, **form.mapping_kwargs())  # type: ignore[arg-type]
            report = sales.sales_import(path=path, user=request_user(request), mapping=mapping)
        except (SalesImportError, ValueError) as exc:
            error = str(exc)
        except duckdb.Error as exc:
            # Settings typed on this page (e.g. a date format) reach DuckDB's parser; its
            # refusal is the analyst's to fix, not a server error.
            error = _unreadable(path, exc)
        else:
            sales.upload_discard(token)
            if report.duplicate_of:
                messages.warning(
                    request,
                    f"This file was already imported as batch {report.duplicate_of}; "
                    "nothing new was stored.",
                )
                return redirect("measurement:sales_batch", batch_id=report.duplicate_of)
            return redirect("measurement:sales_batch", batch_id=report.batch_id)
    return render(
        request,
        "measurement/sales_preview.html",
        {
            "name": path.name,
            "header": header,
            "rows": rows,
            "form": form,
            "reading": reading,
            "error": error,
            "token": token,
        },
    )


def _unreadable(path: Path, exc: Exception) -> str:
    """Why the file cannot be read with the page's settings: the first line of the
    reader's message, naming the upload by its name, not by where it is kept."""
    first = next(iter(str(exc).splitlines()), "") or type(exc).__name__
    return f"{path.name}: cannot be read with these settings: " + first.replace(
        str(path), path.name
    )


def _batch(batch_id: str) -> SalesBatch:
    return get_object_or_404(SalesBatch, batch_id=batch_id)


@role_required(*SALES_DATA)
def sales_batch(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(batch_id)
    return render(request, "measurement/sales_batch.html", {"batch": batch})


@role_required(*SALES_DATA)
def sales_quarantine(request: HttpRequest, batch_id: str) -> StreamingHttpResponse:
    """The batch's refused rows as CSV, written from the stored rows (no file left
    behind); text a spreadsheet would run as a formula is escaped, as in every download.
    ``onevoice export quarantine`` writes the rows untouched, for re-import."""
    batch = _batch(batch_id)
    frame = sales.sales_dataset().quarantine(batch.batch_id)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(safe_row(str(c) for c in frame.columns))
        for values in frame.itertuples(index=False, name=None):
            # A missing cell is None or NaN (NaN is the one value not equal to itself).
            yield writer.writerow(safe_row("" if v is None or v != v else v for v in values))

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="quarantine-{batch.batch_id}.csv"'
    return response


class _Echo:
    """A file that hands back what is written, for ``csv.writer`` in a streamed response."""

    def write(self, value: str) -> str:
        return value


@require_POST
@role_required(*SALES_DATA)
def sales_rollback(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = sales.sales_batch_rollback(batch=_batch(batch_id), user=request_user(request))
    messages.success(request, f"Batch {batch.batch_id} rolled back: its rows no longer count.")
    return redirect("measurement:sales_batch", batch_id=batch.batch_id)


# --- uplift analyses ---------------------------------------------------------------------

# Who may read the results (aggregates, no customer identities) and who may run them.
UPLIFT_READERS = (Role.ANALYST, Role.ADMIN, Role.MARKETING, Role.SALES_MANAGER)
UPLIFT_RUNNERS = (Role.ANALYST,)


def _uplift_campaigns(user: User) -> list[Campaign]:
    """Campaigns the user may see that have begun (drafts have no trainings yet), the
    live one first, then the most recent."""
    current = campaign_current()
    campaigns = [
        c
        for c in campaign_list_for(user=user).order_by("-start_date", "name")
        if c.status not in {CampaignStatus.DRAFT, CampaignStatus.CO_CREATION}
    ]
    return sorted(campaigns, key=lambda c: c != current)


@role_required(*UPLIFT_READERS)
def uplift_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    can_run = role_of(user) in UPLIFT_RUNNERS
    campaigns = _uplift_campaigns(user)
    by_slug = {c.slug: c for c in campaigns}
    form = UpliftForm(
        request.POST if request.method == "POST" else None,
        campaigns=[(c.slug, f"{c.name} ({c.get_status_display().lower()})") for c in campaigns],
        product_lines=product_lines(),
    )
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied("Only analysts run uplift analyses.")
        if form.is_valid():
            data = form.cleaned_data
            default = DEFAULT_OPTIONS
            options = UpliftOptions(
                outcome=data["outcome"],
                freq=data["freq"],
                control=data["control"],
                method=data["method"],
                covariates=default.covariates if data["adjust"] else (),
                cluster=data["cluster"] or None,
                bootstrap=data["bootstrap"],
                anticipation=data["anticipation"],
                skus=form.skus(),
            )
            campaign = by_slug[data["campaign"]]
            analysis = uplift_analysis_start(campaign=campaign, user=user, options=options)
            if settings.UPLIFT_IN_BACKGROUND:
                uplift_analysis_in_background(analysis.pk)
            else:
                uplift_analysis_compute(analysis.pk)
            messages.success(request, f"Uplift analysis of {campaign.name} started.")
            return redirect("measurement:uplift_detail", pk=analysis.pk)
    visible = [c.pk for c in campaigns]
    return render(
        request,
        "measurement/uplift_list.html",
        {
            "analyses": UpliftAnalysis.objects.filter(campaign_id__in=visible).select_related(
                "campaign", "created_by"
            )[:50],
            "form": form,
            "can_run": can_run,
            "campaigns": campaigns,
            "defaults": DEFAULT_OPTIONS.describe(),
        },
    )


def _analysis(pk: int) -> UpliftAnalysis:
    return get_object_or_404(UpliftAnalysis.objects.select_related("campaign", "created_by"), pk=pk)


@role_required(*UPLIFT_READERS)
def uplift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = _analysis(pk)
    return render(
        request,
        "measurement/uplift_detail.html",
        {"analysis": analysis, "view": uplift_view(analysis)},
    )


@role_required(*UPLIFT_READERS)
def uplift_csv(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    analysis = _analysis(pk)
    if table not in UPLIFT_TABLES or not analysis.result:
        raise Http404("No such table.")
    records = analysis.result.get(table) or []
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="uplift-{pk}-{table}.csv"'
    writer = csv.writer(response)
    if records:
        # PostgreSQL's jsonb does not keep key order: put the key columns first, as stored
        # on SQLite, so the file reads the same on both databases.
        keys = list(records[0])
        columns = [c for c in UPLIFT_COLUMN_ORDER if c in keys]
        columns += [c for c in keys if c not in columns]
        writer.writerow(safe_row(columns))
        writer.writerows(safe_row(r.get(c) for c in columns) for r in records)
    return response


UPLIFT_COLUMN_ORDER = (
    "event",
    "group",
    "time",
    "covariate",
    "cohort",
    "att",
    "se",
    "ci_low",
    "ci_high",
    "band_low",
    "band_high",
)


# --- dashboards and KPI values -------------------------------------------------------


@dataclass
class DashboardRequest:
    """What a dashboard request asked for, checked against what the user may see."""

    user: User
    form: DashboardFilterForm
    campaign: Campaign | None
    scope: Scope | None


def _dashboard_request(request: HttpRequest, kind: str) -> DashboardRequest:
    return dashboard_request_for(signed_in(request), kind, request.GET)


def dashboard_request_for(user: User, kind: str, params: QueryDict) -> DashboardRequest:
    """What ``user`` asked of dashboard ``kind`` with the query ``params``: checked
    against their permissions, with the scope it covers (also used to refresh a stored
    page in another process, see ``manage.py dashboard_refresh``)."""
    if not can_view_dashboard(user=user, kind=kind):
        raise PermissionDenied(ERROR_DASHBOARD_DENIED)
    campaigns = list(campaign_list_for(user=user))
    # Plain values: head office sees thousands of territories on every request.
    territories = list(
        territories_for(user=user).values_list("code", "name", "region__code", "region__name")
    )
    regions = sorted({(region, region_name) for _, _, region, region_name in territories})
    form = DashboardFilterForm(
        params or None,
        campaigns=[(c.slug, c.name) for c in campaigns],
        regions=regions,
        segments=list(Segment.choices),
        territories=[(code, f"{code} {name}") for code, name, _, _ in territories],
    )
    data: dict[str, Any] = {}
    if params:
        # A territory or region outside the user's is refused, not silently ignored.
        if not form.is_valid() and ("territory" in form.errors or "region" in form.errors):
            raise PermissionDenied(ERROR_TERRITORY_DENIED)
        data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if v}
    by_slug = {c.slug: c for c in campaigns}
    current = campaign_current()
    campaign = by_slug.get(data.get("campaign", "")) or (
        current if current is not None and current.slug in by_slug else None
    )
    if campaign is None and campaigns:
        campaign = campaigns[0]
    if campaign is None:
        return DashboardRequest(user, form, None, None)
    access_dashboard(user=user, kind=kind, campaign=campaign)
    scope = Scope(
        campaign=campaign,
        viewer=user,
        start=data.get("start") or campaign.start_date,
        end=data.get("end") or default_as_of(campaign),
        region=data.get("region", ""),
        segment=data.get("segment", ""),
        territory=data.get("territory", ""),
    )
    form.initial = {
        "campaign": campaign.slug,
        "start": scope.start,
        "end": scope.end,
    }
    return DashboardRequest(user, form, campaign, scope)


CHART_NAMES = {kind: frozenset(charts) for kind, charts in CHARTS.items()}

DASHBOARD_TITLES = {
    "marketing": "Marketing dashboard",
    "sales": "Sales manager's dashboard",
    "territory": "Territory dashboard",
}


def dashboard_fragments(
    kind: str, asked: DashboardRequest, query: str
) -> Callable[[Dashboard], Fragments]:
    """Render the parts of the page that depend only on the dashboard, the filters and
    the query (stored with the dashboard; the CSRF-protected button is not among them)."""

    def render(dashboard: Dashboard) -> Fragments:
        context = {
            "kind": kind,
            "form": asked.form,
            "campaign": asked.campaign,
            "scope": asked.scope,
            "dashboard": dashboard,
            "query": query,
        }
        return {
            part: render_to_string(f"measurement/_dashboard_{part}.html", context)
            for part in ("filters", "summary", "body")
        }

    return render


def _dashboard(request: HttpRequest, kind: str) -> HttpResponse:
    asked = _dashboard_request(request, kind)
    page = None
    stale_as_of = None
    updating = False
    query = request.GET.urlencode()
    if asked.scope is not None:
        stored = dashboard_page_for(
            kind, asked.scope, variant=query, render=dashboard_fragments(kind, asked, query)
        )
        # Rendered by Django's templates, escaped there.
        page = {part: mark_safe(html) for part, html in stored.fragments.items()}
        stale_as_of = stored.stale_as_of
        updating = stored.updating
    user = asked.user
    return render(
        request,
        "measurement/dashboard.html",
        {
            "kind": kind,
            "title": DASHBOARD_TITLES[kind],
            "form": asked.form,
            "campaign": asked.campaign,
            "scope": asked.scope,
            "page": page,
            "stale_as_of": stale_as_of,
            "updating": updating,
            "query": query,
            "can_compute": asked.campaign is not None
            and can_compute_kpis(user=user, campaign=asked.campaign),
            "can_review": asked.campaign is not None
            and can_view_review(user=user, campaign=asked.campaign),
            "others": [
                (reverse(f"measurement:dashboard_{k}"), title)
                for k, title in DASHBOARD_TITLES.items()
                if k != kind and can_view_dashboard(user=user, kind=k)
            ],
        },
    )


@role_required(*dashboard_roles("marketing"))
def dashboard_marketing(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "marketing")


@role_required(*dashboard_roles("sales"))
def dashboard_sales(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "sales")


@role_required(*dashboard_roles("territory"))
def dashboard_territory(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "territory")


@role_required(*dashboard_roles("territory"))
def dashboard_index(request: HttpRequest) -> HttpResponse:
    """Send each role to its own dashboard: reps to their territory, managers who lead a
    team to the team's, head office to the campaign's KPIs."""
    user = signed_in(request)
    if not can_view_dashboard(user=user, kind="marketing"):
        return redirect("measurement:dashboard_territory")
    if teams_led_by(user=user).exists():
        return redirect("measurement:dashboard_sales")
    return redirect("measurement:dashboard_marketing")


@role_required(*dashboard_roles("territory"))
def dashboard_csv(request: HttpRequest, kind: str, chart: str) -> HttpResponse:
    asked = _dashboard_request(request, kind)
    if asked.scope is None:
        raise Http404("There is no campaign yet.")
    found = (
        dashboard_chart(dashboard_for(kind, asked.scope, variant=request.GET.urlencode()), chart)
        if chart in CHART_NAMES.get(kind, ())
        else None
    )
    if found is None:
        raise Http404("No such chart.")
    response = HttpResponse(content_type="text/csv")
    name = f"{asked.scope.campaign.slug}-{kind}-{chart}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(safe_row(found.columns))
    for row in found.rows:
        writer.writerow(safe_row("" if row.get(c) is None else row.get(c) for c in found.columns))
    return response


@require_POST
@role_required(*roles_with("measurement.compute_kpis"))
def kpis_compute(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in(request)
    campaign = access_kpi_compute(user=user, campaign=get_object_or_404(Campaign, slug=slug))
    values = kpi_values_compute(campaign=campaign, user=user, trigger=KpiTrigger.REQUEST)
    messages.success(request, f"{len(values)} KPI value(s) computed from today's data and stored.")
    return redirect(reverse("measurement:dashboard_marketing") + f"?campaign={campaign.slug}")


# --- post-implementation review --------------------------------------------------------


def _review_campaign(request: HttpRequest, slug: str) -> tuple[User, Campaign]:
    user = signed_in(request)
    campaign = get_object_or_404(
        Campaign.objects.select_related("marketing_lead", "sales_lead"), slug=slug
    )
    return user, access_review(user=user, campaign=campaign)


@role_required(*review_roles())
def review_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The review on screen, the leads' lessons, and the buttons that produce the files."""
    user, campaign = _review_campaign(request, slug)
    function = lessons_function_of(user=user, campaign=campaign)
    form = ReviewLessonForm(request.POST or None)
    if request.method == "POST":
        function = access_lessons(user=user, campaign=campaign)
        if form.is_valid():
            review_lesson_save(
                campaign=campaign, function=function, user=user, text=form.cleaned_data["text"]
            )
            messages.success(request, "Your lessons are saved in the review.")
            return redirect("measurement:review", slug=campaign.slug)
    elif function is not None:
        mine = review_lesson_of(campaign=campaign, function=function)
        if mine is not None:
            form = ReviewLessonForm(initial={"text": mine.text})
    doc = review_document(campaign=campaign)
    return render(
        request,
        "measurement/review.html",
        {"doc": doc, "campaign": campaign, "form": form, "lesson_function": function},
    )


@role_required(*review_roles())
def review_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """One file of the review, from the stored data (no analysis is run)."""
    _, campaign = _review_campaign(request, slug)
    if fmt not in FORMATS:
        raise Http404("No such format.")
    doc = review_document(campaign=campaign)
    writer = {"html": review_html, "pdf": review_pdf, "xlsx": review_xlsx}[fmt]
    response = HttpResponse(writer(doc), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{doc.file_stem}.{fmt}"'
    return not_stored(response)  # it names reps, their readiness and the leads


@require_POST
@role_required(*review_roles())
def review_produce(request: HttpRequest, slug: str) -> HttpResponse:
    """The button: HTML, PDF and workbook in one zip, running an uplift analysis first
    when the campaign has none."""
    user, campaign = _review_campaign(request, slug)
    doc = review_build(campaign=campaign, user=user)
    response = HttpResponse(review_zip(doc), content_type=CONTENT_TYPES["zip"])
    response["Content-Disposition"] = f'attachment; filename="{doc.file_stem}.zip"'
    return not_stored(response)


# --- across campaigns --------------------------------------------------------------------


@role_required(*review_roles())
def portfolio_page(request: HttpRequest) -> HttpResponse:
    """Every reviewed campaign's uplift from training, side by side and pooled."""
    user = signed_in(request)
    current = campaign_current()
    if current is not None and not can_view_review(user=user, campaign=current):
        current = None
    portfolio = portfolio_for(user=user, current=current)
    return render(
        request,
        "measurement/portfolio.html",
        {
            "portfolio": portfolio,
            "rows": portfolio.rows(),
            "figures": portfolio.figures(),
            "chart": portfolio.chart() if portfolio.entries else None,
            "kind": "portfolio",
        },
    )


@role_required(*review_roles())
def portfolio_csv(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    current = campaign_current()
    if current is not None and not can_view_review(user=user, campaign=current):
        current = None
    rows = portfolio_for(user=user, current=current).rows()
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="portfolio-uplift.csv"'
    writer = csv.writer(response)
    columns = list(rows[0]) if rows else ["campaign", "uplift_pct", "ci_low_pct", "ci_high_pct"]
    writer.writerow(safe_row(columns))
    for row in rows:
        writer.writerow(safe_row("" if row.get(c) is None else row.get(c) for c in columns))
    return response
