"""Areas: England, its regions, upper-tier local authorities, districts and police force areas.

Each record is one area *as identified by one GSS code*. Codes are never reused, so a
boundary change (Cumbria → Cumberland and Westmorland and Furness, April 2023) or a code
change (Barnsley E08000016 → E08000038, April 2025) ends one record and starts another,
linked as predecessor and successor: history is represented, never overwritten.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.urls import reverse

from cdphub.core.clock import today
from cdphub.core.validity import ValidityQuerySet, is_valid_on


class AreaType(models.TextChoices):
    COUNTRY = "country", "Country"
    REGION = "region", "Region"
    UTLA = "utla", "Upper-tier local authority"
    LAD = "lad", "Local authority district"
    PFA = "pfa", "Police force area"


class AreaQuerySet(ValidityQuerySet):
    """``valid_on(date)`` and ``current()`` (in use today) come from ``core.validity``."""

    def of_type(self, area_type: str) -> AreaQuerySet:
        return self.filter(area_type=area_type)


class Area(models.Model):
    code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField(max_length=200)
    area_type = models.CharField(max_length=10, choices=AreaType.choices, db_index=True)
    subtype = models.CharField(
        max_length=60, blank=True, help_text="For example Unitary authority or County."
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        help_text="The area this one sits within: a region's country, an authority's region, "
        "a district's upper-tier authority.",
    )
    police_force_area = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="force_members",
        limit_choices_to={"area_type": AreaType.PFA},
    )
    valid_from = models.DateField(null=True, blank=True, help_text="Empty: before records began.")
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: still in use.")
    successors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="predecessors"
    )
    change_note = models.CharField(max_length=300, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["area_type", "name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="area_valid_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("geography:area", args=[self.code])

    def is_valid_on(self, date: dt.date) -> bool:
        return is_valid_on(self.valid_from, self.valid_to, date)

    @property
    def replaced_on(self) -> dt.date | None:
        """The first day this area was no longer in use (the day after ``valid_to``)."""
        return self.valid_to + dt.timedelta(days=1) if self.valid_to else None

    @property
    def is_current(self) -> bool:
        return self.is_valid_on(today())

    @property
    def region(self) -> Area | None:
        """The region an authority or district lies in (None for other types)."""
        area = self
        while area is not None and area.area_type != AreaType.REGION:
            area = area.parent
        return area
