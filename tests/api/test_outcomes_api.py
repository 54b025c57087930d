"""Metrics and computed values through the API: what is published, what needs a token and
access to the partnership, suppression, filters, pagination, bad filters, and a number of
queries that does not grow with the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cdphub.accounts.models import Membership
from cdphub.outcomes.models import ComputedValue, Metric
from tests.api.conftest import (
    BOLTON,
    ENGLAND,
    METRIC,
    NORTH_WEST,
    Y2122,
    Y2223,
    bearer,
    local_metric,
    token_for,
    value,
)

pytestmark = pytest.mark.django_db
A, B = "greater-manchester", "berkshire-west"


def items(client, url="/api/v1/values", headers=None, **params) -> list[dict]:
    response = client.get(url, {"page_size": 1000, **params}, **(headers or {}))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return body["items"]


def keys(rows) -> set[tuple]:
    """What identifies each value: metric, area or partnership, period, breakdown."""
    return {(r["metric"], (r["area"] or {}).get("code"), (r["partnership"] or {}).get("slug"),
             r["period_label"], r["breakdown"]) for r in rows}


def key_of(row: ComputedValue) -> tuple:
    return (row.metric.key, row.area.code if row.area else None,
            row.partnership.slug if row.partnership else None, row.period_label, row.breakdown)


# ----------------------------------------------------------------------------- published


def test_anonymous_callers_get_the_published_values_only(client, outcomes):
    rows = items(client, breakdown="all")

    assert keys(rows) == {key_of(v) for v in outcomes.published}
    assert all(r["partnership"] is None and r["metric"] == METRIC for r in rows)


def test_by_default_only_totals_are_listed(client, outcomes):
    rows = items(client)

    assert keys(rows) == {key_of(v) for v in outcomes.published if v.breakdown == ""}
    assert len(rows) == 5


def test_a_value_carries_its_figures_unit_and_judgements(client, outcomes):
    row = next(r for r in items(client, area=ENGLAND, period="2022/23"))
    stored = ComputedValue.objects.get(metric=outcomes.metric, area__code=ENGLAND,
                                       period_label="2022/23", breakdown="")

    assert row == {
        "metric": METRIC, "area": {"code": ENGLAND, "name": "England", "type": "country"},
        "partnership": None, "period_label": "2022/23", "period_start": "2022-04-01",
        "period_end": "2023-03-31", "breakdown": "", "numerator": 52_000.0,
        "denominator": 131_000.0, "value": stored.value, "lower_95": stored.lower_95,
        "upper_95": stored.upper_95, "lower_99_8": stored.lower_99_8,
        "upper_99_8": stored.upper_99_8, "unit": outcomes.metric.unit, "comparison": "similar",
        "comparison_region": "", "trend": "increasing and getting better",
        "geography_note": "", "is_synthetic": False, "suppressed": False,
    }


@pytest.mark.parametrize("who", ["anonymous", "central_admin"])
def test_suppressed_values_never_show_their_figures(client, world, outcomes, who):
    headers = {} if who == "anonymous" else bearer(token_for(world.central_admin))

    rows = items(client, headers=headers, area=BOLTON, breakdown="substance=Alcohol")

    assert len(rows) == 1
    assert rows[0]["suppressed"] is True
    figures = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8",
               "upper_99_8")
    assert {name: rows[0][name] for name in figures} == dict.fromkeys(figures)
    assert outcomes.suppressed.numerator == 3  # stored, just never shown


def test_anonymous_callers_are_refused_partnership_values_and_local_metrics(client, outcomes):
    for params in ({"partnership": A}, {"metric": outcomes.local.key}):
        response = client.get("/api/v1/values", params)
        assert response.status_code == 401
        assert "not signed in" in response.json()["detail"]
    assert client.get(f"/api/v1/metrics/{outcomes.local.key}").status_code == 401
    assert outcomes.local.key not in {m["key"] for m in items(client, "/api/v1/metrics")}


# ----------------------------------------------------------------------------- with access


@pytest.mark.parametrize("user_key, partnerships", [
    ("member_a", {A}), ("member_b", {B}), ("adviser", {A}), ("central_admin", {A, B}),
    ("no_role", set()),
])
def test_a_token_reads_the_partnerships_its_user_may_read(client, world, outcomes, user_key,
                                                          partnerships):
    headers = bearer(token_for(getattr(world, user_key)))

    rows = items(client, headers=headers, breakdown="all")

    seen = {r["partnership"]["slug"] for r in rows if r["partnership"]}
    assert seen == partnerships
    # Published values are there for everyone; local metric values only with A.
    assert {key_of(v) for v in outcomes.published} <= keys(rows)
    local = {key_of(v) for v in outcomes.local_values}
    assert (local <= keys(rows)) == (A in partnerships)
    assert not (local & keys(rows)) or A in partnerships


def test_a_member_filters_by_their_partnership_and_is_refused_another(client, world, outcomes):
    headers = bearer(token_for(world.member_a))

    rows = items(client, headers=headers, partnership=A)
    refused = client.get("/api/v1/values", {"partnership": B}, **headers)

    assert keys(rows) == {key_of(outcomes.partnership_a), key_of(outcomes.local_values[0])}
    assert refused.status_code == 403
    assert B in refused.json()["detail"]


def test_local_metrics_are_listed_for_those_who_may_read_their_partnership(client, world,
                                                                           outcomes):
    local_b = local_metric(world.partnership_b, name="Berkshire kits")
    for user, expected in ((world.member_a, {outcomes.local.key}),
                           (world.member_b, {local_b.key}),
                           (world.central_admin, {outcomes.local.key, local_b.key})):
        rows = items(client, "/api/v1/metrics", bearer(token_for(user)), kind="local")
        assert {m["key"] for m in rows} == expected
        assert all(m["partnership"]["slug"] for m in rows)

    response = client.get(f"/api/v1/metrics/{local_b.key}", **bearer(token_for(world.member_a)))
    assert response.status_code == 403


def test_ending_a_role_takes_its_access_from_the_token_at_once(client, world, outcomes):
    from django.utils import timezone

    headers = bearer(token_for(world.member_a))
    assert client.get("/api/v1/values", {"partnership": A}, **headers).status_code == 200

    Membership.objects.filter(user=world.member_a).update(ended_at=timezone.now())

    assert client.get("/api/v1/values", {"partnership": A}, **headers).status_code == 403
    assert items(client, headers=headers)  # published values remain


# ----------------------------------------------------------------------------- filters


def test_filters_narrow_the_values(client, world, outcomes):
    everything = ComputedValue.objects.filter(area__isnull=False, metric__kind="headline")
    cases = [
        ({"area": BOLTON, "breakdown": "all"},
         everything.filter(area__code=BOLTON)),
        ({"area_type": "region"}, everything.filter(area__area_type="region", breakdown="")),
        ({"period": "2021/22"}, everything.filter(period_label="2021/22", breakdown="")),
        ({"period_from": "2022-01-01"}, everything.filter(period_start__gte="2022-01-01",
                                                          breakdown="")),
        ({"period_to": "2022-12-31"}, everything.filter(period_end__lte="2022-12-31",
                                                        breakdown="")),
        ({"breakdown": "substance=Opiate"}, everything.filter(breakdown="substance=Opiate")),
        ({"metric": METRIC, "area": ENGLAND}, everything.filter(area__code=ENGLAND,
                                                                breakdown="")),
        ({"metric": "drug_misuse_deaths"}, everything.none()),
    ]
    for params, expected in cases:
        assert keys(items(client, **params)) == {key_of(v) for v in expected}, params
        assert expected.exists() or params == {"metric": "drug_misuse_deaths"}


def test_area_codes_are_matched_whatever_their_case(client, outcomes):
    assert keys(items(client, area=BOLTON.lower())) == keys(items(client, area=BOLTON))


def test_the_area_filter_of_a_partnership_member_still_excludes_partnership_rows(
        client, world, outcomes):
    rows = items(client, headers=bearer(token_for(world.member_a)), area_type="utla",
                 breakdown="all")

    assert {r["area"]["code"] for r in rows} == {BOLTON}
    assert all(r["partnership"] is None for r in rows)


@pytest.mark.parametrize("params, parameter, words", [
    ({"metric": "no_such_metric"}, "metric", "no metric with the key 'no_such_metric'"),
    ({"area": "E99999999"}, "area", "no area with the GSS code 'E99999999'"),
    ({"partnership": "nowhere"}, "partnership", "no partnership 'nowhere'"),
    ({"period_from": "2022-02-30"}, "period_from", "valid date"),
    ({"period_to": "last year"}, "period_to", "YYYY-MM-DD"),
    ({"period_to": "1700000000"}, "period_to", "YYYY-MM-DD"),  # not read as a Unix time
    ({"period_from": "2023-01-01", "period_to": "2022-01-01"}, "period_to", "swap them"),
    ({"area_type": "county"}, "area_type", "'utla'"),
    ({"page": "0"}, "page", "greater than or equal to 1"),
    ({"page_size": "many"}, "page_size", "valid integer"),
    ({"area": "Bolton"}, "area", "should match pattern"),
    ({"metric": "no such metric"}, "metric", "should match pattern"),
    # Control characters never reach the database (PostgreSQL refuses NUL in text).
    ({"period": "2022\x00"}, "period", "should match pattern"),
    ({"breakdown": "sex=\x00"}, "breakdown", "should match pattern"),
])
def test_bad_filters_are_refused_naming_the_parameter(client, outcomes, params, parameter,
                                                      words):
    response = client.get("/api/v1/values", params)

    assert response.status_code == 422
    problems = response.json()["detail"]
    assert [p["loc"] for p in problems] == [["query", parameter]]
    assert words in problems[0]["msg"]


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/areas/E0800%00001", "code"), ("/api/v1/metrics/key%00", "key"),
    ("/api/v1/areas?q=Bol%00", "q"), ("/api/v1/metrics?outcome=%00", "outcome"),
])
def test_malformed_path_and_query_parameters_are_refused(client, outcomes, url, parameter):
    response = client.get(url)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][1] == parameter


def test_metric_filters(client, outcomes):
    headline = items(client, "/api/v1/metrics", kind="headline")
    deaths = items(client, "/api/v1/metrics", outcome="reduce_deaths_harm")
    bad = client.get("/api/v1/metrics", {"outcome": "reduce_everything"})

    assert {m["kind"] for m in headline} == {"headline"}
    assert len(headline) == Metric.objects.filter(kind="headline").count() > 0
    assert {m["key"] for m in deaths} == set(Metric.objects.filter(
        outcome="reduce_deaths_harm", partnership__isnull=True).values_list("key", flat=True))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "outcome"]
    assert "reduce_deaths_harm" in bad.json()["detail"][0]["msg"]


def test_one_metric_describes_itself(client, outcomes):
    body = client.get(f"/api/v1/metrics/{METRIC}").json()

    assert body["key"] == METRIC
    assert body["name"] == outcomes.metric.name
    assert body["breakdowns"] == list(outcomes.metric.breakdowns)
    assert body["partnership"] is None
    assert body["outcome_label"] == outcomes.metric.get_outcome_display()


# ----------------------------------------------------------------------------- pages


def test_pages_follow_a_stable_order_with_nothing_missed_or_repeated(client, world, outcomes):
    headers = bearer(token_for(world.central_admin))
    everything = items(client, headers=headers, breakdown="all")
    pages = []
    for page in range(1, 5):
        body = client.get("/api/v1/values", {"breakdown": "all", "page_size": 3, "page": page},
                          **headers).json()
        assert body["count"] == len(everything)
        pages.extend(body["items"])

    assert pages == everything
    assert len(keys(everything)) == len(everything) == ComputedValue.objects.count()
    # National metrics first, then by metric, area, partnership, period and breakdown.
    assert everything[-1]["metric"] == outcomes.local.key
    england = [r for r in everything if (r["area"] or {}).get("code") == ENGLAND]
    assert [r["period_label"] for r in england] == ["2021/22", "2022/23", "2022/23"]


def _queries(client, url, headers, **params) -> int:
    client.get(url, **headers)  # a token's first use records it: not what is measured here
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 1000, **params}, **headers)
    assert response.status_code == 200
    return len(queries)


def _more_values(n: int) -> None:
    """``n`` more published values, for authorities that have none yet."""
    from cdphub.geography.models import Area

    metric = Metric.objects.get(key=METRIC)
    for area in (Area.objects.filter(area_type="utla")
                 .exclude(code__in=ComputedValue.objects.filter(area__isnull=False)
                          .values("area__code")).order_by("code")[:n]):
        value(metric, Y2122, area=area.code)


@pytest.mark.parametrize("who", ["anonymous", "member_a", "central_admin"])
def test_queries_do_not_grow_with_the_page(client, world, outcomes, who):
    headers = {} if who == "anonymous" else bearer(token_for(getattr(world, who)))
    _more_values(10)
    few = _queries(client, "/api/v1/values", headers, breakdown="all")
    _more_values(100)
    many = _queries(client, "/api/v1/values", headers, breakdown="all")

    assert len(items(client, headers=headers, breakdown="all")) >= 110
    assert few == many <= 4  # (token, memberships,) count, page


def test_metric_and_area_lists_make_a_fixed_number_of_queries(client, world, outcomes):
    headers = bearer(token_for(world.member_a))
    for url, small, large in (("/api/v1/metrics", {"kind": "supporting"}, {}),
                              ("/api/v1/areas", {"type": "region"}, {"type": "utla"})):
        assert _queries(client, url, headers, **small) == _queries(client, url, headers, **large)


def test_values_of_several_periods_are_filtered_by_dates_inclusively(client, outcomes):
    rows = items(client, area=ENGLAND, period_from=str(Y2223[1]), period_to=str(Y2223[2]))

    assert [r["period_label"] for r in rows] == ["2022/23"]
    assert NORTH_WEST not in {r["area"]["code"] for r in items(client, area=ENGLAND)}
