"""What the public pages show, gathered from published records only.

Every function here returns only what anyone may read: terms of reference with
``published_at`` set, a needs assessment with ``published_at`` set (from its frozen snapshot),
an agreed delivery plan (never a draft), published report submissions, people's names and
roles (an email address only where the person agreed), and national figures for areas read
through ``Figures.published()`` (hidden figures arrive as ``None``; no local metric).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from cdphub.core.clock import today
from cdphub.geography.models import Area, AreaType
from cdphub.outcomes.models import Metric
from cdphub.outcomes.published import Figure, Figures
from cdphub.partnerships.governance import summarise
from cdphub.partnerships.models import Coverage, Partnership, TermsOfReference
from cdphub.partnerships.status import leadership
from cdphub.planning.models import Assessment, Evidence
from cdphub.planning.plans import coverage, live_actions, status_counts
from cdphub.reporting.models import Report, Submission

ENGLAND_CODE = "E92000001"


# --------------------------------------------------------------------------- the list


@dataclass
class Listed:
    partnership: Partnership
    authorities: list[Area]
    matched: list[str] = field(default_factory=list)  # why a search found it


def listing(query: str = "") -> list[Listed]:
    """Every partnership with the authorities it covers today; with ``query``, those whose
    name, authorities (name or code) or districts within them match (case-insensitive, any
    part of a word)."""
    on = today()
    coverages = (Coverage.objects.valid_on(on).select_related("area")
                 .order_by("area__name"))
    partnerships = Partnership.objects.select_related("region").prefetch_related(
        Prefetch("coverages", queryset=coverages, to_attr="covered")).order_by("name")
    rows = [Listed(p, [c.area for c in p.covered]) for p in partnerships]
    query = " ".join(query.split())
    if not query:
        return rows
    words = query.casefold()
    districts: dict[int, list[str]] = {}
    for district in Area.objects.filter(area_type=AreaType.LAD, parent__isnull=False).filter(
            Q(name__icontains=query) | Q(code__iexact=query)):
        districts.setdefault(district.parent_id, []).append(district.name)
    found = []
    for row in rows:
        reasons = []
        if words in row.partnership.name.casefold():
            reasons.append(row.partnership.name)
        for area in row.authorities:
            if words in area.name.casefold() or words == area.code.casefold():
                reasons.append(area.name)
            for name in districts.get(area.pk, []):
                reasons.append(f"{name} (in {area.name})")
        if reasons:
            row.matched = reasons
            found.append(row)
    return found


def partnership(slug: str) -> Partnership:
    return get_object_or_404(Partnership.objects.select_related("region"), slug=slug)


# --------------------------------------------------------------------------- one partnership


def authorities(p: Partnership) -> list[Area]:
    return list(p.authorities_on(today()).order_by("name"))


@dataclass
class Leader:
    role: str
    name: str
    job_title: str
    organisation: str
    email: str  # only when the person agreed


def leaders(p: Partnership) -> list[Leader]:
    shown = []
    for role, appointment in leadership(p, today()):
        if appointment is None:
            continue
        person = appointment.person
        shown.append(Leader(role, person.full_name, person.job_title,
                            person.organisation.name if person.organisation_id else "",
                            person.email if person.email_public and person.email else ""))
    return shown


def published_terms(p: Partnership, version: int | None = None) -> TermsOfReference | None:
    terms = p.terms_of_reference.filter(published_at__isnull=False, agreed_on__isnull=False)
    if version is not None:
        terms = terms.filter(version=version)
    return terms.order_by("-version").first()


def terms_summary(p: Partnership):
    terms = published_terms(p)
    return summarise(terms, today()) if terms is not None else None


def published_assessment(p: Partnership) -> Assessment | None:
    return (p.assessments.filter(published_at__isnull=False, snapshot__isnull=False)
            .order_by("-signed_off_on", "-pk").first())


@dataclass
class PublicFinding:
    statement: str
    section: str
    priorities: list[str]
    evidence: list[Evidence]  # publishable evidence only


def findings(assessment: Assessment) -> list[PublicFinding]:
    from cdphub.framework import guidance

    labels = {s.key: s.label for s in guidance().assessment_sections}
    result = []
    for finding in assessment.findings.prefetch_related("priorities", "evidence").order_by("pk"):
        result.append(PublicFinding(
            finding.statement, labels.get(finding.section_key, ""),
            [pr.title for pr in finding.priorities.all()],
            [e for e in finding.evidence.all()
             if e.visibility == Evidence.Visibility.PUBLISHABLE and e.withdrawn_at is None]))
    return result


@dataclass
class PlanSummary:
    plan: object
    covered: int
    total: int
    counts: list[tuple[str, int]]


def plan_summary(p: Partnership) -> PlanSummary | None:
    """The agreed plan in force (never a draft)."""
    plan = p.plans.agreed().first()
    if plan is None:
        return None
    actions = list(live_actions(plan))
    cover = coverage(plan, actions)
    from cdphub.planning.models import PlanAction

    labels = dict(PlanAction.Status.choices)
    return PlanSummary(plan, sum(1 for c in cover.commitments if c.covered),
                       len(cover.commitments),
                       [(labels[k], n) for k, n in status_counts(actions).items()])


def published_reports(p: Partnership) -> list[tuple[Report, Submission]]:
    shown = []
    for report in p.reports.order_by("-year"):
        submission = report.published_submission()
        if submission is not None:
            shown.append((report, submission))
    return shown


def published_report(p: Partnership, year: int) -> Submission:
    report = p.reports.filter(year=year).first()
    submission = report.published_submission() if report is not None else None
    if submission is None:
        raise Http404("No published report for that year.")
    return submission


# --------------------------------------------------------------------------- figures


@dataclass
class MetricRow:
    metric: Metric
    area: Area | None  # None: the partnership as a whole
    figure: Figure | None
    england: Figure | None
    place: str = ""

    def __post_init__(self):
        if not self.place and self.area is not None:
            self.place = self.area.name

    @property
    def hidden(self) -> bool:
        return self.figure is not None and self.figure.value is None


def headline_metrics(p: Partnership) -> tuple[list[MetricRow], list[Metric]]:
    """Each headline metric's latest published figure for each authority the partnership
    covers (and, for metrics published for police force areas, their forces), with England's
    for the same period; and the headline metrics with no figure for any of them. Read only
    through ``Figures.published_for_partnership(p)``: national metrics, for areas and for the
    partnership as a whole (its row comes first), never a local metric. A hidden figure is a
    row whose value is None."""
    areas = authorities(p)
    forces = list(Area.objects.filter(pk__in={a.police_force_area_id for a in areas
                                              if a.police_force_area_id}).order_by("name"))
    places = areas + forces
    metrics = list(Metric.objects.filter(kind="headline", partnership__isnull=True)
                   .order_by("order", "name"))
    if not metrics or not places:
        return [], metrics
    england = Area.objects.filter(code=ENGLAND_CODE).first()
    wanted = [a.pk for a in places] + ([england.pk] if england else [])
    figures = list(Figures.published_for_partnership(p).filter(
        Q(area__in=wanted) | Q(partnership=p), metric__in=metrics, breakdown=""))
    latest: dict[tuple[int, int], Figure] = {}
    by_period: dict[tuple, Figure] = {}
    for f in figures:
        key = (f.metric_id, f.area_id if f.area_id is not None else -1)
        best = latest.get(key)
        if best is None or (f.period_end, f.period_start) > (best.period_end, best.period_start):
            latest[key] = f
        if f.area_id is not None:
            by_period[(f.metric_id, f.area_id, f.period_start, f.period_end)] = f
    rows, without = [], []
    for metric in metrics:
        found = False
        own = latest.get((metric.pk, -1))
        if own is not None:
            found = True
            eng = (by_period.get((metric.pk, england.pk, own.period_start, own.period_end))
                   if england is not None else None)
            rows.append(MetricRow(metric, None, own, eng, place=p.name))
        for area in places:
            figure = latest.get((metric.pk, area.pk))
            if figure is None:
                continue
            found = True
            eng = None
            if england is not None:
                eng = by_period.get((metric.pk, england.pk, figure.period_start,
                                     figure.period_end))
            rows.append(MetricRow(metric, area, figure, eng))
        if not found:
            without.append(metric)
    return rows, without


def as_of(d: dt.date | None) -> str:
    return f"{d:%-d %B %Y}" if d else ""
