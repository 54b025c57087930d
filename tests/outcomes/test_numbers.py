"""The one number formatter (``outcomes/numbers.py``) that pages, charts and sentences use."""

import math

import pytest

from cdphub.outcomes import charts, summary
from cdphub.outcomes.numbers import format_number


@pytest.mark.parametrize(("value", "kwargs", "text"), [
    (12345.678, {"method": "count"}, "12,346"),
    (12345.678, {"method": "crude-rate", "unit": "per 100,000"}, "12,345.7"),
    (45.25, {"method": "proportion", "unit": "%"}, "45.2%"),  # round half to even: 45.2
    (3.0, {}, "3"),
    (3.5, {}, "3.5"),
    (3.0, {"unit": "per 1,000"}, "3.0"),
    (-0.04, {"unit": "%"}, "0.0%"),  # never "-0.0%"
    (-1.26, {"unit": "%"}, "-1.3%"),
    (2.0, {"decimals": 2}, "2.00"),
    (None, {}, "–"),
    (math.nan, {"missing": "no value"}, "no value"),
])
def test_format_number(value, kwargs, text):
    assert format_number(value, **kwargs) == text


def test_pages_and_charts_write_numbers_the_same_way():
    """The sentence writer and the charts call the same formatter; they differ only in how
    they write a missing figure."""
    for value, method, unit in [(1234.5, "crude-rate", "per 100,000"), (7.0, "count", ""),
                                (52.25, "proportion", "%"), (-0.01, "proportion", "%")]:
        decimals = 0 if method == "count" else 1
        assert summary.format_value(value, method, unit) == charts.format_value(
            value, unit, decimals=decimals)
    assert summary.format_value(None, "count") == "–"
    assert charts.format_value(None) == "no value"
