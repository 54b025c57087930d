"""Migration 0003 gives every person one partnership, splitting people that several
partnerships shared (before it, adding a person matched e-mail addresses across the whole
register)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from cdphub.partnerships.models import (
    Action,
    Appointment,
    Meeting,
    Organisation,
    Person,
    SubGroup,
)

migration = importlib.import_module("cdphub.partnerships.migrations.0003_split_shared_people")


@pytest.mark.django_db
def test_a_person_shared_by_two_partnerships_is_split_and_an_unused_one_deleted(world):
    a, b = world.partnership_a, world.partnership_b
    council = Organisation.objects.create(name="Example Council")
    # As the old code left it: one record used by both partnerships (its partnership column
    # is what the migration works out, so start it at the wrong one).
    shared = Person.objects.create(partnership=b, full_name="Sam Shared", job_title="Director",
                                   organisation=council, email="sam@example.org",
                                   user=world.member_a)
    Appointment.objects.create(partnership=a, person=shared, position="sro", sector="pcc",
                               sro_role="pcc", start_date=dt.date(2021, 1, 1))
    in_b = Appointment.objects.create(partnership=b, person=shared, position="core_member",
                                      sector="police", start_date=dt.date(2022, 1, 1))
    group_a = SubGroup.objects.create(partnership=a, name="A group", chair=shared)
    group_a.members.set([shared])
    group_b = SubGroup.objects.create(partnership=b, name="B group", chair=shared)
    group_b.members.set([shared])
    meeting_a = Meeting.objects.create(partnership=a, held_on=dt.date(2022, 2, 1))
    meeting_a.attendees.set([shared])
    meeting_b = Meeting.objects.create(partnership=b, held_on=dt.date(2022, 2, 1))
    meeting_b.attendees.set([shared])
    action_b = Action.objects.create(partnership=b, meeting=meeting_b, description="Do it",
                                     owner=shared)
    unused = Person.objects.create(partnership=a, full_name="Nobody Uses")

    migration.split_shared_people(apps, None)

    shared.refresh_from_db()
    assert shared.partnership == a  # the partnership that appointed them first keeps it
    copy = Person.objects.get(partnership=b)
    assert (copy.full_name, copy.job_title, copy.organisation, copy.email, copy.user) == (
        "Sam Shared", "Director", council, "sam@example.org", world.member_a)
    assert list(Appointment.objects.filter(person=shared).values_list("partnership", flat=True)) \
        == [a.pk]
    in_b.refresh_from_db()
    assert in_b.person == copy
    group_a.refresh_from_db()
    group_b.refresh_from_db()
    assert (group_a.chair, list(group_a.members.all())) == (shared, [shared])
    assert (group_b.chair, list(group_b.members.all())) == (copy, [copy])
    assert list(meeting_a.attendees.all()) == [shared]
    assert list(meeting_b.attendees.all()) == [copy]
    action_b.refresh_from_db()
    assert action_b.owner == copy
    assert not Person.objects.filter(pk=unused.pk).exists()
    # Both changes are in the people's history.
    assert copy.history.filter(
        history_change_reason__startswith=f"Copied from person {shared.pk}:").exists()
    assert Person.history.filter(id=unused.pk, history_type="-",
                                 history_change_reason__startswith="Deleted").exists()
