"""The data version dashboards are cached against: it changes with every relevant write.

A dashboard is computed once per scope and data version and then read from
:class:`~onevoice.measurement.models.DashboardSnapshot` (see :mod:`.snapshots`). The
version is a set of :class:`~onevoice.measurement.models.DataVersion` tokens, each set
to a fresh random value *in the writer's transaction*, so a reader sees new data and a
new token together, never one without the other:

* ``data``: any write to the clinics, vets, customer trainings, territories, users,
  campaigns, KPI plans and values, sales batches, uplift analyses or reps' training;
* ``activity:<territory id>`` (``activity:-`` for clinics without a territory): a
  logged, changed or deleted activity or asset use at a clinic of that territory, the
  writes the field makes many times a minute. A rep's or manager's dashboard depends on
  its territories' tokens only; head office's on all of them.

Writes are caught two ways, because neither alone sees them all: the models' own
``post_save`` / ``post_delete`` / ``m2m_changed`` signals (the admin site, the shell,
every ``save()``), and the audit row every service writes in the same transaction
(which also covers the ``bulk_create`` / ``bulk_update`` inside services, e.g. the
attendance of a training). Loaders that bulk-write without an audit row call
:func:`data_changed` themselves (the demo, KPI values).

Hooked here rather than in the owners' services because the version must change for
every writer, including ones that do not know the dashboards exist.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

DATA = "data"
ACTIVITY_PREFIX = "activity:"
NO_TERRITORY = "-"

# Apps whose rows dashboards show (directly or through readiness, KPIs and sales).
WATCHED_APPS = frozenset({"accounts", "campaigns", "field", "measurement", "training"})
# Rows of those apps that no dashboard reads, written often (sign-in, notifications).
IGNORED_MODELS = frozenset(
    {
        "accounts.apitoken",
        "accounts.auditevent",  # handled by action below
        "accounts.loginfailure",
        "campaigns.comment",
        "campaigns.notification",
        "campaigns.objection",  # its counter moves with each activity; texts are audited
        "measurement.dashboardsnapshot",
        "measurement.dataversion",
        "measurement.reviewlesson",
    }
)
# Rows that belong to one clinic's territory.
TERRITORIAL_MODELS = frozenset({"field.activity", "campaigns.assetuse"})
# Audited actions whose rows are territorial (handled by the models above) or that no
# dashboard shows.
TERRITORIAL_ACTIONS = frozenset({"activity.log", "asset.use", "objection.heard"})
IGNORED_ACTIONS = frozenset(
    {
        "api_token.create",
        "api_token.revoke",
        "comment.add",
        "crm_import.mapping",
        "crm_import.upload",
        "review.lessons",
    }
)


def _label(model: type[Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def territory_key(territory_id: int | None) -> str:
    return f"{ACTIVITY_PREFIX}{NO_TERRITORY if territory_id is None else territory_id}"


def bump(keys: Iterable[str]) -> None:
    """Give each key a fresh token, in the current transaction (sorted: two writers
    always lock the same rows in the same order)."""
    from onevoice.measurement.models import DataVersion

    now = timezone.now()
    rows = [DataVersion(key=k, token=uuid.uuid4().hex, changed_at=now) for k in sorted(set(keys))]
    if rows:
        DataVersion.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["token", "changed_at"],
        )


def data_changed() -> None:
    """Every dashboard's data changed (call it after writes that send no signal)."""
    bump([DATA])


def version_of(*, territory_ids: Iterable[int | None] | None) -> str:
    """The version of data a scope covering ``territory_ids`` shows (``None``: every
    territory), as one string that changes when any of its tokens does. It starts with
    the ``data`` token (see :func:`only_activities_changed`); 64 characters."""
    from onevoice.measurement.models import DataVersion

    qs = DataVersion.objects.order_by("key")
    if territory_ids is None:
        qs = qs.filter(key=DATA) | qs.filter(key__startswith=ACTIVITY_PREFIX)
    else:
        qs = qs.filter(key__in=[DATA, *(territory_key(t) for t in territory_ids)])
    digest = hashlib.sha256()
    data = "-"
    for key, token in qs.values_list("key", "token"):
        digest.update(f"{key}={token};".encode())
        if key == DATA:
            data = token
    return f"{data[:15]}:{digest.hexdigest()[:48]}"


def only_activities_changed(old: str, new: str) -> bool:
    """True when two versions differ only by activities (and asset uses): the writes
    the field makes many times a minute, which dashboards may show a moment late."""
    return old != new and old.partition(":")[0] == new.partition(":")[0]


# ---------------------------------------------------------------- the signal receivers


def _territory_of(instance: Any) -> list[str]:
    from onevoice.field.models import Clinic

    clinic_id = getattr(instance, "clinic_id", None)
    if clinic_id is None:
        return [DATA]
    if type(instance).clinic.is_cached(instance):  # the service passed the clinic
        return [territory_key(instance.clinic.territory_id)]
    found = Clinic.objects.filter(pk=clinic_id).values_list("territory_id", flat=True)
    # A clinic being deleted with its activities: its deletion bumps ``data`` anyway.
    return [territory_key(found[0])] if found else [DATA]


def _keys_for(instance: Any) -> list[str]:
    label = _label(type(instance))
    if label in TERRITORIAL_MODELS:
        return _territory_of(instance)
    return [DATA]


def _watched(model: type[Model]) -> bool:
    return model._meta.app_label in WATCHED_APPS and _label(model) not in IGNORED_MODELS


def on_save(sender: type[Model], instance: Any, created: bool, **kwargs: Any) -> None:
    if _label(sender) == "accounts.auditevent":
        if created and instance.action not in TERRITORIAL_ACTIONS | IGNORED_ACTIONS:
            data_changed()
        return
    fields = kwargs.get("update_fields")
    if fields is not None and set(fields) <= {"last_login"}:
        return  # signing in changes nothing a dashboard shows
    keys = _keys_for(instance)
    if not created and _label(sender) in TERRITORIAL_MODELS:
        keys.append(DATA)  # an edited activity may have moved to another clinic
    bump(keys)


def on_delete(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    bump(_keys_for(instance))


def on_m2m(sender: type[Model], instance: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_") and _watched(type(instance)):
        bump(_keys_for(instance))


def connect() -> None:
    """Connect the receivers to the watched models (from the app's ``ready``).

    Model by model, not to every sender: a ``post_delete`` receiver makes Django fetch
    each row a bulk delete removes, which the other models need not pay for.
    """
    from django.apps import apps

    from onevoice.accounts.models import AuditEvent

    post_save.connect(on_save, sender=AuditEvent, dispatch_uid="freshness.audit")
    for model in apps.get_models():
        if not _watched(model):
            continue
        label = _label(model)
        post_save.connect(on_save, sender=model, dispatch_uid=f"freshness.save.{label}")
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"freshness.delete.{label}")
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            if through is not None:
                m2m_changed.connect(
                    on_m2m, sender=through, dispatch_uid=f"freshness.m2m.{_label(through)}"
                )
