"""Records the public-page tests plant: published and unpublished, for partnership A."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

YEAR = 2023
PDF = b"%PDF-1.7 published report"


def report(partnership, year=YEAR, *, published=True, status="submitted",
           html="<html><body><p style='color:#000'>Published report text</p></body></html>"):
    from cdphub.reporting import build
    from cdphub.reporting.models import Report, Submission

    rep, _ = Report.objects.get_or_create(partnership=partnership, year=year, defaults={
        "data_date": dt.date(year + 1, 3, 31), "status": status})
    if status in ("draft", "signed_off"):  # nothing submitted yet
        return rep
    now = timezone.now()
    Submission.objects.create(
        report=rep, version=rep.submissions.count() + 1, data_date=rep.data_date,
        signed_off_at=now, submitted_at=now, snapshot=build.build(rep), html=html, pdf=PDF,
        published_at=now if published else None)
    return rep


def terms(partnership, *, published=True, agreed=True, version=None, document=True):
    from cdphub.partnerships.models import TermsOfReference

    version = version or (partnership.terms_of_reference.count() + 1)
    t = TermsOfReference(partnership=partnership, version=version,
                         agreed_on=dt.date(2022, 9, 20) if agreed else None,
                         published_at=timezone.now() if published else None)
    if document:
        t.document.save(f"tor-v{version}.pdf", ContentFile(b"%PDF-1.4 terms"), save=False)
    t.save()
    return t


def assessment(partnership, *, published=True, title="Joint needs assessment 2023"):
    from cdphub.planning.models import Assessment

    now = timezone.now()
    return Assessment.objects.create(
        partnership=partnership, title=title, status=Assessment.Status.SIGNED_OFF,
        signed_off_on=dt.date(2023, 3, 1), signed_off_at=now,
        snapshot={"version": 1, "as_at": "2023-03-01", "metrics": {}, "loads": []},
        published_at=now if published else None)
