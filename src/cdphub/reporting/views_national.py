"""Every partnership's progress reports, under ``/partnerships/reports/``: central users see all
of England, regional advisers their region (``partnerships.status.visible_to``; the region
filter offers only the regions they can see). For each partnership and reporting year (the
years whose reports have fallen due, the year being written and the current one): the
report's status, when it was first submitted, and whether it is late (not submitted by 30
April after the year ends, or submitted after it), grouped by region with counts; downloadable
as CSV and XLSX.

Read in a fixed number of queries: the partnerships, their reports, and the reports'
submissions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import DATE, FLAG, FORMATS, About, Column, Table, table_response
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.scope import scope_for
from cdphub.partnerships.status import visible_to

from .models import Report, Submission
from .years import ReportingYear, due_years, last_completed, year_of

PERMISSION = "reporting.view_submissions"
NO_REPORT = "No report"


def years_shown(on) -> list[ReportingYear]:
    """The years whose reports have fallen due, the year being written and the current one,
    newest first."""
    return sorted({*due_years(on), last_completed(on), year_of(on)}, reverse=True)


@dataclass
class Row:
    partnership: Partnership
    year: ReportingYear
    report: Report | None
    submitted_on: object  # date of the first submission, or None
    published_on: object
    late: bool
    due: bool

    @property
    def status(self) -> str:
        return self.report.get_status_display() if self.report else NO_REPORT

    @property
    def submitted(self) -> bool:
        return self.submitted_on is not None

    @property
    def not_due_yet(self) -> bool:
        return not self.due and not self.submitted


def report_rows(partnerships, years: list[ReportingYear], on) -> list[Row]:
    """One row per partnership and year (partnerships in the order given, newest year first).
    Three queries whatever the number of partnerships."""
    partnerships = list(partnerships)
    reports = {(r.partnership_id, r.year): r for r in Report.objects.filter(
        partnership_id__in=[p.pk for p in partnerships],
        year__in=[y.start_year for y in years])}
    firsts: dict[int, object] = {}
    published: dict[int, object] = {}
    for submission in (Submission.objects.filter(report_id__in=[r.pk for r in reports.values()])
                       .only("report_id", "version", "submitted_at", "published_at")
                       .order_by("version")):
        firsts.setdefault(submission.report_id, submission.submitted_at.date())
        if submission.published_at:
            published[submission.report_id] = submission.published_at.date()
    rows = []
    for partnership in partnerships:
        for year in years:
            report = reports.get((partnership.pk, year.start_year))
            submitted_on = firsts.get(report.pk) if report else None
            rows.append(Row(partnership, year, report, submitted_on,
                            published.get(report.pk) if report else None,
                            year.is_late(on, submitted_on), year.due_on < on))
    return rows


@dataclass
class Group:
    region: str
    rows: list[Row]

    @property
    def submitted(self) -> int:
        return sum(1 for row in self.rows if row.submitted)

    @property
    def late(self) -> int:
        return sum(1 for row in self.rows if row.late)

    @property
    def not_due_yet(self) -> int:
        return sum(1 for row in self.rows if row.not_due_yet)


def by_region(rows: list[Row]) -> list[Group]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        region = row.partnership.region.name if row.partnership.region else "No region"
        groups.setdefault(region, []).append(row)
    return [Group(region, found) for region, found in sorted(groups.items())]


def _chosen(request, on):
    """The partnerships the user can see (in the region chosen) and the years chosen."""
    partnerships = visible_to(Partnership.objects.all(), request.user).select_related(
        "region").order_by("region__name", "name")
    region_code = request.GET.get("region", "")
    if region_code:
        partnerships = partnerships.filter(region__code=region_code)
    years = years_shown(on)
    year_param = request.GET.get("year", "")
    chosen = [y for y in years if str(y.start_year) == year_param]
    return partnerships, region_code, (chosen or years), (chosen[0] if chosen else None)


@access(PERMISSION)
def national_reports(request):
    on = today()
    partnerships, region_code, years, year = _chosen(request, on)
    rows = report_rows(partnerships, years, on)
    groups = by_region(rows)
    scope = scope_for(request.user)
    return render(request, "reporting/national_reports.html", {
        "groups": groups, "rows": rows, "years": years_shown(on), "year": year,
        "regions": scope.regions, "scope": scope, "region_code": region_code, "today": on,
        "totals": Group("All", rows),
        "query": request.GET.urlencode(),
        "empty_reason": "" if rows else scope.empty_reason(region_code=region_code),
    })


COLUMNS = [
    Column("partnership", "Partnership"),
    Column("partnership_code", "Partnership code"),
    Column("region", "Region"),
    Column("region_code", "Region code"),
    Column("year", "Reporting year"),
    Column("due_on", "Due by", DATE),
    Column("status", "Status"),
    Column("version", "Version"),
    Column("submitted_on", "First submitted on", DATE),
    Column("published_on", "Published on", DATE),
    Column("late", "Late", FLAG),
    Column("link", "Link to the report"),
]


@access(PERMISSION)
def national_reports_download(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404("Downloads are CSV or XLSX.")
    on = today()
    partnerships, region_code, years, year = _chosen(request, on)
    rows = report_rows(partnerships, years, on)
    audit.record(AuditEvent.Kind.EXPORT, request=request,
                 target=f"progress reports of every partnership ({fmt.upper()})"[:300],
                 filters=request.GET.dict())
    data = [{
        "partnership": row.partnership.name, "partnership_code": row.partnership.slug,
        "region": row.partnership.region.name if row.partnership.region else "",
        "region_code": row.partnership.region.code if row.partnership.region else "",
        "year": row.year.label, "due_on": row.year.due_on, "status": row.status,
        "version": str(row.report.version) if row.report else "",
        "submitted_on": row.submitted_on, "published_on": row.published_on, "late": row.late,
        "link": request.build_absolute_uri(reverse(
            "partnerships:report", args=[row.partnership.slug, row.year.start_year]))
        if row.report else ""} for row in rows]
    page = reverse("partnerships:national-reports") + (
        f"?{request.GET.urlencode()}" if request.GET else "")
    filters = []
    if year:
        filters.append(("Reporting year", year.label))
    if region_code:
        filters.append(("Region", region_code))
    about = About(
        title="Progress reports of every partnership", source="cdphub progress reports",
        url=request.build_absolute_uri(page), filters=filters,
        notes=["One row per partnership and reporting year.",
               "A report is due by 30 April after the year it covers ends. Late: not "
               "submitted by then, or first submitted after it."])
    return table_response(Table(COLUMNS, data, about, sheet="Progress reports"), fmt,
                          f"cdphub-progress-reports-{on}")
