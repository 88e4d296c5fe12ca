"""Measurement pages: sales imports (upload, mapping, preview, report, rollback)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onevoice.accounts.choices import Role
from onevoice.accounts.permissions import request_user, role_required
from onevoice.analytics.warehouse import ColumnMapping, SalesImportError
from onevoice.measurement import sales
from onevoice.measurement.forms import ColumnMappingForm, SalesUploadForm
from onevoice.measurement.models import SalesBatch

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
