"""Metrics, the data loaded for them, and the values computed from that data.

* ``Metric``: the catalogue. Headline and supporting metrics are synchronised from
  ``cdphub.framework.outcomes`` (``catalogue.sync_catalogue``); local metrics are defined by a
  partnership and belong to it.
* ``DataLoad``: one file loaded, with who, when, the file's name and SHA-256 checksum, row
  counts, status and progress. All or nothing: a load with any error stores no figures.
* ``Observation``: one figure from a load (numerator, denominator and, where the source
  publishes them, value and limits) for an area, period, breakdown and age band; or, for a
  partnership's own local metric, for the partnership as a whole (its footprint: ``partnership``
  instead of ``area``). A newer
  load of the same figure supersedes the older one visibly (``superseded_by``); withdrawing
  a load takes its figures out of use. Nothing is overwritten.
* ``ComputedValue``: the official statistic for an area or partnership, period and
  breakdown, computed from the current observations (summing numerators and denominators,
  never averaging rates) with its limits, comparison with England and trend.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cdphub.framework.outcomes import (
    DISCLOSURE_RULES,
    GEOGRAPHIES,
    KINDS,
    METHOD_LABELS,
    METHODS,
    PERIOD_TYPE_LABELS,
    PERIOD_TYPES,
    POLARITIES,
    outcomes_framework,
)


def _pairs(values) -> list[tuple[str, str]]:
    return [(v, v.replace("_", " ").replace("-", " ").capitalize()) for v in values]


def outcome_choices():
    return [(o.key, o.label) for o in outcomes_framework().outcomes]


class Metric(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    outcome = models.CharField(max_length=40, choices=outcome_choices)
    kind = models.CharField(max_length=20, choices=_pairs(KINDS))
    name = models.CharField(max_length=300)
    definition = models.TextField()
    source = models.CharField(max_length=300)
    geography = models.CharField("publishing geography", max_length=20,
                                 choices=_pairs(GEOGRAPHIES))
    frequency = models.CharField(max_length=30)
    period_type = models.CharField(max_length=30, choices=_pairs(PERIOD_TYPES))
    unit = models.CharField(max_length=60)
    multiplier = models.PositiveIntegerField(default=1)
    method = models.CharField(max_length=20, choices=_pairs(METHODS))
    polarity = models.CharField(max_length=10, choices=_pairs(POLARITIES))
    breakdowns = models.JSONField(default=list, blank=True)
    confidence = models.PositiveSmallIntegerField(default=95)
    disclosure = models.CharField(max_length=20, choices=_pairs(DISCLOSURE_RULES),
                                  default="suppress-1-4")
    denominator_disclosure = models.CharField(
        max_length=20, default="none", choices=_pairs(("none", "round-5")),
        help_text="The rule for a denominator that is another metric's published count.")
    cite = models.CharField("source in the guidance", max_length=200, blank=True)
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.CASCADE,
        related_name="local_metrics", help_text="For local metrics: the partnership that owns it.")
    order = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    values_version = models.PositiveIntegerField(
        default=0, editable=False,
        help_text="Counts recomputations of this metric's values: pages cache by it.")
    history = HistoricalRecords(excluded_fields=["updated_at", "values_version"])

    class Meta:
        ordering = ["order", "key"]
        constraints = [
            models.CheckConstraint(
                name="metric_local_has_partnership",
                condition=(Q(kind="local", partnership__isnull=False)
                           | (~Q(kind="local") & Q(partnership__isnull=True))),
                violation_error_message="A local metric belongs to a partnership; headline and "
                "supporting metrics do not.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("outcomes:metric", args=[self.key])

    # The choices keep their stored labels; these are how people read them ("Directly
    # standardised rate (DSR) …", not "Dsr").
    def get_method_display(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)

    def get_period_type_display(self) -> str:
        return PERIOD_TYPE_LABELS.get(self.period_type, self.period_type)


class DataLoad(models.Model):
    class Format(models.TextChoices):
        LONG = "long", "cdphub long format"
        FINGERTIPS = "fingertips", "Fingertips export"
        RECORDS = "records", "Record-level file (aggregated on loading)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Loading"
        COMPLETE = "complete", "Loaded"
        FAILED = "failed", "Not loaded: the file has errors"
        STOPPED = "stopped", "Not loaded: the loading stopped"
        WITHDRAWN = "withdrawn", "Withdrawn"

    file = models.FileField(upload_to="loads/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255)
    checksum = models.CharField("SHA-256 checksum", max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(default=0)
    format = models.CharField(max_length=20, choices=Format.choices)
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.PROTECT,
        related_name="data_loads", help_text="Empty for national data.")
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True,
        help_text="While running: when the process loading it last said it was alive. A "
        "load not heard from for CDPHUB_LOAD_LEASE is one whose worker died.")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker has started on it.")
    task_id = models.CharField(
        max_length=64, blank=True,
        help_text="The background task running it (empty when run by the cdphub command).")
    rows_read = models.PositiveIntegerField(default=0)
    observations_stored = models.PositiveIntegerField(default=0)
    observations_superseded = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True,
                              help_text="[{row, column, message}] — at most 1,000 kept.")
    error_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    is_synthetic = models.BooleanField(default=False,
                                       help_text="Synthetic demo data: labelled wherever shown.")
    notes = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    withdrawal_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Load {self.pk}: {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("outcomes:load", args=[self.pk])

    @property
    def last_seen(self):
        """When the process loading it was last heard from."""
        return self.heartbeat_at or self.created_at

    @property
    def lease_expired(self) -> bool:
        """Running, but not heard from for ``CDPHUB_LOAD_LEASE``: its worker died."""
        return (self.status == self.Status.RUNNING and self.last_seen is not None
                and self.last_seen < timezone.now() - settings.CDPHUB_LOAD_LEASE)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.COMPLETE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class Figure(models.Model):
    """A statistic's parts: numerator, denominator, value and its limits at both levels."""

    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    lower_95 = models.FloatField(null=True, blank=True)
    upper_95 = models.FloatField(null=True, blank=True)
    lower_99_8 = models.FloatField(null=True, blank=True)
    upper_99_8 = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True


class Observation(Figure):
    load = models.ForeignKey(DataLoad, on_delete=models.PROTECT, related_name="observations")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="observations")
    area = models.ForeignKey("geography.Area", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="A figure for the partnership as a whole (its footprint), "
        "for one of its own local metrics; empty for an area's figure.")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=40)
    breakdown = models.CharField(
        max_length=200, blank=True, default="",
        help_text="Empty for the total; otherwise 'dimension=value' pairs joined by ';', "
        "in sorted order, for example 'sex=Female'.")
    age_band = models.CharField(max_length=20, blank=True, default="",
                                help_text="For standardised rates: the age band of this row.")
    is_current = models.BooleanField(default=True, db_index=True)
    superseded_by = models.ForeignKey(DataLoad, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="superseded")

    class Meta:
        indexes = [models.Index(fields=["metric", "is_current", "period_start"]),
                   # Which loads a metric's current figures came from (``store.loads_behind``):
                   # without it each load's rows are scanned for the metric.
                   models.Index(fields=["load", "metric", "is_current"],
                                name="observation_load_metric")]
        constraints = [
            models.CheckConstraint(
                name="observation_area_or_partnership",
                condition=(Q(area__isnull=False, partnership__isnull=True)
                           | Q(area__isnull=True, partnership__isnull=False))),
            models.UniqueConstraint(
                fields=["metric", "area", "period_start", "period_end", "breakdown",
                        "age_band"],
                condition=Q(is_current=True),
                name="observation_one_current_figure",
            ),
            models.UniqueConstraint(
                fields=["metric", "partnership", "period_start", "period_end", "breakdown",
                        "age_band"],
                condition=Q(is_current=True, partnership__isnull=False),
                name="observation_one_current_partnership_figure",
            ),
        ]

    def __str__(self) -> str:
        where = self.area.code if self.area_id else self.partnership.slug
        return f"{self.metric.key} {where} {self.period_label} {self.breakdown}"

    @property
    def place_name(self) -> str:
        """The area's name, or the partnership's for a figure for it as a whole."""
        return self.area.name if self.area_id else f"{self.partnership.name} (as a whole)"


class ComputedValue(Figure):
    # No reverse accessors (``metric.values``, ``partnership.metric_values``): figures are
    # read only through ``outcomes/published.py``.
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("geography.Area", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    partnership = models.ForeignKey("partnerships.Partnership", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=40)
    breakdown = models.CharField(max_length=200, blank=True, default="")
    suppressed = models.BooleanField(default=False,
                                     help_text="Hidden in published outputs (small numbers).")
    geography_note = models.CharField(
        max_length=200, blank=True,
        help_text="For example: the figure for the police force area, where the metric is "
        "published only for police force areas.")
    geography_source = models.CharField(
        max_length=20, blank=True, default="", choices=[
            ("", "The partnership's own footprint (or the area's own figure)"),
            ("pfa", "The police force area's figure"), ("region", "The region's figure"),
            ("before_footprint", "The authorities the partnership first covered"),
            ("whole", "Loaded for the partnership as a whole")],
        help_text="Where a partnership's figure comes from, for code to read (the note "
                  "says the same for people).")
    comparison = models.CharField("compared with England", max_length=30, blank=True)
    comparison_region = models.CharField("compared with the region", max_length=30, blank=True)
    trend = models.CharField(max_length=60, blank=True)
    is_synthetic = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["metric", "partnership", "period_start"]),
                   models.Index(fields=["metric", "area", "period_start"])]
        constraints = [
            models.CheckConstraint(
                name="computed_value_area_or_partnership",
                condition=(Q(area__isnull=False, partnership__isnull=True)
                           | Q(area__isnull=True, partnership__isnull=False))),
            models.UniqueConstraint(
                fields=["metric", "area", "period_start", "period_end", "breakdown"],
                condition=Q(area__isnull=False), name="computed_value_unique_area"),
            models.UniqueConstraint(
                fields=["metric", "partnership", "period_start", "period_end", "breakdown"],
                condition=Q(partnership__isnull=False), name="computed_value_unique_partnership"),
        ]

    def __str__(self) -> str:
        where = self.partnership or self.area
        return f"{self.metric.key} {where} {self.period_label}: {self.value}"
