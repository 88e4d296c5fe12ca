"""Who may see and change clinics, vets, activities, trainings and CRM imports.

What a role may do comes from the role table (``accounts/roles.py``); *where* it may do
it comes from territories: a rep works in their own territories, a manager sees the
team's, a technical field vet their region's, head-office roles every clinic. Views and
API endpoints call the ``access_*`` functions; none of them tests a role itself.
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory, User
from onevoice.accounts.permissions import can_view_territory, request_user, role_of
from onevoice.accounts.roles import ROLE_PERMISSIONS
from onevoice.accounts.selectors import territories_for
from onevoice.campaigns.models import Campaign
from onevoice.campaigns.permissions import can_view_campaign
from onevoice.field.models import Activity, Clinic, CrmImport, CustomerTraining, Vet

ERROR_CLINIC_DENIED = "This clinic is outside your territories."
ERROR_CLINIC_CHANGE_DENIED = "Your role cannot change clinics in this territory."
ERROR_CLINIC_MOVE_DENIED = (
    "Only the sales manager of the team or an administrator moves a clinic to another territory."
)
ERROR_VET_DENIED = "This vet works at a clinic outside your territories."
ERROR_VET_CHANGE_DENIED = "Your role cannot change this vet."
ERROR_VET_ERASE_DENIED = "Only an administrator can export or erase a vet's personal data."
ERROR_ACTIVITY_DENIED = "This activity is outside your territories."
ERROR_ACTIVITY_CHANGE_DENIED = "Your role cannot log or change activities for this clinic."
ERROR_TRAINING_DENIED = "This customer training is outside your territories."
ERROR_TRAINING_CHANGE_DENIED = "Your role cannot log or change this customer training."
ERROR_LADDER_DENIED = "Your role cannot move clinics or vets on the adoption ladder here."
ERROR_IMPORT_DENIED = "Only an administrator imports CRM master data."

# Roles that read every clinic, whatever its territory.
HEAD_OFFICE: frozenset[Role] = frozenset({Role.ADMIN, Role.MARKETING, Role.ANALYST})


@cache
def roles_with(perm: str) -> frozenset[Role]:
    """The roles whose row of the role table holds ``perm`` (e.g. ``field.add_activity``)."""
    return frozenset(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)


def role_may(user: User, perm: str) -> bool:
    """True when the user's role holds ``perm`` in the role table."""
    role = role_of(user)
    return role is not None and role in roles_with(perm)


def can_view_clinic(*, user: User, clinic: Clinic) -> bool:
    """Head office reads every clinic; others the clinics of territories they may see."""
    role = role_of(user)
    if not role_may(user, "field.view_clinic"):
        return False
    if role in HEAD_OFFICE:
        return True
    if clinic.territory_id is None:
        # A clinic no territory covers yet: only a field vet of its region sees it.
        return role == Role.FIELD_VET and user.home_region_id == clinic.region_id
    territory: Territory = clinic.territory  # type: ignore[assignment]
    return can_view_territory(user=user, territory=territory)


def can_change_clinic(*, user: User, clinic: Clinic) -> bool:
    """Change the clinic's master data: a rep in their own territory, an administrator."""
    return role_may(user, "field.change_clinic") and can_view_clinic(user=user, clinic=clinic)


def can_add_clinic(*, user: User, territory: Territory | None) -> bool:
    """A rep adds clinics to their own territories; an administrator anywhere."""
    if not role_may(user, "field.add_clinic"):
        return False
    if territory is None:
        return role_of(user) in HEAD_OFFICE
    return can_view_territory(user=user, territory=territory)


def can_move_clinic(*, user: User, clinic: Clinic, territory: Territory | None = None) -> bool:
    """Move a clinic to ``territory`` (None: out of every territory), which changes who
    sees it: an administrator anywhere; the sales manager of the team between the team's
    territories; never a rep, who could move their own clinic out of everyone's sight.
    Without ``territory``: whether the user may move this clinic at all."""
    role = role_of(user)
    if role in HEAD_OFFICE:
        return role_may(user, "field.change_clinic")
    if role != Role.SALES_MANAGER or clinic.territory is None:
        return False
    if not can_view_territory(user=user, territory=clinic.territory):
        return False
    return territory is None or can_view_territory(user=user, territory=territory)


def access_clinic_move(*, user: User, clinic: Clinic, territory: Territory | None) -> Clinic:
    """The clinic, if the user may move it to ``territory`` (a manager never to none)."""
    if territory is None and role_of(user) not in HEAD_OFFICE:
        raise PermissionDenied(ERROR_CLINIC_MOVE_DENIED)
    if not can_move_clinic(user=user, clinic=clinic, territory=territory):
        raise PermissionDenied(ERROR_CLINIC_MOVE_DENIED)
    return clinic


def access_clinic(*, user: User, clinic: Clinic, change: bool = False) -> Clinic:
    """Return the clinic if the user may see it (and change it, with ``change``)."""
    if not can_view_clinic(user=user, clinic=clinic):
        raise PermissionDenied(ERROR_CLINIC_DENIED)
    if change and not can_change_clinic(user=user, clinic=clinic):
        raise PermissionDenied(ERROR_CLINIC_CHANGE_DENIED)
    return clinic


def can_view_vet(*, user: User, vet: Vet) -> bool:
    return role_may(user, "field.view_vet") and can_view_clinic(user=user, clinic=vet.clinic)


def can_change_vet(*, user: User, vet: Vet) -> bool:
    """Erased vets stay as anonymous counts; nobody edits them back into people."""
    if vet.erased_at is not None:
        return False
    return role_may(user, "field.change_vet") and can_view_clinic(user=user, clinic=vet.clinic)


def can_add_vet(*, user: User, clinic: Clinic) -> bool:
    return role_may(user, "field.add_vet") and can_view_clinic(user=user, clinic=clinic)


def can_erase_vet(*, user: User, vet: Vet) -> bool:
    return role_may(user, "field.erase_vet") and can_view_clinic(user=user, clinic=vet.clinic)


def access_vet(*, user: User, vet: Vet, change: bool = False, erase: bool = False) -> Vet:
    """Return the vet if the user may see them (and change or erase, when asked)."""
    if not can_view_vet(user=user, vet=vet):
        raise PermissionDenied(ERROR_VET_DENIED)
    if change and not can_change_vet(user=user, vet=vet):
        raise PermissionDenied(ERROR_VET_CHANGE_DENIED)
    if erase and not can_erase_vet(user=user, vet=vet):
        raise PermissionDenied(ERROR_VET_ERASE_DENIED)
    return vet


def can_view_activity(*, user: User, activity: Activity) -> bool:
    return role_may(user, "field.view_activity") and can_view_clinic(
        user=user, clinic=activity.clinic
    )


def can_add_activity(*, user: User, clinic: Clinic) -> bool:
    """A rep logs activities with the clinics of their own territories."""
    return role_may(user, "field.add_activity") and can_view_clinic(user=user, clinic=clinic)


def can_change_activity(*, user: User, activity: Activity) -> bool:
    return role_may(user, "field.change_activity") and can_view_clinic(
        user=user, clinic=activity.clinic
    )


def access_activity(*, user: User, activity: Activity, change: bool = False) -> Activity:
    if not can_view_activity(user=user, activity=activity):
        raise PermissionDenied(ERROR_ACTIVITY_DENIED)
    if change and not can_change_activity(user=user, activity=activity):
        raise PermissionDenied(ERROR_ACTIVITY_CHANGE_DENIED)
    return activity


def can_view_training(*, user: User, training: CustomerTraining) -> bool:
    return role_may(user, "field.view_customertraining") and can_view_clinic(
        user=user, clinic=training.clinic
    )


def can_add_training(*, user: User, clinic: Clinic) -> bool:
    """A rep logs customer trainings at the clinics of their own territories."""
    return role_may(user, "field.add_customertraining") and can_view_clinic(
        user=user, clinic=clinic
    )


def can_change_training(*, user: User, training: CustomerTraining) -> bool:
    """Reps of the territory change a training; a field vet only one they co-delivered."""
    if not role_may(user, "field.change_customertraining"):
        return False
    if not can_view_clinic(user=user, clinic=training.clinic):
        return False
    if role_of(user) == Role.FIELD_VET:
        return training.field_vet_id == user.pk
    return True


def access_training(
    *, user: User, training: CustomerTraining, change: bool = False
) -> CustomerTraining:
    if not can_view_training(user=user, training=training):
        raise PermissionDenied(ERROR_TRAINING_DENIED)
    if change and not can_change_training(user=user, training=training):
        raise PermissionDenied(ERROR_TRAINING_CHANGE_DENIED)
    return training


def training_campaign_shown(*, user: User, training: CustomerTraining) -> Campaign | None:
    """The training's campaign, if the user may see it: migration 0011 may have placed an
    old training in a draft campaign, whose name reps and field vets must not read."""
    campaign = training.campaign
    if campaign is None or not can_view_campaign(user=user, campaign=campaign):
        return None
    return campaign


def can_move_on_ladder(*, user: User, clinic: Clinic) -> bool:
    """Reps move the clinics (and vets) of their own territories up or down the ladder."""
    return role_may(user, "field.add_laddermove") and can_view_clinic(user=user, clinic=clinic)


def access_ladder(*, user: User, clinic: Clinic) -> Clinic:
    if not can_move_on_ladder(user=user, clinic=clinic):
        raise PermissionDenied(ERROR_LADDER_DENIED)
    return clinic


def can_import(*, user: User) -> bool:
    return role_may(user, "field.add_crmimport")


def access_crm_import(*, user: User, crm_import: CrmImport | None = None) -> CrmImport | None:
    """Imports are an administrator's job; any administrator may finish another's."""
    if not can_import(user=user):
        raise PermissionDenied(ERROR_IMPORT_DENIED)
    return crm_import


def clinic_scope(*, user: User) -> Q:
    """The clinics ``can_view_clinic`` lets the user see, as a filter for list pages.

    Kept beside ``can_view_clinic`` so the two say the same thing; a test checks it.
    """
    role = role_of(user)
    if not role_may(user, "field.view_clinic"):
        return Q(pk__in=[])
    if role in HEAD_OFFICE:
        return Q()
    scope = Q(territory__in=territories_for(user=user))
    if role == Role.FIELD_VET and user.home_region_id is not None:
        scope |= Q(territory__isnull=True, region_id=user.home_region_id)
    return scope


def access_new_vet(*, user: User, clinic: Clinic) -> Clinic:
    """The clinic, if the user may add a vet to it."""
    access_clinic(user=user, clinic=clinic)
    if not can_add_vet(user=user, clinic=clinic):
        raise PermissionDenied(ERROR_VET_CHANGE_DENIED)
    return clinic


def access_new_activity(*, user: User, clinic: Clinic) -> Clinic:
    """The clinic, if the user may log an activity with it."""
    access_clinic(user=user, clinic=clinic)
    if not can_add_activity(user=user, clinic=clinic):
        raise PermissionDenied(ERROR_ACTIVITY_CHANGE_DENIED)
    return clinic


def access_new_training(*, user: User, clinic: Clinic) -> Clinic:
    """The clinic, if the user may log a customer training there."""
    access_clinic(user=user, clinic=clinic)
    if not can_add_training(user=user, clinic=clinic):
        raise PermissionDenied(ERROR_TRAINING_CHANGE_DENIED)
    return clinic


def access_attendees(*, user: User, vets: list[Vet]) -> list[Vet]:
    """The vets, if the user may see every one (attendees from other clinics included)."""
    for vet in vets:
        if not can_view_vet(user=user, vet=vet):
            raise PermissionDenied(ERROR_VET_DENIED)
    return vets


def can_view_all_clinics(*, user: User) -> bool:
    """Head-office roles read every clinic, e.g. all treatment dates at once."""
    return role_may(user, "field.view_clinic") and role_of(user) in HEAD_OFFICE


ERROR_FIELD_DENIED = "Your role does not work with clinics and field activities."


def access_field(*, user: User) -> User:
    """The user, if their role reads field work at all (lists and overviews)."""
    if not role_may(user, "field.view_clinic"):
        raise PermissionDenied(ERROR_FIELD_DENIED)
    return user


def signed_in(request: HttpRequest) -> User:
    """The request's user as the plain instance behind Django's lazy ``request.user``.

    ``role_of`` caches the role on the instance's ``__dict__``; on the lazy proxy that
    cache is never found, so a page asking several permission questions would query the
    user's groups for each. The field pages and endpoints ask through this instance.
    """
    user = request_user(request)
    wrapped = user.__dict__.get("_wrapped", user)
    return wrapped if isinstance(wrapped, User) else user
