"""Every write to the delivery plan's two registers: the funding streams the partnership
oversees (guidance chapter 4: the grants and budgets actions draw on) and the risks and
disagreements log (chapter 3: the terms of reference say how risks are managed and
disagreements resolved; the log records each one).

Each write runs in one transaction and one change set, so it is one entry in the
partnership's History, and raises ``PlanError`` (naming the form field at fault) without
changing anything. Every record a write names (the holding organisation, a risk's owner) must
be the partnership's own: a form that posted another partnership's is refused here too.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cdphub.core import clock
from cdphub.partnerships.changesets import change_set
from cdphub.partnerships.models import Organisation, Partnership, Person

from .actions_plan import PlanError
from .models import FundingStream, Plan, PlanAction, Risk
from .registers import organisations_of

__all__ = ["PlanError", "add_funding_stream", "add_risk", "change_funding_stream",
           "change_risk", "close_risk", "drawing_actions", "holder_choices", "owner_choices",
           "parse_amount", "withdraw_funding_stream"]

#: The largest amount the register holds (``FundingStream.amount``: 14 digits, 2 after the
#: point).
MAX_AMOUNT = Decimal("999999999999.99")
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")
AMOUNT_EXAMPLE = "for example, £1,234,567.50"


# --- reads the forms share ------------------------------------------------------------------


def holder_choices(partnership: Partnership) -> QuerySet[Organisation]:
    """The organisations that may hold a partnership's funding: its own organisations
    (``registers.organisations_of``: those of its people and those its registers name), and
    those already holding its funding. Never another partnership's own."""
    return Organisation.objects.filter(
        Q(pk__in=organisations_of(partnership).values("pk"))
        | Q(pk__in=FundingStream.objects.filter(partnership=partnership).values("holder"))
    ).order_by("name")


def owner_choices(partnership: Partnership) -> QuerySet[Person]:
    """The people who may own a risk: the partnership's own people."""
    return Person.objects.filter(partnership=partnership).select_related(
        "organisation").order_by("full_name")


def drawing_actions(stream: FundingStream) -> list[PlanAction]:
    """The live actions of the partnership's draft or agreed plan that draw on ``stream``
    (a superseded plan's actions are history, and do not hold it)."""
    return list(stream.actions.filter(
        withdrawn_at__isnull=True, plan__status__in=[Plan.Status.DRAFT, Plan.Status.AGREED])
        .select_related("plan").order_by("title", "pk"))


# --- funding streams ------------------------------------------------------------------------


def parse_amount(value) -> Decimal:
    """An amount in pounds as people write it: "£1,234,567.50", "1234567.5", "250000" (a
    Decimal is taken as it is). Refused, naming the field ``amount``: anything else, no
    amount, a negative or zero amount, more than two decimal places (pence), and more than
    the register holds."""
    if isinstance(value, Decimal):
        amount = value
    else:
        text = re.sub(r"\s+", "", str(value or ""))
        if not text:
            raise PlanError("Enter the amount in pounds.", "amount")
        if text.startswith("-") or text.startswith("£-"):
            raise PlanError("Enter an amount more than £0.", "amount")
        text = text.removeprefix("£")
        if not _AMOUNT.fullmatch(text):
            raise PlanError(f"Enter the amount in pounds and pence, {AMOUNT_EXAMPLE}.",
                            "amount")
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:  # pragma: no cover (the pattern admits only numbers)
            raise PlanError(f"Enter the amount in pounds and pence, {AMOUNT_EXAMPLE}.",
                            "amount") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise PlanError(f"Enter the amount in pounds and pence, {AMOUNT_EXAMPLE}.", "amount")
    if amount <= 0:
        raise PlanError("Enter an amount more than £0.", "amount")
    if amount > MAX_AMOUNT:
        raise PlanError("Enter an amount less than £1,000,000,000,000.", "amount")
    return amount.quantize(Decimal("0.01"))


def _checked_stream(partnership: Partnership, *, name: str, amount, starts_on: dt.date,
                    ends_on: dt.date, holder: Organisation | None, arrangement: str) -> tuple:
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise PlanError("Enter the name of the funding stream.", "name")
    if len(name) > 200:
        raise PlanError("Enter a name of 200 characters or fewer.", "name")
    amount = parse_amount(amount)
    if starts_on is None:
        raise PlanError("Enter the date the funding period starts.", "starts_on")
    if ends_on is None:
        raise PlanError("Enter the date the funding period ends.", "ends_on")
    if ends_on < starts_on:
        raise PlanError("The funding period must end on or after the day it starts.",
                        "ends_on")
    if holder is None or not holder_choices(partnership).filter(pk=holder.pk).exists():
        raise PlanError("Choose the organisation that holds the funding from the "
                        "partnership's organisations.", "holder")
    if arrangement not in FundingStream.Arrangement.values:
        raise PlanError("Select whether the funding is aligned or pooled.", "arrangement")
    return name, amount


@transaction.atomic
def add_funding_stream(*, partnership: Partnership, name: str, amount, starts_on: dt.date,
                       ends_on: dt.date, holder: Organisation, arrangement: str,
                       notes: str = "", by) -> FundingStream:
    name, amount = _checked_stream(partnership, name=name, amount=amount, starts_on=starts_on,
                                   ends_on=ends_on, holder=holder, arrangement=arrangement)
    with change_set(by=by):
        return FundingStream.objects.create(
            partnership=partnership, name=name, amount=amount, starts_on=starts_on,
            ends_on=ends_on, holder=holder, arrangement=arrangement, notes=notes.strip())


@transaction.atomic
def change_funding_stream(*, stream: FundingStream, name: str, amount, starts_on: dt.date,
                          ends_on: dt.date, holder: Organisation, arrangement: str,
                          notes: str = "", by) -> FundingStream:
    if stream.withdrawn_at is not None:
        raise PlanError("This funding stream was withdrawn and can no longer be changed.")
    name, amount = _checked_stream(stream.partnership, name=name, amount=amount,
                                   starts_on=starts_on, ends_on=ends_on, holder=holder,
                                   arrangement=arrangement)
    with change_set(by=by):
        stream.name, stream.amount = name, amount
        stream.starts_on, stream.ends_on = starts_on, ends_on
        stream.holder, stream.arrangement, stream.notes = holder, arrangement, notes.strip()
        stream.save()
    return stream


def _quoted(actions: list[PlanAction]) -> str:
    titles = [f"\u201c{a.title}\u201d" for a in actions]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


@transaction.atomic
def withdraw_funding_stream(*, stream: FundingStream, even_though_actions: bool = False,
                            by) -> FundingStream:
    """Take a stream out of the register (added in error, or no longer overseen). It stays in
    the partnership's History. While actions of the draft or agreed plan draw on it, it is
    refused, naming them, unless ``even_though_actions`` says the withdrawal is meant anyway
    (the actions keep their link to it, marked withdrawn)."""
    if stream.withdrawn_at is not None:
        raise PlanError("This funding stream was withdrawn already.")
    drawing = drawing_actions(stream)
    if drawing and not even_though_actions:
        count = len(drawing)
        raise PlanError(
            f"{count} plan action{'s draw' if count > 1 else ' draws'} on this funding "
            f"stream: {_quoted(drawing)}. Change {'those actions' if count > 1 else 'that action'}"
            " to another stream first, or tick the box to say you are withdrawing it even so.",
            "even_though_actions")
    with change_set(by=by):
        stream.withdrawn_at = timezone.now()
        stream.save(update_fields=["withdrawn_at"])
    return stream


# --- the risks and disagreements log --------------------------------------------------------


def _rating(value, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if str(number) != str(value).strip() or not 1 <= number <= 5:
        raise PlanError(("Choose the likelihood, from 1 to 5." if field == "likelihood"
                         else "Choose the impact, from 1 to 5."), field)
    return number


def _checked_risk(partnership: Partnership, *, kind: str, title: str, owner: Person | None,
                  likelihood, impact, raised_on: dt.date) -> tuple:
    if kind not in Risk.Kind.values:
        raise PlanError("Select whether it is a risk or a disagreement.", "kind")
    title = re.sub(r"\s+", " ", title or "").strip()
    if not title:
        raise PlanError("Enter a short title for the risk or disagreement.", "title")
    if len(title) > 300:
        raise PlanError("Enter a title of 300 characters or fewer.", "title")
    if owner is not None and owner.partnership_id != partnership.pk:
        raise PlanError("Choose the owner from the partnership's people.", "owner")
    likelihood = _rating(likelihood, "likelihood")
    impact = _rating(impact, "impact")
    if raised_on is None:
        raise PlanError("Enter the date it was raised.", "raised_on")
    if raised_on > clock.today():
        raise PlanError("Enter a date raised that is today or in the past.", "raised_on")
    return title, likelihood, impact


def _status_for(escalation: str) -> str:
    """Open, or escalated once it says to whom it was escalated."""
    return Risk.Status.ESCALATED if escalation.strip() else Risk.Status.OPEN


@transaction.atomic
def add_risk(*, partnership: Partnership, kind: str, title: str, likelihood, impact,
             raised_on: dt.date, owner: Person | None = None, description: str = "",
             mitigation: str = "", escalation: str = "", by) -> Risk:
    title, likelihood, impact = _checked_risk(
        partnership, kind=kind, title=title, owner=owner, likelihood=likelihood, impact=impact,
        raised_on=raised_on)
    with change_set(by=by):
        return Risk.objects.create(
            partnership=partnership, kind=kind, title=title, description=description.strip(),
            owner=owner, likelihood=likelihood, impact=impact, mitigation=mitigation.strip(),
            escalation=escalation.strip(), status=_status_for(escalation), raised_on=raised_on)


@transaction.atomic
def change_risk(*, risk: Risk, kind: str, title: str, likelihood, impact, raised_on: dt.date,
                owner: Person | None = None, description: str = "", mitigation: str = "",
                escalation: str = "", by) -> Risk:
    """Change an open or escalated entry. Saying to whom it was escalated (and when) marks it
    escalated; taking that out marks it open again."""
    if risk.status == Risk.Status.CLOSED:
        raise PlanError("This entry is closed and can no longer be changed.")
    title, likelihood, impact = _checked_risk(
        risk.partnership, kind=kind, title=title, owner=owner, likelihood=likelihood,
        impact=impact, raised_on=raised_on)
    with change_set(by=by):
        risk.kind, risk.title, risk.description = kind, title, description.strip()
        risk.owner, risk.likelihood, risk.impact = owner, likelihood, impact
        risk.mitigation, risk.escalation = mitigation.strip(), escalation.strip()
        risk.raised_on, risk.status = raised_on, _status_for(escalation)
        risk.save()
    return risk


@transaction.atomic
def close_risk(*, risk: Risk, resolution: str, closed_on: dt.date, by) -> Risk:
    """A risk that has passed or been dealt with, or a disagreement resolved: how, and when
    (not in the future, nor before it was raised)."""
    if risk.status == Risk.Status.CLOSED:
        raise PlanError("This entry is closed already.")
    if not resolution.strip():
        raise PlanError("Enter how the risk was dealt with or the disagreement resolved.",
                        "resolution")
    if closed_on is None:
        raise PlanError("Enter the date it was resolved or closed.", "closed_on")
    if closed_on > clock.today():
        raise PlanError("Enter a date closed that is today or in the past.", "closed_on")
    if closed_on < risk.raised_on:
        raise PlanError(f"Enter a date closed on or after the day it was raised, "
                        f"{risk.raised_on:%-d %B %Y}.", "closed_on")
    with change_set(by=by):
        risk.resolution, risk.closed_on = resolution.strip(), closed_on
        risk.status = Risk.Status.CLOSED
        risk.save()
    return risk
