"""A partnership's progress reports, under ``<slug>/reports/`` (names in the 'partnerships'
namespace): the list of reports and a report's page. Every view loads the partnership by the
URL's slug and the report only among that partnership's own (``lookups``)."""

from __future__ import annotations

from django.shortcuts import render

from cdphub.core.access import access
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import build, lookups
from . import render as document

VIEW = "reporting.view_report"
CHANGE = "reporting.change_report"
SECTION = "reports"


def _context(request, partnership: Partnership, **extra) -> dict:
    return {"partnership": partnership, "section": SECTION,
            "partnership_sections": sections_for(partnership.slug),
            "can_change": request.user.has_perm(CHANGE, partnership), **extra}


@access(VIEW, load=lookups.partnership)
def report_list(request, partnership: Partnership, slug: str):
    reports = list(partnership.reports.all())
    return render(request, "reporting/report_list.html",
                  _context(request, partnership, reports=reports))


@access(VIEW, load=lookups.partnership)
def report_detail(request, partnership: Partnership, slug: str, year: int):
    found = lookups.report(partnership, year)
    snapshot = build.build(found)
    return render(request, "reporting/report_detail.html",
                  _context(request, partnership, report=found,
                           body=document.render_body(snapshot)))
