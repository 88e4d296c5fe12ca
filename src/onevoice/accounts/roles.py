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

# Training: training/permissions.py scopes results to the rep, their manager's team, or
# everyone (``view_all_results``); seminar trainers run their seminar whatever their role.
_READ_TRAINING = (
    "training.view_program",
    "training.view_module",
    "training.view_concept",
    "training.view_question",
    "training.view_answeroption",
    "training.view_seminar",
    "training.view_roleplayscenario",
    "training.view_customerkit",
    "training.view_vhscase",
)
_TRAINING_RESULTS = (
    "training.view_enrolment",
    "training.view_quizattempt",
    "training.view_quizanswer",
    "training.view_vhsattempt",
    "training.view_roleplay",
    "training.view_roleplayscore",
    "training.view_certification",
    "training.view_seminarseat",
    "training.view_kitinvitation",
    "training.view_reminder",
)
_RUN_TRAINING = (
    "training.add_program",
    "training.change_program",
    "training.add_seminar",
    "training.change_seminar",
    "training.add_seminarseat",
    "training.change_seminarseat",
    "training.add_enrolment",
    "training.add_roleplayscenario",
    "training.add_roleplay",
    "training.view_prep_report",
)
_TRAINING_ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.MARKETING: (
        *_READ_TRAINING,
        *_TRAINING_RESULTS,
        *_RUN_TRAINING,
        "training.view_all_results",
        "training.add_module",
        "training.change_module",
        "training.add_concept",
        "training.add_question",
        "training.change_question",
        "training.add_answeroption",
        "training.add_customerkit",
        "training.change_customerkit",
        "training.add_vhscase",
        "training.change_vhscase",
    ),
    Role.SALES_MANAGER: (
        *_READ_TRAINING,
        *_TRAINING_RESULTS,
        *_RUN_TRAINING,
        "training.score_roleplay",
        "training.add_roleplayscore",
    ),
    Role.SALES_REP: (
        *_READ_TRAINING,
        "training.view_enrolment",
        "training.view_quizattempt",
        "training.view_vhsattempt",
        "training.view_roleplay",
        "training.view_roleplayscore",
        "training.view_certification",
        "training.view_kitinvitation",
        "training.view_reminder",
        "training.add_quizattempt",
        "training.add_vhsattempt",
        "training.add_roleplayscore",
        "training.add_kitinvitation",
    ),
    Role.FIELD_VET: (
        *_READ_TRAINING,
        "training.view_kitinvitation",
        "training.add_kitinvitation",
        "training.add_vhscase",
        "training.change_vhscase",
        "training.add_roleplayscore",
    ),
    Role.REVIEWER: _READ_TRAINING,
    Role.ANALYST: (
        *_READ_TRAINING,
        *_TRAINING_RESULTS,
        "training.view_all_results",
        "training.view_prep_report",
    ),
    Role.ADMIN: (
        *_READ_TRAINING,
        *_TRAINING_RESULTS,
        "training.view_all_results",
        "training.view_prep_report",
    ),
}

# Measurement: measurement/permissions.py scopes dashboards to the viewer's clinics (a
# rep's territory, a manager's team, head office all); reviews are for head office,
# and each lead writes their function's lessons.
_READ_KPIS = ("measurement.view_kpivalue", "measurement.view_marketing_dashboard")
_MEASUREMENT_ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.MARKETING: (
        *_READ_KPIS,
        "measurement.view_sales_dashboard",
        "measurement.view_territory_dashboard",
        "measurement.compute_kpis",
        "measurement.view_review",
        "measurement.view_reviewlesson",
        "measurement.add_reviewlesson",
        "measurement.change_reviewlesson",
    ),
    Role.SALES_MANAGER: (
        *_READ_KPIS,
        "measurement.view_sales_dashboard",
        "measurement.view_territory_dashboard",
        "measurement.compute_kpis",
        "measurement.view_review",
        "measurement.view_reviewlesson",
        "measurement.add_reviewlesson",
        "measurement.change_reviewlesson",
    ),
    Role.SALES_REP: ("measurement.view_territory_dashboard",),
    Role.FIELD_VET: (),
    Role.REVIEWER: (),
    Role.ANALYST: (
        *_READ_KPIS,
        "measurement.view_sales_dashboard",
        "measurement.view_territory_dashboard",
        "measurement.compute_kpis",
        "measurement.view_review",
        "measurement.view_reviewlesson",
    ),
    Role.ADMIN: (
        *_READ_KPIS,
        "measurement.view_sales_dashboard",
        "measurement.view_territory_dashboard",
        "measurement.view_review",
        "measurement.view_reviewlesson",
    ),
}

# Merge each app's table into the one table ``roles_sync`` applies.
for _table in (
    _CAMPAIGN_ROLE_PERMISSIONS,
    _TRAINING_ROLE_PERMISSIONS,
    _MEASUREMENT_ROLE_PERMISSIONS,
):
    for _role, _perms in _table.items():
        ROLE_PERMISSIONS[_role] = (*ROLE_PERMISSIONS[_role], *_perms)
