"""Schemathesis against the API's own OpenAPI schema (/api/openapi.json), in-process
through the WSGI application, with a real bearer token.

For every operation, generated requests (valid and invalid bodies, queries, path
values; half the path values replaced by real objects, inside and outside the
requester's territory) must never get a server error; every refusal is a 4xx with a
``detail`` saying why, and a refused request changes nothing stored.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder

from onevoice.accounts.choices import Role
from onevoice.accounts.services import api_token_create
from onevoice.config.api import api
from onevoice.config.wsgi import application
from tests.security.support import state_diff, stored_state

# /api/openapi.json answers signed-in users only (issue 17), and there is no user before
# the database: the schema is read from the API itself, as that view renders it, and
# its requests go through the WSGI application.
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
)
schema.app = application
schema.location = "/api/openapi.json"
# The requesters: a rep has the most write endpoints and the narrowest scope; marketing
# signs campaigns and reads the pre-work report; an admin imports CRM files, exports and
# erases vets (as a rep those only ever answered 403, their bodies never reached). Every
# role: ONEVOICE_FUZZ_ROLES=sales_rep,sales_manager,marketing,analyst,admin,... (slower).
ROLES = [
    Role(r) for r in os.environ.get("ONEVOICE_FUZZ_ROLES", "sales_rep,marketing,admin").split(",")
]
EXAMPLES = int(os.environ.get("ONEVOICE_FUZZ_EXAMPLES", "10"))


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Keep the test's database connection across in-process requests, as Django's test
    client does (a WSGI request otherwise closes it at its end)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def known(org: Any, request: pytest.FixtureRequest) -> dict[str, list[Any]]:
    """Real values for the operation's path parameters: objects inside and outside the
    requester's scope (built only for the parameters the operation has)."""
    from tests.field.factories import campaign_toolkit, world
    from tests.training.factories import make_program

    path = request.node.name  # e.g. "...[GET /api/field/clinics/{clinic_id}][sales_rep]"
    out: dict[str, list[Any]] = {}
    if "{slug}" in path or "{objection_id}" in path:
        kit = campaign_toolkit(org)
        out.update(slug=[kit.campaign.slug], objection_id=[kit.objection.pk])
    if "/field/" in path:
        w = world(org)
        out.update(
            clinic_id=[w.clinic.pk, w.other_clinic.pk],
            vet_id=[w.vet.pk, w.other_vet.pk],
            activity_id=[w.activity.pk, w.other_activity.pk],
            training_id=[w.training.pk, w.other_training.pk],
            import_id=[w.crm_import.pk],
            code=["N1", "S1"],
        )
    if "{program_id}" in path or "{module_id}" in path:
        t = make_program(org)
        out.update(program_id=[t.program.pk], module_id=[t.m1.pk, t.m2.pk])
    return out


def _token(org: Any, role: Role) -> str:
    """One token per role and test (kept on ``org``: examples share the database)."""
    tokens = org.__dict__.setdefault("fuzz_tokens", {})
    if role not in tokens:
        tokens[role] = api_token_create(user=org.users[role], name="schemathesis")[1]
    return str(tokens[role])


def _point_at_real_objects(case: Any, known: dict[str, list[Any]]) -> None:
    """Replace half the generated path values by real ones, deterministically."""
    params = case.path_parameters or {}
    seed = zlib.crc32(json.dumps(params, sort_keys=True, default=str).encode())
    if seed % 2:
        return
    for name in params:
        if name in known:
            params[name] = known[name][seed // 2 % len(known[name])]


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_refuses_clearly_changing_nothing(
    case, org, known, same_connection, role
):
    if case.operation.path == "/api/field/imports" and case.method.upper() == "POST":
        pytest.skip("CRM uploads are fuzzed file by file in test_fuzz_importers")
    key = _token(org, role)
    _point_at_real_objects(case, known)
    before = stored_state()
    response = case.call(headers={"Authorization": f"Bearer {key}"})
    status = response.status_code
    where = f"{case.method} {case.formatted_path} as {role.value}: {status} {response.text[:300]}"
    assert status < 500, where
    if status >= 400:
        # Ninja answers a wrong method (405) in plain text; every other refusal in JSON.
        reason = response.text if status == 405 else response.json().get("detail")
        assert reason, where
        assert not state_diff(before, stored_state()), f"refused but changed: {where}"


@pytest.mark.parametrize("grade", ["10000000000000000000000000000", "1e30", 1e300, "4.5", "-3"])
def test_staging_refuses_an_impossible_murmur_grade_with_a_reason(client, org, grade):
    """Found by the run above: a 29-digit murmur grade crashed the staging rule."""
    from django.urls import reverse

    client.force_login(org.users[Role.FIELD_VET])
    response = client.post(
        reverse("api:clinical_staging"),
        {"murmur_grade": grade, "vhs": 11.5},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert "murmur" in json.dumps(response.json()).lower()
