"""Our own Django form renderer: every form renders as GOV.UK Design System markup.

Labels, hints and error messages follow the GOV.UK patterns; radios and checkbox groups sit in
a fieldset with a legend; inputs get the GOV.UK classes (and their error modifiers) and point
at their hint and error message with ``aria-describedby``.
"""

from __future__ import annotations

import re

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

BLANK_LABEL = "---------"  # Django's empty choice: never shown (see ``GovukFormMixin``)
QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how",
                  "whether"}
YES_NO_WORDS = {"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "can",
                "could", "should", "will", "would", "may", "must"}
DETERMINERS = {"the", "a", "an", "your", "their", "his", "her", "its", "our", "this", "that",
               "these", "those", "any", "each", "every", "one", "some", "all", "at", "no"}


def _label_text(field) -> str:
    """A field's label as words inside a sentence: without '(optional)' or a closing '?',
    '.' or ':'."""
    label = str(field.label or "").strip()
    label = re.sub(r"\s*\(optional\)\s*$", "", label, flags=re.IGNORECASE)
    return label.rstrip("?.:").strip()


def _lower_first(text: str) -> str:
    """'Period type' → 'period type', but 'SRO role' and 'I agree' keep their capitals."""
    if text[:2] == text[:2].upper() or text.split(" ", 1)[0] == "I":
        return text
    return text[0].lower() + text[1:]


def _object_of(label: str) -> str:
    """The label as the object of 'Enter …' / 'Select …': 'What is in the file?' → 'what is
    in the file'; 'Period type' → 'the period type'; 'Your name' → 'your name'."""
    first = label.split(" ", 1)[0].lower()
    text = _lower_first(label)
    if first in QUESTION_WORDS or first in DETERMINERS:
        return text
    return f"the {text}"


def _with_article(label: str) -> str:
    """'Period type' → 'a period type'; 'Outcome' → 'an outcome'; 'The region' unchanged."""
    first = label.split(" ", 1)[0].lower()
    text = _lower_first(label)
    if first in DETERMINERS or first in QUESTION_WORDS:
        return text
    vowel = text[:1].lower() in "aeio" or (text[:1].lower() == "u" and
                                         not text.lower().startswith(("uni", "use", "usu")))
    return f"{'an' if vowel else 'a'} {text}"


def required_message(field) -> str:
    """The GOV.UK error message for a required field left empty: a sentence saying what to
    do ('Select what is in the file.', 'Enter the name.'), derived from the label."""
    label = _label_text(field)
    if isinstance(field, forms.BooleanField):
        return f"Tick “{label}” to continue." if label else "Tick the box to continue."
    if isinstance(field, forms.FileField):
        verb = "Upload"
    elif isinstance(field, forms.ChoiceField):  # model choices, multiple choices, radios
        verb = "Select"
    else:
        verb = "Enter"
    if not label:
        return f"{verb} a value." if verb == "Enter" else f"{verb} an answer."
    if label.split(" ", 1)[0].lower() in YES_NO_WORDS:
        # 'Is a higher value better?': no sentence can be made from it by rule; the form
        # should say it itself ('Select whether a higher value is better.').
        return f"{verb} an answer." if verb != "Upload" else "Upload a file."
    return f"{verb} {_object_of(label)}."


def select_prompt(field) -> str:
    """The first option of a drop-down list: 'Choose a period type' (or 'None' when the
    field may be left empty)."""
    if not field.required:
        return "None"
    label = _label_text(field)
    return f"Choose {_with_article(label)}" if label else "Choose one"


def _is_blank(value) -> bool:
    return value is None or value == ""


def _without_blanks(choices):
    kept = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an option group
            kept.append((value, _without_blanks(label)))
        elif not _is_blank(value):
            kept.append((value, label))
    return kept


def _prompted(choices, prompt: str):
    return [(value, prompt if _is_blank(value) and str(label) == BLANK_LABEL else label)
            for value, label in choices]


# widget_type (Django's BoundField.widget_type) → (class, error modifier)
WIDGET_CLASSES: dict[str, tuple[str, str]] = {
    "text": ("govuk-input", "govuk-input--error"),
    "email": ("govuk-input", "govuk-input--error"),
    "number": ("govuk-input", "govuk-input--error"),
    "url": ("govuk-input", "govuk-input--error"),
    "password": ("govuk-input", "govuk-input--error"),
    "date": ("govuk-input", "govuk-input--error"),
    "datetime": ("govuk-input", "govuk-input--error"),
    "time": ("govuk-input", "govuk-input--error"),
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "selectmultiple": ("govuk-select", "govuk-select--error"),
    "nullbooleanselect": ("govuk-select", "govuk-select--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "clearablefile": ("govuk-file-upload", "govuk-file-upload--error"),
    "radioselect": ("govuk-radios__input", ""),
    "checkboxselectmultiple": ("govuk-checkboxes__input", ""),
    "checkbox": ("govuk-checkboxes__input", ""),
}


class GovukBoundField(BoundField):
    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}-error"

    @property
    def described_by(self) -> str:
        ids = []
        if self.help_text:
            ids.append(self.hint_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        attrs.pop("aria-describedby", None)
        widget = widget or self.field.widget
        base, error = WIDGET_CLASSES.get(self.widget_type, ("", ""))
        # Render-time attrs replace the widget's own, so keep the widget's classes (for
        # example a GOV.UK width class) alongside ours.
        own = widget.attrs.get("class", "")
        classes = [c for c in (base, own, attrs.get("class", "")) if c]
        if self.errors and error:
            classes.append(error)
        if classes:
            attrs["class"] = " ".join(dict.fromkeys(" ".join(classes).split()))
        if not self.use_fieldset and self.described_by:
            attrs["aria-describedby"] = self.described_by
        if self.widget_type == "email":
            attrs.setdefault("autocomplete", "email")
            attrs.setdefault("spellcheck", "false")
        return attrs


class DateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes in a fieldset."""

    template_name = "govuk/forms/date_input.html"

    def __init__(self, attrs=None):
        widgets = [forms.TextInput(), forms.TextInput(), forms.TextInput()]
        super().__init__(widgets, attrs)

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_  # the day box, for labels and the error summary

    def decompress(self, value):
        if value:
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK's error messages."""

    widget = DateInput

    def __init__(self, **kwargs):
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, **kwargs)

    def compress(self, values):
        import datetime as dt

        if not values or not any(values):
            return None
        day, month, year = (str(v or "").strip() for v in values)
        missing = [name for name, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise forms.ValidationError(
                f"{self.label or 'The date'} must include a {' and '.join(missing)}.",
                code="incomplete")
        try:
            if len(year) != 4:
                raise ValueError
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(
                f"{self.label or 'The date'} must be a real date, for example 27 3 2024.",
                code="invalid") from None


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
    bound_field_class = GovukBoundField


class GovukFormMixin:
    """What every cdphub form does to Django's defaults, before it is cleaned and when it is
    rendered (so that choices a form sets in its own ``__init__`` are covered too):

    * a required field left empty gets a GOV.UK error message, a sentence saying what to do
      ("Enter the name.", "Select what is in the file.") unless the form gives its own;
    * radios and checkboxes never offer an empty choice (Django's "---------"), so none is
      ever ticked for the user: GOV.UK radios start with nothing selected;
    * a drop-down list's empty choice is a prompt ("Choose a period type"), not "---------".

    Also the error summary's entries (field id → message) for the page template."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._generated: dict[str, str] = {}
        self._govuk_fields()

    def _govuk_fields(self) -> None:
        default = forms.Field.default_error_messages["required"]
        for name, field in self.fields.items():
            current = field.error_messages.get("required")
            if current == default or current == self._generated.get(name):
                self._generated[name] = field.error_messages["required"] = required_message(
                    field)
            if not isinstance(field, forms.ChoiceField):
                continue
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):  # radios, and checkboxes (a subclass)
                if isinstance(field, forms.ModelChoiceField):
                    field.empty_label = None
                else:
                    field.choices = _without_blanks(field.choices)
            elif isinstance(widget, forms.Select) and not widget.allow_multiple_selected:
                if isinstance(field, forms.ModelChoiceField):
                    if field.empty_label == BLANK_LABEL:
                        field.empty_label = select_prompt(field)
                else:
                    field.choices = _prompted(field.choices, select_prompt(field))

    def full_clean(self):
        self._govuk_fields()
        super().full_clean()

    def get_context(self):
        self._govuk_fields()
        return super().get_context()

    def error_summary(self) -> list[tuple[str, str]]:
        entries = []
        for error in self.non_field_errors():
            entries.append(("", error))
        for name, errors in self.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            bound = self[name]
            for error in errors:
                entries.append((bound.id_for_label or bound.auto_id, error))
        return entries


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass
