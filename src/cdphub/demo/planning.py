"""Demo needs assessments (chapter 4, "Analyse"): every partnership has one.

* Partnerships that refreshed their needs assessment in 2025 (``demo/register.py`` says which
  and when) have it signed off in cdphub: agreed at the last partnership board before that
  day, signed off by the SRO (the demo SRO account in Greater Manchester; elsewhere nobody
  with an account, ``by=None``) on that day, which records the needs-assessment milestone;
  about half are published. About a third, and Greater Manchester, have started the next
  one: a draft in progress that revises some sections.
* The few that have not refreshed it since 2022 (the register demo's overdue ones) have only
  an assessment in progress, a few of them agreed and waiting for the SRO.
* Each assessment has a few sentences for every section, written from the partnership's own
  figures (its name, its authorities, the figures the assessment shows), and 3 to 8
  findings with their evidence, 2 to 5 of them raised to the partnership's priorities.
* Every partnership has an evidence register (4 to 10 entries; Greater Manchester's survey
  summary with a small stored PDF) and a data-sharing register (3 to 6 holdings, 2 to 4
  agreements, one being developed; some past their review date, Greater Manchester's
  among them).

The steps whose rules matter go through ``planning.actions`` as a user's would (start,
agree, sign off, publish, raise a priority, revise a section of the next draft); the plain
rows (narratives of the first draft, findings, evidence, holdings, agreements) are bulk
inserted with their history, as the other demo modules do.

The figures are frozen when each assessment is signed off. Signed off after all the demo's
data are loaded, on a day in 2025, they are the figures of the demo's latest data (the demo
loads each metric's whole series at once: loading the periods before a cut-off first,
recomputing, signing off and then loading the rest adds a second full recomputation, about
7 s on a 31 s build when measured). ``planning.figures.build`` reads each metric through the
outcomes page's presenter, about 0.7 s a partnership, so while the demo writes the
assessments that presenter's views are made for all partnerships at once
(``demo/planning_figures.prepared_views``, the same figures); ``figures.build`` and
``actions.sign_off`` run unchanged.

Deterministic (each partnership draws from its own generator) and idempotent: a partnership
that already has an assessment, evidence or a data-sharing register is left as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cdphub.accounts.models import User
from cdphub.demo.planning_figures import prepared_views
from cdphub.partnerships.changesets import unique_now
from cdphub.partnerships.models import (
    Appointment,
    Coverage,
    Meeting,
    Organisation,
    Partnership,
    Position,
)
from cdphub.planning import actions, figures
from cdphub.planning.models import (
    Assessment,
    DataHolding,
    Evidence,
    Finding,
    SectionNarrative,
    SharingAgreement,
)

GM = "Greater Manchester Combating Drugs Partnership"
BATCH = 500


def _rng(partnership: Partnership) -> random.Random:
    return random.Random(zlib.crc32(f"planning:{partnership.name}".encode()))


def _place(partnership: Partnership) -> str:
    return partnership.name.replace(" Combating Drugs Partnership", "")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ----------------------------------------------------------------------------- the partnership


@dataclass
class _Partnership:
    """What the demo writes from: the partnership, its people's organisations, its meetings."""

    partnership: Partnership
    rng: random.Random
    authorities: list[str]
    organisations: dict[str, Organisation]  # sector -> organisation
    meetings: list[Meeting]  # not withdrawn, oldest first
    sro: User | None
    lead: User | None
    sign_off_on: dt.date | None  # the 2025 refresh, or None: not refreshed
    new_organisations: dict[str, Organisation] = field(default_factory=dict)

    @property
    def place(self) -> str:
        return _place(self.partnership)

    @property
    def domain(self) -> str:
        return _slug(self.place)

    def org(self, *sectors: str) -> Organisation:
        for sector in (*sectors, "local_authority_officials"):
            if sector in self.organisations:
                return self.organisations[sector]
        return next(iter(self.organisations.values()))

    def meeting_before(self, day: dt.date) -> Meeting | None:
        held = [m for m in self.meetings if m.held_on < day]
        return held[-1] if held else None


def _partnerships(partnerships: list[Partnership], refreshes: dict[int, dt.date | None],
                  organisations: dict[str, Organisation]) -> list[_Partnership]:
    ids = [p.pk for p in partnerships]
    by_sector: dict[int, dict[str, Organisation]] = defaultdict(dict)
    users: dict[tuple[int, str], User] = {}
    appointments = (Appointment.objects.filter(partnership_id__in=ids, end_date__isnull=True)
                    .select_related("person__organisation", "person__user")
                    .order_by("partnership_id", "start_date", "pk"))
    for appointment in appointments:
        person = appointment.person
        if person.organisation is not None:
            by_sector[appointment.partnership_id].setdefault(appointment.sector,
                                                             person.organisation)
        if person.user is not None:
            users.setdefault((appointment.partnership_id, appointment.position), person.user)
    meetings: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in (Meeting.objects.filter(partnership_id__in=ids, withdrawn_at__isnull=True)
                    .order_by("held_on", "pk")):
        meetings[meeting.partnership_id].append(meeting)
    authorities: dict[int, list[str]] = defaultdict(list)
    for coverage in (Coverage.objects.filter(partnership_id__in=ids, valid_to__isnull=True)
                     .select_related("area").order_by("area__name")):
        authorities[coverage.partnership_id].append(coverage.area.name)
    result = []
    for partnership in partnerships:
        orgs = by_sector[partnership.pk]
        if not orgs:  # nobody appointed: the partnership's own name stands in
            orgs["other"] = organisations.setdefault(
                partnership.name, Organisation(name=partnership.name, sector="other"))
        result.append(_Partnership(
            partnership=partnership, rng=_rng(partnership),
            authorities=authorities[partnership.pk] or [_place(partnership)],
            organisations=orgs, meetings=meetings[partnership.pk],
            sro=users.get((partnership.pk, Position.SRO)),
            lead=users.get((partnership.pk, Position.PARTNERSHIP_LEAD)),
            sign_off_on=refreshes.get(partnership.pk)))
    return result


# ----------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class _Fig:
    text: str
    period: str
    comparison: str  # e.g. "worse than England"
    trend: str
    england: str


def _fig(snapshot: dict, key: str) -> _Fig | None:
    """The partnership's latest figure for a metric, in words (None: none to show)."""
    block = snapshot["metrics"].get(key)
    own = block and block["partnership"]
    if not own or not own["text"]:
        return None
    comparison = {"better": "better than England", "worse": "worse than England",
                  "similar": "similar to England", "higher": "higher than England",
                  "lower": "lower than England"}.get(own["comparison_style"],
                                                     "not compared with England")
    england = (block["england"] or {}).get("text") or ""
    return _Fig(own["text"], own["period"], comparison, own["trend"] or "", england)


def _extremes(snapshot: dict, key: str) -> tuple[dict, dict] | None:
    """The authorities with the highest and lowest figure (None: fewer than two)."""
    block = snapshot["metrics"].get(key)
    shown = [a for a in (block or {}).get("authorities", []) if a.get("text")]
    if len(shown) < 2:
        return None
    ranked = sorted(shown, key=lambda a: a["value"])
    return ranked[-1], ranked[0]


# ----------------------------------------------------------------------------- narrative


def deaths_sentence(place: str, deaths: _Fig | None) -> str:
    """The sentence every assessment gives about deaths related to drug misuse."""
    if deaths is None:
        return (f"Deaths related to drug misuse in {place} are too few to publish a rate; "
                "the drug-related deaths panel reviews each one.")
    trend = f", {deaths.trend}" if deaths.trend else ""
    return (f"Deaths related to drug misuse in {place} were {deaths.text} in {deaths.period} "
            f"({deaths.comparison}, {deaths.england}{trend}).")


def _narratives(p: _Partnership, snapshot: dict, year: int) -> dict[str, str]:
    rng, place = p.rng, p.place
    deaths = _fig(snapshot, "drug_misuse_deaths")
    treated = _fig(snapshot, "numbers_in_treatment")
    recovery = _fig(snapshot, "recovery_proportion")
    continuity = _fig(snapshot, "continuity_of_care")
    crime = _fig(snapshot, "neighbourhood_crime")
    admissions = _fig(snapshot, "drug_hospital_admissions")
    homicides = _fig(snapshot, "drug_related_homicides")
    lines = _fig(snapshot, "county_lines_closed")
    children = _fig(snapshot, "children_in_need_drugs")
    activity = _fig(snapshot, "meaningful_activity")
    areas = _join(p.authorities)
    police = p.org("police").name
    provider = p.org("treatment_providers").name
    several = len(p.authorities) > 1
    text = {}

    text["residents_lives"] = " ".join([
        rng.choice([
            f"The partnership judges progress for residents of {areas} by fewer deaths, less "
            "drug-related crime and more people recovering.",
            f"We will know residents' lives in {place} are improving when fewer people die, "
            "fewer are harmed by drug-related crime and more sustain their recovery.",
        ]),
        deaths_sentence(place, deaths),
        (f"Neighbourhood crime stood at {crime.text} ({crime.period}), {crime.comparison}."
         if crime else "Neighbourhood crime is reported for the police force area only."),
        "Each measure is reviewed quarterly at the partnership board.",
    ])
    text["services_delivered"] = " ".join([
        (f"{treated.text} adults were in treatment in {treated.period}."
         if treated else "The number of adults in treatment is below the level published."),
        (f"{recovery.text} completed treatment and did not return within six months "
         f"({recovery.comparison})." if recovery else ""),
        (f"Continuity of care on release from prison was {continuity.text} "
         f"({continuity.period}), {continuity.comparison}." if continuity else ""),
        rng.choice([
            f"{provider} reports waiting times monthly to the treatment and recovery group.",
            f"Service quality is reviewed with {provider} at quarterly contract meetings.",
        ]),
    ]).replace("  ", " ").strip()
    text["current_performance"] = " ".join([
        rng.choice(["Of the headline metrics, the partnership watches deaths most closely.",
                    f"{place} compares itself with England and the region on every headline "
                    "metric."]),
        deaths_sentence(place, deaths),
        (f"Hospital admissions for drug poisoning were {admissions.text} ({admissions.period}), "
         f"{admissions.comparison}{', ' + admissions.trend if admissions.trend else ''}."
         if admissions else ""),
        (f"Drug-related homicides in the police force area numbered {homicides.text} over "
         f"{homicides.period}." if homicides else ""),
    ]).replace("  ", " ").strip()
    text["partners"] = " ".join([
        f"{police}, {provider} and {p.org('local_authority_officials').name} lead the "
        "partnership's work.",
        rng.choice([
            "Jobcentre Plus and housing providers have a larger part to play in recovery than "
            "they do today.",
            "Schools, colleges and the youth justice service are not yet fully involved in "
            "prevention.",
            "The NHS trust's emergency department is a missed point of contact with people "
            "who use drugs.",
        ]),
        "The lived experience forum will be asked to review each priority.",
    ])
    text["what_works"] = " ".join([
        rng.choice([
            "Evidence from OHID and the drug-related deaths panel points to naloxone, "
            "assertive outreach and treatment on release from prison.",
            "The partnership draws on the OHID commissioning support pack and on local "
            "evaluations of peer-led recovery.",
        ]),
        rng.choice([
            f"In {year} we will test a hospital navigator service and evaluate it after a year.",
            f"In {year} we will try a recovery housing pilot with one housing provider.",
            f"In {year} we will pilot in-reach into custody suites with {police}.",
        ]),
    ])
    text["drug_use"] = " ".join([
        "Estimates of opiate and crack cocaine use suggest many people who use these drugs are "
        "not in treatment.",
        rng.choice([
            "Recreational use of cocaine and ketamine among young adults is rising, according "
            "to the night-time economy partners.",
            "Cannabis remains the most common drug among young people referred to services.",
        ]),
    ])
    text["drug_supply"] = " ".join([
        (f"{police} closed county lines in the force area ({lines.period}: {lines.text})."
         if lines else f"{police} reports county lines activity for the force area."),
        rng.choice([
            f"Lines supplying {areas} run from neighbouring cities and exploit children.",
            "Crack cocaine supply has grown, with lines exporting drugs to coastal and rural "
            "towns.",
        ]),
        "The drugs market profile is restricted to the partnership.",
    ])
    text["crime"] = " ".join([
        (f"Neighbourhood crime was {crime.text} ({crime.period}), {crime.comparison}."
         if crime else "Neighbourhood crime is reported for the force area."),
        (f"The force area recorded {homicides.text} drug-related homicides over "
         f"{homicides.period}." if homicides else ""),
        rng.choice([
            "Serious violence linked to the drugs market is concentrated in a few "
            "neighbourhoods.",
            "Acquisitive crime by people with a drug dependency fell after more were offered "
            "treatment through the courts.",
        ]),
    ]).replace("  ", " ").strip()
    text["wider_issues"] = " ".join([
        (f"{activity.text} of people in treatment were in meaningful activity "
         f"({activity.period})." if activity else ""),
        (f"Children in need assessed with drug misuse as a factor: {children.text} "
         f"({children.period}), {children.comparison}." if children else ""),
        rng.choice([
            "Homelessness and poor mental health are the commonest unmet needs of people "
            "leaving treatment.",
            "Too few people in recovery find stable housing and work.",
        ]),
        "Mental health support for people in treatment depends on a few specialist workers.",
    ]).replace("  ", " ").strip()
    text["demographics"] = " ".join([
        _sex_sentence(snapshot, place),
        rng.choice([
            "Women and people from ethnic minority groups are under-represented in treatment "
            "compared with estimates of need.",
            "Older people using opiates make up a growing share of those in treatment, with "
            "poorer physical health.",
        ]),
        "People with lived experience describe stigma as the main reason for not seeking help.",
    ])
    text["geography"] = _geography(snapshot, place, several, rng)
    text["accessibility"] = " ".join([
        rng.choice([
            f"{provider} runs hubs in the main towns; people in rural areas travel furthest.",
            "Referrals come mostly from self-referral and criminal justice routes; few come "
            "from GPs or hospitals.",
        ]),
        (f"Continuity of care on release from prison ({continuity.text}) shows how many "
         "people reach treatment after leaving custody." if continuity else ""),
        "Outreach workers and peer mentors help people who do not come to services.",
    ]).replace("  ", " ").strip()
    return text


def _sex_sentence(snapshot: dict, place: str) -> str:
    block = snapshot["metrics"].get("drug_misuse_deaths") or {}
    by_sex = {b["label"]: b for b in block.get("breakdowns", []) if b["label"].startswith("Sex")
              and b.get("text")}
    male, female = by_sex.get("Sex: Male"), by_sex.get("Sex: Female")
    if male and female:
        return (f"In {place} the rate of deaths related to drug misuse was {male['text']} "
                f"among men and {female['text']} among women ({male['period']}).")
    return "The numbers of deaths by sex are too small to publish for the partnership."


def _geography(snapshot: dict, place: str, several: bool, rng: random.Random) -> str:
    extremes = _extremes(snapshot, "drug_misuse_deaths")
    if several and extremes:
        high, low = extremes
        return (f"Within {place}, deaths related to drug misuse were highest in {high['name']} "
                f"({high['text']}) and lowest in {low['name']} ({low['text']}) in "
                f"{high['period']}. " + rng.choice([
                    "The partnership will target outreach where rates are highest.",
                    "Locality plans will address the gap between authorities."]))
    return (f"{place} is one authority; the data team compares its wards and neighbourhoods, "
            "where deaths and admissions cluster in the most deprived areas. " + rng.choice([
                "Outreach will start in the wards with the highest rates.",
                "A ward-level profile will be added to the next assessment."]))


# ----------------------------------------------------------------------------- findings


#: (section, evidence types, severity, statement template, priority title)
FINDINGS = [
    ("residents_lives", ["jsna", "case_review_safeguarding"], "high",
     "{deaths}", "Reduce deaths related to drug misuse"),
    ("services_delivered", ["ohid_data_pack", "inspection_hmip"], "high",
     "Too few people leaving prison start treatment in the community.",
     "Improve continuity of care on release from prison"),
    ("services_delivered", ["inspection_cqc", "service_user_feedback"], "medium",
     "Waiting times for structured treatment vary between localities.",
     "Cut waiting times for treatment"),
    ("drug_supply", ["drugs_market_profile"], "high",
     "County lines exploit children and vulnerable adults across {place}.",
     "Disrupt county lines and protect exploited children"),
    ("crime", ["community_safety_assessment", "inspection_hmicfrs"], "medium",
     "Serious violence linked to the drugs market is concentrated in a few neighbourhoods.",
     "Reduce drug-related violence in the worst-affected neighbourhoods"),
    ("wider_issues", ["jsna", "service_user_feedback"], "medium",
     "People leaving treatment lack stable housing, which puts their recovery at risk.",
     "Secure housing for people in recovery"),
    ("demographics", ["jsna", "service_user_feedback"], "medium",
     "Women and ethnic minority groups are under-represented in treatment.",
     "Reach groups under-represented in treatment"),
    ("accessibility", ["service_user_feedback", "jsna"], "low",
     "Few referrals come from GPs and hospitals.",
     "Increase referrals from primary care and hospitals"),
    ("partners", ["community_safety_assessment"], "low",
     "Jobcentre Plus and housing providers are not yet fully involved.",
     "Bring employment and housing partners into the partnership"),
    ("geography", ["jsna", "ohid_data_pack"], "medium",
     "Rates of harm differ widely between the authorities of the footprint.",
     "Close the gap between localities"),
]


# ----------------------------------------------------------------------------- evidence


#: (type, title template, owner sectors, visibility)
EVIDENCE = [
    ("jsna", "{place} JSNA {year}: substance misuse chapter", ["local_authority_officials"],
     "publishable"),
    ("ohid_data_pack", "OHID adult drug commissioning support pack {fy}",
     ["ohid_regional", "local_authority_officials"], "partnership"),
    ("drugs_market_profile", "Drugs market profile {year} (restricted)", ["police"],
     "partnership"),
    ("community_safety_assessment", "{place} community safety strategic assessment {year}",
     ["local_authority_officials"], "publishable"),
    ("inspection_hmicfrs", "HMICFRS PEEL inspection {early}: {police}", ["police"],
     "publishable"),
    ("inspection_cqc", "CQC inspection of {provider} ({place}) {early}",
     ["treatment_providers"], "publishable"),
    ("inspection_hmip", "HM Inspectorate of Probation: probation delivery unit inspection "
     "{early}", ["probation"], "publishable"),
    ("inspection_ofsted", "Ofsted inspection of local authority children's services {early}",
     ["local_authority_officials"], "publishable"),
    ("case_review_homicide", "Domestic homicide review {early}: learning summary",
     ["local_authority_officials"], "partnership"),
    ("case_review_safeguarding", "Safeguarding adults review {year}: drug-related death",
     ["local_authority_officials"], "partnership"),
    ("service_user_feedback", "Service user survey {year}",
     ["lived_experience", "treatment_providers"], "publishable"),
]
REQUIRED_EVIDENCE = ("jsna", "ohid_data_pack", "drugs_market_profile", "service_user_feedback")


def tiny_pdf(title: str) -> bytes:
    """A one-page PDF with one line of text: a valid file, a few hundred bytes."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _stored_pdf(title: str) -> tuple[str, int]:
    """The PDF in the media store, under a name made from its checksum (reused when the demo
    is built again, as the outcomes demo does with its files)."""
    content = tiny_pdf(title)
    name = f"evidence/demo/{_slug(title)}_{hashlib.sha256(content).hexdigest()[:16]}.pdf"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(content))
    return name, len(content)


def _evidence(p: _Partnership, before: dt.date) -> list[Evidence]:
    rng, place = p.rng, p.place
    count = rng.randint(4, 10)
    chosen = [e for e in EVIDENCE if e[0] in REQUIRED_EVIDENCE]
    chosen += rng.sample([e for e in EVIDENCE if e[0] not in REQUIRED_EVIDENCE],
                         count - len(chosen))
    year = before.year - 1
    values = {"place": place, "year": year, "early": year - 1,
              "fy": f"{year}-{(year + 1) % 100:02d}", "police": p.org("police").name,
              "provider": p.org("treatment_providers").name}
    rows = []
    for kind, template, sectors, visibility in chosen:
        title = template.format(**values)
        dated = _date(rng, dt.date(year - (1 if "{early}" in template else 0), 1, 15),
                      min(before - dt.timedelta(days=30), dt.date(year, 12, 15)))
        rows.append(Evidence(
            partnership=p.partnership, title=title, evidence_type=kind,
            owner=p.org(*sectors), dated=dated, visibility=visibility,
            link=f"https://example.org/{p.domain}/{_slug(title)}"))
    if p.partnership.name == GM:
        survey = next(e for e in rows if e.evidence_type == "service_user_feedback")
        survey.title = f"{survey.title}: summary of findings"
        survey.file, survey.file_size = _stored_pdf(survey.title)
        survey.file_name = f"{_slug(survey.title)}.pdf"
        survey.file_type = "application/pdf"
        survey.link = ""
        survey.notes = "Summary of 412 responses from people using treatment services."
    return rows


# ----------------------------------------------------------------------------- data sharing


#: (owner sectors, data held, sharing)
HOLDINGS = [
    (["police"], "Recorded drug offences, seizures and drug-related incidents", "shared"),
    (["probation"], "People on probation with a drug rehabilitation requirement, and "
     "referrals to treatment on release", "not_shared"),
    (["treatment_providers"], "Treatment records reported to NDTMS: referrals, waits, "
     "outcomes", "shared"),
    (["hospital"], "Emergency department attendances and admissions for drug poisoning",
     "intended"),
    (["local_authority_officials"], "Homelessness applications with a drug or alcohol "
     "support need", "not_shared"),
    (["nhs"], "Primary care records of opioid substitution prescribing", "intended"),
]
#: (title, party sectors, purpose, lawful basis)
AGREEMENTS = [
    ("Drug-related deaths information-sharing agreement",
     ["police", "treatment_providers", "local_authority_officials"],
     "Share details of suspected drug-related deaths so the panel can review each one and "
     "alert services to dangerous batches.", "public_task"),
    ("Continuity of care on release from prison",
     ["probation", "treatment_providers", "secure_estate"],
     "Pass release dates and treatment needs to the community provider before release.",
     "public_task"),
    ("Hospital navigator referrals", ["hospital", "treatment_providers"],
     "Refer patients seen for drug-related harm to treatment, with their consent.", "consent"),
    ("Partnership data hub: pseudonymised outcomes data",
     ["police", "local_authority_officials", "nhs"],
     "Link pseudonymised police, health and council records to measure the partnership's "
     "outcomes.", "public_task"),
]


def _data_sharing(p: _Partnership, today: dt.date, past_review: bool
                  ) -> tuple[list[DataHolding], list[tuple[SharingAgreement, list[int]]]]:
    rng = p.rng
    intended = [h for h in HOLDINGS if h[2] == "intended"]
    others = [h for h in HOLDINGS if h[2] != "intended"]
    chosen = rng.sample(intended, rng.choice([1, 1, 2])) + rng.sample(
        others, rng.randint(2, len(others)))  # 3 to 6, at least one the partnership intends
    holdings = [DataHolding(partnership=p.partnership, organisation=p.org(*sectors),
                            dataset=dataset, sharing=sharing)
                for sectors, dataset, sharing in chosen]
    agreements = []
    picked = rng.sample(AGREEMENTS, rng.randint(2, 4))
    for number, (title, sectors, purpose, basis) in enumerate(picked):
        parties = sorted({p.org(s).pk for s in sectors})
        if number == len(picked) - 1:  # the last is being developed
            agreement = SharingAgreement(
                partnership=p.partnership, title=title, purpose=purpose, lawful_basis=basis,
                status=SharingAgreement.Status.IN_DEVELOPMENT, dpia_done=False,
                notes="Draft with the partners' data protection officers.")
        else:
            signed = _date(rng, dt.date(2022, 11, 1), dt.date(2024, 6, 30))
            review = signed + dt.timedelta(days=365 * rng.choice([2, 3]))
            if number == 0 and past_review:
                review = _date(rng, today - dt.timedelta(days=300), today - dt.timedelta(days=20))
            elif review < today:
                review = _date(rng, today + dt.timedelta(days=60), today + dt.timedelta(days=700))
            agreement = SharingAgreement(
                partnership=p.partnership, title=title, purpose=purpose, lawful_basis=basis,
                status=SharingAgreement.Status.IN_PLACE, signed_on=signed, review_on=review,
                dpia_done=rng.random() < 0.8)
        agreements.append((agreement, parties))
    return holdings, agreements


# ----------------------------------------------------------------------------- building


def build_planning_demo(today: dt.date, refreshes: dict[int, dt.date | None] | None = None
                        ) -> dict[str, int]:
    """Needs assessments, evidence and data-sharing registers for every partnership without
    them. ``refreshes``: the day each partnership signed off its refreshed needs assessment,
    or None (``build_register_demo`` gives them; a partnership missing from it has only a
    draft)."""
    refreshes = refreshes or {}
    everyone = sorted(Partnership.objects.select_related("region"), key=lambda p: p.name)
    organisations = {o.name: o for o in Organisation.objects.all()}
    counts = {"assessments": 0, "evidence": 0, "agreements": 0}

    with_registers = set(Evidence.objects.values_list("partnership_id", flat=True)) | set(
        SharingAgreement.objects.values_list("partnership_id", flat=True)) | set(
        DataHolding.objects.values_list("partnership_id", flat=True))
    without_assessment = set(Partnership.objects.filter(assessments__isnull=True)
                             .values_list("pk", flat=True))
    wanted = [p for p in everyone
              if p.pk in without_assessment or p.pk not in with_registers]
    if not wanted:
        return counts
    demo = _partnerships(wanted, refreshes, organisations)
    _hospitals(demo, organisations)

    # Registers first: the findings link to the evidence.
    evidence: dict[int, list[Evidence]] = {}
    registers = [p for p in demo if p.partnership.pk not in with_registers]
    for p in registers:
        evidence[p.partnership.pk] = _evidence(p, p.sign_off_on or today)
    _save_registers(registers, evidence, today)
    counts["evidence"] = sum(len(rows) for rows in evidence.values())
    counts["agreements"] = SharingAgreement.objects.filter(
        partnership__in=[p.partnership for p in registers]).count()

    assessing = [p for p in demo if p.partnership.pk in without_assessment]
    if not assessing:
        return counts
    for p in assessing:
        evidence.setdefault(p.partnership.pk, list(p.partnership.evidence.all()))
    dates = {p.partnership.pk: [today, *([p.sign_off_on] if p.sign_off_on else [])]
             for p in assessing}
    with prepared_views([p.partnership for p in assessing], dates):
        # The narrative is written from today's figures: those the sign-off freezes too, as
        # every demo load is older than the build (only the footprint on the sign-off day
        # could differ, and no demo footprint changes after April 2025).
        live = {p.partnership.pk: figures.build(p.partnership, today) for p in assessing}
        _assessments(assessing, live, evidence, today)
    counts["assessments"] = Assessment.objects.filter(
        partnership__in=[p.partnership for p in assessing]).count()
    return counts


def _hospitals(demo: list[_Partnership], organisations: dict[str, Organisation]) -> None:
    """Each partnership's hospital trust (a new organisation) and the partnership's own
    name where nobody is appointed; saved once, with their history."""
    new = []
    for p in demo:
        name = f"{p.place} Teaching Hospitals NHS Foundation Trust"
        if name not in organisations:
            organisations[name] = Organisation(name=name, sector="nhs")
            new.append(organisations[name])
        p.organisations.setdefault("hospital", organisations[name])
    new += [o for o in organisations.values() if o.pk is None and o not in new]
    bulk_create_with_history(new, Organisation, batch_size=BATCH)


def _stamp(records, key) -> None:
    """One history time for each group of records (one entry in the History per group)."""
    times: dict = {}
    for record in records:
        group = key(record)
        if group not in times:
            times[group] = unique_now()
        record._history_date = times[group]


def _save_registers(demo: list[_Partnership], evidence: dict[int, list[Evidence]],
                    today: dt.date) -> None:
    holdings: list[DataHolding] = []
    agreements: list[tuple[SharingAgreement, list[int]]] = []
    for p in demo:
        past_review = p.partnership.name == GM or p.rng.random() < 0.3
        rows, signed = _data_sharing(p, today, past_review)
        holdings += rows
        agreements += signed
    rows = [e for p in demo for e in evidence[p.partnership.pk]]
    _stamp(rows, lambda r: r.partnership_id)
    bulk_create_with_history(rows, Evidence, batch_size=BATCH)
    _stamp([*holdings, *(a for a, _parties in agreements)],
           lambda r: r.partnership_id)
    bulk_create_with_history(holdings, DataHolding, batch_size=BATCH)
    bulk_create_with_history([a for a, _parties in agreements], SharingAgreement,
                             batch_size=BATCH)
    _many_to_many(SharingAgreement, "parties", "HistoricalSharingAgreement_parties",
                  "sharingagreement_id", "organisation_id",
                  [(a, party) for a, parties in agreements for party in parties])


def _many_to_many(model, name: str, historical: str, owner: str, other: str,
                  pairs: list[tuple[object, int]]) -> None:
    """Link rows inserted in bulk, and record the links in their latest history record as a
    save on a page does (``demo/governance.py`` does the same for meeting attendees)."""
    if not pairs:
        return
    through = getattr(model, name).through
    through.objects.bulk_create([through(**{owner: row.pk, other: target})
                                 for row, target in pairs], batch_size=BATCH)
    ids = {row.pk for row, _target in pairs}
    versions: dict[int, int] = {}
    for row_id, history_id in (model.history.filter(id__in=ids).order_by("history_id")
                               .values_list("id", "history_id")):
        versions[row_id] = history_id  # the newest
    links = through.objects.filter(**{f"{owner}__in": ids})
    snapshots = apps.get_model("planning", historical)
    snapshots.objects.bulk_create(
        [snapshots(**{"id": link.pk, "history_id": versions[getattr(link, owner)],
                      owner: getattr(link, owner), other: getattr(link, other)})
         for link in links], batch_size=BATCH)


def _assessments(demo: list[_Partnership], live: dict[int, dict],
                 evidence: dict[int, list[Evidence]], today: dt.date) -> None:
    # 1. Each partnership starts its assessment (the one signed off in 2025, or the one
    #    still in progress for those that have not refreshed it).
    first: dict[int, Assessment] = {}
    for p in demo:
        year = (p.sign_off_on or today).year
        first[p.partnership.pk] = actions.start(
            partnership=p.partnership, by=p.lead, title=f"Joint needs assessment {year}")

    # 2. Its narrative and findings (plain rows, in bulk).
    narratives, findings = [], []
    for p in demo:
        snapshot = live[p.partnership.pk]
        assessment = first[p.partnership.pk]
        year = (p.sign_off_on or today).year
        for key, text in _narratives(p, snapshot, year + 1).items():
            narratives.append(SectionNarrative(assessment=assessment, section_key=key,
                                               text=text, updated_by=p.lead))
        findings += _findings(p, assessment, snapshot, evidence[p.partnership.pk])
    _stamp(narratives, lambda r: r.assessment_id)
    bulk_create_with_history(narratives, SectionNarrative, batch_size=BATCH)
    _stamp([f for f, _e, _t in findings], lambda r: r.assessment_id)
    bulk_create_with_history([f for f, _e, _t in findings], Finding, batch_size=BATCH)
    _many_to_many(Finding, "evidence", "HistoricalFinding_evidence", "finding_id",
                  "evidence_id", [(f, e.pk) for f, linked, _t in findings for e in linked])

    # 3. Agreed at a partnership board, signed off by the SRO, often published; findings
    #    raised to priorities; and for some, the next assessment started.
    by_assessment = defaultdict(list)
    for finding, _linked, title in findings:
        by_assessment[finding.assessment_id].append((finding, title))
    for p in demo:
        assessment = first[p.partnership.pk]
        rng = p.rng
        if p.sign_off_on is not None:
            meeting = p.meeting_before(p.sign_off_on)
            actions.agree(assessment=assessment, meeting=meeting, by=p.lead)
            actions.sign_off(assessment=assessment, by=p.sro, on=p.sign_off_on)
            if p.partnership.name == GM or rng.random() < 0.5:
                actions.publish(assessment=assessment, by=p.sro or p.lead)
            _dated(assessment, meeting.held_on, p.sign_off_on)
        elif rng.random() < 0.3:  # agreed, waiting for the SRO
            meeting = p.meeting_before(today + dt.timedelta(days=1))
            if meeting is not None:
                actions.agree(assessment=assessment, meeting=meeting, by=p.lead)
        chosen = by_assessment[assessment.pk]
        for finding, title in rng.sample(chosen, min(len(chosen), rng.randint(2, 5))):
            actions.raise_priority(
                finding=finding, title=title, by=p.lead,
                description=f"Raised from the needs assessment: {finding.statement}")
        if p.sign_off_on is not None and (p.partnership.name == GM or rng.random() < 0.35):
            _next_draft(p, live[p.partnership.pk], today)


def _dated(assessment: Assessment, agreed_on: dt.date, signed_on: dt.date) -> None:
    """The times an assessment signed off in the past was written, signed and published (the
    actions stamp them with the time the demo is built)."""
    def at(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))

    written = agreed_on - dt.timedelta(days=10)
    Assessment.objects.filter(pk=assessment.pk).update(
        created_at=at(agreed_on - dt.timedelta(days=120)), signed_off_at=at(signed_on))
    Assessment.objects.filter(pk=assessment.pk, published_at__isnull=False).update(
        published_at=at(signed_on + dt.timedelta(days=14)))
    SectionNarrative.objects.filter(assessment=assessment).update(updated_at=at(written))
    Finding.objects.filter(assessment=assessment).update(created_at=at(written))


def _findings(p: _Partnership, assessment: Assessment, snapshot: dict,
              evidence: list[Evidence]) -> list[tuple[Finding, list[Evidence], str]]:
    rng = p.rng
    deaths = deaths_sentence(p.place, _fig(snapshot, "drug_misuse_deaths"))
    chosen = [FINDINGS[0]] + rng.sample(FINDINGS[1:], rng.randint(2, 7))
    rows = []
    for section, kinds, severity, statement, title in chosen:
        linked = [e for e in evidence if e.evidence_type in kinds][:2] or evidence[:1]
        finding = Finding(assessment=assessment, section_key=section, severity=severity,
                          statement=statement.format(deaths=deaths, place=p.place),
                          created_by=p.lead)
        rows.append((finding, linked, title))
    return rows


def _next_draft(p: _Partnership, live: dict, today: dt.date) -> None:
    """The next assessment, started from the last: two sections revised with today's
    figures."""
    draft = actions.start(partnership=p.partnership, by=p.lead,
                          title=f"Joint needs assessment {today.year} update")
    deaths = deaths_sentence(p.place, _fig(live, "drug_misuse_deaths"))
    actions.write_section(
        assessment=draft, section_key="residents_lives", by=p.lead,
        text=f"Updated {today:%B %Y} with the latest data. {deaths} "
             "The partnership board will review the measures at its next meeting.")
    actions.write_section(
        assessment=draft, section_key="what_works", by=p.lead,
        text="Since the last assessment the partnership has piloted a hospital navigator "
             "service. Its evaluation will report before this assessment is agreed, and the "
             "board will then decide whether to fund it for three years.")
