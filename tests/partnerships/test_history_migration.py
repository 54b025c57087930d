"""Migration 0006 makes history written before change sets read as one entry per save, and
gives each meeting's latest version the attendees it has, so that the first change after it is
not shown as adding every attendee."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from cdphub.partnerships import history
from cdphub.partnerships.models import (
    Decision,
    Meeting,
    Person,
    TermsOfReference,
    TermsOfReferenceItem,
)

migration = importlib.import_module(
    "cdphub.partnerships.migrations.0006_meeting_withdrawal_and_attendee_history")


@pytest.mark.django_db
def test_parts_created_with_their_record_join_its_save(world):
    p = world.partnership_a
    # As before change sets: each record written with its own time.
    terms = TermsOfReference.objects.create(partnership=p, version=1)
    for key in ("scope_and_powers", "partner_roles"):
        TermsOfReferenceItem.objects.create(terms=terms, content_key=key)
    meeting = Meeting.objects.create(partnership=p, held_on=dt.date(2023, 5, 10))
    Decision.objects.create(meeting=meeting, text="Agreed")
    late = Decision.objects.create(meeting=meeting, text="Added a day later")
    late.history.update(history_date=late.history.get().history_date + dt.timedelta(days=1))
    assert len(history.groups(history.versions(p.pk))) == 1 + 6  # the partnership, then each

    migration.group_earlier_saves(apps, None)

    saves = history.groups(history.versions(p.pk))
    sizes = sorted(len(save.versions) for save in saves)
    # The partnership; the late decision; the meeting with its first decision; the terms with
    # their two items.
    assert sizes == [1, 1, 2, 3]


@pytest.mark.django_db
def test_each_meetings_latest_version_records_who_attended(world):
    p = world.partnership_a
    pat = Person.objects.create(partnership=p, full_name="Pat Police")
    meeting = Meeting.objects.create(partnership=p, held_on=dt.date(2023, 5, 10))
    meeting.attendees.through.objects.create(meeting=meeting, person=pat)  # no history, as before
    snapshots = apps.get_model("partnerships", "HistoricalMeeting_attendees")
    assert not snapshots.objects.exists()

    migration.snapshot_attendees(apps, None)

    latest = meeting.history.order_by("-history_date").first()
    assert list(snapshots.objects.filter(history_id=latest.history_id).values_list(
        "person_id", flat=True)) == [pat.pk]
