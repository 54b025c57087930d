"""Combating Drugs Partnerships (the register grows in issue #3)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse


class Partnership(models.Model):
    """A Combating Drugs Partnership (guidance chapter 3)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    region = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="partnerships",
        limit_choices_to={"area_type": "region"},
        help_text="The region its footprint lies in; regional advisers of that region can read it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partnerships:detail", args=[self.slug])
