"""The findings and sign-off pages: each step shown only to whom it applies, refusals shown in
words with nothing changed, and no record of another partnership reachable or linkable from
this partnership's pages."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cdphub.accounts.models import Role, User
from cdphub.framework import guidance
from cdphub.partnerships.models import Meeting, MilestoneCompletion
from cdphub.planning import actions
from cdphub.planning.forms_signoff import title_from
from cdphub.planning.models import Assessment, Evidence, Finding, Priority
from tests.conftest import make_user, sign_in

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 5, 1)
A = "greater-manchester"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


@pytest.fixture
def lead_a(world):
    return make_user("lead.a@example.org", Role.PARTNERSHIP_LEAD, partnership=world.partnership_a)


def meeting(partnership, held_on=dt.date(2024, 4, 18), title="Partnership board", **extra):
    return Meeting.objects.create(partnership=partnership, held_on=held_on, title=title, **extra)


def evidence(partnership, title, **extra) -> Evidence:
    return Evidence.objects.create(partnership=partnership, title=title,
                                   evidence_type="jsna", dated=dt.date(2024, 1, 1), **extra)


@pytest.fixture
def draft(world):
    return actions.start(partnership=world.partnership_a, by=world.member_a)


def url(name, *args):
    return reverse(f"partnerships:{name}", args=list(args))


# --------------------------------------------------------------------------- findings


def test_a_member_adds_a_finding_with_this_partnerships_evidence(client, world, draft):
    jsna = evidence(world.partnership_a, "JSNA 2023")
    evidence(world.partnership_a, "Withdrawn profile",
             withdrawn_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    evidence(world.partnership_b, "Berkshire JSNA")
    sign_in(client, world.member_a)
    page = client.get(url("finding-add", A, draft.pk, "drug_use"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "JSNA 2023" in html
    assert "Withdrawn profile" not in html and "Berkshire JSNA" not in html
    assert guidance().assessment_section("drug_use").label in html

    response = client.post(url("finding-add", A, draft.pk, "drug_use"), {
        "statement": "Crack cocaine use is rising among people in treatment.",
        "severity": "high", "evidence": [jsna.pk]})
    assert response.status_code == 302
    assert response["Location"] == url("needs-assessment-detail", A, draft.pk) + \
        "#section-drug_use"
    finding = Finding.objects.get()
    assert (finding.assessment, finding.section_key, finding.severity) == (draft, "drug_use",
                                                                           "high")
    assert list(finding.evidence.all()) == [jsna]
    assert finding.created_by is None or finding.created_by == world.member_a


def test_posting_another_partnerships_evidence_is_refused_and_nothing_changes(client, world,
                                                                               draft):
    theirs = evidence(world.partnership_b, "Berkshire JSNA")
    withdrawn = evidence(world.partnership_a, "Withdrawn",
                         withdrawn_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    sign_in(client, world.member_a)
    for wrong in (theirs, withdrawn):
        page = client.post(url("finding-add", A, draft.pk, "drug_use"), {
            "statement": "A finding", "severity": "low", "evidence": [wrong.pk]})
        assert page.status_code == 200
        assert "is not one of the available choices" in page.content.decode()
    assert not Finding.objects.exists()

    ours = evidence(world.partnership_a, "JSNA")
    finding = actions.add_finding(assessment=draft, section_key="crime", statement="Kept",
                                  severity="low", evidence=[ours], by=world.member_a)
    page = client.post(url("finding-edit", A, draft.pk, finding.pk), {
        "statement": "Changed", "severity": "high", "evidence": [theirs.pk]})
    assert page.status_code == 200
    finding.refresh_from_db()
    assert (finding.statement, list(finding.evidence.all())) == ("Kept", [ours])


def test_an_unknown_section_is_not_found(client, world, draft):
    sign_in(client, world.member_a)
    assert client.get(url("finding-add", A, draft.pk, "no_such_section")).status_code == 404


def test_a_finding_is_changed_and_removed_while_draft_and_not_after(client, world, draft,
                                                                    lead_a):
    finding = actions.add_finding(assessment=draft, section_key="crime", statement="Before",
                                  severity="low", by=world.member_a)
    sign_in(client, world.member_a)
    edit = client.get(url("finding-edit", A, draft.pk, finding.pk))
    assert 'name="statement"' in edit.content.decode() and "Before" in edit.content.decode()
    client.post(url("finding-edit", A, draft.pk, finding.pk),
                {"statement": "After", "severity": "medium"})
    finding.refresh_from_db()
    assert (finding.statement, finding.severity) == ("After", "medium")

    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=lead_a)
    for name in ("finding-edit", "finding-remove"):
        response = client.post(url(name, A, draft.pk, finding.pk),
                               {"statement": "Sneaked in", "severity": "high"}, follow=True)
        assert "only while the assessment is a draft" in response.content.decode()
    response = client.post(url("finding-add", A, draft.pk, "crime"),
                           {"statement": "Sneaked in", "severity": "high"})
    assert response.status_code == 302
    assert list(Finding.objects.values_list("statement", flat=True)) == ["After"]

    actions.return_to_draft(assessment=draft, by=lead_a)
    page = client.get(url("finding-remove", A, draft.pk, finding.pk))
    assert "Remove this finding?" in page.content.decode()
    client.post(url("finding-remove", A, draft.pk, finding.pk))
    assert not Finding.objects.exists()


def test_raising_a_finding_prefills_the_title_and_goes_to_the_priorities(client, world, draft,
                                                                         lead_a):
    finding = actions.add_finding(
        assessment=draft, section_key="crime",
        statement="Acquisitive crime linked to drug use rose by a fifth. Most is shoplifting.",
        severity="high", by=world.member_a)
    sign_in(client, lead_a)
    page = client.get(url("finding-raise", A, draft.pk, finding.pk))
    assert page.context["form"].initial["title"] == \
        "Acquisitive crime linked to drug use rose by a fifth"
    response = client.post(url("finding-raise", A, draft.pk, finding.pk),
                           {"title": "Cut drug-linked acquisitive crime", "description": "Why"})
    assert response["Location"] == url("priorities", A)
    priority = Priority.objects.get()
    assert (priority.title, priority.finding, priority.partnership) == (
        "Cut drug-linked acquisitive crime", finding, world.partnership_a)
    # The same title again: refused in words on the form, nothing added.
    page = client.post(url("finding-raise", A, draft.pk, finding.pk),
                       {"title": "cut drug-linked acquisitive crime"})
    assert page.status_code == 200
    assert "already has an active priority called" in page.content.decode()
    assert Priority.objects.count() == 1


def test_a_long_statement_gives_a_short_title():
    long = ("Deaths related to drug misuse in the footprint are twice the England rate and "
            "have risen each year since 2018, most among men aged 35 to 54")
    # Its first 12 words, marked as cut.
    assert title_from(long) == ("Deaths related to drug misuse in the footprint are twice the "
                                "England\u2026")
    assert title_from("Short; and more") == "Short"


# --------------------------------------------------------------------------- the steps


def test_the_agree_page_lists_only_meetings_that_could_have_agreed_it(client, world, draft,
                                                                      lead_a):
    older = meeting(world.partnership_a, held_on=dt.date(2024, 1, 10), title="Older board")
    newer = meeting(world.partnership_a, held_on=dt.date(2024, 4, 18), title="Newer board")
    today = meeting(world.partnership_a, held_on=TODAY, title="Today's board")
    meeting(world.partnership_a, held_on=dt.date(2024, 6, 1), title="Future board")
    meeting(world.partnership_a, title="Withdrawn board",
            withdrawn_at=dt.datetime(2024, 4, 19, tzinfo=dt.UTC))
    theirs = meeting(world.partnership_b, title="Berkshire board")
    sign_in(client, lead_a)
    page = client.get(url("needs-assessment-agree", A, draft.pk))
    offered = list(page.context["form"].fields["meeting"].queryset)
    assert offered == [today, newer, older]
    html = page.content.decode()
    assert "Future board" not in html and "Withdrawn board" not in html
    assert "Berkshire board" not in html

    before = (draft.status, draft.agreed_at_meeting_id)
    page = client.post(url("needs-assessment-agree", A, draft.pk), {"meeting": theirs.pk})
    assert page.status_code == 200
    assert "Select one of this partnership's meetings held by today." in unescape(
        page.content.decode())
    draft.refresh_from_db()
    assert (draft.status, draft.agreed_at_meeting_id) == before

    response = client.post(url("needs-assessment-agree", A, draft.pk), {"meeting": newer.pk})
    assert response["Location"] == url("needs-assessment-detail", A, draft.pk) + "#sign-off"
    draft.refresh_from_db()
    assert (draft.status, draft.agreed_at_meeting, draft.agreed_by) == ("agreed", newer, lead_a)


def test_the_agree_page_says_to_record_the_meeting_first_when_there_is_none(client, world,
                                                                           draft, lead_a):
    sign_in(client, lead_a)
    html = client.get(url("needs-assessment-agree", A, draft.pk)).content.decode()
    assert "has no meeting recorded that was held by today" in html
    assert url("meeting-create", A) in html


def test_the_sro_reads_what_signing_off_does_then_signs_off(client, world, draft, lead_a):
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=lead_a)
    sign_in(client, world.sro_a)
    html = client.get(url("needs-assessment-sign-off", A, draft.pk)).content.decode()
    assert "freezes the assessment's figures as they are today, 1 May 2024" in html
    assert "due by 1 May 2027" in html
    assert "Conduct a joint needs assessment" in html

    response = client.post(url("needs-assessment-sign-off", A, draft.pk))
    assert response["Location"] == url("needs-assessment-detail", A, draft.pk) + "#sign-off"
    draft.refresh_from_db()
    assert (draft.status, draft.signed_off_by, draft.signed_off_on) == ("signed_off",
                                                                       world.sro_a, TODAY)
    assert draft.snapshot["as_at"] == "2024-05-01"

    # The Milestones page: done today, the link to the assessment, the next due in 3 years.
    milestones = client.get(url("milestones", A)).content.decode()
    row = milestones[milestones.index("Conduct a joint needs assessment"):]
    row = row[:row.index("</tr>")]
    assert "1 May 2027" in row and "Not yet due" in row
    link = url("needs-assessment-detail", A, draft.pk)
    completions = milestones[milestones.index("Recorded completions"):]
    assert f'href="{link}"' in completions and "1 May 2024" in completions


def test_the_sro_without_the_second_factor_cannot_sign_off(client, world, draft, lead_a):
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=lead_a)
    sign_in(client, world.sro_a, verified=False)
    response = client.post(url("needs-assessment-sign-off", A, draft.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    draft.refresh_from_db()
    assert draft.status == "agreed" and draft.snapshot is None
    assert not MilestoneCompletion.objects.exists()


def test_a_lead_who_is_not_the_sro_cannot_sign_off(client, world, draft, lead_a):
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=lead_a)
    sign_in(client, lead_a)
    assert client.post(url("needs-assessment-sign-off", A, draft.pk)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "agreed"


@pytest.mark.parametrize("name, message", [
    ("needs-assessment-sign-off", "The partnership must agree the assessment at a recorded "
                                  "meeting before the SRO signs it off."),
    ("needs-assessment-publish", "Only a signed-off assessment can be published."),
    ("needs-assessment-return-to-draft", "Only an agreed assessment that is not yet signed off "
                                         "can go back to draft."),
])
def test_a_step_the_assessment_is_not_ready_for_is_refused_in_words(client, world, draft,
                                                                    name, message):
    sign_in(client, world.sro_a)
    page = client.post(url(name, A, draft.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is a problem" in html and message in html
    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.snapshot) == ("draft", None, None)


def test_return_to_draft_and_publish(client, world, draft, lead_a):
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=lead_a)
    sign_in(client, lead_a)
    assert "Return the assessment to draft?" in client.get(
        url("needs-assessment-return-to-draft", A, draft.pk)).content.decode()
    client.post(url("needs-assessment-return-to-draft", A, draft.pk))
    draft.refresh_from_db()
    assert (draft.status, draft.agreed_at_meeting) == ("draft", None)

    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=lead_a)
    actions.sign_off(assessment=draft, by=world.sro_a)
    assert "marks the assessment for the partnership's public pages" in client.get(
        url("needs-assessment-publish", A, draft.pk)).content.decode()
    client.post(url("needs-assessment-publish", A, draft.pk))
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == lead_a


# --------------------------------------------------------------------------- the partials


def render(template: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(template, context, request=request)


def verified(user):
    """A copy of ``user`` in a session that has given the second factor."""
    user = User.objects.get(pk=user.pk)
    user.is_verified = lambda: True
    return user


def test_the_panel_shows_each_step_and_only_the_buttons_that_apply(world, draft, lead_a):
    partnership = world.partnership_a
    sro = verified(world.sro_a)
    lead = verified(lead_a)
    panel = {who: render("planning/_signoff_panel.html", user, assessment=draft,
                         partnership=partnership)
             for who, user in (("member", world.member_a), ("lead", lead), ("sro", sro))}
    agree = url("needs-assessment-agree", A, draft.pk)
    assert agree in panel["lead"] and agree in panel["sro"] and agree not in panel["member"]
    assert all(url("needs-assessment-sign-off", A, draft.pk) not in p for p in panel.values())

    board = meeting(partnership, title="Partnership board")
    actions.agree(assessment=draft, meeting=board, by=lead_a)
    panel = {who: render("planning/_signoff_panel.html", user, assessment=draft,
                         partnership=partnership)
             for who, user in (("member", world.member_a), ("lead", lead), ("sro", sro))}
    assert url("meeting-detail", A, board.pk) in panel["member"]
    assert "Partnership board, 18 April 2024" in panel["member"]
    sign_off = url("needs-assessment-sign-off", A, draft.pk)
    assert sign_off in panel["sro"] and sign_off not in panel["lead"]
    assert sign_off not in panel["member"]
    back = url("needs-assessment-return-to-draft", A, draft.pk)
    assert back in panel["lead"] and back not in panel["member"]
    # The SRO without the second factor is offered nothing.
    unverified = render("planning/_signoff_panel.html", User.objects.get(pk=world.sro_a.pk),
                        assessment=draft,
                        partnership=partnership)
    assert sign_off not in unverified and back not in unverified

    actions.sign_off(assessment=draft, by=world.sro_a)
    panel = render("planning/_signoff_panel.html", lead, assessment=draft,
                   partnership=partnership)
    assert "Signed off by sro.a on 1 May 2024" in panel
    assert url("needs-assessment-publish", A, draft.pk) in panel
    assert "Publishing marks a signed-off assessment for the public pages." in panel


def test_the_findings_of_a_section_show_severity_evidence_and_priority(world, draft, lead_a):
    partnership = world.partnership_a
    jsna = evidence(partnership, "JSNA 2023")
    finding = actions.add_finding(assessment=draft, section_key="drug_use",
                                  statement="Crack use is rising.", severity="high",
                                  evidence=[jsna], by=world.member_a)
    priority = actions.raise_priority(finding=finding, title="Crack use", by=lead_a)
    section = guidance().assessment_section("drug_use")

    def shown(user):
        return render("planning/_section_findings.html", user, assessment=draft,
                      partnership=partnership, section=section, findings=[finding])

    member, lead = shown(world.member_a), shown(verified(lead_a))
    assert "govuk-tag--red\">High</strong> Crack use is rising." in member
    assert "Evidence: JSNA 2023" in member
    assert f'{url("priorities", A)}#priority-{priority.pk}">Crack use</a>' in member
    add = url("finding-add", A, draft.pk, "drug_use")
    raise_ = url("finding-raise", A, draft.pk, finding.pk)
    assert add in member and add in lead
    assert raise_ in lead and raise_ not in member
    assert add not in shown(world.adviser)  # reads, does not write

    actions.agree(assessment=draft, meeting=meeting(partnership), by=lead_a)
    member, lead = shown(world.member_a), shown(verified(lead_a))
    assert add not in member and url("finding-edit", A, draft.pk, finding.pk) not in member
    assert raise_ in lead  # raising goes on after agreement and sign-off


# --------------------------------------------------------------------------- attackers


@pytest.fixture
def of_b(world):
    """Partnership B's assessment, finding and priority."""
    assessment = actions.start(partnership=world.partnership_b, by=world.member_b)
    finding = Finding.objects.create(assessment=assessment, section_key="crime",
                                     statement="B's finding")
    priority = Priority.objects.create(partnership=world.partnership_b, title="B's priority",
                                       finding=finding)
    return assessment, finding, priority


def test_records_of_another_partnership_are_not_found_under_this_partnerships_address(
        client, world, draft, lead_a, of_b):
    """A's SRO (a member and lead too) addresses B's records under A's slug: every write URL
    answers 404 to GET and POST, and nothing of B's changes."""
    assessment, finding, priority = of_b
    mine = actions.add_finding(assessment=draft, section_key="crime", statement="A's",
                               severity="low", by=world.member_a)
    urls = [
        url("finding-add", A, assessment.pk, "crime"),
        url("finding-edit", A, assessment.pk, finding.pk),
        url("finding-remove", A, assessment.pk, finding.pk),
        url("finding-raise", A, assessment.pk, finding.pk),
        url("finding-edit", A, draft.pk, finding.pk),  # B's finding under A's assessment
        url("finding-remove", A, draft.pk, finding.pk),
        url("finding-raise", A, draft.pk, finding.pk),
        url("finding-edit", A, assessment.pk, mine.pk),  # A's finding under B's assessment
        url("needs-assessment-agree", A, assessment.pk),
        url("needs-assessment-return-to-draft", A, assessment.pk),
        url("needs-assessment-sign-off", A, assessment.pk),
        url("needs-assessment-publish", A, assessment.pk),
        url("priority-edit", A, priority.pk),
        url("priority-status", A, priority.pk),
    ]
    theirs = meeting(world.partnership_b)
    sign_in(client, world.sro_a)
    for address in urls:
        assert client.get(address).status_code == 404, address
        data = {"statement": "Hijacked", "severity": "high", "title": "Hijacked",
                "meeting": theirs.pk, "status": "closed"}
        assert client.post(address, data).status_code == 404, address
    assessment.refresh_from_db()
    finding.refresh_from_db()
    priority.refresh_from_db()
    assert (assessment.status, finding.statement, priority.title, priority.status) == (
        "draft", "B's finding", "B's priority", "active")
    assert Finding.objects.count() == 2 and Priority.objects.count() == 1
    assert Assessment.objects.filter(status="draft").count() == 2


def test_a_member_of_another_partnership_is_refused(client, world, draft):
    sign_in(client, world.member_b)
    response = client.post(url("finding-add", A, draft.pk, "crime"),
                           {"statement": "Hijacked", "severity": "high"})
    assert response.status_code == 403
    assert not Finding.objects.exists()


def test_the_history_lists_findings_priorities_and_the_sign_off(client, world, draft, lead_a):
    finding = actions.add_finding(assessment=draft, section_key="crime",
                                  statement="Acquisitive crime is rising.", severity="high",
                                  by=world.member_a)
    actions.raise_priority(finding=finding, title="Cut acquisitive crime", by=lead_a)
    actions.agree(assessment=draft, meeting=meeting(world.partnership_a), by=lead_a)
    actions.sign_off(assessment=draft, by=world.sro_a)
    sign_in(client, world.member_a)
    page = client.get(url("history", A) + "?type=needs_assessment")
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "Acquisitive crime is rising." in html
    assert "Cut acquisitive crime" in html
    assert "Conduct a joint needs assessment, 1 May 2024" in html
