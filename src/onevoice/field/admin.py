"""Field data in Django's admin site: read and correct; imports and erasure have pages.

Changes made here bypass the services' audit rows, so the admin only lists and lets an
administrator look things up; every change goes through the field pages or the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onevoice.field.models import (
    Activity,
    Clinic,
    CrmImport,
    CustomerTraining,
    LadderMove,
    TrainingAttendance,
    Vet,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, don't touch: changes go through the services, which audit them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clinic)
class ClinicAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "city", "region", "territory", "segment", "potential", "stage")
    list_select_related = ("region", "territory")
    list_filter = ("region", "segment", "stage")
    search_fields = ("code", "name", "city")


@admin.register(Vet)
class VetAdmin(ReadOnlyAdmin):
    list_display = ("code", "__str__", "clinic", "role", "consent_to_contact", "stage")
    list_select_related = ("clinic",)
    list_filter = ("role", "stage", "consent_to_contact")
    search_fields = ("code", "last_name", "clinic__code")


class AttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    extra = 0
    raw_id_fields = ("vet",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CustomerTraining)
class CustomerTrainingAdmin(ReadOnlyAdmin):
    list_display = ("code", "date", "campaign", "format", "clinic", "rep", "field_vet")
    list_select_related = ("clinic", "campaign", "rep", "field_vet")
    list_filter = ("campaign", "format")
    date_hierarchy = "date"
    search_fields = ("code", "clinic__code", "clinic__name")
    inlines = [AttendanceInline]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "clinic", "rep")
    list_select_related = ("clinic", "rep")
    list_filter = ("kind",)
    date_hierarchy = "occurred_at"
    search_fields = ("clinic__code", "clinic__name")


@admin.register(LadderMove)
class LadderMoveAdmin(ReadOnlyAdmin):
    list_display = ("moved_at", "clinic", "vet", "from_stage", "to_stage", "moved_by")
    list_select_related = ("clinic", "vet", "moved_by")
    list_filter = ("to_stage",)


@admin.register(CrmImport)
class CrmImportAdmin(ReadOnlyAdmin):
    list_display = ("uploaded_at", "kind", "file_name", "status", "uploaded_by")
    list_select_related = ("uploaded_by",)
    exclude = ("content",)
