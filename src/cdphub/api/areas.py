"""Areas through the API: England, its regions, police force areas, upper-tier authorities and
districts, past and present, by GSS code. Published: anyone may read them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from cdphub.core.access import PUBLIC
from cdphub.geography.models import Area, AreaType

from .access import OPEN, access
from .common import GSS_CODE, PARAMETER_ERRORS, TEXT, CodePath, IsoDate, Pages, invalid

router = Router(tags=["Areas"])


class AreaRef(Schema):
    code: str = Field(description="GSS code.")
    name: str


class AreaSummary(Schema):
    code: str = Field(description="GSS code, e.g. E10000006.")
    name: str
    type: AreaType = Field(description="country, region, utla (upper-tier local authority), "
                                       "lad (district) or pfa (police force area).")
    type_label: str
    subtype: str = Field(description="For example 'Unitary authority' or 'County'.")
    parent: AreaRef | None = Field(description="The area this one sits within.")
    police_force_area: AreaRef | None
    valid_from: dt.date | None = Field(description="First day in use (null: before records).")
    valid_to: dt.date | None = Field(description="Last day in use (null: still in use).")

    @staticmethod
    def resolve_type(area: Area) -> str:
        return area.area_type

    @staticmethod
    def resolve_type_label(area: Area) -> str:
        return area.get_area_type_display()


class AreaDetail(AreaSummary):
    children: list[AreaRef] = Field(description="Areas within this one, past and present.")
    predecessors: list[AreaRef] = Field(description="Areas this one replaced.")
    successors: list[AreaRef] = Field(description="Areas that replaced this one.")
    change_note: str

    @staticmethod
    def resolve_children(area: Area) -> list[Area]:
        return sorted(area.children.all(), key=lambda a: (a.name, a.code))

    @staticmethod
    def resolve_predecessors(area: Area) -> list[Area]:
        return sorted(area.predecessors.all(), key=lambda a: (a.name, a.code))

    @staticmethod
    def resolve_successors(area: Area) -> list[Area]:
        return sorted(area.successors.all(), key=lambda a: (a.name, a.code))


class AreaFilters(Schema):
    type: AreaType | None = Field(None, description="Only areas of this type.")
    parent: str | None = Field(None, pattern=GSS_CODE,
                               description="Only areas directly within the area with this GSS code.")
    q: str | None = Field(None, max_length=100, pattern=TEXT,
                          description="Only areas whose name contains this.")
    in_use_on: IsoDate | None = Field(None, description="Only areas in use on this date "
                                                        "(YYYY-MM-DD).")


def area_by_code(code: str, *, parameter: str = "area") -> Area:
    """The area with this GSS code, or a 422 naming the parameter."""
    try:
        return Area.objects.get(code=code.strip().upper())
    except ObjectDoesNotExist:
        raise invalid(parameter, f"There is no area with the GSS code '{code}'. List areas at "
                                 "/api/v1/areas (filter with type and q).") from None


def _area(code: str) -> Area:
    area = (Area.objects.select_related("parent", "police_force_area")
            .prefetch_related("children", "predecessors", "successors")
            .filter(code=code.strip().upper()).first())
    if area is None:
        raise HttpError(404, f"There is no area with the GSS code '{code}'.")
    return area


@router.get("/areas", auth=OPEN, response={200: list[AreaSummary], **PARAMETER_ERRORS},
            summary="List areas (published)")
@paginate(Pages, page_size=100, max_page_size=1000)
@access(PUBLIC, public=True)
def list_areas(request, filters: Query[AreaFilters]):
    areas = Area.objects.select_related("parent", "police_force_area")
    if filters.type:
        areas = areas.filter(area_type=filters.type)
    if filters.parent:
        areas = areas.filter(parent=area_by_code(filters.parent, parameter="parent"))
    if filters.q and filters.q.strip():
        areas = areas.filter(name__icontains=filters.q.strip())
    if filters.in_use_on:
        areas = areas.valid_on(filters.in_use_on)
    return areas.order_by("area_type", "name", "code")


@router.get("/areas/{code}", auth=OPEN, response={200: AreaDetail, **PARAMETER_ERRORS},
            summary="One area, with what it contains, replaced and was replaced by (published)")
@access(PUBLIC, load=_area, public=True)
def get_area(request, area: Area, code: CodePath):
    return area
