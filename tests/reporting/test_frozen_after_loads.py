"""A submitted report never changes after later data loads: the stored HTML, PDF and content
keep the figures of the day it was submitted, the report's page shows the stored copy, while a
fresh draft moves on to the new figures (issue 14, "Done when")."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from cdphub.reporting import actions, build
from cdphub.reporting.models import Submission
from tests.conftest import sign_in
from tests.planning.test_assessment_pages import (  # noqa: F401 (the fixture)
    DEATHS,
    MANCHESTER,
    SALFORD,
    deaths,
    load_deaths,
)


def _deaths_row(snapshot: dict) -> dict:
    outcomes = next(s for s in snapshot["sections"] if s["key"] == "outcomes")
    return next(row for row in outcomes["data"]["headline"] if row["key"] == DEATHS)


def test_a_submitted_report_keeps_its_figures_after_a_later_data_load(client, world, deaths):  # noqa: F811
    report = actions.start_report(partnership=world.partnership_a, year=2023, by=world.member_a)
    actions.change_narrative(report=report, by=world.member_a, foreword="Our year.",
                             foreword_signatory="Alex Jones, SRO")
    actions.sign_off(report=report, by=world.sro_a)
    submission = actions.submit(report=report, by=world.sro_a)
    before = _deaths_row(submission.snapshot)
    assert before["period"] == "2020 - 22"
    stored = (submission.html_sha256, submission.pdf_sha256, submission.snapshot)
    assert "deaths-2022.csv" in submission.html

    # A newer period is loaded and recomputed.
    load_deaths("2021-01-01", "2023-12-31", {MANCHESTER: 9, SALFORD: 7}, name="deaths-2023.csv")

    kept = Submission.objects.get(pk=submission.pk)
    assert (kept.html_sha256, kept.pdf_sha256, kept.snapshot) == stored
    assert kept.checksums_match()
    assert "deaths-2023.csv" not in kept.html
    # a draft built now sees the new load; the submitted copy does not
    fresh = build.build(kept.report)
    assert _deaths_row(fresh) != before
    sources = next(s for s in fresh["sections"] if s["key"] == "outcomes")["sources"]
    assert any(load["file"] == "deaths-2023.csv" for load in sources["loads"])
    # the report's page shows what was submitted
    sign_in(client, world.member_a)
    page = client.get(reverse("partnerships:report", args=[world.partnership_a.slug, 2023]))
    text = page.content.decode()
    assert "deaths-2022.csv" in text and "deaths-2023.csv" not in text
    version = client.get(reverse("partnerships:report-version",
                                 args=[world.partnership_a.slug, 2023, 1]))
    assert version.content.decode() == kept.html
    assert kept.report.data_date == dt.date(2024, 5, 1)
