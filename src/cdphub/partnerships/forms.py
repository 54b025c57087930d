from __future__ import annotations

from django import forms

from cdphub.core.forms import DateField, GovukForm, GovukModelForm
from cdphub.framework import guidance
from cdphub.geography.models import Area, AreaType

from . import rules
from .models import Appointment, FootprintChange, MilestoneCompletion, Partnership, Position


class AuthorityChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name} ({obj.code})"


def _authorities():
    return Area.objects.filter(area_type=AreaType.UTLA).select_related("parent").order_by("name")


def _authority_field(label: str, help_text: str, required: bool = True):
    return AuthorityChoiceField(
        label=label, queryset=_authorities(), required=required, help_text=help_text,
        widget=forms.SelectMultiple(attrs={"size": 12, "class": "app-multi-select"}),
        error_messages={"required": "Choose at least one upper-tier local authority.",
                        "invalid_choice": "Choose authorities from the list."},
    )


class PartnershipForm(GovukForm):
    name = forms.CharField(label="Partnership name", max_length=200,
                           help_text="For example, Greater Manchester Combating Drugs Partnership.")
    authorities = _authority_field(
        "Upper-tier local authorities covered",
        "Hold Ctrl (or Cmd) to choose more than one. An authority can be in only one "
        "partnership.")
    valid_from = DateField(label="Footprint starts", help_text="For example, 1 8 2022.",
                           error_messages={"required": "Enter the date the footprint starts."})
    rationale = forms.CharField(
        label="Rationale for the footprint", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why these authorities (Appendix 1).",
        error_messages={"required": "Enter the rationale for the footprint: why these "
                                    "authorities."})


class FootprintChangeForm(GovukForm):
    add_areas = _authority_field("Authorities to add", "Leave empty to add none.", required=False)
    remove_areas = AuthorityChoiceField(
        label="Authorities to remove", queryset=Area.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Leave all unticked to remove none.")
    effective_from = DateField(
        label="Change takes effect on",
        error_messages={"required": "Enter the date the change takes effect."})
    rationale = forms.CharField(label="Why the footprint should change",
                                widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, partnership: Partnership, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove_areas"].queryset = partnership.authorities_on(on).order_by("name")


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision", widget=forms.RadioSelect,
        choices=[(FootprintChange.Status.AGREED, "Agree the change"),
                 (FootprintChange.Status.REJECTED, "Do not agree")])
    note = forms.CharField(label="Note to the partnership", required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AppointmentForm(GovukForm):
    full_name = forms.CharField(label="Full name", max_length=200)
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    email = forms.EmailField(label="Email address", required=False,
                             help_text="Needed for the SRO and lead roles in the return to "
                             "central government.")
    email_public = forms.BooleanField(
        label="Show this email address on the partnership's public page", required=False,
        help_text="Only with the person's agreement.")
    position = forms.ChoiceField(label="Role in the partnership", choices=Position.choices,
                                 widget=forms.RadioSelect)
    sector = forms.ChoiceField(label="Sector represented", choices=[])
    sro_role = forms.ChoiceField(
        label="SRO's role", required=False, widget=forms.RadioSelect, choices=[],
        help_text="Only for the senior responsible owner.")
    elected_tier = forms.ChoiceField(
        label="Tier (elected members only)", required=False,
        choices=[("", "Not an elected member"), *Appointment.Tier.choices])
    agreed_proposal = forms.BooleanField(
        label="This core partner agreed the partnership proposal", required=False)
    start_date = DateField(label="Start date",
                           error_messages={"required": "Enter the date they started in the "
                                                       "role."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        g = guidance()
        self.fields["sector"].choices = [
            ("", "Choose a sector"),
            ("Core sectors", g.choices("core_sectors")),
            ("Wider partners", g.choices("wider_partner_types")),
            ("Other", [("other", "Other")]),
        ]
        self.fields["sro_role"].choices = [
            *g.choices("sro_roles"),
            (rules.EXCEPTION_SRO_ROLE, "None of these: core members agreed an exception")]

    def clean(self):
        cleaned = super().clean()
        position = cleaned.get("position")
        if rules.needs_sro_role(position) and not cleaned.get("sro_role"):
            self.add_error("sro_role", "Choose the role the SRO holds.")
        if rules.needs_contact_email(position) and not cleaned.get("email"):
            self.add_error("email", "Enter an email address: central government needs it for "
                                    "the SRO and lead roles.")
        if rules.needs_elected_tier(cleaned.get("sector", ""), cleaned.get("elected_tier", "")):
            self.add_error("elected_tier", "Choose the tier this elected member represents.")
        return cleaned


class EndAppointmentForm(GovukForm):
    end_date = DateField(label="Last day in the role",
                         error_messages={"required": "Enter their last day in the role."})


class SroExceptionForm(GovukModelForm):
    """Both are needed: an exception without its reason, or its date, records nothing the
    guidance asks for (chapter 3, footnote 15)."""

    sro_exception_rationale = forms.CharField(
        label="Why the SRO holds none of the expected roles", widget=forms.Textarea(
            attrs={"rows": 4}),
        help_text="Why core members agreed that someone outside the listed roles is best "
                  "placed to be SRO.",
        error_messages={"required": "Enter why core members agreed that the SRO need not "
                                    "hold one of the expected roles."})
    sro_exception_agreed_on = DateField(
        label="Date core members agreed the exception",
        error_messages={"required": "Enter the date core members agreed the exception."})

    class Meta:
        model = Partnership
        fields = ["sro_exception_rationale", "sro_exception_agreed_on"]


class RationaleForm(GovukModelForm):
    footprint_rationale = forms.CharField(
        label="Rationale for the footprint", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why these upper-tier local authorities (Appendix 1).",
        error_messages={"required": "Enter the rationale for the footprint: why these "
                                    "upper-tier local authorities."})

    class Meta:
        model = Partnership
        fields = ["footprint_rationale"]


class MilestoneCompletionForm(GovukModelForm):
    completed_on = DateField(label="Date done",
                             error_messages={"required": "Enter the date it was done."})
    link = forms.URLField(label="Link to the document (optional)", required=False,
                          assume_scheme="https")

    class Meta:
        model = MilestoneCompletion
        fields = ["milestone_key", "completed_on", "evidence", "link"]
        labels = {"milestone_key": "Milestone", "link": "Link to the document (optional)"}
        error_messages = {"evidence": {"required": "Enter what shows it was done, for example "
                                                   "the document title or the meeting that "
                                                   "agreed it."}}
