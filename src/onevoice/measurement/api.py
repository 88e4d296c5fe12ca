"""API endpoints of the measurement app (mounted at /api/measurement/)."""

from ninja import Router

router = Router(tags=["measurement"])
