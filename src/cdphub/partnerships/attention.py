"""What needs attention in a partnership, in one list: what an SRO reads before a board.

``needs_attention(partnership, today)`` gathers, from the facts other modules already work
out (it decides nothing again):

* milestones overdue, and milestones due within ``DUE_SOON_DAYS`` days
  (``status.milestone_status``, ``framework.milestones.shown_status``);
* actions from meetings that are overdue (``meetings.overdue_actions``);
* terms of reference past their review date (``governance.summarise``);
* a vacant SRO or lead role (``status.leadership``);
* core sectors not represented, and a two-tier area with no elected member from one tier
  (``status.core_coverage``);
* headline outcome metrics significantly worse than England, or getting worse (the
  partnership's latest figures, read through ``Figures.for_partnership_page`` by
  ``outcomes.dashboard.overview``; the sentence is ``outcomes.summary.metric_sentence``'s).

Each item says, in a sentence, what is wrong, how serious it is, and links to the page where
it is put right. The caller has checked that the viewer may read the partnership.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.urls import reverse

from cdphub.framework.milestones import DUE, DUE_SOON_DAYS, OVERDUE, Occurrence, shown_status
from cdphub.outcomes.dashboard import OverviewRow, overview
from cdphub.outcomes.models import Metric
from cdphub.outcomes.summary import metric_sentence, newest_end

from .governance import summarise
from .meetings import overdue_actions
from .models import Partnership, Position
from .status import core_coverage, leadership, milestone_status

__all__ = ["DUE_SOON_DAYS", "Item", "Kind", "Severity", "headline_rows", "needs_attention",
           "trend_words"]


class Kind(StrEnum):
    MILESTONES_OVERDUE = "milestones overdue"
    MILESTONES_DUE = "milestones due"
    ACTIONS_OVERDUE = "actions overdue"
    UPDATES_OVERDUE = "plan updates overdue"
    TERMS_REVIEW = "terms of reference past review"
    AGREEMENTS_REVIEW = "data-sharing agreements past review"
    VACANT_ROLE = "vacant role"
    MISSING_SECTORS = "missing core sectors"
    OUTCOME_WORSE = "outcome worse than England"
    OUTCOME_WORSENING = "outcome getting worse"


class Severity(StrEnum):
    HIGH = "high"  # late, missing or significantly worse: act now
    MEDIUM = "medium"  # coming up, or heading the wrong way: plan for it


#: The tag each kind of item shows beside its sentence (colour is never the only signal).
TAGS = {
    Kind.MILESTONES_OVERDUE: "Overdue",
    Kind.MILESTONES_DUE: "Due soon",
    Kind.ACTIONS_OVERDUE: "Overdue",
    Kind.UPDATES_OVERDUE: "Overdue",
    Kind.TERMS_REVIEW: "Review overdue",
    Kind.AGREEMENTS_REVIEW: "Review overdue",
    Kind.VACANT_ROLE: "Vacant",
    Kind.MISSING_SECTORS: "Missing",
    Kind.OUTCOME_WORSE: "Worse than England",
    Kind.OUTCOME_WORSENING: "Getting worse",
}


@dataclass(frozen=True)
class Item:
    kind: Kind
    text: str  # a sentence in plain English
    severity: Severity
    url: str  # where it is put right
    link_text: str

    @property
    def tag(self) -> str:
        return TAGS[self.kind]


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _lower_first(text: str) -> str:
    """'Agree terms of reference' → 'agree terms of reference'; 'SRO' stays as it is."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


#: Checks added by the apps built on the register (which it does not import): each takes
#: (partnership, today) and returns Items. Added from the app's ``AppConfig.ready``.
PROVIDERS: list = []


def register(provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def needs_attention(partnership: Partnership, today: dt.date,
                    headline: list[OverviewRow] | None = None) -> list[Item]:
    """Everything that needs attention, most serious first (the order of ``Kind`` within each
    severity). Works on a partnership loaded with ``status.with_register``; ``headline`` is
    ``headline_rows(partnership)`` when the caller has it already."""
    items = [
        *_milestones(partnership, today),
        *_actions(partnership, today),
        *_terms_of_reference(partnership, today),
        *_vacancies(partnership, today),
        *_core_membership(partnership, today),
        *_outcomes(partnership, headline_rows(partnership) if headline is None else headline),
        *(item for provider in PROVIDERS for item in provider(partnership, today)),
    ]
    order = list(Kind)
    return sorted(items, key=lambda item: (item.severity != Severity.HIGH,
                                           order.index(item.kind)))


def _milestone_list(occurrences: list[Occurrence]) -> str:
    return "; ".join(f"{_lower_first(m.milestone.label)} (due {_date(m.due_on)})"
                     for m in occurrences)


def _milestones(partnership: Partnership, today: dt.date) -> list[Item]:
    statuses = milestone_status(partnership, today)
    url = reverse("partnerships:milestones", args=[partnership.slug])
    items = []
    overdue = [m for m in statuses if m.status == OVERDUE]
    if overdue:
        verb = "is" if len(overdue) == 1 else "are"
        items.append(Item(
            Kind.MILESTONES_OVERDUE,
            f"{_plural(len(overdue), 'milestone', 'milestones')} {verb} overdue: "
            f"{_milestone_list(overdue)}.", Severity.HIGH, url, "See milestones"))
    soon = [m for m in statuses if shown_status(m, today) == DUE]
    if soon:
        verb = "is" if len(soon) == 1 else "are"
        items.append(Item(
            Kind.MILESTONES_DUE,
            f"{_plural(len(soon), 'milestone', 'milestones')} {verb} due in the next "
            f"{DUE_SOON_DAYS} days: {_milestone_list(soon)}.", Severity.MEDIUM, url,
            "See milestones"))
    return items


def _actions(partnership: Partnership, today: dt.date) -> list[Item]:
    overdue = list(overdue_actions(partnership.actions.all(), today).order_by("due_on", "pk"))
    if not overdue:
        return []
    verb = "is" if len(overdue) == 1 else "are"
    oldest = f"; the oldest was due on {_date(overdue[0].due_on)}" if len(overdue) > 1 else (
        f": it was due on {_date(overdue[0].due_on)}")
    return [Item(
        Kind.ACTIONS_OVERDUE,
        f"{_plural(len(overdue), 'action', 'actions')} from meetings {verb} overdue{oldest}.",
        Severity.HIGH,
        reverse("partnerships:actions", args=[partnership.slug]) + "?show=overdue",
        "See overdue actions")]


def _terms_of_reference(partnership: Partnership, today: dt.date) -> list[Item]:
    latest = max(partnership.terms_of_reference.all(), key=lambda t: t.version, default=None)
    if latest is None or not summarise(latest, today).review_passed:
        return []  # none at all is the terms-of-reference milestone, overdue
    return [Item(
        Kind.TERMS_REVIEW,
        f"The terms of reference (version {latest.version}) were due for review on "
        f"{_date(latest.review_due)}: review them and record the new version.",
        Severity.HIGH, reverse("partnerships:governance", args=[partnership.slug]),
        "See governance")]


def _vacancies(partnership: Partnership, today: dt.date) -> list[Item]:
    url = reverse("partnerships:people", args=[partnership.slug])
    return [Item(Kind.VACANT_ROLE, f"The {_lower_first(label)} role is vacant.",
                 Severity.HIGH if label == Position.SRO.label else Severity.MEDIUM, url,
                 "See people and roles")
            for label, holder in leadership(partnership, today) if holder is None]


def _core_membership(partnership: Partnership, today: dt.date) -> list[Item]:
    coverage = core_coverage(partnership, today)
    parts = []
    if coverage.missing:
        verb = "is" if len(coverage.missing) == 1 else "are"
        parts.append(f"{len(coverage.missing)} of the {len(coverage.core)} core sectors {verb} "
                     "not represented: " + ", ".join(s.label for s in coverage.missing) + ".")
    if coverage.missing_tier:
        parts.append(f"This is a two-tier area with no {coverage.missing_tier}-tier elected "
                     "member.")
    if not parts:
        return []
    return [Item(Kind.MISSING_SECTORS, " ".join(parts), Severity.MEDIUM,
                 reverse("partnerships:coverage", args=[partnership.slug]),
                 "See core membership")]


WORSE = ("worse", "worst")


def headline_rows(partnership: Partnership) -> list[OverviewRow]:
    """The headline metrics' latest figures for the partnership, England's and the region's
    for the same period, in catalogue order (from the outcomes read path)."""
    metrics = list(Metric.objects.filter(kind="headline", partnership__isnull=True)
                   .order_by("order", "key"))
    if not metrics:
        return []
    return overview(partnership, metrics).rows


def trend_words(trend: str) -> str:
    """A stored trend as a table shows it: 'increasing and getting worse' → 'Increasing,
    getting worse'."""
    head, _, judgement = trend.partition(" and ")
    return head.capitalize() + (f", {judgement}" if judgement else "")


def _outcomes(partnership: Partnership, rows: list[OverviewRow]) -> list[Item]:
    items = []
    current = newest_end(rows)  # to say when a figure is older than the others (as Outcomes)
    for row in rows:
        figure, metric = row.figure, row.metric
        if figure is None or figure.value is None:
            continue
        worse = figure.comparison in WORSE
        worsening = figure.trend.endswith("getting worse")
        if not (worse or worsening):
            continue
        items.append(Item(
            Kind.OUTCOME_WORSE if worse else Kind.OUTCOME_WORSENING,
            metric_sentence(metric.name, metric.method, metric.unit, figure, row.england,
                            row.newest, current),
            Severity.HIGH if worse else Severity.MEDIUM,
            reverse("partnerships:outcome-metric", args=[partnership.slug, metric.key]),
            f"See {_lower_first(metric.name)}"))
    return items
