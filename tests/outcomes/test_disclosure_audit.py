"""The disclosure audit: the attacker plays over the whole demo.

The demo (built once per test run, ``shared_demo`` in tests/conftest.py) is read as each kind
of reader reads it: the API signed out (published values for areas), the API as
a central user (every value, partnerships' included), and a partnership member's outcome
downloads. From what they read, ``disclosure_attack`` tries to pin every hidden count with
every sum the geography and the register give. It must find nothing, and nothing a reader
sees may be a small number where the metric's rule forbids it.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import math
import re
import time

import pytest
from django.db import transaction
from django.test import Client

from cdphub.accounts.models import User
from cdphub.geography.models import Area
from cdphub.outcomes.models import Metric
from cdphub.partnerships.models import Coverage, Partnership
from tests.conftest import sign_in

from .disclosure_attack import Geography, Place, Report, attack_table

MEMBER = "member@example.org"
CENTRAL = "central.analyst@example.org"
FIGURES = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8",
           "upper_99_8")


def _read_values(client: Client, metric: str) -> list[dict]:
    items, page = [], 1
    while True:
        response = client.get("/api/v1/values", {"metric": metric, "breakdown": "all",
                                                 "page_size": 1000, "page": page})
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        items += body["items"]
        if len(items) >= body["count"] or not body["items"]:
            return items
        page += 1


@pytest.fixture(scope="module")
def published(shared_demo, django_db_blocker):
    """Everything the readers read, gathered while the demo exists."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.perf_counter()
        metrics = {m.key: m for m in Metric.objects.all()}
        central, anonymous, member = Client(), Client(), Client()
        sign_in(central, User.objects.get(email=CENTRAL))
        sign_in(member, User.objects.get(email=MEMBER))
        values = {key: _read_values(central, key) for key in metrics}
        public = {key: _read_values(anonymous, key) for key in metrics}
        # The public pages with figures: the national commitments (England's latest figure).
        response = anonymous.get("/outcomes/commitments.csv")
        assert response.status_code == 200
        commitments = response.content.decode("utf-8-sig")
        slug = Partnership.objects.get(memberships__user__email=MEMBER).slug
        downloads = {}
        for key in metrics:
            for table in ("trend", "authorities", "region", "map", "breakdowns", "compare"):
                response = member.get(f"/partnerships/{slug}/outcomes/{key}/{table}.csv")
                assert response.status_code == 200, (key, table)
                downloads[(key, table)] = response.content.decode("utf-8-sig")
        # The pages: the overview, and every metric's page with its charts and hex map
        # (inline SVG), all drawn from the read path.
        pages = {"": member.get(f"/partnerships/{slug}/outcomes/")}
        for key in metrics:
            pages[key] = member.get(f"/partnerships/{slug}/outcomes/{key}/")
        assert all(r.status_code == 200 for r in pages.values()), \
            {k: r.status_code for k, r in pages.items() if r.status_code != 200}
        pages = {k: r.content.decode() for k, r in pages.items()}
        places = {
            a.code: Place(a.code, a.area_type,
                          a.parent.code if a.parent and a.parent.area_type == "region" else None,
                          a.police_force_area.code if a.police_force_area else None,
                          a.valid_from, a.valid_to)
            for a in Area.objects.select_related("parent", "police_force_area")}
        coverages: dict = {}
        for c in Coverage.objects.select_related("partnership", "area"):
            coverages.setdefault(c.partnership.slug, []).append(
                (c.area.code, c.valid_from, c.valid_to))
        transaction.set_rollback(True)
    print(f"demo read in {time.perf_counter() - started:.0f} s")
    return {"metrics": metrics, "values": values, "public": public, "downloads": downloads,
            "commitments": commitments, "geography": Geography(places, coverages),
            "pages": pages, "slug": slug}


def _key(item: dict) -> tuple:
    if item["area"]:
        return ("area", item["area"]["code"], item["breakdown"])
    return ("partnership", item["partnership"]["slug"], item["breakdown"])


def _small(number) -> bool:
    return number is not None and 0 < number < 5


def test_the_attacker_pins_no_hidden_count(published):
    """Every suppress-1-4 metric, every period: no hidden numerator, denominator or
    complement can be shown to be a small number from the sums a reader can form."""
    report = Report()
    started = time.perf_counter()
    for key, metric in published["metrics"].items():
        if metric.disclosure != "suppress-1-4":
            continue
        periods: dict = {}
        for item in published["values"][key]:
            period = (item["period_start"], item["period_end"], item["period_label"])
            periods.setdefault(period, {})[_key(item)] = item
        for (_start, end, label), rows in periods.items():
            attack_table(key, metric.method, label, dt.date.fromisoformat(end), rows,
                         published["geography"], metric.geography, report,
                         rounded_denominators=metric.denominator_disclosure == "round-5")
    print(f"attacked {report.tables} tables: {report.hidden} hidden rows, "
          f"{report.relations} sums used, {report.dropped} dropped, "
          f"{time.perf_counter() - started:.0f} s")
    assert report.hidden > 1000  # the audit has something to attack
    assert report.relations > 10_000
    assert not report.findings, "\n".join(map(str, report.findings[:40])) + (
        f"\n… {len(report.findings)} in all")


def test_nothing_shown_is_a_small_count_and_hidden_rows_say_nothing(published):
    checked = 0
    for key, metric in published["metrics"].items():
        for item in published["values"][key]:
            if item["suppressed"]:
                assert all(item[f] is None for f in FIGURES), item
                assert item["comparison"] == item["comparison_region"] == item["trend"] == ""
                assert "differs" not in item["geography_note"], item
                continue
            if metric.denominator_disclosure == "round-5" and item["denominator"] is not None:
                # Another metric's count (people in treatment), published rounded there.
                assert item["denominator"] % 5 == 0, item
            if metric.disclosure == "suppress-1-4":
                checked += 1
                assert not _small(item["numerator"]), item
                assert not _small(item["denominator"]), item
                if metric.method == "proportion" and item["numerator"] is not None:
                    assert not _small(item["denominator"] - item["numerator"]), item
            elif metric.disclosure == "round-5":
                checked += 1
                for name in ("numerator", "denominator"):
                    number = item[name]
                    assert number is None or number % 5 == 0, (name, item)
    assert checked > 50_000


def test_round_5_values_are_computed_from_the_rounded_counts(published):
    """No raw count can be worked back from a rate: value × denominator ÷ multiplier is the
    rounded count."""
    checked = 0
    for key, metric in published["metrics"].items():
        if metric.disclosure != "round-5" or metric.method not in ("crude-rate", "proportion"):
            continue
        for item in published["values"][key]:
            if item["value"] is None or not item["denominator"]:
                continue
            implied = item["value"] * item["denominator"] / metric.multiplier
            assert math.isclose(implied, item["numerator"], rel_tol=1e-9, abs_tol=1e-6), item
            checked += 1
    assert checked > 500


def test_signed_out_readers_see_the_same_figures(published):
    """The published values signed out are the central user's, figure for figure."""
    compared = 0
    for key in published["metrics"]:
        central = {(_key(i), i["period_label"]): i for i in published["values"][key]}
        for item in published["public"][key]:
            assert item["partnership"] is None
            theirs = central[(_key(item), item["period_label"])]
            assert {f: item[f] for f in (*FIGURES, "suppressed")} == {
                f: theirs[f] for f in (*FIGURES, "suppressed")}
            compared += 1
    assert compared > 40_000


def test_the_public_commitments_show_only_published_england_figures(published):
    """Signed out, the national commitments page gives England's latest figure for each
    commitment's metric: each is the API's published figure for England."""
    england = {}
    for key, items in published["public"].items():
        for item in items:
            if item["area"]["code"] == "E92000001" and item["breakdown"] == "" \
                    and not item["suppressed"]:
                england.setdefault(key, set()).add(item["value"])
    names = {m.name: key for key, m in published["metrics"].items()}
    checked = 0
    for row in csv.DictReader(io.StringIO(published["commitments"])):
        cell = (row.get("Latest England figure") or "").replace(",", "")
        key = names.get(row.get("Measured by"))
        if not cell or key is None:
            continue
        assert any(math.isclose(float(cell), v, rel_tol=1e-6, abs_tol=0.06)
                   for v in england.get(key, ())), row
        checked += 1
    assert checked >= 3


def test_a_members_downloads_show_no_small_count(published):
    checked = 0
    for (key, table), text in published["downloads"].items():
        metric = published["metrics"][key]
        if metric.disclosure == "none":
            continue
        for row in csv.DictReader(io.StringIO(text)):
            columns = ["Count", "Count (numerator)", "Denominator"]
            if metric.method == "count":
                columns.append("Value")
            for column in columns:
                cell = (row.get(column) or "").replace(",", "")
                if not cell:
                    continue
                number = float(cell)
                checked += 1
                if metric.disclosure == "suppress-1-4":
                    assert not _small(number), (key, table, row)
                else:
                    assert number % 5 == 0, (key, table, row)
    assert checked > 100


TITLE = re.compile(r"<title[^>]*>([^<]*)</title>")
FIRST_NUMBER = re.compile(r":\s*(-?[\d,]+(?:\.\d+)?)")


def test_the_pages_charts_and_hex_maps_show_no_small_count(published):
    """Every chart and hex map names each area's figure in its ``<title>`` ("Bolton: 12"):
    for a count whose rule hides 1–4, none of them is a small number."""
    checked = 0
    for key, page in published["pages"].items():
        metric = published["metrics"].get(key)
        if metric is None or metric.method != "count" or metric.disclosure == "none":
            continue
        for title in TITLE.findall(page):
            match = FIRST_NUMBER.search(html.unescape(title))
            if not match:
                continue
            number = float(match[1].replace(",", ""))
            checked += 1
            if metric.disclosure == "suppress-1-4":
                assert not _small(number), (key, title)
            else:
                assert number % 5 == 0, (key, title)
    assert checked > 20


def test_a_hidden_figure_is_said_to_be_hidden_on_the_pages(published):
    """Where the member's partnership's latest total is hidden, its metric page's key figure
    says "Not shown" and no number; the overview marks it "Small numbers"."""
    seen = 0
    for key, items in published["values"].items():
        own = [i for i in items if i["partnership"] and i["partnership"]["slug"]
               == published["slug"] and i["breakdown"] == ""]
        if not own:
            continue
        latest = max(own, key=lambda i: (i["period_end"], i["period_start"]))
        if not latest["suppressed"]:
            continue
        seen += 1
        page = published["pages"][key]
        figure = re.search(r'app-key-figure__value">([^<]*)<', page)
        assert figure and figure[1].strip() == "Not shown", (key, figure and figure[1])
    overview = published["pages"][""]
    assert ("Small numbers" in overview) == (seen > 0)
