"""The funding streams register (``<slug>/plan/funding/``) and the risks and disagreements
log (``<slug>/plan/risks/``) of a partnership's delivery plan (names in the 'partnerships'
namespace). Everyone who may read the partnership reads them; its members write them
(``planning.change_plan``), through ``actions_registers_plan``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import COUNT, DATE, DATETIME, NUMBER, About, Column, Table, table_response
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import lookups
from .actions_registers_plan import (
    PlanError,
    add_funding_stream,
    add_risk,
    change_funding_stream,
    change_risk,
    close_risk,
    drawing_actions,
    withdraw_funding_stream,
)
from .forms_funding_risks import (
    IMPACT,
    LIKELIHOOD,
    CloseRiskForm,
    FundingStreamForm,
    RiskForm,
    WithdrawFundingStreamForm,
)
from .models import FundingStream, Plan, PlanAction, Risk

READ = "planning.view_plan"
EDIT = "planning.change_plan"
SECTION = "plan"
TOR_CONTENT = "risk_and_disagreements"  # guidance().terms_of_reference_contents


def _context(request, partnership: Partnership, tab: str, **extra) -> dict:
    return {"partnership": partnership, "section": SECTION, "plan_tab": tab,
            "partnership_sections": sections_for(partnership.slug),
            "can_edit": request.user.has_perm(EDIT, partnership), "today": today(), **extra}


def _posted(request):
    return request.POST if request.method == "POST" else None


def _apply_error(form, error: PlanError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def pounds(amount: Decimal | None) -> str:
    """£1,234,567.50; whole pounds without pence: £250,000."""
    if amount is None:
        return ""
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


def period_words(starts_on: dt.date, ends_on: dt.date) -> str:
    """A funding period as the register writes it: a financial year ("2024/25"), a run of
    whole financial years ("2024/25 to 2026/27"), else the two dates."""
    whole = (starts_on.month, starts_on.day) == (4, 1) and (ends_on.month, ends_on.day) == (3, 31)
    if whole and ends_on.year > starts_on.year:
        first = f"{starts_on.year}/{(starts_on.year + 1) % 100:02d}"
        last = f"{ends_on.year - 1}/{ends_on.year % 100:02d}"
        return first if first == last else f"{first} to {last}"
    return f"{starts_on.day} {starts_on:%B %Y} to {ends_on.day} {ends_on:%B %Y}"


# --- funding streams --------------------------------------------------------------------------


def _live_plan_actions():
    return Prefetch("actions", to_attr="drawing", queryset=PlanAction.objects.filter(
        withdrawn_at__isnull=True, plan__status__in=[Plan.Status.DRAFT, Plan.Status.AGREED])
        .select_related("plan").order_by("title", "pk"))


def _streams(partnership: Partnership):
    """Every stream of the partnership, current ones first, with the live actions of its
    draft or agreed plan that draw on each (``drawing``)."""
    return list(partnership.funding_streams.select_related("holder")
                .prefetch_related(_live_plan_actions()).order_by("starts_on", "name", "pk"))


@dataclass
class PeriodTotal:
    period: str
    starts_on: dt.date
    ends_on: dt.date
    amounts: dict = field(default_factory=lambda: defaultdict(Decimal))

    @property
    def aligned(self) -> Decimal:
        return self.amounts[FundingStream.Arrangement.ALIGNED]

    @property
    def pooled(self) -> Decimal:
        return self.amounts[FundingStream.Arrangement.POOLED]

    @property
    def total(self) -> Decimal:
        return self.aligned + self.pooled


def funding_totals(streams) -> tuple[list[PeriodTotal], PeriodTotal | None]:
    """The streams' amounts summed per funding period and arrangement (aligned or pooled),
    earliest period first, and the sum of every period (None when there is nothing)."""
    by_period: dict[tuple, PeriodTotal] = {}
    overall = PeriodTotal("All periods", dt.date.min, dt.date.max)
    for stream in streams:
        key = (stream.starts_on, stream.ends_on)
        entry = by_period.setdefault(key, PeriodTotal(
            period_words(stream.starts_on, stream.ends_on), stream.starts_on, stream.ends_on))
        entry.amounts[stream.arrangement] += stream.amount
        overall.amounts[stream.arrangement] += stream.amount
    rows = sorted(by_period.values(), key=lambda t: (t.starts_on, t.ends_on))
    return rows, (overall if rows else None)


@access(READ, load=lookups.partnership)
def funding_list(request, partnership: Partnership, slug: str):
    streams = _streams(partnership)
    current = [s for s in streams if s.withdrawn_at is None]
    totals, overall = funding_totals(current)
    return render(request, "planning/funding_list.html", _context(
        request, partnership, "funding",
        streams=[(s, pounds(s.amount), period_words(s.starts_on, s.ends_on)) for s in current],
        withdrawn=[(s, pounds(s.amount), period_words(s.starts_on, s.ends_on))
                   for s in streams if s.withdrawn_at is not None],
        totals=[(t, pounds(t.aligned), pounds(t.pooled), pounds(t.total)) for t in totals],
        overall=(overall, pounds(overall.aligned), pounds(overall.pooled),
                 pounds(overall.total)) if overall else None))


def _editable_stream(partnership: Partnership, pk: int) -> FundingStream:
    return get_object_or_404(FundingStream.objects.select_related("holder", "partnership"),
                             partnership=partnership, pk=pk, withdrawn_at__isnull=True)


def _stream_page(request, partnership: Partnership, stream: FundingStream | None):
    form = FundingStreamForm(data=_posted(request), partnership=partnership, stream=stream)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {"name": data["name"], "amount": data["amount"],
                  "starts_on": data["starts_on"], "ends_on": data["ends_on"],
                  "holder": data["holder"], "arrangement": data["arrangement"],
                  "notes": data["notes"], "by": request.user}
        try:
            if stream is None:
                saved = add_funding_stream(partnership=partnership, **values)
            else:
                saved = change_funding_stream(stream=stream, **values)
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{saved.name}\u201d is "
                                      f"{'added to the funding register' if stream is None else 'updated'}.")
            return redirect("partnerships:plan-funding", partnership.slug)
    return render(request, "planning/funding_form.html", _context(
        request, partnership, "funding", form=form, stream=stream))


@access(EDIT, load=lookups.partnership)
def funding_add(request, partnership: Partnership, slug: str):
    return _stream_page(request, partnership, None)


@access(EDIT, load=lookups.partnership)
def funding_edit(request, partnership: Partnership, slug: str, pk: int):
    return _stream_page(request, partnership, _editable_stream(partnership, pk))


@access(EDIT, load=lookups.partnership)
def funding_withdraw(request, partnership: Partnership, slug: str, pk: int):
    stream = _editable_stream(partnership, pk)
    drawing = drawing_actions(stream)
    form = WithdrawFundingStreamForm(data=_posted(request), drawing=drawing)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_funding_stream(
                stream=stream, by=request.user,
                even_though_actions=form.cleaned_data.get("even_though_actions", False))
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{stream.name}\u201d is withdrawn from the funding "
                                      "register. It stays in the partnership's History.")
            return redirect("partnerships:plan-funding", slug)
    return render(request, "planning/funding_withdraw.html", _context(
        request, partnership, "funding", form=form, stream=stream, drawing=drawing,
        amount=pounds(stream.amount)))


FUNDING_COLUMNS = [
    Column("name", "Funding stream"),
    Column("amount", "Amount in pounds", NUMBER, decimals=2),
    Column("period", "Period"),
    Column("starts_on", "Period start", DATE),
    Column("ends_on", "Period end", DATE),
    Column("holder", "Holding organisation"),
    Column("arrangement", "Aligned or pooled"),
    Column("actions", "Plan actions drawing on it"),
    Column("action_count", "Number of plan actions drawing on it", COUNT),
    Column("notes", "Notes"),
    Column("withdrawn_at", "Withdrawn at", DATETIME),
]


@access(READ, load=lookups.partnership)
def funding_download(request, partnership: Partnership, slug: str, fmt: str):
    rows = [{"name": s.name, "amount": s.amount,
             "period": period_words(s.starts_on, s.ends_on), "starts_on": s.starts_on,
             "ends_on": s.ends_on, "holder": s.holder.name,
             "arrangement": "Pooled" if s.arrangement == FundingStream.Arrangement.POOLED
             else "Aligned",
             "actions": "; ".join(a.title for a in s.drawing),
             "action_count": len(s.drawing), "notes": s.notes, "withdrawn_at": s.withdrawn_at}
            for s in _streams(partnership)]
    about = About(
        title=f"Funding streams: {partnership.name}",
        url=request.build_absolute_uri(reverse("partnerships:plan-funding", args=[slug])),
        notes=["Plan actions drawing on it: the actions of the draft or agreed delivery plan, "
               "not withdrawn, that name the stream.",
               "Withdrawn streams are listed with the time they were withdrawn."])
    return table_response(Table(FUNDING_COLUMNS, rows, about, sheet="Funding streams"), fmt,
                          f"{slug}-funding-streams")


# --- the risks and disagreements log ------------------------------------------------------------

BAND_TAG = {"High": "govuk-tag--red", "Medium": "govuk-tag--orange", "Low": "govuk-tag--green"}
STATUS_TAG = {Risk.Status.OPEN: "govuk-tag--blue", Risk.Status.ESCALATED: "govuk-tag--purple",
              Risk.Status.CLOSED: "govuk-tag--grey"}
STATES = {"open": "Open and escalated", "closed": "Resolved or closed", "all": "All"}


@dataclass
class GridCell:
    likelihood: int
    impact: int
    count: int

    @property
    def rating(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        """The band the log gives this rating (``Risk.rating_band``)."""
        return Risk(likelihood=self.likelihood, impact=self.impact).rating_band

    @property
    def tag(self) -> str:
        return BAND_TAG[self.band]


def risk_grid(entries) -> list[tuple[tuple[int, str], list[GridCell]]]:
    """The 5 × 5 grid of likelihood (rows, 5 at the top) by impact (columns, 1 on the left),
    each cell with the number of ``entries`` rated there."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for entry in entries:
        counts[(entry.likelihood, entry.impact)] += 1
    return [((likelihood, label), [GridCell(likelihood, impact, counts[(likelihood, impact)])
                                   for impact, _ in IMPACT])
            for likelihood, label in reversed(LIKELIHOOD)]


def is_open(risk: Risk) -> bool:
    return risk.status != Risk.Status.CLOSED


def _filters(request) -> tuple[str, str]:
    state = request.GET.get("state", "open")
    kind = request.GET.get("kind", "")
    return (state if state in STATES else "open",
            kind if kind in Risk.Kind.values else "")


def _filtered(partnership: Partnership, state: str, kind: str) -> list[Risk]:
    entries = partnership.risks.select_related("owner").order_by("-raised_on", "-pk")
    if state == "open":
        entries = entries.exclude(status=Risk.Status.CLOSED)
    elif state == "closed":
        entries = entries.filter(status=Risk.Status.CLOSED)
    if kind:
        entries = entries.filter(kind=kind)
    return list(entries)


def _terms_say(partnership: Partnership):
    """The latest terms of reference, and whether (and where) they set out how risks are
    managed and disagreements resolved: (terms or None, addressed, where)."""
    terms = partnership.terms_of_reference.prefetch_related("items").first()
    if terms is None:
        return None, False, ""
    item = next((i for i in terms.items.all() if i.content_key == TOR_CONTENT), None)
    return terms, bool(item and item.addressed), (item.where if item else "")


@access(READ, load=lookups.partnership)
def risks_list(request, partnership: Partnership, slug: str):
    state, kind = _filters(request)
    every = list(partnership.risks.select_related("owner").order_by("-raised_on", "-pk"))
    open_entries = [r for r in every if is_open(r) and (not kind or r.kind == kind)]
    shown = _filtered(partnership, state, kind)
    terms, addressed, where = _terms_say(partnership)
    return render(request, "planning/risks_list.html", _context(
        request, partnership, "risks",
        entries=[(r, BAND_TAG[r.rating_band], STATUS_TAG[r.status]) for r in shown],
        grid=risk_grid(open_entries), impacts=IMPACT, open_count=len(open_entries),
        escalated_count=sum(1 for r in open_entries if r.status == Risk.Status.ESCALATED),
        state=state, kind=kind, states=list(STATES.items()), kinds=Risk.Kind.choices,
        total=len(every), terms=terms, terms_address=addressed, terms_where=where))


def _editable_risk(partnership: Partnership, pk: int) -> Risk:
    return get_object_or_404(Risk.objects.select_related("owner", "partnership"),
                             partnership=partnership, pk=pk,
                             status__in=[Risk.Status.OPEN, Risk.Status.ESCALATED])


def _risk_page(request, partnership: Partnership, risk: Risk | None):
    form = RiskForm(data=_posted(request), partnership=partnership, risk=risk, on=today())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {key: data[key] for key in ("kind", "title", "description", "owner",
                                             "likelihood", "impact", "mitigation",
                                             "escalation", "raised_on")}
        try:
            if risk is None:
                saved = add_risk(partnership=partnership, by=request.user, **values)
            else:
                saved = change_risk(risk=risk, by=request.user, **values)
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{saved.title}\u201d is "
                                      f"{'added to the log' if risk is None else 'updated'}.")
            return redirect("partnerships:plan-risks", partnership.slug)
    return render(request, "planning/risks_form.html", _context(
        request, partnership, "risks", form=form, risk=risk))


@access(EDIT, load=lookups.partnership)
def risk_add(request, partnership: Partnership, slug: str):
    return _risk_page(request, partnership, None)


@access(EDIT, load=lookups.partnership)
def risk_edit(request, partnership: Partnership, slug: str, pk: int):
    return _risk_page(request, partnership, _editable_risk(partnership, pk))


@access(EDIT, load=lookups.partnership)
def risk_close(request, partnership: Partnership, slug: str, pk: int):
    risk = _editable_risk(partnership, pk)
    form = CloseRiskForm(data=_posted(request), on=today())
    if request.method == "POST" and form.is_valid():
        try:
            close_risk(risk=risk, resolution=form.cleaned_data["resolution"],
                       closed_on=form.cleaned_data["closed_on"], by=request.user)
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{risk.title}\u201d is closed.")
            return redirect("partnerships:plan-risks", slug)
    return render(request, "planning/risks_close.html", _context(
        request, partnership, "risks", form=form, risk=risk))


RISK_COLUMNS = [
    Column("kind", "Risk or disagreement"),
    Column("title", "Title"),
    Column("description", "Description"),
    Column("owner", "Owner"),
    Column("likelihood", "Likelihood", COUNT),
    Column("impact", "Impact", COUNT),
    Column("rating", "Rating", COUNT),
    Column("band", "Band"),
    Column("mitigation", "Mitigation"),
    Column("escalation", "Escalation"),
    Column("status", "Status"),
    Column("raised_on", "Date raised", DATE),
    Column("resolution", "Resolution"),
    Column("closed_on", "Date closed", DATE),
]


@access(READ, load=lookups.partnership)
def risks_download(request, partnership: Partnership, slug: str, fmt: str):
    state, kind = _filters(request)
    rows = [{"kind": r.get_kind_display(), "title": r.title, "description": r.description,
             "owner": r.owner.full_name if r.owner else "", "likelihood": r.likelihood,
             "impact": r.impact, "rating": r.rating, "band": r.rating_band,
             "mitigation": r.mitigation, "escalation": r.escalation,
             "status": r.get_status_display(), "raised_on": r.raised_on,
             "resolution": r.resolution, "closed_on": r.closed_on}
            for r in _filtered(partnership, state, kind)]
    filters = [("Status", STATES[state])]
    if kind:
        filters.append(("Kind", Risk.Kind(kind).label))
    about = About(
        title=f"Risks and disagreements: {partnership.name}",
        url=request.build_absolute_uri(reverse("partnerships:plan-risks", args=[slug])
                                       + (f"?{request.GET.urlencode()}" if request.GET else "")),
        filters=filters,
        notes=["Rating: likelihood (1 rare to 5 almost certain) times impact (1 negligible to "
               "5 severe). Band: High from 15, Medium from 8, Low below 8."])
    return table_response(Table(RISK_COLUMNS, rows, about, sheet="Risks and disagreements"),
                          fmt, f"{slug}-risks-and-disagreements")
