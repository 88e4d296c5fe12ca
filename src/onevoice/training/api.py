"""API endpoints of the training app (mounted at /api/training/)."""

from ninja import Router

router = Router(tags=["training"])
