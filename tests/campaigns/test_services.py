import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.campaigns import services
from onevoice.campaigns.choices import (
    ApprovalStatus,
    AssetVersionStatus,
    CampaignStatus,
    Decision,
    Function,
)
from onevoice.campaigns.models import AssetUse, Notification, SignOff
from onevoice.campaigns.selectors import (
    asset_versions_for_reps,
    roleplay_scenarios_for,
    signoff_state,
)
from onevoice.campaigns.services import CampaignRuleError, StaleEdit
from onevoice.campaigns.uploads import UploadRefused
from tests.campaigns.conftest import approved_message, joint_kpi, make_campaign, ready_and_signed


def test_create_refuses_end_before_start(org):
    with pytest.raises(CampaignRuleError, match="end after it starts"):
        services.campaign_create(
            user=org.users[Role.MARKETING],
            name="x",
            product="p",
            indication="i",
            objective="o",
            why="w",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2025, 1, 1),
            marketing_lead=org.users[Role.MARKETING],
            sales_lead=org.users[Role.SALES_MANAGER],
        )


def test_message_without_evidence_cannot_be_approved(org, campaign):
    message = services.message_create(
        campaign=campaign, user=org.users[Role.MARKETING], title="t", text="claim"
    )
    with pytest.raises(CampaignRuleError, match="without evidence"):
        services.message_approve(message=message, user=org.users[Role.REVIEWER])
    message.refresh_from_db()
    assert message.status == ApprovalStatus.DRAFT


def test_cannot_leave_co_creation_without_a_joint_kpi(org, campaign):
    approved_message(org, campaign)
    with pytest.raises(CampaignRuleError, match="without a KPI plan"):
        services.campaign_transition(
            campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.READY
        )
    services.kpi_set(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        code="units_sold",
        baseline=100,
        target=120,
        due_date=dt.date(2026, 1, 1),
        owners=["sales"],
    )
    with pytest.raises(CampaignRuleError, match="jointly by marketing and sales"):
        services.campaign_transition(
            campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.READY
        )
    joint_kpi(org, campaign)
    campaign = services.campaign_transition(
        campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.READY
    )
    assert campaign.status == CampaignStatus.READY


def test_unknown_kpi_and_bad_owners_are_refused(org, campaign):
    with pytest.raises(CampaignRuleError, match="Unknown KPI 'happiness'"):
        services.kpi_set(
            campaign=campaign,
            user=org.users[Role.MARKETING],
            code="happiness",
            baseline=0,
            target=1,
            due_date=dt.date(2026, 1, 1),
            owners=["sales"],
        )
    with pytest.raises(CampaignRuleError, match="owned by marketing, sales or both"):
        services.kpi_set(
            campaign=campaign,
            user=org.users[Role.MARKETING],
            code="units_sold",
            baseline=0,
            target=1,
            due_date=dt.date(2026, 1, 1),
            owners=["finance"],
        )


def test_goes_live_only_with_both_signatures_on_the_same_version(org, campaign):
    approved_message(org, campaign)
    joint_kpi(org, campaign)
    campaign = services.campaign_transition(
        campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.READY
    )
    services.campaign_sign(campaign=campaign, user=org.users[Role.MARKETING])
    with pytest.raises(CampaignRuleError, match="Sales missing"):
        services.campaign_transition(
            campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.LIVE
        )
    # The content changes between the two signatures: the first one no longer counts.
    services.kpi_set(
        campaign=campaign,
        user=org.users[Role.SALES_MANAGER],
        code="units_sold",
        baseline=100,
        target=130,
        due_date=dt.date(2026, 11, 30),
        owners=["sales"],
    )
    services.campaign_sign(campaign=campaign, user=org.users[Role.SALES_MANAGER])
    with pytest.raises(CampaignRuleError, match="Marketing missing"):
        services.campaign_transition(
            campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.LIVE
        )
    services.campaign_sign(campaign=campaign, user=org.users[Role.MARKETING])
    campaign = services.campaign_transition(
        campaign=campaign, user=org.users[Role.SALES_MANAGER], target=CampaignStatus.LIVE
    )
    assert campaign.status == CampaignStatus.LIVE


def test_only_leads_sign(org, campaign):
    with pytest.raises(CampaignRuleError, match="Only the campaign's marketing lead"):
        services.campaign_sign(campaign=campaign, user=org.users[Role.REVIEWER])


def test_edit_after_sign_off_voids_it_visibly_with_reason_and_unlives(org, campaign):
    campaign = ready_and_signed(org, campaign)
    campaign = services.campaign_transition(
        campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.LIVE
    )
    signed_version = campaign.content_version
    services.campaign_brief_update(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        expected_edit_version=campaign.edit_version,
        objective="Find more B2 dogs.",
    )
    campaign.refresh_from_db()
    assert campaign.content_version == signed_version + 1
    assert campaign.status == CampaignStatus.READY
    state = signoff_state(campaign=campaign)
    assert state.standing == {}
    assert {s.content_version for s in state.voided} == {signed_version}
    assert all("Brief edited" in s.void_reason for s in state.voided)
    assert AuditEvent.objects.filter(action="campaign.signoffs_voided").exists()


def test_second_save_of_a_stale_brief_is_refused_and_shows_current(org, campaign):
    loaded = campaign.edit_version
    services.campaign_brief_update(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        expected_edit_version=loaded,
        why="First writer.",
    )
    with pytest.raises(StaleEdit, match="changed by someone else") as exc:
        services.campaign_brief_update(
            campaign=campaign,
            user=org.users[Role.MARKETING],
            expected_edit_version=loaded,
            why="Second writer.",
        )
    assert exc.value.current.why == "First writer."
    campaign.refresh_from_db()
    assert campaign.why == "First writer."


def test_editing_an_approved_message_needs_approval_again_and_keeps_history(org, campaign):
    message = approved_message(org, campaign)
    updated = services.message_update(
        message=message,
        user=org.users[Role.MARKETING],
        expected_edit_version=message.edit_version,
        title="EPIC",
        text="1228 versus 766 days.",
    )
    assert updated.status == ApprovalStatus.DRAFT
    assert [r.edit_version for r in updated.revisions.all()] == [2, 1]
    with pytest.raises(StaleEdit):
        services.message_update(
            message=message,
            user=org.users[Role.MARKETING],
            expected_edit_version=1,
            title="EPIC",
            text="late edit",
        )


def test_objection_votes_once_per_user_and_heard_count_adds(org, campaign):
    objection = services.objection_raise(
        campaign=campaign, user=org.users[Role.SALES_REP], text="Too expensive.", frequency="often"
    )
    assert services.objection_upvote(objection=objection, user=org.other_rep) is True
    assert services.objection_upvote(objection=objection, user=org.other_rep) is False
    services.objection_heard(objection=objection, by=org.users[Role.SALES_REP], count=3)
    objection.refresh_from_db()
    assert objection.times_heard == 3
    assert objection.objectionvote_set.count() == 1


def test_clinical_response_needs_a_reviewer_and_evidence_then_feeds_roleplays(org, campaign):
    objection = services.objection_raise(
        campaign=campaign, user=org.users[Role.SALES_REP], text="Dog looks healthy."
    )
    response = services.response_save(
        objection=objection,
        user=org.users[Role.MARKETING],
        text="15 months more.",
        clinical_claim=True,
    )
    with pytest.raises(CampaignRuleError, match="reviewer must approve"):
        services.response_approve(
            response=response, user=org.users[Role.MARKETING], as_reviewer=False
        )
    with pytest.raises(CampaignRuleError, match="without evidence"):
        services.response_approve(
            response=response, user=org.users[Role.REVIEWER], as_reviewer=True
        )
    assert roleplay_scenarios_for(campaign=campaign) == []
    services.evidence_add(
        user=org.users[Role.MARKETING],
        response=response,
        citation="EPIC",
        excerpt="15 months",
        level="rct",
    )
    services.response_approve(response=response, user=org.users[Role.REVIEWER], as_reviewer=True)
    assert roleplay_scenarios_for(campaign=campaign) == [objection]


def _pdf(name="aid.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def test_asset_reaches_reps_only_after_three_approvals_and_until_expiry(org, campaign):
    asset = services.asset_create(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        title="Detail aid",
        kind="detail_aid",
        file=_pdf(),
    )
    version = asset.versions.get()
    for function, role in (
        (Function.MARKETING, Role.MARKETING),
        (Function.SALES, Role.SALES_MANAGER),
    ):
        services.asset_decide(
            version=version, user=org.users[role], function=function, decision=Decision.APPROVE
        )
        assert asset_versions_for_reps(campaign=campaign) == []
    services.asset_decide(
        version=version,
        user=org.users[Role.REVIEWER],
        function=Function.REVIEWER,
        decision=Decision.APPROVE,
        comment="OK for @marketing",
    )
    version.refresh_from_db()
    assert version.status == AssetVersionStatus.APPROVED
    assert asset_versions_for_reps(campaign=campaign) == [version]
    assert Notification.objects.filter(user=org.users[Role.MARKETING]).count() == 1
    services.asset_use_record(version=version, user=org.users[Role.SALES_REP])
    assert AssetUse.objects.count() == 1
    version.expires_on = dt.date(2020, 1, 1)
    version.save(update_fields=["expires_on"])
    assert asset_versions_for_reps(campaign=campaign) == []
    with pytest.raises(CampaignRuleError, match="approved, unexpired"):
        services.asset_use_record(version=version, user=org.users[Role.SALES_REP])


def test_a_rejection_rejects_and_a_new_approved_version_supersedes(org, campaign):
    asset = services.asset_create(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        title="Card",
        kind="objection_card",
        body="v1",
    )
    v1 = asset.versions.get()
    for function, role in (
        (Function.MARKETING, Role.MARKETING),
        (Function.SALES, Role.SALES_MANAGER),
        (Function.REVIEWER, Role.REVIEWER),
    ):
        services.asset_decide(
            version=v1, user=org.users[role], function=function, decision=Decision.APPROVE
        )
    v2 = services.asset_version_add(asset=asset, user=org.users[Role.MARKETING], body="v2")
    services.asset_decide(
        version=v2,
        user=org.users[Role.REVIEWER],
        function=Function.REVIEWER,
        decision=Decision.REJECT,
    )
    v2.refresh_from_db()
    assert v2.status == AssetVersionStatus.REJECTED
    assert asset_versions_for_reps(campaign=campaign) == [v1]
    v3 = services.asset_version_add(asset=asset, user=org.users[Role.MARKETING], body="v3")
    for function, role in (
        (Function.MARKETING, Role.MARKETING),
        (Function.SALES, Role.SALES_MANAGER),
        (Function.REVIEWER, Role.REVIEWER),
    ):
        services.asset_decide(
            version=v3, user=org.users[role], function=function, decision=Decision.APPROVE
        )
    v1.refresh_from_db()
    assert v1.status == AssetVersionStatus.SUPERSEDED
    assert asset_versions_for_reps(campaign=campaign) == [v3]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", b"<script>alert(1)</script>", "only .jpeg"),
        ("fake.pdf", b"<html>not a pdf</html>", "not a .pdf file"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(org, campaign, name, content, message):
    with pytest.raises(UploadRefused, match=message):
        services.asset_create(
            campaign=campaign,
            user=org.users[Role.MARKETING],
            title="x",
            kind="detail_aid",
            file=SimpleUploadedFile(name, content),
        )
    assert not campaign.assets.exists()


def test_mentions_notify_each_mentioned_user_once(org, campaign):
    services.comment_add(
        campaign=campaign,
        user=org.users[Role.SALES_MANAGER],
        text="@marketing and @reviewer, see this. @marketing!",
    )
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "marketing",
        "reviewer",
    }


def test_every_state_change_is_audited(org, campaign):
    ready_and_signed(org, campaign)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "campaign.create",
        "campaign.transition",
        "message.create",
        "evidence.add",
        "message.approve",
        "kpi.set",
        "campaign.sign",
    } <= actions
    assert SignOff.objects.filter(campaign=campaign, voided_at__isnull=True).count() == 2


def test_draft_campaign_cannot_jump_to_live(org):
    campaign = make_campaign(org, status=CampaignStatus.DRAFT, name="Other")
    with pytest.raises(CampaignRuleError, match="from Draft to Live"):
        services.campaign_transition(
            campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.LIVE
        )
