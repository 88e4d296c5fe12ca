"""The clinical aid pages, through the real HTTP client, as the people who use them."""

import pytest
from django.apps import apps
from django.urls import reverse

from onevoice.accounts.choices import Role


@pytest.fixture
def rep(client, org):
    client.force_login(org.users[Role.SALES_REP])
    return client


def _html(response):
    return response.content.decode()


def test_every_page_carries_the_disclaimer(rep):
    for name in ("index", "vhs", "vlas", "staging", "sources"):
        html = _html(rep.get(reverse(f"clinical:{name}")))
        assert "An aid to clinical judgement, not a diagnosis." in html, name
        assert "Nothing you enter is stored." in html, name


def test_index_links_every_tool(client, org):
    client.force_login(org.users[Role.FIELD_VET])
    html = _html(client.get(reverse("clinical:index")))
    for name in ("vhs", "vlas", "staging", "sources"):
        assert f'href="{reverse(f"clinical:{name}")}"' in html


def test_rep_calculates_a_cavalier_vhs(rep):
    response = rep.post(
        reverse("clinical:vhs"), {"long_axis": "5.4", "short_axis": "5.1", "breed": "cavalier"}
    )
    html = _html(response)
    assert response.status_code == 200
    assert 'data-testid="vhs-value">10.5<' in html
    assert "within 9.9–11.7" in html  # the breed's reference range
    assert "Breed-adjusted VHS &gt;11.7" in html
    assert "Vetmedin mini-modules" in html  # the sources it used
    assert "Lamb et al. Vet Rec 2001;148:707." in html
    assert 'class="reported"' in html  # recalled and derived figures are marked
    assert 'href="/clinical/staging/?vhs=10.5&amp;breed=cavalier&amp;view=right"' in html


def test_live_result_swaps_in_only_the_result(rep):
    response = rep.post(
        reverse("clinical:vhs"),
        {"long_axis": "6", "short_axis": "5.8"},
        headers={"HX-Request": "true"},
    )
    html = _html(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-testid="vhs-value">11.8<' in html


def test_live_result_waits_quietly_while_a_field_is_empty(rep):
    response = rep.post(
        reverse("clinical:vhs"), {"long_axis": "5.4"}, headers={"HX-Request": "true"}
    )
    html = _html(response)
    assert "Enter the long and short axis to see the VHS." in html
    assert "Please check" not in html


def test_live_result_shows_a_wrong_value_at_once(rep):
    response = rep.post(
        reverse("clinical:vhs"),
        {"long_axis": "54", "short_axis": ""},
        headers={"HX-Request": "true"},
    )
    html = _html(response)
    assert "Long axis: 54 vertebrae is outside the range this aid accepts" in html
    assert "Short axis: enter a value." not in html  # not yet typed: no reproach


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"long_axis": "-1", "short_axis": "4.5"},
            "Long axis: -1 vertebrae is outside the range this aid accepts (1.0–12.0 vertebrae)",
        ),
        ({"long_axis": "5", "short_axis": "four"}, "Short axis: “four” is not a number."),
        ({"long_axis": "5", "short_axis": ""}, "Short axis: enter a value."),
    ],
)
def test_bad_vhs_input_is_refused_on_the_field(rep, data, message):
    response = rep.post(reverse("clinical:vhs"), data)
    assert response.status_code == 422
    html = _html(response)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert 'data-testid="vhs-result"' not in html


def test_vlas_page(rep):
    html = _html(rep.post(reverse("clinical:vlas"), {"vlas": "3.0"}))
    assert 'data-testid="vlas-value">3.0<' in html
    assert "Above the healthy-dog reference interval 1.4–2.2" in html
    assert "sensitivity 40%, specificity 96%" in html
    assert "Vezzosi et al. 2020" in html


def test_field_vet_stages_a_b2_dog(client, org):
    client.force_login(org.users[Role.FIELD_VET])
    data = {"chf": "none", "murmur_grade": "3", "la_ao": "1.6", "lviddn": "1.7", "vhs": "10.6"}
    html = _html(client.post(reverse("clinical:staging"), data))
    assert 'data-testid="stage">Stage B2' in html
    assert "Pimobendan is recommended; recheck about every 6 months." in html
    assert "from 766 to 1228 days" in html
    assert "EPIC trial (Boswood et al. 2016)" in html


def test_radiographic_b2_is_shown_as_reported(rep):
    html = _html(rep.post(reverse("clinical:staging"), {"murmur_grade": "4", "vhs": "11.5"}))
    stage = html.split('data-testid="stage">', 1)[1].split("</p>", 1)[0]
    assert stage.startswith("Stage B2")
    assert "reported" in stage
    assert "its exact consensus wording is unverified" in html


def test_a_vhs_of_40_is_refused_on_the_staging_form(rep):
    response = rep.post(reverse("clinical:staging"), {"murmur_grade": "3", "vhs": "40"})
    assert response.status_code == 422
    assert "VHS: 40 vertebrae is outside the range this aid accepts" in _html(response)


def test_stage_this_dog_link_prefills_the_staging_form(rep):
    html = _html(rep.get(reverse("clinical:staging") + "?vhs=11.8&breed=cavalier&view=left"))
    assert 'name="vhs" value="11.8"' in html
    assert '<option value="cavalier" selected>' in html
    assert 'value="left" id="id_view_1" checked' in html


def test_sources_page_lists_every_source_and_breed(rep):
    from django.utils.html import escape

    from onevoice.clinical.rules import BREEDS, SOURCES

    html = _html(rep.get(reverse("clinical:sources")))
    for source in SOURCES.values():
        assert escape(source.short) in html, source.key
    for breed in BREEDS.values():
        assert breed.name in html


def test_the_aid_stores_nothing(rep):
    """No patient identity: the clinical app has no models, and using it writes no rows."""
    assert list(apps.get_app_config("clinical").get_models()) == []
    models = [m for m in apps.get_models() if not m._meta.proxy]

    def counts():
        return {m._meta.label: m.objects.count() for m in models}

    before = counts()
    rep.post(reverse("clinical:vhs"), {"long_axis": "5.4", "short_axis": "5.1"})
    rep.post(reverse("clinical:vlas"), {"vlas": "2.4"})
    rep.post(reverse("clinical:staging"), {"murmur_grade": "3", "vhs": "11.6"})
    changed = {k: (before[k], v) for k, v in counts().items() if v != before[k]}
    # The session row of the signed-in user may be saved; nothing else.
    changed.pop("sessions.Session", None)
    assert changed == {}


def test_no_form_asks_who_the_patient_or_owner_is():
    from onevoice.clinical import forms

    fields = set()
    for form in (forms.VhsForm, forms.VlasForm, forms.StagingForm):
        fields |= set(form.base_fields)
    assert fields == {
        "long_axis",
        "short_axis",
        "breed",
        "view",
        "previous_vhs",
        "months_since_previous",
        "vlas",
        "chf",
        "murmur_grade",
        "echo_shows_mmvd",
        "at_risk",
        "la_ao",
        "lviddn",
        "vhs",
    }
