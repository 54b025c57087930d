"""Template filters for the register's pages."""

from __future__ import annotations

from django import template

from cdphub.core.clock import today as clock_today
from cdphub.framework.milestones import shown_status

register = template.Library()


@register.filter
def milestone_status(occurrence, today=None) -> str:
    """How a milestone's occurrence is shown on ``today``: done, overdue, due (within the
    window of ``framework.milestones.DUE_SOON_DAYS``) or not yet due."""
    return shown_status(occurrence, today or clock_today())
