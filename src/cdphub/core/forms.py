"""Our own Django form renderer: every form renders as GOV.UK Design System markup.

Labels, hints and error messages follow the GOV.UK patterns; radios and checkbox groups sit in
a fieldset with a legend; inputs get the GOV.UK classes (and their error modifiers) and point
at their hint and error message with ``aria-describedby``.
"""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

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
        base, error = WIDGET_CLASSES.get(self.widget_type, ("", ""))
        classes = [c for c in (attrs.get("class", ""), base) if c]
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


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"
    bound_field_class = GovukBoundField


class GovukFormMixin:
    """Adds the error summary's entries (field id → message) for the page template."""

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
