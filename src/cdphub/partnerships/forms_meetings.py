"""Forms for recording and correcting a meeting (with its decisions and up to five new
actions), withdrawing a meeting, and changing an action's status, wording, owner and due
date."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.forms.boundfield import BoundField

from cdphub.core.forms import DateField, GovukForm, GovukModelForm

from .forms_governance import PeopleChoiceField, PersonChoiceField, people_in
from .meetings import NewAction
from .models import Action, Meeting, Partnership, Person

ACTION_ROWS = 5


@dataclass
class ActionRow:
    number: int
    fields: list[BoundField]


class MeetingForm(GovukForm):
    held_on = DateField(label="Date of the meeting", help_text="For example, 14 3 2024.",
                        error_messages={"required": "Enter the date of the meeting."})
    title = forms.CharField(label="Meeting", max_length=200, initial="Partnership board",
                            error_messages={"required": "Enter the name of the meeting, for "
                                                        "example Partnership board."},
                            help_text="For example, Partnership board or Treatment and recovery "
                                      "group.")
    attendees = PeopleChoiceField(
        label="Who attended", queryset=Person.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="People with a current role in the partnership. The core sectors present "
                  "are worked out from their roles on the day of the meeting.")
    notes = forms.CharField(label="Notes (optional)", required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(label="Decisions (optional)", required=False,
                                widget=forms.Textarea(attrs={"rows": 5}),
                                help_text="One decision per line.")

    def __init__(self, *args, partnership: Partnership, on, meeting: Meeting | None = None,
                 **kwargs):
        if meeting is not None:  # correcting a meeting: start from what is recorded
            kwargs.setdefault("initial", {
                "held_on": meeting.held_on, "title": meeting.title, "notes": meeting.notes,
                "attendees": list(meeting.attendees.all()),
                "decisions": "\n".join(d.text for d in meeting.decisions.order_by("pk"))})
        super().__init__(*args, **kwargs)
        self.today = on
        self.meeting = meeting
        if meeting is None:
            people = people_in(partnership, on)
        else:  # also whoever attended, or had a role on the day, though they have since left
            people = people_in(partnership, on, also=[
                *meeting.attendees.all(), *people_in(partnership, meeting.held_on)])
        self.fields["attendees"].queryset = people
        for n in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{n}_description"] = forms.CharField(
                label="What needs doing", required=False,
                widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"action_{n}_owner"] = PersonChoiceField(
                label="Owner", queryset=people, required=False, empty_label="No owner yet")
            self.fields[f"action_{n}_due"] = DateField(label=f"Due date for action {n}",
                                                       required=False)

    @property
    def main_fields(self) -> list[BoundField]:
        return [self[name] for name in ("held_on", "title", "attendees", "notes", "decisions")]

    @property
    def action_rows(self) -> list[ActionRow]:
        return [ActionRow(n, [self[f"action_{n}_{part}"] for part in ("description", "owner",
                                                                        "due")])
                for n in range(1, ACTION_ROWS + 1)]

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on and held_on > self.today:
            raise forms.ValidationError("The date of the meeting must be today or in the past.")
        return held_on

    def clean(self):
        cleaned = super().clean()
        held_on = cleaned.get("held_on")
        for n in range(1, ACTION_ROWS + 1):
            description = cleaned.get(f"action_{n}_description", "").strip()
            owner, due = cleaned.get(f"action_{n}_owner"), cleaned.get(f"action_{n}_due")
            if (owner or due) and not description:
                self.add_error(f"action_{n}_description",
                               f"Enter what needs doing for action {n}, or clear its owner "
                               "and due date.")
            if due and held_on and due < held_on:
                self.add_error(f"action_{n}_due",
                               f"Due date for action {n} must be on or after the meeting.")
        return cleaned

    def decision_texts(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["decisions"].splitlines()
                if line.strip()]

    def new_actions(self) -> list[NewAction]:
        data = self.cleaned_data
        return [NewAction(description=data[f"action_{n}_description"].strip(),
                          owner=data[f"action_{n}_owner"], due_on=data[f"action_{n}_due"])
                for n in range(1, ACTION_ROWS + 1)
                if data[f"action_{n}_description"].strip()]


class ActionStatusForm(GovukModelForm):
    completed_on = DateField(
        label="Date it was done", required=False,
        help_text="Only for an action that is done. Leave it empty to record today (or keep the "
                  "date already recorded). For example, 14 3 2024.")

    class Meta:
        model = Action
        fields = ["status"]
        labels = {"status": "Status"}
        widgets = {"status": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("initial", {"completed_on": instance.completed_on})
        super().__init__(*args, **kwargs)


class ActionForm(GovukForm):
    """Correct an action's wording, owner and due date."""

    description = forms.CharField(
        label="What needs doing", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what needs doing."})
    owner = PersonChoiceField(label="Owner", queryset=Person.objects.none(), required=False,
                              empty_label="No owner yet",
                              help_text="Someone with a current role in the partnership.")
    due_on = DateField(label="Due date (optional)", required=False,
                       help_text="For example, 14 3 2024.")

    def __init__(self, *args, action: Action, on, **kwargs):
        kwargs.setdefault("initial", {"description": action.description,
                                      "owner": action.owner, "due_on": action.due_on})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_in(action.partnership, on, also=[action.owner])


class WithdrawMeetingForm(GovukForm):
    reason = forms.CharField(
        label="Why is this meeting being withdrawn?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, it was recorded twice or it did not take place. Everyone who can "
                  "see the partnership's meetings will see the reason.",
        error_messages={"required": "Enter why the meeting is being withdrawn, for example "
                                    "\u201cRecorded twice\u201d or \u201cThe meeting did not take "
                                    "place\u201d."})
