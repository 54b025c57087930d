"""Forms for the progress report pages: starting a report, its data date, one part of its
narrative, and a case study with the consent of the person it quotes. The forms only check
the shape of what is entered; ``reporting.actions`` decides (a ``ReportError`` names the field
at fault and is shown on it)."""

from __future__ import annotations

import datetime as dt

from django import forms

from cdphub.core.forms import DateField, GovukForm

from .models import NARRATIVE_SECTIONS, CaseStudy
from .years import ReportingYear


class StartReportForm(GovukForm):
    year = forms.TypedChoiceField(
        label="Reporting year", coerce=int, widget=forms.RadioSelect,
        help_text="The financial year the report covers, from 1 April to 31 March.",
        error_messages={"required": "Select the reporting year."})
    data_date = DateField(
        label="Data date",
        help_text="The report's figures and records are taken as at this date. For example, "
                  "30 4 2025.",
        error_messages={"required": "Enter the data date."})

    def __init__(self, *args, years: list[ReportingYear], default: ReportingYear | None,
                 today: dt.date, **kwargs):
        kwargs.setdefault("initial", {"year": default.start_year if default else None,
                                      "data_date": today})
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (y.start_year, f"{y.label} (1 April {y.start_year} to 31 March {y.start_year + 1}, "
                           f"due by {y.due_on:%-d %B %Y})") for y in years]


class DataDateForm(GovukForm):
    data_date = DateField(
        label="Data date",
        help_text="The report's figures and records are taken as at this date. For example, "
                  "30 4 2025.",
        error_messages={"required": "Enter the data date."})


class NarrativeForm(GovukForm):
    """One part of the narrative (``NARRATIVE_SECTIONS``); the foreword also has its
    signatory."""

    #: What the field's error asks for when it is left empty.
    MISSING = {"foreword": "Enter the foreword.", "vision": "Enter the partnership's vision.",
               "highlights": "Enter the highlights of the year.",
               "next_steps": "Enter the next steps."}

    text = forms.CharField(
        label="Text", widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Plain text. Leave a blank line between paragraphs.")

    def __init__(self, *args, part: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.part = part
        self.fields["text"].label = NARRATIVE_SECTIONS[part]
        self.fields["text"].error_messages["required"] = self.MISSING[part]
        if part == "foreword":
            self.fields["foreword_signatory"] = forms.CharField(
                label="Who signs the foreword", required=False, max_length=200,
                help_text="Their name and role, for example Jane Smith, Chief Executive of "
                          "Cumbria County Council.")


class CaseStudyForm(GovukForm):
    title = forms.CharField(label="Title", max_length=200,
                            error_messages={"required": "Enter the case study's title."})
    text = forms.CharField(label="The case study", widget=forms.Textarea(attrs={"rows": 10}),
                           error_messages={"required": "Enter the case study."})
    quotes_person = forms.BooleanField(
        label="It quotes or describes an identifiable person", required=False,
        help_text="Then the report records their consent before the SRO can sign it off.")
    person_named_as = forms.CharField(
        label="How the person is named in the report", required=False, max_length=200,
        help_text="For example, Sam, 34, or a parent in Barrow.")
    consent_given_on = DateField(
        label="Date consent was given", required=False, help_text="For example, 27 3 2024.")
    consent_method = forms.ChoiceField(
        label="How consent was given", required=False, widget=forms.RadioSelect,
        choices=CaseStudy.ConsentMethod.choices)
    consent_note = forms.CharField(
        label="Where the consent is kept", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the signed form is kept by the treatment service. Never the "
                  "person's contact details.")

    CONSENT_FIELDS = ("person_named_as", "consent_given_on", "consent_method", "consent_note")

    def __init__(self, *args, case_study: CaseStudy | None = None, **kwargs):
        if case_study is not None:
            kwargs.setdefault("initial", {
                "title": case_study.title, "text": case_study.text,
                "quotes_person": case_study.quotes_person,
                "person_named_as": case_study.person_named_as,
                "consent_given_on": case_study.consent_given_on,
                "consent_method": case_study.consent_method,
                "consent_note": case_study.consent_note})
        super().__init__(*args, **kwargs)

    def main_fields(self):
        return [self[name] for name in self.fields if name not in self.CONSENT_FIELDS]

    def consent_fields(self):
        return [self[name] for name in self.CONSENT_FIELDS]
