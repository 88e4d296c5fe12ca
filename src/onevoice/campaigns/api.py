"""API endpoints of the campaigns app (mounted at /api/campaigns/)."""

from ninja import Router

router = Router(tags=["campaigns"])
