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
    """GOV.UK error messages for empty required fields ("Enter…"/"Choose…"), and the error
    summary's entries (field id → message) for the page template."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.error_messages.get("required") != forms.Field.default_error_messages[
                    "required"]:
                continue
            label = str(field.label or "this").strip().rstrip("?.:").strip()
            label = label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label
            verb = "Choose" if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField,
                                                  forms.BooleanField)) else "Enter"
            field.error_messages["required"] = f"{verb} {label}."

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
