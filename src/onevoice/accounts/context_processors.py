from typing import Any

from django.http import HttpRequest

from onevoice.accounts.permissions import role_of


def roles(request: HttpRequest) -> dict[str, Any]:
    """Expose the signed-in user's role to every template (for the navigation)."""
    role = role_of(request.user)
    return {"current_role": role, "current_role_label": role.label if role else ""}
