import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.campaigns import services
from onevoice.campaigns.choices import CampaignStatus
from tests.campaigns.conftest import approved_message, make_campaign, ready_and_signed


def _login(client, org, role):
    client.force_login(org.users[role])


def test_draft_campaign_is_hidden_from_the_field(client, org):
    campaign = make_campaign(org, status=CampaignStatus.DRAFT)
    url = reverse("campaigns:detail", args=[campaign.slug])
    for role in (Role.SALES_REP, Role.FIELD_VET):
        _login(client, org, role)
        assert client.get(url).status_code == 403
        assert campaign.name not in client.get(reverse("campaigns:list")).content.decode()
    _login(client, org, Role.SALES_MANAGER)
    assert client.get(url).status_code == 200


def test_reps_see_only_approved_messages(client, org, campaign):
    approved_message(org, campaign, title="Approved claim")
    services.message_create(
        campaign=campaign, user=org.users[Role.MARKETING], title="Draft claim", text="not yet"
    )
    _login(client, org, Role.SALES_REP)
    html = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    assert "Approved claim" in html
    assert "Draft claim" not in html
    _login(client, org, Role.REVIEWER)
    html = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    assert "Draft claim" in html


def test_why_is_rendered_as_markdown_without_scripts(client, org, campaign):
    services.campaign_brief_update(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        expected_edit_version=campaign.edit_version,
        why="**Bold** <script>alert('x')</script> [link](javascript:alert(1))",
    )
    _login(client, org, Role.SALES_REP)
    html = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script>alert" not in html
    assert "javascript:alert" not in html


def test_second_save_of_a_stale_brief_shows_what_changed(client, org, campaign):
    url = reverse("campaigns:brief_edit", args=[campaign.slug])
    _login(client, org, Role.MARKETING)
    form = {"objective": "o", "indication": "i", "edit_version": campaign.edit_version}
    assert client.post(url, {**form, "why": "Alice's why"}).status_code == 302
    response = client.post(url, {**form, "why": "Bob's why"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "changed by someone else" in html
    assert "Alice&#x27;s" in html
    campaign.refresh_from_db()
    assert campaign.why == "Alice's why"


def test_edit_after_signing_shows_the_voided_sign_offs_with_reason(client, org, campaign):
    campaign = ready_and_signed(org, campaign)
    _login(client, org, Role.MARKETING)
    message = campaign.messages.get()
    client.post(
        reverse("campaigns:message_edit", args=[campaign.slug, message.pk]),
        {"title": message.title, "text": "New wording.", "edit_version": message.edit_version},
    )
    html = client.get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()
    assert 'data-testid="unsigned-marketing"' in html
    assert 'data-testid="unsigned-sales"' in html
    assert "Key message “EPIC” edited" in html
    history = client.get(reverse("campaigns:history", args=[campaign.slug])).content.decode()
    assert "<ins>versus</ins>" in history or "<ins>New wording.</ins>" in history


def test_rule_refusal_is_shown_not_a_500(client, org, campaign):
    _login(client, org, Role.MARKETING)
    response = client.post(
        reverse("campaigns:transition", args=[campaign.slug]), {"target": "ready"}, follow=True
    )
    assert "without a KPI plan" in response.content.decode()


def test_upload_of_html_is_refused_with_a_clear_message(client, org, campaign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, org, Role.MARKETING)
    response = client.post(
        reverse("campaigns:asset_create", args=[campaign.slug]),
        {
            "title": "x",
            "kind": "detail_aid",
            "file": SimpleUploadedFile("evil.html", b"<script>x</script>"),
        },
        follow=True,
    )
    assert "evil.html: only" in response.content.decode()
    assert not campaign.assets.exists()


def test_detail_page_queries_do_not_grow_with_rows(
    client, org, campaign, django_assert_max_num_queries
):
    for i in range(6):
        approved_message(org, campaign, title=f"m{i}")
        o = services.objection_raise(
            campaign=campaign, user=org.users[Role.SALES_REP], text=f"o{i}"
        )
        services.objection_upvote(objection=o, user=org.other_rep)
    _login(client, org, Role.MARKETING)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("campaigns:detail", args=[campaign.slug])).status_code == 200


def test_mention_shows_in_the_navigation_and_notifications(client, org, campaign):
    _login(client, org, Role.SALES_MANAGER)
    client.post(
        reverse("campaigns:comment_add", args=[campaign.slug]),
        {"text": "@reviewer please look at message 2"},
    )
    _login(client, org, Role.REVIEWER)
    html = client.get(reverse("campaigns:notifications")).content.decode()
    assert "mentioned you on Heart launch" in html
    assert "<mark>1</mark>" in html
    client.post(reverse("campaigns:notifications"))
    assert "<mark>" not in client.get(reverse("campaigns:notifications")).content.decode()


@pytest.mark.parametrize("role", [Role.MARKETING, Role.REVIEWER, Role.SALES_MANAGER])
def test_home_lists_what_each_role_has_to_do(client, org, campaign, role):
    services.message_create(campaign=campaign, user=org.users[Role.MARKETING], title="t", text="x")
    _login(client, org, role)
    html = client.get(reverse("home")).content.decode()
    expected = {
        Role.MARKETING: "1 key message(s) need evidence",
        Role.REVIEWER: "Approve the key messages",
        Role.SALES_MANAGER: f"sign version {campaign.content_version + 1} as sales lead",
    }[role]
    assert expected in html
