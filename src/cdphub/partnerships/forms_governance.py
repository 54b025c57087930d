"""Forms for the governance pages: a version of the terms of reference with its checklist,
a sub-group and a link to another local body."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.forms.boundfield import BoundField

from cdphub.core.forms import DateField, GovukForm, GovukModelForm
from cdphub.framework import Entry, guidance

from .governance import document_problem
from .models import LocalBodyLink, Partnership, Person, SubGroup


@dataclass
class ChecklistRow:
    content: Entry
    addressed: BoundField
    where: BoundField


class TermsOfReferenceForm(GovukForm):
    """A new version of the terms of reference. For each of the 10 contents the guidance lists
    (chapter 3, Governance): is it addressed, and where? An answer to 'where' under an unticked
    box is ignored, as the GOV.UK pattern for conditionally revealed questions asks."""

    document = forms.FileField(
        label="Terms of reference document (optional)", required=False,
        help_text="A PDF, Word (DOCX) or OpenDocument (ODT) file, smaller than 10 MB.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.odt"}))
    agreed_on = DateField(label="Date agreed", required=False,
                          help_text="For example, 27 9 2022. Leave empty if this version is "
                                    "still a draft.")
    review_due = DateField(label="Date to review it by", required=False,
                           help_text="For example, 27 9 2023.")
    notes = forms.CharField(label="Notes (optional)", required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="For example, what changed from the last version.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contents = guidance().terms_of_reference_contents
        for content in self.contents:
            self.fields[f"addressed_{content.key}"] = forms.BooleanField(
                label=content.label, required=False,
                widget=forms.CheckboxInput(
                    attrs={"data-aria-controls": f"conditional-{content.key}"}))
            self.fields[f"where_{content.key}"] = forms.CharField(
                label="Where it is addressed", max_length=200, required=False,
                help_text="For example, section 4.",
                widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}))

    @property
    def details(self) -> list[BoundField]:
        return [self[name] for name in ("document", "agreed_on", "review_due", "notes")]

    @property
    def checklist_rows(self) -> list[ChecklistRow]:
        return [ChecklistRow(c, self[f"addressed_{c.key}"], self[f"where_{c.key}"])
                for c in self.contents]

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if upload:
            head = upload.read(8)
            upload.seek(0)
            problem = document_problem(upload.name, upload.size, head)
            if problem:
                raise forms.ValidationError(problem)
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("document") and "document" not in self.errors and not any(
                cleaned.get(f"addressed_{content.key}") for content in self.contents):
            self.add_error("document", "Upload the terms of reference document, or tick the "
                                       "contents this version addresses: a version needs at "
                                       "least one of them.")
        agreed, review = cleaned.get("agreed_on"), cleaned.get("review_due")
        if agreed and review and review <= agreed:
            self.add_error("review_due", "The review date must be after the date agreed.")
        for content in self.contents:
            if cleaned.get(f"addressed_{content.key}") and not cleaned.get(
                    f"where_{content.key}", "").strip():
                self.add_error(f"where_{content.key}",
                               f"Enter where the terms of reference address: {content.label}.")
        return cleaned

    def checklist(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {c.key: (bool(data.get(f"addressed_{c.key}")),
                        data.get(f"where_{c.key}", "") if data.get(f"addressed_{c.key}") else "")
                for c in self.contents}


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


BOARD = "board"


class _ReportsToChoices(forms.models.ModelChoiceIterator):
    def __iter__(self):
        yield (BOARD, "The partnership board")
        yield from super().__iter__()

    def __len__(self):
        return super().__len__() + 1

    def __bool__(self):
        return True


class ReportsToField(forms.ModelChoiceField):
    """The board, or another sub-group: the board is a real choice with its own value (a
    radio group never has an empty one), stored as no parent."""

    iterator = _ReportsToChoices

    def to_python(self, value):
        return None if value == BOARD else super().to_python(value)


def person_label(person: Person) -> str:
    detail = ", ".join(part for part in (person.job_title, str(person.organisation or "")) if part)
    return f"{person.full_name} ({detail})" if detail else person.full_name


def people_in(partnership: Partnership, on, also=()) -> QuerySet[Person]:
    """People with an appointment in the partnership current on ``on`` (plus ``also``, so
    editing a record never loses someone who has since left)."""
    ids = {a.person_id for a in partnership.appointments.all() if a.is_current_on(on)}
    ids |= {person.pk for person in also if person is not None}
    return (Person.objects.filter(partnership=partnership, pk__in=ids)
            .select_related("organisation").order_by("full_name"))


class SubGroupForm(GovukModelForm):
    chair = PersonChoiceField(label="Chair", queryset=Person.objects.none(), required=False,
                              empty_label="No chair yet",
                              help_text="Someone with a current role in the partnership.")
    members = PeopleChoiceField(label="Members", queryset=Person.objects.none(), required=False,
                                widget=forms.CheckboxSelectMultiple,
                                help_text="People with a current role in the partnership.")
    reports_to = ReportsToField(
        label="Reports to", queryset=SubGroup.objects.none(), required=False,
        empty_label=None, widget=forms.RadioSelect,
        help_text="The partnership should keep oversight of every sub-group. If you leave "
        "this unanswered, it reports to the partnership board.")

    class Meta:
        model = SubGroup
        fields = ["name", "remit", "chair", "members", "reports_to"]
        labels = {"name": "Name", "remit": "Remit"}
        help_texts = {"name": "For example, Treatment and recovery group.",
                      "remit": "What the group focuses on and what it is asked to deliver."}
        widgets = {"remit": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, partnership: Partnership, on, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        keep = [instance.chair, *instance.members.all()] if instance.pk else []
        people = people_in(partnership, on, keep)
        self.fields["chair"].queryset = people
        self.fields["members"].queryset = people
        self.fields["reports_to"].queryset = partnership.sub_groups.exclude(
            pk=instance.pk).order_by("name")
        if instance.pk and self.initial.get("reports_to") is None:
            self.initial["reports_to"] = BOARD  # saved as reporting to the board
        if not people.exists():
            self.fields["members"].help_text = ("No one has a current role in the partnership "
                                                "yet: add people first.")


class LocalBodyLinkForm(GovukModelForm):
    class Meta:
        model = LocalBodyLink
        fields = ["body_type", "name", "relationship", "notes"]
        labels = {"body_type": "Type of body", "name": "Name of the body",
                  "relationship": "Relationship", "notes": "Notes (optional)"}
        help_texts = {"name": "For example, Salford Community Safety Partnership.",
                      "notes": "For example, who attends both, or what is shared."}
        widgets = {"relationship": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body_type"].choices = [("", "Choose a type of body"),
                                            *guidance().choices("governance_bodies")]
