"""The needs assessment's own pages: the partnership's assessments, one assessment whole (its
sections with the narrative, the figures live or frozen, the findings), writing one section
with its history, and the assessment's figures as a download.

Every page loads the partnership by the slug in its address and the assessment among that
partnership's own (``_assessment``), so an assessment of another partnership is not found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cdphub.core import clock
from cdphub.core.access import access
from cdphub.core.downloads import table_response
from cdphub.framework import AssessmentSection, guidance
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import actions, figures, lookups
from .downloads_assessment import figures_table, shown_as, trend_words
from .forms_assessment import SectionForm
from .models import Assessment, SectionNarrative

READ = "planning.view_assessment"
CHANGE = "planning.change_assessment"
GROUPS = (("question", "Box 4's questions"), ("dimension", "The analysis"))
#: The section whose subject each kind of table is: there it is shown open; elsewhere it is
#: folded away (and not printed, the section of its own printing it).
AUTHORITIES_SECTION = "geography"
BREAKDOWNS_SECTION = "demographics"




def _section_of(key: str) -> AssessmentSection:
    try:
        return guidance().assessment_section(key)
    except KeyError:
        raise Http404("No such section of a needs assessment.") from None


def _context(request, partnership: Partnership, **extra) -> dict:
    return {"partnership": partnership, "section": "needs_assessment",
            "partnership_sections": sections_for(partnership.slug),
            "short_name": partnership.name.removesuffix(" Combating Drugs Partnership"),
            "can_change": request.user.has_perm(CHANGE, partnership), **extra}


def _figures(assessment: Assessment) -> tuple[dict, bool]:
    """(figures, live): the snapshot frozen at sign-off, else today's figures (built once)."""
    if assessment.snapshot is not None:
        return assessment.snapshot, False
    return figures.live(assessment.partnership, clock.today()), True


# --------------------------------------------------------------------------- the figures


def _shown(figure: dict | None) -> dict | None:
    """A figure with what the page prints for it (the stored copy is left as it is)."""
    if not figure:
        return None
    shown = figure.get("value") is not None
    return {**figure, "shown": shown_as(figure) or "–",
            "comparison_words": (figure.get("comparison_text") if shown else
                                 "Small numbers" if figure.get("suppressed") else "–"),
            "trend_words": trend_words(figure.get("trend") or "") if shown else ""}


@dataclass
class MetricFigures:
    key: str
    block: dict
    partnership: dict | None
    region: dict | None
    england: dict | None
    authorities: list[dict]
    breakdowns: list[dict]
    authorities_open: bool = False
    breakdowns_open: bool = False
    url: str = ""  # the partnership's outcomes page for the metric (live figures only)


def metric_figures(section: AssessmentSection, block: dict, *, partnership: Partnership,
                   live: bool) -> MetricFigures:
    authorities = [_shown(a) if "period" in a else {**a, "shown": "–", "comparison_words": "–"}
                   for a in block.get("authorities", [])]
    # Each authority's figures: always in the section on geographical disparities, and
    # elsewhere when the footprint has more than one authority.
    if section.key != AUTHORITIES_SECTION and len(authorities) < 2:
        authorities = []
    return MetricFigures(
        key=block["key"], block=block, partnership=_shown(block.get("partnership")),
        region=_shown(block.get("region")), england=_shown(block.get("england")),
        authorities=authorities,
        breakdowns=[_shown(b) for b in block.get("breakdowns", [])],
        authorities_open=section.key == AUTHORITIES_SECTION,
        breakdowns_open=section.key == BREAKDOWNS_SECTION,
        url=reverse("partnerships:outcome-metric", args=[partnership.slug, block["key"]])
        if live else "")


@dataclass
class SectionView:
    section: AssessmentSection
    narrative: SectionNarrative | None
    metrics: list[MetricFigures] = field(default_factory=list)
    findings: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.narrative.text if self.narrative else ""


def _loads(data: dict) -> list[dict]:
    return [{**load, "loaded_at": dt.datetime.fromisoformat(load["loaded_at"])}
            for load in data.get("loads", [])]


def _as_at(data: dict) -> dt.date | None:
    return dt.date.fromisoformat(data["as_at"]) if data.get("as_at") else None


# --------------------------------------------------------------------------- pages


@access(READ, load=lookups.partnership)
def index(request, partnership: Partnership, slug: str):
    current = actions.current(partnership)
    earlier = partnership.assessments.select_related("signed_off_by").order_by(
        "-created_at", "-id")
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    in_progress = partnership.assessments.in_progress().exists()
    return render(request, "planning/assessment_index.html", _context(
        request, partnership, current=current, earlier=list(earlier),
        can_start=not in_progress and request.user.has_perm(CHANGE, partnership),
        milestone=guidance().milestone(actions.MILESTONE)))


@access(CHANGE, load=lookups.partnership)
@require_POST
def start(request, partnership: Partnership, slug: str):
    try:
        assessment = actions.start(partnership=partnership, by=request.user)
    except actions.AssessmentError as error:
        messages.error(request, error.message)
        return redirect("partnerships:needs-assessment", slug)
    messages.success(request, f"{assessment.title} is started. Write each section, then the "
                              "partnership agrees it at a meeting.")
    return redirect("partnerships:needs-assessment-detail", slug, assessment.pk)


@access(READ, load=lookups.partnership)
def detail(request, partnership: Partnership, slug: str, pk: int):
    assessment = lookups.assessment(partnership, pk)
    data, live = _figures(assessment)
    blocks = data.get("metrics", {})
    narratives = {n.section_key: n for n in assessment.narratives.select_related("updated_by")}
    findings: dict[str, list] = {}
    for finding in assessment.findings.prefetch_related("evidence", "priorities"):
        findings.setdefault(finding.section_key, []).append(finding)
    groups = []
    for group, heading in GROUPS:
        sections = []
        for section in guidance().assessment_sections:
            if section.group != group:
                continue
            sections.append(SectionView(
                section=section, narrative=narratives.get(section.key),
                metrics=[metric_figures(section, blocks[key], partnership=partnership,
                                        live=live)
                         for key in section.metrics if key in blocks],
                findings=findings.get(section.key, [])))
        groups.append((heading, sections))
    can_write = (assessment.status == Assessment.Status.DRAFT
                 and request.user.has_perm(CHANGE, partnership))
    return render(request, "planning/assessment_detail.html", _context(
        request, partnership, assessment=assessment, groups=groups, live=live,
        as_at=_as_at(data), loads=_loads(data), can_write=can_write))


def _section_figures(assessment: Assessment, section: AssessmentSection) -> tuple[list, bool]:
    """The section's metrics, frozen or live (from the cache the whole assessment shares),
    for reference beside the form."""
    if assessment.snapshot is not None:
        blocks = assessment.snapshot.get("metrics", {})
        return [blocks[key] for key in section.metrics if key in blocks], False
    blocks = figures.live(assessment.partnership, clock.today())["metrics"]
    return [blocks[key] for key in section.metrics if key in blocks], True


@dataclass
class Version:
    record: object  # the newest historical record of one save
    written: bool  # the save that wrote the section first


def _versions(narrative: SectionNarrative | None) -> list[Version]:
    """Every saved version of the narrative, newest first. One save (one change set) is one
    version: a section's first save creates the row and then fills it in."""
    if narrative is None:
        return []
    versions: dict = {}
    for record in narrative.history.select_related("history_user").order_by(
            "-history_date", "-history_id"):
        version = versions.setdefault(record.history_date, Version(record, False))
        version.written = version.written or record.history_type == "+"
    return list(versions.values())


@access(CHANGE, load=lookups.partnership)
def section_edit(request, partnership: Partnership, slug: str, pk: int, key: str):
    assessment = lookups.assessment(partnership, pk)
    section = _section_of(key)
    narrative = assessment.narratives.select_related("updated_by").filter(
        section_key=key).first()
    editable = assessment.status == Assessment.Status.DRAFT
    form = SectionForm(data=request.POST if request.method == "POST" else None,
                       initial={"text": narrative.text if narrative else ""}, section=section)
    if request.method == "POST" and form.is_valid():
        try:
            actions.write_section(assessment=assessment, section_key=key,
                                  text=form.cleaned_data["text"], by=request.user)
        except actions.AssessmentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{section.label} is saved.")
            return redirect(reverse("partnerships:needs-assessment-detail",
                                    args=[slug, assessment.pk]) + f"#section-{key}")
    blocks, live = _section_figures(assessment, section)
    return render(request, "planning/assessment_section.html", _context(
        request, partnership, assessment=assessment, assessment_section=section, form=form,
        editable=editable, narrative=narrative, versions=_versions(narrative),
        blocks=blocks, live=live))


@access(READ, load=lookups.partnership)
def figures_download(request, partnership: Partnership, slug: str, pk: int, fmt: str):
    assessment = lookups.assessment(partnership, pk)
    data, live = _figures(assessment)
    page = request.build_absolute_uri(reverse("partnerships:needs-assessment-detail",
                                              args=[slug, assessment.pk]))
    return table_response(figures_table(assessment, data, live=live, url=page), fmt,
                          f"{slug}-needs-assessment-{assessment.pk}-figures")
