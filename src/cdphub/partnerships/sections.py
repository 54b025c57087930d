"""The sections of a partnership's pages, in the order the side navigation lists them."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

SECTIONS = [
    ("overview", "Overview", "partnerships:detail"),
    ("outcomes", "Outcomes", "partnerships:outcomes"),
    ("needs_assessment", "Needs assessment", "partnerships:needs-assessment"),
    ("plan", "Delivery plan", "partnerships:plan"),
    ("reports", "Progress reports", "partnerships:reports"),
    ("footprint", "Footprint", "partnerships:footprint"),
    ("people", "People and roles", "partnerships:people"),
    ("coverage", "Core membership", "partnerships:coverage"),
    ("governance", "Governance", "partnerships:governance"),
    ("meetings", "Meetings and actions", "partnerships:meetings"),
    ("milestones", "Milestones", "partnerships:milestones"),
    ("return", "Return to central government", "partnerships:return"),
    ("history", "History", "partnerships:history"),
]


def sections_for(slug: str) -> list[tuple[str, str, str]]:
    result = []
    for key, label, name in SECTIONS:
        try:
            result.append((key, label, reverse(name, args=[slug])))
        except NoReverseMatch:  # a section whose pages are not installed
            continue
    return result
