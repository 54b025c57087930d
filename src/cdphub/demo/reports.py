"""Demo progress reports (guidance chapter 4, "Review and update"; chapter 5).

Two demo partnerships have a published report on 2023/24 and a draft on 2024/25:

* Greater Manchester (the flagship, with the demo accounts): its lead (lead@example.org)
  started the report in April 2024 and wrote the narrative and two case studies, one of them
  quoting a person who gave written consent; its SRO (sro@example.org) signed it off,
  submitted it before the 30 April 2024 deadline and published it in May. The 2024/25 draft
  was started in April 2025: the vision is carried over and the highlights half written.
* Berkshire West: the same steps a few days later, by people with no cdphub account
  (``by=None``, as the needs-assessment demo does), one case study; published in June 2024.
  Its 2024/25 draft has only its vision so far.

Every step goes through ``reporting.actions`` as a user's would, so the submission freezes
the HTML and the PDF with their checksums and records the progress-report milestone (in
place of the stand-in completion the register demo gives every partnership for that year). The
actions stamp what they write with the time they run; each step here runs on its own day in
2024 or 2025 (``_on``: the clock reads that day and time while the step runs), so the
report's dates, the submission's, the milestone's and the History's are the ones a
partnership would have. The reports' content is generated as at their data dates by
``reporting.build`` unchanged.

Idempotent: a partnership that already has a report on a year keeps it. No other
partnership has a report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.test.utils import override_settings
from django.utils import timezone

from cdphub.accounts.models import User
from cdphub.partnerships import changesets
from cdphub.partnerships.models import MilestoneCompletion, Partnership, Position
from cdphub.reporting import actions
from cdphub.reporting.models import Report

GM = "Greater Manchester Combating Drugs Partnership"
BERKSHIRE = "Berkshire West Combating Drugs Partnership"
PUBLISHED_YEAR = 2023  # 2023/24
DRAFT_YEAR = 2024  # 2024/25


@dataclass(frozen=True)
class CaseStudyText:
    title: str
    text: str
    person_named_as: str = ""
    consent_given_on: dt.date | None = None
    consent_method: str = ""
    consent_note: str = ""


@dataclass(frozen=True)
class DemoReport:
    partnership: str
    sro_email: str | None  # the demo account that signs off, submits and publishes
    lead_email: str | None  # the demo account that writes
    started: dt.datetime
    data_date: dt.date
    signed_off: dt.datetime
    submitted: dt.datetime
    published: dt.datetime
    foreword: str
    vision: str
    highlights: str
    next_steps: str
    case_studies: list[CaseStudyText] = field(default_factory=list)
    # the 2024/25 draft
    draft_started: dt.datetime | None = None
    draft_data_date: dt.date | None = None
    draft: dict[str, str] = field(default_factory=dict)


def _at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day),
                                                   dt.time(hour, minute)))


GM_VISION = (
    "A Greater Manchester where fewer people are harmed by drugs and alcohol, where anyone who "
    "needs treatment can get it quickly and stay in it, where recovery is visible in every one "
    "of our ten boroughs, and where children and families are protected from the harm that "
    "drug supply and dependence bring.\n\n"
    "We share the three aims of the national strategy, From Harm to Hope: to break drug supply "
    "chains, to deliver a world-class treatment and recovery system, and to achieve a "
    "generational shift in the demand for drugs.")

BERKSHIRE_VISION = (
    "For Reading, West Berkshire and Wokingham to be places where drug and alcohol harm is "
    "falling, where treatment and recovery services are easy to reach and well used, and where "
    "young people grow up with the information and support to make safer choices.")

REPORTS = [
    DemoReport(
        partnership=GM, sro_email="sro@example.org", lead_email="lead@example.org",
        started=_at("2024-04-02", 9, 30), data_date=dt.date(2024, 3, 31),
        signed_off=_at("2024-04-22", 16, 5), submitted=_at("2024-04-24", 11, 40),
        published=_at("2024-05-13", 9, 15),
        foreword=(
            "As Senior Responsible Owner for the Greater Manchester Combating Drugs "
            "Partnership, I am pleased to present our progress report for 2023/24, the second "
            "year of our work to deliver the national drug strategy, From Harm to Hope, across "
            "our ten boroughs.\n\n"
            "Delivery of the strategy is not the responsibility of any one organisation. This "
            "report shows what our councils, Greater Manchester Police, the NHS, probation, our "
            "treatment providers and the voluntary sector have achieved together, and where we "
            "still have most to do. Deaths related to drug misuse remain too high in parts of "
            "the city region, and too many adults who are dependent on alcohol are not in "
            "treatment: both are priorities in our delivery plan for the year ahead.\n\n"
            "The voices of people with lived experience of addiction and recovery have shaped "
            "this work from the start, through our lived experience forum and the recovery "
            "communities in every borough. I would like to thank everyone involved for their "
            "commitment, and the people who shared their stories with us for this report."),
        vision=GM_VISION,
        highlights=(
            "- Our needs assessment was refreshed with partners and agreed by the partnership "
            "board, and its findings set the priorities of our delivery plan.\n"
            "- More adults started treatment than in 2022/23, and the number leaving prison "
            "who started community treatment within three weeks of release rose through the "
            "year.\n"
            "- Naloxone training reached 640 staff in housing, probation, hostels and "
            "community organisations; 1,150 naloxone kits were supplied.\n"
            "- A drug-related deaths panel now reviews every suspected drug death in the city "
            "region within three months, and its learning goes to every borough.\n"
            "- Hospital alcohol care teams now work in all of our acute trusts, and referrals "
            "from them to community treatment doubled.\n"
            "- Operation Vulcan and borough partnership operations closed 38 county lines, "
            "with children and young people at risk referred to specialist support.\n"
            "- Our lived experience forum met monthly and two of its members joined the "
            "partnership board."),
        next_steps=(
            "In 2024/25 the partnership will focus on the priorities its needs assessment "
            "identified: reducing drug-related deaths, increasing the number of people in "
            "treatment and completing it successfully, and reducing the harm county lines do "
            "to young people.\n\n"
            "We will report progress against our delivery plan to the partnership board every "
            "quarter, publish our performance framework alongside this report, and hold a "
            "workshop with partners in the autumn to review our structures and sub-groups."),
        case_studies=[
            CaseStudyText(
                title="Jay's story: from hospital to recovery",
                text=(
                    "Jay, 41, was admitted to hospital in Salford four times in a year with "
                    "alcohol-related conditions. On the fourth admission the alcohol care team "
                    "met him on the ward and arranged a community detox before he was "
                    "discharged. A peer mentor from his local recovery community met him at "
                    "the door.\n\n"
                    "\"Nobody had ever come to find me before. Having someone who had been "
                    "through it made the difference: I knew it could be done.\"\n\n"
                    "Jay completed treatment in November 2023 and now volunteers with the "
                    "same recovery community."),
                person_named_as="Jay, 41 (not his real name)",
                consent_given_on=dt.date(2024, 3, 18), consent_method="written",
                consent_note="Signed consent form held by the provider's engagement team, "
                             "reference CS-2024-03."),
            CaseStudyText(
                title="Naloxone in hostels",
                text=(
                    "Following three deaths in supported accommodation in 2022, the "
                    "partnership's harm reduction group trained staff in every hostel in the "
                    "city region to give naloxone, and now supplies kits to each of them. "
                    "Staff used naloxone 27 times in 2023/24; every person recovered.")),
        ],
        draft_started=_at("2025-04-07", 14, 20), draft_data_date=dt.date(2025, 3, 31),
        draft={
            "vision": GM_VISION,
            "highlights": (
                "- Drug-related deaths panel: every suspected death reviewed within three "
                "months for the second year running.\n"
                "- Treatment numbers: to add once the quarter four figures are in."),
        },
    ),
    DemoReport(
        partnership=BERKSHIRE, sro_email=None, lead_email=None,
        started=_at("2024-04-09", 10, 0), data_date=dt.date(2024, 3, 31),
        signed_off=_at("2024-04-25", 15, 30), submitted=_at("2024-04-29", 12, 10),
        published=_at("2024-06-03", 10, 0),
        foreword=(
            "This is the Berkshire West Combating Drugs Partnership's report on 2023/24. The "
            "partnership brings together Reading, West Berkshire and Wokingham councils, Thames "
            "Valley Police, the integrated care board, probation and our treatment providers, "
            "building on joint working that began long before the national strategy.\n\n"
            "Much of our work this year has been about understanding our need: our needs "
            "assessment found that the picture differs widely between our towns and our rural "
            "areas, and we have directed resources accordingly so that we do not duplicate "
            "each other's work. I thank every partner for their efforts and commitment."),
        vision=BERKSHIRE_VISION,
        highlights=(
            "- Needs assessment completed and agreed by the partnership.\n"
            "- A shared delivery plan covering the three councils, with quarterly updates from "
            "the lead partners.\n"
            "- A criminal justice liaison worker in each custody suite, so that more people "
            "arrested are offered treatment.\n"
            "- Young people's substance misuse services reviewed across the three councils."),
        next_steps=(
            "The partnership will continue to monitor the national and local measures, and "
            "will review its delivery plan in the autumn with partners and people with lived "
            "experience."),
        case_studies=[
            CaseStudyText(
                title="Treatment in custody",
                text=(
                    "Since September 2023 a liaison worker from the treatment service has met "
                    "people in Reading custody suite who tell officers they use drugs. In the "
                    "first six months, 112 people were offered an assessment and 41 went on to "
                    "start treatment in the community.")),
        ],
        draft_started=_at("2025-05-12", 11, 0), draft_data_date=dt.date(2025, 3, 31),
        draft={"vision": BERKSHIRE_VISION},
    ),
]


@contextmanager
def _on(moment: dt.datetime) -> Iterator[None]:
    """While inside, the clock reads ``moment``: what the actions write is stamped with it
    (change sets a microsecond apart, so the History still tells them apart)."""
    ticks = iter(range(1, 1_000_000))

    def unique_now() -> dt.datetime:
        return moment + dt.timedelta(microseconds=next(ticks))

    with mock.patch.object(timezone, "now", lambda: moment), \
            mock.patch.object(changesets, "unique_now", unique_now), \
            override_settings(CDPHUB_TODAY=timezone.localtime(moment).date().isoformat()):
        yield


def _user(email: str | None) -> User | None:
    return User.objects.filter(email=email).first() if email else None


def _signatory(partnership: Partnership) -> str:
    """The SRO's name and role, from the register."""
    appointment = (partnership.appointments.filter(position=Position.SRO, end_date__isnull=True)
                   .select_related("person__organisation").first())
    if appointment is None:
        return f"Senior Responsible Owner, {partnership.name}"
    person = appointment.person
    role = ", ".join(filter(None, [person.job_title, getattr(person.organisation, "name", "")]))
    return f"{person.full_name}, Senior Responsible Owner" + (f"; {role}" if role else "")


def _published(demo: DemoReport, partnership: Partnership) -> None:
    sro, lead = _user(demo.sro_email), _user(demo.lead_email)
    with _on(demo.started):
        report = actions.start_report(partnership=partnership, year=PUBLISHED_YEAR, by=lead,
                                      data_date=demo.data_date)
    with _on(demo.started + dt.timedelta(days=6, hours=3)):
        actions.change_narrative(report=report, by=lead, vision=demo.vision,
                                 highlights=demo.highlights, next_steps=demo.next_steps)
    for n, case in enumerate(demo.case_studies):
        with _on(demo.started + dt.timedelta(days=8 + n, hours=2)):
            actions.add_case_study(
                report=report, by=lead, title=case.title, text=case.text,
                quotes_person=bool(case.person_named_as), person_named_as=case.person_named_as,
                consent_given_on=case.consent_given_on, consent_method=case.consent_method,
                consent_note=case.consent_note)
    with _on(demo.signed_off - dt.timedelta(days=3, hours=5)):
        actions.change_narrative(report=report, by=sro or lead, foreword=demo.foreword,
                                 foreword_signatory=_signatory(partnership))
    with _on(demo.signed_off):
        actions.sign_off(report=report, by=sro)
    _replace_register_completion(partnership)
    with _on(demo.submitted):
        actions.submit(report=report, by=sro)
    with _on(demo.published):
        actions.publish(report=report, by=sro)


def _replace_register_completion(partnership: Partnership) -> None:
    """The register demo records each year's progress report as done outside cdphub
    (``demo/register.py``); the report submitted here records its own completion, which
    takes the place of the one for the same year."""
    stand_in = MilestoneCompletion.objects.filter(
        partnership=partnership, milestone_key=actions.MILESTONE, recorded_by__isnull=True,
        evidence=f"Annual progress report {PUBLISHED_YEAR + 1}")
    ids = list(stand_in.values_list("pk", flat=True))
    MilestoneCompletion.history.filter(id__in=ids).delete()
    stand_in.delete()
    MilestoneCompletion.history.filter(id__in=ids).delete()  # and the record of its deletion


def _draft(demo: DemoReport, partnership: Partnership) -> None:
    lead = _user(demo.lead_email)
    with _on(demo.draft_started):
        report = actions.start_report(partnership=partnership, year=DRAFT_YEAR, by=lead,
                                      data_date=demo.draft_data_date)
        if demo.draft:
            actions.change_narrative(report=report, by=lead, **demo.draft)


def build_reports_demo(today: dt.date) -> dict[str, int]:
    """The demo partnerships' reports (those they do not have yet). A build on a day before a
    step's date leaves that report out."""
    counts = {"published": 0, "drafts": 0}
    for demo in REPORTS:
        partnership = Partnership.objects.filter(name=demo.partnership).first()
        if partnership is None:
            continue
        years = set(Report.objects.filter(partnership=partnership).values_list("year", flat=True))
        if PUBLISHED_YEAR not in years and demo.published.date() <= today:
            _published(demo, partnership)
            counts["published"] += 1
        if (DRAFT_YEAR not in years and demo.draft_started is not None
                and demo.draft_started.date() <= today):
            _draft(demo, partnership)
            counts["drafts"] += 1
    return counts
