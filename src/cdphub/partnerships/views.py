"""The register: partnerships, footprints, people and roles, coverage, milestones, history."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.accounts.views import home as accounts_home
from cdphub.core.access import PUBLIC, access
from cdphub.core.clock import today
from cdphub.core.downloads import DATE, About, Column, Table, table_response
from cdphub.framework import guidance
from cdphub.framework.milestones import NOT_YET_DUE, OVERDUE, shown_status
from cdphub.outcomes.numbers import format_number

from . import actions
from . import history as history_of
from .attention import DUE_SOON_DAYS, headline_rows, needs_attention, trend_words
from .forms import (
    AppointmentForm,
    DecisionForm,
    EndAppointmentForm,
    FootprintChangeForm,
    MilestoneCompletionForm,
    PartnershipForm,
    RationaleForm,
    SroExceptionForm,
)
from .models import (
    Appointment,
    FootprintChange,
    Partnership,
)
from .scope import scope_for
from .sections import sections_for
from .status import (
    core_coverage,
    current_authorities,
    leadership,
    milestone_status,
    visible_to,
    with_register,
)


def _partnership(slug: str, **_kwargs) -> Partnership:
    return get_object_or_404(with_register(Partnership.objects.all()), slug=slug)


def _apply_error(form, error: actions.RegisterError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _context(request, partnership: Partnership, section: str, **extra) -> dict:
    return {"partnership": partnership, "section": section,
            "partnership_sections": sections_for(partnership.slug),
            "can_edit": request.user.has_perm("partnerships.change_partnership", partnership),
            "today": today(), **extra}


def one_partnership(context: dict) -> Partnership | None:
    """The home page's partnership, when the user's roles cover exactly one (no region, not
    central)."""
    partnerships = context["my_partnerships"]
    if len(partnerships) != 1 or context["my_regions"] or context["is_central"]:
        return None
    return partnerships[0]


def _home_attention(request, context: dict) -> dict:
    partnership = one_partnership(context)
    if partnership is None or not request.user.has_perm("partnerships.view_partnership",
                                                        partnership):
        return {}
    partnership = with_register(Partnership.objects.all()).get(pk=partnership.pk)
    return {"attention_partnership": partnership, "due_soon_days": DUE_SOON_DAYS,
            "attention": needs_attention(partnership, today())}


@access(PUBLIC)
def home(request):
    """The home page ('core:home', ``accounts.views.home``) and, for someone whose roles cover
    exactly one partnership, what needs attention there. ``config/urls.py`` mounts it: accounts
    must not import the register."""
    return accounts_home(request, more=_home_attention)


@access("partnerships.view_partnership_list")
def partnership_list(request):
    partnerships = visible_to(Partnership.objects.select_related("region"), request.user)
    region_code = request.GET.get("region", "")
    if region_code:
        partnerships = partnerships.filter(region__code=region_code)
    query = request.GET.get("q", "").strip()
    if query:
        partnerships = partnerships.filter(name__icontains=query)
    scope = scope_for(request.user)  # the region filter offers only regions the user can see
    partnerships = list(partnerships)
    return render(request, "partnerships/list.html", {
        "partnerships": partnerships, "regions": scope.regions, "region_code": region_code,
        "q": query, "scope": scope,
        "empty_reason": "" if partnerships else scope.empty_reason(region_code=region_code,
                                                                   query=query),
    })


@access("partnerships.add_partnership")
def create(request):
    form = PartnershipForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partnership = actions.create_partnership(
                name=data["name"], areas=data["authorities"], valid_from=data["valid_from"],
                rationale=data["rationale"])
        except actions.RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"{partnership.name} is registered.")
            return redirect(partnership)
    return render(request, "partnerships/create.html", {"form": form})


@access("partnerships.view_partnership", load=_partnership)
def detail(request, partnership: Partnership, slug: str):
    on = today()
    coverage = core_coverage(partnership, on)
    return render(request, "partnerships/detail.html", _context(
        request, partnership, "overview",
        attention=needs_attention(partnership, on), due_soon_days=DUE_SOON_DAYS,
        authorities=current_authorities(partnership, on),
        leadership=leadership(partnership, on),
        coverage=coverage,
        milestones=milestone_status(partnership, on),
        pending_changes=partnership.footprint_changes.filter(
            status=FootprintChange.Status.PROPOSED),
        current_terms=partnership.terms_of_reference.all()[:1],
        can_define_metrics=request.user.has_perm("outcomes.define_local_metric", partnership),
    ))


@access("partnerships.view_partnership", load=_partnership)
def board_summary(request, partnership: Partnership, slug: str):
    """What needs attention and the headline outcomes, to print for a board (one or two A4
    pages)."""
    on = today()
    headline = headline_rows(partnership)
    rows = []
    for row in headline:
        metric, figure = row.metric, row.figure
        method, unit = metric.method, metric.unit
        shown = figure is not None and figure.value is not None
        rows.append({
            "metric": metric, "period": row.period_label, "figure": figure,
            "value": format_number(figure.value, unit=unit, method=method) if shown else "",
            "interval": (f"{format_number(figure.lower_95, unit=unit, method=method)} to "
                         f"{format_number(figure.upper_95, unit=unit, method=method)}")
            if shown and figure.lower_95 is not None and figure.upper_95 is not None else "",
            "england": format_number(row.england.value, unit=unit, method=method)
            if row.england is not None else "–",
            "note": "" if shown else ("Not shown (small numbers)"
                                      if figure is not None and figure.suppressed else
                                      row.note or "No figure yet"),
            "trend": trend_words(figure.trend) if shown else "",
        })
    return render(request, "partnerships/board_summary.html", _context(
        request, partnership, "overview", attention=needs_attention(partnership, on, headline),
        due_soon_days=DUE_SOON_DAYS, rows=rows,
        is_synthetic=any(r["figure"] is not None and r["figure"].is_synthetic for r in rows)))


@access("partnerships.view_partnership", load=_partnership)
def footprint(request, partnership: Partnership, slug: str):
    return render(request, "partnerships/footprint.html", _context(
        request, partnership, "footprint",
        authorities=current_authorities(partnership, today()),
        coverages=sorted(partnership.coverages.all(), key=lambda c: (c.area.name, c.valid_from)),
        changes=partnership.footprint_changes.prefetch_related("add_areas", "remove_areas")
        .select_related("proposed_by", "decided_by"),
        can_propose=request.user.has_perm("partnerships.propose_footprint_change", partnership),
        can_decide=request.user.has_perm("partnerships.decide_footprint_change"),
    ))


@access("partnerships.change_partnership", load=_partnership)
def edit_rationale(request, partnership: Partnership, slug: str):
    form = RationaleForm(data=request.POST or None, instance=partnership)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The rationale for the footprint has been saved.")
        return redirect("partnerships:footprint", slug)
    return render(request, "partnerships/rationale.html",
                  _context(request, partnership, "footprint", form=form))


@access("partnerships.propose_footprint_change", load=_partnership)
def propose_footprint_change(request, partnership: Partnership, slug: str):
    form = FootprintChangeForm(data=request.POST or None, partnership=partnership, on=today())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.propose_footprint_change(
                partnership=partnership, add=data["add_areas"], remove=data["remove_areas"],
                effective_from=data["effective_from"], rationale=data["rationale"],
                proposed_by=request.user)
        except actions.RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, "Your proposed change has been sent to central government. "
                                      "It takes effect once a central administrator agrees it.")
            return redirect("partnerships:footprint", partnership.slug)
    return render(request, "partnerships/footprint_propose.html",
                  _context(request, partnership, "footprint", form=form))


def _change(slug: str, pk: int) -> FootprintChange:
    return get_object_or_404(FootprintChange.objects.select_related("partnership"), pk=pk,
                             partnership__slug=slug)


@access("partnerships.decide_footprint_change")
def decide_footprint_change(request, slug: str, pk: int):
    change = _change(slug, pk)
    form = DecisionForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
        try:
            if decision == FootprintChange.Status.AGREED:
                actions.agree_footprint_change(change=change, decided_by=request.user, note=note)
            else:
                actions.decide_footprint_change(change=change, decided_by=request.user,
                                                status=decision, note=note)
        except actions.RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"Footprint change {change.get_status_display().lower()}"
                             if decision != FootprintChange.Status.AGREED
                             else "Footprint change agreed and applied.")
            return redirect("partnerships:footprint", slug)
    return render(request, "partnerships/footprint_decide.html", _context(
        request, change.partnership, "footprint", change=change, form=form))


@access("partnerships.view_national_register")
def footprint_changes(request):
    changes = visible_to(Partnership.objects.all(), request.user)
    pending = (FootprintChange.objects.filter(partnership__in=changes,
                                              status=FootprintChange.Status.PROPOSED)
               .select_related("partnership", "proposed_by")
               .prefetch_related("add_areas", "remove_areas"))
    return render(request, "partnerships/footprint_changes.html", {
        "pending": pending,
        "can_decide": request.user.has_perm("partnerships.decide_footprint_change")})


@access("partnerships.view_partnership", load=_partnership)
def people(request, partnership: Partnership, slug: str):
    on = today()
    appointments = sorted(partnership.appointments.all(),
                          key=lambda a: (a.end_date is not None, a.position, a.person.full_name))
    return render(request, "partnerships/people.html", _context(
        request, partnership, "people",
        leadership=leadership(partnership, on),
        current=[a for a in appointments if a.is_current_on(on)],
        past=[a for a in appointments if not a.is_current_on(on)],
    ))


@access("partnerships.change_partnership", load=_partnership)
def appoint(request, partnership: Partnership, slug: str):
    form = AppointmentForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person = actions.find_or_create_person(
                    partnership=partnership, full_name=data["full_name"],
                    job_title=data.get("job_title", ""),
                    organisation=data.get("organisation", ""), email=data.get("email", ""),
                    sector=data["sector"], email_public=data.get("email_public", False))
                actions.appoint(
                    partnership=partnership, person=person, position=data["position"],
                    sector=data["sector"], start_date=data["start_date"],
                    sro_role=data.get("sro_role", ""), elected_tier=data.get("elected_tier", ""),
                    agreed_proposal=data.get("agreed_proposal", False))
        except actions.RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"{data['full_name']} added.")
            return redirect("partnerships:people", partnership.slug)
    return render(request, "partnerships/appoint.html",
                  _context(request, partnership, "people", form=form))


def _appointment(slug: str, pk: int) -> Appointment:
    return get_object_or_404(Appointment.objects.select_related("partnership", "person"), pk=pk,
                             partnership__slug=slug)


@access("partnerships.change_partnership", load=_partnership)
def end_appointment(request, partnership: Partnership, slug: str, pk: int):
    appointment = _appointment(slug, pk)
    form = EndAppointmentForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.end_appointment(appointment=appointment, end_date=form.cleaned_data["end_date"])
        except actions.RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"{appointment.person}'s appointment as "
                                      f"{appointment.get_position_display()} has ended.")
            return redirect("partnerships:people", slug)
    return render(request, "partnerships/end_appointment.html", _context(
        request, partnership, "people", form=form, appointment=appointment))


@access("partnerships.change_partnership", load=_partnership)
def sro_exception(request, partnership: Partnership, slug: str):
    form = SroExceptionForm(data=request.POST or None, instance=partnership)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The SRO exception has been recorded.")
        return redirect("partnerships:people", slug)
    return render(request, "partnerships/sro_exception.html",
                  _context(request, partnership, "people", form=form))


@access("partnerships.view_partnership", load=_partnership)
def coverage(request, partnership: Partnership, slug: str):
    return render(request, "partnerships/coverage.html", _context(
        request, partnership, "coverage", coverage=core_coverage(partnership, today())))


@access("partnerships.view_partnership", load=_partnership)
def milestones(request, partnership: Partnership, slug: str):
    return render(request, "partnerships/milestones.html", _context(
        request, partnership, "milestones", milestones=milestone_status(partnership, today()),
        due_soon_days=DUE_SOON_DAYS,
        completions=partnership.milestone_completions.all()))


@access("partnerships.change_partnership", load=_partnership)
def record_milestone(request, partnership: Partnership, slug: str):
    form = MilestoneCompletionForm(data=request.POST or None,
                                   initial={"milestone_key": request.GET.get("milestone")})
    if request.method == "POST" and form.is_valid():
        completion = form.save(commit=False)
        completion.partnership = partnership
        completion.recorded_by = request.user
        completion.save()
        messages.success(request, f"{completion.get_milestone_key_display()} recorded as done "
                                  f"on {completion.completed_on:%-d %B %Y}.")
        return redirect("partnerships:milestones", slug)
    return render(request, "partnerships/record_milestone.html",
                  _context(request, partnership, "milestones", form=form))


@access("partnerships.view_national_register")
def national_milestones(request):
    on = today()
    partnerships = with_register(visible_to(Partnership.objects.all(), request.user))
    region_code = request.GET.get("region", "")
    if region_code:
        partnerships = partnerships.filter(region__code=region_code)
    only_overdue = request.GET.get("show") == "overdue"
    rows = []
    for partnership in partnerships:
        statuses = milestone_status(partnership, on)
        if only_overdue and not any(s.status == OVERDUE for s in statuses):
            continue
        rows.append((partnership, statuses))
    if request.GET.get("format") == "csv":
        return _milestones_csv(request, rows)
    scope = scope_for(request.user)  # the region filter offers only regions the user can see
    return render(request, "partnerships/national_milestones.html", {
        "rows": rows, "milestones": guidance().milestones, "today": on,
        "regions": scope.regions, "scope": scope,
        "empty_reason": "" if rows else scope.empty_reason(region_code=region_code,
                                                           overdue=only_overdue),
        "due_soon_days": DUE_SOON_DAYS,
        "region_code": region_code, "only_overdue": only_overdue,
        "overdue_count": sum(1 for _p, s in rows for x in s if x.status == OVERDUE),
    })


def _milestones_csv(request, rows):
    audit.record(AuditEvent.Kind.EXPORT, request=request,
                 target="national milestone table (CSV)", filters=request.GET.dict())
    on = today()
    rows = [{"partnership": partnership.name, "partnership_code": partnership.slug,
             "region": partnership.region.name, "region_code": partnership.region.code,
             "milestone": m.milestone.label, "due_on": m.due_on,
             "status": MILESTONE_STATUS_WORDS[shown_status(m, on)],
             "completed_on": m.completed_on, "evidence": m.evidence}
            for partnership, statuses in rows for m in statuses]
    filters = [(what, chosen) for what, chosen in (
        ("Region", request.GET.get("region", "")),
        ("Show", "Overdue only" if request.GET.get("show") == "overdue" else "")) if chosen]
    about = About(title="Milestones of every partnership", source="cdphub register",
                  url=request.build_absolute_uri(reverse("partnerships:national-milestones")),
                  filters=filters)
    return table_response(Table(MILESTONE_COLUMNS, rows, about), "csv",
                          f"cdphub-milestones-{today()}")


#: A milestone's status in the words of its tag (``_milestone_tag.html``).
# The tag's words (partnerships/_milestone_tag.html), so the file says what the page says.
MILESTONE_STATUS_WORDS = {"done": "Done", "overdue": "Overdue", "due": "Due",
                          NOT_YET_DUE: "Not yet due"}
MILESTONE_COLUMNS = [Column("partnership", "Partnership"),
                     Column("partnership_code", "Partnership code"), Column("region", "Region"),
                     Column("region_code", "Region code"), Column("milestone", "Milestone"),
                     Column("due_on", "Due on", DATE), Column("status", "Status"),
                     Column("completed_on", "Completed on", DATE),
                     Column("evidence", "Evidence")]


@access("partnerships.view_partnership", load=_partnership)
def history(request, partnership: Partnership, slug: str):
    """Every change to the partnership's records, newest first: one entry per save, filtered
    by record type and by who made it, a page at a time."""
    kind = request.GET.get("type", "")
    kind = kind if kind in history_of.RECORD_TYPES else ""
    versions = history_of.versions(partnership.pk)
    people = history_of.people(versions)
    person = request.GET.get("person", "")
    person = person if person in dict(people) else ""
    page = Paginator(history_of.groups(versions, kind=kind, person=person),
                     history_of.PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "partnerships/history.html", _context(
        request, partnership, "history", page=page, timeline=history_of.entries(list(page)),
        record_types=list(history_of.RECORD_TYPES.items()), kind=kind, people=people,
        person=person))
