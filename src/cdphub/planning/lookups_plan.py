"""How the delivery plan's pages find the records in their URL: each only among the
partnership's own (the partnership itself is ``lookups.partnership``), so another
partnership's plan, action or milestone is not found (404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from cdphub.partnerships.models import Partnership

from .models import ActionMilestone, Plan, PlanAction


def plan(partnership: Partnership, pk: int) -> Plan:
    return get_object_or_404(
        partnership.plans.select_related("partnership", "agreed_at_meeting", "agreed_by",
                                         "previous", "created_by"), pk=pk)


def action(partnership: Partnership, pk: int) -> PlanAction:
    return get_object_or_404(
        PlanAction.objects.select_related(
            "plan__partnership", "priority", "lead_organisation", "owner", "funding_stream",
            "meeting", "carried_from__plan", "withdrawn_by", "created_by"),
        plan__partnership=partnership, pk=pk)


def milestone(partnership: Partnership, pk: int) -> ActionMilestone:
    return get_object_or_404(
        ActionMilestone.objects.select_related("action__plan__partnership"),
        action__plan__partnership=partnership, pk=pk)
