"""Training pages. Views parse input, call permissions and services, and render.

Bad input is answered with the page again (or a short error page) and a 4xx status
whose text says what to fix; nothing is stored when a service refuses.
"""

from __future__ import annotations

import contextlib
import csv
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from onevoice.accounts.choices import Role
from onevoice.accounts.models import User
from onevoice.accounts.permissions import request_user, role_required
from onevoice.campaigns import selectors as campaign_selectors
from onevoice.exports import not_stored, safe_row
from onevoice.field import permissions as field_perms
from onevoice.field import selectors as field_selectors
from onevoice.field.models import CustomerTraining
from onevoice.training import forms, schematic, selectors, services
from onevoice.training import permissions as perms
from onevoice.training.choices import KitTest, ProgramStatus, QuestionKind, ScorerKind
from onevoice.training.models import (
    RUBRIC,
    RUBRIC_LABELS,
    CustomerKit,
    Enrolment,
    KitInvitation,
    Module,
    Program,
    Question,
    QuizAttempt,
    RolePlay,
    Seminar,
    VhsAttempt,
    VhsCase,
)
from onevoice.training.services import KitLinkError, TrainingRuleError

ALL = tuple(Role)


def _me(request: HttpRequest) -> User:
    """The signed-in user itself, not the lazy proxy, so their role is looked up once."""
    user = request_user(request)
    return cast(User, getattr(user, "_wrapped", user))


def _error(
    request: HttpRequest, message: str, *, status: int = 400, back: str = ""
) -> HttpResponse:
    return render(
        request,
        "training/error.html",
        {"message": message, "back": back or request.META.get("HTTP_REFERER", "")},
        status=status,
    )


def _program(request: HttpRequest, pk: int) -> Program:
    program = get_object_or_404(Program.objects.select_related("campaign"), pk=pk)
    return perms.access_program(user=_me(request), program=program)


def _module(request: HttpRequest, pk: int) -> Module:
    module = get_object_or_404(Module.objects.select_related("program__campaign"), pk=pk)
    return perms.access_module(user=_me(request), module=module)


def _form_error_text(form: Any) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label or field if field in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


# ---------------------------------------------------------------- programs


@role_required(*ALL)
def program_list(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    return render(
        request,
        "training/program_list.html",
        {
            "programs": selectors.program_list_for(user=user),
            "can_create": perms.can_manage_program(user=user),
            "can_see_kits": perms.role_may(user, "training.view_customerkit"),
            "todos": selectors.todos_for(user=user),
        },
    )


def _program_values(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in services.PROGRAM_CHANGEABLE}


@role_required(*ALL)
def program_create(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    perms.require(perms.can_manage_program(user=user))
    form = forms.ProgramCreateForm(
        request.POST or None, campaigns=campaign_selectors.campaign_list_for(user=user)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                program = services.program_create(
                    user=user, campaign=data.pop("campaign"), **_program_values(data)
                )
            except TrainingRuleError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("training:program", pk=program.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "New training program"},
        status=status,
    )


@role_required(*ALL)
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    modules = selectors.modules_of(program=program)
    seminars = selectors.seminars_of(program=program, user=user)
    enrolment = selectors.enrolment_of(program=program, rep=user)
    mine = selectors.readiness_for(enrolment=enrolment) if enrolment else None
    passed = set()
    if enrolment:
        _, extra = selectors.readiness_inputs(program=program, rep_ids=[user.pk])
        passed = extra[user.pk]["passed_modules"]
    return render(
        request,
        "training/program_detail.html",
        {
            "program": program,
            "modules": modules,
            "passed": passed,
            "seminars": seminars,
            "seminar_days": sorted({timezone.localtime(s.starts_at).date() for s in seminars}),
            "enrolment": enrolment,
            "mine": mine,
            "n_enrolled": program.enrolments.count(),
            "statuses": ProgramStatus,
            "next_statuses": sorted(services.STATUS_FLOW.get(ProgramStatus(program.status), ())),
            "enrol_form": forms.EnrolForm(),
            "can": {
                "manage": perms.can_manage_program(user=user),
                "edit_content": perms.can_edit_content(user=user),
                "take": perms.can_take_prework(user=user, program=program),
                "dashboard": perms.can_view_dashboard(user=user),
                "prep": perms.can_view_prep_report(user=user)
                and perms.can_view_dashboard(user=user),
                "enrol": perms.role_may(user, "training.add_enrolment"),
            },
        },
    )


@role_required(*ALL)
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.can_manage_program(user=user))
    initial = {f: getattr(program, f) for f in services.PROGRAM_CHANGEABLE}
    form = forms.ProgramForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.program_update(
                    program=program, user=user, changes=_program_values(dict(form.cleaned_data))
                )
            except TrainingRuleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Program saved.")
                return redirect("training:program", pk=program.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {"form": form, "title": f"Edit {program.title}", "program": program},
        status=status,
    )


@require_POST
@role_required(*ALL)
def program_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.can_manage_program(user=user))
    try:
        services.program_set_status(
            program=program, user=user, status=request.POST.get("status", "")
        )
    except TrainingRuleError as exc:
        return _error(request, str(exc), status=409, back=reverse("training:program", args=[pk]))
    messages.success(request, f"The program is now {program.get_status_display().lower()}.")
    return redirect("training:program", pk=pk)


@require_POST
@role_required(*ALL)
def program_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.role_may(user, "training.add_enrolment"))
    form = forms.EnrolForm(request.POST)
    back = reverse("training:program", args=[pk])
    if not form.is_valid():
        return _error(request, _form_error_text(form), back=back)
    team, territory = form.cleaned_data["team"], form.cleaned_data["territory"]
    manager_id = (
        team.manager_id if team else (territory.team.manager_id if territory.team else None)
    )
    perms.require(perms.can_enrol(user=user, team_manager_id=manager_id), perms.ERROR_TEAM_DENIED)
    try:
        if team:
            new = services.enrol_team(program=program, user=user, team=team)
        else:
            new = services.enrol_territory(program=program, user=user, territory=territory)
    except TrainingRuleError as exc:
        return _error(request, str(exc), back=back)
    messages.success(request, f"{len(new)} rep(s) enrolled.")
    return redirect(back)


# ---------------------------------------------------------------- modules and questions


@role_required(*ALL)
def module_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.can_edit_content(user=user))
    form = forms.ModuleForm(request.POST or None, program=program)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            assets = list(data.pop("assets"))
            try:
                module = services.module_create(program=program, user=user, assets=assets, **data)
            except TrainingRuleError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("training:module", pk=module.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {"form": form, "title": f"New module of {program.title}", "program": program},
        status=status,
    )


@role_required(*ALL)
def module_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    module = _module(request, pk)
    perms.require(perms.can_edit_content(user=user))
    initial = {f: getattr(module, f) for f in services.MODULE_FIELDS}
    initial["assets"] = list(module.assets.all())
    form = forms.ModuleForm(request.POST or None, initial=initial, program=module.program)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            assets = list(data.pop("assets"))
            try:
                services.module_update(module=module, user=user, changes=data, assets=assets)
            except TrainingRuleError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("training:module", pk=module.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {"form": form, "title": f"Edit {module.title}", "program": module.program},
        status=status,
    )


@role_required(*ALL)
def module_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    module = _module(request, pk)
    program = module.program
    attempts = selectors.attempts_of(module=module, rep=user)
    return render(
        request,
        "training/module_detail.html",
        {
            "module": module,
            "program": program,
            "assets": selectors.module_assets(module=module),
            "attempts": attempts,
            "passed": any(a.passed for a in attempts),
            "open_attempt": next((a for a in attempts if a.is_open), None),
            "attempts_left": selectors.attempts_left(module=module, rep=user),
            "n_questions": module.questions.filter(active=True).count(),
            "can": {
                "take": perms.can_take_prework(user=user, program=program),
                "edit": perms.can_edit_content(user=user),
                "bank": perms.can_view_dashboard(user=user) or perms.can_edit_content(user=user),
            },
        },
    )


@role_required(*ALL)
def question_bank(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    module = _module(request, pk)
    perms.require(perms.can_view_dashboard(user=user) or perms.can_edit_content(user=user))
    bank = selectors.question_bank(module=module)
    rep_ids = list(
        module.program.enrolments.filter(perms.results_scope(user=user)).values_list(
            "rep_id", flat=True
        )
    )
    items, _, _ = selectors.item_analysis_for(program=module.program, rep_ids=rep_ids)
    stats = {i.question.pk: i.stats for i in items}
    return render(
        request,
        "training/question_bank.html",
        {
            "module": module,
            "program": module.program,
            "rows": [(q, stats.get(q.pk)) for q in bank],
            "can_edit": perms.can_edit_content(user=user),
        },
    )


@role_required(*ALL)
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    module = _module(request, pk)
    perms.require(perms.can_edit_content(user=user))
    form = forms.QuestionForm(request.POST or None, request.FILES or None, program=module.program)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _question_from_form(module, user, form.cleaned_data)
            except TrainingRuleError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Question added to the bank.")
                return redirect("training:questions", pk=module.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {
            "form": form,
            "title": f"New question for {module.title}",
            "program": module.program,
            "multipart": True,
        },
        status=status,
    )


def _question_from_form(module: Module, user: User, data: dict[str, Any]) -> Question:
    concept = data.get("concept")
    if concept is None:
        name = data["new_concept"].strip()
        from django.utils.text import slugify

        concept = services.concept_get_or_create(
            program=module.program, user=user, code=slugify(name)[:60] or "concept", name=name
        )
    regions = list(data["regions"])
    seed = data.get("figure_seed")
    if data.get("landmark") and seed is not None:
        x, y = schematic.generate_case(seed).landmarks[data["landmark"]]
        regions.append({"x": x, "y": y, "r": data.get("landmark_radius") or 18})
    upload = data.get("image")
    image = (upload.name, upload.read()) if upload else None
    return services.question_create(
        module=module,
        user=user,
        concept=concept,
        kind=data["kind"],
        prompt=data["prompt"],
        explanation=data["explanation"],
        options=data["option_list"],
        numeric_answer=data.get("numeric_answer"),
        numeric_tolerance=data.get("numeric_tolerance") or 0.0,
        unit=data.get("unit") or "",
        figure_seed=seed,
        image=image,
        hotspots=regions,
    )


@require_POST
@role_required(*ALL)
def question_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    question = get_object_or_404(Question.objects.select_related("module__program"), pk=pk)
    perms.access_module(user=user, module=question.module)
    perms.require(perms.can_edit_content(user=user))
    services.question_set_active(
        question=question, user=user, active=request.POST.get("active") == "1"
    )
    return redirect("training:questions", pk=question.module_id)


@role_required(*ALL)
def question_image(request: HttpRequest, pk: int) -> FileResponse:
    question = get_object_or_404(Question.objects.select_related("module__program"), pk=pk)
    perms.access_module(user=_me(request), module=question.module)
    if not question.image:
        raise Http404("This question has no uploaded image.")
    handle = question.image.open("rb")
    head = handle.read(8)
    handle.seek(0)
    # The type comes from the bytes, never from the stored name: an image uploaded as
    # "x.html" must not be rendered as a page.
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        response = FileResponse(handle, content_type="image/png")
    elif head.startswith(b"\xff\xd8\xff"):
        response = FileResponse(handle, content_type="image/jpeg")
    else:
        response = FileResponse(handle, as_attachment=True, content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---------------------------------------------------------------- quizzes


@require_POST
@role_required(*ALL)
def quiz_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    module = _module(request, pk)
    perms.require(
        perms.can_take_prework(user=user, program=module.program), perms.ERROR_NOT_ENROLLED
    )
    try:
        attempt = services.quiz_start(module=module, rep=user)
    except TrainingRuleError as exc:
        return _error(request, str(exc), status=409, back=reverse("training:module", args=[pk]))
    return redirect("training:attempt", pk=attempt.pk)


def _attempt(request: HttpRequest, pk: int) -> QuizAttempt:
    attempt = get_object_or_404(
        QuizAttempt.objects.select_related("module__program__campaign", "rep"), pk=pk
    )
    return perms.access_attempt(user=_me(request), attempt=attempt)


def _figure(question: Question, name: str) -> str:
    """The inline SVG a hotspot question is answered on."""
    attrs = f'data-hotspot="{name}"'
    if question.figure_seed is not None:
        case = schematic.generate_case(question.figure_seed)
        return schematic.render_svg(case, element_id=f"figure-{name}", attrs=attrs)
    url = reverse("training:question_image", args=[question.pk])
    w, h = question.image_width or 800, question.image_height or 600
    return (
        f'<svg id="figure-{name}" class="radiograph" viewBox="0 0 {w} {h}" {attrs} '
        f'xmlns="http://www.w3.org/2000/svg"><image href="{url}" width="{w}" height="{h}"/>'
        '<g class="overlay"></g><g class="marks"></g></svg>'
    )


def _attempt_context(attempt: QuizAttempt, user: User) -> dict[str, Any]:
    shown = selectors.attempt_questions(attempt=attempt)
    module = attempt.module
    left = selectors.attempts_left(module=module, rep=attempt.rep)
    passed_any = QuizAttempt.objects.filter(module=module, rep=attempt.rep, passed=True).exists()
    for s in shown:
        if s.question.kind == QuestionKind.HOTSPOT:
            s.figure = mark_safe(_figure(s.question, f"q{s.question.pk}"))  # type: ignore[attr-defined]
    return {
        "attempt": attempt,
        "module": module,
        "program": module.program,
        "shown": shown,
        "is_mine": attempt.rep_id == user.pk,
        "attempts_left": left,
        # The right answers are shown once the rep has passed or has no attempt left.
        "reveal": passed_any or left == 0,
    }


@role_required(*ALL)
def attempt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    attempt = _attempt(request, pk)
    if attempt.is_open and attempt.rep_id != user.pk:
        raise PermissionDenied(services.ERROR_NOT_YOUR_ATTEMPT)
    return render(request, "training/attempt.html", _attempt_context(attempt, user))


@require_POST
@role_required(*ALL)
def attempt_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    attempt = _attempt(request, pk)
    if attempt.rep_id != user.pk:
        raise PermissionDenied(services.ERROR_NOT_YOUR_ATTEMPT)
    if not attempt.is_open:
        return _error(
            request,
            services.ERROR_ATTEMPT_SUBMITTED.format(at=attempt.submitted_at),
            status=409,
            back=reverse("training:attempt", args=[pk]),
        )
    responses: dict[int, Any] = {}
    for qid in attempt.layout["questions"]:
        values = request.POST.getlist(f"q{qid}")
        responses[int(qid)] = values if len(values) > 1 else (values[0] if values else None)
    try:
        services.quiz_submit(attempt=attempt, rep=user, responses=responses)
    except TrainingRuleError as exc:
        context = _attempt_context(attempt, user)
        context["error"] = str(exc)
        return render(request, "training/attempt.html", context, status=400)
    return redirect("training:attempt", pk=pk)


# ---------------------------------------------------------------- readiness and reports


@role_required(*ALL)
def readiness_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.can_view_dashboard(user=user))
    enrolments = selectors.enrolments_visible(program=program, user=user)
    rows = selectors.readiness_rows(program=program, enrolments=enrolments)
    if request.GET.get("format") == "csv":
        return _readiness_csv(program, rows)
    return render(
        request,
        "training/readiness.html",
        {
            "program": program,
            "rows": rows,
            "summary": selectors.dashboard_summary(rows=rows),
            "weights": program.weights,
        },
    )


def _readiness_csv(program: Program, rows: list[selectors.ReadinessRow]) -> HttpResponse:
    response = not_stored(HttpResponse(content_type="text/csv"))
    response["Content-Disposition"] = f'attachment; filename="readiness-{program.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["rep", "team", "index", "prework", "quiz", "exercise", "roleplay", "certified", "unmet"]
    )
    for r in rows:
        c = r.readiness.components
        writer.writerow(
            safe_row(
                [
                    r.rep.get_full_name() or r.rep.username,
                    r.enrolment.source_label,
                    f"{r.readiness.index:.1f}",
                    *(f"{c[k]:.3f}" for k in ("prework", "quiz", "exercise", "roleplay")),
                    r.certified_at.date().isoformat() if r.certified_at else "",
                    " | ".join(r.readiness.unmet),
                ]
            )
        )
    return response


@role_required(*ALL)
def rep_progress(request: HttpRequest, pk: int, rep_id: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("rep", "program"), program=program, rep_id=rep_id
    )
    perms.access_enrolment(user=user, enrolment=enrolment)
    row = selectors.readiness_for(enrolment=enrolment)
    attempts = (
        QuizAttempt.objects.filter(module__program=program, rep_id=rep_id)
        .select_related("module")
        .order_by("module__position", "number")
    )
    return render(
        request,
        "training/rep_progress.html",
        {
            "program": program,
            "row": row,
            "attempts": attempts,
            "vhs_attempts": selectors.vhs_attempts_of(program=program, rep=enrolment.rep),
            "roleplays": RolePlay.objects.filter(scenario__program=program, rep_id=rep_id)
            .select_related("scenario", "seminar")
            .prefetch_related("scores__scorer"),
            "weights": program.weights,
        },
    )


def _prep(
    request: HttpRequest, program: Program, enrolments: list[Enrolment], seminar: Seminar | None
) -> HttpResponse:
    report = selectors.prep_report(program=program, enrolments=enrolments)
    return render(
        request,
        "training/prep_report.html",
        {"program": program, "report": report, "seminar": seminar},
    )


@role_required(*ALL)
def program_prep(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.can_view_prep_report(user=user) and perms.can_view_dashboard(user=user))
    return _prep(
        request, program, list(selectors.enrolments_visible(program=program, user=user)), None
    )


# ---------------------------------------------------------------- seminars


@role_required(*ALL)
def seminar_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.role_may(user, "training.add_seminar"))
    form = forms.SeminarForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            teams = list(data["teams"])
            cohort = list(
                program.enrolments.filter(rep__territories__team__in=teams)
                .distinct()
                .select_related("rep")
            )
            try:
                seminar = services.seminar_create(
                    program=program,
                    user=user,
                    title=data["title"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    place=data["place"],
                    online_link=data["online_link"],
                    trainers=list(data["trainers"]),
                    cohort=cohort,
                    notes=data["notes"],
                )
            except TrainingRuleError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("training:seminar", pk=seminar.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {"form": form, "title": f"New seminar of {program.title}", "program": program},
        status=status,
    )


def _seminar(request: HttpRequest, pk: int) -> Seminar:
    seminar = get_object_or_404(Seminar.objects.select_related("program__campaign"), pk=pk)
    return perms.access_seminar(user=_me(request), seminar=seminar)


@role_required(*ALL)
def seminar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    _seminar(request, pk)
    seminar = selectors.seminar_for_page(pk=pk)
    can_run = perms.can_run_seminar(user=user, seminar=seminar)
    program = seminar.program
    reps = User.objects.filter(training_enrolments__seats__seminar=seminar).order_by(
        "last_name", "first_name"
    )
    return render(
        request,
        "training/seminar.html",
        {
            "seminar": seminar,
            "program": program,
            "can_run": can_run,
            "can_prep": perms.can_view_seminar_prep(user=user, seminar=seminar),
            "roleplays": RolePlay.objects.filter(seminar=seminar)
            .select_related("scenario", "rep")
            .prefetch_related("scores"),
            "roleplay_form": forms.RolePlayForm(scenarios=program.scenarios.all(), reps=reps)
            if can_run
            else None,
        },
    )


@require_POST
@role_required(*ALL)
def seminar_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    seminar = _seminar(request, pk)
    perms.require(perms.can_run_seminar(user=user, seminar=seminar))
    back = reverse("training:seminar", args=[pk])
    try:
        seated = [int(v) for v in request.POST.getlist("seated")]
        present = {int(v) for v in request.POST.getlist("present")}
    except ValueError:
        return _error(request, "Attendance: the rep ids are not numbers.", back=back)
    try:
        services.attendance_record(
            seminar=seminar, user=user, attended={e: e in present for e in seated}
        )
    except TrainingRuleError as exc:
        return _error(request, str(exc), back=back)
    messages.success(request, "Attendance saved.")
    return redirect(back)


@role_required(*ALL)
def seminar_prep(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    seminar = _seminar(request, pk)
    perms.require(perms.can_view_seminar_prep(user=user, seminar=seminar))
    seminar = selectors.seminar_for_page(pk=pk)
    return _prep(request, seminar.program, selectors.seminar_enrolments(seminar=seminar), seminar)


# ---------------------------------------------------------------- role-plays


@role_required(*ALL)
def roleplay_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    return render(
        request,
        "training/roleplays.html",
        {
            "program": program,
            "scenarios": selectors.scenarios_of(program=program),
            "roleplays": selectors.roleplays_visible(program=program, user=user),
            "can_build": perms.role_may(user, "training.add_roleplayscenario"),
            "top_objections": campaign_selectors.roleplay_scenarios_for(
                campaign=program.campaign, limit=6
            ),
        },
    )


@require_POST
@role_required(*ALL)
def scenarios_build(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.role_may(user, "training.add_roleplayscenario"))
    back = reverse("training:roleplays", args=[pk])
    try:
        created = services.scenarios_build(program=program, user=user)
    except TrainingRuleError as exc:
        return _error(request, str(exc), status=409, back=back)
    messages.success(request, f"{len(created)} scenario(s) built from the top objections.")
    return redirect(back)


@require_POST
@role_required(*ALL)
def roleplay_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    seminar = _seminar(request, pk)
    perms.require(perms.can_run_seminar(user=user, seminar=seminar))
    reps = User.objects.filter(training_enrolments__seats__seminar=seminar)
    form = forms.RolePlayForm(request.POST, scenarios=seminar.program.scenarios.all(), reps=reps)
    back = reverse("training:seminar", args=[pk])
    if not form.is_valid():
        return _error(request, _form_error_text(form), back=back)
    try:
        roleplay = services.roleplay_create(
            scenario=form.cleaned_data["scenario"],
            rep=form.cleaned_data["rep"],
            user=user,
            seminar=seminar,
        )
    except TrainingRuleError as exc:
        return _error(request, str(exc), back=back)
    return redirect("training:roleplay", pk=roleplay.pk)


def _roleplay(request: HttpRequest, pk: int) -> RolePlay:
    get_object_or_404(RolePlay, pk=pk)
    roleplay = selectors.roleplay_for_page(pk=pk)
    return perms.access_roleplay(user=_me(request), roleplay=roleplay)


@role_required(*ALL)
def roleplay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    roleplay = _roleplay(request, pk)
    as_trainer = perms.can_score_as_trainer(user=user, roleplay=roleplay)
    as_self = perms.can_self_score(user=user, roleplay=roleplay)
    mine = next((s for s in roleplay.scores.all() if s.scorer_id == user.pk), None)
    initial = {c: getattr(mine, c) for c in RUBRIC} | {"comment": mine.comment} if mine else None
    return render(
        request,
        "training/roleplay.html",
        {
            "roleplay": roleplay,
            "program": roleplay.scenario.program,
            "scores": roleplay.scores.all(),
            "rubric": [(c, RUBRIC_LABELS[c]) for c in RUBRIC],
            "form": forms.RolePlayScoreForm(initial=initial) if (as_trainer or as_self) else None,
            "scoring_as": "trainer" if as_trainer else "self" if as_self else None,
        },
    )


@require_POST
@role_required(*ALL)
def roleplay_score(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    roleplay = _roleplay(request, pk)
    if perms.can_score_as_trainer(user=user, roleplay=roleplay):
        kind = ScorerKind.TRAINER
    elif perms.can_self_score(user=user, roleplay=roleplay):
        kind = ScorerKind.SELF
    else:
        raise PermissionDenied(perms.ERROR_NOT_ALLOWED)
    scores = {c: request.POST.get(c) for c in RUBRIC}
    try:
        services.roleplay_score(
            roleplay=roleplay,
            user=user,
            kind=kind,
            scores=scores,
            comment=request.POST.get("comment", ""),
        )
    except TrainingRuleError as exc:
        return _error(request, str(exc), back=reverse("training:roleplay", args=[pk]))
    messages.success(request, "Score saved.")
    return redirect("training:roleplay", pk=pk)


# ---------------------------------------------------------------- VHS exercise


@role_required(*ALL)
def vhs_home(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    return render(
        request,
        "training/vhs_home.html",
        {
            "program": program,
            "cases": selectors.vhs_cases_of(program=program),
            "attempts": selectors.vhs_attempts_of(program=program, rep=user),
            "can_upload": perms.can_upload_case(user=user),
            "can_practise": perms.can_practise_vhs(user=user, program=program),
        },
    )


@role_required(*ALL)
def vhs_new(request: HttpRequest, pk: int) -> HttpResponse:
    _program(request, pk)
    return redirect("training:vhs_generated", pk=pk, seed=schematic.random_seed())


def _measure_context(program: Program, user: User, svg: str, **extra: Any) -> dict[str, Any]:
    return {
        "program": program,
        "svg": mark_safe(svg),
        "can_submit": perms.can_practise_vhs(user=user, program=program),
        **extra,
    }


@role_required(*ALL)
def vhs_generated(request: HttpRequest, pk: int, seed: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    if seed > schematic.MAX_SEED:
        raise Http404("No such case.")
    case = schematic.generate_case(seed)
    return render(
        request,
        "training/vhs_measure.html",
        _measure_context(
            program,
            user,
            schematic.render_svg(case, attrs='data-measure="1"'),
            title=f"Generated case {seed}",
            seed=seed,
            action=reverse("training:vhs_submit", args=[pk]),
        ),
    )


def _uploaded_svg(case: VhsCase, overlay: str = "", attrs: str = 'data-measure="1"') -> str:
    url = reverse("training:vhs_case_image", args=[case.pk])
    return (
        f'<svg id="radiograph" class="radiograph" viewBox="0 0 {case.width} {case.height}" '
        f'xmlns="http://www.w3.org/2000/svg" {attrs}>'
        f'<image href="{url}" width="{case.width}" height="{case.height}"/>'
        f'<g class="overlay">{overlay}</g><g class="marks"></g></svg>'
    )


def _case(request: HttpRequest, pk: int) -> VhsCase:
    case = get_object_or_404(VhsCase.objects.select_related("program__campaign"), pk=pk)
    return perms.access_case(user=_me(request), case=case)


@role_required(*ALL)
def vhs_case(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    case = _case(request, pk)
    return render(
        request,
        "training/vhs_measure.html",
        _measure_context(
            case.program,
            user,
            _uploaded_svg(case),
            title=case.title,
            case=case,
            action=reverse("training:vhs_submit", args=[case.program_id]),
        ),
    )


@role_required(*ALL)
def vhs_case_image(request: HttpRequest, pk: int) -> FileResponse:
    case = _case(request, pk)
    return FileResponse(case.image.open("rb"))


@role_required(*ALL)
def vhs_case_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.can_upload_case(user=user))
    form = forms.VhsCaseForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                case = services.vhs_case_upload(
                    program=program,
                    user=user,
                    title=data["title"],
                    file_name=upload.name,
                    data=upload.read(),
                    reference_vhs=data["reference_vhs"],
                    breed=data["breed"],
                    measured_by=data["measured_by"],
                    notes=data["notes"],
                )
            except TrainingRuleError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request, "Radiograph added. You can now mark the reference points."
                )
                return redirect("training:vhs_case_reference", pk=case.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "Add a radiograph", "program": program, "multipart": True},
        status=status,
    )


@role_required(*ALL)
def vhs_case_reference(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    case = _case(request, pk)
    perms.require(perms.can_upload_case(user=user))
    return render(
        request,
        "training/vhs_measure.html",
        {
            "program": case.program,
            "svg": mark_safe(_uploaded_svg(case)),
            "can_submit": True,
            "title": f"Reference measurement: {case.title}",
            "case": case,
            "reference_mode": True,
            "action": reverse("training:vhs_case_reference_save", args=[case.pk]),
        },
    )


@require_POST
@role_required(*ALL)
def vhs_case_reference_save(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    case = _case(request, pk)
    perms.require(perms.can_upload_case(user=user))
    try:
        services.vhs_case_set_reference(case=case, user=user, points=request.POST.get("points", ""))
    except TrainingRuleError as exc:
        return _error(request, str(exc), back=reverse("training:vhs_case_reference", args=[pk]))
    messages.success(request, f"Reference VHS set to {case.reference_vhs:.1f}.")
    return redirect("training:vhs", pk=case.program_id)


@require_POST
@role_required(*ALL)
def vhs_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    program = _program(request, pk)
    perms.require(perms.can_practise_vhs(user=user, program=program), perms.ERROR_NOT_ENROLLED)
    back = reverse("training:vhs", args=[pk])
    case = None
    seed = None
    try:
        if request.POST.get("case"):
            case = get_object_or_404(VhsCase, pk=int(request.POST["case"]), program=program)
        else:
            seed = int(request.POST.get("seed", ""))
    except ValueError:
        return _error(request, "Say which case you measured (a case number).", back=back)
    try:
        attempt = services.vhs_submit(
            program=program, rep=user, points=request.POST.get("points", ""), seed=seed, case=case
        )
    except TrainingRuleError as exc:
        return _error(request, str(exc), back=request.META.get("HTTP_REFERER", back))
    return redirect("training:vhs_attempt", pk=attempt.pk)


@role_required(*ALL)
def vhs_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    attempt = get_object_or_404(VhsAttempt.objects.select_related("program", "case", "rep"), pk=pk)
    perms.access_vhs_attempt(user=user, attempt=attempt)
    mine = schematic.overlay_svg(attempt.points, css_class="mine")
    if attempt.case is None:
        assert attempt.seed is not None
        case = schematic.generate_case(attempt.seed)
        reference = schematic.overlay_svg(case.reference_points, css_class="ref")
        svg = schematic.render_svg(case, overlay=reference + mine)
    else:
        reference = (
            schematic.overlay_svg(attempt.case.reference_points, css_class="ref")
            if attempt.case.reference_points
            else ""
        )
        svg = _uploaded_svg(attempt.case, overlay=reference + mine, attrs="")
    return render(
        request,
        "training/vhs_attempt.html",
        {"attempt": attempt, "program": attempt.program, "svg": mark_safe(svg)},
    )


# ---------------------------------------------------------------- reminders


@role_required(*ALL)
def reminders(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    items = selectors.reminders_for(user=user)
    services.reminders_mark_read(user=user)
    return render(
        request,
        "training/reminders.html",
        {"reminders": items, "todos": selectors.todos_for(user=user)},
    )


# ---------------------------------------------------------------- customer kits


@role_required(*ALL)
def kit_list(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    perms.require(perms.role_may(user, "training.view_customerkit"), perms.ERROR_KIT_HIDDEN)
    return render(
        request,
        "training/kit_list.html",
        {
            "kits": selectors.kit_list(),
            "can_create": perms.can_create_kit(user=user),
            "scores": selectors.kit_scores(),
        },
    )


@role_required(*ALL)
def kit_create(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    perms.require(perms.can_create_kit(user=user))
    form = forms.KitForm(
        request.POST or None, campaigns=campaign_selectors.campaign_list_for(user=user)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                kit = services.kit_create(
                    campaign=data["campaign"],
                    user=user,
                    title=data["title"],
                    intro=data["intro"],
                    modules=list(data["modules"]),
                    questions=list(data["questions"]),
                    include_vhs=data["include_vhs"],
                    link_days=data["link_days"],
                )
            except TrainingRuleError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("training:kit", pk=kit.pk)
        status = 400
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "New customer training kit"},
        status=status,
    )


def _kit(request: HttpRequest, pk: int) -> CustomerKit:
    kit = get_object_or_404(CustomerKit.objects.select_related("campaign"), pk=pk)
    return perms.access_kit(user=_me(request), kit=kit)


@role_required(*ALL)
def kit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    _kit(request, pk)
    kit = selectors.kit_for_page(pk=pk)
    can_invite = perms.can_invite(user=user)
    trainings: list[CustomerTraining] = []
    if can_invite:
        trainings = [
            t
            for t in field_selectors.training_list(user=user)[:40]
            if field_perms.can_change_training(user=user, training=t)
        ][:15]
    issued = request.session.pop("kit_links", None)
    invitations = list(selectors.invitations_visible(user=user, kit=kit)[:200])
    # Each training with the campaign it counts for (None where the user may not see it).
    for t in [*trainings, *(i.training for i in invitations if i.training is not None)]:
        t.campaign_shown = field_perms.training_campaign_shown(user=user, training=t)  # type: ignore[attr-defined]
    now = timezone.now()
    for invitation in invitations:
        # The sender can copy a vet's link again while it is valid; tokens carry no secret
        # beyond the invitation's nonce, so a fresh signature names the same invitation.
        usable = invitation.revoked_at is None and invitation.expires_at > now
        invitation.link = (  # type: ignore[attr-defined]
            request.build_absolute_uri(
                reverse("training:kit_public", args=[services.kit_token(invitation)])
            )
            if usable and invitation.issued_by_id == user.pk
            else ""
        )
    return render(
        request,
        "training/kit_detail.html",
        {
            "kit": kit,
            "questions": selectors.kit_questions(kit=kit),
            "invitations": invitations,
            "trainings": trainings,
            "can_invite": can_invite,
            "issued": issued,
        },
    )


@require_POST
@role_required(*ALL)
def kit_invite(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    kit = _kit(request, pk)
    perms.require(perms.can_invite(user=user))
    back = reverse("training:kit", args=[pk])
    try:
        training_id = int(request.POST.get("training", ""))
        vet_ids = [int(v) for v in request.POST.getlist("vets")]
    except ValueError:
        return _error(request, "Choose the customer training whose vets you invite.", back=back)
    training = get_object_or_404(CustomerTraining.objects.select_related("clinic"), pk=training_id)
    field_perms.access_training(user=user, training=training, change=True)
    attendees = list(training.attendees.all())
    vets = [v for v in attendees if v.pk in vet_ids] if vet_ids else attendees
    try:
        issued = services.kit_invite(
            kit=kit,
            user=user,
            training=training,
            vets=vets,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except TrainingRuleError as exc:
        return _error(request, str(exc), back=back)
    request.session["kit_links"] = [
        {
            "vet": str(inv.vet),
            "url": request.build_absolute_uri(reverse("training:kit_public", args=[token])),
        }
        for inv, token in issued
    ]
    messages.success(request, f"{len(issued)} personal link(s) created.")
    return redirect(back)


# ---------------------------------------------------------------- the vet's side (no account)


def _invitation(token: str) -> KitInvitation:
    return services.kit_invitation_from_token(token)


def _link_error(request: HttpRequest, exc: KitLinkError) -> HttpResponse:
    return render(request, "training/kit_link_error.html", {"message": str(exc)}, status=exc.status)


def kit_public(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = _invitation(token)
    except KitLinkError as exc:
        return _link_error(request, exc)
    kit = selectors.kit_for_page(pk=invitation.kit_id)
    return render(
        request,
        "training/kit_public.html",
        {
            "invitation": invitation,
            "kit": kit,
            "token": token,
            "modules": list(kit.modules.order_by("position")) if invitation.pre_taken_at else [],
        },
    )


def kit_public_test(request: HttpRequest, token: str, test: str) -> HttpResponse:
    try:
        invitation = _invitation(token)
    except KitLinkError as exc:
        return _link_error(request, exc)
    if test not in KitTest.values:
        raise Http404("No such test.")
    return render(request, "training/kit_test.html", _kit_test_context(invitation, token, test))


def _kit_test_context(invitation: KitInvitation, token: str, test: str) -> dict[str, Any]:
    questions = selectors.kit_questions(kit=invitation.kit)
    shown = []
    for number, q in enumerate(questions, start=1):
        figure = mark_safe(_figure(q, f"q{q.pk}")) if q.kind == QuestionKind.HOTSPOT else ""
        shown.append(
            {"number": number, "question": q, "options": list(q.options.all()), "figure": figure}
        )
    taken = invitation.pre_taken_at if test == KitTest.PRE else invitation.post_taken_at
    return {
        "invitation": invitation,
        "token": token,
        "test": test,
        "test_label": KitTest(test).label,
        "shown": shown,
        "taken": taken,
    }


@require_POST
def kit_public_test_submit(request: HttpRequest, token: str, test: str) -> HttpResponse:
    try:
        invitation = _invitation(token)
    except KitLinkError as exc:
        return _link_error(request, exc)
    if test not in KitTest.values:
        raise Http404("No such test.")
    responses: dict[int, Any] = {}
    for q in selectors.kit_questions(kit=invitation.kit):
        values = request.POST.getlist(f"q{q.pk}")
        responses[q.pk] = values if len(values) > 1 else (values[0] if values else None)
    try:
        services.kit_test_submit(invitation=invitation, test=test, responses=responses)
    except TrainingRuleError as exc:
        context = _kit_test_context(invitation, token, test)
        context["error"] = str(exc)
        status = 409 if invitation.pre_taken_at and test == KitTest.PRE else 400
        return render(request, "training/kit_test.html", context, status=status)
    return redirect("training:kit_public", token=token)


def kit_public_vhs(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = _invitation(token)
    except KitLinkError as exc:
        return _link_error(request, exc)
    seed = schematic.random_seed()
    case = schematic.generate_case(seed)
    return render(
        request,
        "training/kit_vhs.html",
        {
            "invitation": invitation,
            "token": token,
            "seed": seed,
            "svg": mark_safe(schematic.render_svg(case, attrs='data-measure="1"')),
            "now": timezone.now(),
        },
    )


@require_POST
def kit_public_vhs_submit(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = _invitation(token)
    except KitLinkError as exc:
        return _link_error(request, exc)
    try:
        seed = int(request.POST.get("seed", ""))
        vhs, reference, error = services.kit_vhs_submit(
            invitation=invitation, seed=seed, points=request.POST.get("points", "")
        )
    except (ValueError, TrainingRuleError) as exc:
        message = str(exc) if isinstance(exc, TrainingRuleError) else "The case number is missing."
        return render(
            request,
            "training/kit_link_error.html",
            {"message": message, "token": token},
            status=400,
        )
    case = schematic.generate_case(seed)
    overlay = schematic.overlay_svg(case.reference_points, css_class="ref")
    with contextlib.suppress(TrainingRuleError):
        overlay += schematic.overlay_svg(
            services.parse_points(request.POST.get("points", "")), css_class="mine"
        )
    return render(
        request,
        "training/kit_vhs_result.html",
        {
            "token": token,
            "vhs": vhs,
            "reference": reference,
            "error": error,
            "svg": mark_safe(schematic.render_svg(case, overlay=overlay)),
        },
    )
