"""Measurement pages: sales imports (upload, mapping, preview, report, rollback)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onevoice.accounts.choices import Role
from onevoice.accounts.permissions import request_user, role_of, role_required
from onevoice.analytics.warehouse import ColumnMapping, SalesImportError
from onevoice.campaigns.selectors import campaign_current
from onevoice.measurement import sales
from onevoice.measurement.forms import ColumnMappingForm, SalesUploadForm, UpliftForm
from onevoice.measurement.models import SalesBatch, UpliftAnalysis
from onevoice.measurement.presentation import UPLIFT_TABLES, uplift_view
from onevoice.measurement.uplift import (
    UpliftOptions,
    uplift_analysis_compute,
    uplift_analysis_in_background,
    uplift_analysis_start,
)

# Distributor sales are commercial data: analysts import and correct them; admins too.
SALES_DATA = (Role.ANALYST, Role.ADMIN)


@role_required(*SALES_DATA)
def sales_list(request: HttpRequest) -> HttpResponse:
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
    try:
        header, rows = sales.upload_preview(path, ColumnMapping())
    except SalesImportError as exc:
        error = str(exc)
    form = ColumnMappingForm(request.POST if request.method == "POST" else None, header=header)
    if request.method == "POST" and form.is_valid() and not error:
        try:
            mapping = ColumnMapping(**form.mapping_kwargs())  # type: ignore[arg-type]
            report = sales.sales_import(path=path, user=request_user(request), mapping=mapping)
        except (SalesImportError, ValueError) as exc:
            error = str(exc)
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
            "error": error,
            "token": token,
        },
    )


def _batch(batch_id: str) -> SalesBatch:
    return get_object_or_404(SalesBatch, batch_id=batch_id)


@role_required(*SALES_DATA)
def sales_batch(request: HttpRequest, batch_id: str) -> HttpResponse:
    batch = _batch(batch_id)
    return render(request, "measurement/sales_batch.html", {"batch": batch})


@role_required(*SALES_DATA)
def sales_quarantine(request: HttpRequest, batch_id: str) -> FileResponse:
    batch = _batch(batch_id)
    folder = Path(tempfile.mkdtemp(prefix="onevoice-quarantine-"))
    path = sales.sales_dataset().export_quarantine(
        batch.batch_id, folder / f"quarantine-{batch.batch_id}.csv"
    )
    # Downloaded as an attachment; the refused rows keep their original text.
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type="text/csv"
    )


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


@role_required(*UPLIFT_READERS)
def uplift_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    can_run = role_of(user) in UPLIFT_RUNNERS
    form = UpliftForm(request.POST if request.method == "POST" else None)
    campaign = campaign_current()
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied("Only analysts run uplift analyses.")
        if campaign is None:
            messages.error(request, "There is no campaign to analyse yet.")
        elif form.is_valid():
            data = form.cleaned_data
            default = UpliftOptions()
            options = UpliftOptions(
                outcome=data["outcome"],
                freq=data["freq"],
                control=data["control"],
                method=data["method"],
                covariates=default.covariates if data["adjust"] else (),
                cluster=data["cluster"] or None,
                bootstrap=data["bootstrap"],
                anticipation=data["anticipation"],
            )
            analysis = uplift_analysis_start(campaign=campaign, user=user, options=options)
            if settings.UPLIFT_IN_BACKGROUND:
                uplift_analysis_in_background(analysis.pk)
            else:
                uplift_analysis_compute(analysis.pk)
            return redirect("measurement:uplift_detail", pk=analysis.pk)
    return render(
        request,
        "measurement/uplift_list.html",
        {
            "analyses": UpliftAnalysis.objects.select_related("campaign", "created_by")[:50],
            "form": form,
            "can_run": can_run,
            "campaign": campaign,
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
        writer.writerow(records[0].keys())
        writer.writerows(r.values() for r in records)
    return response
