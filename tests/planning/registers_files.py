"""Small real files of each kind, made here independently of ``planning.files``: what a user
would upload (a PDF, a Word document …) and what the register must refuse."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML = b"<!DOCTYPE html>\n<html><head><title>JSNA</title></head><body>Saved page</body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
CSV = b"Area,Deaths\nBolton,12\nSalford,9\n"
TEXT = b"Notes from the community engagement event, 3 March 2024.\n"

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
POWERPOINT_MAIN = ("application/vnd.openxmlformats-officedocument.presentationml.presentation."
                   "main+xml")


def _zip(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def content_types(main: str, part: str, extra: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{main}"/>{extra}</Types>')


def docx(body: str = "Drug-related deaths rose in 2023.", **more: bytes) -> bytes:
    return _zip({"[Content_Types].xml": content_types(WORD_MAIN, "word/document.xml"),
                 "_rels/.rels": "<Relationships/>",
                 "word/document.xml": f"<w:document><w:body>{body}</w:body></w:document>",
                 **more})


def docm() -> bytes:
    """A macro-enabled Word document (as Word saves a .docm)."""
    return _zip({"[Content_Types].xml": content_types(
                    WORD_MACRO_MAIN, "word/document.xml",
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.'
                    'vbaProject"/>'),
                 "_rels/.rels": "<Relationships/>",
                 "word/document.xml": "<w:document/>",
                 "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": content_types(EXCEL_MAIN, "xl/workbook.xml"),
                 "xl/workbook.xml": "<workbook/>"})


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": content_types(POWERPOINT_MAIN, "ppt/presentation.xml"),
                 "ppt/presentation.xml": "<p:presentation/>"})


def odf(mimetype: str, **more: bytes) -> bytes:
    return _zip({"mimetype": mimetype, "content.xml": "<office:document-content/>",
                 "META-INF/manifest.xml": "<manifest/>", **more})


def odt(**more) -> bytes:
    return odf("application/vnd.oasis.opendocument.text", **more)


def ods() -> bytes:
    return odf("application/vnd.oasis.opendocument.spreadsheet")


def plain_zip() -> bytes:
    return _zip({"a.txt": "one", "b.txt": "two"})


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
