"""The quarterly updates pages: the updates of the quarter being collected (the user's own
actions first), earlier quarters, the download; recording an update (the owner, the
partnership's leads; not another member, not another partnership's action), a quarter not yet
over refused on the field, and correcting an update."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.urls import reverse

from cdphub.accounts.models import AuditEvent, Role
from cdphub.partnerships.attention import Kind, needs_attention
from cdphub.planning.models import Plan, PlanAction, QuarterlyUpdate
from cdphub.planning.quarters import Quarter
from tests.conftest import make_user, sign_in
from tests.planning.updates_world import Q1, D, action, person, plan_for, update

Q2 = Quarter(D(2026, 7, 1))


@pytest.fixture
def gm(world, settings):
    """A's agreed plan on 20 July 2026 (Q1's updates were due by 14 July): an action owned by
    member_a, one owned by someone else, and another member and a lead of A."""
    settings.CDPHUB_TODAY = "2026-07-20"
    a = world.partnership_a
    plan = plan_for(a)
    mine = action(plan, person(a, "Member A", user=world.member_a), "Expand naloxone supply")
    theirs = action(plan, person(a, "Bola Ade", "bola@example.org"), "Recovery housing")
    world.other_member = make_user("member2.a@example.org", Role.MEMBER, partnership=a)
    world.lead = make_user("lead.a@example.org", Role.PARTNERSHIP_LEAD, partnership=a)
    return world, plan, mine, theirs


def updates_url(world, query=""):
    return reverse("partnerships:plan-updates", args=[world.partnership_a.slug]) + query


def record_url(slug, pk, query=""):
    return reverse("partnerships:plan-update-record", args=[slug, pk]) + query


def text_of(response) -> str:
    """The page's words, without its tags."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


# --- the updates page -------------------------------------------------------------------------


def test_the_page_lists_the_quarter_being_collected_with_your_actions_first(client, gm):
    world, _plan, mine, theirs = gm
    update(theirs, text="Two properties found.", by=world.lead)
    sign_in(client, world.member_a)
    page = text_of(client.get(updates_url(world)))
    assert f"Now collecting: {Q1.label}" in page
    assert "Updates were due by 14 July 2026" in page
    assert "2 actions to update for this quarter: 1 recorded, 0 due, 1 overdue" in page
    yours, others = page.split("Your actions", 1)[1].split("Other actions", 1)
    assert "Expand naloxone supply" in yours and "Overdue" in yours
    assert "Recovery housing" not in yours
    assert "Recovery housing" in others and "Two properties found." in others
    assert "Recorded by lead.a on " in " ".join(others.split())
    # the owner may record theirs, not the other's
    raw = client.get(updates_url(world)).content.decode()
    assert record_url(world.partnership_a.slug, mine.pk, "?quarter=2026-27+Q1") in raw
    assert record_url(world.partnership_a.slug, theirs.pk) not in raw


def test_someone_with_no_actions_sees_them_all_under_actions(client, gm):
    world, _plan, mine, theirs = gm
    sign_in(client, world.adviser)
    page = text_of(client.get(updates_url(world)))
    assert "Your actions" not in page and "Other actions" not in page
    assert "Expand naloxone supply" in page and "Recovery housing" in page
    assert "/record/" not in client.get(updates_url(world)).content.decode()  # never records


def test_due_until_the_deadline_then_overdue(client, gm, settings):
    world, *_ = gm
    sign_in(client, world.member_a)
    settings.CDPHUB_TODAY = "2026-07-14"
    page = text_of(client.get(updates_url(world)))
    assert "0 recorded, 2 due, none overdue" in page and "Updates are due by 14 July" in page
    settings.CDPHUB_TODAY = "2026-07-15"
    assert "0 recorded, 0 due, 2 overdue" in text_of(client.get(updates_url(world)))


def test_an_earlier_quarter_is_chosen_by_its_code(client, gm, settings):
    world, _plan, mine, _theirs = gm
    settings.CDPHUB_TODAY = "2026-10-20"  # collecting Q2 now
    update(mine, Q1, text="Q1 was busy.")
    sign_in(client, world.member_a)
    page = text_of(client.get(updates_url(world)))
    assert f"Now collecting: {Q2.label}" in page and "Q1 was busy." not in page
    earlier = text_of(client.get(updates_url(world, "?quarter=2026-27+Q1")))
    assert f"Showing {Q1.label}" in earlier and "Q1 was busy." in earlier
    # a quarter not yet over (or nonsense) shows the quarter being collected
    for query in ("?quarter=2026-27+Q3", "?quarter=nonsense"):
        assert f"Now collecting: {Q2.label}" in text_of(client.get(updates_url(world, query)))


def test_an_action_not_under_way_in_the_quarter_is_not_listed(client, gm):
    world, plan, *_ = gm
    action(plan, person(world.partnership_a, "Late Starter"), "Starts in July",
           starts_on=D(2026, 7, 1))
    sign_in(client, world.member_a)
    page = text_of(client.get(updates_url(world)))
    assert "Starts in July" not in page
    assert "1 action is not listed: not yet started by the end of the quarter" in page


def test_without_an_agreed_plan_updates_start_once_one_is_agreed(client, world):
    sign_in(client, world.member_a)
    page = text_of(client.get(updates_url(world)))
    assert "Updates start once a plan is agreed: the partnership has no delivery plan yet." \
        in page
    plan_for(world.partnership_a, status=Plan.Status.DRAFT)
    page = text_of(client.get(updates_url(world)))
    assert "the partnership's plan is still in draft" in page


def test_overdue_updates_need_attention(gm, settings):
    world, _plan, mine, theirs = gm
    [item] = [i for i in needs_attention(world.partnership_a, D(2026, 7, 15))
              if i.kind == Kind.UPDATES_OVERDUE]
    assert item.text == ("2 quarterly updates of delivery plan actions are overdue: the "
                         f"updates for {Q1.label} were due by 14 July 2026.")
    assert item.url == updates_url(world) and item.tag == "Overdue"
    assert not [i for i in needs_attention(world.partnership_a, D(2026, 7, 14))
                if i.kind == Kind.UPDATES_OVERDUE]
    update(mine)
    update(theirs)
    assert not [i for i in needs_attention(world.partnership_a, D(2026, 7, 15))
                if i.kind == Kind.UPDATES_OVERDUE]


# --- recording an update ----------------------------------------------------------------------


def post(client, world, pk, slug=None, **data):
    data = {"quarter": Q1.code, "status": "at_risk", "text": "Slower than planned.", **data}
    return client.post(record_url(slug or world.partnership_a.slug, pk), data)


def test_the_owner_records_their_update(client, gm):
    world, _plan, mine, _theirs = gm
    sign_in(client, world.member_a)
    page = client.get(record_url(world.partnership_a.slug, mine.pk)).content.decode()
    assert "You can enter up to 1000 characters" in page
    assert 'data-module="govuk-character-count"' in page
    response = post(client, world, mine.pk)
    assert response.status_code == 302
    assert response["Location"] == updates_url(world, "?quarter=2026-27+Q1")
    saved = QuarterlyUpdate.objects.get(action=mine)
    assert (saved.quarter_start, saved.status, saved.text, saved.recorded_by) == (
        Q1.start, "at_risk", "Slower than planned.", world.member_a)
    mine.refresh_from_db()
    assert mine.status == PlanAction.Status.AT_RISK
    banner = client.get(response["Location"]).content.decode()
    assert (f"The update for \u201cExpand naloxone supply\u201d for {Q1.label} is recorded."
            in html.unescape(banner))
    assert "govuk-notification-banner--success" in banner


def test_another_member_who_does_not_own_the_action_is_refused(client, gm):
    world, _plan, mine, _theirs = gm
    sign_in(client, world.other_member)
    assert client.get(record_url(world.partnership_a.slug, mine.pk)).status_code == 403
    assert post(client, world, mine.pk).status_code == 403
    assert not QuarterlyUpdate.objects.exists()


def test_the_partnership_lead_records_on_the_owners_behalf(client, gm):
    world, _plan, _mine, theirs = gm
    sign_in(client, world.lead)
    assert post(client, world, theirs.pk).status_code == 302
    assert QuarterlyUpdate.objects.get(action=theirs).recorded_by == world.lead


def test_the_lead_without_the_second_factor_is_refused(client, gm):
    world, _plan, _mine, theirs = gm
    sign_in(client, world.lead, verified=False)
    assert post(client, world, theirs.pk).status_code == 302  # sent to give the code
    assert not QuarterlyUpdate.objects.exists()


def test_another_partnerships_action_is_not_found(client, gm):
    world, _plan, mine, _theirs = gm
    b = world.partnership_b
    berkshire = action(plan_for(b), person(b, "Berkshire Owner", user=world.member_b))
    # A's member, with A's address and B's action: not found, nothing recorded
    sign_in(client, world.member_a)
    assert client.get(record_url(world.partnership_a.slug, berkshire.pk)).status_code == 404
    assert post(client, world, berkshire.pk).status_code == 404
    # B's member, who owns B's action, with B's address and A's action
    sign_in(client, world.member_b)
    assert post(client, world, mine.pk, slug=b.slug).status_code == 404
    assert client.get(record_url(b.slug, berkshire.pk)).status_code == 200
    assert not QuarterlyUpdate.objects.exists()


def test_a_quarter_not_yet_over_is_refused_on_the_field(client, gm):
    world, _plan, mine, _theirs = gm
    sign_in(client, world.member_a)
    response = post(client, world, mine.pk, quarter=Q2.code)  # July to September 2026
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"quarter": [
        f"Choose a quarter that has ended: the update for {Q2.label} is recorded once the "
        "quarter is over."]}
    assert "govuk-error-summary" in response.content.decode()
    # and a quarter before the action started
    response = post(client, world, mine.pk, quarter="2025-26 Q4")
    assert list(response.context["form"].errors) == ["quarter"]
    assert not QuarterlyUpdate.objects.exists()


def test_the_text_is_short_and_required(client, gm):
    world, _plan, mine, _theirs = gm
    sign_in(client, world.member_a)
    response = post(client, world, mine.pk, text="x" * 1001)
    assert response.context["form"].errors == {"text": [
        "Update must be 1,000 characters or fewer."]}
    response = post(client, world, mine.pk, text="   ", status="")
    assert set(response.context["form"].errors) == {"text", "status"}
    assert not QuarterlyUpdate.objects.exists()


def test_recording_again_for_the_quarter_corrects_the_update(client, gm, settings):
    world, _plan, mine, _theirs = gm
    first = update(mine, Q1, status="on_track", text="All fine.", by=world.member_a)
    QuarterlyUpdate.objects.filter(pk=first.pk).update(
        recorded_at=dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC))
    sign_in(client, world.lead)
    response = client.get(record_url(world.partnership_a.slug, mine.pk, "?quarter=2026-27+Q1"))
    page = text_of(response)
    assert f"An update for {Q1.label} was recorded by member.a on 2 July 2026" in page
    assert "Saving corrects it" in page and "All fine.</textarea>" in response.content.decode()
    assert "Save the correction" in page
    response = post(client, world, mine.pk, status="off_track", text="Not fine after all.")
    assert response.status_code == 302
    [saved] = QuarterlyUpdate.objects.filter(action=mine)
    assert (saved.pk, saved.status, saved.text) == (first.pk, "off_track", "Not fine after all.")
    # the correction is credited to who made it, when they made it
    assert saved.recorded_by == world.lead
    assert saved.recorded_at.date() != dt.date(2026, 7, 2)
    assert "is corrected." in text_of(client.get(response["Location"]))
    assert saved.history.count() == 2  # the first version stays in History


def test_an_earlier_quarter_may_be_recorded(client, gm, settings):
    world, _plan, mine, _theirs = gm
    settings.CDPHUB_TODAY = "2026-10-20"
    sign_in(client, world.member_a)
    form = client.get(record_url(world.partnership_a.slug, mine.pk)).context["form"]
    assert [code for code, _label in form.fields["quarter"].choices] == [Q2.code, Q1.code]
    assert form.initial["quarter"] == Q2.code  # the last quarter to end
    assert post(client, world, mine.pk, quarter=Q1.code).status_code == 302
    assert QuarterlyUpdate.objects.get(action=mine).quarter_start == Q1.start


def test_a_withdrawn_action_or_a_draft_plan_takes_no_update(client, gm):
    world, plan, mine, _theirs = gm
    sign_in(client, world.member_a)
    mine.withdrawn_at = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    mine.save()
    response = post(client, world, mine.pk)
    assert response.status_code == 200
    assert "This action was withdrawn: it needs no more updates." in text_of(response)
    mine.withdrawn_at = None
    mine.save()
    plan.status = Plan.Status.DRAFT
    plan.save()
    response = post(client, world, mine.pk)
    assert "Updates are recorded once the plan is agreed" in text_of(response)
    assert not QuarterlyUpdate.objects.exists()


def test_an_action_started_this_quarter_has_no_quarter_to_update_yet(client, gm):
    world, plan, *_ = gm
    new = action(plan, person(world.partnership_a, "Member A again", user=world.member_a),
                 "Started in July", starts_on=D(2026, 7, 1))
    sign_in(client, world.member_a)
    page = text_of(client.get(record_url(world.partnership_a.slug, new.pk)))
    assert f"its first update can be recorded once {Q2.label} is over" in page


# --- the download -----------------------------------------------------------------------------


def test_the_download_has_every_update_of_the_plan_one_row_each(client, gm, settings):
    world, _plan, mine, theirs = gm
    settings.CDPHUB_TODAY = "2026-10-20"
    update(mine, Q1, text="Q1 of mine.", by=world.member_a)
    update(mine, Q2, status="complete", text="Q2 of mine.", by=world.member_a)
    update(theirs, Q1, status="off_track", text="Q1 of theirs.")
    sign_in(client, world.adviser)
    response = client.get(reverse("partnerships:plan-updates-download",
                                  args=[world.partnership_a.slug, "csv"]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Action"], r["Quarter"], r["Status"], r["Update"]) for r in rows] == [
        ("Expand naloxone supply", "2026-27 Q1", "On track", "Q1 of mine."),
        ("Expand naloxone supply", "2026-27 Q2", "Complete", "Q2 of mine."),
        ("Recovery housing", "2026-27 Q1", "Off track", "Q1 of theirs."),
    ]
    assert rows[0]["Quarter start"] == "2026-04-01" and rows[0]["Quarter end"] == "2026-06-30"
    assert rows[0]["Update due by"] == "2026-07-14" and rows[0]["Recorded by"] == "member.a"
    assert rows[0]["Partnership code"] == "greater-manchester"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, actor_id=world.adviser.pk,
                                     target="quarterly updates of greater-manchester (CSV)")\
        .exists()
    xlsx = client.get(reverse("partnerships:plan-updates-download",
                              args=[world.partnership_a.slug, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith(
        'greater-manchester-quarterly-updates.xlsx"')
    assert client.get(reverse("partnerships:plan-updates-download",
                              args=[world.partnership_a.slug, "pdf"])).status_code == 404
