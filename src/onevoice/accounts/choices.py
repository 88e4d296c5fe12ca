"""Roles: who does what in a launch (../shared/DESIGN.md, "Who uses it")."""

from django.db import models


class Role(models.TextChoices):
    MARKETING = "marketing", "Marketing manager"
    SALES_MANAGER = "sales_manager", "Sales manager"
    SALES_REP = "sales_rep", "Sales rep"
    FIELD_VET = "field_vet", "Technical field vet"
    REVIEWER = "reviewer", "Medical / regulatory reviewer"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Administrator"
