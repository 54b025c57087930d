"""The library against real figures published by OHID on Fingertips.

Sources (see ``tests/data/PROVENANCE.md``):

* the real Fingertips CSV exports of indicators 93517 and 93532 (OHID, OGL v3), as kept by
  ONS in ONSdigital/sdg_data_updates ``3-5-1/Example_Input/``;
* five published Fingertips series (indicators 241, 30309, 41203, 40501, 41101) with the
  recent-trend marker the Fingertips site shows, as transcribed by DHSC in
  dhsc-govuk/FingertipsNext ``trend-analysis/TrendAnalysisApp.UnitTests/Calculator/``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cdphub.stats import compare, crude_rate, proportion, recent_trend
from cdphub.stats.cli import main as stats_main

from .reference import EXPORTS, SERIES, agrees, half_unit, read_text


@pytest.fixture(scope="module")
def exports() -> pl.DataFrame:
    return pl.concat([read_text(path) for path in EXPORTS])


def _floats(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame.get_column(name).cast(pl.Float64).to_numpy()


def _denominator_lost_its_third(frame: pl.DataFrame) -> np.ndarray:
    """Rows whose count is a three-year average (in thirds) but whose denominator is whole."""
    count, denominator = _floats(frame, "Count"), _floats(frame, "Denominator")
    return (count != np.round(count)) & (denominator == np.round(denominator))


def test_values_reproduce_count_over_denominator_to_the_published_precision(exports):
    """Value = Count/Denominator × 100 (a percentage) to the 8 published decimals, allowing
    for the rounding of the published Count and Denominator themselves."""
    exact = exports.filter(~pl.Series(_denominator_lost_its_third(exports)))
    assert exact.height == 23
    result = proportion(_floats(exact, "Count"), _floats(exact, "Denominator"), multiplier=100)
    for row, value in zip(exact.iter_rows(named=True), result["value"], strict=True):
        slack = value * (
            half_unit(row["Count"]) / float(row["Count"])
            + half_unit(row["Denominator"]) / float(row["Denominator"])
        )
        assert agrees(value, row["Value"], slack), (row["Area Name"], row["Time period"], value)


def test_seven_rows_publish_a_denominator_without_its_third(exports):
    """In seven rows the export shows the denominator rounded to a whole number, but the
    published value was computed with the three-year-average denominator, a third away."""
    lost = exports.filter(pl.Series(_denominator_lost_its_third(exports)))
    assert lost.height == 7
    count, denominator = _floats(lost, "Count"), _floats(lost, "Denominator")
    as_printed = proportion(count, denominator, multiplier=100)["value"]
    plus_third = proportion(count, denominator + 1 / 3, multiplier=100)["value"]
    less_third = proportion(count, denominator - 1 / 3, multiplier=100)["value"]
    for i, published in enumerate(lost.get_column("Value")):
        assert not agrees(as_printed[i], published, 1e-6)
        assert agrees(plus_third[i], published, 1e-6) or agrees(less_third[i], published, 1e-6)


def test_published_intervals_are_not_wilson_intervals_of_count_and_denominator(exports):
    """The published 95% limits are 2.4 to 43 times as wide as the Wilson interval of
    Count/Denominator: the denominators are modelled prevalence estimates whose own
    uncertainty the limits carry (the ``unmet-need`` method below), and 99.8% limits are not
    published."""
    result = proportion(_floats(exports, "Count"), _floats(exports, "Denominator"), multiplier=100)
    published_width = _floats(exports, "Upper CI 95.0 limit") - _floats(exports, "Lower CI 95.0 limit")
    wilson_width = result["upper_95"] - result["lower_95"]
    assert np.all(published_width > 2 * wilson_width)
    assert exports.get_column("Lower CI 99.8 limit").null_count() == exports.height


def _prevalence_limits(row: dict) -> tuple[float, float]:
    """The prevalence estimate's 95% limits implied by one published row: lower = 1 − T/n_low
    with T = n − Count people in treatment, so n_low = T/(1 − lower). n is taken as
    Count/Value, not the printed Denominator, which in seven rows has lost its third."""
    count = float(row["Count"])
    treated = count * 100 / float(row["Value"]) - count
    low = treated / (1 - float(row["Lower CI 95.0 limit"]) / 100)
    high = treated / (1 - float(row["Upper CI 95.0 limit"]) / 100)
    return low, high


def test_unmet_need_reproduces_next_years_published_intervals(exports, tmp_path):
    """Where an area's prevalence estimate (the Denominator) is the same in two periods, its
    95% limits are too. So the limits implied by one year's published row, fed with the next
    year's Count and Denominator to ``cdphub stats unmet-need``, must give the next year's
    published value and interval to their 8 published decimals. Five area pairs qualify
    (Hartlepool for 93517; Redcar and Cleveland, Stockton-on-Tees, Darlington and Halton for
    93532). The slack allows for the 6-decimal rounding of the published counts."""
    by_series: dict[tuple[str, str], list[dict]] = {}
    for row in exports.iter_rows(named=True):
        by_series.setdefault((row["Indicator ID"], row["Area Code"]), []).append(row)
    pairs = [
        (rows[0], rows[1])
        for rows in by_series.values()
        if len(rows) > 1 and rows[0]["Denominator"] == rows[1]["Denominator"]
    ]
    assert {(a["Indicator ID"], a["Area Name"]) for a, _ in pairs} == {
        ("93517", "Hartlepool"),
        ("93532", "Redcar and Cleveland"),
        ("93532", "Stockton-on-Tees"),
        ("93532", "Darlington"),
        ("93532", "Halton"),
    }
    lines = ["indicator,area,numerator,denominator,denominator_lower,denominator_upper"]
    for first, second in pairs:
        low, high = _prevalence_limits(first)
        lines.append(
            f"{second['Indicator ID']},{second['Area Name']},{second['Count']},"
            f"{second['Denominator']},{low!r},{high!r}"
        )
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("\n".join(lines) + "\n")
    assert stats_main(["unmet-need", "--input", str(source), "--output", str(target)]) == 0
    out = pl.read_csv(target)
    assert out.get_column("lower_99_8").null_count() == out.height
    for (_, published), computed in zip(pairs, out.iter_rows(named=True), strict=True):
        slack = 100 * 2e-6 / (float(published["Denominator"]) - float(published["Count"]))
        for column, name in [
            ("Value", "value"),
            ("Lower CI 95.0 limit", "lower_95"),
            ("Upper CI 95.0 limit", "upper_95"),
        ]:
            assert agrees(computed[name], published[column], slack), (
                published["Area Name"],
                column,
                computed[name],
            )


def test_implied_prevalence_limits_are_three_year_averages(exports):
    """A check that the reading above is the published method: the implied prevalence limits
    of every row are (to rounding) multiples of 1/3, averages of three whole-number annual
    estimates, as the Count and Denominator are."""
    for row in exports.iter_rows(named=True):
        if row["Area Code"] == "E92000001":
            continue  # England's counts are too large for thirds to survive the rounding
        for limit in _prevalence_limits(row):
            assert abs(limit * 3 - round(limit * 3)) < 0.02, (row["Area Name"], limit)


def test_comparison_with_england_reproduces_the_published_column(exports):
    """ "Compared to England": 95% interval overlap with England's value, low is good (fewer
    people not in treatment is better). England itself, and 2018/19 (no England row in the
    export), are not compared."""
    england = {
        (row["Indicator ID"], row["Time period"]): float(row["Value"])
        for row in exports.filter(pl.col("Area Code") == "E92000001").iter_rows(named=True)
    }
    benchmark = [
        np.nan
        if row["Area Code"] == "E92000001"
        else england.get((row["Indicator ID"], row["Time period"]), np.nan)
        for row in exports.iter_rows(named=True)
    ]
    labels = compare(
        _floats(exports, "Value"),
        _floats(exports, "Lower CI 95.0 limit"),
        _floats(exports, "Upper CI 95.0 limit"),
        benchmark,
        polarity="low",
    )
    published = exports.get_column("Compared to England value or percentiles").str.to_lowercase()
    assert list(labels) == published.to_list()
    assert {"better", "similar", "not compared"} <= set(labels)


def test_recent_trend_cannot_be_calculated_with_fewer_than_five_points(exports):
    """Each series has at most three periods here; Fingertips shows "Cannot be calculated"
    on the latest period."""
    series = exports.select(pl.concat_str("Indicator ID", "Area Code", separator="/")).to_series()
    result = recent_trend(
        exports.get_column("Time period Sortable").cast(pl.Int64).to_numpy(),
        _floats(exports, "Value"),
        _floats(exports, "Lower CI 95.0 limit"),
        _floats(exports, "Upper CI 95.0 limit"),
        _floats(exports, "Count"),
        _floats(exports, "Denominator"),
        value_type="proportion",
        polarity="low",
        groups=series.to_numpy(),
    )
    latest = exports.filter(pl.col("Recent Trend").is_not_null())
    assert set(latest.get_column("Recent Trend")) == {"Cannot be calculated"}
    assert set(result["trend"]) == {"cannot be calculated"}


# ------------------------------------------------------------------ published series


@pytest.fixture(scope="module")
def series() -> pl.DataFrame:
    return read_text(SERIES)


def test_wilson_reproduces_published_mmr_coverage(series):
    """Indicator 30309 (MMR one dose at 2 years, Yorkshire and the Humber, 2020–2024):
    a percentage with Wilson 95% limits, published to 4 decimals."""
    rows = series.filter(pl.col("indicator_id") == "30309")
    result = proportion(_floats(rows, "numerator"), _floats(rows, "denominator"), multiplier=100)
    for i, row in enumerate(rows.iter_rows(named=True)):
        assert agrees(result["value"][i], row["value"])
        assert agrees(result["lower_95"][i], row["lower_95"])
        assert agrees(result["upper_95"][i], row["upper_95"])


def test_byars_reproduces_published_crude_rates(series):
    """Indicator 41203 (preventable sight loss, England, per 100,000, 2020–2024): counts of
    935–1,502, so Byars' limits. 13 of the 15 published figures agree to half a unit in the
    4th decimal. Two do not quite: the 2021 value is given as 1.93028 although
    935/48,440,507 × 100,000 = 1.93020, and its lower limit 1.8085 where Byars gives 1.80845
    (the source's denominator for 2021 is evidently not the one printed beside it); and the
    2024 value 3.0121 where 3.01205 rounds down (a double rounding). Those two are checked
    to 0.0001, one unit in the 4th decimal."""
    rows = series.filter(pl.col("indicator_id") == "41203")
    result = crude_rate(_floats(rows, "numerator"), _floats(rows, "denominator"))
    loose = {("2021", "value"), ("2021", "lower_95"), ("2024", "value")}
    for i, row in enumerate(rows.iter_rows(named=True)):
        for name in ("value", "lower_95", "upper_95"):
            slack = 1e-4 if (row["period"], name) in loose else 0.0
            assert agrees(result[name][i], row[name], slack), (row["period"], name)


def test_recent_trend_matches_the_published_markers(series):
    """Each series' recent trend as the Fingertips site shows it: diabetes prevalence
    increasing (no judgement); MMR decreasing and getting worse; sight loss increasing and
    getting worse; under-75 cancer mortality (a DSR) decreasing and getting better;
    emergency readmissions (an indirectly standardised proportion) cannot be calculated."""
    result = recent_trend(
        _floats(series, "period"),
        _floats(series, "value"),
        _floats(series, "lower_95"),
        _floats(series, "upper_95"),
        _floats(series, "numerator"),
        _floats(series, "denominator"),
        value_type=series.get_column("value_type").to_numpy(),
        polarity=series.get_column("polarity").to_numpy(),
        groups=series.get_column("indicator_id").to_numpy(),
    )
    published = dict(series.select("indicator_id", "published_trend").unique().iter_rows())
    assert dict(zip(result["group"], result["trend_label"], strict=True)) == published


def test_recent_trend_needs_five_points(series):
    """FingertipsNext ``TestTrendCannotBeCalculatedWhenInsufficientDataPointsProvided``:
    the under-75 cancer series without its latest point cannot be calculated."""
    rows = series.filter((pl.col("indicator_id") == "40501") & (pl.col("period") != "2023"))
    result = recent_trend(
        _floats(rows, "period"),
        _floats(rows, "value"),
        _floats(rows, "lower_95"),
        _floats(rows, "upper_95"),
        _floats(rows, "numerator"),
        _floats(rows, "denominator"),
        value_type="dsr",
        polarity="low",
    )
    assert list(result["trend"]) == ["cannot be calculated"]
