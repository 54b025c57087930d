"""Plain-English sentences from stored figures, for SROs who must explain progress.

``metric_sentence`` gives one metric's sentence::

    Deaths related to drug misuse: 14.2 per 100,000 (2021 - 23), significantly worse than
    England (5.5) — more than twice the England rate — and increasing.

A figure older than the newest one published for the metric says so ("2019/20 — the latest
published for this area; England has 2022/23"), and a percentage is compared with England's
in percentage points, never as a percentage of a percentage.

``overview_paragraph`` counts the comparisons and then names the metrics where the
partnership differs most from England. Pure functions of the figures (no queries).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from .numbers import format_number

COMPARISON_WORDS = {
    "better": "significantly better than",
    "best": "significantly better than",
    "worse": "significantly worse than",
    "worst": "significantly worse than",
    "similar": "similar to",
    "higher": "significantly higher than",
    "lower": "significantly lower than",
}
TREND_WORDS = {
    "increasing": "increasing",
    "decreasing": "decreasing",
    "no significant change": "with no significant change in its recent trend",
}


def format_value(value: float | None, method: str, unit: str = "") -> str:
    """A figure as people read it: counts whole with thousands separators; rates and
    percentages to one decimal place (percentages with a % sign)."""
    return format_number(value, unit=unit, method=method)


def with_unit(value: float | None, method: str, unit: str) -> str:
    text = format_value(value, method, unit)
    if value is None or unit == "%" or not unit:
        return text
    return f"{text} {unit}"


def ratio_phrase(value: float, benchmark: float, method: str, unit: str) -> str:
    """How far from England, in words: 'more than twice the England rate', '30% lower';
    for percentages the difference in percentage points ('1.8 percentage points lower')."""
    if benchmark is None or value is None:
        return ""
    if unit.strip() == "%":
        points = value - benchmark
        if abs(points) < 0.05:  # rounds to 0.0
            return ""
        return (f"{format_number(abs(points), decimals=1)} percentage points "
                f"{'higher' if points > 0 else 'lower'} than England")
    if not benchmark:
        return ""
    noun = "figure" if unit == "%" or method == "count" else "rate"
    ratio = value / benchmark
    if ratio >= 3:
        return f"more than {int(ratio)} times the England {noun}"
    if ratio >= 2:
        return f"more than twice the England {noun}"
    if ratio <= 0.5:
        return f"less than half the England {noun}"
    change = round(abs(ratio - 1) * 100)
    if change < 1:
        return ""
    return f"{change}% {'higher' if ratio > 1 else 'lower'} than England"


def _trend_words(trend: str) -> str:
    if not trend or trend == "cannot be calculated":
        return ""
    head, _, judgement = trend.partition(" and ")
    words = TREND_WORDS.get(head, head)
    if judgement and head in ("increasing", "decreasing"):
        return f"{words} ({judgement})"
    return words


STALE_DAYS = 2 * 365  # a figure this much older than the newest ones shown says so


def period_words(figure, newest=None, current: dt.date | None = None) -> str:
    """The figure's period, saying so when it is old: when a newer period has been published
    for the metric (for England), or when it ended years before the newest figures shown
    beside it (``current``, the end of their period)."""
    end, newest_end = getattr(figure, "period_end", None), getattr(newest, "period_end", None)
    if end is not None and newest_end is not None and newest_end > end:
        return (f"{figure.period_label} — the latest published for this area; England has "
                f"{newest.period_label}")
    if end is not None and current is not None and (current - end).days >= STALE_DAYS:
        years = round((current - end).days / 365.25)
        return (f"{figure.period_label} — the latest published, {years} years older than the "
                "newest figures here")
    return figure.period_label


def newest_end(rows) -> dt.date | None:
    """The end of the newest period among the rows' figures."""
    ends = [r.figure.period_end for r in rows if r.figure is not None
            and r.figure.value is not None and getattr(r.figure, "period_end", None)]
    return max(ends, default=None)


def metric_sentence(name: str, method: str, unit: str, figure, england, newest=None,
                    current: dt.date | None = None) -> str:
    """One metric in a sentence, from a figure and England's for the same period; ``newest``
    is the newest figure published for the metric (England's) and ``current`` the end of the
    newest period shown beside it, to say when ``figure`` is older (``period_words``)."""
    if figure is None or figure.value is None:
        if figure is not None and figure.suppressed:
            return f"{name}: not shown, because the numbers are small ({figure.period_label})."
        if england is not None and england.value is not None:
            return (f"{name}: England {with_unit(england.value, method, unit)} "
                    f"({england.period_label}); no figure for the partnership.")
        return f"{name}: no figure yet."
    text = f"{name}: {with_unit(figure.value, method, unit)} ({period_words(figure, newest, current)})"
    benchmark = england.value if england is not None else None
    words = COMPARISON_WORDS.get(figure.comparison)
    ratio = ""
    if words and benchmark is not None:
        text += f", {words} England ({format_value(benchmark, method, unit)})"
        if figure.comparison != "similar":
            ratio = ratio_phrase(figure.value, benchmark, method, unit)
    elif benchmark is not None:
        text += f"; England {format_value(benchmark, method, unit)}"
    trend = _trend_words(figure.trend)
    if ratio and trend:
        text += f" — {ratio} — and {trend}"
    elif ratio:
        text += f" — {ratio}"
    elif trend:
        text += f", and {trend}"
    return text + "."


def overview_paragraph(partnership_name: str, rows) -> str:
    """The overview's paragraph: how many metrics compare better, similar or worse, then the
    headline metrics furthest from England (worse first)."""
    judged = [r for r in rows if r.figure is not None and r.figure.value is not None
              and r.figure.comparison in COMPARISON_WORDS]
    if not judged:
        return (f"There are no figures for {partnership_name} to compare with England yet: "
                "load data to see them here.")
    counts = Counter(_bucket(r.figure.comparison) for r in judged)
    parts = [f"{counts[name]} {label}" for name, label in (
        ("worse", "significantly worse than England"), ("similar", "similar"),
        ("better", "significantly better"), ("differ", "significantly higher or lower"))
        if counts[name]]
    text = (f"Of the {len(judged)} metrics with a figure for {partnership_name} that can be "
            f"compared with England, {_join(parts)}.")
    notable = [r for r in judged if _bucket(r.figure.comparison) in ("worse", "better")
               and r.metric.kind == "headline"]
    current = newest_end(rows)
    # Worse first; within each, current figures before old ones, then the furthest apart.
    notable.sort(key=lambda r: (_bucket(r.figure.comparison) != "worse",
                                period_words(r.figure, getattr(r, "newest", None), current)
                                != r.figure.period_label,
                                -abs(_log_ratio(r))))
    for row in notable[:3]:
        text += " " + metric_sentence(row.metric.name, row.metric.method, row.metric.unit,
                                      row.figure, row.england, getattr(row, "newest", None),
                                      current)
    return text


def _bucket(comparison: str) -> str:
    return {"best": "better", "worst": "worse", "higher": "differ",
            "lower": "differ"}.get(comparison, comparison)


def _log_ratio(row) -> float:
    if row.england is None or not row.england.value or not row.figure.value:
        return 0.0
    return math.log(row.figure.value / row.england.value)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
