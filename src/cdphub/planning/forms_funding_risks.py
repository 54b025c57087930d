"""Forms for the funding streams register (a stream; withdrawing one) and the risks and
disagreements log (an entry; closing one). The writes check everything again
(``actions_registers_plan``): these forms offer only the partnership's own organisations and
people, so a posted id of another partnership's is not a valid choice here either.
"""

from __future__ import annotations

from django import forms

from cdphub.core.forms import DateField, GovukForm
from cdphub.partnerships.models import Organisation, Partnership, Person

from .actions_registers_plan import (
    AMOUNT_EXAMPLE,
    PlanError,
    holder_choices,
    owner_choices,
    parse_amount,
)
from .models import FundingStream, Risk

#: The grants and budgets partnerships usually oversee, offered in the name's hint.
USUAL_STREAMS = (
    "Supplemental Substance Misuse Treatment and Recovery Grant (SSMTRG)",
    "Public Health Grant (drug and alcohol treatment)",
    "Drug and Alcohol Treatment and Recovery Improvement Grant (DATRIG)",
    "Rough Sleeping Drug and Alcohol Treatment Grant",
    "Individual Placement and Support",
    "Housing Support Grant",
    "Police and Crime Commissioner funding",
    "OHID Inpatient Detoxification Grant",
)

LIKELIHOOD = [(1, "1 – Rare"), (2, "2 – Unlikely"), (3, "3 – Possible"), (4, "4 – Likely"),
              (5, "5 – Almost certain")]
IMPACT = [(1, "1 – Negligible"), (2, "2 – Minor"), (3, "3 – Moderate"), (4, "4 – Major"),
          (5, "5 – Severe")]


class FundingStreamForm(GovukForm):
    name = forms.CharField(
        label="Name of the funding stream", max_length=200,
        help_text="For example: " + "; ".join(USUAL_STREAMS) + ".")
    amount = forms.CharField(
        label="Amount (£)", max_length=30,
        help_text=f"The whole amount for the period, in pounds, {AMOUNT_EXAMPLE}.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10",
                                      "inputmode": "decimal", "spellcheck": "false"}))
    starts_on = DateField(label="Start of the funding period",
                          help_text="For example, 1 4 2024.")
    ends_on = DateField(label="End of the funding period",
                        help_text="For example, 31 3 2025.")
    holder = forms.ModelChoiceField(
        label="Holding organisation", queryset=Organisation.objects.none(),
        help_text="The organisation that receives and accounts for the money. The list has "
                  "the organisations of the partnership's people.")
    arrangement = forms.ChoiceField(
        label="Aligned or pooled", choices=FundingStream.Arrangement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the funding is aligned or pooled."})
    notes = forms.CharField(label="Notes (optional)", required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="For example, conditions of the grant or how it is "
                                      "reported.")

    def __init__(self, *args, partnership: Partnership, stream: FundingStream | None = None,
                 **kwargs):
        if stream is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": stream.name, "amount": f"{stream.amount:,.2f}",
                "starts_on": stream.starts_on, "ends_on": stream.ends_on,
                "holder": stream.holder_id, "arrangement": stream.arrangement,
                "notes": stream.notes}
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = holder_choices(partnership)
        self.fields["holder"].empty_label = "Choose an organisation"
        if not self.fields["holder"].queryset.exists():
            self.fields["holder"].help_text = (
                "No organisations are recorded for the partnership yet: add its people, with "
                "their organisations, on People and roles first.")

    def clean_amount(self):
        try:
            return parse_amount(self.cleaned_data.get("amount", ""))
        except PlanError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The funding period must end on or after the day it "
                                      "starts.")
        return cleaned


class WithdrawFundingStreamForm(GovukForm):
    confirm = forms.BooleanField(label="Withdraw this funding stream from the register")
    even_though_actions = forms.BooleanField(
        label="Withdraw it even though plan actions draw on it", required=False,
        help_text="The actions keep their link to the stream, shown as withdrawn.")

    def __init__(self, *args, drawing: list, **kwargs):
        super().__init__(*args, **kwargs)
        if not drawing:
            del self.fields["even_though_actions"]


class RiskForm(GovukForm):
    kind = forms.ChoiceField(label="Risk or disagreement", choices=Risk.Kind.choices,
                             widget=forms.RadioSelect,
                             error_messages={"required": "Select whether it is a risk or a "
                                                         "disagreement."})
    title = forms.CharField(label="Title", max_length=300,
                            help_text="For example, Loss of the inpatient detoxification "
                                      "beds in 2025/26.")
    description = forms.CharField(label="Description (optional)", required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label="Owner (optional)", queryset=Person.objects.none(),
                                   required=False,
                                   help_text="The person who manages it, from the "
                                             "partnership's people.")
    likelihood = forms.TypedChoiceField(
        label="Likelihood", choices=LIKELIHOOD, coerce=int, widget=forms.RadioSelect,
        help_text="How likely it is to happen (or, for a disagreement, to hold up the work).",
        error_messages={"required": "Select the likelihood, from 1 to 5."})
    impact = forms.TypedChoiceField(
        label="Impact", choices=IMPACT, coerce=int, widget=forms.RadioSelect,
        help_text="How much harm it would do to the plan's delivery if it did.",
        error_messages={"required": "Select the impact, from 1 to 5."})
    mitigation = forms.CharField(label="Mitigation (optional)", required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text="What is being done to reduce it.")
    escalation = forms.CharField(
        label="Escalation (optional)", required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="To whom it was escalated, and when: for example, the SRO, 3 March 2025. "
                  "Filling this in marks the entry escalated.")
    raised_on = DateField(label="Date raised", help_text="For example, 3 3 2025.")

    def __init__(self, *args, partnership: Partnership, risk: Risk | None = None, on,
                 **kwargs):
        if risk is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": risk.kind, "title": risk.title, "description": risk.description,
                "owner": risk.owner_id, "likelihood": risk.likelihood, "impact": risk.impact,
                "mitigation": risk.mitigation, "escalation": risk.escalation,
                "raised_on": risk.raised_on}
        kwargs.setdefault("initial", {}).setdefault("raised_on", on)
        super().__init__(*args, **kwargs)
        self.today = on
        self.fields["owner"].queryset = owner_choices(partnership)

    def clean_raised_on(self):
        raised = self.cleaned_data.get("raised_on")
        if raised and raised > self.today:
            raise forms.ValidationError("Enter a date raised that is today or in the past.")
        return raised


class CloseRiskForm(GovukForm):
    resolution = forms.CharField(
        label="Resolution", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="How the risk was dealt with, or how the disagreement was resolved and who "
                  "agreed it.",
        error_messages={"required": "Enter how the risk was dealt with or the disagreement "
                                    "resolved."})
    closed_on = DateField(label="Date resolved or closed", help_text="For example, 3 3 2025.")

    def __init__(self, *args, on, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("closed_on", on)
        super().__init__(*args, **kwargs)
        self.today = on
