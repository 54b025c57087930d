"""Template helpers of the report document (``render.py``): charts drawn at render time from
the numbers a snapshot stores, so a stored snapshot stays small."""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from cdphub.outcomes import charts

register = template.Library()
BULLET = re.compile(r"^[-*\u2022]\s+")


@register.simple_tag
def report_spine(row: dict, partnership_name: str) -> str:
    """The spine chart of one outcomes row (``sections_outcomes``): an inline SVG with a
    title and description (its numbers are also in the row of the table around it)."""
    spine = row.get("spine")
    if not spine:
        return ""
    return charts.spine_chart(
        lowest=spine["lowest"], q1=spine["q1"], q3=spine["q3"], highest=spine["highest"],
        england=spine["england"], value=row.get("value"), polarity=row.get("polarity", ""),
        comparison=row.get("comparison", ""),
        label=f"{row['name']}: where {partnership_name} sits among {spine['areas']} "
              f"{spine['label']}")


@register.filter
def report_text(text: str) -> str:
    """Text the partnership wrote, as HTML: paragraphs at blank lines, and a paragraph whose
    every line starts with "- ", "* " or "• " as a bulleted list. Everything is escaped."""
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(BULLET.match(line) for line in lines):
            items = "".join(format_html("<li>{}</li>", BULLET.sub("", line)) for line in lines)
            blocks.append(f'<ul class="govuk-list govuk-list--bullet">{items}</ul>')
        else:
            blocks.append('<p class="govuk-body">' + "<br>".join(escape(line) for line in lines) + "</p>")
    return mark_safe("\n".join(blocks))  # noqa: S308 (every piece escaped above)


@register.filter
def report_date(value) -> str:
    """An ISO date or date-time string from a snapshot as people read it: 1 May 2024."""
    if not value:
        return ""
    text = str(value)
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"
