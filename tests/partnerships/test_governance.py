"""Governance pages: terms of reference versions and checklist, document upload and download,
sub-groups (and reporting loops), links to local bodies, and the governance map on the page."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from cdphub.accounts.models import AuditEvent
from cdphub.framework import guidance
from cdphub.partnerships import governance
from cdphub.partnerships.models import (
    Appointment,
    LocalBodyLink,
    Person,
    SubGroup,
    TermsOfReference,
    TermsOfReferenceItem,
)
from tests.conftest import sign_in

CONTENTS = [c.key for c in guidance().terms_of_reference_contents]
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\x00" * 100


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


def appoint(partnership, name: str, sector: str, start="2022-08-01", end=None) -> Person:
    person = Person.objects.create(partnership=partnership, full_name=name)
    Appointment.objects.create(partnership=partnership, person=person, position="core_member",
                               sector=sector, start_date=start, end_date=end)
    return person


def checklist(addressed: int = 10, **extra) -> dict:
    """POST data for the terms-of-reference form with the first ``addressed`` contents ticked."""
    data = {"agreed_on_0": "20", "agreed_on_1": "9", "agreed_on_2": "2022",
            "review_due_0": "20", "review_due_1": "9", "review_due_2": "2023", "notes": ""}
    for n, key in enumerate(CONTENTS):
        if n < addressed:
            data[f"addressed_{key}"] = "on"
            data[f"where_{key}"] = f"Section {n + 1}"
    data.update(extra)
    return data


@pytest.fixture
def member(client, world):
    sign_in(client, world.member_a)
    return world.member_a


# --- terms of reference ---------------------------------------------------------------------


def test_page_warns_when_no_terms_of_reference_are_recorded(client, world, member):
    response = client.get(url("governance", world.partnership_a))
    assert response.status_code == 200
    assert "No terms of reference are recorded" in response.content.decode()


def test_versions_number_automatically_per_partnership(client, world, member):
    first = client.post(url("tor-create", world.partnership_a), checklist())
    assert first.status_code == 302
    assert first["Location"] == url("tor-detail", world.partnership_a, version=1)
    second = client.post(url("tor-create", world.partnership_a), checklist(addressed=7))
    assert second["Location"] == url("tor-detail", world.partnership_a, version=2)
    assert list(world.partnership_a.terms_of_reference.values_list("version", flat=True)) \
        == [2, 1]
    TermsOfReference.objects.create(partnership=world.partnership_b, version=1)
    sign_in(client, world.member_b)
    client.post(url("tor-create", world.partnership_b), checklist())
    assert sorted(world.partnership_b.terms_of_reference.values_list("version", flat=True)) \
        == [1, 2]
    latest = world.partnership_a.terms_of_reference.first()
    assert latest.uploaded_by == world.member_a
    assert latest.items.count() == 10
    assert latest.items.filter(addressed=True).count() == 7


def test_ticked_content_without_where_is_refused_naming_the_content(client, world, member):
    key = CONTENTS[3]
    label = guidance().label("terms_of_reference_contents", key)
    response = client.post(url("tor-create", world.partnership_a),
                           checklist(**{f"where_{key}": "  "}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert f"Enter where the terms of reference address: {label}." in body
    assert f'href="#id_where_{key}"' in body
    assert not TermsOfReference.objects.exists()


def test_where_under_an_unticked_box_is_ignored(client, world, member):
    key = CONTENTS[0]
    data = checklist()
    del data[f"addressed_{key}"]
    client.post(url("tor-create", world.partnership_a), data)
    item = TermsOfReferenceItem.objects.get(content_key=key)
    assert (item.addressed, item.where) == (False, "")


def test_review_date_must_follow_the_agreed_date(client, world, member):
    response = client.post(url("tor-create", world.partnership_a),
                           checklist(review_due_2="2021"))
    assert "The review date must be after the date agreed." in response.content.decode()
    assert not TermsOfReference.objects.exists()


@override_settings(CDPHUB_TODAY="2023-10-01")
def test_page_shows_completeness_and_warns_of_gaps_and_a_passed_review(client, world, member):
    client.post(url("tor-create", world.partnership_a), checklist(addressed=8))
    body = client.get(url("governance", world.partnership_a)).content.decode()
    assert "8 of 10 contents addressed" in body
    assert "2 missing" in body
    for key in CONTENTS[8:]:
        assert guidance().label("terms_of_reference_contents", key).lower() in body
    assert "The review date, 20 September 2023, has passed." in body
    assert "Review overdue" in body


@override_settings(CDPHUB_TODAY="2023-09-01")
def test_no_warnings_for_a_complete_version_before_its_review(client, world, member):
    client.post(url("tor-create", world.partnership_a), checklist())
    body = client.get(url("governance", world.partnership_a)).content.decode()
    assert "10 of 10 contents addressed" in body
    assert "Complete" in body
    assert "has passed" not in body
    assert "govuk-warning-text" not in body


def test_new_version_starts_from_the_last_checklist(client, world, member):
    client.post(url("tor-create", world.partnership_a), checklist(addressed=3))
    body = client.get(url("tor-create", world.partnership_a)).content.decode()
    assert 'value="Section 2"' in body
    assert body.count('type="checkbox" name="addressed_') == 10
    assert body.count("checked") == 3


def test_detail_lists_the_checklist(client, world, member):
    client.post(url("tor-create", world.partnership_a), checklist(addressed=9))
    body = client.get(url("tor-detail", world.partnership_a, version=1)).content.decode()
    assert body.count("Not addressed") == 1
    assert body.count(">Addressed<") == 9
    assert "Section 9" in body


def test_unknown_version_is_not_found(client, world, member):
    assert client.get(url("tor-detail", world.partnership_a, version=4)).status_code == 404


# --- uploads ------------------------------------------------------------------------------


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize("name, content, message", [
    ("terms.exe", PDF, "The document must be a PDF, DOCX or ODT file."),
    ("terms.txt", b"plain text", "The document must be a PDF, DOCX or ODT file."),
    ("terms", PDF, "The document must be a PDF, DOCX or ODT file."),
    ("terms.pdf", b"MZ\x90\x00 not really a pdf", "The document is not a real PDF file."),
    ("terms.docx", PDF, "The document is not a real DOCX file."),
    ("terms.pdf", b"", "The submitted file is empty."),  # Django's own check
])
def test_bad_documents_are_refused_and_nothing_is_saved(client, world, member, media, name,
                                                        content, message):
    data = checklist(document=SimpleUploadedFile(name, content))
    response = client.post(url("tor-create", world.partnership_a), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in body
    assert not TermsOfReference.objects.exists()
    assert not TermsOfReferenceItem.objects.exists()
    assert stored_files(media) == []


def test_documents_over_10_mb_are_refused(client, world, member, media):
    too_big = PDF + b"0" * (governance.MAX_DOCUMENT_BYTES + 1 - len(PDF))
    response = client.post(url("tor-create", world.partnership_a),
                           checklist(document=SimpleUploadedFile("terms.pdf", too_big)))
    assert "The document must be smaller than 10 MB." in response.content.decode()
    assert not TermsOfReference.objects.exists()
    assert stored_files(media) == []


def test_a_document_of_exactly_10_mb_is_accepted(client, world, member, media):
    exact = PDF + b"0" * (governance.MAX_DOCUMENT_BYTES - len(PDF))
    response = client.post(url("tor-create", world.partnership_a),
                           checklist(document=SimpleUploadedFile("terms.pdf", exact)))
    assert response.status_code == 302
    assert [p.stat().st_size for p in stored_files(media)] == [governance.MAX_DOCUMENT_BYTES]


def test_a_failure_part_way_saves_nothing_and_keeps_no_file(client, world, member, media,
                                                            monkeypatch):
    real_create = TermsOfReferenceItem.objects.create
    calls = []

    def failing_create(**kwargs):
        calls.append(kwargs)
        if len(calls) == 5:
            raise RuntimeError("database went away")
        return real_create(**kwargs)

    monkeypatch.setattr(TermsOfReferenceItem.objects, "create", failing_create)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(url("tor-create", world.partnership_a),
                    checklist(document=SimpleUploadedFile("terms.pdf", PDF)))
    assert len(calls) == 5
    assert not TermsOfReference.objects.exists()
    assert not TermsOfReferenceItem.objects.exists()
    assert stored_files(media) == []


def upload(client, partnership, name="Our terms.docx", content=DOCX) -> TermsOfReference:
    response = client.post(url("tor-create", partnership),
                           checklist(document=SimpleUploadedFile(name, content)))
    assert response.status_code == 302
    return partnership.terms_of_reference.first()


def test_document_is_stored_privately_and_downloaded_with_an_audit_event(client, world, member,
                                                                          media, settings):
    terms = upload(client, world.partnership_a)
    assert terms.document.name.startswith("terms-of-reference/")
    assert terms.document.name.endswith(".docx")
    # Not served from a public media URL
    assert client.get(settings.MEDIA_URL + terms.document.name).status_code == 404

    response = client.get(url("tor-document", world.partnership_a, version=1))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DOCX
    assert response["Content-Disposition"].startswith("attachment;")
    assert "greater-manchester-terms-of-reference-v1.docx" in response["Content-Disposition"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    event = AuditEvent.objects.get(kind="export")
    assert event.partnership_id == world.partnership_a.pk
    assert event.actor_id == world.member_a.pk
    assert "version 1" in event.target


@pytest.mark.parametrize("who", ["member_b", "anonymous"])
def test_document_is_refused_to_those_who_may_not_read_the_partnership(client, world, member,
                                                                       who):
    upload(client, world.partnership_a)
    client.logout()
    if who != "anonymous":
        sign_in(client, getattr(world, who))
    response = client.get(url("tor-document", world.partnership_a, version=1))
    assert response.status_code in (302, 403)
    assert not hasattr(response, "streaming_content")
    assert not AuditEvent.objects.filter(kind="export").exists()


def test_regional_adviser_may_download(client, world, member):
    upload(client, world.partnership_a, "terms.pdf", PDF)
    sign_in(client, world.adviser)
    response = client.get(url("tor-document", world.partnership_a, version=1))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(kind="export", actor_id=world.adviser.pk).count() == 1


def test_version_without_a_document_redirects_to_its_page(client, world, member):
    client.post(url("tor-create", world.partnership_a), checklist())
    response = client.get(url("tor-document", world.partnership_a, version=1))
    assert response["Location"] == url("tor-detail", world.partnership_a, version=1)
    assert not AuditEvent.objects.filter(kind="export").exists()


def test_missing_file_is_not_found(client, world, member, media):
    terms = upload(client, world.partnership_a)
    (media / terms.document.name).unlink()
    assert client.get(url("tor-document", world.partnership_a, version=1)).status_code == 404


# --- sub-groups ----------------------------------------------------------------------------


def group_data(name="Treatment and recovery group", chair=None, members=(), reports_to=None):
    return {"name": name, "remit": "Treatment capacity", "chair": chair.pk if chair else "",
            "members": [m.pk for m in members], "reports_to": reports_to.pk if reports_to else ""}


def test_create_a_sub_group_with_chair_and_members(client, world, member):
    alice = appoint(world.partnership_a, "Alice Chair", "nhs")
    bob = appoint(world.partnership_a, "Bob Member", "police")
    response = client.post(url("subgroup-create", world.partnership_a),
                           group_data(chair=alice, members=[alice, bob]))
    assert response["Location"] == url("governance", world.partnership_a)
    group = SubGroup.objects.get()
    assert (group.partnership, group.chair, group.reports_to) == (world.partnership_a, alice, None)
    assert set(group.members.all()) == {alice, bob}


def test_chair_and_members_must_hold_a_current_role_in_this_partnership(client, world, member):
    left = appoint(world.partnership_a, "Left Last Year", "nhs", "2022-08-01", "2023-01-31")
    elsewhere = appoint(world.partnership_b, "In Berkshire", "police")
    form_page = client.get(url("subgroup-create", world.partnership_a)).content.decode()
    assert "Left Last Year" not in form_page and "In Berkshire" not in form_page
    for person in (left, elsewhere):
        response = client.post(url("subgroup-create", world.partnership_a),
                               group_data(chair=person, members=[person]))
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert not SubGroup.objects.exists()


def test_editing_keeps_a_chair_who_has_since_left(client, world, member):
    chair = appoint(world.partnership_a, "Former Chair", "nhs", "2022-08-01", "2023-01-31")
    group = SubGroup.objects.create(partnership=world.partnership_a, name="Panel", chair=chair)
    response = client.post(url("subgroup-edit", world.partnership_a, pk=group.pk),
                           group_data(name="Drug-related deaths panel", chair=chair))
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.chair) == ("Drug-related deaths panel", chair)


def test_a_sub_group_reports_to_another_of_the_same_partnership(client, world, member):
    parent = SubGroup.objects.create(partnership=world.partnership_a, name="Treatment group")
    other = SubGroup.objects.create(partnership=world.partnership_b, name="Berkshire group")
    response = client.post(url("subgroup-create", world.partnership_a),
                           group_data(name="Deaths panel", reports_to=other))
    assert "Select a valid choice" in response.content.decode()
    client.post(url("subgroup-create", world.partnership_a),
                group_data(name="Deaths panel", reports_to=parent))
    assert SubGroup.objects.get(name="Deaths panel").reports_to == parent


def test_a_reporting_loop_is_refused(client, world, member):
    top = SubGroup.objects.create(partnership=world.partnership_a, name="Top group")
    middle = SubGroup.objects.create(partnership=world.partnership_a, name="Middle group",
                                     reports_to=top)
    bottom = SubGroup.objects.create(partnership=world.partnership_a, name="Bottom group",
                                     reports_to=middle)
    direct = client.post(url("subgroup-edit", world.partnership_a, pk=top.pk),
                         group_data(name="Top group", reports_to=middle))
    assert direct.status_code == 200
    assert ("Top group cannot report to Middle group: Middle group already reports to Top group,"
            " which would make a loop.") in direct.content.decode()
    indirect = client.post(url("subgroup-edit", world.partnership_a, pk=top.pk),
                           group_data(name="Top group", reports_to=bottom))
    assert "Bottom group already reports to Top group through other groups" in \
        indirect.content.decode()
    top.refresh_from_db()
    assert top.reports_to is None


def test_a_sub_group_cannot_report_to_itself(world):
    group = SubGroup.objects.create(partnership=world.partnership_a, name="Alone")
    group.reports_to = group
    with pytest.raises(governance.RegisterError, match="cannot report to itself"):
        governance.save_sub_group(group, members=[])
    assert SubGroup.objects.get().reports_to is None


def test_moving_a_group_elsewhere_in_the_tree_is_allowed(client, world, member):
    top = SubGroup.objects.create(partnership=world.partnership_a, name="Top group")
    middle = SubGroup.objects.create(partnership=world.partnership_a, name="Middle group",
                                     reports_to=top)
    side = SubGroup.objects.create(partnership=world.partnership_a, name="Side group")
    client.post(url("subgroup-edit", world.partnership_a, pk=middle.pk),
                group_data(name="Middle group", reports_to=side))
    middle.refresh_from_db()
    assert middle.reports_to == side


def test_sub_group_names_are_unique_in_a_partnership(client, world, member):
    SubGroup.objects.create(partnership=world.partnership_a, name="Lived experience forum")
    SubGroup.objects.create(partnership=world.partnership_b, name="Supply group")
    response = client.post(url("subgroup-create", world.partnership_a),
                           group_data(name="lived experience forum"))
    assert "There is already a sub-group called lived experience forum" in \
        response.content.decode()
    client.post(url("subgroup-create", world.partnership_a), group_data(name="Supply group"))
    assert SubGroup.objects.filter(name="Supply group").count() == 2


def test_sub_group_of_another_partnership_is_not_found(client, world, member):
    other = SubGroup.objects.create(partnership=world.partnership_b, name="Berkshire group")
    assert client.get(url("subgroup-edit", world.partnership_a, pk=other.pk)).status_code == 404


# --- links ---------------------------------------------------------------------------------


def test_record_a_link_to_a_local_body(client, world, member):
    response = client.post(url("link-create", world.partnership_a), {
        "body_type": "csp", "name": "Salford Community Safety Partnership",
        "relationship": "shared", "notes": "Two shared members"})
    assert response.status_code == 302
    link = LocalBodyLink.objects.get()
    assert (link.partnership, link.get_body_type_display(), link.relationship) == (
        world.partnership_a, "Community Safety Partnership", "shared")


def test_link_needs_a_known_body_type_and_relationship(client, world, member):
    response = client.post(url("link-create", world.partnership_a),
                           {"body_type": "fan_club", "name": "X", "relationship": "rivals"})
    body = response.content.decode()
    assert body.count("Select a valid choice") == 4  # each in the summary and by its field
    assert 'id="id_body_type-error"' in body and 'id="id_relationship-error"' in body
    assert not LocalBodyLink.objects.exists()


# --- the governance page and map -----------------------------------------------------------


def structured_partnership(world):
    p = world.partnership_a
    treatment = SubGroup.objects.create(partnership=p, name="Treatment & recovery group")
    SubGroup.objects.create(partnership=p, name="Drug-related deaths panel", reports_to=treatment)
    SubGroup.objects.create(partnership=p, name="Supply <and> enforcement group")
    LocalBodyLink.objects.create(partnership=p, body_type="hwb", name="Manchester HWB",
                                 relationship="reports_to")
    LocalBodyLink.objects.create(partnership=p, body_type="csp", name="Salford CSP",
                                 relationship="shared")
    return p


def test_page_embeds_the_map_in_a_figure_with_a_list_twin(client, world, member):
    p = structured_partnership(world)
    body = client.get(url("governance", p)).content.decode()
    figure = body[body.index("<figure"):body.index("</figure>") + len("</figure>")]
    assert "<figcaption" in figure
    svg = figure[figure.index("<svg"):figure.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it well-formed
    assert root.get("role") == "img"
    assert "Treatment &amp; recovery group" in svg
    assert "Supply &lt;and&gt; enforcement group" in body
    assert "<and>" not in body
    twin = body[body.index("The governance map as a list"):]
    for text in ("Treatment &amp; recovery group", "Drug-related deaths panel",
                 "Manchester HWB (Health and Wellbeing Board): the partnership reports to it",
                 "Salford CSP (Community Safety Partnership): shares members and information"):
        assert text in twin
    # The deaths panel is nested under the treatment group in the list.
    nested = twin[twin.index("Treatment &amp; recovery group"):]
    assert nested.index("<ul") < nested.index("Drug-related deaths panel") < nested.index("</li>")


def test_map_is_served_as_svg(client, world, member):
    p = structured_partnership(world)
    response = client.get(url("governance-map", p))
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    text = " ".join(root.itertext())
    for name in ("Treatment & recovery group", "Drug-related deaths panel",
                 "Supply <and> enforcement group", "Manchester HWB", "Salford CSP"):
        assert name in text


def test_structure_survives_a_loop_written_outside_cdphub(world):
    a = SubGroup.objects.create(partnership=world.partnership_a, name="A")
    b = SubGroup.objects.create(partnership=world.partnership_a, name="B", reports_to=a)
    SubGroup.objects.filter(pk=a.pk).update(reports_to=b)  # a loop, bypassing the checks
    world.partnership_a.refresh_from_db()
    layout = governance.structure(world.partnership_a)
    names = []

    def walk(nodes):
        for node in nodes:
            names.append(node.name)
            walk(node.children)

    walk(layout.groups)
    assert sorted(names) == ["A", "B"]


def test_editors_see_buttons_and_readers_do_not(client, world, member):
    body = client.get(url("governance", world.partnership_a)).content.decode()
    assert "Record a new version" in body and "Add a sub-group" in body
    sign_in(client, world.adviser)
    body = client.get(url("governance", world.partnership_a)).content.decode()
    assert "Record a new version" not in body and "Add a sub-group" not in body


def test_summarise_counts_missing_items_as_not_addressed(world):
    terms = TermsOfReference.objects.create(partnership=world.partnership_a, version=1,
                                            review_due=dt.date(2024, 1, 1))
    TermsOfReferenceItem.objects.create(terms=terms, content_key=CONTENTS[0], addressed=True,
                                        where="Section 1")
    summary = governance.summarise(terms, dt.date(2024, 1, 2))
    assert (summary.addressed_count, summary.total, len(summary.missing)) == (1, 10, 9)
    assert summary.review_passed
    assert not governance.summarise(terms, dt.date(2024, 1, 1)).review_passed
