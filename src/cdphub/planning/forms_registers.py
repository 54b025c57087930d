"""Forms for the evidence register (an entry, with a link or an uploaded file, and withdrawing
it) and the data-sharing register (what an organisation holds; an agreement and its parties).

Organisations are chosen from the partnership's own (``registers.organisations_of``: those of
its people and those its registers already name), or typed as a new name; a posted id of any
other organisation is not a valid choice.
"""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from cdphub.core.forms import DateField, GovukForm, GovukModelForm
from cdphub.framework import guidance
from cdphub.partnerships.models import Organisation, Partnership

from . import files
from .models import DataHolding, Evidence, SharingAgreement
from .registers import clean_name, organisations_of

NEW_ORGANISATION_HELP = "If it is not in the list, enter its name instead."


class OrganisationChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Organisation.objects.none(), required=False, **kwargs)


def _new_name_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=200, required=False,
                           help_text=NEW_ORGANISATION_HELP)


def _choose_or_name(form, choice: str, name: str, message: str) -> None:
    """One of: an organisation from the list, or a new name (not both)."""
    cleaned = form.cleaned_data
    chosen, typed = cleaned.get(choice), clean_name(cleaned.get(name, ""))
    cleaned[name] = typed
    if choice in form.errors:
        return
    if chosen and typed:
        form.add_error(name, "Choose an organisation from the list or enter the name of "
                             "another, not both.")
    elif not chosen and not typed:
        form.add_error(choice, message)


class EvidenceForm(GovukModelForm):
    """An entry of the evidence register. A link, a file, or both; at least one."""

    field_order = ["title", "evidence_type", "owner", "owner_name", "dated", "link", "upload",
                   "remove_file", "visibility", "notes"]

    owner = OrganisationChoiceField(label="Owner organisation")
    owner_name = _new_name_field("Or another organisation")
    dated = DateField(label="Date of the document",
                      help_text="The date it was published or last updated. For example, "
                                "27 3 2024.")
    link = forms.URLField(label="Link (optional)", required=False, max_length=500,
                          assume_scheme="https", validators=[URLValidator(schemes=["http",
                                                                                   "https"])],
                          help_text="The web address of the document or source, starting "
                                    "https://.",
                          widget=forms.URLInput(attrs={"spellcheck": "false"}))
    upload = forms.FileField(
        label="File (optional)", required=False,
        allow_empty_file=True,  # files.check_upload refuses it, naming the file
        help_text=f"{files.ACCEPTED[0].upper()}{files.ACCEPTED[1:]}, up to "
                  "{limit}. Give a link, a file or both.",
        widget=forms.FileInput(attrs={"accept": files.ACCEPT_ATTRIBUTE}))
    remove_file = forms.BooleanField(label="Remove the stored file", required=False)

    class Meta:
        model = Evidence
        fields = ["title", "evidence_type", "owner", "dated", "link", "visibility", "notes"]
        labels = {"title": "Title", "evidence_type": "Type of evidence",
                  "visibility": "Who may see it", "notes": "Notes (optional)"}
        help_texts = {"title": "For example, Greater Manchester JSNA 2023: drugs and alcohol.",
                      "visibility": "Partnership only: only the partnership's members see the "
                                    "entry and its file. Publishable: everyone who may read "
                                    "the partnership's pages sees it, and it may be published "
                                    "with the assessment."}
        widgets = {"visibility": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, partnership: Partnership, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = on
        self.checked: files.CheckedFile | None = None
        self.fields["owner"].queryset = organisations_of(partnership)
        self.fields["owner"].empty_label = "Choose an organisation"
        self.fields["evidence_type"].choices = [("", "Choose a type of evidence"),
                                                *guidance().choices("evidence_types")]
        self.fields["visibility"].initial = Evidence.Visibility.PARTNERSHIP
        self.fields["upload"].help_text = self.fields["upload"].help_text.replace(
            "{limit}", files.size_words(files.max_bytes()))
        if self.instance.file:
            self.fields["upload"].label = "Replace the file (optional)"
            self.fields["upload"].help_text = (
                f"Now: {self.instance.file_name} ({files.size_words(self.instance.file_size)}). "
                + self.fields["upload"].help_text)
        else:
            del self.fields["remove_file"]

    def clean_dated(self):
        dated = self.cleaned_data.get("dated")
        if dated and dated > self.today:
            raise forms.ValidationError("Enter a date of the document that is today or in the "
                                        "past.")
        return dated

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                self.checked = files.check_upload(upload)
            except files.FileRefused as refused:
                raise forms.ValidationError(refused.message) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        _choose_or_name(self, "owner", "owner_name",
                        "Choose the organisation that owns the document, or enter its name.")
        has_file = bool(self.instance.file) and not cleaned.get("remove_file")
        if not cleaned.get("link") and not cleaned.get("upload") and not has_file \
                and "upload" not in self.errors and "link" not in self.errors:
            self.add_error("link", "Enter a link to the document or upload a file (or both).")
        return cleaned


class WithdrawEvidenceForm(GovukForm):
    """The reason is optional; the box is ticked to say the withdrawal is meant."""

    reason = forms.CharField(
        label="Why is it being withdrawn? (optional)", max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, it was added twice or a newer version replaces it. The reason "
                  "is kept in the partnership's History.")
    confirm = forms.BooleanField(label="Withdraw this entry from the evidence register")


class DataHoldingForm(GovukModelForm):
    field_order = ["organisation", "organisation_name", "dataset", "sharing", "notes"]
    organisation = OrganisationChoiceField(label="Organisation")
    organisation_name = _new_name_field("Or another organisation")

    class Meta:
        model = DataHolding
        fields = ["organisation", "dataset", "sharing", "notes"]
        labels = {"dataset": "Data held", "sharing": "Sharing status",
                  "notes": "Notes (optional)"}
        help_texts = {"dataset": "For example, drug-related deaths reviews, or arrests for "
                                 "possession and supply."}
        widgets = {"dataset": forms.TextInput(), "sharing": forms.RadioSelect,
                   "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, partnership: Partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_of(partnership)
        self.fields["organisation"].empty_label = "Choose an organisation"

    def clean(self):
        cleaned = super().clean()
        _choose_or_name(self, "organisation", "organisation_name",
                        "Choose the organisation that holds the data, or enter its name.")
        return cleaned


class SharingAgreementForm(GovukModelForm):
    field_order = ["title", "parties", "other_parties", "purpose", "lawful_basis", "status",
                   "signed_on", "review_on", "dpia_done", "notes"]
    parties = forms.ModelMultipleChoiceField(
        label="Parties", queryset=Organisation.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The organisations that signed, or will sign, the agreement.")
    other_parties = forms.CharField(
        label="Other parties (optional)", required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Organisations not in the list: one name per line.")
    signed_on = DateField(label="Date signed (optional)", required=False,
                          help_text="For example, 1 4 2023. Leave it empty for an agreement "
                                    "still being developed.")
    review_on = DateField(label="Review or expiry date (optional)", required=False,
                          help_text="For example, 1 4 2025. Agreements in place past this date "
                                    "are flagged.")

    class Meta:
        model = SharingAgreement
        fields = ["title", "parties", "purpose", "lawful_basis", "status", "signed_on",
                  "review_on", "dpia_done", "notes"]
        labels = {"title": "Title", "purpose": "Purpose", "lawful_basis": "Lawful basis",
                  "status": "Status", "dpia_done": "A data protection impact assessment "
                                                  "(DPIA) has been done",
                  "notes": "Notes (optional)"}
        help_texts = {"title": "For example, Drug-related deaths information sharing "
                               "agreement.",
                      "purpose": "What data is shared, and what for.",
                      "lawful_basis": "The UK GDPR Article 6 basis the agreement relies on."}
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "status": forms.RadioSelect,
                   "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, partnership: Partnership, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = on
        self.fields["parties"].queryset = organisations_of(partnership)
        if not self.fields["parties"].queryset.exists():
            self.fields["parties"].help_text = ("No organisations are recorded for the "
                                                "partnership yet: enter the parties' names "
                                                "below.")

    def other_party_names(self) -> list[str]:
        return [clean_name(line) for line in self.cleaned_data.get("other_parties", "")
                .splitlines() if clean_name(line)]

    def clean(self):
        cleaned = super().clean()
        signed, review = cleaned.get("signed_on"), cleaned.get("review_on")
        if signed and signed > self.today:
            self.add_error("signed_on", "Enter a date signed that is today or in the past.")
        if signed and review and review <= signed:
            self.add_error("review_on", "Enter a review or expiry date after the date signed.")
        if cleaned.get("status") == SharingAgreement.Status.IN_PLACE and not signed \
                and "signed_on" not in self.errors:
            self.add_error("signed_on", "Enter the date the agreement was signed: an agreement "
                                        "in place has been signed.")
        if "parties" not in self.errors:
            chosen = list(cleaned.get("parties") or [])
            names = {name.lower() for name in self.other_party_names()} - {
                party.name.lower() for party in chosen}
            for name in self.other_party_names():
                if len(name) > 200:
                    self.add_error("other_parties", "Enter each name in 200 characters or "
                                                    "fewer.")
                    break
            if len(chosen) + len(names) < 2:
                self.add_error("parties", "Select at least two parties, or enter their names "
                                          "below.")
        return cleaned
