"""Required values are required: an empty or whitespace-only answer is refused with a GOV.UK
error that says what to enter, and nothing is saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cdphub.accounts import forms as accounts_forms
from cdphub.outcomes import forms as outcomes_forms
from cdphub.partnerships import forms as partnership_forms
from cdphub.partnerships import forms_governance, forms_meetings, forms_roles
from cdphub.partnerships.models import Action, Partnership, TermsOfReference
from tests.conftest import sign_in

BLANK = "  \t \r\n "


def url(name: str, partnership) -> str:
    return reverse(f"partnerships:{name}", args=[partnership.slug])


@pytest.fixture
def member(client, world):
    world.partnership_a.footprint_rationale = "Follows the police force area."
    world.partnership_a.save()
    sign_in(client, world.member_a)
    return world.member_a


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", BLANK])
def test_the_footprint_rationale_cannot_be_blanked(client, world, member, value):
    response = client.post(url("footprint-rationale", world.partnership_a),
                           {"footprint_rationale": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter the rationale for the footprint" in body
    assert 'href="#id_footprint_rationale"' in body
    world.partnership_a.refresh_from_db()
    assert world.partnership_a.footprint_rationale == "Follows the police force area."


@pytest.mark.django_db
def test_the_footprint_rationale_can_still_be_changed(client, world, member):
    response = client.post(url("footprint-rationale", world.partnership_a),
                           {"footprint_rationale": "  The two boroughs share a police division. "})
    assert response.status_code == 302
    world.partnership_a.refresh_from_db()
    assert world.partnership_a.footprint_rationale == "The two boroughs share a police division."


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [{"notes": ""}, {"notes": BLANK, "where_scope_and_powers": BLANK}])
def test_an_empty_terms_of_reference_version_is_refused(client, world, member, extra):
    response = client.post(url("tor-create", world.partnership_a), extra)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Upload the terms of reference document, or tick the contents" in body
    assert 'href="#id_document"' in body
    assert not TermsOfReference.objects.exists()


@pytest.mark.django_db
def test_a_version_with_only_its_checklist_is_still_accepted(client, world, member):
    from cdphub.framework import guidance

    key = guidance().terms_of_reference_contents[0].key
    response = client.post(url("tor-create", world.partnership_a),
                           {f"addressed_{key}": "on", f"where_{key}": "Section 1"})
    assert response.status_code == 302
    assert TermsOfReference.objects.get().items.filter(addressed=True).count() == 1


@pytest.mark.django_db
def test_an_sro_exception_needs_its_reason_and_date(client, world, member):
    response = client.post(url("sro-exception", world.partnership_a), {
        "sro_exception_rationale": BLANK, "sro_exception_agreed_on_0": "",
        "sro_exception_agreed_on_1": "", "sro_exception_agreed_on_2": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter why core members agreed that the SRO need not hold one of the expected" \
        in body
    assert "Enter the date core members agreed the exception." in body
    world.partnership_a.refresh_from_db()
    assert world.partnership_a.sro_exception_rationale == ""


# Every form with a required text answer, its required fields given only whitespace.
def _forms():
    partnership = Partnership(pk=1, name="Example", slug="example")
    today = dt.date(2024, 6, 1)
    return {
        "PartnershipForm": (lambda d: partnership_forms.PartnershipForm(data=d),
                            ["name", "rationale"]),
        "FootprintChangeForm": (lambda d: partnership_forms.FootprintChangeForm(
            data=d, partnership=partnership, on=today), ["rationale"]),
        "AppointmentForm": (lambda d: partnership_forms.AppointmentForm(data=d),
                            ["full_name"]),
        "SroExceptionForm": (lambda d: partnership_forms.SroExceptionForm(
            data=d, instance=Partnership()), ["sro_exception_rationale"]),
        "RationaleForm": (lambda d: partnership_forms.RationaleForm(
            data=d, instance=Partnership()), ["footprint_rationale"]),
        "MilestoneCompletionForm": (lambda d: partnership_forms.MilestoneCompletionForm(data=d),
                                    ["evidence"]),
        "LocalBodyLinkForm": (lambda d: forms_governance.LocalBodyLinkForm(data=d), ["name"]),
        "SubGroupForm": (lambda d: forms_governance.SubGroupForm(
            data=d, partnership=partnership, on=today), ["name"]),
        "MeetingForm": (lambda d: forms_meetings.MeetingForm(
            data=d, partnership=partnership, on=today), ["title"]),
        "WithdrawMeetingForm": (lambda d: forms_meetings.WithdrawMeetingForm(data=d), ["reason"]),
        "ActionForm": (lambda d: forms_meetings.ActionForm(
            data=d, action=Action(partnership=partnership, description="Act"), on=today),
            ["description"]),
        "WithdrawForm": (lambda d: outcomes_forms.WithdrawForm(data=d), ["reason"]),
        "LocalMetricForm": (lambda d: outcomes_forms.LocalMetricForm(data=d),
                            ["name", "definition", "source", "frequency", "unit"]),
        "SignInForm": (lambda d: accounts_forms.SignInForm(None, data=d), ["email"]),
        "TokenForm": (lambda d: accounts_forms.TokenForm(data=d), ["token"]),
        "GrantRoleForm": (lambda d: forms_roles.GrantRoleForm(data=d), ["email"]),
        "AccessTokenForm": (lambda d: accounts_forms.AccessTokenForm(data=d), ["name"]),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(_forms()))
def test_whitespace_only_answers_are_empty_with_a_message_saying_what_to_enter(world, name):
    make, required = _forms()[name]
    form = make({field: BLANK for field in required})
    assert not form.is_valid()
    for field in required:
        messages = form.errors.get(field, [])
        assert messages, f"{name}.{field} accepted whitespace"
        assert messages[0].startswith("Enter "), messages
        assert messages[0] != "This field is required."
