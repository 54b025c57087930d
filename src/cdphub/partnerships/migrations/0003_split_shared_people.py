"""People belong to one partnership.

Before this migration a person record could be shared by several partnerships (adding a person
matched e-mail addresses across the whole register), so one partnership's member could rename
another partnership's SRO. Each person now belongs to one partnership:

- a person used by one partnership (through an appointment, a sub-group they chair or sit on,
  a meeting they attended or an action they own) belongs to it;
- a person used by several is split: the partnership that appointed them first keeps the
  record, and each other partnership gets its own copy (same name, job title, organisation,
  e-mail address and account), with its appointments, sub-groups, meetings and actions
  pointed at the copy. Each copy gets a history entry saying where it came from;
- a person no partnership uses (no page shows them) is deleted.
"""

from django.db import migrations, models
from django.utils import timezone


def _users(apps, person_id: int) -> list[int]:
    """The partnerships that use a person, the one that appointed them first first."""
    Appointment = apps.get_model("partnerships", "Appointment")
    SubGroup = apps.get_model("partnerships", "SubGroup")
    Meeting = apps.get_model("partnerships", "Meeting")
    Action = apps.get_model("partnerships", "Action")
    ordered: list[int] = []
    sources = [
        Appointment.objects.filter(person_id=person_id).order_by("start_date", "pk")
        .values_list("partnership_id", flat=True),
        SubGroup.objects.filter(models.Q(chair_id=person_id) | models.Q(members__id=person_id))
        .order_by("pk").values_list("partnership_id", flat=True),
        Meeting.objects.filter(attendees__id=person_id).order_by("pk")
        .values_list("partnership_id", flat=True),
        Action.objects.filter(owner_id=person_id).order_by("pk")
        .values_list("partnership_id", flat=True),
    ]
    for source in sources:
        for partnership_id in source:
            if partnership_id not in ordered:
                ordered.append(partnership_id)
    return ordered


def split_shared_people(apps, schema_editor):
    Person = apps.get_model("partnerships", "Person")
    HistoricalPerson = apps.get_model("partnerships", "HistoricalPerson")
    Appointment = apps.get_model("partnerships", "Appointment")
    SubGroup = apps.get_model("partnerships", "SubGroup")
    Meeting = apps.get_model("partnerships", "Meeting")
    Action = apps.get_model("partnerships", "Action")
    members = SubGroup.members.through
    attendees = Meeting.attendees.through
    now = timezone.now()
    for person in Person.objects.order_by("pk").iterator():
        partnerships = _users(apps, person.pk)
        if not partnerships:
            HistoricalPerson.objects.create(
                id=person.pk, full_name=person.full_name, job_title=person.job_title,
                organisation_id=person.organisation_id, email=person.email,
                user_id=person.user_id, history_date=now, history_type="-",
                history_change_reason="Deleted: no partnership uses this person.")
            person.delete()
            continue
        person.partnership_id = partnerships[0]
        person.save(update_fields=["partnership"])
        for partnership_id in partnerships[1:]:
            copy = Person.objects.create(
                partnership_id=partnership_id, full_name=person.full_name,
                job_title=person.job_title, organisation_id=person.organisation_id,
                email=person.email, user_id=person.user_id)
            HistoricalPerson.objects.create(
                id=copy.pk, partnership_id=partnership_id, full_name=copy.full_name,
                job_title=copy.job_title, organisation_id=copy.organisation_id,
                email=copy.email, user_id=copy.user_id, history_date=now, history_type="+",
                history_change_reason=f"Copied from person {person.pk}: each partnership "
                "keeps its own record of the people who take part in it.")
            Appointment.objects.filter(person_id=person.pk, partnership_id=partnership_id) \
                .update(person_id=copy.pk)
            Action.objects.filter(owner_id=person.pk, partnership_id=partnership_id) \
                .update(owner_id=copy.pk)
            groups = SubGroup.objects.filter(partnership_id=partnership_id)
            groups.filter(chair_id=person.pk).update(chair_id=copy.pk)
            members.objects.filter(person_id=person.pk, subgroup__in=groups) \
                .update(person_id=copy.pk)
            attendees.objects.filter(
                person_id=person.pk,
                meeting__in=Meeting.objects.filter(partnership_id=partnership_id)) \
                .update(person_id=copy.pk)


class Migration(migrations.Migration):
    """Its own migration: PostgreSQL cannot create the new columns' indexes, nor make the
    column NOT NULL, in the transaction that updates the rows."""

    dependencies = [
        ("partnerships", "0002_person_partnership"),
    ]

    operations = [
        migrations.RunPython(split_shared_people, migrations.RunPython.noop),
    ]
