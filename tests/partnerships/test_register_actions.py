"""The guidance's rules for the register, enforced by cdphub.partnerships.actions."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from cdphub.geography.models import Area
from cdphub.partnerships import actions
from cdphub.partnerships.models import Coverage, FootprintChange, Partnership, Person, Position
from cdphub.partnerships.status import core_coverage, milestone_status, with_register

D = dt.date
START = D(2022, 8, 1)


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def register(name: str, *codes: str, on: dt.date = START) -> Partnership:
    return actions.create_partnership(name=name, areas=[area(c) for c in codes], valid_from=on)


@pytest.mark.django_db
class TestFootprint:
    def test_a_partnership_covers_at_least_one_authority(self):
        with pytest.raises(actions.RegisterError) as error:
            actions.create_partnership(name="Empty", areas=[], valid_from=START)
        assert error.value.field == "authorities"
        assert "at least one upper-tier local authority" in error.value.message
        assert not Partnership.objects.exists()

    def test_only_upper_tier_authorities_in_use_on_the_date(self):
        with pytest.raises(actions.RegisterError, match="not an upper-tier local authority"):
            register("Region", "E12000002")
        with pytest.raises(actions.RegisterError, match="replaced on 1 April 2023"):
            register("Cumbria", "E10000006", on=D(2024, 1, 1))
        with pytest.raises(actions.RegisterError, match="not in use on 1 August 2022"):
            register("Cumberland", "E06000063")  # created in April 2023
        assert not Partnership.objects.exists()

    def test_an_authority_is_in_only_one_partnership_and_the_error_names_it(self):
        register("Greater Manchester", "E08000003", "E08000001")
        with pytest.raises(actions.RegisterError) as error:
            register("Manchester only", "E08000003")
        assert "Manchester (E08000003) is already covered by Greater Manchester" in \
            error.value.message
        assert Partnership.objects.filter(name="Manchester only").count() == 0
        assert Coverage.objects.filter(area__code="E08000003").count() == 1

    def test_the_database_itself_refuses_a_second_open_coverage(self):
        from django.db import IntegrityError, transaction

        a = register("A", "E06000001")
        b = register("B", "E06000002")
        with pytest.raises(IntegrityError), transaction.atomic():
            Coverage.objects.create(partnership=b, area=a.coverages.get().area, valid_from=START)

    def test_duplicate_names_are_refused(self):
        register("Hartlepool CDP", "E06000001")
        with pytest.raises(actions.RegisterError, match="already a partnership called"):
            register("hartlepool cdp", "E06000002")

    def test_a_change_takes_effect_only_when_agreed_and_keeps_history(self, world):
        p = register("Tees", "E06000001", "E06000002")
        change = actions.propose_footprint_change(
            partnership=p, add=[area("E06000003")], remove=[area("E06000002")],
            effective_from=D(2024, 4, 1), rationale="Align with the police force")
        assert set(p.authorities_on(D(2024, 6, 1)).values_list("code", flat=True)) == {
            "E06000001", "E06000002"}  # not yet agreed
        actions.agree_footprint_change(change=change, decided_by=world.central_admin)
        change.refresh_from_db()
        assert change.status == FootprintChange.Status.AGREED
        assert change.decided_by == world.central_admin
        assert set(p.authorities_on(D(2024, 3, 31)).values_list("code", flat=True)) == {
            "E06000001", "E06000002"}
        assert set(p.authorities_on(D(2024, 4, 1)).values_list("code", flat=True)) == {
            "E06000001", "E06000003"}
        middlesbrough = p.coverages.get(area__code="E06000002")
        assert middlesbrough.valid_to == D(2024, 3, 31)  # kept, closed the day before
        with pytest.raises(actions.RegisterError, match="already agreed"):
            actions.agree_footprint_change(change=change, decided_by=world.central_admin)

    def test_a_proposal_needs_a_reason_and_real_changes(self):
        p = register("Tees", "E06000001")
        with pytest.raises(actions.RegisterError) as error:
            actions.propose_footprint_change(partnership=p, add=[area("E06000002")], remove=[],
                                             effective_from=D(2024, 4, 1), rationale=" ")
        assert error.value.field == "rationale"
        with pytest.raises(actions.RegisterError, match="not in this partnership's footprint"):
            actions.propose_footprint_change(partnership=p, add=[], remove=[area("E06000002")],
                                             effective_from=D(2024, 4, 1), rationale="x")
        with pytest.raises(actions.RegisterError, match="at least one upper-tier"):
            actions.propose_footprint_change(partnership=p, add=[], remove=[area("E06000001")],
                                             effective_from=D(2024, 4, 1), rationale="x")
        assert not FootprintChange.objects.exists()

    def test_agreeing_fails_whole_if_another_partnership_took_the_authority(self, world):
        p = register("Tees", "E06000001", "E06000002")
        change = actions.propose_footprint_change(
            partnership=p, add=[area("E06000003")], remove=[area("E06000002")],
            effective_from=D(2024, 4, 1), rationale="x")
        register("Redcar", "E06000003", on=D(2023, 1, 1))
        with pytest.raises(actions.RegisterError, match="already covered by Redcar"):
            actions.agree_footprint_change(change=change, decided_by=world.central_admin)
        change.refresh_from_db()
        assert change.status == FootprintChange.Status.PROPOSED
        assert p.coverages.get(area__code="E06000002").valid_to is None  # nothing half-done

    def test_rejecting_changes_nothing(self, world):
        p = register("Tees", "E06000001")
        change = actions.propose_footprint_change(
            partnership=p, add=[area("E06000002")], remove=[], effective_from=D(2024, 4, 1),
            rationale="x")
        actions.decide_footprint_change(change=change, decided_by=world.central_admin,
                                        status=FootprintChange.Status.REJECTED, note="No")
        assert p.coverages.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_partnerships_claiming_one_authority_at_once_exactly_one_succeeds():
    """Two requests race to register partnerships covering Hartlepool; the database lets
    exactly one through and the other gets a clear error."""
    from cdphub.geography.loader import load_geography

    load_geography()
    hartlepool = area("E06000001")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            actions.create_partnership(name=name, areas=[hartlepool], valid_from=START)
            outcomes.append("ok")
        except actions.RegisterError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("First", "Second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    refusal = next(o for o in outcomes if o != "ok")
    assert "Hartlepool" in refusal or "busy" in refusal
    assert Coverage.objects.filter(area=hartlepool, valid_to__isnull=True).count() == 1
    assert Partnership.objects.count() == 1


@pytest.mark.django_db
class TestPeople:
    def setup_method(self):
        self.person = None

    def _person(self, partnership, name="Alex Doe"):
        return Person.objects.create(partnership=partnership, full_name=name,
                                     email=f"{name.split()[0].lower()}@x.test")

    def test_sro_must_hold_an_expected_role_or_carry_the_agreed_exception(self):
        p = register("Tees", "E06000001")
        with pytest.raises(actions.RegisterError) as error:
            actions.appoint(partnership=p, person=self._person(p), position=Position.SRO,
                            sector="other", start_date=START, sro_role="other")
        assert error.value.field == "sro_role"
        assert "exception" in error.value.message
        p.sro_exception_rationale = "Independent chair agreed by core members"
        p.save()
        sro = actions.appoint(partnership=p, person=self._person(p), position=Position.SRO,
                              sector="other", start_date=START, sro_role="other")
        assert sro.pk

    def test_one_sro_at_a_time_and_a_successor_after_the_end(self):
        p = register("Tees", "E06000001")
        first = actions.appoint(partnership=p, person=self._person(p, "Ann One"),
                                position=Position.SRO, sector="pcc", start_date=START,
                                sro_role="pcc")
        with pytest.raises(actions.RegisterError, match="Ann One is already Senior"):
            actions.appoint(partnership=p, person=self._person(p, "Bob Two"), position=Position.SRO,
                            sector="pcc", start_date=D(2023, 1, 1), sro_role="pcc")
        with pytest.raises(actions.RegisterError, match="on or after the start date"):
            actions.end_appointment(appointment=first, end_date=D(2022, 1, 1))
        actions.end_appointment(appointment=first, end_date=D(2023, 5, 31))
        second = actions.appoint(partnership=p, person=self._person(p, "Bob Two"),
                                 position=Position.SRO, sector="pcc", start_date=D(2023, 6, 1),
                                 sro_role="pcc")
        assert second.pk and p.appointments.filter(position="sro").count() == 2

    def test_elected_members_name_their_tier(self):
        p = register("Tees", "E06000001")
        with pytest.raises(actions.RegisterError) as error:
            actions.appoint(partnership=p, person=self._person(p), position=Position.CORE_MEMBER,
                            sector="elected_members", start_date=START)
        assert error.value.field == "elected_tier"

    def test_coverage_shows_missing_sectors_and_a_two_tier_gap(self):
        p = register("Cambridgeshire", "E10000003")  # a county: two-tier
        actions.appoint(partnership=p, person=self._person(p, "Cllr Upper"),
                        position=Position.CORE_MEMBER, sector="elected_members",
                        start_date=START, elected_tier="upper")
        actions.appoint(partnership=p, person=self._person(p, "Pc Plod"),
                        position=Position.CORE_MEMBER, sector="police", start_date=START)
        coverage = core_coverage(with_register(Partnership.objects.filter(pk=p.pk)).get(),
                                 D(2024, 1, 1))
        assert coverage.represented_count == 2
        assert {s.key for s in coverage.missing} == {
            "local_authority_officials", "nhs", "jobcentre_plus", "treatment_providers", "pcc",
            "probation", "lived_experience", "secure_estate"}
        assert coverage.two_tier and coverage.missing_tier == "lower"
        actions.appoint(partnership=p, person=self._person(p, "Cllr Lower"),
                        position=Position.CORE_MEMBER, sector="elected_members",
                        start_date=START, elected_tier="lower")
        coverage = core_coverage(with_register(Partnership.objects.filter(pk=p.pk)).get(),
                                 D(2024, 1, 1))
        assert coverage.missing_tier is None

    def test_milestones_come_from_the_records(self):
        p = register("Tees", "E06000001")
        actions.appoint(partnership=p, person=self._person(p), position=Position.SRO,
                        sector="pcc", start_date=D(2022, 7, 15), sro_role="pcc")
        statuses = {m.milestone.key: m for m in milestone_status(
            with_register(Partnership.objects.filter(pk=p.pk)).get(), D(2022, 10, 15))}
        assert statuses["sro_nominated"].status == "done"
        assert statuses["sro_nominated"].completed_on == D(2022, 7, 15)
        assert statuses["footprint_confirmed"].status == "done"
        assert statuses["terms_of_reference"].status == "overdue"  # due 30 September 2022
        assert statuses["needs_assessment"].status == "due"  # due 30 November 2022
