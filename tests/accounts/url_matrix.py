"""Who may open the pages and endpoints of accounts (and the site-wide ones)."""

from onevoice.accounts.choices import Role
from tests.url_matrix import Entry

# 302 for an anonymous page request is the redirect to the login page.
MATRIX: dict[str, Entry] = {
    "home": Entry("GET", 302, 200),
    "accounts:login": Entry("GET", 200, 302),
    # The admin site's login is the same throttled form (config/urls.py).
    "admin_login": Entry("GET", 200, 302),
    "accounts:logout": Entry("POST", 302, 302),
    "accounts:password_change": Entry("GET", 302, 200),
    "accounts:password_change_done": Entry("GET", 302, 200),
    "accounts:audit": Entry("GET", 302, 403, only={Role.ADMIN.value: 200}),
    "accounts:tokens": Entry("GET", 302, 200),
    "accounts:token_create": Entry("POST", 302, 200, data={"name": "matrix"}),
    # Revoking a token that is not yours is a 404; see test_views for your own.
    "accounts:token_revoke": Entry("POST", 302, 404, kwargs={"pk": 999_999}),
    # Signed-in users only (issue 17): the schema by session or token, like the API.
    "api:openapi-json": Entry("GET", 401, 200),
    "api:openapi-view": Entry("GET", 302, 200),
    "api:me": Entry("GET", 401, 200),
    "api:api-root": Entry("GET", 404, 404),
    "admin:index": Entry("GET", 302, 302, only={Role.ADMIN.value: 200}),
}
