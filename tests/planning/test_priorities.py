"""The partnership's priorities page: every priority with the finding and assessment it came
from, changed, closed and reopened by the SRO and leads, and downloaded as CSV or XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.accounts.models import AuditEvent, Role
from cdphub.partnerships.models import Meeting
from cdphub.planning import actions
from cdphub.planning.models import Finding, Priority
from tests.conftest import make_user, sign_in

pytestmark = pytest.mark.django_db

A = "greater-manchester"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = "2024-05-01"


@pytest.fixture
def lead_a(world):
    return make_user("lead.a@example.org", Role.PARTNERSHIP_LEAD, partnership=world.partnership_a)


@pytest.fixture
def raised(world, lead_a):
    """A signed-off assessment whose finding was raised to a priority, and a priority of the
    partnership not raised from a finding."""
    assessment = actions.start(partnership=world.partnership_a, by=world.member_a)
    finding = actions.add_finding(assessment=assessment, section_key="drug_supply",
                                  statement="County lines run from the city centre.",
                                  severity="high", by=world.member_a)
    board = Meeting.objects.create(partnership=world.partnership_a, held_on=dt.date(2024, 4, 1))
    actions.agree(assessment=assessment, meeting=board, by=lead_a)
    actions.sign_off(assessment=assessment, by=world.sro_a)
    priority = actions.raise_priority(finding=finding, title="Disrupt county lines",
                                      description="With the police.", by=lead_a)
    other = Priority.objects.create(partnership=world.partnership_a, title="Naloxone for all")
    return assessment, finding, priority, other


def url(name, *args):
    return reverse(f"partnerships:{name}", args=list(args))


def test_the_page_lists_each_priority_with_the_finding_and_assessment_it_came_from(
        client, world, raised, lead_a):
    assessment, finding, priority, other = raised
    Priority.objects.create(partnership=world.partnership_b, title="Berkshire's priority")
    sign_in(client, world.adviser)  # a reader
    page = client.get(url("priorities", A))
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "Disrupt county lines" in html and "With the police." in html
    assert "County lines run from the city centre." in html
    link = url("needs-assessment-detail", A, assessment.pk)
    assert f'href="{link}#finding-{finding.pk}"' in html
    assert "signed off 1 May 2024" in html
    assert "Naloxone for all" in html and "Not linked to a finding" in html
    assert "Berkshire's priority" not in html
    assert url("priority-edit", A, priority.pk) not in html  # readers do not change them
    assert page.context["section"] == "needs_assessment"
    assert 'aria-current="page">Needs assessment<' in html

    sign_in(client, lead_a)
    html = client.get(url("priorities", A)).content.decode()
    assert url("priority-edit", A, priority.pk) in html
    assert url("priority-status", A, priority.pk) in html


def test_a_lead_changes_a_priority_and_a_repeated_title_is_refused(client, world, raised,
                                                                   lead_a):
    _assessment, _finding, priority, other = raised
    sign_in(client, lead_a)
    page = client.get(url("priority-edit", A, priority.pk))
    assert page.context["form"].initial == {"title": "Disrupt county lines",
                                            "description": "With the police."}
    response = client.post(url("priority-edit", A, priority.pk),
                           {"title": "Disrupt county lines and cuckooing", "description": ""})
    assert response["Location"] == url("priorities", A)
    priority.refresh_from_db()
    assert (priority.title, priority.description) == ("Disrupt county lines and cuckooing", "")

    page = client.post(url("priority-edit", A, other.pk), {"title": "disrupt county lines "
                                                                    "and cuckooing"})
    assert "already has an active priority called" in unescape(page.content.decode())
    other.refresh_from_db()
    assert other.title == "Naloxone for all"


def test_a_lead_closes_and_reopens_a_priority_and_a_repeated_post_is_refused(client, world,
                                                                            raised, lead_a):
    _assessment, _finding, priority, _other = raised
    sign_in(client, lead_a)
    page = client.get(url("priority-status", A, priority.pk))
    assert "Close the priority" in unescape(page.content.decode())
    client.post(url("priority-status", A, priority.pk), {"status": "closed"})
    priority.refresh_from_db()
    assert priority.status == "closed"
    # The same confirmation posted again does not undo it.
    page = client.post(url("priority-status", A, priority.pk), {"status": "closed"})
    assert "The priority is closed already." in page.content.decode()
    priority.refresh_from_db()
    assert priority.status == "closed"

    html = unescape(client.get(url("priorities", A)).content.decode())
    closed = html[html.index("Closed priorities"):]
    assert "Disrupt county lines" in closed and "Reopen" in closed

    # A new active priority takes its title: reopening the old one is refused in words.
    Priority.objects.create(partnership=world.partnership_a, title="Disrupt county lines")
    page = client.post(url("priority-status", A, priority.pk), {"status": "active"})
    assert "already has an active priority called" in unescape(page.content.decode())
    priority.refresh_from_db()
    assert priority.status == "closed"


def test_the_download_lists_every_priority_of_the_partnership(client, world, raised):
    assessment, finding, priority, other = raised
    Priority.objects.create(partnership=world.partnership_b, title="Berkshire's priority")
    sign_in(client, world.member_a)
    response = client.get(url("priorities-download", A, "csv"))
    assert response["Content-Disposition"] == \
        'attachment; filename="greater-manchester-priorities.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Priority"] for r in rows] == ["Disrupt county lines", "Naloxone for all"]
    first = rows[0]
    assert (first["Partnership code"], first["Status"], first["Finding"],
            first["Severity of the finding"], first["Assessment signed off on"]) == (
        "greater-manchester", "Active", "County lines run from the city centre.", "High",
        "2024-05-01")
    assert first["Link to the needs assessment"] == (
        "http://testserver" + url("needs-assessment-detail", A, assessment.pk))
    assert rows[1]["Finding"] == "" and rows[1]["Needs assessment"] == ""
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT,
                                     partnership_id=world.partnership_a.pk).count() == 1

    book = load_workbook(io.BytesIO(client.get(url("priorities-download", A, "xlsx")).content))
    assert book.sheetnames == ["Priorities", "About"]
    assert book["Priorities"]["C2"].value == "Disrupt county lines"
    assert client.get(url("priorities-download", A, "pdf")).status_code == 404


def test_a_priority_of_a_deleted_finding_still_lists(client, world, lead_a):
    assessment = actions.start(partnership=world.partnership_a, by=world.member_a)
    finding = Finding.objects.create(assessment=assessment, section_key="crime", statement="x")
    actions.raise_priority(finding=finding, title="Kept", by=lead_a)
    actions.remove_finding(finding=finding, by=world.member_a)
    sign_in(client, world.member_a)
    html = client.get(url("priorities", A)).content.decode()
    assert "Kept" in html and "Not linked to a finding" in html
