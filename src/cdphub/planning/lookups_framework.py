"""How the performance framework's pages find the framework metric in their URL: only among
the partnership's own, so another partnership's is not found (404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from cdphub.partnerships.models import Partnership

from .models import FrameworkMetric


def framework_metric(partnership: Partnership, pk: int) -> FrameworkMetric:
    """One of this partnership's framework metrics (withdrawn ones too: their page says so,
    and the actions refuse to change them)."""
    item = get_object_or_404(
        partnership.framework_metrics.select_related("metric", "owner", "baseline_set_by"),
        pk=pk)
    item.partnership = partnership
    return item
