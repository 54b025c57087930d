"""Forms for findings, priorities and the partnership's agreement of a needs assessment.

Each form offers only records of the partnership in the URL: a finding's evidence is this
partnership's register (not withdrawn), the meeting that agreed an assessment is one of this
partnership's meetings held by today and not withdrawn. Anything else posted is not a valid
choice, so nothing changes.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from cdphub.core.forms import GovukForm
from cdphub.partnerships.models import Meeting, Partnership

from .models import Evidence, Finding, Priority

TITLE_WORDS = 12  # a priority's title, prefilled from the finding: its first words


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Evidence) -> str:
        return f"{obj.title} ({obj.get_evidence_type_display()}, {obj.dated:%-d %B %Y})"


class FindingForm(GovukForm):
    statement = forms.CharField(
        label="Finding", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the assessment finds, in a sentence or two. For example, \u201cDeaths "
                  "related to drug misuse are twice England's rate and rising, most among men "
                  "aged 35 to 54.\u201d",
        error_messages={"required": "Enter the finding."})
    severity = forms.ChoiceField(
        label="How severe is it?", choices=Finding.Severity.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select how severe the finding is."})
    evidence = EvidenceChoiceField(
        label="Evidence (optional)", queryset=Evidence.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The entries of the partnership's evidence register this finding rests on.")

    def __init__(self, *args, partnership: Partnership, finding: Finding | None = None,
                 **kwargs):
        if finding is not None:
            kwargs.setdefault("initial", {"statement": finding.statement,
                                          "severity": finding.severity,
                                          "evidence": list(finding.evidence.all())})
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = offered_evidence(partnership)


def offered_evidence(partnership: Partnership):
    """The evidence a finding may link: the partnership's register, not withdrawn."""
    return Evidence.objects.filter(partnership=partnership, withdrawn_at__isnull=True).order_by(
        "-dated", "title")


def title_from(statement: str) -> str:
    """A priority's title suggested from a finding: its first sentence, cut to its first
    words when long."""
    first = " ".join(statement.split())
    for end in (". ", "; ", ": "):
        if end in first:
            first = first.split(end, 1)[0]
    first = first.rstrip(".;: ")
    words = first.split(" ")
    if len(words) > TITLE_WORDS:
        first = " ".join(words[:TITLE_WORDS]).rstrip(",;:") + "\u2026"
    return first[:Priority._meta.get_field("title").max_length]


class PriorityForm(GovukForm):
    title = forms.CharField(
        label="Priority", max_length=200,
        help_text="A short name the delivery plan will use, for example \u201cReduce deaths "
                  "related to drug misuse among men aged 35 to 54\u201d.",
        error_messages={"required": "Enter the priority's title."})
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the partnership means to change, and why.")

    def __init__(self, *args, priority: Priority | None = None, finding: Finding | None = None,
                 **kwargs):
        if priority is not None:
            kwargs.setdefault("initial", {"title": priority.title,
                                          "description": priority.description})
        elif finding is not None:
            kwargs.setdefault("initial", {"title": title_from(finding.statement),
                                          "description": finding.statement})
        super().__init__(*args, **kwargs)


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Meeting) -> str:
        return f"{obj.title}, {obj.held_on:%-d %B %Y}"


def agreeing_meetings(partnership: Partnership, on: dt.date):
    """The meetings that may have agreed an assessment: this partnership's, not withdrawn,
    held by ``on``; newest first."""
    return partnership.meetings.not_withdrawn().filter(held_on__lte=on).order_by(
        "-held_on", "-pk")


class AgreedAtMeetingForm(GovukForm):
    """Which meeting agreed ``what`` (the assessment, the plan, the framework): one of the
    partnership's meetings that may have (``agreeing_meetings``)."""

    what = "the assessment"
    meeting = MeetingChoiceField(
        label="Which meeting agreed it?", queryset=Meeting.objects.none(),
        help_text="The partnership's meetings held by today, newest first. Record the meeting "
                  "first if it is not listed.",
        error_messages={"required": "Select the meeting that agreed it.",
                        "invalid_choice": "Select one of this partnership's meetings held by "
                                          "today."})

    def __init__(self, *args, partnership: Partnership, on: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        field.label = f"Which meeting agreed {self.what}?"
        field.error_messages = {**field.error_messages,
                                "required": f"Select the meeting that agreed {self.what}."}
        field.queryset = agreeing_meetings(partnership, on)


class AgreeForm(AgreedAtMeetingForm):
    what = "the assessment"
