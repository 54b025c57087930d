"""Forms of the local performance framework. Each offers only what the partnership in the URL
may choose: national metrics with a figure for partnerships and its own local metrics, its own
people as owners, the periods it has figures for, its own meetings. Anything else posted is
not a valid choice (and ``actions_framework`` refuses it too), so nothing changes."""

from __future__ import annotations

import datetime as dt

from django import forms

from cdphub.core.forms import DateField, GovukForm
from cdphub.outcomes.models import Metric
from cdphub.outcomes.summary import with_unit
from cdphub.partnerships.models import Partnership, Person

from . import performance
from .actions_framework import TargetRow
from .forms_signoff import AgreedAtMeetingForm
from .models import FrameworkMetric

#: Blank rows offered below the targets already set, for new points.
NEW_ROWS = 3


class MetricChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Metric) -> str:
        return f"{obj.name} (local metric)" if obj.kind == "local" else obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.full_name}, {obj.job_title}" if obj.job_title else obj.full_name


def owners(partnership: Partnership):
    return Person.objects.filter(partnership=partnership).order_by("full_name", "pk")


class FrameworkMetricForm(GovukForm):
    metric = MetricChoiceField(
        label="Metric", queryset=Metric.objects.none(),
        help_text="A metric of the national outcomes framework with a figure for the "
                  "partnership, or one of the partnership's own local metrics.",
        error_messages={"invalid_choice": "Choose one of the metrics listed."})
    owner = PersonChoiceField(
        label="Owner", queryset=Person.objects.none(),
        help_text="The person who reports progress on this metric.",
        error_messages={"invalid_choice": "Choose one of the partnership's people."})
    frequency = forms.ChoiceField(label="How often is progress reported?",
                                  choices=FrameworkMetric.Frequency.choices,
                                  widget=forms.RadioSelect)
    notes = forms.CharField(label="Notes (optional)", required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="Why this metric, and anything a reader of the figures "
                                      "should know.")

    def __init__(self, *args, partnership: Partnership, item: FrameworkMetric | None = None,
                 **kwargs):
        if item is not None:
            kwargs.setdefault("initial", {"metric": item.metric, "owner": item.owner,
                                          "frequency": item.frequency, "notes": item.notes})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners(partnership)
        if item is None:
            taken = performance.live(partnership).values("metric")
            self.fields["metric"].queryset = performance.offered_metrics(partnership).exclude(
                pk__in=taken)
        else:  # the metric itself is not changed (add another, withdraw this one)
            del self.fields["metric"]


def period_value(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()}_{end.isoformat()}"


def period_from(value: str) -> tuple[dt.date, dt.date] | None:
    try:
        start, end = value.split("_")
        return dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        return None


class BaselineForm(GovukForm):
    period = forms.ChoiceField(
        label="Which period is the baseline?", widget=forms.RadioSelect,
        help_text="The partnership's published figure for the period is copied and frozen: "
                  "data loaded later does not change it.",
        error_messages={"required": "Choose the period the baseline is taken from.",
                        "invalid_choice": "Choose one of the periods listed."})
    replace = forms.BooleanField(
        label="Yes, change the baseline", required=False,
        help_text="The baseline is set already. Changing it is recorded in the partnership's "
                  "History.")

    def __init__(self, *args, item: FrameworkMetric, figures, **kwargs):
        super().__init__(*args, **kwargs)
        metric = item.metric
        choices = []
        for figure in figures:
            if figure.suppressed:
                text = f"{figure.period_label}: not shown (small numbers), cannot be a baseline"
            elif figure.value is None:
                text = f"{figure.period_label}: no figure for the partnership"
            else:
                text = (f"{figure.period_label}: "
                        f"{with_unit(figure.value, metric.method, metric.unit)}")
            choices.append((period_value(figure.period_start, figure.period_end), text))
        self.fields["period"].choices = choices
        if item.baseline_set_at is None:
            del self.fields["replace"]

    def clean_period(self):
        return period_from(self.cleaned_data["period"])


class TargetsForm(GovukForm):
    """The target points as a table of rows: each existing point (with "remove") and
    ``NEW_ROWS`` blank rows; and the helper that works out a value from a change from the
    baseline. Values are typed text, checked by ``actions_framework.checked_targets`` so
    that its message names the row."""

    #: Which button was pressed: "save" the rows, or "work-out" a value with the helper
    #: (the buttons carry it; the template does not render the field itself).
    step = forms.ChoiceField(
        label="What to do", choices=[("save", "Save the targets"),
                                     ("work-out", "Work out the value")],
        error_messages={"required": "Choose to save the targets or to work out a value.",
                        "invalid_choice": "Choose to save the targets or to work out a "
                                          "value."})
    percent = forms.CharField(
        label="Change from the baseline (%)", required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal"}),
        help_text="For example 20 for \u201c20% more\u201d, or -15 for \u201c15% fewer\u201d.")
    percent_by = DateField(label="Aimed for by", required=False,
                           help_text="For example, 31 3 2025.")

    def __init__(self, *args, item: FrameworkMetric, **kwargs):
        targets = list(item.targets.order_by("period_end"))
        self.rows = list(range(1, len(targets) + NEW_ROWS + 1))
        self.existing = len(targets)
        initial = kwargs.setdefault("initial", {})
        for number, target in enumerate(targets, start=1):
            initial.setdefault(f"by_{number}", target.period_end)
            initial.setdefault(f"value_{number}", f"{target.value:g}")
        super().__init__(*args, **kwargs)
        for number in self.rows:
            self.fields[f"by_{number}"] = DateField(label=f"Row {number}: by", required=False)
            self.fields[f"value_{number}"] = forms.CharField(
                label=f"Row {number}: value", required=False,
                widget=forms.TextInput(attrs={"class": "govuk-input--width-10",
                                              "inputmode": "decimal"}))
            if number <= self.existing:
                self.fields[f"remove_{number}"] = forms.BooleanField(
                    label=f"Remove row {number}", required=False)

    def row_fields(self):
        """(number, by, value, remove or None) bound fields, for the table."""
        return [(n, self[f"by_{n}"], self[f"value_{n}"],
                 self[f"remove_{n}"] if f"remove_{n}" in self.fields else None)
                for n in self.rows]

    def target_rows(self):
        data = self.cleaned_data
        return [TargetRow(n, data.get(f"by_{n}"), data.get(f"value_{n}") or "")
                for n in self.rows if not data.get(f"remove_{n}")]


class AgreeFrameworkForm(AgreedAtMeetingForm):
    what = "the performance framework"

