"""The form that records an action's quarterly update: the quarter (one that has ended while
the action was under way; a quarter not yet over is refused on the field), the status and a
short update."""

from __future__ import annotations

import datetime as dt
import re

from django import forms

from cdphub.core.forms import GovukForm

from .models import PlanAction
from .quarters import Quarter

#: The longest update, in characters (the page shows a character count).
TEXT_MAX = 1000

_CODE = re.compile(r"(\d{4})-(\d{2}) Q([1-4])")
_FIRST_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}


def quarter_from_code(code: str | None) -> Quarter | None:
    """The quarter ``Quarter.code`` names (``2026-27 Q2``); None for anything else."""
    found = _CODE.fullmatch((code or "").strip())
    if not found:
        return None
    year, number = int(found[1]), int(found[3])
    quarter = Quarter(dt.date(year + (1 if number == 4 else 0), _FIRST_MONTH[number], 1))
    return quarter if quarter.code == found[0] else None  # 2026-28 is no financial year


class QuarterField(forms.ChoiceField):
    """A choice of quarters by code, cleaned to a ``Quarter``. A quarter not offered is refused
    with a message that says why: not over yet, or outside the action's quarters."""

    def __init__(self, *, quarters: list[Quarter], today: dt.date, **kwargs):
        self.today = today
        super().__init__(choices=[(q.code, q.label) for q in quarters], **kwargs)

    def validate(self, value):
        forms.Field.validate(self, value)  # required
        if value in self.empty_values or self.valid_value(value):
            return
        quarter = quarter_from_code(value)
        if quarter is not None and quarter.end >= self.today:
            raise forms.ValidationError(
                f"Choose a quarter that has ended: the update for {quarter.label} is recorded "
                "once the quarter is over.", code="not_ended")
        raise forms.ValidationError(
            "Choose one of the quarters listed: those that have ended while the action was "
            "under way.", code="invalid_choice")

    def clean(self, value):
        return quarter_from_code(super().clean(value))


class RecordUpdateForm(GovukForm):
    quarter = QuarterField(quarters=[], today=dt.date.min, label="Quarter",
                           error_messages={"required": "Select the quarter the update is for."})
    status = forms.ChoiceField(
        label="Status at the end of the quarter", choices=PlanAction.Status.choices,
        widget=forms.RadioSelect, error_messages={"required": "Select the action's status."})
    text = forms.CharField(
        label="Update", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="In a few sentences: what was done in the quarter, and what happens next. "
                  "If it is at risk or off track, say why and what is being done about it.",
        error_messages={
            "required": "Enter the update: what was done in the quarter and what happens next.",
            "max_length": f"Update must be {TEXT_MAX:,} characters or fewer."})

    def __init__(self, *args, quarters: list[Quarter], today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"] = QuarterField(
            quarters=quarters, today=today, label="Quarter",
            help_text="Choose an earlier quarter to record or correct its update.",
            error_messages={"required": "Select the quarter the update is for."})
