"""Who may do what with a campaign. One condition a line; views call these only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from onevoice.accounts.choices import Role
from onevoice.accounts.models import User
from onevoice.accounts.permissions import role_of
from onevoice.campaigns.choices import ApprovalStatus, AssetVersionStatus, CampaignStatus, Function
from onevoice.campaigns.models import AssetVersion, Campaign, KeyMessage, Objection

ERROR_CAMPAIGN_HIDDEN = "This campaign is not open to your role yet."
ERROR_NOT_ALLOWED = "Your role cannot do this on this campaign."

# Reps and field vets see a campaign once co-creation starts: they raise objections.
FIELD_ROLES = {Role.SALES_REP, Role.FIELD_VET}
HEAD_OFFICE = {Role.MARKETING, Role.SALES_MANAGER, Role.REVIEWER, Role.ANALYST, Role.ADMIN}
SALES_ROLES = {Role.SALES_REP, Role.SALES_MANAGER}


def can_view_campaign(*, user: User, campaign: Campaign) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if role in HEAD_OFFICE:
        return True
    return campaign.status != CampaignStatus.DRAFT


def can_see_unapproved(*, user: User) -> bool:
    """Drafts of messages, responses and assets are for the co-creators, not reps."""
    return role_of(user) not in {None, Role.SALES_REP}


def can_view_message(*, user: User, message: KeyMessage) -> bool:
    """A key message: its campaign visible, and approved unless the user co-creates."""
    if not can_view_campaign(user=user, campaign=message.campaign):
        return False
    return message.status == ApprovalStatus.APPROVED or can_see_unapproved(user=user)


def can_view_asset_version(*, user: User, version: AssetVersion) -> bool:
    """An asset version: its campaign visible, and approved unless the user co-creates."""
    if not can_view_campaign(user=user, campaign=version.asset.campaign):
        return False
    return version.status == AssetVersionStatus.APPROVED or can_see_unapproved(user=user)


def can_view_objection(*, user: User, objection: Objection) -> bool:
    """An objection of the register: whoever sees its campaign."""
    return can_view_campaign(user=user, campaign=objection.campaign)


def can_create_campaign(*, user: User) -> bool:
    return role_of(user) == Role.MARKETING


def can_edit_brief(*, user: User, campaign: Campaign) -> bool:
    """Marketing edits the brief, the products it counts among it, until the campaign
    closes: after that its results were measured on what was signed."""
    if role_of(user) != Role.MARKETING:
        return False
    return campaign.status not in {CampaignStatus.CLOSED, CampaignStatus.REVIEWED}


def can_edit_kpis(*, user: User, campaign: Campaign) -> bool:
    """Marketing and sales co-own the KPI plan."""
    if role_of(user) not in {Role.MARKETING, Role.SALES_MANAGER}:
        return False
    return campaign.status not in {CampaignStatus.CLOSED, CampaignStatus.REVIEWED}


def can_raise_objection(*, user: User, campaign: Campaign) -> bool:
    if role_of(user) not in {*SALES_ROLES, Role.FIELD_VET, Role.MARKETING}:
        return False
    return campaign.status not in {CampaignStatus.DRAFT, CampaignStatus.REVIEWED}


def can_answer_objection(*, user: User, campaign: Campaign) -> bool:
    """Marketing answers; technical field vets answer clinical objections with them."""
    return role_of(user) in {Role.MARKETING, Role.FIELD_VET}


def can_approve_claims(*, user: User) -> bool:
    return role_of(user) == Role.REVIEWER


def asset_function_of(*, user: User) -> Function | None:
    """The function a user approves asset versions for."""
    return {
        Role.MARKETING: Function.MARKETING,
        Role.SALES_MANAGER: Function.SALES,
        Role.REVIEWER: Function.REVIEWER,
    }.get(role_of(user))  # type: ignore[arg-type]


def can_create_asset(*, user: User) -> bool:
    return role_of(user) in {Role.MARKETING, Role.SALES_MANAGER}


def can_record_asset_use(*, user: User) -> bool:
    return role_of(user) in {Role.SALES_REP, Role.SALES_MANAGER, Role.FIELD_VET}


def lead_function(*, user: User, campaign: Campaign) -> Function | None:
    """Which lead of this campaign the user is, if any."""
    if user.pk == campaign.marketing_lead_id:
        return Function.MARKETING
    if user.pk == campaign.sales_lead_id:
        return Function.SALES
    return None


def can_comment(*, user: User, campaign: Campaign) -> bool:
    return role_of(user) not in {None, Role.ANALYST, Role.ADMIN} and can_view_campaign(
        user=user, campaign=campaign
    )


def access_campaign(*, user: User, campaign: Campaign) -> Campaign:
    if not can_view_campaign(user=user, campaign=campaign):
        raise PermissionDenied(ERROR_CAMPAIGN_HIDDEN)
    return campaign


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(ERROR_NOT_ALLOWED)
