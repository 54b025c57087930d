"""Support and dialogue between central government, regional teams and a partnership
(guidance chapter 5, "Reporting and oversight": the intensity of support "will depend on the
needs and performance of the local partnership").

A partnership has one current support level, with the reason (its earlier levels are in its
history), and an engagement log: each conversation, who took part, the issue, what was agreed
and when to follow it up. Central users and the partnership's regional adviser read and write
both; the partnership's SRO and leads read their own level and what was agreed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class SupportLevel(models.Model):
    class Level(models.TextChoices):
        UNIVERSAL = "universal", "Universal"
        ENHANCED = "enhanced", "Enhanced"
        INTENSIVE = "intensive", "Intensive"

    partnership = models.OneToOneField(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="support_level",
    )
    level = models.CharField(max_length=20, choices=Level.choices)
    reason = models.TextField(help_text="Why this level: the evidence and the concern.")
    set_on = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.partnership}: {self.get_level_display()}"


class Engagement(models.Model):
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="engagements",
    )
    date = models.DateField(help_text="When the conversation took place.")
    who = models.CharField(max_length=500, help_text="Who took part, with their roles.")
    issue = models.TextField(help_text="The issue discussed.")
    agreed = models.TextField(help_text="What was agreed (the partnership's SRO and leads see "
                              "this).")
    follow_up_on = models.DateField(null=True, blank=True)
    followed_up_on = models.DateField(null=True, blank=True)
    follow_up_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.partnership}: {self.date:%d %B %Y}"
