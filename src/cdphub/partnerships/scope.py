"""What a signed-in person can see of the register, for the filters on list pages: filters
offer only what the person can see, and an empty list says why it is empty."""

from __future__ import annotations

from dataclasses import dataclass

from cdphub.accounts.roles import is_central, partnership_ids, region_ids
from cdphub.geography.models import Area, AreaType

from .models import Partnership
from .status import visible_to


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass
class Scope:
    """The regions a person's partnerships lie in, and a sentence saying what they can see
    (empty for central users, who see every partnership in England)."""

    regions: list[Area]
    sentence: str
    everything: bool

    def region(self, code: str) -> Area | None:
        """The region with this code if the person can see partnerships in it."""
        return next((r for r in self.regions if r.code == code), None)

    def empty_reason(self, *, region_code: str = "", query: str = "", overdue: bool = False,
                     what: str = "partnerships") -> str:
        """Why a filtered list of partnerships is empty, in words."""
        region = self.region(region_code) if region_code else None
        if region_code and region is None:
            name = Area.objects.filter(code=region_code, area_type=AreaType.REGION).values_list(
                "name", flat=True).first()
            place = name or f"the region {region_code}"
            return (f"There are no {what} in {place}." if self.everything
                    else f"You cannot see the {what} in {place}. {self.sentence}")
        if query:
            return f"No partnership you can see has a name containing “{query}”."
        if overdue:
            return "None of the partnerships you can see has a milestone overdue."
        if region is not None:
            return f"There are no {what} in {region.name}."
        if not self.regions:
            return f"There are no {what} you can see. {self.sentence}"
        return f"No {what} to show."


def scope_for(user) -> Scope:
    if is_central(user):
        regions = list(Area.objects.filter(area_type=AreaType.REGION).order_by("name"))
        return Scope(regions, "", everything=True)
    advised = list(Area.objects.filter(pk__in=region_ids(user)).order_by("name"))
    own = list(Partnership.objects.filter(pk__in=partnership_ids(user))
               .exclude(region__in=advised).order_by("name"))
    region_pks = set(visible_to(Partnership.objects.all(), user).values_list("region_id",
                                                                             flat=True))
    region_pks |= {r.pk for r in advised}
    regions = list(Area.objects.filter(pk__in=region_pks).order_by("name"))
    parts = []
    if advised:
        parts.append(f"every partnership in {_join([r.name for r in advised])}, the "
                     f"region{'s' if len(advised) > 1 else ''} you advise")
    if own:
        parts.append(f"{_join([p.name for p in own])}, where you have a role")
    sentence = (f"You can see {' and '.join(parts)}." if parts
                else "You have no role that lets you see a partnership.")
    return Scope(regions, sentence, everything=False)
