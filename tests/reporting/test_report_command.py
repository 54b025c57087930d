"""``cdphub report``: a partnership's progress report as a PDF or HTML file
(reporting/management/commands/report.py)."""

import datetime as dt
import io
import os

import pytest
from django.core.management import CommandError, call_command

from cdphub.accounts.models import AuditEvent
from cdphub.reporting import actions
from cdphub.reporting.models import Report, Submission

TODAY = dt.date(2024, 5, 20)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CDPHUB_TODAY = TODAY.isoformat()


def _run(*args, **options):
    """The command with its output captured: (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def _args(output, *, slug="greater-manchester", year="2023", file_format="pdf"):
    return ["--partnership", slug, "--year", year, "--format", file_format,
            "--output", str(output)]


def _report(world, **narrative):
    report = actions.start_report(partnership=world.partnership_a, year=2023, by=world.member_a)
    if narrative:
        actions.change_narrative(report=report, by=world.member_a, **narrative)
    return report


def test_a_pdf_of_the_report(world, tmp_path):
    _report(world, foreword="A year of recovery across the city region.")
    output = tmp_path / "report.pdf"
    _out, err = _run(*_args(output))
    data = output.read_bytes()
    assert data.startswith(b"%PDF")
    assert "Wrote" in err and str(output) in err
    assert "version 1, draft" in err
    assert list(tmp_path.iterdir()) == [output]  # no temporary file left beside it
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert event.partnership_id == world.partnership_a.pk
    assert "Progress report 2023/24" in event.target


def test_html_shows_the_partnership_and_the_draft_narrative(world, tmp_path):
    _report(world, foreword="A year of recovery across the city region.")
    output = tmp_path / "report.html"
    _run(*_args(output, file_format="html"))
    html = output.read_text(encoding="utf-8")
    assert "<html" in html
    assert world.partnership_a.name in html
    assert "A year of recovery across the city region." in html


def test_a_draft_without_a_report_saves_nothing(world, tmp_path):
    output = tmp_path / "draft.html"
    _out, err = _run(*_args(output, year="2022", file_format="html"))
    assert world.partnership_a.name in output.read_text(encoding="utf-8")
    assert "2022/23" in output.read_text(encoding="utf-8")
    assert "nothing saved" in err
    assert not Report.objects.exists()
    assert not Report.history.exists()


def test_html_to_standard_output(world):
    out, err = _run(*_args("-", file_format="html"))
    assert out.lstrip().startswith("<!DOCTYPE html>")
    assert world.partnership_a.name in out
    assert "standard output" in err


def test_pdf_to_standard_output_as_bytes(world):
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8")
    call_command("report", *_args("-"), stdout=out, stderr=io.StringIO())
    out.flush()
    assert buffer.getvalue().startswith(b"%PDF")


def test_the_submitted_copy_byte_for_byte(world, tmp_path):
    report = _report(world, foreword="As submitted.", foreword_signatory="Alex Jones, SRO")
    actions.sign_off(report=report, by=world.sro_a)
    submission = actions.submit(report=report, by=world.sro_a)
    # a later change starts version 2: the submitted copy stays as it was
    actions.change_narrative(report=report, by=world.member_a, foreword="Changed since.")
    pdf, html = tmp_path / "submitted.pdf", tmp_path / "submitted.html"
    _run(*_args(pdf), submitted=True)
    _run(*_args(html, file_format="html"), submitted=True)
    assert pdf.read_bytes() == bytes(submission.pdf)
    assert html.read_bytes() == submission.html.encode("utf-8")
    assert "Changed since." not in html.read_text(encoding="utf-8")
    current = tmp_path / "current.html"
    _run(*_args(current, file_format="html"))
    assert "Changed since." in current.read_text(encoding="utf-8")


def test_a_tampered_submission_is_not_written(world, tmp_path):
    report = _report(world, foreword="As submitted.", foreword_signatory="Alex Jones, SRO")
    actions.sign_off(report=report, by=world.sro_a)
    submission = actions.submit(report=report, by=world.sro_a)
    Submission.objects.filter(pk=submission.pk).update(html="<p>forged</p>")
    output = tmp_path / "submitted.html"
    with pytest.raises(CommandError, match="does not match its checksum"):
        _run(*_args(output, file_format="html"), submitted=True)
    assert not output.exists()


def test_submitted_needs_a_submission(world, tmp_path):
    _report(world)
    output = tmp_path / "r.pdf"
    with pytest.raises(CommandError, match="never been submitted.*leave out --submitted"):
        _run(*_args(output), submitted=True)
    with pytest.raises(CommandError, match="has no report for 2022/23"):
        _run(*_args(output, year="2022"), submitted=True)
    assert not output.exists()


def test_an_unknown_partnership_suggests_close_matches(world, tmp_path):
    output = tmp_path / "r.pdf"
    with pytest.raises(CommandError, match="no partnership 'greater-manchster'.*Did you mean "
                                           "greater-manchester"):
        _run(*_args(output, slug="greater-manchster"))
    with pytest.raises(CommandError, match="Did you mean berkshire-west"):
        _run(*_args(output, slug="berkshire"))
    with pytest.raises(CommandError, match="last part of the partnership's web address"):
        _run(*_args(output, slug="zzzz"))
    assert not output.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("year", ["2021", "2025"])
def test_a_year_outside_those_open(world, tmp_path, year):
    output = tmp_path / "r.pdf"
    with pytest.raises(CommandError, match=r"from 2022 \(2022/23\) to 2024 \(2024/25\).*2023 is "
                                           "2023/24"):
        _run(*_args(output, year=year))
    assert not output.exists()


def test_an_output_path_that_cannot_be_written(world, tmp_path):
    with pytest.raises(CommandError, match="there is no folder"):
        _run(*_args(tmp_path / "missing" / "r.pdf"))
    with pytest.raises(CommandError, match="is a folder"):
        _run(*_args(tmp_path))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # running as root: the folder stays writable
            return
        with pytest.raises(CommandError, match="you may not write in"):
            _run(*_args(locked / "r.pdf"))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_failed_render_leaves_the_old_file_whole(world, tmp_path, monkeypatch):
    from cdphub.reporting import render

    output = tmp_path / "report.pdf"
    output.write_bytes(b"the previous report")

    def broken(snapshot):
        raise RuntimeError("WeasyPrint failed")

    monkeypatch.setattr(render, "render_pdf", broken)
    with pytest.raises(RuntimeError, match="WeasyPrint failed"):
        _run(*_args(output))
    assert output.read_bytes() == b"the previous report"
    assert list(tmp_path.iterdir()) == [output]


def test_a_failed_write_leaves_no_partial_file(world, tmp_path, monkeypatch):
    from cdphub.reporting.management.commands import report as command

    output = tmp_path / "report.html"

    def full_disk(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(command.os, "replace", full_disk)
    with pytest.raises(CommandError, match="No space left on device. Nothing was written"):
        _run(*_args(output, file_format="html"))
    assert list(tmp_path.iterdir()) == []
