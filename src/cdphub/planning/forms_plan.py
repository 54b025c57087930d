"""Forms for the delivery plan: starting, changing and agreeing a plan; adding, changing,
withdrawing an action and setting its status; an action's milestones; the date a plan is
compared with.

Each form offers only records of the partnership in the URL: its active priorities, its member
organisations, its people, its funding streams (not withdrawn), national metrics and its own
local metrics, and its meetings (not withdrawn). Anything else posted is not a valid choice, so
nothing changes (``actions_plan`` refuses it too).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q

from cdphub.core.forms import DateField, GovukForm
from cdphub.framework import guidance
from cdphub.outcomes.models import Metric
from cdphub.partnerships.forms_governance import PersonChoiceField, people_in
from cdphub.partnerships.models import Meeting, Organisation, Partnership, Person

from . import plans
from .forms_signoff import AgreedAtMeetingForm, MeetingChoiceField
from .models import FundingStream, Plan, PlanAction, Priority

PLAN_YEARS = 3


def next_first_of_april(today: dt.date) -> dt.date:
    """The next 1 April after ``today`` (today itself when it is 1 April)."""
    this_year = dt.date(today.year, 4, 1)
    return this_year if this_year >= today else dt.date(today.year + 1, 4, 1)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """Three years from the next 1 April: 1 April 2025 to 31 March 2028."""
    start = next_first_of_april(today)
    return start, dt.date(start.year + PLAN_YEARS, 3, 31)


class PlanForm(GovukForm):
    """A plan's title and period (starting a plan; the first part of changing one)."""

    title = forms.CharField(
        label="Title", max_length=200, initial="Delivery plan",
        help_text="For example, Delivery plan 2025 to 2028.",
        error_messages={"required": "Enter the plan's title."})
    starts_on = DateField(label="Start of the plan's period", help_text="For example, 1 4 2025.",
                          error_messages={"required": "Enter the date the plan starts."})
    ends_on = DateField(label="End of the plan's period", help_text="For example, 31 3 2028.",
                        error_messages={"required": "Enter the date the plan ends."})

    def __init__(self, *args, today: dt.date, plan: Plan | None = None, **kwargs):
        if plan is not None:
            kwargs.setdefault("initial", {
                "title": plan.title, "starts_on": plan.starts_on, "ends_on": plan.ends_on,
                "update_due_days": plan.update_due_days, "reminder_days": plan.reminder_days})
        else:
            start, end = default_period(today)
            kwargs.setdefault("initial", {"starts_on": start, "ends_on": end})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends <= starts:
            self.add_error("ends_on", "Enter an end date after the start date.")
        return cleaned


class PlanEditForm(PlanForm):
    update_due_days = forms.IntegerField(
        label="Days after each quarter ends that updates are due", min_value=0, max_value=90,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        help_text="Owners record each quarter's update by this many days after the quarter "
                  "ends (for example 14: by 14 July for April to June).",
        error_messages={"required": "Enter how many days after each quarter ends updates "
                                    "are due."})
    reminder_days = forms.IntegerField(
        label="Days before the deadline that owners are reminded", min_value=1, max_value=60,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        help_text="An e-mail reminds each owner this many days before the deadline.",
        error_messages={"required": "Enter how many days before the deadline owners are "
                                    "reminded."})


class PlanAgreeForm(AgreedAtMeetingForm):
    what = "the plan"


# --- actions --------------------------------------------------------------------------------


class CommitmentsWidget(forms.CheckboxSelectMultiple):
    """The 15 commitments as checkboxes grouped under the strategy's three priorities, each
    with its description as a hint (``planning/plan_commitments_widget.html``)."""

    template_name = "planning/plan_commitments_widget.html"

    def id_for_label(self, id_, index="0"):
        # Every option sits in a group (ids id_commitments_0_0, …): the error summary and the
        # field's label point at the first.
        return super().id_for_label(id_, "0_0" if index == "0" else index)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        hint = HINTS.get(value, "")
        if hint and option["attrs"].get("id"):
            option["hint"] = hint
            option["hint_id"] = f"{option['attrs']['id']}-hint"
            option["attrs"]["aria-describedby"] = option["hint_id"]
        return option


HINTS = {c.key: c.description for c in guidance().commitments}


def commitment_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for commitment in guidance().commitments:
        groups.setdefault(commitment.priority, []).append((commitment.key, commitment.label))
    return list(groups.items())


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class MetricChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Metric) -> str:
        return f"{obj.name} (local metric)" if obj.kind == "local" else obj.name


class FundingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FundingStream) -> str:
        return str(obj)


def offered_metrics(partnership: Partnership):
    """National metrics from the catalogue and this partnership's own local metrics."""
    return Metric.objects.filter(~Q(kind="local") | Q(partnership=partnership)).order_by(
        "order", "name")


def offered_funding(partnership: Partnership):
    return partnership.funding_streams.filter(withdrawn_at__isnull=True).order_by(
        "-starts_on", "name")


def offered_meetings(partnership: Partnership):
    return partnership.meetings.not_withdrawn().order_by("-held_on", "-pk")


class ActionForm(GovukForm):
    priority = forms.ModelChoiceField(
        label="Priority", queryset=Priority.objects.none(),
        help_text="The partnership's priority, from the needs assessment, that the action "
                  "serves.",
        error_messages={"required": "Select the priority the action serves.",
                        "invalid_choice": "Select one of this partnership's active priorities."})
    title = forms.CharField(
        label="Action", max_length=300,
        help_text="What will be done, in a line. For example, Open a second needle and syringe "
                  "programme site in the city centre.",
        error_messages={"required": "Enter what the action is."})
    description = forms.CharField(
        label="Description (optional)", required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="More about the action: who it is for, and what it will change.")
    commitments = forms.MultipleChoiceField(
        label="National commitments it delivers", choices=commitment_groups,
        widget=CommitmentsWidget(attrs={"class": "govuk-checkboxes__input"}),
        help_text="The commitments of the strategy (Box 6 of the guidance) the action helps "
                  "deliver. Choose every one that applies: the coverage check counts the "
                  "action under each.",
        error_messages={"required": "Select at least one of the 15 national commitments the "
                                    "action delivers.",
                        "invalid_choice": "Select national commitments from the list."})
    lead_organisation = OrganisationChoiceField(
        label="Lead organisation", queryset=Organisation.objects.none(),
        help_text="A member organisation of the partnership (an organisation of someone with "
                  "a current role in it).",
        error_messages={"required": "Select the organisation that leads the action.",
                        "invalid_choice": "Select one of the partnership's member "
                                          "organisations."})
    owner = PersonChoiceField(
        label="Owner", queryset=Person.objects.none(),
        help_text="The named person who records the quarterly updates.",
        error_messages={"required": "Select the person who owns the action.",
                        "invalid_choice": "Select one of the partnership's people."})
    starts_on = DateField(label="Start date", help_text="For example, 1 4 2025.",
                          error_messages={"required": "Enter the date the action starts."})
    due_on = DateField(label="Due date", help_text="For example, 31 3 2026.",
                       error_messages={"required": "Enter the date the action is due."})
    funding_stream = FundingChoiceField(
        label="Funding stream (optional)", queryset=FundingStream.objects.none(),
        required=False,
        help_text="The grant or budget of the partnership's funding register the action draws "
                  "on.",
        error_messages={"invalid_choice": "Select a funding stream of this partnership."})
    metrics = MetricChoiceField(
        label="Metrics it is meant to move (optional)", queryset=Metric.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="National outcome metrics, and the partnership's own local metrics.",
        error_messages={"invalid_choice": "Select national metrics or this partnership's own "
                                          "local metrics."})
    meeting = MeetingChoiceField(
        label="Meeting that agreed it (optional)", queryset=Meeting.objects.none(),
        required=False,
        help_text="The partnership's meeting that agreed the action, if one did.",
        error_messages={"invalid_choice": "Select one of this partnership's meetings."})

    def __init__(self, *args, partnership: Partnership, today: dt.date,
                 action: PlanAction | None = None, priority: Priority | None = None,
                 **kwargs):
        if action is not None:
            kwargs.setdefault("initial", {
                "priority": action.priority_id, "title": action.title,
                "description": action.description, "commitments": list(action.commitments),
                "lead_organisation": action.lead_organisation_id, "owner": action.owner_id,
                "starts_on": action.starts_on, "due_on": action.due_on,
                "funding_stream": action.funding_stream_id,
                "metrics": [m.pk for m in action.metrics.all()],
                "meeting": action.meeting_id})
        elif priority is not None:
            kwargs.setdefault("initial", {"priority": priority.pk})
        super().__init__(*args, **kwargs)
        self.fields["priority"].queryset = partnership.priorities.filter(
            status=Priority.Status.ACTIVE).order_by("title")
        organisations = plans.member_organisations(partnership, today)
        owners = people_in(partnership, today, also=[action.owner] if action else [])
        if action is not None:  # keep what is recorded on offer, though they have since left
            organisations = Organisation.objects.filter(
                Q(pk__in=organisations.values("pk")) | Q(pk=action.lead_organisation_id)
            ).order_by("name")
        self.fields["lead_organisation"].queryset = organisations
        self.fields["owner"].queryset = owners
        self.fields["funding_stream"].queryset = offered_funding(partnership)
        if not self.fields["funding_stream"].queryset.exists():
            self.fields["funding_stream"].help_text = (
                "No funding streams are recorded for the partnership yet: add them to its "
                "funding register, then link the action to one.")
        self.fields["metrics"].queryset = offered_metrics(partnership)
        self.fields["meeting"].queryset = offered_meetings(partnership)

    def values(self) -> dict:
        """The cleaned answers as ``actions_plan.add_action``/``change_action`` take them."""
        data = self.cleaned_data
        return {"priority": data["priority"], "title": data["title"],
                "description": data.get("description", ""),
                "commitments": data["commitments"],
                "lead_organisation": data["lead_organisation"], "owner": data["owner"],
                "starts_on": data["starts_on"], "due_on": data["due_on"],
                "funding_stream": data.get("funding_stream"),
                "metrics": list(data.get("metrics") or []), "meeting": data.get("meeting")}

    def clean(self):
        cleaned = super().clean()
        starts, due = cleaned.get("starts_on"), cleaned.get("due_on")
        if starts and due and due < starts:
            self.add_error("due_on", "Enter a due date on or after the start date.")
        return cleaned


class WithdrawActionForm(GovukForm):
    reason = forms.CharField(
        label="Why is the action being withdrawn?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the partnership agreed to stop it, or it was added twice. The "
                  "action stays in the plan's history and counts as dropped when plans are "
                  "compared.",
        error_messages={"required": "Enter why the action is being withdrawn."})


class ActionStatusForm(GovukForm):
    status = forms.ChoiceField(
        label="Status", choices=PlanAction.Status.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select the action's status."})
    commentary = forms.CharField(
        label="Commentary (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why the action has this status: what is going well, what is in the way.")

    def __init__(self, *args, action: PlanAction | None = None, **kwargs):
        if action is not None:
            kwargs.setdefault("initial", {"status": action.status,
                                          "commentary": action.commentary})
        super().__init__(*args, **kwargs)


class MilestoneForm(GovukForm):
    title = forms.CharField(label="Milestone", max_length=300,
                            help_text="A step of the action, for example \u201cSite "
                                      "lease signed\u201d.",
                            error_messages={"required": "Enter what the milestone is."})
    due_on = DateField(label="Due date", help_text="For example, 30 9 2025.",
                       error_messages={"required": "Enter the date the milestone is due."})
    done_on = DateField(label="Date done (optional)", required=False,
                        help_text="Leave it empty until the milestone is done.")
    remove = forms.BooleanField(label="Remove this milestone", required=False,
                                help_text="Tick to take the milestone off the action. Its "
                                          "versions stay in the partnership's History.")

    def __init__(self, *args, milestone=None, **kwargs):
        if milestone is not None:
            kwargs.setdefault("initial", {"title": milestone.title, "due_on": milestone.due_on,
                                          "done_on": milestone.done_on})
        super().__init__(*args, **kwargs)
        if milestone is None:
            del self.fields["remove"]


class CompareForm(GovukForm):
    on = DateField(label="Compare with the plan as it stood on",
                   help_text="For example, 1 4 2025. A year ago unless you choose another day.",
                   error_messages={"required": "Enter the date to compare with."})
