"""The report's sections generated from the register and the planning records, as at the
report's data date: the requirements met, the partnership's structure, the needs assessment's
findings and priorities, the delivery plan's progress, the local performance framework, and
the year's meetings.

Each builder is ``f(partnership, year, as_at) -> section dict`` (``sections_common.section``)
and returns plain, JSON-serialisable data: the partials under
``templates/reporting/sections/`` read only ``section.data``. "As at" means: only the records
that held on the data date (appointments current then, meetings held in the reporting year on
or before it, milestones completed by it, the plan in force then and each action's status as
its dated records give it on that date).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q

from cdphub.framework import guidance
from cdphub.framework.milestones import DONE, OVERDUE, current, occurrences
from cdphub.partnerships import governance, status
from cdphub.partnerships.models import (
    Appointment,
    Meeting,
    Partnership,
    Position,
    SubGroup,
)
from cdphub.planning import performance
from cdphub.planning.models import Assessment, Finding, Plan, PlanAction, Priority
from cdphub.planning.plans import STATUS, status_counts

from .sections_common import section
from .years import ReportingYear

STATUS_LABELS = dict(STATUS.choices)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _words(day: dt.date | None) -> str:
    """A date as GOV.UK writes it (1 August 2022); empty for none. The snapshot keeps it in
    words so that the partials need no date parsing."""
    return f"{day.day} {day:%B %Y}" if day else ""


def _register(partnership: Partnership) -> Partnership:
    """The partnership with its register prefetched (a fixed number of queries)."""
    return status.with_register(Partnership.objects.filter(pk=partnership.pk)).get()


# --- requirements ----------------------------------------------------------------------------


def requirements(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """The guidance's milestones: each with its due date, the date met (on or before the data
    date) and the evidence, and how many are met."""
    evidence = status.milestone_evidence(_register(partnership))
    rows = []
    for milestone in guidance().milestones:
        known = [(day, text) for day, text in evidence.get(milestone.key, []) if day <= as_at]
        now = current(milestone, known, as_at)
        done = [o for o in occurrences(milestone, known, as_at) if o.status == DONE]
        last = done[-1] if done else None
        rows.append({
            "key": milestone.key,
            "label": milestone.label,
            "recurring": bool(milestone.recurrence_months),
            # the occurrence last met (else the one that matters now): its due date
            "due_on": (last or now).due_on.isoformat(),
            "due_on_text": _words((last or now).due_on),
            "status": now.status,
            # met: done at least once, and no later occurrence overdue on the data date
            "met": last is not None and now.status != OVERDUE,
            "completed_on": _iso(last.completed_on) if last else None,
            "completed_on_text": _words(last.completed_on) if last else "",
            "evidence": last.evidence if last else "",
            # a recurring milestone met before: when it is due again
            "next_due_on": _iso(now.due_on) if last and now.status != DONE else None,
            "next_due_on_text": _words(now.due_on) if last and now.status != DONE else "",
        })
    met = sum(1 for row in rows if row["met"])
    return section("requirements", as_at,
                   {"milestones": rows, "met": met, "total": len(rows),
                    "summary": f"{met} of {len(rows)} milestones met by {as_at:%-d %B %Y}"},
                   ["Milestones recorded in the register, and the appointments, footprint and "
                    "terms of reference that show them met, dated on or before the data date"])


# --- structure -------------------------------------------------------------------------------


def _person(appointment: Appointment | None) -> dict | None:
    if appointment is None:
        return None
    person = appointment.person
    return {"name": person.full_name, "job_title": person.job_title,
            "organisation": person.organisation.name if person.organisation else "",
            "sro_role": appointment.get_sro_role_display() if appointment.sro_role else "",
            "since": appointment.start_date.isoformat(),
            "since_text": _words(appointment.start_date)}


def _node(node) -> dict:
    return {"name": node.name, "chair": node.chair,
            "children": [_node(child) for child in node.children]}


def structure(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """The footprint, the SRO and lead roles, core membership across the ten sectors, the
    sub-groups and the governance map, as at the data date."""
    registered = _register(partnership)
    authorities = [{"name": a.name, "code": a.code, "type": a.subtype or a.area_type}
                   for a in status.current_authorities(registered, as_at)]
    leads = [{"role": label, "holder": _person(holder)}
             for label, holder in status.leadership(registered, as_at)]
    sro = next((lead["holder"] for lead in leads
                if lead["role"] == Position.SRO.label), None)
    coverage = status.core_coverage(registered, as_at)
    sectors = [{"key": c.sector.key, "label": c.sector.label, "represented": c.represented,
                "members": sorted({a.person.organisation.name if a.person.organisation
                                   else a.person.full_name for a in c.appointments})}
               for c in coverage.core]
    # Sub-groups have no start date of their own: every sub-group in the register is listed
    # with the date cdphub first recorded it (its history). That date is when it was entered,
    # not when it began, so it does not filter the list.
    first_recorded = {}
    for row in (SubGroup.history.filter(partnership_id=partnership.pk, history_type="+")
                .values("id", "history_date")):
        first_recorded[row["id"]] = row["history_date"].date()
    groups = []
    for group in (partnership.sub_groups.select_related("chair", "reports_to")
                  .prefetch_related("members").order_by("name")):
        recorded = first_recorded.get(group.pk)
        groups.append({"name": group.name, "remit": group.remit,
                       "chair": group.chair.full_name if group.chair else "",
                       "reports_to": group.reports_to.name if group.reports_to else "",
                       "members": len(group.members.all()),
                       "recorded_on": _iso(recorded), "recorded_on_text": _words(recorded)})
    tree = governance.structure(partnership)
    governance_map = {"board": tree.board, "groups": [_node(n) for n in tree.groups],
                      "links": [{"name": link.name, "body_type": link.body_type,
                                 "relationship": link.relationship,
                                 "relationship_label": link.relationship_label}
                                for link in tree.links]}
    return section("structure", as_at, {
        "authorities": authorities,
        "sro": sro,
        "leads": leads,
        "core": {"sectors": sectors, "represented": coverage.represented_count,
                 "total": len(coverage.core),
                 "missing": [s.label for s in coverage.missing],
                 "missing_tier": coverage.missing_tier or ""},
        "sub_groups": groups,
        "governance": governance_map,
    }, ["Footprint, appointments current on the data date",
        "Sub-groups and links to local bodies as recorded now (sub-groups have no start "
        "date: the date shown is when cdphub first recorded each one)"])


# --- needs assessment ------------------------------------------------------------------------


def needs_assessment(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """The latest needs assessment signed off on or before the data date: its findings by
    section and the priorities they led to."""
    assessment = (Assessment.objects.filter(partnership=partnership,
                                            status=Assessment.Status.SIGNED_OFF,
                                            signed_off_on__lte=as_at)
                  .order_by("-signed_off_on", "-pk").first())
    records = ["Needs assessments signed off on or before the data date, their findings and "
               "the priorities that cite them"]
    if assessment is None:
        return section("needs_assessment", as_at, {"assessment": None, "sections": [],
                                                   "priorities": []}, records)
    g = guidance()
    findings = list(Finding.objects.filter(assessment=assessment)
                    .order_by("section_key", "pk"))
    severity = dict(Finding.Severity.choices)
    by_section: dict[str, list[dict]] = {}
    for finding in findings:
        by_section.setdefault(finding.section_key, []).append(
            {"id": finding.pk, "statement": finding.statement, "severity": finding.severity,
             "severity_label": severity.get(finding.severity, finding.severity)})
    order = [entry.key for entry in g.assessment_sections]
    sections = [{"key": key, "label": g.label("assessment_sections", key),
                 "findings": by_section[key]}
                for key in sorted(by_section, key=lambda k: order.index(k) if k in order
                                  else len(order))]
    statements = {f.pk: f.statement for f in findings}
    priorities = [{"title": p.title, "status": p.get_status_display(),
                   "finding": statements.get(p.finding_id, "")}
                  for p in (Priority.objects.filter(partnership=partnership)
                            .filter(Q(finding__assessment=assessment)
                                    | Q(status=Priority.Status.ACTIVE))
                            .order_by("title"))]
    published = (assessment.published_at is not None
                 and assessment.published_at.date() <= as_at)
    return section("needs_assessment", as_at, {
        "assessment": {"title": assessment.title,
                       "signed_off_on": assessment.signed_off_on.isoformat(),
                       "signed_off_on_text": _words(assessment.signed_off_on),
                       "published": published},
        "findings_count": len(findings),
        "sections": sections,
        "priorities": priorities,
    }, records)


# --- delivery plan ---------------------------------------------------------------------------


def plan_in_force(partnership: Partnership, as_at: dt.date) -> Plan | None:
    """The plan agreed on or before ``as_at`` and not superseded by then."""
    return (Plan.objects.filter(partnership=partnership, agreed_on__lte=as_at,
                                status__in=[Plan.Status.AGREED, Plan.Status.SUPERSEDED])
            .filter(Q(superseded_on__isnull=True) | Q(superseded_on__gt=as_at))
            .select_related("agreed_at_meeting").order_by("-agreed_on", "-pk").first())


def status_as_at(action: PlanAction, as_at: dt.date) -> str:
    """An action's status on ``as_at`` from its dated records: complete if completed by then;
    else the status of its latest quarterly update for a quarter begun by then (an update
    saying complete before the completion date reads as on track); else not started if it had
    not started, else its status now (complete reads as on track)."""
    if action.completed_on is not None and action.completed_on <= as_at:
        return STATUS.COMPLETE
    updates = [u for u in action.updates.all() if u.quarter_start <= as_at]
    if updates:
        latest = max(updates, key=lambda u: u.quarter_start).status
    elif action.starts_on > as_at:
        return STATUS.NOT_STARTED
    else:
        latest = action.status
    return STATUS.ON_TRACK if latest == STATUS.COMPLETE else latest


class _AsAt:
    """An action as it stood on the data date (what the counting helpers read)."""

    def __init__(self, action: PlanAction, status_then: str):
        self.action = action
        self.status = status_then
        self.commitments = action.commitments
        self.priority_id = action.priority_id


def _counts(actions) -> list[dict]:
    """Each status with its count, and for the partial's inline SVG chart its bar length
    (0 to 160 units, the largest count the longest) and row position."""
    counts = status_counts(actions)
    top = max(counts.values(), default=0) or 1
    return [{"status": key, "label": STATUS_LABELS[key], "count": count,
             "bar": round(160 * count / top), "y": 14 * index}
            for index, (key, count) in enumerate(counts.items())]


def delivery_plan(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """The plan in force on the data date: progress by Box 6 commitment (under the strategy's
    three priorities) and by local priority, and the actions completed in the year."""
    records = ["The delivery plan in force on the data date and its actions not withdrawn by "
               "then; each action's status on the data date from its completion date and its "
               "dated quarterly updates"]
    plan = plan_in_force(partnership, as_at)
    if plan is None:
        return section("delivery_plan", as_at, {"plan": None}, records)
    actions = [a for a in (plan.actions.select_related("priority", "lead_organisation")
                           .prefetch_related("updates").order_by("due_on", "pk"))
               if a.withdrawn_at is None or a.withdrawn_at.date() > as_at]
    then = [_AsAt(a, status_as_at(a, as_at)) for a in actions]
    g = guidance()
    commitments: dict[str, list[dict]] = {}
    for commitment in g.commitments:
        mine = [t for t in then if commitment.key in t.commitments]
        commitments.setdefault(commitment.priority, []).append({
            "key": commitment.key, "label": commitment.label, "actions": len(mine),
            "counts": _counts(mine)})
    by_commitment = [{"priority": key, "commitments": rows,
                      "counts": _counts([t for t in then
                                         if any(c["key"] in t.commitments for c in rows)])}
                     for key, rows in commitments.items()]

    def completed_in_year(t):
        day = t.action.completed_on
        return t.status == STATUS.COMPLETE and day is not None and year.contains(day)

    def overdue(t):
        return t.status != STATUS.COMPLETE and t.action.due_on < as_at

    priorities: dict[int, dict] = {}
    for t in then:
        priorities.setdefault(t.priority_id, {"title": t.action.priority.title, "items": []})
        priorities[t.priority_id]["items"].append(t)
    by_priority = [{"title": p["title"], "actions": len(p["items"]),
                    "counts": _counts(p["items"]),
                    "completed_in_year": sum(1 for t in p["items"] if completed_in_year(t)),
                    "overdue": sum(1 for t in p["items"] if overdue(t))}
                   for p in sorted(priorities.values(), key=lambda p: p["title"])]
    completed = [{"title": t.action.title, "priority": t.action.priority.title,
                  "lead": t.action.lead_organisation.name if t.action.lead_organisation else "",
                  "completed_on": t.action.completed_on.isoformat(),
                  "completed_on_text": _words(t.action.completed_on)}
                 for t in sorted(then, key=lambda t: (t.action.completed_on or as_at))
                 if completed_in_year(t)]
    meeting = plan.agreed_at_meeting
    return section("delivery_plan", as_at, {
        "plan": {"title": plan.title, "starts_on": plan.starts_on.isoformat(),
                 "ends_on": plan.ends_on.isoformat(), "period": plan.period_label(),
                 "agreed_on": _iso(plan.agreed_on), "agreed_on_text": _words(plan.agreed_on),
                 "meeting": ({"title": meeting.title, "held_on": meeting.held_on.isoformat(),
                              "held_on_text": _words(meeting.held_on)}
                             if meeting else None)},
        "actions": len(then),
        "counts": _counts(then),
        "overdue": sum(1 for t in then if overdue(t)),
        "commitments_covered": sum(1 for rows in commitments.values()
                                   for c in rows if c["actions"]),
        "commitments_total": len(g.commitments),
        "by_commitment": by_commitment,
        "by_priority": by_priority,
        "completed": completed,
    }, records)


# --- local performance framework -------------------------------------------------------------


def performance_framework(partnership: Partnership, year: ReportingYear,
                          as_at: dt.date) -> dict:
    """Each metric of the local performance framework in force on the data date: its
    baseline, latest figure (period ending on or before the data date), target and progress.
    Figures come only through the outcomes read path; a hidden figure stays hidden."""
    items = list(partnership.framework_metrics
                 .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__date__gt=as_at))
                 .select_related("metric", "owner")
                 .prefetch_related(Prefetch("targets",
                                            queryset=performance.TargetPoint.objects
                                            .order_by("period_end")))
                 .order_by("metric__order", "metric__key", "pk"))
    for item in items:
        item.partnership = partnership
    figures = performance.series(partnership, [i.metric for i in items]) if items else {}
    rows = []
    for item in items:
        found = performance.entry(
            item, [f for f in figures.get(item.metric_id, []) if f.period_end <= as_at])
        latest = found.latest
        hidden = latest is not None and latest.suppressed
        rows.append({
            "metric": item.metric.name,
            "key": item.metric.key,
            "owner": item.owner.full_name if item.owner else "",
            "baseline": found.baseline_text,
            "baseline_value": item.baseline_value,
            "latest_value": None if latest is None or hidden else latest.value,
            "latest_period": latest.period_label if latest else "",
            "latest_hidden": hidden,
            "latest": ("hidden (small numbers)" + f" ({latest.period_label})" if hidden
                       else found.latest_text),
            "target": found.target_text,
            "status": found.status,
            "status_label": found.status_label,
            "reason": found.reason,
        })
    counts = {label: sum(1 for r in rows if r["status_label"] == label)
              for label in performance.STATUS_LABELS.values()}
    periods = sorted({r["latest_period"] for r in rows if r["latest_period"]})
    return section("performance_framework", as_at, {
        "metrics": rows, "counts": counts,
    }, ["The local performance framework's metrics in force on the data date, their "
        "baselines and targets",
        "Official figures for the partnership (periods ending on or before the data date"
        + (f": {', '.join(periods)}" if periods else "") + "); hidden figures stay hidden"])


# --- meetings --------------------------------------------------------------------------------


def meetings(partnership: Partnership, year: ReportingYear, as_at: dt.date) -> dict:
    """The year's board meetings held on or before the data date (not withdrawn): each with
    its attendees and decisions, and how many meetings each core sector attended."""
    last = min(year.ends_on, as_at)
    held = list(Meeting.objects.not_withdrawn()
                .filter(partnership=partnership, held_on__gte=year.starts_on, held_on__lte=last)
                .prefetch_related(
                    Prefetch("attendees__appointments",
                             queryset=Appointment.objects.filter(partnership=partnership)),
                    "decisions")
                .order_by("held_on", "pk"))
    core = guidance().core_sectors
    attended = {s.key: 0 for s in core}
    rows = []
    for meeting in held:
        sectors = set()
        attendees = list(meeting.attendees.all())
        for person in attendees:
            for appointment in person.appointments.all():
                if appointment.is_current_on(meeting.held_on):
                    sectors.add(appointment.sector)
        for key in sectors & attended.keys():
            attended[key] += 1
        rows.append({"held_on": meeting.held_on.isoformat(),
                     "held_on_text": _words(meeting.held_on), "title": meeting.title,
                     "attendees": len(attendees), "decisions": len(meeting.decisions.all()),
                     "sectors": sorted(sectors & attended.keys())})
    return section("meetings", as_at, {
        "meetings": rows,
        "count": len(rows),
        "decisions": sum(r["decisions"] for r in rows),
        "attendance": [{"key": s.key, "label": s.label, "meetings": attended[s.key]}
                       for s in core],
    }, [f"Board meetings held from {year.starts_on:%-d %B %Y} to {last:%-d %B %Y} (not "
        "withdrawn), their attendees and decisions; a person's sector is that of their "
        "appointment on the day of the meeting"])


BUILDERS = {
    "requirements": requirements,
    "structure": structure,
    "needs_assessment": needs_assessment,
    "delivery_plan": delivery_plan,
    "performance_framework": performance_framework,
    "meetings": meetings,
}
