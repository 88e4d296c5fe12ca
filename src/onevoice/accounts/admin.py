from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from onevoice.accounts.admin_audit import VIA, AuditedModelAdmin
from onevoice.accounts.models import ApiToken, AuditEvent, Region, Team, Territory, User
from onevoice.accounts.services import audit_record


@admin.register(User)
class OneVoiceUserAdmin(AuditedModelAdmin, UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("OneVoice", {"fields": ("home_region",)}))  # type: ignore[misc]
    list_display = ("username", "first_name", "last_name", "is_active")
    list_filter = ("groups", "is_active")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Roles are groups: a change made here is audited like ``user_set_role``'s."""
        user = form.instance
        before = sorted(user.groups.values_list("name", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(user.groups.values_list("name", flat=True))
        if before != after:
            actor = request.user if isinstance(request.user, User) else None
            audit_record(
                actor=actor,
                action="user.role",
                obj=user,
                before={"roles": before},
                after={"roles": after, "via": VIA},
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """A password set here is audited (that it changed, never the value)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                actor = request.user if isinstance(request.user, User) else None
                audit_record(
                    actor=actor,
                    action="user.password",
                    obj=User.objects.get(pk=id),
                    after={"via": VIA},
                )
        return response


# A group is a role: what its permissions become is audited like any other change.
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(AuditedModelAdmin, GroupAdmin):
    pass


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ("code", "name")


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ("name", "region", "manager")
    list_select_related = ("region", "manager")


@admin.register(Territory)
class TerritoryAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "region", "team", "rep")
    list_select_related = ("region", "team", "rep")
    list_filter = ("region",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
