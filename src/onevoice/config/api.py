"""The OneVoice API at /api/ — OpenAPI docs at /api/docs, for signed-in users, with
Swagger UI served from django-ninja's own static files (``ninja`` is an installed app)
and its online validator off: the page fetches nothing from another host.

Every endpoint requires a token or a session of a user with a role; endpoints then
apply the same permission functions as the pages.
"""

from ninja import NinjaAPI, Swagger

from onevoice.accounts.api import router as accounts_router
from onevoice.campaigns.api import router as campaigns_router
from onevoice.clinical.api import router as clinical_router
from onevoice.config.api_auth import SessionAuth, TokenAuth, docs_signed_in
from onevoice.field.api import router as field_router
from onevoice.measurement.api import router as measurement_router
from onevoice.training.api import router as training_router

api = NinjaAPI(
    title="OneVoice API",
    version="1",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    docs_decorator=docs_signed_in,
    # Swagger UI's default shows a badge fetched from validator.swagger.io, sending it
    # the schema's address: the one request the page would make to another host.
    docs=Swagger(settings={"validatorUrl": None}),
    urls_namespace="api",
)
api.add_router("", accounts_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/training", training_router)
api.add_router("/field", field_router)
api.add_router("/clinical", clinical_router)
api.add_router("/measurement", measurement_router)
