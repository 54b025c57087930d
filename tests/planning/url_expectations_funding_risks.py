"""Who may use the funding streams register and the risks and disagreements log: everyone
who may read partnership A reads them (planning.view_plan); A's members write them
(planning.change_plan; central administrators read them like any central user)."""

from tests.url_expectations import MEMBERS_A, READ_PARTNERSHIP_A, only, partnership_a

CHANGE_PLAN_A = only(*MEMBERS_A)


def a_funding_stream(world):
    import datetime as dt

    from cdphub.partnerships.models import Organisation, Person
    from cdphub.planning.models import FundingStream

    council, _ = Organisation.objects.get_or_create(name="Manchester City Council")
    Person.objects.create(partnership=world.partnership_a, full_name="Fran Finance",
                          organisation=council)
    return FundingStream.objects.create(
        partnership=world.partnership_a, name="SSMTRG", amount="1000000",
        starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2025, 3, 31), holder=council).pk


def an_open_risk(world):
    import datetime as dt

    from cdphub.planning.models import Risk

    return Risk.objects.create(partnership=world.partnership_a, title="Loss of detox beds",
                               likelihood=4, impact=5, raised_on=dt.date(2024, 3, 1)).pk


SLUG = {"slug": partnership_a}
STREAM = {**SLUG, "pk": a_funding_stream}
RISK = {**SLUG, "pk": an_open_risk}

EXPECTED = {
    "partnerships:plan-funding": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:plan-funding-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:plan-funding-add": (SLUG, CHANGE_PLAN_A),
    "partnerships:plan-funding-edit": (STREAM, CHANGE_PLAN_A),
    "partnerships:plan-funding-withdraw": (STREAM, CHANGE_PLAN_A),
    "partnerships:plan-risks": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:plan-risks-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:plan-risk-add": (SLUG, CHANGE_PLAN_A),
    "partnerships:plan-risk-edit": (RISK, CHANGE_PLAN_A),
    "partnerships:plan-risk-close": (RISK, CHANGE_PLAN_A),
}
