"""Uploads to the evidence register are checked by their content (``planning.files``): every
accepted kind passes, and each thing the register refuses is refused with a message that names
the file, what is wrong and the fix."""

from __future__ import annotations

import pytest

from cdphub.planning import files
from cdphub.planning.files import FileRefused, check_upload, size_words
from tests.planning import registers_files as make
from tests.planning.registers_files import upload


@pytest.mark.parametrize(("name", "content", "media_type"), [
    ("JSNA 2023.pdf", make.PDF, "application/pdf"),
    ("Market profile.docx", make.docx(),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("Deaths.xlsx", make.xlsx(),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Board slides.pptx", make.pptx(),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("Review.odt", make.odt(), "application/vnd.oasis.opendocument.text"),
    ("Figures.ods", make.ods(), "application/vnd.oasis.opendocument.spreadsheet"),
    ("figures.csv", make.CSV, "text/csv"),
    ("feedback.txt", make.TEXT, "text/plain"),
    ("feedback.TXT", "Retour d’expérience — café\n".encode("cp1252"), "text/plain"),
    ("map.png", make.PNG, "image/png"),
    ("photo.jpg", make.JPEG, "image/jpeg"),
    ("photo.jpeg", make.JPEG, "image/jpeg"),
])
def test_every_accepted_kind_passes_with_its_checked_type(name, content, media_type):
    checked = check_upload(upload(name, content))
    assert checked.type.media_type == media_type
    assert checked.size == len(content)
    assert checked.name == name


def refusal(name: str, content: bytes, **kwargs) -> str:
    with pytest.raises(FileRefused) as refused:
        check_upload(upload(name, content), **kwargs)
    message = refused.value.message
    assert message.startswith(name), message  # every message names the file
    return message


def test_a_program_is_refused_by_its_extension():
    message = refusal("setup.exe", make.EXE)
    assert "is a .exe file, which the evidence register does not take" in message
    assert "Upload a PDF, Word (.docx)" in message


def test_a_program_named_as_a_pdf_is_refused_by_its_content():
    message = refusal("report.pdf", make.EXE)
    assert "is named as a PDF but is a program" in message


def test_a_pdf_that_is_really_a_web_page_is_refused():
    message = refusal("JSNA.pdf", make.HTML)
    assert "is named as a PDF but is an HTML or XML document (perhaps a saved web page)" \
        in message
    assert "give the page's address as the link instead" in message


def test_a_web_page_named_as_text_is_refused():
    assert "is an HTML or XML document" in refusal("page.txt", b"  <html><body>x</body></html>")


@pytest.mark.parametrize(("name", "content", "actual", "rename_to"), [
    ("report.docx", make.PDF, "is a PDF", ".pdf"),
    ("report.pdf", make.docx(), "is a Word document (.docx)", ".docx"),
    ("figures.xlsx", make.ods(), "is an OpenDocument spreadsheet (.ods)", ".ods"),
    ("map.jpg", make.PNG, "is a PNG image", ".png"),
    ("figures.csv", make.xlsx(), "is an Excel workbook (.xlsx)", ".xlsx"),
    ("notes.pdf", make.TEXT, "is a plain text file", ".txt"),
])
def test_an_extension_that_does_not_match_the_content_is_refused(name, content, actual,
                                                                   rename_to):
    message = refusal(name, content)
    assert actual in message
    assert f"Rename it to end in {rename_to}" in message


def test_an_empty_file_is_refused():
    message = refusal("JSNA.pdf", b"")
    assert message == ("JSNA.pdf is empty (0 bytes). Check that you chose the right file, then "
                       "upload it again.")


def test_a_file_over_the_limit_is_refused_in_words(settings):
    settings.CDPHUB_EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    content = make.PDF + b"0" * (2 * 1024 * 1024)
    message = refusal("JSNA.pdf", content)
    assert "is 2 MB: the largest file the evidence register takes is 2 MB" in message
    assert "give a link to the document instead" in message
    # at the limit it passes
    assert check_upload(upload("JSNA.pdf", content[:2 * 1024 * 1024])).size == 2 * 1024 * 1024


def test_the_default_limit_is_20_mb():
    assert files.DEFAULT_MAX_BYTES == 20 * 1024 * 1024


def test_a_macro_enabled_document_named_docx_is_refused():
    message = refusal("plan.docx", make.docm())
    assert "is named as a Word document (.docx) but is an Office file with macros" in message
    assert "without macros" in message


def test_a_docm_is_refused_by_its_extension():
    assert "is a .docm file, which the evidence register does not take" in refusal(
        "plan.docm", make.docm())


def test_a_docx_with_a_macro_part_but_an_ordinary_content_type_is_refused():
    content = make.docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    assert "with macros" in refusal("plan.docx", content)


def test_an_opendocument_file_with_macros_is_refused():
    content = make.odt(**{"Basic/Standard/Module1.xml": b"<script:module/>"})
    assert "is an OpenDocument file with macros" in refusal("review.odt", content)


def test_a_zip_that_would_unpack_too_far_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_UNPACKED_BYTES", 50_000)
    bomb = make.docx(body="0" * 60_000)  # compresses to a few hundred bytes
    assert len(bomb) < 2_000
    message = refusal("bomb.docx", bomb)
    assert "is an archive that would unpack to more than 49 KB" in message
    assert check_upload(upload("fine.docx", make.docx(body="0" * 40_000)))


def test_a_plain_zip_named_docx_is_refused():
    assert "is a zip archive" in refusal("report.docx", make.plain_zip())


def test_a_damaged_archive_is_refused():
    assert "is a damaged or unreadable archive" in refusal(
        "report.docx", b"PK\x03\x04" + b"\x00" * 200)


def test_an_older_office_file_named_docx_is_refused_with_the_fix():
    message = refusal("report.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert "an older Microsoft Office file" in message
    assert "save it as .docx" in message


def test_binary_content_named_as_text_is_refused():
    assert "is named as a CSV file but is not a document" in refusal(
        "figures.csv", b"Area,Deaths\x00\x01\x02")


def test_utf16_text_is_refused_with_the_fix():
    message = refusal("figures.csv", "Area,Deaths\n".encode("utf-16"))
    assert "text saved as UTF-16" in message and "UTF-8" in message


def test_a_name_with_folders_is_shown_without_them():
    checked = check_upload(upload("C:\\Users\\me\\JSNA.pdf", make.PDF))
    assert checked.name == "JSNA.pdf"


def test_the_file_is_left_at_its_start_for_storing():
    uploaded = upload("Market profile.docx", make.docx())
    check_upload(uploaded)
    assert uploaded.read(4) == b"PK\x03\x04"


@pytest.mark.parametrize(("size", "words"), [
    (1, "1 byte"), (820, "820 bytes"), (14 * 1024, "14 KB"), (1024 * 1024, "1 MB"),
    (int(2.5 * 1024 * 1024), "2.5 MB"), (20 * 1024 * 1024, "20 MB"),
])
def test_sizes_in_words(size, words):
    assert size_words(size) == words


def test_the_request_body_limit_lets_the_form_see_a_file_over_the_evidence_limit():
    """A file a little over the evidence limit reaches the form (which refuses it in words)
    rather than being cut off by the body limit's bare 413 page."""
    from cdphub.config.settings import base

    assert base.CDPHUB_EVIDENCE_MAX_BYTES == 20 * 1024 * 1024
    assert base.CDPHUB_MAX_UPLOAD_BYTES >= 2 * base.CDPHUB_EVIDENCE_MAX_BYTES
