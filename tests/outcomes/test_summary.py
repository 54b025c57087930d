"""The plain-English sentences the outcomes pages generate from figures."""

import datetime as dt
from types import SimpleNamespace

import pytest

from cdphub.outcomes.summary import (
    format_value,
    metric_sentence,
    overview_paragraph,
    ratio_phrase,
)


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


def dated(value, period, end, comparison="", trend=""):
    return SimpleNamespace(value=value, comparison=comparison, trend=trend, period_label=period,
                           period_end=dt.date.fromisoformat(end), suppressed=False)


def test_a_difference_of_percentages_is_in_percentage_points():
    """34.5% against England's 36.3% is 1.8 percentage points lower (34.5/36.3 would be the
    '5% lower' the issue found)."""
    assert ratio_phrase(34.5, 36.3, "proportion", "%") == \
        "1.8 percentage points lower than England"
    assert ratio_phrase(12.0, 4.0, "proportion", "%") == \
        "8.0 percentage points higher than England"
    assert ratio_phrase(36.32, 36.3, "proportion", "%") == ""
    text = metric_sentence("Recovery outcomes", "proportion", "%",
                           figure(34.5, "worse", period="2023/24"), figure(36.3))
    assert text == ("Recovery outcomes: 34.5% (2023/24), significantly worse than England "
                    "(36.3%) — 1.8 percentage points lower than England.")
    assert "%" not in text.split("—")[1].replace("percentage", "")


def test_a_figure_older_than_englands_newest_says_so():
    old = dated(19.5, "2019/20", "2020-03-31", "worse")
    newest = dated(8.0, "2022/23", "2023-03-31")
    text = metric_sentence("Opiate and crack use", "crude-rate", "per 1,000", old,
                           figure(8.5, period="2019/20"), newest)
    assert text.startswith("Opiate and crack use: 19.5 per 1,000 (2019/20 — the latest "
                           "published for this area; England has 2022/23), significantly")
    same = metric_sentence("X", "crude-rate", "per 1,000", old, figure(8.5),
                           dated(8.5, "2019/20", "2020-03-31"))
    assert "(2019/20)" in same and "latest published" not in same


def test_a_figure_years_older_than_the_others_shown_says_so():
    old = dated(19.5, "2019/20", "2020-03-31", "worse")
    text = metric_sentence("X", "crude-rate", "per 1,000", old, figure(8.5), None,
                           dt.date(2025, 3, 31))
    assert "(2019/20 — the latest published, 5 years older than the newest figures here)" \
        in text
    recent = metric_sentence("X", "crude-rate", "per 1,000", old, figure(8.5), None,
                             dt.date(2021, 3, 31))
    assert "(2019/20)" in recent


def test_the_overview_paragraph_leads_with_current_figures():
    def row(name, value, england, period, end):
        metric = SimpleNamespace(name=name, method="crude-rate", unit="per 1,000",
                                 kind="headline")
        return SimpleNamespace(metric=metric, figure=dated(value, period, end, "worse"),
                               england=figure(england), newest=None)

    rows = [row("Old", 30.0, 5.0, "2019/20", "2020-03-31"),
            row("Current", 12.0, 10.0, "2024/25", "2025-03-31")]
    text = overview_paragraph("Greater Manchester", rows)
    assert text.index("Current: 12.0") < text.index("Old: 30.0")
    assert "Old: 30.0 per 1,000 (2019/20 — the latest published, 5 years older than the " \
           "newest figures here)" in text
