"""Demo people, roles and milestone evidence for the register (synthetic, deterministic).

Most partnerships are in good order; a realistic few have a vacant lead role, a missing core
sector, a two-tier area without a district councillor, an SRO outside the expected roles, or
an overdue needs assessment or progress report.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib

from django.db.models import Prefetch
from simple_history.utils import bulk_create_with_history

from cdphub.geography.models import Area
from cdphub.partnerships.changesets import unique_now
from cdphub.partnerships.models import (
    Appointment,
    Coverage,
    MilestoneCompletion,
    Organisation,
    Partnership,
    Person,
    Position,
)

FIRST = ["Aisha", "Ben", "Chloe", "Daniel", "Emma", "Farah", "George", "Hannah", "Imran",
         "Jess", "Kwame", "Laura", "Mohammed", "Nadia", "Owen", "Priya", "Rachel", "Sanjay",
         "Tom", "Uma", "Vikram", "Wendy", "Yusuf", "Zoe", "Gareth", "Siobhan", "Marek", "Amara"]
LAST = ["Ahmed", "Baker", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal",
        "Jones", "Khan", "Lewis", "Morris", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts",
        "Singh", "Taylor", "Usman", "Walker", "Wright", "Young", "Okafor", "Murphy", "Chen"]
PROVIDERS = ["Change Grow Live", "Turning Point", "Humankind", "We Are With You",
             "Forward Trust", "Cranstoun"]
SRO_ROLES = [("la_director", "Director of Public Health"), ("pcc", "Police and Crime Commissioner"),
             ("la_chief_executive", "Chief Executive"), ("senior_police_officer",
                                                         "Assistant Chief Constable"),
             ("la_director", "Director of Children's Services"),
             ("icb_chief_executive", "Chief Executive, Integrated Care Board")]
WIDER_TITLES = {
    "schools": "Head of School Improvement", "higher_education": "Student Services Director",
    "further_education": "Deputy Principal", "housing_providers": "Head of Supported Housing",
    "youth_offending": "Youth Justice Service Manager", "vcse": "Chief Executive",
    "coroner": "Senior Coroner's Officer", "fire_rescue": "Group Manager, Prevention",
    "ohid_regional": "Regional Alcohol and Drugs Lead",
}


def _rng(partnership: Partnership) -> random.Random:
    return random.Random(zlib.crc32(partnership.name.encode()))


def _person_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in used:
            used.add(name)
            return name


class _Builder:
    def __init__(self):
        self.organisations: dict[str, Organisation] = {o.name: o for o in Organisation.objects.all()}
        self.new_orgs: list[Organisation] = []
        self.people: list[Person] = []
        self.appointments: list[tuple[Person, Appointment]] = []
        self.used_names: set[str] = set()  # names in the partnership being built

    def start_partnership(self) -> None:
        self.used_names = set()

    def organisation(self, name: str, sector: str) -> Organisation:
        if name not in self.organisations:
            org = Organisation(name=name, sector=sector)
            self.organisations[name] = org
            self.new_orgs.append(org)
        return self.organisations[name]

    def appoint(self, rng, partnership, *, position, sector, org_name, title, start,
                email_domain, sro_role="", tier="", agreed=True, name=None):
        name = name or _person_name(rng, self.used_names)
        first, last = name.split(" ", 1)
        email = f"{first[0].lower()}.{last.lower().replace(chr(39), '')}@{email_domain}"
        person = Person(partnership=partnership, full_name=name, job_title=title, email=email)
        person._org = self.organisation(org_name, sector)
        self.people.append(person)
        self.appointments.append((person, Appointment(
            partnership=partnership, position=position, sector=sector, sro_role=sro_role,
            elected_tier=tier, agreed_proposal=agreed, start_date=start)))

    def save(self):
        bulk_create_with_history(self.new_orgs, Organisation)
        for person in self.people:
            person.organisation = self.organisations[person._org.name]
        # Each partnership's people and roles are one save: one entry in its History.
        _stamp_per_partnership([*self.people, *(a for _p, a in self.appointments)])
        bulk_create_with_history(self.people, Person)
        appointments = []
        for person, appointment in self.appointments:
            appointment.person = person
            appointments.append(appointment)
        bulk_create_with_history(appointments, Appointment)


def _stamp_per_partnership(records) -> None:
    """One history time per partnership for these records (``partnerships/changesets.py``)."""
    times: dict[int, dt.datetime] = {}
    for record in records:
        if record.partnership_id not in times:
            times[record.partnership_id] = unique_now()
        record._history_date = times[record.partnership_id]


def _date(rng: random.Random, start: str, end: str) -> dt.date:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return a + dt.timedelta(days=rng.randint(0, (b - a).days))


def build_register_demo(today: dt.date) -> dict:
    """Appoint people and record milestone evidence in every partnership without people.
    Returns counts, and ``needs_assessment_refreshes``: for each of those partnerships, the
    day it signed off its refreshed needs assessment, or None (``demo/planning.py``)."""
    partnerships = list(
        Partnership.objects.filter(appointments__isnull=True).distinct().select_related("region")
        .prefetch_related(Prefetch("coverages", queryset=Coverage.objects.filter(
            valid_to__isnull=True).select_related("area", "area__police_force_area")))
    )
    districts: dict[int, list[str]] = {}
    for district in Area.objects.filter(area_type="lad").values("parent_id", "name"):
        districts.setdefault(district["parent_id"], []).append(district["name"])
    builder = _Builder()
    completions: list[MilestoneCompletion] = []
    refreshes: dict[int, dt.date | None] = {}
    for index, partnership in enumerate(sorted(partnerships, key=lambda p: p.name)):
        rng = _rng(partnership)
        builder.start_partnership()
        areas = [c.area for c in partnership.coverages.all()]
        place = partnership.name.replace(" Combating Drugs Partnership", "")
        council = f"{areas[0].name} Council" if len(areas) == 1 else f"{place} Combined Authority"
        domain = place.lower().replace(" ", "-").replace(",", "") + ".example"
        force = areas[0].police_force_area.name if areas[0].police_force_area else place
        police = force if "Police" in force else f"{force} Police"
        region = partnership.region.name
        formed = _date(rng, "2022-05-20", "2022-07-25") if index % 17 else _date(
            rng, "2022-08-10", "2022-10-15")  # a few formed late

        # The SRO: usually one of the expected roles; two partnerships chose someone else.
        if index in (11, 73):
            partnership.sro_exception_rationale = (
                "Core members agreed that an independent chair, with no organisational stake, "
                "is best placed to hold partners to account.")
            partnership.sro_exception_agreed_on = formed - dt.timedelta(days=14)
            partnership.save(update_fields=["sro_exception_rationale", "sro_exception_agreed_on"])
            builder.appoint(rng, partnership, position=Position.SRO, sector="other",
                            org_name=f"{place} Combating Drugs Partnership (independent chair)",
                            title="Independent Chair", start=formed, email_domain=domain,
                            sro_role="other")
        else:
            role, title = SRO_ROLES[rng.randrange(len(SRO_ROLES))]
            sector = {"pcc": "pcc", "senior_police_officer": "police",
                      "icb_chief_executive": "nhs"}.get(role, "local_authority_officials")
            org = {"pcc": f"Office of the {force} Police and Crime Commissioner",
                   "senior_police_officer": police,
                   "icb_chief_executive": f"NHS {place} Integrated Care Board"}.get(role, council)
            builder.appoint(rng, partnership, position=Position.SRO, sector=sector, org_name=org,
                            title=title, start=formed, email_domain=domain, sro_role=role)

        # Lead roles: the partnership lead nearly always; the others sometimes vacant.
        if index % 23 != 5:
            builder.appoint(rng, partnership, position=Position.PARTNERSHIP_LEAD,
                            sector="local_authority_officials", org_name=council,
                            title="Substance Misuse Commissioning Manager", start=formed,
                            email_domain=domain)
        if rng.random() < 0.8:
            builder.appoint(rng, partnership, position=Position.DATA_LEAD,
                            sector="local_authority_officials", org_name=council,
                            title="Public Health Intelligence Manager", start=formed,
                            email_domain=domain)
        if rng.random() < 0.65:
            builder.appoint(rng, partnership, position=Position.PUBLIC_INVOLVEMENT_LEAD,
                            sector="lived_experience",
                            org_name=f"{place} Lived Experience Recovery Organisation",
                            title="Lived Experience Co-ordinator", start=formed,
                            email_domain=domain)

        # Core members: every sector, except a realistic few gaps.
        missing = set()
        if index % 9 == 4:
            missing.add(rng.choice(["jobcentre_plus", "secure_estate", "lived_experience"]))
        if index % 31 == 7:
            missing.add("probation")
        orgs = {
            "local_authority_officials": (council, "Director of Adult Social Care"),
            "nhs": (f"NHS {place} Integrated Care Board", "Director of Mental Health"),
            "jobcentre_plus": ("Department for Work and Pensions (Jobcentre Plus)",
                               f"Partnership Manager, {region}"),
            "treatment_providers": (rng.choice(PROVIDERS), "Service Manager"),
            "police": (police, "Detective Chief Inspector"),
            "pcc": (f"Office of the {force} Police and Crime Commissioner",
                    "Deputy Police and Crime Commissioner"),
            "probation": (f"Probation Service ({region})", "Head of Probation Delivery Unit"),
            "lived_experience": (f"{place} Lived Experience Recovery Organisation",
                                 "Peer Mentor Lead"),
            "secure_estate": (f"HM Prison and Probation Service, {region} prisons",
                              "Head of Healthcare and Substance Misuse"),
        }
        for sector, (org, title) in orgs.items():
            if sector in missing:
                continue
            builder.appoint(rng, partnership, position=Position.CORE_MEMBER, sector=sector,
                            org_name=org, title=title, email_domain=domain,
                            start=formed + dt.timedelta(days=rng.randint(0, 40)),
                            agreed=rng.random() < 0.9)
        # Elected members: the upper tier always; a district councillor in two-tier areas,
        # except in a few.
        builder.appoint(rng, partnership, position=Position.CORE_MEMBER,
                        sector="elected_members", org_name=council,
                        title="Cabinet Member for Health and Wellbeing",
                        start=formed, email_domain=domain, tier="upper")
        for area in areas:
            names = districts.get(area.pk)
            if names and index % 5 != 2:
                district = rng.choice(names)
                builder.appoint(rng, partnership, position=Position.CORE_MEMBER,
                                sector="elected_members", org_name=f"{district} District Council",
                                title="Portfolio Holder for Housing", start=formed,
                                email_domain=domain, tier="lower")

        # Wider partners: a handful of the nine types.
        for key in rng.sample(sorted(WIDER_TITLES), rng.randint(3, 7)):
            builder.appoint(rng, partnership, position=Position.WIDER_PARTNER, sector=key,
                            org_name=_wider_org(key, place, region), title=WIDER_TITLES[key],
                            start=formed + dt.timedelta(days=rng.randint(30, 400)),
                            email_domain=domain, agreed=False)

        items, refreshes[partnership.pk] = _milestones(rng, partnership, index, today)
        completions += items
    builder.save()
    _stamp_per_partnership(completions)
    bulk_create_with_history(completions, MilestoneCompletion)
    return {"partnerships": len(partnerships), "people": len(builder.people),
            "milestone_completions": len(completions), "needs_assessment_refreshes": refreshes}


def _wider_org(key: str, place: str, region: str) -> str:
    return {
        "schools": f"{place} Schools Partnership", "higher_education": f"University of {place}",
        "further_education": f"{place} College", "housing_providers": f"{place} Homes",
        "youth_offending": f"{place} Youth Justice Service", "vcse": f"{place} Voluntary Action",
        "coroner": f"HM Coroner for {place}", "fire_rescue": f"{place} Fire and Rescue Service",
        "ohid_regional": f"OHID {region} regional team",
    }[key]


def _milestones(rng, partnership, index, today) -> tuple[list[MilestoneCompletion],
                                                         dt.date | None]:
    """Evidence for the milestones cdphub does not hold records for yet, and the day the
    partnership signed off its refreshed needs assessment (None: not refreshed). Most
    partnerships are up to date; every 7th missed its latest progress report, every 11th has
    not refreshed its needs assessment after three years. The 2022 needs assessment is a
    completion here; the refresh is an assessment signed off in cdphub (``demo/planning.py``,
    whose sign-off records the completion). Likewise the 2022 delivery plan is a completion
    here, but the 2025 plans (and Greater Manchester's 2022 one) are plans agreed in cdphub
    (``demo/plans.py``, whose agreement records the completion)."""
    items = []

    def done(key, date, evidence):
        if date <= today:
            items.append(MilestoneCompletion(partnership=partnership, milestone_key=key,
                                             completed_on=date, evidence=evidence))

    late = index % 13 == 3
    first_na = _date(rng, "2023-01-10", "2023-03-20") if late else _date(
        rng, "2022-10-01", "2022-11-28")
    done("needs_assessment", first_na, "Joint needs assessment 2022")
    refresh = None
    if index % 11 != 6:
        # Signed off in cdphub: signing off records the completion (demo/planning.py).
        refresh = _date(rng, "2025-06-01", "2025-10-30")
    plan = _date(rng, "2022-11-20", "2022-12-22") if not late else _date(
        rng, "2023-02-01", "2023-04-30")
    # The plans agreed in cdphub record their own completions (demo/plans.py): every
    # partnership's 2025 plan, and Greater Manchester's 2022 one.
    if partnership.name != "Greater Manchester Combating Drugs Partnership":
        done("delivery_plan", plan, "Local drugs strategy delivery plan 2023 to 2025")
    if index % 11 != 6:
        _date(rng, "2025-09-01", "2025-12-15")  # drawn as before: the dates after stay
    done("performance_framework", plan + dt.timedelta(days=rng.randint(0, 45)),
         "Local performance framework agreed at the partnership board")
    for year in range(2023, today.year + 1):
        if year == today.year and index % 7 == 0:
            continue  # this year's report not done: overdue
        done("progress_report", _date(rng, f"{year}-03-01", f"{year}-04-28"),
             f"Annual progress report {year}")
    return items, (refresh if refresh is not None and refresh <= today else None)
