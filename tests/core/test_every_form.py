"""Every form in cdphub, found by looking for them (so a new form is checked too), rendered and
submitted empty: no empty choice is ever offered as an answer or ticked for the user, and every
message for a field left empty is a GOV.UK sentence that says what to do."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from html.parser import HTMLParser

import pytest
from django.test import RequestFactory

import cdphub
from cdphub.core.forms import GovukFormMixin, required_message, select_prompt

ON = dt.date(2025, 1, 1)
SKIP_MODULES = ("cdphub.config.settings", "cdphub.config.wsgi", "cdphub.config.asgi",
                "cdphub.cli")


def _all_form_classes() -> set[type]:
    for module in pkgutil.walk_packages(cdphub.__path__, "cdphub."):
        if ".migrations" in module.name or module.name.startswith(SKIP_MODULES):
            continue
        importlib.import_module(module.name)
    found, todo = set(), [GovukFormMixin]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("cdphub.") and sub.__module__ != "cdphub.core.forms":
                found.add(sub)
    return found


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _registers_forms():
    """The evidence and data-sharing registers' forms (planning/forms_registers.py)."""
    from cdphub.planning import forms_registers as registers
    from cdphub.planning.models import Evidence

    return {
        registers.EvidenceForm: lambda w, d: registers.EvidenceForm(
            d, {} if d is not None else None, instance=Evidence(partnership=w.partnership_a),
            partnership=w.partnership_a, on=ON),
        registers.WithdrawEvidenceForm: lambda w, d: registers.WithdrawEvidenceForm(d),
        registers.DataHoldingForm: lambda w, d: registers.DataHoldingForm(
            d, partnership=w.partnership_a),
        registers.SharingAgreementForm: lambda w, d: registers.SharingAgreementForm(
            d, partnership=w.partnership_a, on=ON),
    }


def _framework_forms():
    """The performance framework's forms (planning/forms_framework.py)."""
    from cdphub.outcomes.models import Metric
    from cdphub.planning import forms_framework as framework
    from cdphub.planning.models import FrameworkMetric

    def item(w):
        metric = Metric.objects.create(
            key="every-form-local", kind="local", partnership=w.partnership_a,
            outcome="reduce_deaths_harm", name="Local", definition="d", source="s", unit="kits",
            geography="utla", frequency="annual", period_type="financial", method="count",
            polarity="high")
        return FrameworkMetric.objects.create(partnership=w.partnership_a, metric=metric,
                                              baseline_period_end=dt.date(2024, 3, 31),
                                              baseline_value=10.0, baseline_period="2023/24")

    return {
        framework.FrameworkMetricForm: lambda w, d: framework.FrameworkMetricForm(
            d, partnership=w.partnership_a),
        framework.BaselineForm: lambda w, d: framework.BaselineForm(d, item=item(w), figures=[]),
        framework.TargetsForm: lambda w, d: framework.TargetsForm(d, item=item(w)),
        framework.AgreeFrameworkForm: lambda w, d: framework.AgreeFrameworkForm(
            d, partnership=w.partnership_a, on=ON),
    }


def _funding_risks_forms():
    """The funding streams register's and the risks log's forms
    (planning/forms_funding_risks.py)."""
    from cdphub.planning import forms_funding_risks as forms

    return {
        forms.FundingStreamForm: lambda w, d: forms.FundingStreamForm(
            d, partnership=w.partnership_a),
        forms.WithdrawFundingStreamForm: lambda w, d: forms.WithdrawFundingStreamForm(
            d, drawing=["an action"]),
        forms.RiskForm: lambda w, d: forms.RiskForm(d, partnership=w.partnership_a, on=ON),
        forms.CloseRiskForm: lambda w, d: forms.CloseRiskForm(d, on=ON),
    }


def _plan_forms():
    """The delivery plan's forms (planning/forms_plan.py)."""
    from cdphub.planning import forms_plan as plan

    return {
        plan.PlanForm: lambda w, d: plan.PlanForm(d, today=ON),
        plan.PlanEditForm: lambda w, d: plan.PlanEditForm(d, today=ON),
        plan.PlanAgreeForm: lambda w, d: plan.PlanAgreeForm(d, partnership=w.partnership_a,
                                                            on=ON),
        plan.ActionForm: lambda w, d: plan.ActionForm(d, partnership=w.partnership_a, today=ON),
        plan.WithdrawActionForm: lambda w, d: plan.WithdrawActionForm(d),
        plan.ActionStatusForm: lambda w, d: plan.ActionStatusForm(d),
        plan.MilestoneForm: lambda w, d: plan.MilestoneForm(d),
        plan.CompareForm: lambda w, d: plan.CompareForm(d),
    }


def _updates_forms():
    """The quarterly update form (planning/forms_updates.py)."""
    from cdphub.planning import forms_updates as updates
    from cdphub.planning.quarters import Quarter

    quarters = [Quarter(dt.date(2024, 10, 1)), Quarter(dt.date(2024, 7, 1))]
    return {updates.RecordUpdateForm: lambda w, d: updates.RecordUpdateForm(
        d, quarters=quarters, today=ON)}


def _reporting_forms():
    """The progress report's forms (reporting/forms.py)."""
    from cdphub.reporting import forms as reporting
    from cdphub.reporting.years import ReportingYear

    years = [ReportingYear(2023), ReportingYear(2022)]
    return {
        reporting.StartReportForm: lambda w, d: reporting.StartReportForm(
            d, years=years, default=None, today=ON),
        reporting.DataDateForm: lambda w, d: reporting.DataDateForm(d),
        reporting.NarrativeForm: lambda w, d: reporting.NarrativeForm(d, part="foreword"),
        reporting.CaseStudyForm: lambda w, d: reporting.CaseStudyForm(d),
    }


# How to make each form: (world, data) → form. A form found but missing here fails
# test_every_form_is_checked, so that a new form is added and checked.
def _factories():
    from cdphub.accounts import forms as accounts
    from cdphub.framework import guidance
    from cdphub.outcomes import forms as outcomes
    from cdphub.partnerships import forms, forms_governance, forms_meetings, forms_roles
    from cdphub.partnerships.models import Action
    from cdphub.partnerships.views_return import RegisterImportForm
    from cdphub.planning import forms_assessment, forms_signoff

    request = RequestFactory().get("/")
    return {
        outcomes.LoadForm: lambda w, d: outcomes.LoadForm(d, {} if d is not None else None,
                                                          user=w.central_admin),
        outcomes.WithdrawForm: lambda w, d: outcomes.WithdrawForm(d),
        outcomes.LocalMetricForm: lambda w, d: outcomes.LocalMetricForm(d),
        forms.PartnershipForm: lambda w, d: forms.PartnershipForm(d),
        **_registers_forms(),
        **_framework_forms(),
        **_funding_risks_forms(),
        **_plan_forms(),
        forms.FootprintChangeForm: lambda w, d: forms.FootprintChangeForm(
            d, partnership=w.partnership_a, on=ON),
        forms.DecisionForm: lambda w, d: forms.DecisionForm(d),
        forms.AppointmentForm: lambda w, d: forms.AppointmentForm(d),
        forms.EndAppointmentForm: lambda w, d: forms.EndAppointmentForm(d),
        forms.SroExceptionForm: lambda w, d: forms.SroExceptionForm(d),
        forms.RationaleForm: lambda w, d: forms.RationaleForm(d),
        forms.MilestoneCompletionForm: lambda w, d: forms.MilestoneCompletionForm(d),
        forms_governance.TermsOfReferenceForm: lambda w, d: forms_governance.TermsOfReferenceForm(
            d, {} if d is not None else None),
        forms_governance.SubGroupForm: lambda w, d: forms_governance.SubGroupForm(
            d, partnership=w.partnership_a, on=ON),
        forms_governance.LocalBodyLinkForm: lambda w, d: forms_governance.LocalBodyLinkForm(d),
        forms_meetings.MeetingForm: lambda w, d: forms_meetings.MeetingForm(
            d, partnership=w.partnership_a, on=ON),
        forms_meetings.ActionStatusForm: lambda w, d: forms_meetings.ActionStatusForm(d),
        forms_meetings.ActionForm: lambda w, d: forms_meetings.ActionForm(
            d, action=Action(partnership=w.partnership_a, description="Act"), on=ON),
        forms_meetings.WithdrawMeetingForm: lambda w, d: forms_meetings.WithdrawMeetingForm(d),
        forms_roles.GrantRoleForm: lambda w, d: forms_roles.GrantRoleForm(d),
        forms_signoff.FindingForm: lambda w, d: forms_signoff.FindingForm(
            d, partnership=w.partnership_a),
        forms_signoff.PriorityForm: lambda w, d: forms_signoff.PriorityForm(d),
        forms_signoff.AgreedAtMeetingForm: lambda w, d: forms_signoff.AgreedAtMeetingForm(
            d, partnership=w.partnership_a, on=ON),
        forms_signoff.AgreeForm: lambda w, d: forms_signoff.AgreeForm(
            d, partnership=w.partnership_a, on=ON),
        RegisterImportForm: lambda w, d: RegisterImportForm(d, {} if d is not None else None),
        accounts.SignInForm: lambda w, d: accounts.SignInForm(request, d),
        accounts.TokenForm: lambda w, d: accounts.TokenForm(d),
        accounts.SetUpTokenForm: lambda w, d: accounts.SetUpTokenForm(d),
        accounts.GovukPasswordResetForm: lambda w, d: accounts.GovukPasswordResetForm(d),
        accounts.GovukSetPasswordForm: lambda w, d: accounts.GovukSetPasswordForm(
            w.member_a, d),
        accounts.GovukPasswordChangeForm: lambda w, d: accounts.GovukPasswordChangeForm(
            w.member_a, d),
        accounts.AccessTokenForm: lambda w, d: accounts.AccessTokenForm(d),
        forms_assessment.SectionForm: lambda w, d: forms_assessment.SectionForm(
            d, section=guidance().assessment_section("crime")),
        **_updates_forms(),
        **_reporting_forms(),
    }


FACTORIES = {_name(cls): make for cls, make in _factories().items()}


def test_every_form_is_checked():
    found = {_name(cls) for cls in _all_form_classes()}
    assert len(found) >= 20, found  # the search works
    assert found - set(FACTORIES) == set(), "add these forms to FACTORIES"
    assert set(FACTORIES) - found == set()


class Choices(HTMLParser):
    """The options and radio or checkbox inputs of rendered markup."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.options: list[dict] = []  # {value, selected, text, select}
        self.inputs: list[dict] = []
        self._option: dict | None = None
        self._select = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        if tag == "select":
            self._select = attrs.get("name", "")
        elif tag == "option":
            self._option = {"value": attrs.get("value"), "selected": "selected" in attrs,
                            "text": "", "select": self._select}
            self.options.append(self._option)
        elif tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            self.inputs.append(attrs)

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_no_form_offers_or_ticks_an_empty_choice(world, name):
    html = str(FACTORIES[name](world, None))
    assert "---------" not in html
    markup = Choices(html)
    for box in markup.inputs:
        if box.get("type") == "radio":
            assert box.get("value", "") != "", f"{name}: radio {box.get('name')} has an " \
                                               "empty option"
        assert not (box.get("value", "") == "" and "checked" in box), box
    for option in markup.options:
        text = " ".join(option["text"].split())
        assert text and not set(text) <= set("-"), f"{name}: option {option}"
        if option["value"] == "":  # a prompt or a real "none" answer: words
            assert re.match(r"^[A-Z][a-z]", text), f"{name}: {text!r}"


SENTENCE = re.compile(r"^[A-Z][^?]*[a-z0-9)”’]\.$")
VERBS = ("Enter", "Select", "Choose", "Upload", "Tick", "Leave")


def assert_sentence(message: str, where: str) -> None:
    """A GOV.UK error message: a sentence, starting with what to do, with no '?.', no
    'Choose is a …', nothing doubled."""
    assert SENTENCE.match(message), f"{where}: {message!r} is not a sentence"
    assert message.split()[0] in VERBS, f"{where}: {message!r} does not say what to do"
    assert "  " not in message and " ." not in message and "?" not in message, message
    words = [w.lower() for w in message.split()[1:3]]
    if words[0] in ("the", "a", "an"):
        words = words[1:]
    assert words[0] not in ("is", "are", "does", "do", "has", "have", "can", "should"), \
        f"{where}: {message!r} reads a question label as an instruction"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_empty_required_field_says_what_to_do(world, name):
    form = FACTORIES[name](world, {})
    for field_name, field in form.fields.items():
        if field.required:
            assert_sentence(str(field.error_messages["required"]), f"{name}.{field_name}")
    assert not form.is_valid()
    for field_name, messages in form.errors.items():
        for message in messages:
            assert_sentence(str(message), f"{name}.{field_name}")


@pytest.mark.parametrize("label, kind, message", [
    ("What is in the file?", "choice", "Select what is in the file."),
    ("Is a higher value better?", "choice", "Select an answer."),
    ("Period type", "choice", "Select the period type."),
    ("Your note:", "text", "Enter your note."),
    ("Name of the metric", "text", "Enter the name of the metric."),
    ("SRO role (optional)", "text", "Enter the SRO role."),
    ("I agree to the terms", "bool", "Tick “I agree to the terms” to continue."),
])
def test_required_messages_are_made_from_the_label(label, kind, message):
    from django import forms

    field = {"choice": forms.ChoiceField, "text": forms.CharField,
             "bool": forms.BooleanField}[kind](label=label)
    assert required_message(field) == message
    assert_sentence(message, label)


def test_a_drop_down_prompt_is_words():
    from django import forms

    assert select_prompt(forms.ChoiceField(label="Period type")) == "Choose a period type"
    assert select_prompt(forms.ChoiceField(label="Outcome")) == "Choose an outcome"
    assert select_prompt(forms.ChoiceField(label="Region", required=False)) == "None"


def test_the_sub_group_form_starts_with_nothing_chosen_and_keeps_a_saved_answer(world):
    from cdphub.partnerships.forms_governance import SubGroupForm
    from cdphub.partnerships.models import SubGroup

    def checked(form):
        return [i.get("value") for i in Choices(str(form)).inputs
                if i.get("name") == "reports_to" and "checked" in i]

    assert checked(SubGroupForm(partnership=world.partnership_a, on=ON)) == []
    group = SubGroup.objects.create(partnership=world.partnership_a, name="Deaths panel")
    edit = SubGroupForm(instance=group, partnership=world.partnership_a, on=ON)
    assert checked(edit) == ["board"]
    saved = SubGroupForm({"name": "Deaths panel", "reports_to": "board"}, instance=group,
                         partnership=world.partnership_a, on=ON)
    assert saved.is_valid(), saved.errors
    assert saved.cleaned_data["reports_to"] is None
