"""Training in the administration site: read and correct, the pages do the work."""

from django.contrib import admin

from onevoice.accounts.admin_audit import AuditedModelAdmin
from onevoice.training.models import (
    AnswerOption,
    Certification,
    Concept,
    CustomerKit,
    Enrolment,
    KitInvitation,
    Module,
    Program,
    Question,
    QuizAttempt,
    RolePlayScenario,
    Seminar,
    VhsCase,
)


class ModuleInline(admin.TabularInline):
    model = Module
    fields = ("position", "title", "pass_mark", "max_attempts", "questions_per_attempt")
    extra = 0


@admin.register(Program)
class ProgramAdmin(AuditedModelAdmin):
    list_display = ("title", "campaign", "status", "prework_due", "vhs_tolerance")
    list_filter = ("status",)
    inlines = [ModuleInline]


class AnswerOptionInline(admin.TabularInline):
    model = AnswerOption
    extra = 0


@admin.register(Question)
class QuestionAdmin(AuditedModelAdmin):
    list_display = ("__str__", "module", "concept", "kind", "active")
    list_filter = ("kind", "active", "module__program")
    inlines = [AnswerOptionInline]


@admin.register(Enrolment)
class EnrolmentAdmin(AuditedModelAdmin):
    list_display = ("rep", "program", "source", "source_label", "enrolled_at")
    list_filter = ("program", "source")
    list_select_related = ("rep", "program")


@admin.register(QuizAttempt)
class QuizAttemptAdmin(AuditedModelAdmin):
    list_display = ("rep", "module", "number", "score", "passed", "submitted_at")
    list_filter = ("module__program", "passed")
    list_select_related = ("rep", "module")


@admin.register(Seminar)
class SeminarAdmin(AuditedModelAdmin):
    list_display = ("title", "program", "starts_at", "place")


@admin.register(VhsCase)
class VhsCaseAdmin(AuditedModelAdmin):
    list_display = ("title", "program", "original_format", "reference_vhs", "active")


@admin.register(Certification)
class CertificationAdmin(AuditedModelAdmin):
    list_display = ("enrolment", "certified_at")
    list_select_related = ("enrolment__rep", "enrolment__program")


@admin.register(CustomerKit)
class CustomerKitAdmin(AuditedModelAdmin):
    list_display = ("title", "campaign", "link_days", "active")


@admin.register(KitInvitation)
class KitInvitationAdmin(AuditedModelAdmin):
    list_display = ("kit", "vet", "issued_by", "expires_at", "pre_score", "post_score")
    list_select_related = ("kit", "vet", "issued_by")
    exclude = ("nonce",)


admin.site.register(Concept, AuditedModelAdmin)
admin.site.register(RolePlayScenario, AuditedModelAdmin)
