"""Partnership pages (the full register arrives with issue #3)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from cdphub.accounts.roles import is_central, partnership_ids, region_ids
from cdphub.core.access import access
from cdphub.geography.models import Area, AreaType

from .models import Partnership


def visible_partnerships(user):
    """The partnerships this user may read: all for central users, their region's for
    regional advisers, their own for members."""
    partnerships = Partnership.objects.select_related("region")
    if is_central(user):
        return partnerships
    from django.db.models import Q

    return partnerships.filter(Q(pk__in=partnership_ids(user)) | Q(region_id__in=region_ids(user)))


def _partnership(slug: str) -> Partnership:
    return get_object_or_404(Partnership.objects.select_related("region"), slug=slug)


@access("partnerships.view_partnership_list")
def partnership_list(request):
    partnerships = visible_partnerships(request.user)
    region_code = request.GET.get("region", "")
    if region_code:
        partnerships = partnerships.filter(region__code=region_code)
    regions = Area.objects.filter(area_type=AreaType.REGION).order_by("name")
    return render(request, "partnerships/list.html", {
        "partnerships": partnerships, "regions": regions, "region_code": region_code,
    })


@access("partnerships.view_partnership", load=_partnership)
def detail(request, partnership: Partnership, slug: str):
    return render(request, "partnerships/detail.html", {"partnership": partnership})
