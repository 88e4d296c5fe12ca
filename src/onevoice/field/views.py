"""Pages of the field app: clinics and vets, activities, customer trainings, the adoption
ladder, territory pages and CRM imports.

Each view is guarded by ``role_required`` with the roles the role table gives the
permission, then reaches its object through a ``field.permissions.access_*`` function;
lists come from selectors that apply the same scope. Views never test a role.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onevoice.accounts.models import Territory, User
from onevoice.accounts.permissions import access_territory, role_required
from onevoice.accounts.selectors import territories_for
from onevoice.exports import not_stored, spreadsheet_safe
from onevoice.field import crm_import as crm
from onevoice.field import forms, selectors, services
from onevoice.field.choices import (
    ActivityKind,
    AdoptionStage,
    ImportKind,
    ImportStatus,
    RowAction,
    TrainingFormat,
)
from onevoice.field.models import CrmImport, CustomerTraining
from onevoice.field.permissions import (
    access_activity,
    access_attendees,
    access_clinic,
    access_crm_import,
    access_ladder,
    access_new_activity,
    access_new_training,
    access_new_vet,
    access_training,
    access_vet,
    can_add_activity,
    can_add_clinic,
    can_add_training,
    can_add_vet,
    can_change_activity,
    can_change_clinic,
    can_change_training,
    can_change_vet,
    can_erase_vet,
    can_import,
    can_move_on_ladder,
    roles_with,
    signed_in,
    training_campaign_shown,
)
from onevoice.field.services import FieldRuleError

PER_PAGE = 50
PREVIEW_ROWS = 100
PREVIEW_PROBLEMS = 500

READERS = tuple(roles_with("field.view_clinic"))
M = TypeVar("M", bound=Model)


def _get(selector: Callable[..., M], pk: int) -> M:
    try:
        return selector(pk=pk)
    except ObjectDoesNotExist:
        raise Http404("No such record.") from None


def _page(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _with_campaigns(user: User, trainings: Iterable[CustomerTraining]) -> list[CustomerTraining]:
    """The trainings, each with ``campaign_shown``: its campaign where the user may see it."""
    rows = list(trainings)
    for t in rows:
        t.campaign_shown = training_campaign_shown(user=user, training=t)  # type: ignore[attr-defined]
    return rows


def _attendance_with_campaigns(user: User, attendance: list[Any]) -> list[Any]:
    _with_campaigns(user, (a.training for a in attendance))
    return attendance


def _rule_error(form: Any, exc: FieldRuleError) -> None:
    """Show a service's refusal beside the input it is about (the form's top otherwise)."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _visible_territory(user: User, code: str | None) -> Territory | None:
    if not code:
        return None
    territory = territories_for(user=user).filter(code=code).first()
    if territory is None:
        raise Http404("No such territory.")
    return territory


# ---------------------------------------------------------------- clinics


@role_required(*READERS)
def clinic_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    trained = {"yes": True, "no": False}.get(request.GET.get("trained", ""))
    sort = request.GET.get("sort", "potential")
    filters = selectors.ClinicFilters(
        search=request.GET.get("q", "").strip(),
        territory=_visible_territory(user, request.GET.get("territory")),
        stage=request.GET.get("stage", "") if request.GET.get("stage") in AdoptionStage else "",
        trained=trained,
        sort=sort if sort in selectors.CLINIC_SORTS else "potential",
    )
    page = _page(request, selectors.clinic_list(user=user, filters=filters))
    rows = selectors.clinic_rows(page.object_list)
    # The filter's options as plain pairs: head office has 2,000 territories.
    options = [
        (code, f"{code} {name}")
        for code, name in territories_for(user=user).order_by("code").values_list("code", "name")
    ]
    # Every territory of territories_for is one the user works in, so the first says
    # whether they may add a clinic to one (asking each built 8,000 model instances).
    first = territories_for(user=user).first()
    return render(
        request,
        "field/clinic_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "territories": options,
            "stages": AdoptionStage.choices,
            "sorts": selectors.CLINIC_SORTS,
            "query": _query_without_page(request),
            "can_add": can_add_clinic(user=user, territory=None)
            or (first is not None and can_add_clinic(user=user, territory=first)),
            "can_import": can_import(user=user),
        },
    )


@role_required(*roles_with("field.add_clinic"))
def clinic_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = forms.ClinicCreateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        territory = data.get("territory")
        if not can_add_clinic(user=user, territory=territory):
            form.add_error("territory", "Choose one of your territories.")
        else:
            try:
                clinic = services.clinic_create(by=user, **data)
            except FieldRuleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Clinic {clinic} added.")
                return redirect("field:clinic", pk=clinic.pk)
    return render(request, "field/clinic_form.html", {"form": form, "clinic": None})


@role_required(*READERS)
def clinic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    clinic = access_clinic(user=user, clinic=_get(selectors.clinic_for_page, pk))
    return render(
        request,
        "field/clinic_detail.html",
        {
            "clinic": clinic,
            "vets": selectors.vets_of(clinic=clinic),
            "trainings": _with_campaigns(user, selectors.trainings_for_clinic(clinic=clinic)),
            "activities": selectors.activities_for_clinic(clinic=clinic),
            "history": selectors.ladder_history(clinic=clinic),
            "ladder_form": forms.LadderForm(initial={"to_stage": clinic.stage}),
            "can_change": can_change_clinic(user=user, clinic=clinic),
            "can_add_vet": can_add_vet(user=user, clinic=clinic),
            "can_add_activity": can_add_activity(user=user, clinic=clinic),
            "can_add_training": can_add_training(user=user, clinic=clinic),
            "can_move": can_move_on_ladder(user=user, clinic=clinic),
            "stages": AdoptionStage.choices,
        },
    )


@role_required(*roles_with("field.change_clinic"))
def clinic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    clinic = access_clinic(user=user, clinic=_get(selectors.clinic_for_page, pk), change=True)
    form = forms.ClinicForm(request.POST or None, instance=clinic, user=user)
    if request.method == "POST" and form.is_valid():
        fresh = _get(selectors.clinic_for_page, pk)
        try:
            services.clinic_update(clinic=fresh, by=user, changes=form.cleaned_data)
        except FieldRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Clinic {fresh} saved.")
            return redirect("field:clinic", pk=pk)
    return render(request, "field/clinic_form.html", {"form": form, "clinic": clinic})


@require_POST
@role_required(*roles_with("field.add_laddermove"))
def clinic_ladder(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    clinic = access_ladder(user=user, clinic=_get(selectors.clinic_for_page, pk))
    return _ladder_move(request, user, clinic=clinic)


def _ladder_move(request: HttpRequest, user: User, **subject: Any) -> HttpResponse:
    form = forms.LadderForm(request.POST)
    target = subject.get("vet") or subject["clinic"]
    url = reverse("field:vet" if "vet" in subject else "field:clinic", kwargs={"pk": target.pk})
    if not form.is_valid():
        messages.error(request, "Choose a stage of the adoption ladder.")
        return redirect(url)
    try:
        move = services.ladder_move(
            by=user,
            note=form.cleaned_data["note"],
            to_stage=form.cleaned_data["to_stage"],
            **subject,
        )
    except FieldRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Moved: {move}.")
    return redirect(url)


# ---------------------------------------------------------------- vets


@role_required(*roles_with("field.add_vet"))
def vet_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    clinic = access_new_vet(user=user, clinic=_get(selectors.clinic_for_page, pk))
    form = forms.VetCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vet = services.vet_create(by=user, clinic=clinic, **form.cleaned_data)
        except FieldRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{vet} added to {clinic.name}.")
            return redirect("field:vet", pk=vet.pk)
    return render(request, "field/vet_form.html", {"form": form, "clinic": clinic, "vet": None})


@role_required(*READERS)
def vet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    vet = access_vet(user=user, vet=_get(selectors.vet_for_page, pk))
    return render(
        request,
        "field/vet_detail.html",
        {
            "vet": vet,
            "clinic": vet.clinic,
            "attendance": _attendance_with_campaigns(user, selectors.attendance_of(vet=vet)),
            "activities": selectors.activities_of_vet(vet=vet),
            "history": selectors.ladder_history(vet=vet),
            "ladder_form": forms.LadderForm(initial={"to_stage": vet.stage}),
            "can_change": can_change_vet(user=user, vet=vet),
            "can_move": can_move_on_ladder(user=user, clinic=vet.clinic),
            "can_erase": can_erase_vet(user=user, vet=vet),
        },
    )


@role_required(*roles_with("field.change_vet"))
def vet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    vet = access_vet(user=user, vet=_get(selectors.vet_for_page, pk), change=True)
    form = forms.VetForm(request.POST or None, instance=vet)
    if request.method == "POST" and form.is_valid():
        fresh = _get(selectors.vet_for_page, pk)
        try:
            services.vet_update(vet=fresh, by=user, changes=form.cleaned_data)
        except FieldRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{fresh} saved.")
            return redirect("field:vet", pk=pk)
    return render(request, "field/vet_form.html", {"form": form, "clinic": vet.clinic, "vet": vet})


@require_POST
@role_required(*roles_with("field.add_laddermove"))
def vet_ladder(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    vet = access_vet(user=user, vet=_get(selectors.vet_for_page, pk))
    access_ladder(user=user, clinic=vet.clinic)
    return _ladder_move(request, user, vet=vet)


@role_required(*roles_with("field.erase_vet"))
def vet_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    vet = access_vet(user=user, vet=_get(selectors.vet_for_page, pk), erase=True)
    body = json.dumps(services.vet_personal_data(vet=vet), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vet-{vet.code}.json"'
    return not_stored(response)


@require_POST
@role_required(*roles_with("field.erase_vet"))
def vet_erase(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    vet = access_vet(user=user, vet=_get(selectors.vet_for_page, pk), erase=True)
    try:
        services.vet_erase(vet=vet, by=user)
    except FieldRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Personal data of vet {vet.code} erased; their counts remain.")
    return redirect("field:vet", pk=pk)


# ---------------------------------------------------------------- activities


@role_required(*READERS)
def activity_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    kind = request.GET.get("kind", "")
    filters = selectors.ActivityFilters(kind=kind if kind in ActivityKind else "")
    page = _page(request, selectors.activity_list(user=user, filters=filters))
    return render(
        request,
        "field/activity_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": ActivityKind.choices,
            "query": _query_without_page(request),
        },
    )


@role_required(*roles_with("field.add_activity"))
def activity_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    clinic = access_new_activity(user=user, clinic=_get(selectors.clinic_for_page, pk))
    toolkit = selectors.campaign_toolkit(user=user)
    form = forms.ActivityForm(request.POST or None, clinic=clinic, toolkit=toolkit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_log(
                by=user,
                clinic=clinic,
                campaign=toolkit.campaign if toolkit else None,
                **form.links(),
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                vets=list(data["vets"]),
                field_vet=data["field_vet"],
                duration_minutes=data["duration_minutes"],
                summary=data["summary"],
                next_step=data["next_step"],
            )
        except FieldRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{activity} logged.")
            return redirect("field:clinic", pk=clinic.pk)
    return render(
        request, "field/activity_form.html", {"form": form, "clinic": clinic, "activity": None}
    )


@role_required(*READERS)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    activity = access_activity(user=user, activity=_get(selectors.activity_for_page, pk))
    return render(
        request,
        "field/activity_detail.html",
        {"activity": activity, "can_change": can_change_activity(user=user, activity=activity)},
    )


@role_required(*roles_with("field.change_activity"))
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    activity = access_activity(
        user=user, activity=_get(selectors.activity_for_page, pk), change=True
    )
    toolkit = selectors.campaign_toolkit(user=user, campaign=activity.campaign)
    form = forms.ActivityForm(
        request.POST or None,
        clinic=activity.clinic,
        toolkit=toolkit,
        activity=activity,
    )
    if request.method == "POST" and form.is_valid():
        links = form.links()
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"vets", *links}}
        if toolkit is not None and activity.campaign is None and any(links.values()):
            data["campaign"] = toolkit.campaign
        try:
            services.activity_update(
                activity=activity,
                by=user,
                changes=data,
                vets=list(form.cleaned_data["vets"]),
                **links,
            )
        except FieldRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Activity saved.")
            return redirect("field:activity", pk=pk)
    return render(
        request,
        "field/activity_form.html",
        {"form": form, "clinic": activity.clinic, "activity": activity},
    )


# ---------------------------------------------------------------- customer trainings


@role_required(*READERS)
def training_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    fmt = request.GET.get("format", "")
    filters = selectors.TrainingFilters(format=fmt if fmt in TrainingFormat else "")
    if request.GET.get("mine") == "codelivered":
        filters.codelivered_by = user
    ref = request.GET.get("campaign", "").strip()
    if ref:
        filters.campaign = selectors.campaign_for_filter(user=user, ref=ref)
        if filters.campaign is None:
            raise Http404("No such campaign.")
    page = _page(request, selectors.training_list(user=user, filters=filters))
    page.object_list = _with_campaigns(user, page.object_list)
    return render(
        request,
        "field/training_list.html",
        {
            "page": page,
            "filters": filters,
            "formats": TrainingFormat.choices,
            "campaigns": list(
                selectors.campaigns_visible_to(user=user).values_list("slug", "name")
            ),
            "query": _query_without_page(request),
        },
    )


def _training_data(form: forms.TrainingForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "campaign": data["campaign"],
        "date": data["date"],
        "format": data["format"],
        "field_vet": data["field_vet"],
        "topic": data["topic"],
        "materials": data["materials"],
        "notes": data["notes"],
    }


@role_required(*roles_with("field.add_customertraining"))
def training_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    clinic = access_new_training(user=user, clinic=_get(selectors.clinic_for_page, pk))
    form = forms.TrainingForm(
        request.POST or None,
        clinic=clinic,
        campaigns=selectors.training_campaigns_for(user=user),
    )
    if request.method == "POST" and form.is_valid():
        attendees = access_attendees(user=user, vets=list(form.cleaned_data["attendees"]))
        try:
            training = services.training_log(
                by=user,
                rep=user,
                clinic=clinic,
                attendees=attendees,
                asset_versions=form.asset_versions() or (),
                **_training_data(form),
            )
        except FieldRuleError as exc:
            _rule_error(form, exc)
        else:
            messages.success(request, f"{training} logged. Add the vets' test scores when known.")
            return redirect("field:training", pk=training.pk)
    return render(
        request, "field/training_form.html", {"form": form, "clinic": clinic, "training": None}
    )


@role_required(*READERS)
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training = access_training(user=user, training=_get(selectors.training_for_page, pk))
    return render(
        request,
        "field/training_detail.html",
        {
            "training": training,
            "campaign": training_campaign_shown(user=user, training=training),
            "attendance": training.trainingattendance_set.all(),
            "can_change": can_change_training(user=user, training=training),
        },
    )


@role_required(*roles_with("field.change_customertraining"))
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training = access_training(
        user=user, training=_get(selectors.training_for_page, pk), change=True
    )
    form = forms.TrainingForm(
        request.POST or None,
        clinic=training.clinic,
        campaigns=selectors.training_campaigns_for(user=user, current=training.campaign),
        training=training,
    )
    if request.method == "POST" and form.is_valid():
        attendees = access_attendees(user=user, vets=list(form.cleaned_data["attendees"]))
        try:
            services.training_update(
                training=training,
                by=user,
                changes=_training_data(form),
                attendees=attendees,
                asset_versions=form.asset_versions(),
            )
        except FieldRuleError as exc:
            _rule_error(form, exc)
        else:
            messages.success(request, "Customer training saved.")
            return redirect("field:training", pk=pk)
    return render(
        request,
        "field/training_form.html",
        {"form": form, "clinic": training.clinic, "training": training},
    )


@role_required(*roles_with("field.change_customertraining"))
def training_scores(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    training = access_training(
        user=user, training=_get(selectors.training_for_page, pk), change=True
    )
    form = forms.ScoresForm(request.POST or None, training=training)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_scores_set(training=training, by=user, scores=form.scores())
        except FieldRuleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Test scores saved.")
            return redirect("field:training", pk=pk)
    return render(request, "field/training_scores.html", {"form": form, "training": training})


# ---------------------------------------------------------------- territories


@role_required(*READERS)
def territory_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    territories = territories_for(user=user)
    sort = request.GET.get("sort", "code")
    filters = selectors.TerritoryFilters(
        search=request.GET.get("q", "").strip(),
        sort=sort if sort in selectors.TERRITORY_SORTS else "code",
    )
    shown = selectors.territories_filtered(territories=territories, filters=filters)
    # A manager covers 500 territories, head office 2,000: rank them, then aggregate the
    # vets, activities and trainings of one page only.
    page = _page(request, selectors.territory_ids_ranked(territories=shown, sort=filters.sort))
    suggested = selectors.untrained_clinics_by_potential(territories=territories, limit=10)
    return render(
        request,
        "field/territory_list.html",
        {
            "page": page,
            "rows": selectors.territory_overview_of(ids=page.object_list),
            "filters": filters,
            "sorts": selectors.TERRITORY_SORTS,
            "query": _query_without_page(request),
            "suggested": suggested,
            "can_log": bool(suggested) and can_add_training(user=user, clinic=suggested[0]),
            "recent": selectors.recent_activities(territories=territories),
            "recent_days": selectors.RECENT_DAYS,
        },
    )


@role_required(*READERS)
def territory_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = signed_in(request)
    territory = Territory.objects.select_related("region", "team", "rep").filter(code=code).first()
    if territory is None:
        raise Http404("No such territory.")
    access_territory(user=user, territory=territory)
    sort = request.GET.get("sort", "potential")
    sort = sort if sort in selectors.CLINIC_SORTS else "potential"
    single = territories_for(user=user).filter(pk=territory.pk)
    suggested = selectors.untrained_clinics_by_potential(territories=single, limit=5)
    return render(
        request,
        "field/territory_detail.html",
        {
            "territory": territory,
            "row": selectors.territory_overview(territories=single)[0],
            "targets": selectors.territory_targets(territory=territory, sort=sort),
            "suggested": suggested,
            "can_log": bool(suggested) and can_add_training(user=user, clinic=suggested[0]),
            "sort": sort,
            "sorts": selectors.CLINIC_SORTS,
        },
    )


# ---------------------------------------------------------------- CRM imports


@role_required(*roles_with("field.add_crmimport"))
def import_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    access_crm_import(user=user)
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            crm_import = services.crm_import_start(
                by=user,
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                content=upload.read(),
                sheet=form.cleaned_data["sheet"],
            )
        except crm.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("field:import", pk=crm_import.pk)
    page = _page(request, selectors.crm_imports(), per_page=20)
    return render(request, "field/import_list.html", {"form": form, "page": page})


def _import_for(request: HttpRequest, pk: int) -> tuple[User, CrmImport]:
    user = signed_in(request)
    access_crm_import(user=user)
    crm_import = CrmImport.objects.filter(pk=pk).select_related("uploaded_by").first()
    if crm_import is None:
        raise Http404("No such import.")
    access_crm_import(user=user, crm_import=crm_import)
    return user, crm_import


@role_required(*roles_with("field.add_crmimport"))
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, crm_import = _import_for(request, pk)
    kind = ImportKind(crm_import.kind)
    context: dict[str, Any] = {"crm_import": crm_import, "kind": kind}
    if crm_import.status == ImportStatus.COMMITTED:
        context["problems"] = crm_import.report[:PREVIEW_PROBLEMS]
        context["more_problems"] = max(0, len(crm_import.report) - PREVIEW_PROBLEMS)
        return render(request, "field/import_detail.html", context)
    try:
        table = services.crm_import_table(crm_import=crm_import)
    except crm.ImportFileError as exc:
        context["file_error"] = str(exc)
        return render(request, "field/import_detail.html", context)
    form = forms.MappingForm(
        request.POST or None, kind=kind, headers=table.headers, initial=crm_import.mapping
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.crm_import_set_mapping(crm_import=crm_import, by=user, mapping=form.mapping())
        except (crm.ImportFileError, FieldRuleError) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("field:import", pk=pk)
    context.update(form=form, table=table)
    try:
        plan = crm.import_plan(kind=kind, table=table, mapping=crm_import.mapping)
    except crm.ImportFileError as exc:
        context["mapping_error"] = str(exc)
    else:
        problems = plan.problems
        context.update(
            plan=plan,
            counts=plan.counts,
            sample=plan.rows[:PREVIEW_ROWS],
            problems=[p.as_dict() for p in problems[:PREVIEW_PROBLEMS]],
            more_problems=max(0, len(problems) - PREVIEW_PROBLEMS),
            importable=plan.counts[RowAction.NEW] + plan.counts[RowAction.UPDATED],
        )
    return render(request, "field/import_detail.html", context)


@require_POST
@role_required(*roles_with("field.add_crmimport"))
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    user, crm_import = _import_for(request, pk)
    try:
        services.crm_import_commit(crm_import=crm_import, by=user)
    except (crm.ImportFileError, FieldRuleError) as exc:
        messages.error(request, str(exc))
    else:
        c = crm_import.counts
        messages.success(
            request,
            f"Imported {crm_import.file_name}: {c['new']} new, {c['updated']} updated, "
            f"{c['unchanged']} unchanged, {c['refused']} refused.",
        )
    return redirect("field:import", pk=pk)


@role_required(*roles_with("field.add_crmimport"))
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Every refused row and why, as CSV: file, row, column, value, reason."""
    _, crm_import = _import_for(request, pk)
    if crm_import.status == ImportStatus.COMMITTED:
        problems = crm_import.report
    else:
        try:
            plan = crm.import_plan(
                kind=ImportKind(crm_import.kind),
                table=services.crm_import_table(crm_import=crm_import),
                mapping=crm_import.mapping,
            )
        except crm.ImportFileError as exc:
            problems = [
                {
                    "file": crm_import.file_name,
                    "row": "",
                    "column": "",
                    "value": "",
                    "reason": str(exc),
                }
            ]
        else:
            problems = [p.as_dict() for p in plan.problems]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["file", "row", "column", "value", "reason"])
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in p.items()} for p in problems)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{crm_import.pk}-refused.csv"'
    return not_stored(response)
