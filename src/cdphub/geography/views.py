"""Area pages: what each area contains and what it belongs to, including boundary changes."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from cdphub.core.access import access

from .models import Area, AreaType


def _area(code: str) -> Area:
    return get_object_or_404(
        Area.objects.select_related("parent", "parent__parent", "police_force_area"), code=code
    )


@access("geography.view_area")
def index(request):
    regions = (
        Area.objects.filter(area_type=AreaType.REGION)
        .annotate(authorities=Count("children"))
        .order_by("name")
    )
    forces = Area.objects.filter(area_type=AreaType.PFA).order_by("name")
    changed = (
        Area.objects.filter(area_type=AreaType.UTLA, valid_to__isnull=False)
        .prefetch_related("successors")
        .order_by("-valid_to", "name")
    )
    return render(request, "geography/index.html", {
        "england": Area.objects.filter(area_type=AreaType.COUNTRY).first(),
        "regions": regions,
        "forces": forces,
        "changed": changed,
        "utla_count": Area.objects.of_type(AreaType.UTLA).current().count(),
    })


@access("geography.view_area", load=_area)
def area(request, area: Area, code: str):
    children = (
        area.children.select_related("police_force_area").order_by("-valid_to", "name")
    )
    force_members = area.force_members.filter(area_type=AreaType.UTLA).select_related("parent")
    ancestors = []
    parent = area.parent
    while parent is not None:
        ancestors.append(parent)
        parent = parent.parent
    return render(request, "geography/area.html", {
        "area": area,
        "ancestors": ancestors,
        "children": children,
        "current_children": [c for c in children if c.is_current],
        "past_children": [c for c in children if not c.is_current],
        "force_members": force_members,
        "predecessors": area.predecessors.all(),
        "successors": area.successors.all(),
    })
