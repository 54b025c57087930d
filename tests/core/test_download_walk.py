"""Walk every CSV and XLSX download with hostile text planted in the data it shows, and check
that no cell of any of them is a live spreadsheet formula.

The walk finds the downloads itself: it requests every URL pattern (with the arguments the
URL × role walk uses, and with ``?format=csv``/``?format=xlsx``) as a central administrator
and treats any answer that is a CSV file or a workbook as a download. A download the walk finds
that ``DOWNLOADS`` below does not list fails the test, so a download added later is checked
here too once its hostile data are planted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cdphub.accounts.tokens import create_token
from cdphub.geography.models import Area
from cdphub.outcomes.catalogue import sync_catalogue
from cdphub.outcomes.models import ComputedValue, DataLoad, Metric
from cdphub.partnerships import actions
from cdphub.partnerships.models import Coverage, MilestoneCompletion, Organisation, Person
from cdphub.planning.models import Assessment, Finding, Priority
from tests.conftest import sign_in
from tests.core.test_url_permissions import _concrete_kwargs
from tests.planning.updates_world import HOSTILE_ACTION, HOSTILE_UPDATE, plant_hostile_updates
from tests.url_expectations import all_expectations

# What a spreadsheet would run as a formula (an independent statement of the rule, so the
# test does not trust the writer's own). A plain number such as -3.5 is just a number.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

PARTNERSHIP = '=HYPERLINK("http://evil.example/p","partnership")'
METRIC_NAME = '=HYPERLINK("http://evil.example/m","metric")'
METRIC_SOURCE = "+cmd|' /C calc'!A0"
METRIC_DEFINITION = "@SUM(1+1)*cmd|' /C calc'!A0"
METRIC_UNIT = "-1+1 kits"
NOTE = "=1+2 (a geography note)"
NATIONAL_METRIC = "-2+3 people in treatment"
TOKEN = "@SUM(1+1)"
EVIDENCE = "-2+3"
SRO_NAME = "=cmd|' /C notepad'!A0"
SRO_JOB = "+Director of Public Health"
SRO_ORGANISATION = "@Council"
LOAD_COLUMN = "=column"
LOAD_ERROR = "\tA problem that starts with a tab"
LOAD_WARNING = "\rA warning that starts with a carriage return"
PRIORITY = "=HYPERLINK(\"http://evil.example/priority\",\"priority\")"
PRIORITY_DESCRIPTION = "+cmd|' /C calc'!A0 (a priority's description)"
FINDING = "@SUM(1+1) (a finding)"
NEGATIVE = -3.5
NEGATIVE_CHANGE = -50.0  # 2023/24 against the 2020/21 baseline

METRIC_TABLES = ("trend", "compare", "authorities", "region", "map", "breakdowns")
ON_EVERY_TABLE = {"csv": (METRIC_NAME, METRIC_SOURCE, METRIC_UNIT),
                  "xlsx": (METRIC_NAME, METRIC_SOURCE, METRIC_UNIT, METRIC_DEFINITION, NOTE)}
RETURN = (PARTNERSHIP, SRO_NAME, SRO_JOB, SRO_ORGANISATION)
# The evidence and data-sharing registers (tests/planning/test_registers_*.py).
EVIDENCE_TITLE = '=HYPERLINK("http://evil.example/e","evidence")'
EVIDENCE_NOTES = "+cmd|' /C calc'!A0 (evidence notes)"
SECRET_EVIDENCE = "@secret partnership-only evidence"
HOLDING = "-1+1 arrests held"
AGREEMENT_PURPOSE = "=1+1 (the purpose of an agreement)"
PARTY = "@Party organisation"
# The funding streams register and the risks log (tests/planning/test_funding*.py,
# test_risks.py), and the national matrix of plans (tests/planning/test_national_plans.py).
FUNDING_STREAM = '=HYPERLINK("http://evil.example/f","funding")'
FUNDING_NOTES = "+cmd|' /C calc'!A0 (funding notes)"
FUNDED_ACTION = "@SUM(1+1) (a plan action)"
RISK_TITLE = "-1+1 (a risk)"
RISK_MITIGATION = "=1+1 (a mitigation)"
AMOUNT = 1234567.5
# The delivery plan (tests/planning/test_plan_downloads.py).
PLAN_TITLE = "-1+1 delivery plan"
ACTION_TITLE = '=HYPERLINK("http://evil.example/a","action")'
ACTION_COMMENTARY = "+cmd|' /C calc'!A0 (an action's commentary)"
ACTION_UPDATE = "@SUM(1+1) (a quarterly update)"
ACTION_MILESTONE = "=1+1 (a milestone)"
PLAN_ACTION = (PLAN_TITLE, ACTION_TITLE, PRIORITY, SRO_NAME, SRO_ORGANISATION)


def _slug(world):
    return world.partnership_a.slug


def _local_metric(world):
    return world.hostile_metric_key


def _hostile_load(world):
    return world.hostile_load_pk


def _assessment(world):
    from tests.planning.url_expectations_assessment import a_draft

    return a_draft(world)


def _plan(world):
    from tests.planning.url_expectations_plan import a_plan

    return a_plan(world)


# Every download, by URL name (with the query string that makes a page a download): the
# variants to fetch, and for each the planted text and numbers it must carry.
DOWNLOADS = {
    "accounts:audit-log-csv": [({}, "", (TOKEN,), ())],
    # The evidence register as a central administrator sees it: publishable entries only
    # (SECRET_EVIDENCE is partnership only; tests/planning/test_registers_data_sharing.py
    # checks that such entries are left out).
    "partnerships:evidence-download": [
        ({"slug": _slug, "fmt": fmt}, "", (EVIDENCE_TITLE, EVIDENCE_NOTES, PARTY), ())
        for fmt in ("csv", "xlsx")],
    "partnerships:data-holdings-download": [
        ({"slug": _slug, "fmt": fmt}, "", (HOLDING, PARTY), ()) for fmt in ("csv", "xlsx")],
    "partnerships:sharing-agreements-download": [
        ({"slug": _slug, "fmt": fmt}, "", (AGREEMENT_PURPOSE, PARTY), ())
        for fmt in ("csv", "xlsx")],
    "partnerships:plan-funding-download": [
        ({"slug": _slug, "fmt": fmt}, "", (FUNDING_STREAM, FUNDING_NOTES, FUNDED_ACTION, PARTY),
         (AMOUNT,)) for fmt in ("csv", "xlsx")],
    "partnerships:plan-risks-download": [
        ({"slug": _slug, "fmt": fmt}, "", (RISK_TITLE, RISK_MITIGATION), (20,))
        for fmt in ("csv", "xlsx")],
    "partnerships:national-plans-download": [
        ({"fmt": fmt}, "", (PARTNERSHIP,), (1,)) for fmt in ("csv", "xlsx")],
    # Every partnership's progress reports by year (reporting/views_national.py).
    "partnerships:national-reports-download": [
        ({"fmt": fmt}, "", (PARTNERSHIP,), ()) for fmt in ("csv", "xlsx")],
    "partnerships:national-milestones?format=csv": [
        ({}, "?format=csv", (PARTNERSHIP, EVIDENCE), ())],
    "outcomes:load-report": [
        ({"pk": _hostile_load}, "", (LOAD_COLUMN, LOAD_ERROR, LOAD_WARNING), ())],
    "outcomes:commitments-download": [
        ({"fmt": fmt}, "", (NATIONAL_METRIC,), (NEGATIVE_CHANGE,)) for fmt in ("csv", "xlsx")],
    "partnerships:outcomes-download": [
        ({"slug": _slug, "fmt": fmt}, "", (METRIC_NAME,), (NEGATIVE,))
        for fmt in ("csv", "xlsx")],
    "partnerships:outcome-metric-download": [
        ({"slug": _slug, "key": _local_metric, "table": table, "fmt": fmt}, "",
         ON_EVERY_TABLE[fmt] + ((PARTNERSHIP,) if table == "trend" else ()),
         (NEGATIVE,) if table == "trend" else ())
        for table in METRIC_TABLES for fmt in ("csv", "xlsx")],
    # Every figure of partnership A's needs assessment: the partnership's name on every row,
    # the renamed national count of people in treatment with its England figures.
    "partnerships:needs-assessment-figures-download": [
        ({"slug": _slug, "pk": _assessment, "fmt": fmt}, "", (PARTNERSHIP, NATIONAL_METRIC),
         (250,)) for fmt in ("csv", "xlsx")],
    "partnerships:return-csv": [({"slug": _slug}, "", RETURN, ())],
    "partnerships:return-xlsx": [({"slug": _slug}, "", RETURN, ())],
    "partnerships:register-csv": [({}, "", RETURN, ())],
    "partnerships:register-xlsx": [({}, "", RETURN, ())],
    "partnerships:register-template": [({}, "", (), ())],
    "partnerships:plan-download": [
        ({"slug": _slug, "pk": _plan, "fmt": fmt}, "",
         (*PLAN_ACTION, ACTION_COMMENTARY, ACTION_UPDATE, ACTION_MILESTONE), ())
        for fmt in ("csv", "xlsx")],
    "partnerships:plan-coverage-download": [
        ({"slug": _slug, "fmt": fmt}, "", PLAN_ACTION, ()) for fmt in ("csv", "xlsx")],
    "partnerships:plan-compare-download": [
        ({"slug": _slug, "pk": _plan, "fmt": fmt}, "", (PLAN_TITLE, ACTION_TITLE, PRIORITY), ())
        for fmt in ("csv", "xlsx")],
    "partnerships:priorities-download": [
        ({"slug": _slug, "fmt": fmt}, "", (PARTNERSHIP, PRIORITY, PRIORITY_DESCRIPTION, FINDING),
         ()) for fmt in ("csv", "xlsx")],
    # The performance framework: the hostile local metric, owned by the hostile SRO, with its
    # negative latest figure (tests/planning/test_framework_views.py).
    "partnerships:plan-framework-download": [
        ({"slug": _slug, "fmt": fmt}, "", (PARTNERSHIP, METRIC_NAME, METRIC_UNIT, SRO_NAME),
         (NEGATIVE,)) for fmt in ("csv", "xlsx")],
    # Every quarterly update of partnership A's agreed plan (tests/planning/updates_world.py).
    "partnerships:plan-updates-download": [
        ({"slug": _slug, "fmt": fmt}, "", (PARTNERSHIP, HOSTILE_ACTION, HOSTILE_UPDATE), ())
        for fmt in ("csv", "xlsx")],
    # The public pages (tests/public/test_public_pages.py): the list of every partnership, and
    # partnership A's headline metrics for its authority (the renamed national metric).
    "public:index-download": [({"fmt": fmt}, "", (PARTNERSHIP,), ()) for fmt in ("csv", "xlsx")],
    "public:metrics-download": [
        ({"slug": _slug, "fmt": fmt}, "", (NATIONAL_METRIC,), ()) for fmt in ("csv", "xlsx")],
}
# URL names that sound like downloads but are pages.
PAGES = {"partnerships:register-export"}


def is_formula(text: str) -> bool:
    return text.startswith(FORMULA_START) and not NUMBER.fullmatch(text)


SPREADSHEET_TYPES = ("text/csv", "text/tab-separated-values", "application/vnd.ms-excel",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "application/vnd.oasis.opendocument.spreadsheet")


def is_download(response) -> bool:
    """A spreadsheet, by its type or its file name (uploaded PDF and Word documents, served
    back as they came, are not written by cdphub and are not counted)."""
    kind = response.get("Content-Type", "").split(";")[0].strip()
    filename = re.search(r"filename\*?=[^;]*?\.(csv|tsv|xlsx|xlsm|xls|ods)\"?$",
                         response.get("Content-Disposition", ""))
    return kind in SPREADSHEET_TYPES or filename is not None


@pytest.fixture
def hostile(world, settings):
    """Partnership A and everything its downloads show, named to attack a spreadsheet."""
    settings.CDPHUB_TODAY = "2024-05-01"
    sync_catalogue()
    a = world.partnership_a
    a.name = PARTNERSHIP
    a.save()
    manchester = Area.objects.get(code="E08000003")
    Coverage.objects.create(partnership=a, area=manchester, valid_from=dt.date(2022, 1, 1))
    sro = Person.objects.create(partnership=a, full_name=SRO_NAME, job_title=SRO_JOB,
                                email="sro@example.org",
                                organisation=Organisation.objects.create(name=SRO_ORGANISATION))
    actions.appoint(partnership=a, person=sro, position="sro", sector="local_authority_officials",
                    start_date=dt.date(2022, 8, 1), sro_role="la_chief_executive",
                    agreed_proposal=True)
    MilestoneCompletion.objects.create(partnership=a, milestone_key="terms_of_reference",
                                       completed_on=dt.date(2023, 3, 1), evidence=EVIDENCE)
    create_token(world.central_admin, name=TOKEN)
    _hostile_registers(a)

    metric = Metric.objects.create(
        key="hostile-local", kind="local", partnership=a, outcome="reduce_deaths_harm",
        name=METRIC_NAME, definition=METRIC_DEFINITION, source=METRIC_SOURCE, unit=METRIC_UNIT,
        geography="utla", frequency="quarterly", period_type="quarter", multiplier=1,
        method="count", polarity="high", order=10_000)
    england = Area.objects.get(code="E92000001")
    for where in ({"partnership": a}, {"area": england}, {"area": a.region},
                  {"area": manchester}):
        ComputedValue.objects.create(
            metric=metric, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31),
            period_label="2024 Q1", value=NEGATIVE, lower_95=NEGATIVE - 1,
            upper_95=NEGATIVE + 1, numerator=120.0, geography_note=NOTE, **where)
    for where in ({"partnership": a}, {"area": england}):
        ComputedValue.objects.create(
            metric=metric, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31),
            period_label="2024 Q1", breakdown="sex=Female", value=NEGATIVE, numerator=60.0,
            **where)

    # A national count whose England figure fell: the commitments table's change is negative.
    treatment = Metric.objects.get(key="numbers_in_treatment")
    Metric.objects.filter(pk=treatment.pk).update(name=NATIONAL_METRIC)
    for year, count in ((2020, 300.0), (2021, 290.0), (2023, 250.0)):
        ComputedValue.objects.create(
            metric=treatment, area=england, period_start=dt.date(year, 4, 1),
            period_end=dt.date(year + 1, 3, 31), period_label=f"{year}/{str(year + 1)[2:]}",
            value=count, numerator=count)

    load = DataLoad.objects.create(
        file_name="bad.csv", checksum="0" * 64, format="long", partnership=a,
        status=DataLoad.Status.FAILED, error_count=1,
        errors=[{"row": 2, "column": LOAD_COLUMN, "message": LOAD_ERROR}],
        warnings=[{"row": None, "column": "", "message": LOAD_WARNING}])
    assessment = Assessment.objects.create(partnership=a)
    finding = Finding.objects.create(assessment=assessment, section_key="drug_use",
                                     statement=FINDING)
    priority = Priority.objects.create(partnership=a, title=PRIORITY,
                                       description=PRIORITY_DESCRIPTION, finding=finding)
    from cdphub.planning.models import FrameworkMetric

    FrameworkMetric.objects.create(partnership=a, metric=metric, owner=sro)
    _hostile_plan(a, priority, sro)
    _hostile_plan_registers(a)
    plant_hostile_updates(a)  # into the agreed plan _hostile_plan made
    world.hostile_metric_key = metric.key
    world.hostile_load_pk = load.pk
    return world


def _hostile_registers(partnership):
    """The evidence and data-sharing registers of ``partnership``, named to attack a
    spreadsheet."""
    from cdphub.planning.models import DataHolding, Evidence, SharingAgreement

    party = Organisation.objects.create(name=PARTY)
    other = Organisation.objects.create(name="Another organisation")
    Evidence.objects.create(partnership=partnership, title=EVIDENCE_TITLE, evidence_type="jsna",
                            owner=party, dated=dt.date(2023, 6, 1), notes=EVIDENCE_NOTES,
                            link="https://example.org/jsna", visibility="publishable")
    Evidence.objects.create(partnership=partnership, title=SECRET_EVIDENCE,
                            evidence_type="jsna", dated=dt.date(2023, 6, 1),
                            link="https://example.org/secret", visibility="partnership")
    DataHolding.objects.create(partnership=partnership, organisation=party, dataset=HOLDING)
    agreement = SharingAgreement.objects.create(
        partnership=partnership, title="Information sharing", purpose=AGREEMENT_PURPOSE,
        lawful_basis="public_task", signed_on=dt.date(2022, 4, 1),
        review_on=dt.date(2024, 4, 1))
    agreement.parties.set([party, other])


def _hostile_plan_registers(partnership):
    """A funding stream an action of an agreed plan draws on, and an open risk, of
    ``partnership``, named to attack a spreadsheet."""
    from cdphub.planning.models import FundingStream, Plan, PlanAction, Risk

    party = Organisation.objects.get(name=PARTY)
    person = Person.objects.create(partnership=partnership, full_name="Fran Finance",
                                   organisation=party)
    stream = FundingStream.objects.create(
        partnership=partnership, name=FUNDING_STREAM, amount=AMOUNT, notes=FUNDING_NOTES,
        starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2025, 3, 31), holder=party)
    plan = Plan.objects.get(partnership=partnership, status=Plan.Status.AGREED)  # _hostile_plan
    priority = Priority.objects.create(partnership=partnership, title="Treatment")
    PlanAction.objects.create(
        plan=plan, priority=priority, title=FUNDED_ACTION, commitments=["treatment_services"],
        lead_organisation=party, owner=person, starts_on=dt.date(2024, 4, 1),
        due_on=dt.date(2025, 3, 31), funding_stream=stream, status="on_track")
    Risk.objects.create(partnership=partnership, title=RISK_TITLE, mitigation=RISK_MITIGATION,
                        likelihood=4, impact=5, raised_on=dt.date(2024, 3, 1))


def _hostile_plan(partnership, priority, owner):
    """A delivery plan of ``partnership`` whose action, its update and milestone are named to
    attack a spreadsheet."""
    from cdphub.planning.models import ActionMilestone, Plan, PlanAction, QuarterlyUpdate

    plan = Plan.objects.create(partnership=partnership, title=PLAN_TITLE,
                               status=Plan.Status.AGREED, agreed_on=dt.date(2024, 4, 1),
                               starts_on=dt.date(2024, 4, 1), ends_on=dt.date(2027, 3, 31))
    action = PlanAction.objects.create(
        plan=plan, priority=priority, title=ACTION_TITLE, commentary=ACTION_COMMENTARY,
        commitments=["supply_county_lines"], lead_organisation=owner.organisation, owner=owner,
        starts_on=dt.date(2024, 1, 1), due_on=dt.date(2025, 3, 31))
    QuarterlyUpdate.objects.create(action=action, quarter_start=dt.date(2024, 1, 1),
                                   status="on_track", text=ACTION_UPDATE)
    ActionMilestone.objects.create(action=action, title=ACTION_MILESTONE,
                                   due_on=dt.date(2024, 9, 30))


def cells(response) -> list[tuple[str, object, object]]:
    """(where, value, openpyxl cell or None) for every cell of a CSV or XLSX download."""
    kind = response["Content-Type"].split(";")[0]
    if kind == "text/csv":
        text = response.content.decode("utf-8-sig")
        return [(f"row {r} column {c}", value, None)
                for r, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
                for c, value in enumerate(row, start=1)]
    book = load_workbook(io.BytesIO(response.content))
    return [(f"{sheet.title}!{cell.coordinate}", cell.value, cell)
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def problems_in(response, payloads, numbers) -> list[str]:
    problems = []
    seen_text, seen_numbers = [], []
    for where, value, cell in cells(response):
        if cell is not None and cell.data_type == "f":
            problems.append(f"{where} is a formula: {value!r}")
        if isinstance(value, str):
            if is_formula(value) and not (cell is not None and cell.quotePrefix):
                problems.append(f"{where} would run as a formula: {value!r}")
            plain = value[1:] if value.startswith("'") and is_formula(value[1:]) else value
            seen_text.append(plain)
            if cell is None and NUMBER.fullmatch(value):
                seen_numbers.append(float(value))
        elif isinstance(value, (int, float)):
            seen_numbers.append(value)
    for payload in payloads:
        if not any(payload in text for text in seen_text):
            problems.append(f"the planted text {payload!r} is missing")
    for number in numbers:
        if number not in seen_numbers:
            problems.append(f"the number {number} is missing or not a number")
    return problems


def test_every_download_is_listed_here(client, world):
    """Request every URL pattern; whatever answers with a file must be in DOWNLOADS."""
    sign_in(client, world.central_admin)
    found = set()
    expected = all_expectations()
    for name, (kwargs, _who) in expected.items():
        url = reverse(name, kwargs=_concrete_kwargs(kwargs, world))
        response = client.get(url)
        if is_download(response):
            found.add(name)
            continue
        for query in ("?format=csv", "?format=xlsx"):
            if is_download(client.get(url + query)):
                found.add(name + query)
    assert found == set(DOWNLOADS), (
        "a download the walk does not check (plant hostile data it shows and list it in "
        f"DOWNLOADS): {sorted(found - set(DOWNLOADS))}; listed but not a download: "
        f"{sorted(set(DOWNLOADS) - found)}")
    # Names that say "download" are downloads (or known pages), so a download whose test
    # arguments happen to give a page is noticed too.
    sounds_like = {name for name in expected
                   if re.search(r"csv|xlsx|download|export", name)} - PAGES
    assert sounds_like <= {name.split("?")[0] for name in DOWNLOADS}


def test_no_download_carries_a_live_formula(client, hostile):
    sign_in(client, hostile.central_admin)
    problems = []
    fetched = 0
    for name, variants in DOWNLOADS.items():
        for kwargs, query, payloads, numbers in variants:
            url = reverse(name.split("?")[0], kwargs=_concrete_kwargs(kwargs, hostile)) + query
            response = client.get(url)
            assert response.status_code == 200, url
            assert is_download(response), url
            disposition = response["Content-Disposition"]
            assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+"', disposition), \
                disposition
            fetched += 1
            problems += [f"{url}: {problem}" for problem in problems_in(response, payloads,
                                                                         numbers)]
    assert fetched == sum(len(v) for v in DOWNLOADS.values())
    assert not problems, "\n".join(problems)
