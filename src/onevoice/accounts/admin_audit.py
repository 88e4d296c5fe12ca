"""Changes made in Django's admin site reach the audit trail like any other change.

The pages go through audited services; the admin site saves models directly, so its
model admins derive from ``AuditedModelAdmin``: every add, change (fields before and
after), inline change and deletion writes an ``AuditEvent`` in the admin's own
transaction. Values of personal or secret fields are never copied into the row, only
the fact that they changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record

# Field names whose values stay out of audit rows (secrets and people's contact details).
PRIVATE_FIELDS = frozenset(
    {
        "password",
        "password1",
        "password2",
        "usable_password",
        "key_hash",
        "email",
        "phone",
        "first_name",
        "last_name",
    }
)
CHANGED = "(changed)"
VIA = "admin site"


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a form value: ids for objects, text for dates and files."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool | dict) or value is None:
        return value
    if isinstance(value, Iterable):
        return sorted(str(_plain(v)) for v in value)
    return str(value)


def form_changes(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the form changed: the fields' values before and after, private ones masked."""
    before, after = {}, {}
    for name in form.changed_data:
        if name in PRIVATE_FIELDS:
            before[name] = after[name] = CHANGED
            continue
        before[name] = _plain(form.initial.get(name))
        after[name] = _plain(form.cleaned_data.get(name))
    return before, after


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class AuditedModelAdmin(admin.ModelAdmin):
    """A model admin whose adds, changes and deletions are audited."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before, after = form_changes(form)
        super().save_model(request, obj, form, change)
        if change and not after:
            return
        audit_record(
            actor=_actor(request),
            action="admin.change" if change else "admin.add",
            obj=obj,
            before=before if change else None,
            after={**after, "via": VIA},
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (a module's questions' options, …) are audited one by one."""
        changed = {}
        for inline_form in formset.forms:
            if inline_form.instance.pk and inline_form.has_changed():
                changed[inline_form.instance.pk] = form_changes(inline_form)
        deleted = [
            (f.instance, str(f.instance), f.instance.pk)
            for f in formset.deleted_forms
            if f.instance.pk
        ]
        super().save_formset(request, form, formset, change)
        actor = _actor(request)
        for obj in formset.new_objects:
            audit_record(actor=actor, action="admin.add", obj=obj, after={"via": VIA})
        for obj, _fields in formset.changed_objects:
            before, after = changed.get(obj.pk, ({}, {}))
            audit_record(
                actor=actor,
                action="admin.change",
                obj=obj,
                before=before,
                after={**after, "via": VIA},
            )
        for obj, text, pk in deleted:
            obj.pk = pk  # the row is gone; its id still says which one it was
            audit_record(actor=actor, action="admin.delete", obj=obj, before={"repr": text})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            actor=_actor(request), action="admin.delete", obj=obj, before={"repr": str(obj)}
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        actor = _actor(request)
        for obj in queryset:
            audit_record(actor=actor, action="admin.delete", obj=obj, before={"repr": str(obj)})
        super().delete_queryset(request, queryset)
