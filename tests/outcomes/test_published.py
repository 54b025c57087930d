"""The read path (``outcomes/published.py``), tried as an attacker would: what each reader
gets, and that a hidden figure is absent even if a row marked hidden held numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from cdphub.geography.models import Area
from cdphub.outcomes.models import ComputedValue, Metric
from cdphub.outcomes.published import FIGURE_COLUMNS, Figures, readable_metrics

pytestmark = pytest.mark.django_db


def metric(key: str, partnership=None) -> Metric:
    return Metric.objects.create(
        key=key, outcome="reduce_deaths_harm", kind="local" if partnership else "supporting",
        partnership=partnership, name=key, definition="A test metric.", source="Test",
        geography="utla", frequency="annual", period_type="calendar", unit="per 100,000",
        multiplier=100_000, method="crude-rate", polarity="low", disclosure="suppress-1-4")


def value(metric: Metric, *, area=None, partnership=None, suppressed=False) -> ComputedValue:
    return ComputedValue.objects.create(
        metric=metric, area=area, partnership=partnership, period_start=dt.date(2023, 1, 1),
        period_end=dt.date(2023, 12, 31), period_label="2023", numerator=3, denominator=900,
        value=333.3, lower_95=68.7, upper_95=974.1, suppressed=suppressed)


@pytest.fixture
def figures(world):
    hartlepool = Area.objects.get(code="E06000001")
    national, local_a = metric("national"), metric("local-a", world.partnership_a)
    rows = {
        "national area": value(national, area=hartlepool),
        "national A": value(national, partnership=world.partnership_a),
        "national B": value(national, partnership=world.partnership_b),
        "local A area": value(local_a, area=hartlepool),
        "local A": value(local_a, partnership=world.partnership_a),
    }
    return world, {pk: name for name, pk in ((n, r.pk) for n, r in rows.items())}


def seen(collection: Figures, names: dict) -> set[str]:
    keys = {(f.metric_key, f.area_id, f.partnership_id) for f in collection}
    return {names[r.pk] for r in ComputedValue.objects.all()
            if (r.metric.key, r.area_id, r.partnership_id) in keys}


def test_each_reader_reads_what_is_theirs(figures):
    world, names = figures
    assert seen(Figures.for_viewer(AnonymousUser()), names) == {"national area"}
    assert seen(Figures.published(), names) == {"national area"}
    assert seen(Figures.for_viewer(world.member_b), names) == {"national area", "national B"}
    assert seen(Figures.for_viewer(world.member_a), names) == {
        "national area", "national A", "local A area", "local A"}
    assert seen(Figures.for_viewer(world.no_role), names) == {"national area"}
    # A central analyst reads everything once the second factor is given; not before.
    analyst = world.central_analyst
    assert seen(Figures.for_viewer(analyst), names) == {"national area"}
    analyst.is_verified = lambda: True  # as django-otp marks a session's user
    assert seen(Figures.for_viewer(analyst), names) == set(names.values())
    # The pages of B compare with every partnership's national figure, never A's local ones.
    assert seen(Figures.for_partnership_page(world.partnership_b), names) == {
        "national area", "national A", "national B"}
    assert [m.key for m in readable_metrics(world.member_b)] == ["national"]


def test_a_row_marked_hidden_gives_no_number_whatever_it_holds(world):
    """Disclosure control stores no hidden number; should a hidden row ever hold one, the
    query itself still blanks it (the database does it, not each caller)."""
    hidden = value(metric("national"), area=Area.objects.get(code="E06000001"), suppressed=True)
    assert hidden.numerator == 3  # the row really holds the numbers
    (figure,) = list(Figures.published())
    assert figure.suppressed
    assert [getattr(figure, column) for column in FIGURE_COLUMNS] == [None] * 7


def test_a_number_that_is_not_finite_is_not_shown(world):
    row = value(metric("national"), area=Area.objects.get(code="E06000001"))
    ComputedValue.objects.filter(pk=row.pk).update(value=float("inf"))
    assert Figures.published().first().value is None


def test_it_pages_like_a_queryset(world):
    national = metric("national")
    for code in ("E06000001", "E06000002", "E06000003"):
        value(national, area=Area.objects.get(code=code))
    ordered = Figures.published().order_by("area__code")
    assert ordered.count() == len(ordered) == 3
    assert [f.area_code for f in ordered[1:3]] == ["E06000002", "E06000003"]
    assert ordered[0].area_name == Area.objects.get(code="E06000001").name
