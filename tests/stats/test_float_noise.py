"""Values that are round numbers come out as those numbers, with no floating-point noise
(downloads write numbers at full precision, so 10.600000000000001 would be printed as is).

The expected values are worked by hand: 53 per 500, per 100, is 10.6; 11 of 40 is 27.5%;
4,709 of 10,000 is 47.09%; 11 per 11, per 100,000, is 100,000.
"""

from __future__ import annotations

import pytest

from cdphub.stats import crude_rate, proportion, unmet_need


@pytest.mark.parametrize("numerator, denominator, multiplier, expected", [
    (53, 500, 100, 10.6), (11, 11, 100_000, 100_000.0), (37_946, 100_000, 100, 37.946)])
def test_a_crude_rate_that_is_a_round_number_is_exactly_that_number(numerator, denominator,
                                                                     multiplier, expected):
    assert crude_rate([numerator], [denominator], multiplier)["value"][0] == expected


@pytest.mark.parametrize("numerator, denominator, expected", [
    (11, 40, 27.5), (4_709, 10_000, 47.09), (37_946, 100_000, 37.946)])
def test_a_percentage_that_is_a_round_number_is_exactly_that_number(numerator, denominator,
                                                                     expected):
    assert proportion([numerator], [denominator], 100)["value"][0] == expected
    assert unmet_need([numerator], [denominator], [denominator - 1], [denominator + 1],
                      multiplier=100)["value"][0] == expected
