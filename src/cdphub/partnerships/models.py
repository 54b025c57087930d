"""The register of Combating Drugs Partnerships (guidance chapter 3 and Appendix 1).

Writes that touch several records go through ``actions.py``; every record keeps its history
(django-simple-history), so the partnership page can show a timeline of who changed what.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cdphub.core.validity import ValidityQuerySet, is_valid_on
from cdphub.framework import guidance
from cdphub.geography.models import Area


def _choices(name: str):
    return guidance().choices(name)


def sro_role_choices():
    return [*_choices("sro_roles"), ("other", "None of these (exception agreed)")]


def tor_content_choices():
    return _choices("terms_of_reference_contents")


def governance_body_choices():
    return _choices("governance_bodies")


def milestone_choices():
    return _choices("milestones")


def sector_choices():
    return (
        [("Core sectors", _choices("core_sectors"))]
        + [("Wider partners", _choices("wider_partner_types"))]
        + [("Other", [("other", "Other")])]
    )


class Partnership(models.Model):
    """A Combating Drugs Partnership (guidance chapter 3)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    region = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="partnerships",
        limit_choices_to={"area_type": "region"},
        help_text="The region its footprint lies in; regional advisers of that region can read it.",
    )
    footprint_rationale = models.TextField(
        "rationale for the footprint", blank=True,
        help_text="Why these upper-tier local authorities (Appendix 1).",
    )
    sro_exception_rationale = models.TextField(
        "why the SRO holds none of the expected roles", blank=True,
        help_text="Only where core members have agreed that someone outside the listed roles "
        "is best placed to be SRO (guidance chapter 3, footnote 15).",
    )
    sro_exception_agreed_on = models.DateField(
        "date core members agreed the SRO exception", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partnerships:detail", args=[self.slug])

    def authorities_on(self, date: dt.date):
        """The authorities this partnership covers on ``date`` (one coverage row must be both
        this partnership's and in use on the date)."""
        return Area.objects.filter(coverages__in=self.coverages.valid_on(date)).distinct()

    def current_coverage(self):
        return self.coverages.filter(valid_to__isnull=True).select_related("area").order_by(
            "area__name")


class CoverageQuerySet(ValidityQuerySet):
    """``valid_on(date)``, ``valid_on_or_after(date)`` from ``core.validity``."""


class Coverage(models.Model):
    """One upper-tier local authority in a partnership's footprint, for a span of dates.

    The database allows at most one open coverage per authority (a partial unique index that
    SQLite and PostgreSQL both enforce, so two concurrent claims cannot both succeed);
    ``actions`` also refuses overlapping closed spans.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="coverages")
    area = models.ForeignKey("geography.Area", on_delete=models.PROTECT,
                             related_name="coverages", limit_choices_to={"area_type": "utla"})
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    change = models.ForeignKey("FootprintChange", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="coverages")
    history = HistoricalRecords()

    objects = CoverageQuerySet.as_manager()

    class Meta:
        ordering = ["area__name", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"], condition=Q(valid_to__isnull=True),
                name="coverage_one_open_partnership_per_authority",
                violation_error_message="This authority is already covered by a partnership.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="coverage_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} in {self.partnership} from {self.valid_from}"

    def is_valid_on(self, date: dt.date) -> bool:
        return is_valid_on(self.valid_from, self.valid_to, date)


class FootprintChange(models.Model):
    """A change to a footprint, proposed by the partnership and effective only once a central
    administrator agrees it (guidance chapter 3, Developing partnerships)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        REJECTED = "rejected", "Not agreed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="footprint_changes")
    add_areas = models.ManyToManyField("geography.Area", blank=True, related_name="+")
    remove_areas = models.ManyToManyField("geography.Area", blank=True, related_name="+")
    effective_from = models.DateField()
    rationale = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        return f"Footprint change for {self.partnership} from {self.effective_from}"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    sector = models.CharField(max_length=40, choices=sector_choices, default="other")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone who takes part in a partnership (they need not have a cdphub account).

    A person record belongs to one partnership: its members may edit it, and nothing another
    partnership does can change or show it. Someone who takes part in two partnerships has a
    record in each.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="people")
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="people")
    email = models.EmailField(blank=True)
    #: The person agreed that their e-mail address appears on the partnership's public page
    #: (otherwise the public page shows their name and role only).
    email_public = models.BooleanField(
        "show their e-mail address on the public page", default=False,
        help_text="Only with the person's agreement.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="people")
    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name


class Position(models.TextChoices):
    SRO = "sro", "Senior responsible owner"
    PARTNERSHIP_LEAD = "partnership_lead", "Partnership lead"
    PUBLIC_INVOLVEMENT_LEAD = "public_involvement_lead", "Public involvement lead"
    DATA_LEAD = "data_lead", "Data and digital lead"
    CORE_MEMBER = "core_member", "Core member"
    WIDER_PARTNER = "wider_partner", "Wider partner"


SINGLE_HOLDER_POSITIONS = [Position.SRO, Position.PARTNERSHIP_LEAD,
                           Position.PUBLIC_INVOLVEMENT_LEAD, Position.DATA_LEAD]


class Appointment(models.Model):
    """A person's role in a partnership, from a start date to an (optional) end date."""

    class Tier(models.TextChoices):
        UPPER = "upper", "Upper tier (county or unitary council)"
        LOWER = "lower", "Lower tier (district council)"
        COMBINED = "combined", "Combined authority or metro mayor"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="appointments")
    # RESTRICT: a person with appointments cannot be deleted on their own, but deleting the
    # partnership deletes its people and their appointments together.
    person = models.ForeignKey(Person, on_delete=models.RESTRICT, related_name="appointments")
    position = models.CharField(max_length=40, choices=Position.choices)
    sector = models.CharField(
        "sector represented", max_length=40, choices=sector_choices,
        help_text="The core sector or wider partner type this person represents.")
    sro_role = models.CharField(
        "SRO's role", max_length=40, blank=True,
        choices=sro_role_choices,
        help_text="For the SRO: which of the roles in the guidance they hold.")
    elected_tier = models.CharField(
        "tier (elected members)", max_length=20, blank=True, choices=Tier.choices)
    agreed_proposal = models.BooleanField(
        "agreed the partnership proposal", default=False,
        help_text="A core partner that agreed the proposal returned to central government "
        "(Appendix 1).")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "position"],
                condition=Q(end_date__isnull=True, position__in=SINGLE_HOLDER_POSITIONS),
                name="appointment_one_current_holder_per_lead_role",
                violation_error_message="Someone already holds this role: end their "
                "appointment first.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="appointment_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_position_display()} — {self.partnership}"

    def is_current_on(self, date: dt.date) -> bool:
        return is_valid_on(self.start_date, self.end_date, date)

    @property
    def sector_label(self) -> str:
        return dict(_flat_sector_choices()).get(self.sector, self.sector)


def _flat_sector_choices():
    for _group, options in sector_choices():
        yield from options


class TermsOfReference(models.Model):
    """One version of a partnership's terms of reference."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="terms_of_reference")
    version = models.PositiveIntegerField()
    document = models.FileField(upload_to="terms-of-reference/%Y/", blank=True)
    agreed_on = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: Published on the partnership's public page (an agreed version only).
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["partnership", "version"],
                                               name="tor_unique_version")]
        verbose_name_plural = "terms of reference"

    def __str__(self) -> str:
        return f"Terms of reference v{self.version} — {self.partnership}"


class TermsOfReferenceItem(models.Model):
    """Whether one of the contents the guidance lists is addressed, and where."""

    terms = models.ForeignKey(TermsOfReference, on_delete=models.CASCADE, related_name="items")
    content_key = models.CharField(max_length=60, choices=tor_content_choices)
    addressed = models.BooleanField(default=False)
    where = models.CharField(max_length=200, blank=True,
                             help_text="Where the document addresses it, for example 'Section 4'.")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["terms", "content_key"],
                                               name="tor_item_unique_content")]

    def __str__(self) -> str:
        return f"{self.get_content_key_display()}: {'addressed' if self.addressed else 'not yet'}"


class SubGroup(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="sub_groups")
    name = models.CharField(max_length=200)
    remit = models.TextField(blank=True)
    chair = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="chaired_groups")
    members = models.ManyToManyField(Person, blank=True, related_name="sub_groups")
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="sub_groups",
        help_text="Empty: reports to the partnership board itself.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["partnership", "name"],
                                               name="subgroup_unique_name")]

    def __str__(self) -> str:
        return self.name


class LocalBodyLink(models.Model):
    """How the partnership relates to another local body (guidance chapter 3, Figure 3)."""

    class Relationship(models.TextChoices):
        REPORTS_TO = "reports_to", "The partnership reports to it"
        REPORTS_IN = "reports_in", "It reports to the partnership"
        SHARED = "shared", "Shares members and information"
        INFORMS = "informs", "Informs the partnership's work"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="local_links")
    body_type = models.CharField(max_length=40, choices=governance_body_choices)
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["body_type", "name"]

    def __str__(self) -> str:
        return self.name


class MeetingQuerySet(models.QuerySet):
    def not_withdrawn(self):
        return self.filter(withdrawn_at__isnull=True)

    def withdrawn(self):
        return self.filter(withdrawn_at__isnull=False)


class Meeting(models.Model):
    """A meeting of the partnership. A meeting recorded in error is withdrawn, never deleted:
    it stays in the record, marked withdrawn with the reason, who and when, and drops out of
    the counts and attendance summaries."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="meetings")
    held_on = models.DateField("date")
    title = models.CharField(max_length=200, default="Partnership board")
    attendees = models.ManyToManyField(Person, blank=True, related_name="meetings")
    notes = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField("withdrawn", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    withdrawal_reason = models.TextField("reason for withdrawing it", blank=True)
    history = HistoricalRecords(m2m_fields=[attendees])

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.title}, {self.held_on}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.text[:80]


class Action(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="actions")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="actions")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description[:80]

    def is_overdue(self, today: dt.date) -> bool:
        return (self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)
                and self.due_on is not None and self.due_on < today)


class MilestoneCompletion(models.Model):
    """Evidence that a milestone was done on a date (for milestones whose records cdphub does
    not hold itself yet, such as the needs assessment and progress reports)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="milestone_completions")
    milestone_key = models.CharField(max_length=40, choices=milestone_choices)
    completed_on = models.DateField()
    evidence = models.CharField(max_length=300,
                                help_text="What shows it was done, for example the document "
                                "title or the meeting that agreed it.")
    link = models.URLField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["milestone_key", "completed_on"]

    def __str__(self) -> str:
        return f"{self.get_milestone_key_display()} — {self.completed_on}"
