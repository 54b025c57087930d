"""The register's rules, each written once (``cdphub.partnerships.rules``), and "in use on a
date", written once (``cdphub.core.validity``): each rule answers as the guidance says, and
the actions, the forms and the Appendix 1 import all follow the one function (a test changes
the rule and watches every caller change with it)."""

from __future__ import annotations

import datetime as dt

import pytest

from cdphub.core.validity import is_valid_on
from cdphub.geography.models import Area
from cdphub.partnerships import actions, returns, rules
from cdphub.partnerships.forms import AppointmentForm
from cdphub.partnerships.models import Coverage, Partnership, Person, Position

pytestmark = pytest.mark.django_db

START = dt.date(2022, 8, 1)
BOLTON, BURY, HARTLEPOOL = "E08000001", "E08000002", "E06000001"


def area(code: str) -> Area:
    return Area.objects.get(code=code)


# --- "in use on a date" ----------------------------------------------------------------------


@pytest.mark.parametrize(("first", "last", "on", "expected"), [
    (None, None, dt.date(2000, 1, 1), True),
    (dt.date(2022, 8, 1), None, dt.date(2022, 7, 31), False),
    (dt.date(2022, 8, 1), None, dt.date(2022, 8, 1), True),  # the first day is included
    (dt.date(2022, 8, 1), dt.date(2024, 3, 31), dt.date(2024, 3, 31), True),  # and the last
    (dt.date(2022, 8, 1), dt.date(2024, 3, 31), dt.date(2024, 4, 1), False),
    (None, dt.date(2023, 3, 31), dt.date(1990, 1, 1), True),
])
def test_in_use_on_a_date_in_python_and_in_sql_agree(first, last, on, expected):
    assert is_valid_on(first, last, on) is expected
    # Areas carry the same span in the database: the SQL filter gives the same answer.
    cumbria = Area.objects.filter(code="E10000006")
    cumbria.update(valid_from=first, valid_to=last)
    assert cumbria.valid_on(on).exists() is expected
    assert cumbria.get().is_valid_on(on) is expected


def test_a_partnership_no_longer_counts_an_authority_it_handed_to_another():
    """``authorities_on`` takes the partnership and the dates from the same coverage: it used
    two joins, so Bolton, handed from A to B in April 2024, still counted as A's in 2025 (and A
    could propose removing it again)."""
    a = actions.create_partnership(name="A CDP", areas=[area(BOLTON), area(BURY)],
                                   valid_from=START)
    change = actions.propose_footprint_change(partnership=a, add=[], remove=[area(BOLTON)],
                                              effective_from=dt.date(2024, 4, 1),
                                              rationale="Bolton goes its own way.")
    actions.agree_footprint_change(change=change, decided_by=None)
    actions.create_partnership(name="B CDP", areas=[area(BOLTON)], valid_from=dt.date(2024, 4, 1))

    on = dt.date(2025, 1, 1)
    assert {x.code for x in a.authorities_on(on)} == {BURY}
    assert {x.code for x in a.authorities_on(dt.date(2024, 3, 31))} == {BOLTON, BURY}
    with pytest.raises(actions.RegisterError, match="Bolton is not in this partnership's "
                                                    "footprint on 1 January 2025"):
        actions.propose_footprint_change(partnership=a, add=[], remove=[area(BOLTON)],
                                         effective_from=on, rationale="Again.")


# --- the footprint -------------------------------------------------------------------------


def test_a_footprint_is_made_of_english_upper_tier_authorities_in_use_on_the_date():
    assert rules.authority_problem(area(BOLTON), START) is None
    assert rules.authority_problem(area("E12000002"), START) == \
        rules.AuthorityProblem.NOT_UPPER_TIER  # the North West region
    assert rules.authority_problem(area("E10000006"), dt.date(2023, 4, 1)) == \
        rules.AuthorityProblem.NOT_IN_USE  # Cumbria, replaced that day
    assert rules.authority_problem(area("E10000006"), dt.date(2023, 3, 31)) is None
    wales = Area(code="W06000001", name="Isle of Anglesey", area_type="utla")
    assert rules.authority_problem(wales, START) == rules.AuthorityProblem.NOT_ENGLISH


def test_an_authority_clashes_with_coverage_by_another_partnership_on_or_after_the_date():
    a = actions.create_partnership(name="A CDP", areas=[area(BOLTON), area(BURY)],
                                   valid_from=START)
    Coverage.objects.filter(partnership=a, area__code=BURY).update(valid_to=dt.date(2024, 3, 31))

    def clashing(code: str, on: dt.date, partnership=None) -> bool:
        return rules.clashing_coverage([area(code)], on, partnership).exists()

    assert clashing(BOLTON, dt.date(2030, 1, 1))  # open-ended
    assert clashing(BURY, dt.date(2024, 3, 31))  # ended, but not before that day
    assert not clashing(BURY, dt.date(2024, 4, 1))
    assert not clashing(BOLTON, START, a)  # a partnership does not clash with itself
    assert not clashing(HARTLEPOOL, START)


# --- the SRO and the leads -----------------------------------------------------------------


def test_the_sro_holds_a_listed_role_or_an_exception_recorded_with_its_reason():
    assert rules.sro_problem("pcc", "") is None
    assert rules.sro_problem("la_director", "") is None
    assert rules.sro_problem("other", "An independent chair, agreed by all.") is None
    assert rules.sro_problem("other", "   ") == rules.SroProblem.EXCEPTION_NOT_RECORDED
    assert rules.sro_problem("", "") == rules.SroProblem.NO_ROLE
    assert rules.sro_problem("head_teacher", "A reason") == rules.SroProblem.NO_ROLE


def test_the_sro_and_leads_need_an_email_and_only_the_sro_a_role():
    for position in (Position.SRO, Position.PARTNERSHIP_LEAD, Position.PUBLIC_INVOLVEMENT_LEAD,
                     Position.DATA_LEAD):
        assert rules.needs_contact_email(position)
    assert not rules.needs_contact_email(Position.CORE_MEMBER)
    assert rules.needs_sro_role(Position.SRO)
    assert not rules.needs_sro_role(Position.PARTNERSHIP_LEAD)
    assert rules.needs_elected_tier("elected_members", "")
    assert not rules.needs_elected_tier("elected_members", "upper")
    assert not rules.needs_elected_tier("police", "")


def test_one_person_at_a_time_holds_the_sro_and_each_lead_role():
    partnership = actions.create_partnership(name="A CDP", areas=[area(BOLTON)], valid_from=START)
    people = [Person.objects.create(partnership=partnership, full_name=name)
              for name in ("Ann Lee", "Bo Ray")]
    actions.appoint(partnership=partnership, person=people[0], position=Position.DATA_LEAD,
                    sector="local_authority", start_date=START)
    assert rules.current_holder(partnership, Position.DATA_LEAD).person == people[0]
    assert rules.current_holder(partnership, Position.PARTNERSHIP_LEAD) is None
    actions.appoint(partnership=partnership, person=people[1], position=Position.CORE_MEMBER,
                    sector="police", start_date=START)
    assert rules.current_holder(partnership, Position.CORE_MEMBER) is None  # many may be


# --- one place: change the rule, and every caller follows -----------------------------------


def test_actions_and_the_import_ask_the_same_footprint_rule(monkeypatch):
    monkeypatch.setattr(rules, "authority_problem",
                        lambda area, on: rules.AuthorityProblem.NOT_IN_USE)
    with pytest.raises(actions.RegisterError, match="is not in use on"):
        actions.create_partnership(name="A CDP", areas=[area(BOLTON)], valid_from=START)
    report = returns.read_import(returns.template_csv(), valid_from=START)
    assert [e.column for e in report.errors] == ["authority_codes", "authority_codes"]
    assert "is not an upper-tier local authority on 1 August 2022" in report.errors[0].message
    assert not Partnership.objects.exists()


def test_actions_and_the_import_ask_the_same_clash_rule(monkeypatch):
    b = actions.create_partnership(name="B CDP", areas=[area(HARTLEPOOL)], valid_from=START)
    monkeypatch.setattr(rules, "clashing_coverage",
                        lambda areas, on, partnership=None: Coverage.objects.filter(partnership=b))
    with pytest.raises(actions.RegisterError, match="already covered by B CDP"):
        actions.create_partnership(name="A CDP", areas=[area(BOLTON)], valid_from=START)
    report = returns.read_import(returns.template_csv(), valid_from=START)
    assert "Hartlepool (E06000001) is already covered by B CDP" in report.errors[0].message


def test_actions_the_form_and_the_import_ask_the_same_sro_and_lead_rules(monkeypatch):
    partnership = actions.create_partnership(name="A CDP", areas=[area(BOLTON)], valid_from=START)
    person = Person.objects.create(partnership=partnership, full_name="Ann Lee")
    monkeypatch.setattr(rules, "is_expected_sro_role", lambda role: False)
    with pytest.raises(actions.RegisterError, match="Choose the role the SRO holds"):
        actions.appoint(partnership=partnership, person=person, position=Position.SRO,
                        sector="local_authority", start_date=START, sro_role="la_director")
    report = returns.read_import(returns.template_csv(), valid_from=START)
    assert [e.column for e in report.errors] == ["sro_role"]

    monkeypatch.setattr(rules, "needs_contact_email", lambda position: False)
    monkeypatch.setattr(rules, "needs_elected_tier", lambda sector, tier: True)
    form = AppointmentForm(data={"full_name": "Bo Ray", "position": Position.DATA_LEAD,
                                 "sector": "police", "start_date_0": "1", "start_date_1": "8",
                                 "start_date_2": "2022"})
    assert not form.is_valid()
    assert set(form.errors) == {"elected_tier"}  # no email asked for; a tier asked of police
