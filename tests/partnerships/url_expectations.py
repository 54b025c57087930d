"""Who may use the register's pages."""

from tests.url_expectations import (
    ALLOWED,
    CENTRAL_ADMIN,
    EDIT_PARTNERSHIP_A,
    FORBIDDEN,
    NATIONAL,
    READ_PARTNERSHIP_A,
    SIGN_IN,
    SIGNED_IN,
    expect,
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


# Members of A with a lead role, and central administrators, propose footprint changes. The
# walk's member_a is a plain member, so is refused.
PROPOSE = expect(SIGN_IN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED)

EXPECTED = {
    "partnerships:list": ({}, SIGNED_IN),
    "partnerships:create": ({}, CENTRAL_ADMIN),
    "partnerships:national-milestones": ({}, NATIONAL),
    "partnerships:footprint-changes": ({}, NATIONAL),
    "partnerships:detail": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:footprint": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:footprint-rationale": ({"slug": partnership_a}, EDIT_PARTNERSHIP_A),
    "partnerships:footprint-propose": ({"slug": partnership_a}, PROPOSE),
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
