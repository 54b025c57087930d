"""Who may use the quarterly updates pages and the outbox (tests/core/test_url_permissions.py).

Everyone who may read partnership A reads its updates and downloads them. An update is
recorded by the action's owner or by A's SRO and leads (``planning.record_update``): the walk's
action is owned by a person linked to A's SRO, so A's member (``member_a``), who does not own
it, is refused, as are central users (tests/planning/test_updates_views.py checks that an
owner who is only a member may record theirs). The outbox is for central administrators."""

from tests.url_expectations import CENTRAL_ADMIN, LEADS_A, READ_PARTNERSHIP_A, only, partnership_a

SLUG = {"slug": partnership_a}


def an_agreed_plan(world):
    """Partnership A's agreed plan (at most one at a time), made once."""
    import datetime as dt

    from cdphub.planning.models import Plan

    return (Plan.objects.agreed().filter(partnership=world.partnership_a).first()
            or Plan.objects.create(partnership=world.partnership_a, status=Plan.Status.AGREED,
                                   starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2027, 3, 31)))


def an_action_owned_by_the_sro(world):
    import datetime as dt

    from cdphub.partnerships.models import Organisation, Person
    from cdphub.planning.models import PlanAction, Priority

    a = world.partnership_a
    owner = Person.objects.create(partnership=a, full_name="SRO as owner",
                                  email="sro.a@example.org", user=world.sro_a)
    priority = Priority.objects.create(partnership=a, title="Reduce drug-related deaths")
    organisation, _ = Organisation.objects.get_or_create(name="Manchester City Council")
    return PlanAction.objects.create(
        plan=an_agreed_plan(world), priority=priority, title="Expand naloxone supply",
        commitments=["supply_county_lines"], lead_organisation=organisation, owner=owner,
        starts_on=dt.date(2024, 4, 1), due_on=dt.date(2026, 3, 31)).pk


def an_outbox_message(world):
    from cdphub.accounts.models import OutboxMessage

    return OutboxMessage.objects.create(from_email="no-reply@example.org",
                                        to="amira@example.org", subject="Reminder",
                                        body="Your quarterly update is due.").pk


EXPECTED = {
    "partnerships:plan-updates": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:plan-updates-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:plan-update-record": ({**SLUG, "pk": an_action_owned_by_the_sro},
                                        only(*LEADS_A)),
    "accounts:outbox": ({}, CENTRAL_ADMIN),
    "accounts:outbox-message": ({"pk": an_outbox_message}, CENTRAL_ADMIN),
}
