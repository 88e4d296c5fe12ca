"""Template filters of the clinical aid."""

from __future__ import annotations

from decimal import Decimal

from django import template

from onevoice.clinical.rules import fmt

register = template.Library()


@register.filter
def v(value: object) -> str:
    """A measurement as a vet writes it (10.5, 9.25), whatever its Decimal exponent."""
    if isinstance(value, Decimal):
        return fmt(value)
    return "" if value is None else str(value)
