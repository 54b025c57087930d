"""The GOV.UK form renderer (cdphub.core.forms): markup checked by parsing, not by comparing
whole strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django import forms

from cdphub.core.forms import GovukBoundField, GovukForm


class ExampleForm(GovukForm):
    name = forms.CharField(label="Your name", max_length=10,
                           help_text="As it appears on your badge.")
    email = forms.EmailField(label="Email address")
    colour = forms.ChoiceField(label="Favourite colour", widget=forms.RadioSelect,
                               choices=[("red", "Red"), ("green", "Green"), ("blue", "Blue")],
                               help_text="Choose one.")
    agree = forms.BooleanField(label="I agree to the terms")
    days = forms.MultipleChoiceField(label="Days you work", widget=forms.CheckboxSelectMultiple,
                                     choices=[("mon", "Monday"), ("tue", "Tuesday")])


INVALID = {"name": "far too long a name", "email": "not-an-email", "colour": "purple"}
# agree and days missing (both required)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: list[Element]
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def all_text(self) -> str:
        return "".join(self.text)


VOID = {"input", "br", "img", "meta", "link", "hr"}


class Markup(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v or "") for k, v in attrs}, list(self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {k: (v or "") for k, v in attrs}, list(self.stack)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text.append(data)

    # queries
    def by_id(self, id_: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == id_]
        assert len(found) == 1, f"expected exactly one element with id {id_!r}, got {len(found)}"
        return found[0]

    def ids(self) -> list[str]:
        return [e.attrs["id"] for e in self.elements if "id" in e.attrs]

    def with_class(self, cls: str) -> list[Element]:
        return [e for e in self.elements if cls in e.classes]

    def inputs(self, name: str) -> list[Element]:
        return [e for e in self.elements if e.tag == "input" and e.attrs.get("name") == name]

    def form_group_of(self, element: Element) -> Element:
        groups = [p for p in element.parents if "govuk-form-group" in p.classes]
        assert groups, f"{element.tag} {element.attrs} is not inside a govuk-form-group"
        return groups[-1]


@pytest.fixture
def bound():
    form = ExampleForm(data=INVALID)
    assert not form.is_valid()
    return form


@pytest.fixture
def markup(bound) -> Markup:
    return Markup(str(bound))


def test_the_renderer_uses_the_govuk_bound_field(bound):
    assert isinstance(bound["name"], GovukBoundField)


def test_every_invalid_field_is_in_an_error_form_group(bound, markup):
    assert set(bound.errors) == {"name", "email", "colour", "agree", "days"}
    groups = markup.with_class("govuk-form-group")
    assert len(groups) == 5
    assert all("govuk-form-group--error" in g.classes for g in groups)


def test_valid_field_has_no_error_markup():
    form = ExampleForm(data={**INVALID, "name": "Ann"})
    form.is_valid()
    markup = Markup(str(form))
    name_input = markup.inputs("name")[0]
    assert "govuk-input--error" not in name_input.classes
    assert "govuk-form-group--error" not in markup.form_group_of(name_input).classes
    assert "aria-invalid" not in name_input.attrs
    assert name_input.attrs["aria-describedby"] == "id_name-hint"
    assert "id_name-error" not in markup.ids()


def test_error_messages_have_the_visually_hidden_prefix(bound, markup):
    messages = markup.with_class("govuk-error-message")
    assert len(messages) == 5
    for message in messages:
        hidden = [e for e in markup.elements
                  if message in e.parents and "govuk-visually-hidden" in e.classes]
        assert len(hidden) == 1
        assert hidden[0].all_text.strip() == "Error:"
        assert message.all_text.strip().startswith("Error:")
        assert len(message.all_text.strip()) > len("Error:")
    name_error = markup.by_id("id_name-error")
    assert "govuk-error-message" in name_error.classes
    for error in bound.errors["name"]:
        assert error in name_error.all_text


def test_text_and_email_inputs_get_govuk_classes_and_error_modifier(markup):
    name = markup.inputs("name")[0]
    email = markup.inputs("email")[0]
    assert {"govuk-input", "govuk-input--error"} <= name.classes
    assert {"govuk-input", "govuk-input--error"} <= email.classes
    assert email.attrs["type"] == "email"
    assert email.attrs.get("autocomplete") == "email"
    assert email.attrs.get("spellcheck") == "false"


def test_text_input_describes_its_hint_and_error(markup):
    name = markup.inputs("name")[0]
    described = name.attrs["aria-describedby"].split()
    assert described == ["id_name-hint", "id_name-error"]
    hint = markup.by_id("id_name-hint")
    assert "govuk-hint" in hint.classes
    assert "As it appears on your badge." in hint.all_text
    assert "govuk-error-message" in markup.by_id("id_name-error").classes
    label = [e for e in markup.elements if e.tag == "label" and e.attrs.get("for") == "id_name"]
    assert len(label) == 1 and "govuk-label" in label[0].classes
    assert label[0].all_text.strip() == "Your name"


def test_field_without_hint_describes_only_its_error(markup):
    email = markup.inputs("email")[0]
    assert email.attrs["aria-describedby"].split() == ["id_email-error"]
    assert "id_email-hint" not in markup.ids()


def test_every_aria_describedby_points_at_an_element_that_exists(markup):
    ids = set(markup.ids())
    pointers = [e for e in markup.elements if "aria-describedby" in e.attrs]
    assert pointers
    for element in pointers:
        for target in element.attrs["aria-describedby"].split():
            assert target in ids, f"{element.tag} points at missing #{target}"


def test_ids_are_unique(markup):
    ids = markup.ids()
    assert len(ids) == len(set(ids))


def _fieldset_around(markup: Markup, name: str) -> Element:
    inputs = markup.inputs(name)
    assert inputs
    fieldsets = {id(p): p for i in inputs for p in i.parents if p.tag == "fieldset"}
    assert len(fieldsets) == 1, f"{name} inputs should share one fieldset"
    return next(iter(fieldsets.values()))


@pytest.mark.parametrize("name, legend, input_class, wrapper_class", [
    ("colour", "Favourite colour", "govuk-radios__input", "govuk-radios"),
    ("days", "Days you work", "govuk-checkboxes__input", "govuk-checkboxes"),
])
def test_radios_and_checkboxes_sit_in_a_fieldset_with_a_legend(markup, name, legend,
                                                                input_class, wrapper_class):
    fieldset = _fieldset_around(markup, name)
    assert "govuk-fieldset" in fieldset.classes
    legends = [e for e in markup.elements if e.tag == "legend" and fieldset in e.parents]
    assert len(legends) == 1
    assert legends[0].all_text.strip() == legend
    assert "govuk-fieldset__legend" in legends[0].classes
    inputs = markup.inputs(name)
    assert all(input_class in i.classes for i in inputs)
    assert all(any(wrapper_class in p.classes for p in i.parents) for i in inputs)
    # Each option has its own label.
    for option in inputs:
        labels = [e for e in markup.elements
                  if e.tag == "label" and e.attrs.get("for") == option.attrs["id"]]
        assert len(labels) == 1
    # The fieldset, not each option, points at the error (and hint).
    described = fieldset.attrs["aria-describedby"].split()
    assert f"id_{name}-error" in described
    assert all("aria-describedby" not in i.attrs for i in inputs)


def test_radios_have_one_input_per_choice_and_fieldset_describes_hint(markup):
    radios = markup.inputs("colour")
    assert [r.attrs["value"] for r in radios] == ["red", "green", "blue"]
    assert all(r.attrs["type"] == "radio" for r in radios)
    assert _fieldset_around(markup, "colour").attrs["aria-describedby"].split() == [
        "id_colour-hint", "id_colour-error"]


def test_checkboxes_have_one_input_per_choice(markup):
    boxes = markup.inputs("days")
    assert [b.attrs["value"] for b in boxes] == ["mon", "tue"]
    assert all(b.attrs["type"] == "checkbox" for b in boxes)


def test_single_checkbox_is_a_govuk_checkbox_with_its_label(markup):
    agree = markup.inputs("agree")
    assert len(agree) == 1
    box = agree[0]
    assert box.attrs["type"] == "checkbox"
    assert "govuk-checkboxes__input" in box.classes
    assert box.attrs["aria-describedby"].split() == ["id_agree-error"]
    labels = [e for e in markup.elements if e.tag == "label" and e.attrs.get("for") == "id_agree"]
    assert len(labels) == 1
    assert "govuk-checkboxes__label" in labels[0].classes


def test_error_summary_pairs_point_at_elements_in_the_markup(bound, markup):
    summary = bound.error_summary()
    assert len(summary) == sum(len(e) for e in bound.errors.values()) == 5
    ids = set(markup.ids())
    targets = [target for target, _message in summary]
    assert len(set(targets)) == 5
    for target, message in summary:
        assert target in ids, f"error summary links to missing #{target}"
        assert message
    by_target = dict(summary)
    assert by_target["id_name"] == bound.errors["name"][0]
    assert by_target["id_email"] == bound.errors["email"][0]
    # The text input it links to is the one with the error.
    assert markup.by_id("id_name").attrs["name"] == "name"


def test_error_summary_includes_non_field_errors_first():
    class WithClean(ExampleForm):
        def clean(self):
            raise forms.ValidationError("The whole form is wrong.")

    form = WithClean(data={"name": "Ann", "email": "a@example.org", "colour": "red",
                           "agree": "on", "days": ["mon"]})
    assert not form.is_valid()

    assert form.error_summary() == [("", "The whole form is wrong.")]


def test_valid_form_has_an_empty_error_summary():
    form = ExampleForm(data={"name": "Ann", "email": "a@example.org", "colour": "red",
                             "agree": "on", "days": ["mon", "tue"]})
    assert form.is_valid(), form.errors
    assert form.error_summary() == []
    markup = Markup(str(form))
    assert not markup.with_class("govuk-error-message")
    assert not markup.with_class("govuk-form-group--error")
    assert not markup.with_class("govuk-input--error")


def test_unbound_form_renders_without_errors():
    markup = Markup(str(ExampleForm()))
    assert len(markup.with_class("govuk-form-group")) == 5
    assert not markup.with_class("govuk-error-message")


def test_textarea_and_select_get_their_govuk_classes():
    class Other(GovukForm):
        notes = forms.CharField(widget=forms.Textarea)
        pick = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])

    form = Other(data={"notes": "", "pick": "zzz"})
    form.is_valid()
    markup = Markup(str(form))
    notes = markup.by_id("id_notes")
    pick = markup.by_id("id_pick")
    assert notes.tag == "textarea"
    assert {"govuk-textarea", "govuk-textarea--error"} <= notes.classes
    assert pick.tag == "select"
    assert {"govuk-select", "govuk-select--error"} <= pick.classes


def test_extra_widget_classes_are_kept():
    class Sized(GovukForm):
        code = forms.CharField(widget=forms.TextInput(attrs={"class": "govuk-input--width-5"}))

    markup = Markup(str(Sized()))
    assert {"govuk-input", "govuk-input--width-5"} <= markup.by_id("id_code").classes


def test_the_security_code_input_keeps_its_width_class():
    from cdphub.accounts.forms import SetUpTokenForm, TokenForm

    for form_class, width in [(TokenForm, "govuk-input--width-10"),
                              (SetUpTokenForm, "govuk-input--width-5")]:
        token = Markup(str(form_class())).by_id("id_token")
        assert {"govuk-input", width} <= token.classes, (form_class.__name__, token.classes)
        assert token.attrs["autocomplete"] == "one-time-code"


def test_a_question_label_makes_a_plain_required_message():
    """'What is in the file?' once gave 'Choose what is in the file?.'"""

    class Question(GovukForm):
        kind = forms.ChoiceField(label="What is in the file?", choices=[("a", "A")],
                                 widget=forms.RadioSelect)
        note = forms.CharField(label="Your note:")

    form = Question(data={})
    assert form.errors["kind"] == ["Select what is in the file."]
    assert form.errors["note"] == ["Enter your note."]
