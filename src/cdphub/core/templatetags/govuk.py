"""Template helpers for GOV.UK markup (loaded in every template)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def govuk_date(value) -> str:
    """A date as GOV.UK style writes it: 1 August 2022 (empty for no date)."""
    if not value:
        return ""
    return f"{value.day} {value:%B %Y}"
