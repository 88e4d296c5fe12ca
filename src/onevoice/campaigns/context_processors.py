from typing import Any

from django.http import HttpRequest

from onevoice.campaigns.models import Notification


def notifications(request: HttpRequest) -> dict[str, Any]:
    """Unread notification count for the navigation bar (one query, signed-in only)."""
    if not request.user.is_authenticated:
        return {}
    return {
        "unread_notifications": Notification.objects.filter(
            user=request.user, read_at__isnull=True
        ).count()
    }
