"""What each role may do, as Django permissions held by the role's group.

One table, so a reviewer can read the whole access policy in one place. Later apps add
their permissions here; ``roles_sync`` applies the table after every migrate.
"""

from __future__ import annotations

from onevoice.accounts.choices import Role

_READ_ORG = (
    "accounts.view_region",
    "accounts.view_team",
    "accounts.view_territory",
)
_READ_FIELD = (
    "field.view_clinic",
    "field.view_vet",
    "field.view_customertraining",
    "field.view_activity",
    "field.view_laddermove",
)
# Reps work their own territories (field/permissions.py scopes these to them).
_WORK_FIELD = (
    "field.add_clinic",
    "field.change_clinic",
    "field.add_vet",
    "field.change_vet",
    "field.add_activity",
    "field.change_activity",
    "field.change_customertraining",
    "field.add_laddermove",
)
_FIELD_MASTER_DATA = (
    "field.add_clinic",
    "field.change_clinic",
    "field.add_vet",
    "field.change_vet",
    "field.erase_vet",
    "field.add_crmimport",
    "field.view_crmimport",
)

# Campaign co-creation: campaigns/permissions.py decides per object and status; the
# groups carry the matching model permissions for the admin site and for reports.
_READ_CAMPAIGN = (
    "campaigns.view_campaign",
    "campaigns.view_keymessage",
    "campaigns.view_objection",
    "campaigns.view_objectionresponse",
    "campaigns.view_asset",
    "campaigns.view_assetversion",
    "campaigns.view_kpitarget",
)
_RAISE_OBJECTIONS = ("campaigns.add_objection", "campaigns.add_objectionvote")
_CAMPAIGN_ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.MARKETING: (
        *_READ_CAMPAIGN,
        *_RAISE_OBJECTIONS,
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.add_keymessage",
        "campaigns.change_keymessage",
        "campaigns.add_evidence",
        "campaigns.add_objectionresponse",
        "campaigns.change_objectionresponse",
        "campaigns.add_asset",
        "campaigns.add_assetversion",
        "campaigns.add_assetapproval",
        "campaigns.add_kpitarget",
        "campaigns.change_kpitarget",
        "campaigns.add_signoff",
    ),
    Role.SALES_MANAGER: (
        *_READ_CAMPAIGN,
        *_RAISE_OBJECTIONS,
        "campaigns.add_asset",
        "campaigns.add_assetversion",
        "campaigns.add_assetapproval",
        "campaigns.add_kpitarget",
        "campaigns.change_kpitarget",
        "campaigns.add_signoff",
        "campaigns.add_assetuse",
    ),
    Role.SALES_REP: (*_READ_CAMPAIGN, *_RAISE_OBJECTIONS, "campaigns.add_assetuse"),
    Role.FIELD_VET: (
        *_READ_CAMPAIGN,
        *_RAISE_OBJECTIONS,
        "campaigns.add_objectionresponse",
        "campaigns.change_objectionresponse",
        "campaigns.add_evidence",
        "campaigns.add_assetuse",
    ),
    Role.REVIEWER: (
        *_READ_CAMPAIGN,
        "campaigns.change_keymessage",
        "campaigns.change_objectionresponse",
        "campaigns.add_assetapproval",
    ),
    Role.ANALYST: _READ_CAMPAIGN,
    Role.ADMIN: _READ_CAMPAIGN,
}

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.MARKETING: (*_READ_ORG, *_READ_FIELD, "campaigns.view_product"),
    Role.SALES_MANAGER: (*_READ_ORG, *_READ_FIELD, "campaigns.view_product"),
    Role.SALES_REP: (
        "accounts.view_territory",
        *_READ_FIELD,
        "field.add_customertraining",
        *_WORK_FIELD,
        "campaigns.view_product",
    ),
    # Field vets co-deliver: they complete trainings they were part of (scores, materials).
    Role.FIELD_VET: (
        *_READ_ORG,
        *_READ_FIELD,
        "field.change_customertraining",
        "campaigns.view_product",
    ),
    Role.REVIEWER: ("campaigns.view_product",),
    Role.ANALYST: (*_READ_ORG, *_READ_FIELD, "campaigns.view_product"),
    Role.ADMIN: (
        *_READ_ORG,
        *_READ_FIELD,
        *_FIELD_MASTER_DATA,
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.add_territory",
        "accounts.change_territory",
        "accounts.add_team",
        "accounts.change_team",
        "accounts.add_region",
        "accounts.change_region",
        "campaigns.view_product",
        "campaigns.change_product",
    ),
}

# Merge each app's table into the one table ``roles_sync`` applies.
for _role, _perms in _CAMPAIGN_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = (*ROLE_PERMISSIONS[_role], *_perms)
