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
)

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.MARKETING: (*_READ_ORG, *_READ_FIELD, "campaigns.view_product"),
    Role.SALES_MANAGER: (*_READ_ORG, *_READ_FIELD, "campaigns.view_product"),
    Role.SALES_REP: (
        "accounts.view_territory",
        *_READ_FIELD,
        "field.add_customertraining",
        "campaigns.view_product",
    ),
    Role.FIELD_VET: (*_READ_ORG, *_READ_FIELD, "campaigns.view_product"),
    Role.REVIEWER: ("campaigns.view_product",),
    Role.ANALYST: (*_READ_ORG, *_READ_FIELD, "campaigns.view_product"),
    Role.ADMIN: (
        *_READ_ORG,
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
