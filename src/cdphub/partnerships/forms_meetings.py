"""Forms for recording a meeting (with its decisions and up to five new actions) and for
changing an action's status."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.forms.boundfield import BoundField

from cdphub.core.forms import DateField, GovukForm, GovukModelForm

from .forms_governance import PeopleChoiceField, PersonChoiceField, people_in
from .meetings import NewAction
from .models import Action, Partnership, Person

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

    def __init__(self, *args, partnership: Partnership, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = on
        people = people_in(partnership, on)
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
    class Meta:
        model = Action
        fields = ["status"]
        labels = {"status": "Status"}
        help_texts = {"status": "Marking it done records today as the day it was completed."}
        widgets = {"status": forms.RadioSelect}
