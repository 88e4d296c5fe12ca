from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from onevoice.accounts.models import ApiToken, AuditEvent, Region, Team, Territory, User


@admin.register(User)
class OneVoiceUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("OneVoice", {"fields": ("home_region",)}))  # type: ignore[misc]
    list_display = ("username", "first_name", "last_name", "is_active")
    list_filter = ("groups", "is_active")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "manager")
    list_select_related = ("region", "manager")


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "team", "rep")
    list_select_related = ("region", "team", "rep")
    list_filter = ("region",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
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
