"""The evidence register's pages: adding entries with a link or a file (bad uploads change
nothing), who sees partnership-only entries, who downloads their files (and the audit log),
changing and withdrawing entries, and that another partnership's records are never found
under this one's address."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from django.urls import reverse

from cdphub.accounts.models import AuditEvent
from cdphub.partnerships.models import Organisation, Person
from cdphub.planning.models import Evidence
from tests.conftest import sign_in
from tests.planning import registers_files as make
from tests.planning.registers_files import upload


@pytest.fixture(autouse=True)
def today(settings):
    settings.CDPHUB_TODAY = "2024-05-01"


def url(name: str, partnership, **kwargs) -> str:
    return reverse(f"partnerships:{name}", kwargs={"slug": partnership.slug, **kwargs})


def text(response) -> str:
    return html.unescape(response.content.decode())


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def org_a(world):
    organisation = Organisation.objects.create(name="Manchester City Council")
    Person.objects.create(partnership=world.partnership_a, full_name="Ann Analyst",
                          organisation=organisation)
    return organisation


@pytest.fixture
def org_b(world):
    organisation = Organisation.objects.create(name="Reading Borough Council")
    Person.objects.create(partnership=world.partnership_b, full_name="Ben Berkshire",
                          organisation=organisation)
    return organisation


def entry_data(owner=None, **extra) -> dict:
    data = {"title": "Greater Manchester JSNA 2023", "evidence_type": "jsna",
            "owner": owner.pk if owner else "", "owner_name": "",
            "dated_0": "1", "dated_1": "6", "dated_2": "2023", "link": "",
            "visibility": "partnership", "notes": ""}
    data.update(extra)
    return data


def make_entry(partnership, title="JSNA 2023", visibility="partnership", **extra) -> Evidence:
    return Evidence.objects.create(partnership=partnership, title=title, evidence_type="jsna",
                                   dated=dt.date(2023, 6, 1), visibility=visibility, **extra)


def entry_with_file(settings, partnership, name="JSNA 2023.pdf", content=make.PDF,
                    visibility="partnership") -> Evidence:
    from cdphub.planning.files import check_upload
    from cdphub.planning.registers import add_evidence

    uploaded = upload(name, content)
    checked = check_upload(uploaded)
    return add_evidence(Evidence(partnership=partnership, title="JSNA 2023",
                                 evidence_type="jsna", dated=dt.date(2023, 6, 1),
                                 visibility=visibility),
                        by=None, owner_name="Manchester City Council", upload=uploaded,
                        checked=checked)


# --- adding entries: good files are kept, bad ones change nothing ----------------------------


def test_a_member_adds_an_entry_with_a_pdf(client, world, org_a, settings):
    sign_in(client, world.member_a)
    response = client.post(url("evidence-create", world.partnership_a), {
        **entry_data(org_a), "upload": upload("JSNA 2023.pdf", make.PDF)})
    assert response.status_code == 302, text(response)
    assert response["Location"] == url("evidence", world.partnership_a)
    entry = Evidence.objects.get()
    assert (entry.partnership, entry.owner, entry.added_by) == (
        world.partnership_a, org_a, world.member_a)
    assert (entry.file_name, entry.file_type, entry.file_size) == (
        "JSNA 2023.pdf", "application/pdf", len(make.PDF))
    # Stored under a random name in the evidence folder, not the name it came with.
    assert entry.file.name.startswith("evidence/") and entry.file.name.endswith(".pdf")
    assert "JSNA" not in entry.file.name
    assert [p.read_bytes() for p in stored_files(settings)] == [make.PDF]
    listed = text(client.get(url("evidence", world.partnership_a)))
    assert "Greater Manchester JSNA 2023" in listed
    assert f"JSNA 2023.pdf (PDF, {len(make.PDF)} bytes)" in listed
    assert "Partnership only" in listed


def test_a_member_adds_an_entry_with_a_word_document(client, world, org_a, settings):
    sign_in(client, world.member_a)
    content = make.docx()
    response = client.post(url("evidence-create", world.partnership_a), {
        **entry_data(org_a, visibility="publishable"),
        "upload": upload("Market profile.docx", content)})
    assert response.status_code == 302, text(response)
    entry = Evidence.objects.get()
    assert entry.file_type == ("application/vnd.openxmlformats-officedocument."
                               "wordprocessingml.document")
    assert entry.file.name.endswith(".docx")
    assert [p.read_bytes() for p in stored_files(settings)] == [content]


def test_a_link_alone_is_enough(client, world, org_a, settings):
    sign_in(client, world.member_a)
    response = client.post(url("evidence-create", world.partnership_a),
                           entry_data(org_a, link="https://example.org/jsna"))
    assert response.status_code == 302
    assert Evidence.objects.get().link == "https://example.org/jsna"
    assert stored_files(settings) == []


BAD_UPLOADS = [
    pytest.param("setup.exe", make.EXE, "setup.exe is a .exe file", id="a program"),
    pytest.param("JSNA.pdf", make.HTML, "JSNA.pdf is named as a PDF but is an HTML",
                 id="a pdf that is really HTML"),
    pytest.param("report.docx", make.PDF,
                 "report.docx is named as a Word document (.docx) but is a PDF",
                 id="extension not matching the content"),
    pytest.param("JSNA.pdf", b"", "JSNA.pdf is empty (0 bytes)", id="empty"),
    pytest.param("plan.docx", make.docm(), "plan.docx is named as a Word document (.docx) "
                 "but is an Office file with macros", id="macro-enabled named docx"),
    pytest.param("plan.docm", make.docm(), "plan.docm is a .docm file", id="docm"),
    pytest.param("JSNA.pdf", make.PDF + b"0" * 2000, "JSNA.pdf is 2 KB: the largest file "
                 "the evidence register takes is 1 KB", id="too large"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS)
def test_a_bad_upload_is_refused_and_changes_nothing(client, world, org_a, settings, name,
                                                     content, message):
    settings.CDPHUB_EVIDENCE_MAX_BYTES = 1024
    sign_in(client, world.member_a)
    organisations = Organisation.objects.count()
    response = client.post(url("evidence-create", world.partnership_a), {
        **entry_data(owner_name="A new organisation", link="https://example.org/jsna"),
        "upload": upload(name, content)})
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "There is a problem" in page
    assert not Evidence.objects.exists()
    assert not Evidence.history.exists()
    assert Organisation.objects.count() == organisations  # the new name is not kept either
    assert stored_files(settings) == []


def test_an_entry_needs_a_link_or_a_file(client, world, org_a):
    sign_in(client, world.member_a)
    response = client.post(url("evidence-create", world.partnership_a), entry_data(org_a))
    assert response.status_code == 200
    assert "Enter a link to the document or upload a file (or both)." in text(response)
    assert not Evidence.objects.exists()


def test_a_link_must_be_a_web_address(client, world, org_a):
    sign_in(client, world.member_a)
    response = client.post(url("evidence-create", world.partnership_a),
                           entry_data(org_a, link="javascript:alert(1)"))
    assert response.status_code == 200
    assert not Evidence.objects.exists()


def test_a_failed_save_after_the_check_leaves_no_file(world, settings, monkeypatch):
    """All or nothing: if the database write fails after the file was stored, it is removed."""
    from cdphub.planning import registers

    def fail(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Evidence, "save", fail)
    with pytest.raises(RuntimeError):
        entry_with_file(settings, world.partnership_a)
    assert stored_files(settings) == []
    assert registers  # (imported for the patch's target module)


# --- organisations: the partnership's own, or a new name ---------------------------------------


def test_the_form_offers_only_the_partnerships_organisations(client, world, org_a, org_b):
    sign_in(client, world.member_a)
    page = text(client.get(url("evidence-create", world.partnership_a)))
    assert "Manchester City Council" in page
    assert "Reading Borough Council" not in page


def test_posting_another_partnerships_organisation_is_refused(client, world, org_a, org_b):
    sign_in(client, world.member_a)
    response = client.post(url("evidence-create", world.partnership_a),
                           entry_data(org_b, link="https://example.org/jsna"))
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not Evidence.objects.exists()


def test_a_new_organisation_is_found_or_made_by_name(client, world, org_a):
    sign_in(client, world.member_a)
    for name in ("manchester city council", "Greater Manchester  Police"):
        response = client.post(url("evidence-create", world.partnership_a), entry_data(
            owner_name=name, link="https://example.org/jsna"))
        assert response.status_code == 302
    owners = [e.owner for e in Evidence.objects.order_by("pk")]
    assert owners[0] == org_a  # the same organisation, whatever the case
    assert owners[1].name == "Greater Manchester Police"
    # and now the partnership's forms offer it
    assert "Greater Manchester Police" in text(client.get(url("evidence-create",
                                                              world.partnership_a)))


def test_an_organisation_chosen_and_typed_is_refused(client, world, org_a):
    sign_in(client, world.member_a)
    response = client.post(url("evidence-create", world.partnership_a), entry_data(
        org_a, owner_name="Someone else", link="https://example.org/jsna"))
    assert "Choose an organisation from the list or enter the name of another, not both." in \
        text(response)
    assert not Evidence.objects.exists()


# --- who sees what -------------------------------------------------------------------------


@pytest.fixture
def two_entries(world):
    return (make_entry(world.partnership_a, "Community safety assessment (restricted)"),
            make_entry(world.partnership_a, "OHID data pack 2023", visibility="publishable",
                       link="https://example.org/pack"))


def test_members_see_every_entry(client, world, two_entries):
    sign_in(client, world.member_a)
    page = text(client.get(url("evidence", world.partnership_a)))
    assert "Community safety assessment (restricted)" in page
    assert "OHID data pack 2023" in page
    assert "visible only to the partnership" not in page


@pytest.mark.parametrize("reader", ["central_analyst", "central_admin", "adviser"])
def test_others_who_read_the_partnership_see_publishable_entries_only(client, world,
                                                                        two_entries, reader):
    sign_in(client, getattr(world, reader))
    response = client.get(url("evidence", world.partnership_a))
    page = text(response)
    assert response.status_code == 200
    assert "Community safety assessment (restricted)" not in page
    assert "OHID data pack 2023" in page
    assert "Some entries are visible only to the partnership's members" in page
    assert "Add evidence" not in page


def test_withdrawn_entries_are_not_listed(client, world, two_entries):
    restricted, _ = two_entries
    restricted.withdrawn_at = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    restricted.save()
    sign_in(client, world.member_a)
    assert "Community safety assessment" not in text(client.get(url("evidence",
                                                                    world.partnership_a)))


def test_a_partnership_only_entry_page_is_for_members(client, world, two_entries):
    restricted, publishable = two_entries
    sign_in(client, world.central_analyst)
    assert client.get(url("evidence-detail", world.partnership_a, pk=restricted.pk)
                      ).status_code == 403
    assert client.get(url("evidence-detail", world.partnership_a, pk=publishable.pk)
                      ).status_code == 200


# --- downloading a stored file ------------------------------------------------------------------


def test_a_member_downloads_a_partnership_only_file_and_it_is_audited(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a)
    sign_in(client, world.member_a)
    response = client.get(url("evidence-file", world.partnership_a, pk=entry.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == make.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="JSNA 2023.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.FILE_DOWNLOADED)
    assert (event.actor_id, event.partnership_id) == (world.member_a.pk, world.partnership_a.pk)
    assert event.detail == {"evidence_id": entry.pk, "file_name": "JSNA 2023.pdf"}


def test_a_name_that_is_not_plain_ascii_is_encoded_safely(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a, name='Évaluation "final".pdf')
    sign_in(client, world.member_a)
    response = client.get(url("evidence-file", world.partnership_a, pk=entry.pk))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%C3%89valuation%20%22final%22.pdf" in disposition
    assert "\n" not in disposition and '"final"' not in disposition


@pytest.mark.parametrize(("reader", "status"), [
    ("member_b", 403), ("central_analyst", 403), ("central_admin", 403), ("adviser", 403),
    ("no_role", 403),
])
def test_a_partnership_only_file_is_refused_to_everyone_else(client, world, settings, reader,
                                                              status):
    entry = entry_with_file(settings, world.partnership_a)
    sign_in(client, getattr(world, reader))
    assert client.get(url("evidence-file", world.partnership_a, pk=entry.pk)).status_code == \
        status
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.FILE_DOWNLOADED).exists()


def test_a_visitor_is_sent_to_sign_in(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a, visibility="publishable")
    response = client.get(url("evidence-file", world.partnership_a, pk=entry.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_a_central_analyst_downloads_a_publishable_file(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a, visibility="publishable")
    sign_in(client, world.central_analyst)
    response = client.get(url("evidence-file", world.partnership_a, pk=entry.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == make.PDF
    # only downloads of partnership-only files are audit events
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.FILE_DOWNLOADED).exists()


def test_a_publishable_file_is_still_refused_to_another_partnership(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a, visibility="publishable")
    sign_in(client, world.member_b)
    assert client.get(url("evidence-file", world.partnership_a, pk=entry.pk)).status_code == 403


def test_a_withdrawn_entrys_file_is_not_found(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a)
    entry.withdrawn_at = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    entry.save()
    sign_in(client, world.member_a)
    assert client.get(url("evidence-file", world.partnership_a, pk=entry.pk)).status_code == 404
    assert client.get(url("evidence-detail", world.partnership_a, pk=entry.pk)
                      ).status_code == 404


@pytest.mark.parametrize("name", ["evidence-detail", "evidence-edit", "evidence-withdraw",
                                  "evidence-file"])
def test_another_partnerships_entry_is_not_found_under_this_ones_address(client, world,
                                                                          settings, name):
    theirs = entry_with_file(settings, world.partnership_b)
    sign_in(client, world.member_a)
    assert client.get(url(name, world.partnership_a, pk=theirs.pk)).status_code == 404
    response = client.post(url(name, world.partnership_a, pk=theirs.pk), {
        "confirm": "on", "reason": "x", **entry_data(link="https://example.org/x",
                                                      owner_name="X")})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None and theirs.title == "JSNA 2023"


# --- changing and withdrawing ------------------------------------------------------------------


def test_a_member_changes_an_entry_and_replaces_its_file(client, world, settings,
                                                         django_capture_on_commit_callbacks):
    entry = entry_with_file(settings, world.partnership_a)
    old = entry.file.name
    sign_in(client, world.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("evidence-edit", world.partnership_a, pk=entry.pk), {
            **entry_data(entry.owner, title="JSNA 2023 (revised)"),
            "upload": upload("JSNA revised.docx", make.docx())})
    assert response.status_code == 302, text(response)
    entry.refresh_from_db()
    assert entry.title == "JSNA 2023 (revised)" and entry.file_name == "JSNA revised.docx"
    assert entry.file.name != old
    assert [p.name for p in stored_files(settings)] == [Path(entry.file.name).name]
    assert entry.history.count() == 2


def test_a_bad_replacement_keeps_the_entry_as_it_was(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a)
    before = stored_files(settings)
    sign_in(client, world.member_a)
    response = client.post(url("evidence-edit", world.partnership_a, pk=entry.pk), {
        **entry_data(entry.owner, title="Changed"), "upload": upload("x.pdf", make.HTML)})
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.title == "JSNA 2023" and entry.history.count() == 1
    assert stored_files(settings) == before


def test_removing_the_file_needs_a_link(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a)
    sign_in(client, world.member_a)
    response = client.post(url("evidence-edit", world.partnership_a, pk=entry.pk), {
        **entry_data(entry.owner), "remove_file": "on"})
    assert "Enter a link to the document or upload a file (or both)." in text(response)
    response = client.post(url("evidence-edit", world.partnership_a, pk=entry.pk), {
        **entry_data(entry.owner, link="https://example.org/jsna"), "remove_file": "on"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert not entry.file and entry.file_name == "" and entry.link


def test_a_member_withdraws_an_entry_with_a_reason(client, world, settings):
    entry = entry_with_file(settings, world.partnership_a)
    sign_in(client, world.member_a)
    response = client.post(url("evidence-withdraw", world.partnership_a, pk=entry.pk),
                           {"confirm": "on", "reason": "Added twice."})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.withdrawn_at is not None and entry.withdrawn_by == world.member_a
    assert entry.withdrawal_reason == "Added twice."
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.RECORD_WITHDRAWN)
    assert event.detail["evidence_id"] == entry.pk and event.detail["reason"] == "Added twice."
    # it stays in the History
    history = text(client.get(reverse("partnerships:history", args=[world.partnership_a.slug])))
    assert "Added twice." in history
    assert client.get(url("evidence-edit", world.partnership_a, pk=entry.pk)).status_code == 404


def test_withdrawing_needs_only_the_box_ticked(client, world):
    entry = make_entry(world.partnership_a, link="https://example.org/jsna")
    sign_in(client, world.member_a)
    response = client.post(url("evidence-withdraw", world.partnership_a, pk=entry.pk), {})
    assert "Tick “Withdraw this entry from the evidence register” to continue." in text(response)
    entry.refresh_from_db()
    assert entry.withdrawn_at is None
    assert client.post(url("evidence-withdraw", world.partnership_a, pk=entry.pk),
                       {"confirm": "on"}).status_code == 302
    entry.refresh_from_db()
    assert entry.withdrawn_at is not None and entry.withdrawal_reason == ""


def test_a_central_administrator_does_not_write_a_partnerships_register(client, world):
    sign_in(client, world.central_admin)
    response = client.post(url("evidence-create", world.partnership_a),
                           entry_data(owner_name="X", link="https://example.org/x"))
    assert response.status_code == 403
    assert not Evidence.objects.exists()
