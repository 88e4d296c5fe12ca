"""The clinical API with a token or a browser session; refusals name field and value."""

import json

import pytest

from onevoice.accounts.choices import Role
from onevoice.accounts.services import api_token_create


def _post(client, url, body, headers=None):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def token(org):
    _, key = api_token_create(user=org.users[Role.SALES_REP], name="tablet")
    return {"Authorization": f"Bearer {key}"}


def test_vhs_with_a_token(client, token):
    response = _post(
        client,
        "/api/clinical/vhs",
        {"long_axis": 5.4, "short_axis": 5.1, "breed": "cavalier"},
        token,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["vhs"] == 10.5
    assert body["breed"] == {"key": "cavalier", "name": "Cavalier King Charles Spaniel"}
    assert body["positions"][0]["position"] == "within"
    assert body["positions"][0]["reference"]["figure"] == "9.9–11.7"
    assert body["b2_vhs_criterion"]["cutoff"] == 11.7
    assert body["b2_vhs_criterion"]["met"] is False
    crossed = {t["key"] for t in body["thresholds"] if t["crossed"]}
    assert crossed == {"vhs_borderline_manufacturer"}
    assert "vetmedin_modules" in {s["key"] for s in body["sources"]}
    assert "not a diagnosis" in body["disclaimer"]


def test_staging_with_a_session(client, org):
    client.force_login(org.users[Role.FIELD_VET])
    response = _post(
        client,
        "/api/clinical/staging",
        {"murmur_grade": 3, "la_ao": 1.6, "lviddn": 1.7, "vhs": 10.6},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "B2"
    assert body["treatment_recommended"] is True
    assert [c["met"] for c in body["criteria"]] == [True, True, True, True]


def test_radiographic_b2_is_reported(client, token):
    body = _post(client, "/api/clinical/staging", {"murmur_grade": 4, "vlas": 3.0}, token).json()
    assert (body["stage"], body["route"], body["reported"]) == ("B2", "radiographic", True)


def test_vlas(client, token):
    body = _post(client, "/api/clinical/vlas", {"vlas": 2.5}, token).json()
    assert body["position"] == "above"
    crossed = {t["key"] for t in body["thresholds"] if t["crossed"]}
    assert crossed == {
        "vlas_above_reference",
        "vlas_lae_commonly_cited",
        "vlas_lae_forum",
        "vlas_b2_2_5",
    }


@pytest.mark.parametrize(
    ("url", "body", "field", "value", "words"),
    [
        ("/api/clinical/vhs", {"long_axis": -1, "short_axis": 4}, "long_axis", "-1", "Long axis"),
        (
            "/api/clinical/vhs",
            {"long_axis": 5, "short_axis": 4, "breed": "poodle"},
            "breed",
            "poodle",
            "“poodle” is not one of",
        ),
        (
            "/api/clinical/staging",
            {"murmur_grade": 3, "vhs": 40},
            "vhs",
            "40",
            "VHS: 40 vertebrae is outside",
        ),
        ("/api/clinical/staging", {"murmur_grade": 9}, "murmur_grade", "9", "not a murmur grade"),
        ("/api/clinical/vlas", {"vlas": 0}, "vlas", "0", "VLAS: 0 vertebrae"),
    ],
)
def test_refused_values_are_a_422_naming_field_and_value(
    client, token, url, body, field, value, words
):
    response = _post(client, url, body, token)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == field
    assert error["input"] == value
    assert words in error["msg"]


def test_a_value_that_is_not_a_number_is_a_422_naming_field_and_value(client, token):
    response = _post(client, "/api/clinical/vhs", {"long_axis": "abc", "short_axis": 4}, token)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"][-1], error["input"]) == ("long_axis", "abc")
    assert error["msg"] == "Long axis: “abc” is not a number."


def test_numbers_sent_as_text_are_read_like_the_form(client, token):
    body = {"long_axis": "5,4", "short_axis": "5.1"}
    assert _post(client, "/api/clinical/vhs", body, token).json()["vhs"] == 10.5


def test_a_missing_field_is_a_422_naming_it(client, token):
    response = _post(client, "/api/clinical/vhs", {"short_axis": 4}, token)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "long_axis"


def test_breeds_list_the_references_and_the_b2_cutoff(client, token):
    breeds = {b["key"]: b for b in client.get("/api/clinical/breeds", headers=token).json()}
    assert breeds["any"]["b2_vhs_cutoff_right_lateral"] == 10.5
    assert breeds["dachshund"]["b2_vhs_cutoff_left_lateral"] == 11.31
    pug = breeds["pug"]["references"][0]
    assert (pug["figure"], pug["reported"]) == ("10.7 ± 0.9 (mean ± SD)", True)


def test_sources_say_which_are_reported(client, token):
    sources = {s["key"]: s for s in client.get("/api/clinical/sources", headers=token).json()}
    assert sources["lamb2001"]["reported"] is True
    assert sources["vezzosi2020"]["reported"] is False
    assert sources["boswood2016_epic"]["url"].endswith("PMC5115200/")
