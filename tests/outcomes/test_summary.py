"""The plain-English sentences the outcomes pages generate from figures."""

from types import SimpleNamespace

import pytest

from cdphub.outcomes.summary import format_value, metric_sentence, ratio_phrase


def figure(value, comparison="", trend="", period="2021 - 23", suppressed=False):
    return SimpleNamespace(value=value, comparison=comparison, trend=trend, period_label=period,
                           suppressed=suppressed)


def test_the_issue_example_sentence():
    """The example in the issue, word for word (with the period added)."""
    text = metric_sentence("Deaths related to drug misuse", "dsr", "per 100,000",
                           figure(14.2, "worse", "increasing and getting worse"),
                           figure(5.5))
    assert text == ("Deaths related to drug misuse: 14.2 per 100,000 (2021 - 23), significantly "
                    "worse than England (5.5) — more than twice the England rate — and "
                    "increasing (getting worse).")


@pytest.mark.parametrize(("value", "benchmark", "expected"), [
    (14.2, 5.5, "more than twice the England rate"),
    (18.0, 5.5, "more than 3 times the England rate"),
    (2.0, 5.5, "less than half the England rate"),
    (6.6, 5.5, "20% higher than England"),
    (4.4, 5.5, "20% lower than England"),
    (5.51, 5.5, ""),
])
def test_ratio_phrases(value, benchmark, expected):
    assert ratio_phrase(value, benchmark, "dsr", "per 100,000") == expected


def test_percentages_counts_and_similar_figures():
    text = metric_sentence("Recovery", "proportion", "%", figure(36.04, "similar",
                           "no significant change"), figure(35.1))
    assert text == ("Recovery: 36.0% (2021 - 23), similar to England (35.1%), and with no "
                    "significant change in its recent trend.")
    assert format_value(310863.0, "count") == "310,863"
    counts = metric_sentence("County lines closed", "count", "lines closed",
                             figure(76.0, "not compared"), figure(1700.0))
    assert counts == "County lines closed: 76 lines closed (2021 - 23); England 1,700."


def test_missing_and_suppressed_figures_say_so():
    assert metric_sentence("X", "dsr", "per 100,000", None, None) == "X: no figure yet."
    hidden = metric_sentence("X", "dsr", "per 100,000", figure(None, suppressed=True), None)
    assert "not shown, because the numbers are small" in hidden
    england_only = metric_sentence("Drug use", "proportion", "%", None, figure(8.5, period="2023/24"))
    assert england_only == "Drug use: England 8.5% (2023/24); no figure for the partnership."
