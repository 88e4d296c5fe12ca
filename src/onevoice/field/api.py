"""API endpoints of the field app (mounted at /api/field/)."""

from ninja import Router

router = Router(tags=["field"])
