"""Who may use the governance, meetings and actions pages."""

from tests.url_expectations import EDIT_PARTNERSHIP_A, READ_PARTNERSHIP_A, partnership_a


def a_terms_version(world):
    from cdphub.partnerships.models import TermsOfReference

    terms, _created = TermsOfReference.objects.get_or_create(
        partnership=world.partnership_a, version=1, defaults={"agreed_on": "2022-09-20"})
    return terms.version


def a_sub_group(world):
    from cdphub.partnerships.models import SubGroup

    return SubGroup.objects.create(partnership=world.partnership_a,
                                   name="Treatment and recovery group").pk


def a_meeting(world):
    from cdphub.partnerships.models import Meeting

    return Meeting.objects.create(partnership=world.partnership_a, held_on="2022-09-27").pk


def an_action(world):
    from cdphub.partnerships.models import Action

    return Action.objects.create(partnership=world.partnership_a,
                                 description="Draft the needs assessment").pk


SLUG = {"slug": partnership_a}

EXPECTED = {
    "partnerships:governance": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:governance-map": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:tor-create": (SLUG, EDIT_PARTNERSHIP_A),
    "partnerships:tor-detail": ({**SLUG, "version": a_terms_version}, READ_PARTNERSHIP_A),
    # A version without a document redirects to its page; tests/partnerships/test_governance.py
    # checks the download itself.
    "partnerships:tor-document": ({**SLUG, "version": a_terms_version}, READ_PARTNERSHIP_A),
    "partnerships:subgroup-create": (SLUG, EDIT_PARTNERSHIP_A),
    "partnerships:subgroup-edit": ({**SLUG, "pk": a_sub_group}, EDIT_PARTNERSHIP_A),
    "partnerships:link-create": (SLUG, EDIT_PARTNERSHIP_A),
    "partnerships:meetings": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:meeting-create": (SLUG, EDIT_PARTNERSHIP_A),
    "partnerships:meeting-detail": ({**SLUG, "pk": a_meeting}, READ_PARTNERSHIP_A),
    "partnerships:meeting-edit": ({**SLUG, "pk": a_meeting}, EDIT_PARTNERSHIP_A),
    "partnerships:meeting-withdraw": ({**SLUG, "pk": a_meeting}, EDIT_PARTNERSHIP_A),
    "partnerships:actions": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:action-update": ({**SLUG, "pk": an_action}, EDIT_PARTNERSHIP_A),
    "partnerships:action-edit": ({**SLUG, "pk": an_action}, EDIT_PARTNERSHIP_A),
}
