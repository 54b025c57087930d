"""Demo delivery plans (chapter 4, "Local plans" and "Review and update"): every partnership
has one.

* **Priorities**: the partnership's needs-assessment priorities (``demo/planning.py``). While
  the plan was written, a partnership with fewer than five whose priorities leave drug
  supply or treatment out raised one for it from a finding of the assessment not raised
  before, where one fits. About a quarter have raised another finding at a board since the
  plan was agreed, with no action yet (the coverage check lists it); every other active
  priority has actions. (A partnership with no priority would add three general ones.)
* **The plan**: 1 April 2025 to 31 March 2028, agreed at the first partnership board at least
  two weeks after the needs assessment was signed off (after 1 July 2025 where it has not
  been), which records the delivery-plan milestone exactly as ``actions_plan.agree_plan``
  does (same evidence wording and link). Greater Manchester also has its 2022 plan, agreed
  in December 2022 and superseded by this one: its open actions were carried over with
  their lineage (some changed status since), some were completed and two dropped, so the
  year-on-year comparison has all four kinds of change.
* **Actions**: 10 to 20 live ones, written from a table of plausible actions per Box 6
  commitment (``ACTIONS``), each led by one of the partnership's member organisations
  (``plans.member_organisations``) and owned by one of its people, with 1 to 3 milestones, a
  funding stream (most), 1 or 2 national metrics, and a status: mostly on track, some at
  risk or off track, some complete, some not started; 1 to 3 commitments uncovered (which
  ones varies); 1 or 2 actions past their due date. Some were added at a later board, and
  some partnerships withdrew one, so the plan's own history changes over the year too.
* **Quarterly updates** for the last four completed quarters (``quarters.last_completed``
  and the three before), by each action's owner, for the actions active then, with short
  texts that follow the action's status from quarter to quarter. Some of the latest
  quarter's updates are missing, so the plan pages show updates due or overdue: see
  ``_due_days`` for how the demo shows both on any day.
* **Funding streams** (3 to 5, amounts scaled to the number of adults in treatment), a
  **performance framework** of 3 to 5 metrics with baselines from the published figures and
  targets (some on track, some off track: ``_targets``), and a **risks and disagreements
  log** (3 to 6 entries: one disagreement, one escalated, one closed).

Every record is bulk inserted with its history dated when it happened (a plan drafted, its
actions added, the plan agreed, each quarterly update and the status it set, a milestone
done, an action withdrawn), so the History page and comparisons by date see the plan change
over time. Deterministic (each partnership draws from its own generator) and idempotent: a
partnership that already has a plan is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache, partial
from types import SimpleNamespace

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max, Q

from cdphub.accounts.models import User
from cdphub.demo.planning import FINDINGS
from cdphub.framework import guidance
from cdphub.outcomes.models import Metric
from cdphub.outcomes.published import Figures
from cdphub.partnerships.models import (
    Appointment,
    Meeting,
    MilestoneCompletion,
    Organisation,
    Partnership,
    Person,
    Position,
)
from cdphub.planning import actions_plan
from cdphub.planning.models import (
    ActionMilestone,
    Assessment,
    Finding,
    FrameworkMetric,
    FundingStream,
    Plan,
    PlanAction,
    Priority,
    QuarterlyUpdate,
    Risk,
    TargetPoint,
)
from cdphub.planning.quarters import Quarter, last_completed

GM = "Greater Manchester Combating Drugs Partnership"
#: The partnership whose updates are due rather than overdue whatever the day (the demo's
#: other partnership with an account).
BERKSHIRE = "Berkshire West Combating Drugs Partnership"
BATCH = 500
PLAN_STARTS, PLAN_ENDS = dt.date(2025, 4, 1), dt.date(2028, 3, 31)
OLD_STARTS, OLD_ENDS = dt.date(2022, 12, 1), dt.date(2025, 3, 31)
#: The strategy's baseline year: framework baselines are the last period ending by then.
BASELINE_BY = dt.date(2022, 3, 31)
STATUS = PlanAction.Status

SUPPLY, TREATMENT, DEMAND = "supply", "treatment", "demand"

# ----------------------------------------------------------------------------- the tables

#: What actions the partnerships write, per Box 6 commitment:
#: (title, commitments, lead sectors in order of preference, metric keys, funding kind).
#: Funding kinds name the streams of ``FUNDING`` (None: from partners' own budgets).
ACTIONS = [
    # Break drug supply chains
    ("Regional organised crime unit operation against middle-market suppliers",
     ["supply_middle_market"], ["police"], ["ocg_disruptions"], "pcc"),
    ("Joint intelligence cell on wholesale drug supply with the regional organised crime unit",
     ["supply_middle_market", "supply_money"], ["police"], ["ocg_disruptions"], None),
    ("Target the organised crime groups supplying the area's street markets",
     ["supply_middle_market", "supply_retail_market"], ["police"],
     ["ocg_disruptions", "drug_related_homicides"], "pcc"),
    ("Financial investigation team to seize drug gangs' cash and assets",
     ["supply_money"], ["police", "pcc"], ["ocg_disruptions"], "pcc"),
    ("Reinvest Proceeds of Crime Act receipts in the neighbourhoods most affected",
     ["supply_money"], ["pcc", "police"], ["neighbourhood_crime"], None),
    ("Joint police and probation operation against county lines",
     ["supply_county_lines"], ["police", "probation"], ["county_lines_closed"], "pcc"),
    ("Rescue and response: support for children exploited by county lines",
     ["supply_county_lines", "demand_young_people_families"],
     ["local_authority_officials", "police"], ["county_lines_closed",
                                              "children_in_need_drugs"], "pooled"),
    ("County lines intensification weeks with British Transport Police",
     ["supply_county_lines"], ["police"], ["county_lines_closed"], None),
    ("Cuckooing protocol: protect adults whose homes are taken over by dealers",
     ["supply_county_lines"], ["local_authority_officials", "police"],
     ["drug_related_homicides"], None),
    ("Hotspot policing of street dealing in the town centres",
     ["supply_retail_market"], ["police"], ["neighbourhood_crime"], "pcc"),
    ("Closure orders on premises used for dealing",
     ["supply_retail_market"], ["police", "local_authority_officials"],
     ["neighbourhood_crime"], None),
    ("Community reporting campaign on street dealing with Crimestoppers",
     ["supply_retail_market"], ["pcc", "police"], ["neighbourhood_crime"], "pcc"),
    ("Body scanners and drone detection at the local prison",
     ["supply_prisons"], ["secure_estate"], ["continuity_of_care"], None),
    ("Drug supply reduction plan agreed with the prison governor",
     ["supply_prisons"], ["secure_estate", "police"], ["continuity_of_care"], None),
    # Deliver a world-class treatment and recovery system
    ("Commission a naloxone distribution programme through pharmacies",
     ["treatment_services"], ["local_authority_officials"],
     ["drug_misuse_deaths", "deaths_in_treatment"], "ssmtrg"),
    ("Recommission the adult treatment and recovery service",
     ["treatment_services"], ["local_authority_officials"],
     ["numbers_in_treatment", "recovery_proportion"], "phg"),
    ("Cut waits for structured treatment to three weeks",
     ["treatment_services"], ["treatment_providers"], ["numbers_in_treatment"], "ssmtrg"),
    ("Drug-related deaths panel: review every death and act on the lessons",
     ["treatment_services", "treatment_integration"], ["local_authority_officials"],
     ["drug_misuse_deaths"], None),
    ("Assertive outreach to people who have dropped out of treatment",
     ["treatment_services"], ["treatment_providers"],
     ["numbers_in_treatment", "deaths_in_treatment"], "ssmtrg"),
    ("Residential rehabilitation and inpatient detoxification placements",
     ["treatment_services"], ["local_authority_officials"], ["recovery_proportion"],
     "ssmtrg"),
    ("Recruit drug and alcohol workers to bring caseloads below 50",
     ["treatment_workforce"], ["treatment_providers"], ["numbers_in_treatment"], "ssmtrg"),
    ("Workforce development plan, with accredited training for peer mentors",
     ["treatment_workforce"], ["treatment_providers", "lived_experience"],
     ["recovery_proportion"], "phg"),
    ("Recruit an addiction psychiatrist and nurse prescribers",
     ["treatment_workforce", "treatment_integration"], ["nhs", "treatment_providers"],
     ["numbers_in_treatment"], "ssmtrg"),
    ("Hospital navigators in the emergency departments",
     ["treatment_integration"], ["nhs"], ["drug_hospital_admissions"], "pooled"),
    ("Dual diagnosis pathway with community mental health teams",
     ["treatment_integration"], ["nhs"], ["recovery_proportion"], None),
    ("Hepatitis C testing and treatment in every treatment hub",
     ["treatment_integration"], ["nhs", "treatment_providers"], ["deaths_in_treatment"],
     "phg"),
    ("GP referral pathway into drug and alcohol treatment",
     ["treatment_integration"], ["nhs"], ["numbers_in_treatment"], None),
    ("Housing First places for people sleeping rough with a drug dependency",
     ["treatment_accommodation"], ["housing_providers", "local_authority_officials"],
     ["numbers_in_treatment"], "rsdatg"),
    ("Recovery housing pilot with a registered housing provider",
     ["treatment_accommodation"], ["housing_providers", "local_authority_officials"],
     ["recovery_proportion"], "rsdatg"),
    ("Outreach treatment for everyone sleeping rough",
     ["treatment_accommodation", "treatment_services"], ["treatment_providers"],
     ["numbers_in_treatment"], "rsdatg"),
    ("Individual Placement and Support employment specialists in treatment services",
     ["treatment_employment"], ["treatment_providers", "jobcentre_plus"],
     ["meaningful_activity"], "ips"),
    ("Jobcentre Plus work coaches in the recovery hubs",
     ["treatment_employment"], ["jobcentre_plus"], ["meaningful_activity"], None),
    ("Peer mentor volunteering as a route into work",
     ["treatment_employment"], ["lived_experience", "vcse"],
     ["meaningful_activity", "recovery_proportion"], "ssmtrg"),
    ("Court-based team to assess for drug rehabilitation requirements",
     ["treatment_cj_referrals"], ["probation"], ["numbers_in_treatment"], "ssmtrg"),
    ("Drug testing on arrest, with custody suite drug workers",
     ["treatment_cj_referrals", "demand_consequences"], ["police", "treatment_providers"],
     ["numbers_in_treatment", "neighbourhood_crime"], "pcc"),
    ("Liaison and diversion referral pathway into treatment",
     ["treatment_cj_referrals"], ["nhs", "probation"], ["numbers_in_treatment"], None),
    ("Continuity of care: prison release pathway with in-reach workers",
     ["treatment_prison_release"], ["probation", "treatment_providers"],
     ["continuity_of_care"], "ssmtrg"),
    ("Meet people at the prison gate and take them to their first appointment",
     ["treatment_prison_release"], ["treatment_providers", "lived_experience"],
     ["continuity_of_care"], "ssmtrg"),
    ("Bridging prescriptions and naloxone for everyone released from prison",
     ["treatment_prison_release", "treatment_services"], ["secure_estate", "nhs"],
     ["continuity_of_care", "drug_misuse_deaths"], None),
    # Achieve a generational shift in the demand for drugs
    ("Out-of-court disposals with drug diversion education",
     ["demand_consequences"], ["police"], ["neighbourhood_crime"], "pcc"),
    ("Drug awareness course for people caught in possession",
     ["demand_consequences"], ["police", "treatment_providers"], ["numbers_in_treatment"],
     None),
    ("Night-time economy: drug testing and consequences at licensed venues",
     ["demand_consequences", "supply_retail_market"], ["police", "local_authority_officials"],
     ["neighbourhood_crime"], None),
    ("Evidence-based drug education in every secondary school",
     ["demand_school_prevention"], ["local_authority_officials", "schools"],
     ["drug_use_last_year"], "phg"),
    ("Training for school staff to spot early signs of drug use and exploitation",
     ["demand_school_prevention"], ["local_authority_officials", "schools"],
     ["children_in_need_drugs"], None),
    ("Youth workers in the schools with the most exclusions",
     ["demand_school_prevention", "demand_young_people_families"],
     ["youth_offending", "local_authority_officials"], ["children_in_need_drugs"], "pooled"),
    ("Whole-family support for the children of parents in treatment",
     ["demand_young_people_families"], ["local_authority_officials", "treatment_providers"],
     ["children_in_need_drugs"], "phg"),
    ("Early help for young people at risk of criminal exploitation",
     ["demand_young_people_families"], ["youth_offending", "local_authority_officials"],
     ["children_in_need_drugs", "county_lines_closed"], "pooled"),
    ("Smooth transitions from young people's to adult treatment services",
     ["demand_young_people_families", "treatment_services"], ["treatment_providers"],
     ["numbers_in_treatment"], None),
]

MILESTONES = [
    "Business case agreed by the board", "Provider appointed", "Staff recruited and trained",
    "Pathway agreed with partners", "Data-sharing agreement signed", "Pilot in the first locality",
    "Rolled out across the footprint", "First performance review", "Interim evaluation to the board",
    "Service specification signed off",
]

#: The strategy priority (theme) of each Box 6 commitment.
THEME_OF = {"supply": SUPPLY, "treatment": TREATMENT, "demand": DEMAND}


def _theme(commitment: str) -> str:
    return THEME_OF[commitment.split("_", 1)[0]]


#: The needs-assessment demo's priority titles: the commitments their actions deliver.
PRIORITY_COMMITMENTS = {
    "Reduce deaths related to drug misuse": ["treatment_services", "treatment_integration",
                                             "treatment_prison_release"],
    "Improve continuity of care on release from prison": ["treatment_prison_release",
                                                          "treatment_cj_referrals",
                                                          "supply_prisons"],
    "Cut waiting times for treatment": ["treatment_services", "treatment_workforce"],
    "Disrupt county lines and protect exploited children": [
        "supply_county_lines", "supply_middle_market", "supply_money",
        "demand_young_people_families"],
    "Reduce drug-related violence in the worst-affected neighbourhoods": [
        "supply_retail_market", "supply_money", "demand_consequences"],
    "Secure housing for people in recovery": ["treatment_accommodation",
                                              "treatment_employment"],
    "Reach groups under-represented in treatment": ["treatment_services",
                                                    "treatment_integration"],
    "Increase referrals from primary care and hospitals": ["treatment_integration",
                                                           "treatment_cj_referrals"],
    "Close the gap between localities": ["treatment_services", "treatment_workforce"],
    "Bring employment and housing partners into the partnership": [
        "treatment_employment", "treatment_accommodation"],
}
#: The priorities of a partnership with none from its needs assessment, by strategy
#: priority, with the commitments their actions deliver.
GENERAL_PRIORITIES = {
    SUPPLY: ("Disrupt county lines and drug supply",
             ["supply_middle_market", "supply_money", "supply_county_lines",
              "supply_retail_market", "supply_prisons"]),
    TREATMENT: ("More people into effective treatment and recovery",
                ["treatment_services", "treatment_workforce", "treatment_integration",
                 "treatment_accommodation", "treatment_employment",
                 "treatment_cj_referrals", "treatment_prison_release"]),
    DEMAND: ("Prevent drug use and exploitation among young people",
             ["demand_consequences", "demand_school_prevention",
              "demand_young_people_families"]),
}
#: Raised since the plan was agreed: no action yet.
LATER_PRIORITY = ("Raised at the partnership board on {date:%-d %B %Y}, after the delivery "
                  "plan was agreed, from the needs assessment: {finding} Actions will be "
                  "added when the plan is reviewed.")
LATER_MARK = "after the delivery plan was agreed"

#: Funding streams: kind -> (name, £ a year per adult in treatment, holder sectors,
#: arrangement, years, notes).
FUNDING = {
    "ssmtrg": ("Supplemental Substance Misuse Treatment and Recovery Grant", 900,
               ["local_authority_officials"], "aligned", 1,
               "Ring-fenced grant from OHID for 2025 to 2026, on top of the public health grant."),
    "phg": ("Public Health Grant: drug and alcohol treatment budget", 2400,
            ["local_authority_officials"], "aligned", 3,
            "The council's core treatment budget (indicative for the later years)."),
    "rsdatg": ("Rough Sleeping Drug and Alcohol Treatment Grant", 160,
               ["local_authority_officials", "housing_providers"], "aligned", 1,
               "For treatment and support for people sleeping rough or at risk of it."),
    "ips": ("Individual Placement and Support in drug and alcohol treatment", 70,
            ["treatment_providers", "jobcentre_plus"], "aligned", 2,
            "Jointly funded by DWP and OHID."),
    "pcc": ("Police and Crime Commissioner: drugs and county lines fund", 60,
            ["pcc", "police"], "aligned", 1,
            "Grants to partners from the Police and Crime Commissioner."),
    "pooled": ("Combating drugs partnership pooled fund", 110,
               ["local_authority_officials"], "pooled", 3,
               "Contributions from the council, the police, the PCC and the NHS, managed by "
               "the partnership board."),
}

#: Framework metrics: key -> (what the target is called, good direction: +1 higher).
FRAMEWORK = {
    "numbers_in_treatment": ("adults in treatment", +1),
    "continuity_of_care": ("continuity of care after prison", +1),
    "recovery_proportion": ("people completing treatment in recovery", +1),
    "meaningful_activity": ("people in treatment in meaningful activity", +1),
    "drug_misuse_deaths": ("deaths related to drug misuse", -1),
    "drug_hospital_admissions": ("hospital admissions for drug poisoning", -1),
    "deaths_in_treatment": ("deaths in treatment", -1),
    "neighbourhood_crime": ("neighbourhood crime", -1),
}
#: How far, at least, the latest figure lies from the straight-line trajectory, as a share of
#: the baseline: "clearly" on or off track.
MARGIN = 0.02

#: Quarterly update texts by status ({lead}, {milestone} and {next} filled in).
UPDATE_TEXTS = {
    STATUS.ON_TRACK: [
        "On plan this quarter: {milestone} done. Next: {next}.",
        "Progressing as planned; {lead} reported to the treatment and recovery group. Next: "
        "{next}.",
        "Delivery on track and within budget. Next quarter: {next}.",
        "Good progress: referrals and activity are in line with the plan. Next: {next}.",
    ],
    STATUS.AT_RISK: [
        "At risk: recruitment at {lead} is behind, so {next} may slip by a quarter. "
        "Mitigation agreed with the lead.",
        "Some slippage: partners have not yet agreed the data-sharing needed for {next}. "
        "Raised at the board.",
        "At risk: costs are above the budget set. Options paper to the next board.",
    ],
    STATUS.OFF_TRACK: [
        "Off track: {next} has not happened and the due date will be missed. Recovery plan "
        "to the board.",
        "Behind plan: the provider withdrew and the work is paused while {lead} re-procures.",
        "Off track: staff vacancies mean the service is running at half capacity.",
    ],
    STATUS.COMPLETE: [
        "Complete: {milestone} done and the work is now business as usual at {lead}.",
        "Completed this quarter. Evaluation summary to the next board.",
    ],
    STATUS.NOT_STARTED: [
        "Not started: waiting for the funding to be confirmed.",
        "Not started yet: the lead post is being recruited.",
    ],
}

#: Risks and disagreements: (kind, title, lead sectors, likelihood, impact, mitigation).
RISKS = [
    ("risk", "Treatment grant funding beyond March 2026 not confirmed",
     ["local_authority_officials"], 3, 5,
     "Contracts let with break clauses; scenario plans for a 20% cut to the board."),
    ("risk", "Vacancies in the treatment workforce slow the growth in numbers in treatment",
     ["treatment_providers"], 4, 4,
     "Rolling recruitment, a peer mentor route into paid posts, and agency cover."),
    ("risk", "Prison release dates reach the community provider too late for continuity "
     "of care", ["probation", "secure_estate"], 4, 4,
     "Daily release list shared with the provider; in-reach workers in the prison."),
    ("risk", "No data-sharing agreement with the hospital trust to evaluate the navigators",
     ["nhs"], 3, 3, "Draft agreement with the data protection officers."),
    ("risk", "Nitazenes in the local drug supply raise the risk of a cluster of deaths",
     ["police", "local_authority_officials"], 3, 5,
     "Drug alert protocol agreed; naloxone stocks increased; outreach to people at risk."),
    ("risk", "Housing for people leaving treatment is too scarce for the recovery housing "
     "pilot", ["housing_providers", "local_authority_officials"], 3, 3,
     "Two further providers approached; nomination rights being negotiated."),
]
DISAGREEMENTS = [
    ("Police and public health disagree on publishing the drugs market profile summary",
     ["police"], 2, 3,
     "Both views set out to the board; a redacted summary proposed."),
    ("Partners disagree on each one's share of the pooled fund",
     ["local_authority_officials"], 3, 3,
     "Shares modelled on each partner's spend; options to the SRO."),
]
CLOSED_RISKS = [
    ("Naloxone supply shortage from the national supplier", ["local_authority_officials"],
     3, 4, "Second supplier contracted; stock held by the treatment provider.",
     "Closed: supply back to normal and a second supplier in place."),
    ("Treatment service recommissioning delayed by a legal challenge",
     ["local_authority_officials"], 2, 4, "Legal advice taken; current contract extended.",
     "Closed: the challenge was withdrawn and the contract awarded."),
]


# ----------------------------------------------------------------------------- helpers


def _rng(partnership: Partnership) -> random.Random:
    return random.Random(zlib.crc32(f"plans:{partnership.name}".encode()))


def _place(partnership: Partnership) -> str:
    return partnership.name.replace(" Combating Drugs Partnership", "")


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class _Row(SimpleNamespace):
    """A row to insert, with its model's defaults and its own values: what the writer needs
    of a model instance, for the thousands of milestones and updates (making model
    instances was a third of this step's time)."""

    @property
    def pk(self) -> int:
        return self.id


_DEFAULTS: dict[type, dict] = {}


def _row(model, **values) -> _Row:
    if model not in _DEFAULTS:
        _DEFAULTS[model] = {f.attname: f.get_default() for f in model._meta.concrete_fields}
    return _Row(**{**_DEFAULTS[model], **values})


def _lineage(rng: random.Random) -> str:
    """A new action's lineage, drawn from the partnership's generator (deterministic)."""
    return uuid.UUID(int=rng.getrandbits(128)).hex


class _Clock:
    """Distinct times in the past for the history: each change set gets its own (records
    saved together share one), so the History page never merges two of them."""

    def __init__(self):
        self.count = 0

    def at(self, day: dt.date, minute: int = 0) -> dt.datetime:
        self.count += 1
        return (dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC)
                + dt.timedelta(minutes=minute % 480, microseconds=self.count))


@dataclass
class _Version:
    """One history record to write: the row as it was at ``at`` (``state`` gives the
    attributes that differed from the row as saved; foreign keys by their ``_id``), saved
    by ``by``."""

    record: models.Model
    at: dt.datetime
    by: User | None
    state: dict = field(default_factory=dict)


@dataclass
class _Action:
    row: PlanAction
    metrics: list[int]
    milestones: list[ActionMilestone] = field(default_factory=list)
    updates: list[QuarterlyUpdate] = field(default_factory=list)
    versions: list[_Version] = field(default_factory=list)
    milestone_versions: list[_Version] = field(default_factory=list)
    dropped_on: dt.date | None = None  # withdrawn at the board that day
    asked: list[Quarter] = field(default_factory=list)
    trajectory: list[str] = field(default_factory=list)


@dataclass
class _Demo:
    """What the demo writes from, and what it writes, for one partnership."""

    partnership: Partnership
    rng: random.Random
    today: dt.date
    organisations: dict[str, Organisation]  # sector -> member organisation
    people: dict[int, list[Person]]  # organisation id -> its people in the partnership
    meetings: list[Meeting]  # not withdrawn, oldest first
    lead: User | None
    lead_person: Person | None
    data_lead: Person | None
    signed_off_on: dt.date | None
    findings: list[Finding]  # of the assessment the priorities came from, not raised
    priorities: list[Priority]  # active, from the needs assessment
    scale: float  # adults in treatment (latest figure), for the funding amounts
    figures: dict[str, list]  # metric key -> the partnership's figures, oldest first
    metric_ids: dict[str, int]  # catalogue metric key -> id
    ids: _Writer  # gives each new row its id
    new_priorities: list[Priority] = field(default_factory=list)
    funding: dict[str, FundingStream] = field(default_factory=dict)
    plans: list[tuple[Plan, list[_Version]]] = field(default_factory=list)
    actions: list[_Action] = field(default_factory=list)
    completions: list[MilestoneCompletion] = field(default_factory=list)
    framework: list[tuple[FrameworkMetric, list[TargetPoint]]] = field(default_factory=list)
    risks: list[tuple[Risk, list[_Version]]] = field(default_factory=list)

    @property
    def place(self) -> str:
        return _place(self.partnership)

    @property
    def is_gm(self) -> bool:
        return self.partnership.name == GM

    def org(self, sectors) -> Organisation:
        for sector in (*sectors, "local_authority_officials"):
            if sector in self.organisations:
                return self.organisations[sector]
        return next(iter(self.organisations.values()))

    def owner(self, organisation: Organisation) -> Person:
        people = self.people.get(organisation.pk)
        if people:
            return self.rng.choice(people)
        return self.lead_person or next(p for ps in self.people.values() for p in ps)

    def stream(self, kind: str | None) -> FundingStream | None:
        """The funding stream an action of that kind draws on: treatment work the
        partnership has no specific grant for draws on the treatment grant."""
        if kind is None:
            return None
        found = self.funding.get(kind)
        if found is None and kind in ("rsdatg", "ips", "pooled"):
            found = self.funding.get("ssmtrg")
        return found

    def metrics(self, keys) -> list[int]:
        return [self.metric_ids[k] for k in keys if k in self.metric_ids]

    def meeting_after(self, day: dt.date) -> Meeting | None:
        return next((m for m in self.meetings if day < m.held_on <= self.today), None)

    def meeting_before(self, day: dt.date) -> Meeting | None:
        held = [m for m in self.meetings if m.held_on < day]
        return held[-1] if held else None


# ----------------------------------------------------------------------------- building


def build_plans_demo(today: dt.date) -> dict[str, int]:
    """Delivery plans, funding streams, performance frameworks and risk logs for every
    partnership without a plan."""
    wanted = list(Partnership.objects.filter(plans__isnull=True).order_by("name"))
    counts = {"plans": 0, "actions": 0, "updates": 0}
    if not wanted:
        return counts
    clock, write = _Clock(), _Writer()
    demo = _partnerships(wanted, today, write)
    for p in demo:
        _build(p, clock)
    _save(demo, write)
    counts["plans"] = sum(len(p.plans) for p in demo)
    counts["actions"] = sum(len(p.actions) for p in demo)
    counts["updates"] = sum(len(a.updates) for p in demo for a in p.actions)
    return counts


def _partnerships(partnerships: list[Partnership], today: dt.date, write: _Writer
                  ) -> list[_Demo]:
    """Everything the demo reads, in a few queries for all partnerships at once."""
    ids = [p.pk for p in partnerships]
    # Member organisations as ``plans.member_organisations`` finds them (the tests check it):
    # the organisations of the partnership's people appointed to it today.
    organisations: dict[int, dict[str, Organisation]] = defaultdict(dict)
    people: dict[int, dict[int, list[Person]]] = defaultdict(lambda: defaultdict(list))
    holders: dict[tuple[int, str], Person] = {}
    persons = {person.pk: person for person in Person.objects.filter(
        partnership_id__in=ids).select_related("organisation", "user")}
    appointments = (Appointment.objects.filter(partnership_id__in=ids, start_date__lte=today)
                    .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
                    .order_by("partnership_id", "start_date", "pk")
                    .values_list("partnership_id", "person_id", "position", "sector"))
    for pid, person_id, position, sector in appointments:
        person = persons.get(person_id)
        if person is None or person.partnership_id != pid:
            continue
        holders.setdefault((pid, position), person)
        if person.organisation is None:
            continue
        organisations[pid].setdefault(sector, person.organisation)
        if person not in people[pid][person.organisation_id]:
            people[pid][person.organisation_id].append(person)
    meetings: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in (Meeting.objects.filter(partnership_id__in=ids, withdrawn_at__isnull=True)
                    .order_by("held_on", "pk")):
        meetings[meeting.partnership_id].append(meeting)

    # The assessment the priorities were raised from (the first: signed off, or in progress),
    # its findings not raised to a priority, and the active priorities.
    signed: dict[int, dt.date] = {}
    first: dict[int, int] = {}
    for pid, pk, signed_off_on in (Assessment.objects.filter(partnership_id__in=ids)
                                   .order_by("created_at", "pk")
                                   .values_list("partnership_id", "pk", "signed_off_on")):
        first.setdefault(pid, pk)
        if signed_off_on is not None:
            signed.setdefault(pid, signed_off_on)
    priorities: dict[int, list[Priority]] = defaultdict(list)
    for priority in Priority.objects.filter(partnership_id__in=ids,
                                            status=Priority.Status.ACTIVE).order_by("pk"):
        priorities[priority.partnership_id].append(priority)
    raised = {p.finding_id for ps in priorities.values() for p in ps}
    partnership_of = {pk: pid for pid, pk in first.items()}
    findings: dict[int, list[Finding]] = defaultdict(list)
    for finding in Finding.objects.filter(assessment_id__in=list(first.values())).order_by("pk"):
        if finding.pk not in raised:
            findings[partnership_of[finding.assessment_id]].append(finding)

    figures = _figures(partnerships)
    metric_ids = dict(Metric.objects.filter(partnership__isnull=True).values_list("key", "pk"))
    result = []
    for partnership in partnerships:
        pid = partnership.pk
        if not organisations[pid] or not meetings[pid]:
            continue  # nobody appointed, or no meeting to agree a plan at
        lead_person = holders.get((pid, Position.PARTNERSHIP_LEAD))
        treated = [f for f in figures[pid].get("numbers_in_treatment", []) if f.value]
        result.append(_Demo(
            partnership=partnership, rng=_rng(partnership), today=today,
            organisations=organisations[pid], people=people[pid],
            meetings=meetings[pid], lead=lead_person.user if lead_person else None,
            lead_person=lead_person,
            data_lead=(holders.get((pid, Position.DATA_LEAD)) or lead_person
                       or next(p for ps in people[pid].values() for p in ps)),
            signed_off_on=signed.get(pid), findings=findings[pid],
            priorities=priorities[pid], scale=treated[-1].value if treated else 400.0,
            figures=figures[pid], metric_ids=metric_ids, ids=write))
    return result


def _figures(partnerships: list[Partnership]) -> dict[int, dict[str, list]]:
    """Each partnership's published figures (all people: no breakdown; a hidden one with no
    value) for the framework's metrics, from two years before the baseline year, oldest
    first, as the framework's progress reads them (``planning.performance.series``). One
    query for all: ``for_partnership_page`` holds every partnership's figures of the
    national metrics, and only national metrics are asked for."""
    result: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    rows = (Figures.for_partnership_page(partnerships[0])
            .filter(partnership_id__in=[p.pk for p in partnerships], breakdown="",
                    metric__key__in=list(FRAMEWORK), metric__partnership__isnull=True,
                    period_end__gt=BASELINE_BY - dt.timedelta(days=730))
            .order_by("partnership_id", "metric__key", "period_end", "period_start"))
    for figure in rows:
        result[figure.partnership_id][figure.metric_key].append(figure)
    return result


def _build(p: _Demo, clock: _Clock) -> None:
    # Agreed at the first board at least two weeks after the needs assessment was signed
    # off (else after 1 July 2025), or the last one held.
    meeting = (p.meeting_after((p.signed_off_on or dt.date(2025, 6, 17)) + _days(14))
               or p.meeting_before(p.today + _days(1)))
    priorities = _priorities(p, meeting.held_on, clock)
    _funding(p, meeting.held_on, clock)
    plan = _plan(p, meeting, clock)
    old = _old_plan(p, clock) if p.is_gm else None
    _actions(p, plan, priorities, clock, old)
    _framework(p, meeting, clock)
    _risks(p, meeting.held_on, clock)


# --- priorities


def _finding_title(finding: Finding, place: str) -> str | None:
    """The priority title the needs-assessment demo gives the finding (``FINDINGS``)."""
    for section, _kinds, _severity, statement, title in FINDINGS:
        if section == finding.section_key and (
                "{deaths}" in statement or statement.format(place=place) == finding.statement):
            return title
    return None


def _priorities(p: _Demo, agreed_on: dt.date, clock: _Clock) -> list[tuple[Priority, list]]:
    """The priorities the plan's actions belong to, with the commitments each one's actions
    may deliver: the needs assessment's. While the plan is written, a partnership with fewer
    than five whose priorities leave supply or treatment out raises one for it from a finding
    of the assessment not raised before, where one fits; a partnership with none (no demo
    partnership today) adds the three general ones. About one in five raises another
    finding at a board after the plan was agreed: it has no action yet."""
    result = [(priority, PRIORITY_COMMITMENTS.get(priority.title,
                                                  GENERAL_PRIORITIES[TREATMENT][1]))
              for priority in p.priorities]
    drafted = clock.at(agreed_on - _days(60), 20)
    if not result:
        for theme in (SUPPLY, TREATMENT, DEMAND):
            title, commitments = GENERAL_PRIORITIES[theme]
            result.append((_new_priority(
                p, title, drafted, "Agreed while the delivery plan was written."), commitments))
    covered = {_theme(commitments[0]) for _priority, commitments in result}
    for theme in (SUPPLY, TREATMENT):
        finding = next((f for f in p.findings if _theme_of_finding(f, p.place) == theme), None)
        if theme in covered or finding is None or len(result) >= 5:
            continue
        title = _finding_title(finding, p.place)
        result.append((_new_priority(p, title, drafted, _raised(finding), finding),
                       PRIORITY_COMMITMENTS[title]))
    later = p.meeting_after(agreed_on + _days(30))
    spare = [f for f in p.findings if _finding_title(f, p.place)]
    if later is not None and spare and len(result) < 5 and p.rng.random() < 0.3:
        finding = p.rng.choice(spare)
        _new_priority(p, _finding_title(finding, p.place), clock.at(later.held_on, 300),
                      LATER_PRIORITY.format(date=later.held_on, finding=finding.statement),
                      finding)
    return result


def _theme_of_finding(finding: Finding, place: str) -> str | None:
    title = _finding_title(finding, place)
    return _theme(PRIORITY_COMMITMENTS[title][0]) if title in PRIORITY_COMMITMENTS else None


def _raised(finding: Finding) -> str:
    return f"Raised from the needs assessment: {finding.statement}"


def _new_priority(p: _Demo, title: str, at: dt.datetime, description: str,
                  finding: Finding | None = None) -> Priority:
    if finding is not None:
        p.findings.remove(finding)
    priority = Priority(id=p.ids.take(Priority), partnership=p.partnership, title=title,
                        description=description, finding=finding, created_by=p.lead,
                        created_at=at)
    priority._history_date, priority._history_user = at, p.lead
    p.new_priorities.append(priority)
    return priority


# --- funding


def _funding(p: _Demo, agreed_on: dt.date, clock: _Clock) -> None:
    rng = p.rng
    kinds = ["ssmtrg", "phg", *rng.sample(["rsdatg", "ips", "pcc", "pooled"], rng.randint(1, 3))]
    if p.is_gm:
        kinds = ["ssmtrg", "phg", "rsdatg", "pcc", "pooled"]
    at = clock.at(agreed_on - _days(45), 30)
    for kind in kinds:
        name, per_person, sectors, arrangement, years, notes = FUNDING[kind]
        amount = round(p.scale * per_person * years * rng.uniform(0.85, 1.15), -3)
        stream = FundingStream(
            id=p.ids.take(FundingStream),
            partnership=p.partnership, name=name, amount=max(amount, 10_000),
            starts_on=PLAN_STARTS, ends_on=dt.date(2025 + years, 3, 31), holder=p.org(sectors),
            arrangement=arrangement, notes=notes)
        stream._history_date, stream._history_user = at, p.lead
        p.funding[kind] = stream


# --- the plans


def _plan(p: _Demo, meeting: Meeting, clock: _Clock) -> Plan:
    """The plan in force: drafted two months before the board agreed it."""
    drafted = clock.at(meeting.held_on - _days(60), 10)
    agreed = clock.at(meeting.held_on, 420)
    plan = Plan(id=p.ids.take(Plan), partnership=p.partnership, title=f"{p.place} delivery plan 2025 to 2028",
                starts_on=PLAN_STARTS, ends_on=PLAN_ENDS, status=Plan.Status.AGREED,
                agreed_at_meeting=meeting, agreed_on=meeting.held_on, agreed_by=p.lead,
                update_due_days=_due_days(p), created_by=p.lead, created_at=drafted)
    p.plans.append((plan, [
        _Version(plan, drafted, p.lead, {"status": Plan.Status.DRAFT,
                                         "agreed_at_meeting_id": None, "agreed_on": None,
                                         "agreed_by_id": None}),
        _Version(plan, agreed, p.lead)]))
    p.completions.append(_completion(p, plan, meeting, agreed))
    return plan


def _completion(p: _Demo, plan: Plan, meeting: Meeting, at: dt.datetime
                ) -> MilestoneCompletion:
    """The milestone as ``actions_plan.agree_plan`` records it (the link is added once the
    plan has its id)."""
    completion = MilestoneCompletion(
        id=p.ids.take(MilestoneCompletion),
        partnership=p.partnership, milestone_key=actions_plan.MILESTONE,
        completed_on=meeting.held_on,
        evidence=(f"{plan.title} ({plan.period_label()}): agreed at {meeting.title} on "
                  f"{meeting.held_on:%-d %B %Y}")[:300],
        recorded_by=p.lead, recorded_at=at)
    completion._history_date, completion._history_user = at, p.lead
    completion.plan = plan
    return completion


def _due_days(p: _Demo) -> int:
    """Days after each quarter's end that the plan's updates are due.

    Most plans give 14 days. The demo is built on any day, and whether the latest quarter's
    missing updates are "due" (deadline still ahead) or "overdue" depends on how long ago
    that quarter ended. So that the demo shows both, Berkshire West and about one plan in
    five take the other side of today: when the quarter ended more than 14 days ago (the
    usual case, where 14-day plans are overdue) they allow the shortest of 30, 45, 60 or 90
    days that has not yet passed (when the quarter ended 91 or 92 days ago none is left:
    the calendar then allows only "overdue"); when it ended 14 days ago or less (14-day
    plans are still due) they want updates within a week of the quarter's end, or by its
    last day, so theirs are overdue. Greater Manchester keeps 14 days."""
    usual = 14
    if p.is_gm or (p.partnership.name != BERKSHIRE and p.rng.random() >= 0.2):
        return usual
    since = (p.today - last_completed(p.today).end).days
    if since > usual:
        return next((days for days in (30, 45, 60, 90) if days >= since), usual)
    return 7 if since > 7 else 0


def _old_plan(p: _Demo, clock: _Clock) -> Plan:
    """Greater Manchester's 2022 plan, superseded when the plan in force was agreed."""
    meeting = p.meeting_after(dt.date(2022, 12, 1)) or p.meetings[0]
    drafted = clock.at(meeting.held_on - _days(50), 15)
    agreed = clock.at(meeting.held_on, 425)
    current, versions = p.plans[0]
    plan = Plan(id=p.ids.take(Plan), partnership=p.partnership, title=f"{p.place} delivery plan 2022 to 2025",
                starts_on=OLD_STARTS, ends_on=OLD_ENDS, status=Plan.Status.SUPERSEDED,
                agreed_at_meeting=meeting, agreed_on=meeting.held_on, agreed_by=p.lead,
                superseded_on=current.agreed_on, created_by=p.lead, created_at=drafted)
    current.previous = plan
    p.plans.insert(0, (plan, [
        _Version(plan, drafted, p.lead, {"status": Plan.Status.DRAFT,
                                         "agreed_at_meeting_id": None, "agreed_on": None,
                                         "agreed_by_id": None, "superseded_on": None}),
        _Version(plan, agreed, p.lead, {"status": Plan.Status.AGREED, "superseded_on": None}),
        # Superseded in the same save as the agreement of the plan in force.
        _Version(plan, versions[-1].at, p.lead)]))
    p.completions.insert(0, _completion(p, plan, meeting, agreed))
    return plan


# --- actions


def _choose(p: _Demo) -> list[tuple]:
    """The action templates for the plan: 1 to 3 commitments left uncovered, one action for
    each of the others, then more to make 10 to 20."""
    rng = p.rng
    keys = [c.key for c in guidance().commitments]
    uncovered = set(rng.sample(keys, rng.choice([1, 1, 2, 2, 3])))
    allowed = [a for a in ACTIONS if not uncovered & set(a[1])]
    chosen: list[tuple] = []
    for key in rng.sample(keys, len(keys)):
        if key in uncovered or any(key in a[1] for a in chosen):
            continue
        chosen.append(rng.choice([a for a in allowed if key in a[1]]))
    target = max(len(chosen), rng.randint(10, 20))
    spare = [a for a in allowed if a not in chosen]
    return chosen + rng.sample(spare, min(len(spare), target - len(chosen)))


def _priority_for(commitments: list[str], priorities: list[tuple[Priority, list]],
                  rng: random.Random) -> Priority:
    exact = [p for p, keys in priorities if commitments[0] in keys]
    if exact:
        return rng.choice(exact)
    theme = [p for p, keys in priorities if _theme(keys[0]) == _theme(commitments[0])]
    return rng.choice(theme or [p for p, _keys in priorities])


#: Final statuses and how often: mostly on track, some at risk or off track, some complete,
#: some not started.
STATUS_WEIGHTS = [(STATUS.ON_TRACK, 50), (STATUS.AT_RISK, 11), (STATUS.OFF_TRACK, 7),
                  (STATUS.COMPLETE, 16), (STATUS.NOT_STARTED, 16)]


def _actions(p: _Demo, plan: Plan, priorities: list[tuple[Priority, list]], clock: _Clock,
             old: Plan | None) -> None:
    rng, today = p.rng, p.today
    templates = _choose(p)
    quarters = _quarters(today)
    meeting = plan.agreed_at_meeting
    drafted, agreed = plan.created_at.date(), plan.agreed_on
    later = [m for m in p.meetings if agreed < m.held_on <= today]
    # The year-on-year comparison looks back a year: changes are made within it.
    this_year = [m for m in later if m.held_on > today - _days(365)] or later[-1:]
    statuses = rng.choices([s for s, _w in STATUS_WEIGHTS], [w for _s, w in STATUS_WEIGHTS],
                           k=len(templates))
    # 1 or 2 overdue: due date passed, not complete.
    behind = [i for i, s in enumerate(statuses) if s in (STATUS.AT_RISK, STATUS.OFF_TRACK)]
    if not behind:
        statuses[0], behind = STATUS.OFF_TRACK, [0]
    overdue = set(rng.sample(behind, min(len(behind), rng.choice([1, 2]))))
    # Added at a later board (Greater Manchester two, most others one): the year-on-year
    # view shows them as added.
    added: set[int] = set()
    if later and (p.is_gm or rng.random() < 0.6):
        candidates = [i for i, s in enumerate(statuses) if i not in overdue
                      and s != STATUS.COMPLETE]
        added = set(rng.sample(candidates, min(len(candidates), 2 if p.is_gm else 1)))
    for index, (title, commitments, sectors, metric_keys, funding) in enumerate(templates):
        status = statuses[index]
        created_day, made_at = _date(rng, drafted, agreed - _days(7)), meeting
        if index in added:
            made_at = rng.choice(this_year)
            created_day = made_at.held_on
        starts, due, completed = _dates(rng, status, index in overdue, created_day, agreed,
                                        today, quarters)
        if completed is None and status == STATUS.COMPLETE:
            status = STATUS.ON_TRACK
        lead = p.org(sectors)
        row = PlanAction(
            id=p.ids.take(PlanAction),
            plan=plan, priority=_priority_for(commitments, priorities, rng), title=title,
            commitments=list(commitments), lead_organisation=lead, owner=p.owner(lead),
            starts_on=starts, due_on=due,
            funding_stream=p.stream(funding), status=status,
            completed_on=completed, meeting=made_at, created_by=p.lead, lineage=_lineage(rng),
            created_at=clock.at(created_day, rng.randint(0, 400)))
        action = _Action(row, p.metrics(metric_keys[:rng.choice([1, 2])]))
        _milestones(p, action)
        action.versions.append(_Version(row, row.created_at, p.lead, {
            "status": STATUS.NOT_STARTED, "commentary": "", "completed_on": None}))
        p.actions.append(action)
    _every_priority_used(p, priorities)
    _withdrawn(p, plan, priorities, clock, this_year)
    if old is not None:
        _carry(p, old, plan, priorities, clock)
    _updates(p, plan, quarters, clock)
    for action in p.actions:
        _milestone_versions(action)


def _every_priority_used(p: _Demo, priorities: list[tuple[Priority, list]]) -> None:
    """Give each priority with no action one, from a priority that has several (one whose
    commitments the action delivers where there is one)."""
    for priority, keys in priorities:
        counts = defaultdict(int)
        for action in p.actions:
            counts[id(action.row.priority)] += 1
        if counts[id(priority)]:
            continue
        spare = [a for a in p.actions if counts[id(a.row.priority)] > 1]
        fitting = [a for a in spare if set(a.row.commitments) & set(keys)]
        if fitting or spare:
            p.rng.choice(fitting or spare).row.priority = priority


def _dates(rng, status, overdue, created, agreed, today, quarters
           ) -> tuple[dt.date, dt.date, dt.date | None]:
    """Start, due and completion dates that fit the action's final status (no completion
    date: it cannot have been completed within the last four quarters)."""
    if status == STATUS.NOT_STARTED and rng.random() < 0.5:  # starts later
        starts = _date(rng, today + _days(30), max(today + _days(30), PLAN_ENDS - _days(300)))
        return starts, _date(rng, starts + _days(180), max(starts + _days(180), PLAN_ENDS)), None
    starts = _date(rng, max(PLAN_STARTS, created - _days(30)), max(created, agreed + _days(60)))
    starts = min(starts, today - _days(120))
    if status == STATUS.COMPLETE:
        first = max(starts + _days(60), quarters[0].start, agreed)
        if first > quarters[-1].end:
            status = STATUS.ON_TRACK
        else:
            completed = _date(rng, first, quarters[-1].end)
            return starts, max(starts, completed + _days(rng.randint(-20, 60))), completed
    if overdue:
        return starts, _date(rng, max(starts + _days(90), today - _days(200)),
                             today - _days(10)), None
    low = max(today + _days(60), starts + _days(180))
    return starts, _date(rng, low, max(low, PLAN_ENDS)), None


def _milestones(p: _Demo, action: _Action) -> None:
    rng, today, row = p.rng, p.today, action.row
    span = max(1, (row.due_on - row.starts_on).days)
    titles = rng.sample(MILESTONES, rng.choice([1, 1, 2, 2, 3]))
    for n, title in enumerate(titles, start=1):
        due = row.starts_on + _days(span * n // len(titles))
        done = None
        if row.status == STATUS.COMPLETE:
            done = min(due, row.completed_on)
        elif due < today and row.status == STATUS.ON_TRACK:
            done = due - _days(rng.randint(0, 20))
        elif due < today and row.status != STATUS.NOT_STARTED and rng.random() < 0.5:
            done = min(today - _days(1), due + _days(rng.randint(5, 40)))
        action.milestones.append(_row(ActionMilestone, id=p.ids.take(ActionMilestone), action_id=row.pk,
                                                 title=title, due_on=due, done_on=done))


def _milestone_versions(action: _Action) -> None:
    """Each milestone's history: added with its action, as it now stands (one record each,
    as ``bulk_create_with_history`` writes them)."""
    created = action.versions[0]
    action.milestone_versions = [_Version(m, created.at, created.by) for m in action.milestones]


def _withdrawn(p: _Demo, plan: Plan, priorities, clock: _Clock, later: list[Meeting]) -> None:
    """An action dropped since the plan was agreed (Greater Manchester and some others), on
    top of the live ones."""
    rng = p.rng
    if not later or not (p.is_gm or rng.random() < 0.25):
        return
    used = {a.row.title for a in p.actions}
    title, commitments, sectors, metric_keys, funding = rng.choice(
        [a for a in ACTIONS if a[0] not in used])
    board = rng.choice(later[:-1] or later)
    lead = p.org(sectors)
    created = clock.at(plan.created_at.date() + _days(3), rng.randint(0, 400))
    row = PlanAction(
        id=p.ids.take(PlanAction),
        plan=plan, priority=_priority_for(commitments, priorities, rng), title=title,
        commitments=list(commitments), lead_organisation=lead, owner=p.owner(lead),
        starts_on=max(PLAN_STARTS, plan.agreed_on - _days(30)),
        due_on=PLAN_ENDS - _days(rng.randint(0, 300)), status=STATUS.AT_RISK,
        commentary="At risk: the partner funding for this has not been agreed.",
        funding_stream=p.stream(funding),
        meeting=plan.agreed_at_meeting, created_by=p.lead, created_at=created,
        lineage=_lineage(rng), withdrawn_at=clock.at(board.held_on, 430), withdrawn_by=p.lead,
        withdrawal_reason=rng.choice([
            "The board agreed to stop: the funding it relied on ended.",
            "Merged into another action after the board's mid-year review.",
            "Now delivered by the regional programme, outside the partnership's plan."]))
    action = _Action(row, p.metrics(metric_keys[:1]), dropped_on=board.held_on)
    _milestones(p, action)
    action.versions += [
        _Version(row, created, p.lead, {"status": STATUS.NOT_STARTED, "commentary": "",
                                        "withdrawn_at": None, "withdrawn_by_id": None,
                                        "withdrawal_reason": ""}),
        _Version(row, row.withdrawn_at, p.lead)]
    p.actions.append(action)


#: Greater Manchester's 2022 plan: how each of the carried actions stood when the plan was
#: superseded (the updates since change some), then the actions completed and dropped under
#: the 2022 plan: (title, commitments, lead sectors, metrics, status, why dropped).
CARRIED_STATUSES = [STATUS.AT_RISK, STATUS.ON_TRACK, STATUS.OFF_TRACK, STATUS.NOT_STARTED,
                    STATUS.ON_TRACK, STATUS.AT_RISK]
OLD_ONLY = [
    ("Increase the number of adults in treatment by 20%", ["treatment_services"],
     ["local_authority_officials"], ["numbers_in_treatment"], STATUS.COMPLETE, ""),
    ("Set up the drug-related deaths panel", ["treatment_integration"],
     ["local_authority_officials"], ["drug_misuse_deaths"], STATUS.COMPLETE, ""),
    ("Operation to close the county lines running from the city centre",
     ["supply_county_lines"], ["police"], ["county_lines_closed"], STATUS.COMPLETE, ""),
    ("Peer-led recovery cafés in every borough", ["treatment_employment"],
     ["lived_experience"], ["recovery_proportion"], STATUS.COMPLETE, ""),
    ("Test drug checking at summer festivals", ["demand_consequences"],
     ["local_authority_officials"], ["drug_hospital_admissions"], STATUS.OFF_TRACK,
     "Dropped: the Home Office licence could not be obtained in time."),
    ("Recovery college for the whole city region", ["treatment_employment"],
     ["vcse", "lived_experience"], ["meaningful_activity"], STATUS.AT_RISK,
     "Dropped: the board chose to fund peer mentors in the recovery hubs instead."),
]


def _carry(p: _Demo, old: Plan, plan: Plan, priorities, clock: _Clock) -> None:
    """Greater Manchester's 2022 plan: six of the plan in force's actions began in it and were
    carried over when the new plan was started (``actions_plan.start_plan``: same lineage,
    ``carried_from``), four more were completed under it and two dropped."""
    rng = p.rng
    drafted_old, agreed_old = old.created_at.date(), old.agreed_on
    carried = [a for a in p.actions if a.row.withdrawn_at is None
               and a.row.meeting_id == plan.agreed_at_meeting_id][:len(CARRIED_STATUSES)]
    for action, then in zip(carried, CARRIED_STATUSES, strict=False):
        new = action.row
        new.starts_on = _date(rng, dt.date(2023, 1, 1), dt.date(2024, 6, 30))
        made = clock.at(_date(rng, drafted_old, agreed_old - _days(5)), rng.randint(0, 400))
        previous = PlanAction(
            id=p.ids.take(PlanAction),
            plan=old, priority=new.priority, title=new.title, commitments=list(new.commitments),
            lead_organisation=new.lead_organisation, owner=new.owner, starts_on=new.starts_on,
            due_on=max(new.starts_on, min(new.due_on, OLD_ENDS)), status=then,
            commentary=_text(then, new, rng), meeting=old.agreed_at_meeting,
            lineage=new.lineage, created_by=p.lead, created_at=made)
        old_action = _Action(previous, list(action.metrics))
        changed = clock.at(_date(rng, dt.date(2024, 1, 10), dt.date(2025, 2, 28)), 200)
        old_action.versions += [
            _Version(previous, made, p.lead, {"status": STATUS.NOT_STARTED, "commentary": ""}),
            _Version(previous, changed, p.lead)]
        old_action.milestones = [
            _row(ActionMilestone, id=p.ids.take(ActionMilestone), action_id=previous.pk, title=m.title,
                            due_on=m.due_on, done_on=m.done_on) for m in action.milestones]
        # The copy in the plan in force: made when that plan was started, as it then stood.
        new.carried_from, new.meeting = previous, old.agreed_at_meeting
        new.created_at = plan.created_at
        action.versions[0] = _Version(new, plan.created_at, p.lead, {
            "status": then, "commentary": previous.commentary, "completed_on": None})
        p.actions.append(old_action)
    for title, commitments, sectors, keys, status, reason in OLD_ONLY:
        lead = p.org(sectors)
        made = clock.at(_date(rng, drafted_old, agreed_old - _days(5)), rng.randint(0, 400))
        starts = _date(rng, dt.date(2023, 1, 1), dt.date(2023, 9, 30))
        due = _date(rng, starts + _days(200), OLD_ENDS)
        row = PlanAction(
            id=p.ids.take(PlanAction),
            plan=old, priority=_priority_for(commitments, priorities, rng), title=title,
            commitments=commitments, lead_organisation=lead, owner=p.owner(lead),
            starts_on=starts, due_on=due, status=status, meeting=old.agreed_at_meeting,
            created_by=p.lead, created_at=made, lineage=_lineage(rng))
        action = _Action(row, p.metrics(keys))
        action.versions.append(_Version(row, made, p.lead, {
            "status": STATUS.NOT_STARTED, "commentary": "", "completed_on": None,
            "withdrawn_at": None, "withdrawn_by_id": None, "withdrawal_reason": ""}))
        row.commentary = _text(status, row, rng)
        if status == STATUS.COMPLETE:
            row.completed_on = _date(rng, starts + _days(120), due)
            action.versions.append(_Version(row, clock.at(row.completed_on, 100), p.lead))
        else:
            dropped = p.meeting_after(dt.date(2024, 1, 1)) or old.agreed_at_meeting
            row.withdrawn_at = clock.at(dropped.held_on, 440)
            row.withdrawn_by, row.withdrawal_reason = p.lead, reason
            action.versions += [
                _Version(row, clock.at(dropped.held_on - _days(40), 100), p.lead, {
                    "withdrawn_at": None, "withdrawn_by_id": None, "withdrawal_reason": ""}),
                _Version(row, row.withdrawn_at, p.lead)]
        for n, milestone in enumerate(rng.sample(MILESTONES, 2), start=1):
            when = starts + _days((due - starts).days * n // 2)
            action.milestones.append(_row(ActionMilestone,
                id=p.ids.take(ActionMilestone), action_id=row.pk, title=milestone, due_on=when,
                done_on=when if status == STATUS.COMPLETE else None))
        p.actions.append(action)


# --- quarterly updates


def _quarters(today: dt.date) -> list[Quarter]:
    """The last four completed quarters, oldest first."""
    quarters = [last_completed(today)]
    for _n in range(3):
        quarters.insert(0, quarters[0].previous())
    return quarters


def _trajectory(status: str, rng: random.Random, n: int) -> list[str]:
    """The status each of ``n`` quarterly updates gave, oldest first, ending with ``status``."""
    if n == 0:
        return []
    if status == STATUS.ON_TRACK:
        if n > 1 and rng.random() < 0.3:  # recovered
            turn = rng.randint(1, n - 1)
            return [STATUS.AT_RISK] * turn + [STATUS.ON_TRACK] * (n - turn)
        return [STATUS.ON_TRACK] * n
    if status in (STATUS.AT_RISK, STATUS.OFF_TRACK):
        worse = rng.randint(1, min(2, n))
        if status == STATUS.OFF_TRACK and worse == 2:
            return [STATUS.ON_TRACK] * (n - 2) + [STATUS.AT_RISK, STATUS.OFF_TRACK]
        return [STATUS.ON_TRACK] * (n - worse) + [status] * worse
    if status == STATUS.COMPLETE:
        return [STATUS.ON_TRACK] * (n - 1) + [STATUS.COMPLETE]
    return [STATUS.NOT_STARTED] * n


def _text(status: str, row: PlanAction, rng: random.Random,
          milestones: list[ActionMilestone] | None = None) -> str:
    names = [m.title for m in milestones or []] or rng.sample(MILESTONES, 2)
    return rng.choice(UPDATE_TEXTS[status]).format(
        lead=row.lead_organisation.name, milestone=names[0].lower(), next=names[-1].lower())


def _active(action: _Action, start: dt.date, end: dt.date) -> bool:
    """``plans.active_in`` for a row not saved yet, in the quarter from ``start`` to
    ``end``."""
    row = action.row
    if row.starts_on > end:
        return False
    if action.dropped_on is not None and action.dropped_on < end:
        return False
    return not (row.completed_on is not None and row.completed_on < start)


def _updates(p: _Demo, plan: Plan, quarters: list[Quarter], clock: _Clock) -> None:
    """Each owner's update for each of the four quarters the action was active in, once the
    plan was agreed and the action added; some of the latest quarter's still missing."""
    rng, today = p.rng, p.today
    latest = quarters[-1]
    due_now = today <= latest.deadline(plan.update_due_days)
    spans = [(q, q.start, q.end) for q in quarters]
    current = [a for a in p.actions if a.row.plan is plan]
    for action in current:
        row = action.row
        added = row.created_at.date()
        action.asked = [q for q, start, end in spans if _active(action, start, end)
                        and plan.agreed_on <= end and added <= end]
        final = STATUS.AT_RISK if row.withdrawn_at is not None else row.status
        action.trajectory = _trajectory(final, rng, len(action.asked))
    # The latest quarter's missing updates: about half while they are still due, one to
    # three once overdue; only of actions on track or not started (those falling behind
    # have reported).
    asked = [a for a in current if a.asked and a.asked[-1] == latest
             and a.row.withdrawn_at is None]
    expected = [a for a in asked if a.trajectory[-1] in (STATUS.ON_TRACK, STATUS.NOT_STARTED)
                ] or asked
    count = max(1, len(expected) // 2) if due_now else rng.randint(1, 3)
    missing = {id(a) for a in rng.sample(expected, min(len(expected), count))}
    for action in current:
        _record(p, action, plan, latest, id(action) in missing, due_now, clock)


def _record(p: _Demo, action: _Action, plan: Plan, latest: Quarter, missing: bool,
            due_now: bool, clock: _Clock) -> None:
    rng, today, row = p.rng, p.today, action.row
    user = row.owner.user
    for quarter, status in zip(action.asked, action.trajectory, strict=True):
        if quarter == latest and missing:
            continue
        end = quarter.end
        last_day = min(today - _days(1), end + _days(plan.update_due_days + 5))
        if quarter == latest and due_now:
            last_day = today - _days(1)
        if last_day <= end:
            continue  # the quarter ended yesterday: nothing recorded yet
        at = clock.at(_date(rng, end + _days(1), last_day), rng.randint(0, 470))
        update = _row(QuarterlyUpdate, id=p.ids.take(QuarterlyUpdate), action_id=row.pk,
                                 quarter_start=quarter.start, status=status,
                                 text=_text(status, row, rng, action.milestones),
                                 recorded_by_id=user.pk if user else None, recorded_at=at)
        update._history_date, update._history_user = at, user
        action.updates.append(update)
    initial = action.versions[0].state
    if row.withdrawn_at is not None:
        # Its updates that changed its status until the board dropped it; withdrawn as it
        # then stood.
        before = initial["status"]
        for update in action.updates:
            if update.status != before:
                action.versions.append(_Version(row, update.recorded_at, user, {
                    "status": update.status, "commentary": update.text, "withdrawn_at": None,
                    "withdrawn_by_id": None, "withdrawal_reason": ""}))
                before = update.status
        return
    if not action.updates:  # as it was added
        row.status, row.commentary = initial["status"], initial["commentary"]
        row.completed_on = None
        return
    # The newest update sets the status (``actions_plan.record_update``). The action's
    # history has a version for each update that changed its status, and the newest (each
    # update saves the action; the others changed only its commentary).
    newest = action.updates[-1]
    row.status, row.commentary = newest.status, newest.text
    if newest.status != STATUS.COMPLETE:
        row.completed_on = None
    before = initial["status"]
    for update in action.updates[:-1]:
        if update.status != before:
            action.versions.append(_Version(row, update.recorded_at, user, {
                "status": update.status, "commentary": update.text, "completed_on": None}))
            before = update.status
    action.versions.append(_Version(row, newest.recorded_at, user))


# --- the performance framework


def _framework(p: _Demo, meeting: Meeting, clock: _Clock) -> None:
    """3 to 5 metrics (adults in treatment first) whose baseline is the published figure of
    the strategy's baseline year, with targets (``_targets``)."""
    rng = p.rng
    at = clock.at(meeting.held_on, 435)
    usable = {}
    for key in FRAMEWORK:
        # A baseline shown, and the latest figure (the one progress is judged on) too.
        series = p.figures.get(key, [])
        base = [f for f in series if f.period_end <= BASELINE_BY and f.value]
        if base and series[-1].period_end > base[-1].period_end and series[-1].value:
            usable[key] = (base[-1], series[-1])
    others = [k for k in usable if k != "numbers_in_treatment"]
    keys = ([k for k in usable if k == "numbers_in_treatment"]
            + rng.sample(others, min(len(others), rng.randint(2, 4))))
    # On track for some metrics and off for others: the metrics whose latest figure can lie
    # on one side only take that side, the others the side so far less taken (from a random
    # one), so that each partnership whose figures allow both has both.
    choices = []
    for key in keys:
        baseline, latest = usable[key]
        trajectory = rng.random() < 0.5
        can = {side for side in (True, False)
               if _targets(key, baseline, latest, side, trajectory)[2] == side}
        choices.append((key, trajectory, can))
    sides = Counter(next(iter(can)) for _key, _trajectory, can in choices if len(can) == 1)
    first = rng.random() < 0.5
    wanted = {}
    for key, _trajectory, can in choices:
        if len(can) == 1:
            wanted[key] = next(iter(can))
        else:
            wanted[key] = first if sides[True] == sides[False] else sides[True] < sides[False]
            sides[wanted[key]] += 1
    for key, trajectory, _can in choices:
        baseline, latest = usable[key]
        points, notes, _on = _targets(key, baseline, latest, wanted[key], trajectory)
        row = FrameworkMetric(
            id=p.ids.take(FrameworkMetric),
            partnership=p.partnership, metric_id=p.metric_ids[key], owner=p.data_lead,
            frequency=(FrameworkMetric.Frequency.QUARTERLY if key == "neighbourhood_crime"
                       else FrameworkMetric.Frequency.ANNUAL),
            baseline_period=baseline.period_label, baseline_period_end=baseline.period_end,
            baseline_value=baseline.value, baseline_set_at=at, baseline_set_by=p.lead,
            notes=notes)
        for point in points:
            point.id, point.framework_metric = p.ids.take(TargetPoint), row
        for record in (row, *points):
            record._history_date, record._history_user = at, p.lead
        p.framework.append((row, points))


def trajectory_value(baseline_end: dt.date, baseline_value: float,
                     points: list[tuple[dt.date, float]], day: dt.date) -> float:
    """The trajectory on ``day``: straight lines from the baseline through the target points
    (the last target beyond them)."""
    previous = (baseline_end, baseline_value)
    for end, value in points:
        if day <= end:
            span = (end - previous[0]).days
            return previous[1] + (value - previous[1]) * (day - previous[0]).days / span
        previous = (end, value)
    return previous[1]


def _targets(key: str, baseline, latest, on_track: bool, trajectory: bool
             ) -> tuple[list[TargetPoint], str, bool]:
    """A target for March 2027 (December 2026 for the three-year pooled deaths) as a round
    percentage better than the baseline, with a trajectory point each March (December) of
    the plan's years on the straight line from the baseline to it (``trajectory``) or
    alone.

    The percentage is chosen so that the latest published figure lies clearly (by
    ``MARGIN`` of the baseline or more) on the wanted side of that line at the latest
    figure's period end: on track is better than the trajectory (above it where higher is
    better, below it where lower is better), off track worse. The most ambitious percentage
    that leaves it on track, or the least ambitious that leaves it off track; when no
    percentage gives the wanted side, the other one. So the progress computation (latest
    actual against the straight-line trajectory) finds about half the demo's framework
    metrics on track and half off track. Returns the target points, a note saying what the
    target is, and whether the latest figure is on track."""
    name, direction = FRAMEWORK[key]
    month = 12 if baseline.period_end.month == 12 else 3
    ends = [dt.date(year, month, 31) for year in range(2025, 2028)
            if baseline.period_end < dt.date(year, month, 31) <= dt.date(2027, 3, 31)]
    whole = abs(baseline.value) >= 100

    def points_for(percent: int) -> list[tuple[dt.date, float]]:
        final = baseline.value * (1 + direction * percent / 100)
        result = []
        for end in ends if trajectory else ends[-1:]:
            value = baseline.value + (final - baseline.value) * (
                (end - baseline.period_end).days / (ends[-1] - baseline.period_end).days)
            result.append((end, float(round(value)) if whole else round(value, 1)))
        return result

    options = list(range(5, 45, 5))
    margins = {pc: direction * (latest.value - trajectory_value(
        baseline.period_end, baseline.value, points_for(pc), latest.period_end))
        / abs(baseline.value) for pc in options}

    def margin(percent: int) -> float:
        return margins[percent]

    on = [pc for pc in options if margin(pc) >= MARGIN]
    off = [pc for pc in options if margin(pc) <= -MARGIN]
    if on and (on_track or not off):
        percent = max(on)
    elif off:
        percent = min(off)
    else:  # never clearly either: the furthest from the line
        percent = max(options, key=lambda pc: abs(margin(pc)))
    points = points_for(percent)

    def shown(value: float) -> str:
        unit = baseline.metric_unit
        number = f"{value:,.0f}" if whole else f"{value:,.1f}"
        return f"{number}%" if unit == "%" else f"{number} {unit}"

    word = ("more" if direction > 0 else "fewer") if whole else (
        "higher" if direction > 0 else "lower")
    notes = (f"Target for {name}: {shown(points[-1][1])} by {ends[-1]:%B %Y}, {percent}% "
             f"{word} than the {baseline.period_label} baseline of {shown(baseline.value)}"
             + (", with a yearly trajectory." if trajectory else "."))
    return ([TargetPoint(period_end=end, value=value) for end, value in points], notes,
            margin(percent) > 0)


# --- risks and disagreements


def _risks(p: _Demo, agreed_on: dt.date, clock: _Clock) -> None:
    """3 to 6 entries: one disagreement, one escalated risk, one closed, and open risks."""
    rng, today = p.rng, p.today
    title, sectors, likelihood, impact, mitigation = rng.choice(DISAGREEMENTS)
    entries = [(Risk.Kind.DISAGREEMENT, title, sectors, likelihood, impact, mitigation,
                Risk.Status.OPEN)]
    for n, (_kind, title, sectors, likelihood, impact, mitigation) in enumerate(
            rng.sample(RISKS, rng.randint(1, 4))):
        entries.append((Risk.Kind.RISK, title, sectors, likelihood, impact, mitigation,
                        Risk.Status.ESCALATED if n == 0 else Risk.Status.OPEN))
    closed = rng.choice(CLOSED_RISKS)
    entries.append((Risk.Kind.RISK, *closed[:5], Risk.Status.CLOSED))
    for kind, title, sectors, likelihood, impact, mitigation, status in entries:
        raised = _date(rng, agreed_on - _days(30), today - _days(60))
        lead = p.org(sectors)
        risk = Risk(id=p.ids.take(Risk), partnership=p.partnership, kind=kind, title=title,
                    owner=p.owner(lead), likelihood=likelihood, impact=impact, mitigation=mitigation,
                    raised_on=raised, status=status,
                    description=f"Raised by {lead.name} at the partnership board.")
        versions = [_Version(risk, clock.at(raised, 380), p.lead, {
            "status": Risk.Status.OPEN, "escalation": "", "closed_on": None,
            "resolution": ""})]
        if status == Risk.Status.ESCALATED:
            day = _date(rng, raised + _days(20), today - _days(10))
            risk.escalation = (f"Escalated to the senior responsible owner on {day:%-d %B %Y}, "
                               "as the terms of reference set out.")
            versions.append(_Version(risk, clock.at(day, 390), p.lead))
        elif status == Risk.Status.CLOSED:
            risk.closed_on = _date(rng, raised + _days(30), today - _days(5))
            risk.resolution = closed[5]
            versions.append(_Version(risk, clock.at(risk.closed_on, 395), p.lead))
        p.risks.append((risk, versions))


# ----------------------------------------------------------------------------- saving
#
# Every row is written with one ``executemany`` per table, its id given by the demo (the
# next after the table's largest), as ``outcomes/store.py`` writes figures: the same rows
# ``bulk_create_with_history`` would write, without its per-value preparation and per-row
# history objects, which took about ten times as long here (18 s against under 2 s for the
# whole step, measured on SQLite on a busy 2-core machine). The history records are written
# the same way, one per version of each row, at the version's time, by its user.


class _Writer:
    """Gives new rows their ids (the next after the table's largest), and writes rows and
    history records."""

    def __init__(self):
        self.next: dict[type, int] = {}
        # The same times and dates recur (a row's time is its first history record's).
        self.converters = {
            models.DateTimeField: lru_cache(maxsize=None)(
                connection.ops.adapt_datetimefield_value),
            models.DateField: lru_cache(maxsize=None)(connection.ops.adapt_datefield_value)}

    def take(self, model) -> int:
        if model not in self.next:
            largest = model._default_manager.aggregate(m=Max(model._meta.pk.attname))["m"]
            self.next[model] = (largest or 0) + 1
        self.next[model] += 1
        return self.next[model] - 1

    def rows(self, model, objects: list) -> None:
        """Insert ``objects`` (model instances with their ids given, not saved yet)."""
        names, converters = _columns(model, self.converters)
        values = [[getattr(obj, name) for name in names] for obj in objects]
        _execute(model, _converted(values, converters))

    def history(self, model, versions: list[_Version]) -> list[tuple[int, int]]:
        """A history record for each version: the first of each row as its creation, the
        later ones as changes. Returns (history id, row id) of each."""
        historical = model.history.model
        names, converters = _columns(historical, self.converters)
        index = {name: n for n, name in enumerate(names)}
        written, values, seen = [], [], set()
        for version in sorted(versions, key=lambda v: v.at):
            record = version.record
            history_id = self.take(historical)
            row = [getattr(record, name, None) for name in names]
            for name, value in version.state.items():
                row[index[name]] = value
            row[index["history_id"]] = history_id
            row[index["history_date"]] = version.at
            row[index["history_type"]] = "~" if record.pk in seen else "+"
            row[index["history_user_id"]] = version.by.pk if version.by else None
            seen.add(record.pk)
            values.append(row)
            written.append((history_id, record.pk))
        _execute(historical, _converted(values, converters))
        return written

    def created(self, model, objects: list) -> None:
        """A creation record for each row, at its ``_history_date`` by its
        ``_history_user``."""
        self.history(model, [_Version(o, o._history_date, o._history_user) for o in objects])

    def reset_sequences(self) -> None:
        """PostgreSQL: move the tables' id sequences past the ids given here (SQLite's
        AUTOINCREMENT follows the largest id by itself)."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _columns(model, adapt: dict | None = None) -> tuple[list[str], list[tuple[int, object]]]:
    """The attribute of each column of ``model`` in the table's order, and (position,
    converter) of the columns whose values need converting for the database (``adapt``:
    the converters for times and dates)."""
    adapt = adapt or {models.DateTimeField: connection.ops.adapt_datetimefield_value,
                      models.DateField: connection.ops.adapt_datefield_value}
    names, converters = [], []
    for n, f in enumerate(model._meta.concrete_fields):
        names.append(f.attname)
        if isinstance(f, models.DateTimeField):
            converters.append((n, adapt[models.DateTimeField]))
        elif isinstance(f, models.DateField):
            converters.append((n, adapt[models.DateField]))
        elif isinstance(f, (models.DecimalField, models.JSONField)):
            converters.append((n, partial(f.get_db_prep_save, connection=connection)))
    return names, converters


def _converted(values: list[list], converters: list[tuple[int, object]]) -> list[list]:
    for row in values:
        for n, convert in converters:
            if row[n] is not None:
                row[n] = convert(row[n])
    return values


def _execute(model, values: list[list]) -> None:
    if not values:
        return
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    # Names come from the model, quoted; every value is a parameter.
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _save(demo: list[_Demo], write: _Writer) -> None:
    priorities = [priority for p in demo for priority in p.new_priorities]
    write.rows(Priority, priorities)
    write.created(Priority, priorities)

    streams = [stream for p in demo for stream in p.funding.values()]
    write.rows(FundingStream, streams)
    write.created(FundingStream, streams)

    plans = [(plan, versions) for p in demo for plan, versions in p.plans]
    write.rows(Plan, [plan for plan, _versions in plans])
    write.history(Plan, [v for _plan, versions in plans for v in versions])

    completions = [c for p in demo for c in p.completions]
    for completion in completions:
        completion.link = actions_plan.plan_url(completion.plan)
    write.rows(MilestoneCompletion, completions)
    write.created(MilestoneCompletion, completions)

    actions = [a for p in demo for a in p.actions]
    write.rows(PlanAction, [a.row for a in actions])
    history = write.history(PlanAction, [v for a in actions for v in a.versions])
    _metric_links(write, actions, history)

    write.rows(ActionMilestone, [m for a in actions for m in a.milestones])
    write.history(ActionMilestone, [v for a in actions for v in a.milestone_versions])

    updates = [u for a in actions for u in a.updates]
    write.rows(QuarterlyUpdate, updates)
    write.created(QuarterlyUpdate, updates)

    framework = [row for p in demo for row, _points in p.framework]
    write.rows(FrameworkMetric, framework)
    write.created(FrameworkMetric, framework)
    points = [point for p in demo for _row, targets in p.framework for point in targets]
    write.rows(TargetPoint, points)
    write.created(TargetPoint, points)

    risks = [(risk, versions) for p in demo for risk, versions in p.risks]
    write.rows(Risk, [risk for risk, _versions in risks])
    write.history(Risk, [v for _risk, versions in risks for v in versions])
    write.reset_sequences()


def _metric_links(write: _Writer, actions: list[_Action], history: list[tuple[int, int]]
                  ) -> None:
    """The actions' metrics, and the same links in each action's newest history record, as
    a save on a page records them (older records have none: as in ``demo/planning.py``)."""
    through = PlanAction.metrics.through
    links = [{"id": write.take(through), "planaction_id": a.row.pk, "metric_id": metric}
             for a in actions for metric in a.metrics]
    _execute(through, [[link[name] for name in _columns(through)[0]] for link in links])
    newest = dict((action_id, history_id) for history_id, action_id in history)
    snapshots = apps.get_model("planning", "HistoricalPlanAction_metrics")
    names = _columns(snapshots)[0]
    _execute(snapshots, [[{**link, "history_id": newest[link["planaction_id"]],
                           "m2m_history_id": write.take(snapshots)}[name] for name in names]
                         for link in links])
