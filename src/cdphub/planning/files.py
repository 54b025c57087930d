"""Checks on a file uploaded to the evidence register, by what is in it, not only its name.

``check_upload(upload)`` works out what the file really is from its content and accepts it only
when that is one of the types the register takes and its name's extension says the same:

* PDF (``%PDF-``), PNG and JPEG, by their signatures;
* Word (.docx), Excel (.xlsx) and PowerPoint (.pptx): zip archives whose
  ``[Content_Types].xml`` names the main part of that kind and which hold its folder
  (``word/``, ``xl/``, ``ppt/``); any macro (``vbaProject``, a macro-enabled content type) or
  ActiveX part is refused;
* OpenDocument text (.odt) and spreadsheet (.ods): zip archives whose ``mimetype`` member says
  so and which hold ``content.xml``; any ``Basic/`` or ``Scripts/`` (macros) is refused;
* CSV (.csv) and plain text (.txt): text (UTF-8 or a single-byte encoding; UTF-16 is refused
  with the fix) with no control characters other than tabs, form feeds and line ends, and not
  an HTML, XML or SVG document.

Zip archives are refused when they would unpack to more than ``MAX_UNPACKED_BYTES`` in all or
hold more than ``MAX_MEMBERS`` files (zip bombs); nothing is ever unpacked to disk. Empty files
and files larger than ``settings.CDPHUB_EVIDENCE_MAX_BYTES`` are refused. Each refusal is a
``FileRefused`` whose message names the file, says what is wrong and how to put it right.

(Written with the standard library: a type-sniffing library would recognise the signatures
but not the members of an Office or OpenDocument archive, nor macros, which are most of it.)
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # what an Office file may unpack to, in all
MAX_MEMBERS = 10_000
_READ_LIMIT = 1024 * 1024  # the most read of [Content_Types].xml or mimetype
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    key: str
    label: str  # as a sentence names it: "a Word document (.docx)"
    short: str  # as a table shows it: "Word"
    media_type: str
    extensions: tuple[str, ...]


TYPES = {t.key: t for t in (
    FileType("pdf", "a PDF", "PDF", "application/pdf", (".pdf",)),
    FileType("docx", "a Word document (.docx)", "Word",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (".docx",)),
    FileType("xlsx", "an Excel workbook (.xlsx)", "Excel",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    FileType("pptx", "a PowerPoint presentation (.pptx)", "PowerPoint",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             (".pptx",)),
    FileType("odt", "an OpenDocument text document (.odt)", "OpenDocument text",
             "application/vnd.oasis.opendocument.text", (".odt",)),
    FileType("ods", "an OpenDocument spreadsheet (.ods)", "OpenDocument spreadsheet",
             "application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
    FileType("csv", "a CSV file", "CSV", "text/csv", (".csv",)),
    FileType("txt", "a plain text file", "Text", "text/plain", (".txt",)),
    FileType("png", "a PNG image", "PNG image", "image/png", (".png",)),
    FileType("jpeg", "a JPEG image", "JPEG image", "image/jpeg", (".jpg", ".jpeg")),
)}
BY_EXTENSION = {extension: t for t in TYPES.values() for extension in t.extensions}
BY_MEDIA_TYPE = {t.media_type: t for t in TYPES.values()}
ACCEPTED = ("a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument (.odt or "
            ".ods), CSV, plain text (.txt), PNG or JPEG file")
ACCEPT_ATTRIBUTE = ",".join(BY_EXTENSION)

# The main part each Office type's [Content_Types].xml names, and the folder it lives in.
OOXML = {
    "docx": (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
             "word/"),
    "xlsx": (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
             "xl/"),
    "pptx": (b"application/vnd.openxmlformats-officedocument.presentationml.presentation."
             b"main+xml", "ppt/"),
}
MACRO_MARKERS = (b"macroenabled", b"vbaproject", b"vbadata", b"activex")
ODF = {b"application/vnd.oasis.opendocument.text": "odt",
       b"application/vnd.oasis.opendocument.spreadsheet": "ods"}
ODF_OTHER = b"application/vnd.oasis.opendocument."
MARKUP = re.compile(rb"^\s*(<!doctype|<html|<head|<body|<script|<\?xml|<svg|<iframe|<meta)",
                    re.IGNORECASE)
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class FileRefused(Exception):
    """An upload the register does not take; ``message`` names the file and the fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    name: str  # the original name, as a display name
    type: FileType
    size: int


def max_bytes() -> int:
    return int(getattr(settings, "CDPHUB_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_words(size: int) -> str:
    """'1 byte', '820 bytes', '14 KB', '2.5 MB': the size as a page says it."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.1f} MB".replace(".0 MB", " MB")


def display_name(name: str) -> str:
    """The file's own name without any folder, control characters or surrounding spaces."""
    name = PurePath(str(name).replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:255] or "file"


# --- what the content is -------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """What a file's content turned out to be: one of ``TYPES`` (``key``), or ``what`` it is
    with the ``fix`` to offer."""

    key: str = ""
    what: str = ""
    fix: str = ""


def _head(upload, length: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head


def _sniff(upload) -> Found:
    head = _head(upload, 16)
    if head.startswith(b"%PDF-"):
        return Found("pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Found("png")
    if head.startswith(b"\xff\xd8\xff"):
        return Found("jpeg")
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(upload)
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head[:4] in (
            b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return Found(what="a program", fix=f"Upload {ACCEPTED} instead.")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Found(what="an older Microsoft Office file (.doc, .xls or .ppt)",
                     fix="Open it and save it as .docx, .xlsx or .pptx (or as a PDF), then "
                         "upload that.")
    if head.startswith((b"GIF87a", b"GIF89a")) or head[:2] == b"BM" or (
            head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return Found(what="an image of a type the register does not take",
                     fix="Save it as a PNG or JPEG image and upload that.")
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")):
        return Found(what="a compressed archive",
                     fix="Upload each document on its own, as " + ACCEPTED + ".")
    return _sniff_text(upload)


def _sniff_text(upload) -> Found:
    """Text: no control characters but tabs, form feeds and line ends, and not markup."""
    head = _head(upload, 4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Found(what="text saved as UTF-16",
                     fix="Save it again as UTF-8 (in Excel: CSV UTF-8) and upload that.")
    if MARKUP.match(head.lstrip(codecs.BOM_UTF8)):
        return Found(what="an HTML or XML document (perhaps a saved web page)",
                     fix="Upload the document itself, or give the page's address as the link "
                         "instead.")
    upload.seek(0)
    try:
        while chunk := upload.read(_CHUNK):
            if CONTROL.search(chunk):
                return Found(what="not a document of a type the register takes",
                             fix=f"Upload {ACCEPTED}.")
    finally:
        upload.seek(0)
    return Found("text")


def _sniff_zip(upload) -> Found:
    damaged = Found(what="a damaged or unreadable archive",
                    fix="Open the file, save it again and upload the new copy, or upload it "
                        "as a PDF.")
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        upload.seek(0)
        return damaged
    try:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            return Found(what=f"an archive that would unpack to more than "
                              f"{size_words(MAX_UNPACKED_BYTES)}",
                         fix="Upload it as a PDF instead.")
        names = {m.filename for m in members}
        lowered = [name.lower() for name in names]
        if "mimetype" in names:
            mimetype = _member(archive, "mimetype")
            if mimetype is None:
                return damaged
            mimetype = mimetype.strip()
            if any(name.startswith(("basic/", "scripts/")) for name in lowered):
                return Found(what="an OpenDocument file with macros",
                             fix="Save a copy without macros and upload that, or upload it "
                                 "as a PDF.")
            if mimetype in ODF and "content.xml" in names:
                return Found(ODF[mimetype])
            if mimetype.startswith(ODF_OTHER):
                return Found(what="an OpenDocument file of a type the register does not take",
                             fix="Save it as a PDF and upload that.")
            return damaged
        if "[Content_Types].xml" in names:
            types = _member(archive, "[Content_Types].xml")
            if types is None:
                return damaged
            if any(marker in types.lower() for marker in MACRO_MARKERS) or any(
                    "vbaproject" in name or "activex" in name for name in lowered):
                return Found(what="an Office file with macros",
                             fix="Save it as a Word document (.docx), Excel workbook (.xlsx) "
                                 "or PowerPoint presentation (.pptx) without macros, or as a "
                                 "PDF, and upload that.")
            for key, (main, folder) in OOXML.items():
                if main in types and any(name.startswith(folder) for name in names):
                    return Found(key)
            return Found(what="an Office file of a type the register does not take",
                         fix="Save it as .docx, .xlsx or .pptx, or as a PDF, and upload that.")
        return Found(what="a zip archive",
                     fix="Upload each document on its own, as " + ACCEPTED + ".")
    finally:
        archive.close()
        upload.seek(0)


def _member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """At most ``_READ_LIMIT`` bytes of one member (None if it cannot be read)."""
    try:
        with archive.open(name) as handle:
            return handle.read(_READ_LIMIT)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError,
            EOFError):
        return None


# --- the check -----------------------------------------------------------------------------


def check_upload(upload, limit: int | None = None) -> CheckedFile:
    """The checked file, or ``FileRefused``. ``upload``: a Django ``UploadedFile`` (or any
    seekable binary file with ``name`` and ``size``). Reads the file; leaves it at its start."""
    name = display_name(getattr(upload, "name", "") or "file")
    size = upload.size
    limit = max_bytes() if limit is None else limit
    extension = PurePath(name).suffix.lower()
    named = BY_EXTENSION.get(extension)
    if size == 0:
        raise FileRefused(f"{name} is empty (0 bytes). Check that you chose the right file, "
                          "then upload it again.")
    if size > limit:
        raise FileRefused(f"{name} is {size_words(size)}: the largest file the evidence "
                          f"register takes is {size_words(limit)}. Make it smaller (for "
                          "example, save it as a PDF with smaller images) or give a link to "
                          "the document instead.")
    if named is None:
        shown = f"a {extension} file" if extension else "a file without an extension"
        raise FileRefused(f"{name} is {shown}, which the evidence register does not take. "
                          f"Upload {ACCEPTED}.")
    found = _sniff(upload)
    if found.key == "text" and named.key in ("csv", "txt"):
        found = Found(named.key)
    if not found.key:
        raise FileRefused(f"{name} is named as {named.label} but is {found.what}. {found.fix}")
    if found.key != named.key:
        actual = TYPES["txt"] if found.key == "text" else TYPES[found.key]
        raise FileRefused(
            f"{name} is named as {named.label} but is {actual.label}. Rename it to end in "
            f"{actual.extensions[0]}, or upload the file you meant to.")
    return CheckedFile(name=name, type=named, size=size)
