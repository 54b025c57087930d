"""See urls_placeholder.py: a stand-in for the assessment pages until they are merged."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render

from cdphub.core.access import access
from cdphub.framework import guidance

from . import actions
from .views_signoff import VIEW, _context, _partnership


@access(VIEW, load=_partnership)
def index(request, partnership, slug: str):
    current = actions.current(partnership)
    if current is not None:
        return redirect(actions.assessment_url(current))
    return render(request, "planning/signoff_placeholder.html",
                  _context(request, partnership, assessment=None, sections=[]))


@access(VIEW, load=_partnership)
def detail(request, partnership, slug: str, pk: int):
    assessment = get_object_or_404(partnership.assessments, pk=pk)
    findings = list(assessment.findings.prefetch_related("evidence", "priorities"))
    sections = [(section, [f for f in findings if f.section_key == section.key])
                for section in guidance().assessment_sections]
    return render(request, "planning/signoff_placeholder.html",
                  _context(request, partnership, assessment=assessment, sections=sections))
