"""The annual progress report (guidance chapter 4, "Review and update"; chapter 5).

* ``Report``: one per partnership per reporting year (``years.ReportingYear``: 2023 is
  2023/24). The partnership writes the narrative (foreword and its signatory, vision,
  highlights, next steps); everything else is generated from live records and the official
  figures as at the report's ``data_date`` (``build.py``). Status: draft → signed off by the
  SRO (two-factor) → submitted to central government → published. Changing a signed-off,
  submitted or published report starts the next version as a draft: what was submitted never
  changes.
* ``CaseStudy``: a story the report tells. One that quotes a person needs a consent record
  (the date they agreed and how) before the report can be signed off.
* ``Submission``: the immutable copy frozen when a version is submitted: the generated content
  (``snapshot``), the HTML and the PDF, each with its SHA-256 checksum. ``save`` refuses any
  change to a stored submission except recording its publication.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from cdphub.partnerships.models import Partnership

from .years import ReportingYear

#: The narrative the partnership writes, in the order the report shows it.
NARRATIVE_SECTIONS = {
    "foreword": "Foreword",
    "vision": "Our vision",
    "highlights": "Highlights of the year",
    "next_steps": "Next steps",
}


class Report(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED_OFF = "signed_off", "Signed off by the SRO"
        SUBMITTED = "submitted", "Submitted to central government"
        PUBLISHED = "published", "Published"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="reports")
    year = models.PositiveSmallIntegerField(
        help_text="The reporting year's first year: 2023 is April 2023 to March 2024.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    #: The version being written (or last submitted): 1, then 2 once a submitted version is
    #: changed, and so on.
    version = models.PositiveIntegerField(default=1)
    #: Records and figures as at this date.
    data_date = models.DateField()
    foreword = models.TextField(blank=True)
    foreword_signatory = models.CharField(
        max_length=200, blank=True, help_text="Who signs the foreword: name and role.")
    vision = models.TextField(blank=True)
    highlights = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "year"], name="one_report_a_year",
                                    violation_error_message="The partnership already has a "
                                    "report for that year."),
        ]

    def __str__(self) -> str:
        return f"Progress report {self.reporting_year.label}"

    @property
    def reporting_year(self) -> ReportingYear:
        return ReportingYear(self.year)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def latest_submission(self) -> Submission | None:
        return self.submissions.order_by("-version").first()

    def published_submission(self) -> Submission | None:
        return (self.submissions.filter(published_at__isnull=False)
                .order_by("-version").first())


class CaseStudy(models.Model):
    class ConsentMethod(models.TextChoices):
        WRITTEN = "written", "In writing (signed form or e-mail)"
        RECORDED = "recorded", "Recorded verbal consent"
        GUARDIAN = "guardian", "In writing from a parent or guardian"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="case_studies")
    title = models.CharField(max_length=200)
    text = models.TextField()
    quotes_person = models.BooleanField(
        "quotes or describes an identifiable person", default=False)
    #: How the person quoted is named in the report ("Sam, 34", "a parent in Barrow").
    person_named_as = models.CharField(max_length=200, blank=True)
    consent_given_on = models.DateField(null=True, blank=True)
    consent_method = models.CharField(max_length=20, choices=ConsentMethod.choices,
                                      blank=True)
    consent_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")
    consent_note = models.TextField(
        blank=True, help_text="Where the consent form is kept (never the person's details).")
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "case studies"

    def __str__(self) -> str:
        return self.title

    @property
    def consent_missing(self) -> bool:
        return self.quotes_person and not (self.consent_given_on and self.consent_method)


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class Submission(models.Model):
    """One submitted version of a report, frozen: never changed after it is stored."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="submissions")
    version = models.PositiveIntegerField()
    data_date = models.DateField()
    signed_off_at = models.DateTimeField()
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    snapshot = models.JSONField()
    html = models.TextField()
    html_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    #: The only fields a stored submission may change: recording its publication.
    MUTABLE = frozenset({"published_at", "published_by"})

    class Meta:
        ordering = ["report", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="one_submission_a_version"),
        ]

    def __str__(self) -> str:
        return f"{self.report} version {self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.MUTABLE:
                raise ValidationError("A submitted report never changes: change the report "
                                      "and submit a new version instead.")
        else:
            self.html_sha256 = sha256(self.html)
            self.pdf_sha256 = sha256(bytes(self.pdf))
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def checksums_match(self) -> bool:
        return sha256(self.html) == self.html_sha256 and sha256(bytes(self.pdf)) == self.pdf_sha256
