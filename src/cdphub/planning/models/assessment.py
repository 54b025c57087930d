"""The partnership's cycle, from the joint needs assessment (Chapter 4, "Analyse").

* ``Assessment``: one joint needs assessment of a partnership. At most one is in progress
  (draft, or agreed at a meeting and waiting for the SRO); every earlier one is kept. Signing
  off freezes its figures (``snapshot``) and records the needs-assessment milestone.
* ``SectionNarrative``: what the partnership wrote for one section (the sections are framework
  data: ``guidance().assessment_sections``).
* ``Finding``: a statement the assessment makes, in a section, with its evidence.
* ``Priority``: what the partnership will act on, often raised from a finding. Priorities
  belong to the partnership, not to one assessment: the delivery plan is built on them.
* ``Evidence``: the evidence register (documents and sources, with a link or a stored file).
* ``DataHolding`` and ``SharingAgreement``: the data-sharing register (Box 5).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from cdphub.framework import guidance
from cdphub.partnerships.models import Meeting, Organisation, Partnership


def section_choices():
    return guidance().choices("assessment_sections")


def evidence_type_choices():
    return guidance().choices("evidence_types")


class AssessmentQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status__in=Assessment.IN_PROGRESS)

    def signed_off(self):
        return self.filter(status__in=Assessment.SIGNED_OFF_STATUSES)


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed by the partnership"
        SIGNED_OFF = "signed_off", "Signed off"

    IN_PROGRESS = (Status.DRAFT, Status.AGREED)
    SIGNED_OFF_STATUSES = (Status.SIGNED_OFF,)

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="assessments")
    title = models.CharField(max_length=200, default="Joint needs assessment")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # Agreed by the partnership at a recorded meeting.
    # RESTRICT: a meeting that agreed an assessment cannot be deleted on its own (meetings
    # are withdrawn, never deleted), but goes with its partnership and the assessment.
    agreed_at_meeting = models.ForeignKey(Meeting, null=True, blank=True,
                                          on_delete=models.RESTRICT, related_name="+")
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # Signed off by the SRO (two-factor): the figures are frozen on that day.
    signed_off_on = models.DateField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    #: The figures as they were when signed off (``planning.figures``): never changed after.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(status__in=["draft", "agreed"]),
                name="one_assessment_in_progress",
                violation_error_message="The partnership already has an assessment in "
                "progress: finish or sign off that one first."),
        ]

    def __str__(self) -> str:
        if self.signed_off_on:
            return f"{self.title}, signed off {self.signed_off_on:%-d %B %Y}"
        return f"{self.title} ({self.get_status_display().lower()})"

    @property
    def is_in_progress(self) -> bool:
        return self.status in self.IN_PROGRESS

    @property
    def is_signed_off(self) -> bool:
        return self.status in self.SIGNED_OFF_STATUSES

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class SectionNarrative(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="narratives")
    section_key = models.CharField("section", max_length=40, choices=section_choices)
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "section_key"]
        constraints = [models.UniqueConstraint(fields=["assessment", "section_key"],
                                               name="one_narrative_per_section")]

    def __str__(self) -> str:
        return f"{self.get_section_key_display()}"


class Evidence(models.Model):
    """One document or source in the partnership's evidence register."""

    class Visibility(models.TextChoices):
        PARTNERSHIP = "partnership", "Partnership only"
        PUBLISHABLE = "publishable", "Publishable"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="evidence")
    title = models.CharField(max_length=300)
    evidence_type = models.CharField("type", max_length=40, choices=evidence_type_choices)
    owner = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="owner organisation")
    dated = models.DateField("date")
    link = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="evidence/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField("file name", max_length=255, blank=True)
    file_type = models.CharField(max_length=100, blank=True)  # the checked media type
    file_size = models.PositiveBigIntegerField(default=0)
    visibility = models.CharField(max_length=20, choices=Visibility.choices,
                                  default=Visibility.PARTNERSHIP)
    notes = models.TextField(blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    withdrawal_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-dated", "title"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    class Severity(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="findings")
    section_key = models.CharField("section", max_length=40, choices=section_choices)
    statement = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices,
                                default=Severity.MEDIUM)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="findings")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords(m2m_fields=[evidence])

    class Meta:
        ordering = ["assessment", "section_key", "id"]

    def __str__(self) -> str:
        return self.statement[:80]


class Priority(models.Model):
    """Something the partnership has decided to act on. The delivery plan's actions each
    belong to a priority."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="priorities")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="priorities",
                                help_text="The needs-assessment finding it was raised from.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "id"]
        verbose_name_plural = "priorities"

    def __str__(self) -> str:
        return self.title


class DataHolding(models.Model):
    """Relevant data an organisation holds (Box 5: "identify what relevant data individual
    organisations already hold")."""

    class Sharing(models.TextChoices):
        SHARED = "shared", "Shared with the partnership"
        NOT_SHARED = "not_shared", "Not shared yet"
        INTENDED = "intended", "The partnership intends to develop sharing"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="data_holdings")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    dataset = models.CharField("data held", max_length=300)
    sharing = models.CharField(max_length=20, choices=Sharing.choices,
                               default=Sharing.NOT_SHARED)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "dataset"]

    def __str__(self) -> str:
        return f"{self.dataset} ({self.organisation})"


class SharingAgreement(models.Model):
    """A data-sharing agreement in place or being developed (Box 5)."""

    class LawfulBasis(models.TextChoices):  # UK GDPR Article 6(1)
        CONSENT = "consent", "Consent (Article 6(1)(a))"
        CONTRACT = "contract", "Contract (Article 6(1)(b))"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Article 6(1)(c))"
        VITAL_INTERESTS = "vital_interests", "Vital interests (Article 6(1)(d))"
        PUBLIC_TASK = "public_task", "Public task (Article 6(1)(e))"
        LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (Article 6(1)(f))"

    class Status(models.TextChoices):
        IN_PLACE = "in_place", "In place"
        IN_DEVELOPMENT = "in_development", "Being developed"
        ENDED = "ended", "Ended"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="sharing_agreements")
    title = models.CharField(max_length=300)
    parties = models.ManyToManyField(Organisation, related_name="+")
    purpose = models.TextField()
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PLACE)
    signed_on = models.DateField(null=True, blank=True)
    review_on = models.DateField("review or expiry date", null=True, blank=True)
    dpia_done = models.BooleanField("data protection impact assessment done", default=False)
    notes = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[parties])

    class Meta:
        ordering = ["review_on", "title"]

    def __str__(self) -> str:
        return self.title

    def is_past_review(self, today: dt.date) -> bool:
        return (self.status == self.Status.IN_PLACE and self.review_on is not None
                and self.review_on < today)
