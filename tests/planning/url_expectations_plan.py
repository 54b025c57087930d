"""Who may use the delivery plan's pages (tests/core/test_url_permissions.py).

Everyone who may read partnership A reads its plan, actions, coverage check, comparison and
downloads; its members start and change plans and actions (central administrators do not:
the plan is the partnership's own); its SRO and leads record the plan's agreement, and only
once the session has given the second factor
(``tests/url_expectations.without_second_factor``)."""

from tests.url_expectations import LEADS_A, MEMBERS_A, READ_PARTNERSHIP_A, only, partnership_a

SLUG = {"slug": partnership_a}
MEMBERS_OF_A = only(*MEMBERS_A)
LEADS_OF_A = only(*LEADS_A)


def a_plan(world):
    """Partnership A's draft plan with one action (made once)."""
    return an_action_of(world).plan_id


def an_action_of(world):
    import datetime as dt

    from cdphub.partnerships.models import Appointment, Organisation, Person
    from cdphub.planning.models import Plan, PlanAction, Priority

    a = world.partnership_a
    found = PlanAction.objects.filter(plan__partnership=a).order_by("pk").first()
    if found is not None:
        return found
    plan = (Plan.objects.filter(partnership=a).first()
            or Plan.objects.create(partnership=a, starts_on=dt.date(2024, 4, 1),
                                   ends_on=dt.date(2027, 3, 31)))
    organisation, _ = Organisation.objects.get_or_create(name="Walk council")
    owner = Person.objects.create(partnership=a, full_name="Walk owner",
                                  organisation=organisation)
    Appointment.objects.create(partnership=a, person=owner, position="core_member",
                               sector="local_authority_officials",
                               start_date=dt.date(2022, 1, 1))
    priority = Priority.objects.create(partnership=a, title="Walk priority")
    return PlanAction.objects.create(
        plan=plan, priority=priority, title="Walk action", commitments=["treatment_services"],
        lead_organisation=organisation, owner=owner, starts_on=dt.date(2024, 4, 1),
        due_on=dt.date(2025, 3, 31))


def an_action(world):
    return an_action_of(world).pk


def a_milestone(world):
    import datetime as dt

    from cdphub.planning.models import ActionMilestone

    return ActionMilestone.objects.create(action_id=an_action(world), title="Walk milestone",
                                          due_on=dt.date(2024, 9, 30)).pk


PLAN = {**SLUG, "pk": a_plan}
ACTION = {**SLUG, "pk": an_action}

EXPECTED = {
    "partnerships:plan": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:plan-start": (SLUG, MEMBERS_OF_A),
    "partnerships:plan-detail": (PLAN, READ_PARTNERSHIP_A),
    "partnerships:plan-edit": (PLAN, MEMBERS_OF_A),
    "partnerships:plan-agree": (PLAN, LEADS_OF_A),
    "partnerships:plan-download": ({**PLAN, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:plan-action-add": (PLAN, MEMBERS_OF_A),
    "partnerships:plan-compare": (PLAN, READ_PARTNERSHIP_A),
    "partnerships:plan-compare-download": ({**PLAN, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:plan-action": (ACTION, READ_PARTNERSHIP_A),
    "partnerships:plan-action-edit": (ACTION, MEMBERS_OF_A),
    "partnerships:plan-action-withdraw": (ACTION, MEMBERS_OF_A),
    "partnerships:plan-action-status": (ACTION, MEMBERS_OF_A),
    "partnerships:plan-milestone-add": (ACTION, MEMBERS_OF_A),
    "partnerships:plan-milestone-edit": ({**SLUG, "pk": a_milestone}, MEMBERS_OF_A),
    "partnerships:plan-coverage": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:plan-coverage-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
}
