"""Disclosure control in computed values: each finding of the security probe (issue #9) that
concerned published figures, reproduced on a small table whose answer can be worked out by
hand."""

from __future__ import annotations

import pytest

from cdphub.geography.models import Area
from cdphub.outcomes.compute import recompute_metrics

from .test_compute import (
    NORTH_EAST,
    cover,
    make_metric,
    new_partnership,
    observe,
    region_codes,
    values,
    year,
)

pytestmark = pytest.mark.django_db
FIGURES = ("numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8",
           "upper_99_8")


def _hidden(metric) -> set:
    return {k for k, v in values(metric).items() if v.suppressed}


def test_round_5_counts_are_rounded_everywhere_and_rates_come_from_the_rounded_count():
    """Finding 1: round-5 metrics published counts of 1–4 (Isles of Scilly 1, 2 and 4)."""
    metric = make_metric(key="ocu", method="crude-rate", multiplier=1000, disclosure="round-5")
    codes = region_codes(NORTH_EAST)
    counts = {c: 11 + 10 * i for i, c in enumerate(codes)}
    counts[codes[0]], counts[codes[1]], counts[codes[2]] = 1, 2, 4
    observe(metric, [(c, x, 50_000) for c, x in counts.items()])
    recompute_metrics([metric.pk])

    got = values(metric)
    assert got[(codes[0], "2023", "")].numerator == 0  # 1 → 0
    assert got[(codes[1], "2023", "")].numerator == 0  # 2 → 0
    assert got[(codes[2], "2023", "")].numerator == 5  # 4 → 5
    assert got[(codes[3], "2023", "")].numerator == 40  # 41 → 40
    for value in got.values():
        if value.numerator is None:  # England: not computed from one region
            continue
        assert value.numerator % 5 == 0 and value.denominator % 5 == 0
        # The rate is the rounded count's: no raw count can be worked back from it.
        assert value.value == pytest.approx(value.numerator / value.denominator * 1000)
        assert not value.suppressed
    region = got[(NORTH_EAST, "2023", "")]
    assert region.numerator == 5 * round(sum(counts.values()) / 5)


def test_a_hidden_force_figure_is_hidden_in_every_partnership_that_shows_it():
    """Finding 2: a partnership's copy of its police force area's figure was a 'part' of the
    force, so only one copy was hidden with it: every copy must be."""
    metric = make_metric(key="homicides", method="count", geography="pfa", multiplier=1,
                         polarity="none", disclosure="suppress-1-4")
    forces = Area.objects.filter(area_type="pfa")
    thames = forces.get(name__icontains="Thames Valley")
    slough = new_partnership("Slough CDP", region="E12000008")
    cover(slough, ["E06000039"])
    reading = new_partnership("Reading CDP", region="E12000008")
    cover(reading, ["E06000038"])
    others = forces.filter(code__in=Area.objects.filter(
        area_type="utla", parent__code="E12000008").values("police_force_area__code")
    ).exclude(pk=thames.pk)
    observe(metric, [(thames.code, 3, None)] + [(f.code, 20 + i, None)
                                                 for i, f in enumerate(others)])
    recompute_metrics([metric.pk])

    hidden = _hidden(metric)
    assert (thames.code, "2023", "") in hidden
    assert ("Slough CDP", "2023", "") in hidden
    assert ("Reading CDP", "2023", "") in hidden
    for name in ("Slough CDP", "Reading CDP"):
        copy = values(metric)[(name, "2023", "")]
        assert copy.numerator is None and copy.value is None


def test_a_loaded_total_that_differs_from_its_parts_says_so_without_a_number():
    """Finding 4: the note 'Computed from its parts it would be 33' gave the sum of the parts,
    hidden ones included."""
    metric = make_metric(key="count", method="count", multiplier=1, polarity="none",
                         disclosure="suppress-1-4")
    codes = region_codes(NORTH_EAST)
    rows = [(c, 20 + i, None) for i, c in enumerate(codes)]
    rows[0] = (codes[0], 3, None)
    observe(metric, rows + [(NORTH_EAST, 1000, None)])
    recompute_metrics([metric.pk])

    region = values(metric)[(NORTH_EAST, "2023", "")]
    assert region.numerator == 1000
    assert region.geography_note.startswith("Published figure: it differs")
    assert not any(ch.isdigit() for ch in region.geography_note)


def test_hidden_cells_whose_sum_is_small_take_another_cell_with_them():
    """Finding 5: Windsor and Maidenhead continuity of care: total 10, shown parts 8 and 0,
    two hidden parts summing to 2, so each was 1."""
    metric = make_metric(key="count", method="count", multiplier=1, polarity="none",
                         disclosure="suppress-1-4", breakdowns=["substance"])
    code = "E06000040"
    parts = {"A": 1, "B": 1, "C": 8, "D": 0}
    observe(metric, [{"code": code, "breakdown": f"substance={k}", "numerator": x}
                     for k, x in parts.items()]
            + [{"code": code, "breakdown": "", "numerator": 10}])
    recompute_metrics([metric.pk])

    got = values(metric)
    hidden = {b for (c, _p, b), v in got.items() if c == code and v.suppressed}
    assert {"substance=A", "substance=B"} <= hidden
    shown = [got[(code, "2023", b)].numerator for b in ("", *(f"substance={k}" for k in parts))
             if b not in hidden]
    if "" not in hidden:  # the total is shown: the hidden parts must add up to 5 or more
        assert sum(parts[b.split("=")[1]] for b in hidden) >= 5
    else:
        assert len(shown) < len(parts)


def test_hidden_rows_keep_no_figure_comparison_or_trend():
    """Finding 6: hidden rows kept their comparison and trend (and, with the published
    denominator, that pinned hidden counts)."""
    metric = make_metric(key="deaths", method="crude-rate", multiplier=1000,
                         disclosure="suppress-1-4")
    codes = region_codes(NORTH_EAST)
    for y in range(2017, 2024):
        observe(metric, [(c, 3 if i == 0 else 40 + i, 5_000) for i, c in enumerate(codes)],
                period=year(y))
    recompute_metrics([metric.pk])

    got = values(metric)
    for (code, _period, _b), value in got.items():
        if code == codes[0]:
            assert value.suppressed
            assert all(getattr(value, f) is None for f in FIGURES)
            assert value.comparison == value.comparison_region == value.trend == ""
    # The shown rows are still compared, and the latest has its trend.
    shown = [v for v in got.values() if not v.suppressed and v.area and v.area.code in codes]
    assert shown and all(v.comparison for v in shown)
    assert any(v.trend for v in shown)


def test_small_denominators_and_complements_are_hidden():
    """Finding 7: Rutland continuity of care 'Alcohol only': 0 of 1 (so the one person did not
    engage); proportions with a complement of 1–4."""
    metric = make_metric(key="engaged", method="proportion", multiplier=100, polarity="high",
                         disclosure="suppress-1-4")
    codes = region_codes(NORTH_EAST)
    rows = {c: (30 + i, 60 + i) for i, c in enumerate(codes)}
    rows[codes[0]] = (0, 1)  # a denominator of 1 (and a complement of 1)
    rows[codes[1]] = (20, 23)  # a complement of 3
    observe(metric, [(c, x, n) for c, (x, n) in rows.items()])
    recompute_metrics([metric.pk])

    got = values(metric)
    assert got[(codes[0], "2023", "")].suppressed
    assert got[(codes[1], "2023", "")].suppressed
    for value in got.values():
        if value.suppressed or value.numerator is None:  # hidden, or not computed
            continue
        complement = value.denominator - value.numerator
        assert not 0 < value.denominator < 5 and not 0 < complement < 5
    # Secondary: the region's hidden complements add up to 5 or more.
    hidden = [c for c in codes if got[(c, "2023", "")].suppressed]
    assert sum(rows[c][1] - rows[c][0] for c in hidden) >= 5


def test_a_denominator_published_rounded_elsewhere_is_rounded_here_too():
    """Deaths in treatment per 1,000 people in treatment published the people in treatment
    as they are, while numbers in treatment publishes them rounded to 5 (round-5)."""
    metric = make_metric(key="deaths", method="crude-rate", multiplier=1000,
                         disclosure="suppress-1-4", denominator_disclosure="round-5")
    codes = region_codes(NORTH_EAST)
    observe(metric, [(c, 20 + i, 1003 + 7 * i) for i, c in enumerate(codes)])
    recompute_metrics([metric.pk])

    for value in values(metric).values():
        if value.denominator is None:  # England: not computed from one region
            continue
        assert value.denominator % 5 == 0
        assert value.value == pytest.approx(value.numerator / value.denominator * 1000)
    assert values(metric)[(codes[0], "2023", "")].denominator == 1005  # 1,003 → 1,005
    assert values(metric)[(codes[0], "2023", "")].numerator == 20  # the deaths as they are
