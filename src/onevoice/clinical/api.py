"""API endpoints of the clinical app (mounted at /api/clinical/)."""

from ninja import Router

router = Router(tags=["clinical"])
