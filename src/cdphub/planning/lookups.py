"""How the planning pages find the records in their URL: the partnership by its slug, and an
assessment only among that partnership's, so another partnership's is not found (404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from cdphub.partnerships.models import Partnership

from .models import Assessment


def partnership(slug: str, **_kwargs) -> Partnership:
    """For ``@access(load=…)``: the partnership in the URL (the other URL arguments ignored)."""
    return get_object_or_404(Partnership.objects.select_related("region"), slug=slug)


def assessment(partnership: Partnership, pk: int) -> Assessment:
    """One of this partnership's assessments (another partnership's is not found)."""
    return get_object_or_404(
        partnership.assessments.select_related(
            "partnership", "created_by", "agreed_by", "agreed_at_meeting", "signed_off_by",
            "published_by"), pk=pk)
