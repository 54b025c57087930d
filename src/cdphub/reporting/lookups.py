"""How the report pages find the records in their URL: the partnership by its slug, and a
report or case study only among that partnership's, so another partnership's is not found
(404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from cdphub.partnerships.models import Partnership

from .models import CaseStudy, Report, Submission


def partnership(slug: str, **_kwargs) -> Partnership:
    """For ``@access(load=…)``: the partnership in the URL (the other URL arguments ignored)."""
    return get_object_or_404(Partnership.objects.select_related("region"), slug=slug)


def report(partnership: Partnership, year: int) -> Report:
    return get_object_or_404(
        Report.objects.select_related("partnership", "partnership__region", "signed_off_by",
                                      "created_by"),
        partnership=partnership, year=year)


def case_study(report: Report, pk: int) -> CaseStudy:
    return get_object_or_404(CaseStudy, report=report, pk=pk)


def submission(report: Report, version: int) -> Submission:
    return get_object_or_404(Submission, report=report, version=version)
