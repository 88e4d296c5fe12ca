"""Pages of the clinical aid: VHS, VLAS, ACVIM staging, sources.

Every signed-in role may use the aid: reps and field vets use it with veterinarians,
head office reviews what it says. Calculations are POSTed so that measurements stay
out of URLs and server logs; nothing entered is stored. With htmx, a form posts as
the user types and only the result is swapped in.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onevoice.accounts.permissions import role_required
from onevoice.clinical import forms, presenters
from onevoice.clinical.rules import (
    BREEDS,
    DISCLAIMER,
    SOURCES,
    VhsResult,
    VlasResult,
    breed_choices,
)
from onevoice.clinical.rules import staging as staging_rules
from onevoice.clinical.rules import vhs as vhs_rules
from onevoice.clinical.rules import vlas as vlas_rules


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _tool(
    request: HttpRequest,
    form_class: type[forms.ClinicalForm],
    page: str,
    partial: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = form_class(request.POST)
        result = form.run()
    else:
        # Links from one tool to another carry measurements in the query string.
        known = {k: v for k, v in request.GET.items() if k in form_class.base_fields}
        form = form_class(initial=known)
    context = {"form": form, "result": result, "disclaimer": DISCLAIMER, **(extra or {})}
    if result is not None:
        context.update(_presentation(result))
    if request.method == "POST" and _is_htmx(request):
        return render(request, partial, {**context, "live": True})
    # A refused full-page submission is a 422, like the API; the form shows why.
    status = 422 if request.method == "POST" and result is None else 200
    return render(request, page, context, status=status)


def _presentation(result: object) -> dict[str, Any]:
    if isinstance(result, VhsResult):
        return {"scale": presenters.vhs_scale(result)}
    if isinstance(result, VlasResult):
        return {"scale": presenters.vlas_scale(result)}
    return {}


@role_required()
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "clinical/index.html", {"disclaimer": DISCLAIMER})


@role_required()
def vhs(request: HttpRequest) -> HttpResponse:
    return _tool(
        request,
        forms.VhsForm,
        "clinical/vhs.html",
        "clinical/_vhs_result.html",
        {"method": vhs_rules.METHOD, "method_sources": vhs_rules.METHOD_SOURCES},
    )


@role_required()
def vlas(request: HttpRequest) -> HttpResponse:
    return _tool(
        request,
        forms.VlasForm,
        "clinical/vlas.html",
        "clinical/_vlas_result.html",
        {"method": vlas_rules.METHOD, "method_sources": vlas_rules.METHOD_SOURCES},
    )


@role_required()
def staging(request: HttpRequest) -> HttpResponse:
    stages = [
        (staging_rules.STAGE_LABELS[s], staging_rules.DEFINITIONS[s], staging_rules.MANAGEMENT[s])
        for s in ("A", "B1", "B2", "C", "D")
    ]
    return _tool(
        request,
        forms.StagingForm,
        "clinical/staging.html",
        "clinical/_staging_result.html",
        {"stages": stages, "stage_sources": staging_rules.STAGE_SOURCES},
    )


@role_required()
def sources(request: HttpRequest) -> HttpResponse:
    breeds = [BREEDS[key] for key, _ in breed_choices()]
    return render(
        request,
        "clinical/sources.html",
        {
            "sources": sorted(SOURCES.values(), key=lambda s: s.short),
            "breeds": breeds,
            "vhs_cutoffs": vhs_rules.CUTOFFS,
            "vlas_cutoffs": vlas_rules.CUTOFFS,
            "disclaimer": DISCLAIMER,
        },
    )
