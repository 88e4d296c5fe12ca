"""The OneVoice API at /api/ — OpenAPI docs at /api/docs.

Every endpoint requires a token or a session of a user with a role; endpoints then
apply the same permission functions as the pages.
"""

from ninja import NinjaAPI

from onevoice.accounts.api import router as accounts_router
from onevoice.config.api_auth import SessionAuth, TokenAuth

api = NinjaAPI(
    title="OneVoice API",
    version="1",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    urls_namespace="api",
)
api.add_router("", accounts_router)
