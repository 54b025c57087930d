"""Who may use the register's pages."""

from tests.url_expectations import (
    ANY_ROLE,
    CENTRAL_ADMIN,
    EDIT_PARTNERSHIP_A,
    LEAD_PARTNERSHIP_A,
    NATIONAL,
    READ_PARTNERSHIP_A,
    partnership_a,
)


def a_footprint_change(world):
    from cdphub.partnerships.models import FootprintChange

    return FootprintChange.objects.create(
        partnership=world.partnership_a, effective_from="2026-04-01", rationale="test").pk


def an_appointment(world):
    from cdphub.partnerships.models import Appointment, Person

    person = Person.objects.create(partnership=world.partnership_a, full_name="Test Person")
    return Appointment.objects.create(partnership=world.partnership_a, person=person,
                                      position="core_member", sector="police",
                                      start_date="2022-08-01").pk


EXPECTED = {
    # Anyone with a role; someone signed in with none has nothing to list.
    "partnerships:list": ({}, ANY_ROLE),
    # Central administrators only (not analysts: issue #10's mutation test).
    "partnerships:create": ({}, CENTRAL_ADMIN),
    "partnerships:national-milestones": ({}, NATIONAL),
    "partnerships:footprint-changes": ({}, NATIONAL),
    "partnerships:detail": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:footprint": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:footprint-rationale": ({"slug": partnership_a}, EDIT_PARTNERSHIP_A),
    # A's SRO and leads, and central administrators, propose footprint changes; a plain
    # member does not.
    "partnerships:footprint-propose": ({"slug": partnership_a}, LEAD_PARTNERSHIP_A),
    "partnerships:footprint-decide": ({"slug": partnership_a, "pk": a_footprint_change},
                                      CENTRAL_ADMIN),
    "partnerships:people": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:appoint": ({"slug": partnership_a}, EDIT_PARTNERSHIP_A),
    "partnerships:end-appointment": ({"slug": partnership_a, "pk": an_appointment},
                                     EDIT_PARTNERSHIP_A),
    "partnerships:sro-exception": ({"slug": partnership_a}, EDIT_PARTNERSHIP_A),
    "partnerships:coverage": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:milestones": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:record-milestone": ({"slug": partnership_a}, EDIT_PARTNERSHIP_A),
    "partnerships:history": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
}
