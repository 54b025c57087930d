"""Server-rendered, accessible charts for the outcomes pages (no database access).

Three kinds of chart, after OHID's Fingertips:

* ``trend_chart``: one metric over time. The focus area's values with 95% confidence-interval
  error bars, the region (dashed grey) and England (black) as lines.
* ``compare_chart``: one metric for many areas, horizontal bars sorted by value, 95% whiskers,
  each bar coloured by its comparison with the benchmark, the benchmark as a vertical line.

A chart of a count compares areas among themselves: the pages draw no England (or region)
line or benchmark on it, since a total for a larger area would squash every bar and line,
and give those totals as figures beside the chart instead (``totals_text``). Rates and
percentages keep England as the benchmark line.
* ``trajectory_chart``: a value over time against a trajectory (a partnership's local target):
  the trajectory's points (the baseline, then each target) as open squares joined by a dashed
  line, the actual figures as a solid line with filled markers and their 95% error bars, on a
  time axis (the points need not fall on the same dates).
* ``spine_chart``: one row of a spine chart (a small hand-written SVG): the range of all areas
  (worst on the left, best on the right when the polarity is known), the 25th to 75th
  percentile band, the benchmark as the centre line and the area's value as a circle.

Trend and compare charts are Vega-Lite specifications rendered to SVG by ``vl-convert``. The
specifications are written as plain JSON (dicts), not with Vega-Altair's classes: Altair takes
30-70 ms to build and copy one, longer than a cached page should spend, and the specification is
needed on every request to look the SVG up in the cache; the tests validate every kind against
Altair's Vega-Lite schema. The SVG is then cleaned so it is safe to inline under the site's CSP
and reads as one image to assistive technology:

* the root ``<svg>`` has ``role="img"``, ``aria-labelledby`` pointing at its own ``<title>``
  (its accessible name) and ``aria-describedby`` at its ``<desc>``; Vega's own ARIA
  attributes on inner marks are removed (the data table twin carries the data);
* no ``style`` attributes (``vl-convert`` emits presentation attributes; any ``style`` would be
  removed, and a test checks there were none to remove);
* every ``id`` inside is prefixed with the chart's own id, derived from a hash of the
  specification, title and description, so several charts on a page do not clash (pass
  ``chart_id`` for two identical charts on one page);
* a ``viewBox`` with the natural ``width``/``height``; the stylesheet scales it to its container.

Speed (2-core machine): the first chart in a process takes ~0.4 s while the JavaScript engine
inside ``vl-convert`` starts (``warm_up()`` pays that early); after that a trend chart takes
30-90 ms, a compare chart of 14 areas ~50 ms and of all 150 authorities ~400 ms (Vega measures
each label's text, ~2 ms each). Rendered SVG is cached by a hash of the Vega-Lite
specification, in a small in-process LRU and, when Django settings are configured, in Django's
default cache: a cached chart takes under 1 ms.

Every chart also has plain-English text (``trend_summary``, ``compare_summary``) and a data
table twin (``trend_table``, ``compare_table``); ``ChartFigure`` bundles them for the template
``includes/chart_figure.html``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import vl_convert
from markupsafe import Markup

from .numbers import format_number, is_rate

__all__ = [
    "Bar", "ChartFigure", "Column", "DatedPoint", "Point", "Series",
    "compare_chart", "compare_figure", "compare_summary", "compare_table",
    "format_value", "spine_chart", "totals_text", "trend_chart", "trend_figure", "trend_summary",
    "trajectory_chart", "trend_table", "warm_up",
]

# --- Look -----------------------------------------------------------------------------------

FONT = "Arial, Helvetica, sans-serif"
TEXT = "#0b0c0c"           # GOV.UK text colour (19:1 on white)
DARK_GREY = "#505a5f"      # GOV.UK dark grey (7:1): axes, region line, bar outlines
GRID = "#e1e3e5"           # light gridlines (decoration only)
FOCUS_COLOURS = ("#003078", "#912b88", "#00703c")  # dark blue first; more focus series rare
REGION_COLOUR = DARK_GREY
ENGLAND_COLOUR = TEXT

# Fingertips comparison colours. The light fills are outlined in dark grey so that each bar or
# marker has a 3:1 boundary against white (WCAG 1.4.11); colour is never the only signal (the
# summary and table say the comparison in words).
COMPARISON_COLOURS = {
    "better": "#92D050",
    "similar": "#FFC000",
    "worse": "#C00000",
    "higher": "#BED2FF",
    "lower": "#5555E6",
    "not compared": "#E5E5E5",
}
_COMPARISON_ALIASES = {"best": "better", "worst": "worse", "": "not compared",
                       "not_compared": "not compared", "none": "not compared"}
_COMPARISON_ORDER = ("better", "similar", "worse", "higher", "lower", "not compared")

LABEL_SIZE = 14
SMALL_LABEL_SIZE = 12
TREND_WIDTH = 560
TREND_HEIGHT = 280
COMPARE_WIDTH = 420
ID_PLACEHOLDER = "__cdphub_chart_id__"
TITLE_PLACEHOLDER = "<!--cdphub-chart-title-->"
CACHE_VERSION = "charts-v1"

logger = logging.getLogger(__name__)


# --- Data -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """One period of one series; ``lower``/``upper`` are the 95% confidence limits."""

    period: str
    value: float | None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class DatedPoint:
    """A value on a date (a trajectory chart's x axis is time): ``on`` is the end of the
    figure's period or a target's date; ``lower``/``upper`` the 95% limits, if any."""

    on: dt.date
    value: float | None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Series:
    """A line on a trend chart. ``role``: "focus" (dark blue points, error bars and line),
    "region" (dashed grey line) or "england" (black line)."""

    name: str
    role: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Bar:
    """One area on a compare chart. ``comparison`` is a label from ``cdphub.stats.compare``
    ("better", "similar", "worse", "higher", "lower", "best", "worst", "not compared" or "");
    ``highlight`` marks the page's own area (bold label, outlined bar)."""

    name: str
    value: float | None
    lower: float | None
    upper: float | None
    comparison: str
    highlight: bool = False


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class ChartFigure:
    """Everything ``includes/chart_figure.html`` shows: the caption, the chart, its text
    summary, its data table twin (the first column is each row's header) and optional
    download links."""

    caption: str
    svg: Markup
    summary: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    csv_url: str = ""
    xlsx_url: str = ""
    table_caption: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def chart_id(self) -> str:
        """The SVG's own id (its title is ``<id>-title``), for ids around it in the page."""
        match = re.search(r'aria-labelledby="([^"]+)-title"', str(self.svg))
        return match.group(1) if match else "chart"

    @property
    def body(self) -> list[list[tuple[str, bool]]]:
        """Rows as (text, numeric) cells for the template."""
        numeric = [c.numeric for c in self.columns]
        return [[(text, numeric[i] if i < len(numeric) else False) for i, text in enumerate(row)]
                for row in self.rows]


# --- Numbers in words -------------------------------------------------------------------------

_is_rate = is_rate


def format_value(value: float | None, unit: str = "", *, decimals: int | None = None) -> str:
    """``numbers.format_number``, writing a missing figure "no value" (charts say it aloud)."""
    return format_number(value, unit=unit, decimals=decimals, missing="no value")


def _formatter(values, unit: str):
    """``format_value`` with one number of decimal places for a whole set of values (so that
    2 and 2.2 people read "2.0" and "2.2")."""
    numbers = [v for v in values if v is not None]
    whole = all(float(v).is_integer() for v in numbers)
    decimals = 1 if _is_rate(unit) or not whole else 0
    return lambda value: format_value(value, unit, decimals=decimals)


def _axis_title(unit: str) -> str:
    unit = unit.strip()
    if not unit:
        return "Value"
    if unit == "%":
        return "Percentage (%)"
    if unit.lower().startswith("per "):
        return f"Rate {unit}"
    return unit[0].upper() + unit[1:]


def _unit_sentence(unit: str) -> str:
    unit = unit.strip()
    if not unit or unit == "%":
        return ""
    if _is_rate(unit):
        return f"Values are {unit}." if unit.lower().startswith("per ") else f"Values are a {unit}."
    return f"Values are numbers of {unit}."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _comparison(label: str) -> str:
    key = (label or "").strip().lower()
    key = _COMPARISON_ALIASES.get(key, key)
    return key if key in COMPARISON_COLOURS else "not compared"


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _comparison_words(label: str, benchmark_label: str) -> str:
    key = _comparison(label)
    return {
        "better": f"better than {benchmark_label}",
        "worse": f"worse than {benchmark_label}",
        "similar": f"similar to {benchmark_label}",
        "higher": f"higher than {benchmark_label}",
        "lower": f"lower than {benchmark_label}",
        "not compared": f"not compared with {benchmark_label}",
    }[key]


# --- Summaries --------------------------------------------------------------------------------

def totals_text(totals: Sequence[tuple[str, float | None, str]], unit: str) -> str:
    """For a chart of counts: the larger areas' totals (England's, the region's) as figures,
    since drawn on the same axis they would squash every bar and line of the areas compared
    (a count for all of England is on another scale). ``totals``: (name, value, period)."""
    shown = [(name, value, period) for name, value, period in totals if value is not None]
    if not shown:
        return ""
    fmt = _formatter([value for _name, value, _period in shown], unit)
    unit_words = f" {unit.strip()}" if unit.strip() and not _is_rate(unit) else ""
    figures = "; ".join(f"{name} {fmt(value)}{unit_words} ({period})"
                        for name, value, period in shown)
    return (f"For scale: {figures}. These totals are not drawn, so that the chart compares "
            "the areas among themselves.")



def _valued(points: Sequence[Point]) -> list[Point]:
    return [p for p in points if p.value is not None]


def trend_summary(series: Sequence[Series], unit: str) -> str:
    """Plain English: each series' first and latest values, the direction, the periods with
    no value in between, and the series with no values at all."""
    sentences: list[str] = []
    lead = _unit_sentence(unit)
    if lead:
        sentences.append(lead)
    missing: list[str] = []
    first_span: tuple[str, str] | None = None
    fmt = _formatter([p.value for s in series for p in s.points], unit)
    for s in series:
        values = _valued(s.points)
        if not values:
            missing.append(s.name)
            continue
        first, last = values[0], values[-1]
        a, b = fmt(first.value), fmt(last.value)
        if len(values) == 1:
            sentences.append(f"For {s.name}, the only value is {a} in {first.period}.")
            continue
        if last.value > first.value:
            verb = "rose"
        elif last.value < first.value:
            verb = "fell"
        else:
            verb = "was unchanged"
        span = (first.period, last.period)
        if first_span is not None and span == first_span:
            change = (f"it rose from {a} to {b}" if verb == "rose" else
                      f"it fell from {a} to {b}" if verb == "fell" else f"it stayed at {a}")
            sentence = f"For {s.name}, {change} over the same period."
        elif verb == "was unchanged":
            sentence = f"For {s.name}, the value was {a} in both {first.period} and {last.period}."
        else:
            sentence = (f"For {s.name}, the value {verb} from {a} in {first.period} "
                        f"to {b} in {last.period}.")
        if first_span is None:
            first_span = span
        inside = s.points[s.points.index(first):s.points.index(last) + 1]
        gaps = [p.period for p in inside if p.value is None]
        if gaps:
            sentence = sentence[:-1] + f" (no value for {_join(gaps)})."
        sentences.append(sentence)
    if missing:
        sentences.append(f"There are no values for {_join(missing)}.")
    if len(sentences) == (1 if lead else 0):
        return "There are no values to show."
    return " ".join(sentences)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _ranks(bars: Sequence[Bar]) -> dict[int, int]:
    """Rank (1 = highest value) of each bar with a value, by position in ``bars``; ties share
    the better rank."""
    values = sorted((b.value for b in bars if b.value is not None), reverse=True)
    return {i: values.index(b.value) + 1 for i, b in enumerate(bars) if b.value is not None}


def compare_summary(bars: Sequence[Bar], benchmark: float | None, unit: str, *,
                    benchmark_label: str = "England", noun: tuple[str, str] = ("area", "areas")
                    ) -> str:
    """Plain English: how many are better, similar or worse than the benchmark, the range, the
    benchmark, the highlighted area's value and rank, and how many have no value."""
    one, many = noun
    valued = [b for b in bars if b.value is not None]
    sentences: list[str] = []
    lead = _unit_sentence(unit)
    if lead:
        sentences.append(lead)
    if not valued:
        sentences.append(f"There are no values to show for {_plural(len(bars), one, many)}.")
        return " ".join(sentences)
    fmt = _formatter([b.value for b in valued] + [benchmark], unit)
    counts = {key: 0 for key in _COMPARISON_ORDER}
    for b in valued:
        counts[_comparison(b.comparison)] += 1
    parts = []
    for key in _COMPARISON_ORDER:
        if counts[key]:
            verb = "is" if counts[key] == 1 else "are"
            parts.append(f"{counts[key]:,} {verb} {_comparison_words(key, benchmark_label)}")
    sentences.append(f"Of {_plural(len(valued), one + ' with a value', many + ' with a value')}, "
                     f"{_join(parts)}.")
    low = min(valued, key=lambda b: b.value)
    high = max(valued, key=lambda b: b.value)
    if len(valued) > 1:
        sentences.append(f"Values range from {fmt(low.value)} ({low.name}) to "
                         f"{fmt(high.value)} ({high.name}).")
    if benchmark is not None:
        sentences.append(f"The {benchmark_label} value is {fmt(benchmark)}.")
    ranks = _ranks(bars)
    for i, b in enumerate(bars):
        if not b.highlight:
            continue
        if b.value is None:
            sentences.append(f"{b.name} has no value.")
            continue
        sentences.append(
            f"{b.name} is {fmt(b.value)}, the {_ordinal(ranks[i])} highest of "
            f"{len(valued):,}, {_comparison_words(b.comparison, benchmark_label)}.")
    without = len(bars) - len(valued)
    if without:
        sentences.append(f"{_plural(without, one + ' has', many + ' have')} no value.")
    return " ".join(sentences)


# --- Data tables ------------------------------------------------------------------------------

def trend_table(series: Sequence[Series], unit: str) -> tuple[tuple[Column, ...],
                                                             tuple[tuple[str, ...], ...]]:
    """Columns and rows for the trend chart's table twin: one row per period, for each series
    its value and (for series with limits) the 95% limits."""
    periods = _periods(series)
    columns: list[Column] = [Column("Period")]
    with_limits = [any(p.lower is not None or p.upper is not None for p in s.points)
                   for s in series]
    for s, limits in zip(series, with_limits, strict=True):
        columns.append(Column(f"{s.name}", numeric=True))
        if limits:
            columns.append(Column(f"{s.name} lower 95% limit", numeric=True))
            columns.append(Column(f"{s.name} upper 95% limit", numeric=True))
    fmt = _formatter([v for s in series for p in s.points for v in (p.value, p.lower, p.upper)],
                     unit)
    rows = []
    for period in periods:
        row = [period]
        for s, limits in zip(series, with_limits, strict=True):
            point = next((p for p in s.points if p.period == period), None)
            row.append(_cell(point.value if point else None, fmt))
            if limits:
                row.append(_cell(point.lower if point else None, fmt))
                row.append(_cell(point.upper if point else None, fmt))
        rows.append(tuple(row))
    return tuple(columns), tuple(rows)


def compare_table(bars: Sequence[Bar], unit: str, *, benchmark_label: str = "England",
                  name_label: str = "Area") -> tuple[tuple[Column, ...], tuple[tuple[str, ...], ...]]:
    """Columns and rows for the compare chart's table twin, in the chart's order."""
    columns = (Column(name_label), Column("Value", numeric=True),
               Column("Lower 95% limit", numeric=True), Column("Upper 95% limit", numeric=True),
               Column(f"Compared with {benchmark_label}"))
    fmt = _formatter([v for b in bars for v in (b.value, b.lower, b.upper)], unit)
    rows = tuple(
        (b.name, _cell(b.value, fmt), _cell(b.lower, fmt), _cell(b.upper, fmt),
         _sentence_case(_comparison(b.comparison)) if b.value is not None else "")
        for b in _sorted_bars(bars))
    return columns, rows


def _cell(value: float | None, fmt) -> str:
    return "" if value is None else fmt(value)


def trend_figure(series: Sequence[Series], *, unit: str, title: str, caption: str | None = None,
                 description: str | None = None, csv_url: str = "", xlsx_url: str = "",
                 chart_id: str | None = None) -> ChartFigure:
    """A trend chart with its summary and table twin, ready for ``chart_figure.html``."""
    summary = trend_summary(series, unit)
    columns, rows = trend_table(series, unit)
    svg = trend_chart(series, unit=unit, title=title, description=description or summary,
                      chart_id=chart_id)
    return ChartFigure(caption=caption or title, svg=svg, summary=summary, columns=columns,
                       rows=rows, csv_url=csv_url, xlsx_url=xlsx_url)


def compare_figure(bars: Sequence[Bar], *, benchmark: float | None, benchmark_label: str,
                   unit: str, title: str, caption: str | None = None,
                   description: str | None = None, csv_url: str = "", xlsx_url: str = "",
                   name_label: str = "Area", chart_id: str | None = None) -> ChartFigure:
    """A compare chart with its summary and table twin, ready for ``chart_figure.html``."""
    summary = compare_summary(bars, benchmark, unit, benchmark_label=benchmark_label)
    columns, rows = compare_table(bars, unit, benchmark_label=benchmark_label,
                                  name_label=name_label)
    svg = compare_chart(bars, benchmark=benchmark, benchmark_label=benchmark_label, unit=unit,
                        title=title, description=description or summary, chart_id=chart_id)
    return ChartFigure(caption=caption or title, svg=svg, summary=summary, columns=columns,
                       rows=rows, csv_url=csv_url, xlsx_url=xlsx_url)


# --- Trend chart ------------------------------------------------------------------------------

def _periods(series: Sequence[Series]) -> list[str]:
    """Every period of every series, in the order first given."""
    seen: dict[str, None] = {}
    for s in series:
        for p in s.points:
            seen.setdefault(p.period, None)
    return list(seen)


VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def _config(label_size: int = LABEL_SIZE) -> dict:
    """Shared look: Arial, GOV.UK text colour, light gridlines, no ARIA on inner marks."""
    return {
        "font": FONT, "background": "white", "padding": 8, "aria": False,
        "view": {"stroke": None},
        "axis": {
            "labelFont": FONT, "titleFont": FONT, "labelFontSize": label_size,
            "titleFontSize": LABEL_SIZE, "labelColor": TEXT, "titleColor": TEXT,
            "titleFontWeight": "bold", "domainColor": DARK_GREY, "tickColor": DARK_GREY,
            "gridColor": GRID, "gridWidth": 1, "titlePadding": 10, "aria": False,
        },
        "legend": {
            "labelFont": FONT, "titleFont": FONT, "labelFontSize": LABEL_SIZE,
            "titleFontSize": LABEL_SIZE, "labelColor": TEXT, "titleColor": TEXT,
            "labelLimit": 400, "aria": False, "symbolStrokeWidth": 2,
        },
        "mark": {"aria": False},
    }


def _layer(name: str, values: list[dict], mark: dict, encoding: dict) -> dict:
    return {"name": name, "data": {"values": values}, "mark": mark, "encoding": encoding}


def _lines_layer(rows: list[dict], x: dict, unit: str, names: list[str], colours: list[str],
                 dashes: list) -> tuple[dict, dict]:
    """The colour encoding of the series and the layer of their lines (trend and trajectory
    charts): a line per series, its legend on top, the value axis from zero."""
    colour = {"field": "series", "type": "nominal", "scale": {"domain": names, "range": colours},
              "legend": None}
    legend = {"title": None, "orient": "top", "direction": "horizontal", "symbolType": "stroke",
              "symbolSize": 400, "columnPadding": 24}
    return colour, _layer("lines", rows, {"type": "line", "strokeWidth": 2.5,
                                          "invalid": "break-paths-filter-domains"}, {
        "x": x,
        "y": {"field": "value", "type": "quantitative", "scale": {"zero": True, "nice": True},
              "axis": {"title": _axis_title(unit), "grid": True, "tickCount": 6,
                       "domain": False, "ticks": False, "labelPadding": 6}},
        "color": {**colour, "legend": legend},
        "strokeDash": {"field": "series", "type": "nominal",
                       "scale": {"domain": names, "range": dashes}, "legend": None},
    })


def _trend_spec(series: Sequence[Series], unit: str) -> dict | None:
    """The Vega-Lite specification of a trend chart (None if no series has a value).

    Built as plain JSON rather than with Altair's classes: Altair takes ~30-70 ms to build and
    copy a spec, longer than vl-convert takes to draw it, and the spec is needed on every page
    view to find the cached SVG. Tests validate the specs against Altair's Vega-Lite schema."""
    drawn = [s for s in series if _valued(s.points)]
    if not drawn:
        return None
    periods = _periods(drawn)
    names, colours, dashes = [], [], []
    focus_index = 0
    for s in drawn:
        names.append(s.name)
        if s.role == "focus":
            colours.append(FOCUS_COLOURS[focus_index % len(FOCUS_COLOURS)])
            focus_index += 1
            dashes.append([1, 0])
        elif s.role == "region":
            colours.append(REGION_COLOUR)
            dashes.append([6, 4])
        else:
            colours.append(ENGLAND_COLOUR)
            dashes.append([1, 0])
    # Lines are drawn in the order given, so list the focus series last to draw it on top.
    rows = [{"series": s.name, "period": p.period, "value": p.value}
            for s in sorted(drawn, key=lambda s: s.role == "focus") for p in s.points]
    points = [{"series": s.name, "period": p.period, "value": p.value}
              for s in drawn if s.role == "focus" for p in s.points if p.value is not None]
    limits = [{"series": s.name, "period": p.period, "lower": p.lower, "upper": p.upper}
              for s in drawn if s.role == "focus" for p in s.points
              if p.lower is not None and p.upper is not None]

    longest = max(len(p) for p in periods)
    crowded = len(periods) * (longest * 8 + 12) > TREND_WIDTH
    x = {"field": "period", "type": "ordinal", "sort": periods,
         "scale": {"domain": periods, "paddingOuter": 0.3},
         "axis": {"title": "Period", "labelAngle": -45 if crowded else 0,
                  "labelAlign": "right" if crowded else "center", "labelOverlap": False,
                  "grid": False}}
    colour, lines_layer = _lines_layer(rows, x, unit, names, colours, dashes)
    layers = [lines_layer]
    if limits:
        layers.append(_layer("errorbars", limits, {"type": "rule", "strokeWidth": 1.5}, {
            "x": x, "y": {"field": "lower", "type": "quantitative"}, "y2": {"field": "upper"},
            "color": colour}))
        for end in ("lower", "upper"):
            layers.append(_layer(f"errorcaps_{end}", limits,
                                 {"type": "tick", "orient": "horizontal", "size": 10,
                                  "thickness": 1.5, "opacity": 1},
                                 {"x": x, "y": {"field": end, "type": "quantitative"},
                                  "color": colour}))
    if points:
        layers.append(_layer("points", points,
                             {"type": "point", "filled": True, "size": 70, "opacity": 1,
                              "shape": "circle", "stroke": "white", "strokeWidth": 1},
                             {"x": x, "y": {"field": "value", "type": "quantitative"},
                              "color": colour}))
    return {"$schema": VEGA_LITE_SCHEMA, "width": TREND_WIDTH, "height": TREND_HEIGHT,
            "layer": layers, "config": _config()}


def trend_chart(series: Sequence[Series], *, unit: str, title: str, description: str,
                chart_id: str | None = None) -> Markup:
    """An inline SVG trend chart (see the module docstring). Series with no values are left
    out of the chart (the summary says so); ``None`` values are gaps in the line; error bars
    (with caps) are drawn for the focus series' points that have both limits."""
    spec = _trend_spec(series, unit)
    if spec is None:
        return _empty_chart(title, description, chart_id)
    return _render(spec, title, description, chart_id)


# --- Trajectory chart -----------------------------------------------------------------------

TRAJECTORY_COLOUR = TEXT


def _trajectory_spec(actuals: Sequence[DatedPoint], trajectory: Sequence[DatedPoint], unit: str,
                     actual_name: str, trajectory_name: str) -> dict | None:
    """The Vega-Lite specification of a trajectory chart (None if nothing has a value)."""
    drawn_actuals = [p for p in actuals if p.value is not None]
    drawn_path = [p for p in trajectory if p.value is not None]
    if not drawn_actuals and not drawn_path:
        return None
    names, colours, dashes = [], [], []
    for name, points, colour, dash in ((actual_name, drawn_actuals, FOCUS_COLOURS[0], [1, 0]),
                                       (trajectory_name, drawn_path, TRAJECTORY_COLOUR, [6, 4])):
        if points:
            names.append(name)
            colours.append(colour)
            dashes.append(dash)

    def when(p):  # local noon: read and formatted in the same time zone, whatever it is
        return f"{p.on.isoformat()}T12:00:00"

    def row(name, p):
        return {"series": name, "date": when(p), "value": p.value}

    # The trajectory first, so the actual line is drawn on top of it. Gaps in the actuals
    # (hidden figures) break the line.
    lines = ([row(trajectory_name, p) for p in sorted(drawn_path, key=lambda p: p.on)]
             + [row(actual_name, p) for p in sorted(actuals, key=lambda p: p.on)])
    limits = [{"series": actual_name, "date": when(p), "lower": p.lower,
               "upper": p.upper} for p in drawn_actuals
              if p.lower is not None and p.upper is not None]
    x = {"field": "date", "type": "temporal", "scale": {"nice": False, "padding": 24},
         "axis": {"title": "Period end or target date", "format": "%b %Y",
                  "labelAngle": -45, "labelAlign": "right", "labelOverlap": True,
                  "grid": False,
                  # ticks on the dates drawn (the ends of periods, the targets' dates)
                  "values": sorted({when(p) for p in (*drawn_actuals, *drawn_path)})}}
    _colour, lines_layer = _lines_layer(lines, x, unit, names, colours, dashes)
    layers = [lines_layer]
    if limits:
        layers.append(_layer("errorbars", limits, {"type": "rule", "strokeWidth": 1.5,
                                                    "color": FOCUS_COLOURS[0]}, {
            "x": x, "y": {"field": "lower", "type": "quantitative"}, "y2": {"field": "upper"}}))
        for end in ("lower", "upper"):
            layers.append(_layer(f"errorcaps_{end}", limits,
                                 {"type": "tick", "orient": "horizontal", "size": 10,
                                  "thickness": 1.5, "opacity": 1, "color": FOCUS_COLOURS[0]},
                                 {"x": x, "y": {"field": end, "type": "quantitative"}}))
    if drawn_path:
        layers.append(_layer("targets", [row(trajectory_name, p) for p in drawn_path],
                             {"type": "point", "shape": "square", "filled": True, "size": 70,
                              "opacity": 1, "fill": "white", "stroke": TRAJECTORY_COLOUR,
                              "strokeWidth": 2},
                             {"x": x, "y": {"field": "value", "type": "quantitative"}}))
    if drawn_actuals:
        layers.append(_layer("points", [row(actual_name, p) for p in drawn_actuals],
                             {"type": "point", "shape": "circle", "filled": True, "size": 70,
                              "opacity": 1, "fill": FOCUS_COLOURS[0], "stroke": "white",
                              "strokeWidth": 1},
                             {"x": x, "y": {"field": "value", "type": "quantitative"}}))
    return {"$schema": VEGA_LITE_SCHEMA, "width": TREND_WIDTH, "height": TREND_HEIGHT,
            "layer": layers, "config": _config()}


def trajectory_chart(actuals: Sequence[DatedPoint], trajectory: Sequence[DatedPoint], *,
                     unit: str, title: str, description: str, actual_name: str = "Actual",
                     trajectory_name: str = "Trajectory", chart_id: str | None = None) -> Markup:
    """An inline SVG of actual figures against a trajectory (see the module docstring):
    ``trajectory`` is the baseline then the target points; an actual with no value (hidden)
    is a gap in the line."""
    spec = _trajectory_spec(actuals, trajectory, unit, actual_name, trajectory_name)
    if spec is None:
        return _empty_chart(title, description, chart_id)
    return _render(spec, title, description, chart_id)


# --- Compare chart ----------------------------------------------------------------------------

def _sorted_bars(bars: Sequence[Bar], descending: bool = True) -> list[Bar]:
    """Highest value first (lowest first if not ``descending``), areas with no value last;
    ties keep their given order."""
    valued = [b for b in bars if b.value is not None]
    valued.sort(key=lambda b: b.value, reverse=descending)
    return valued + [b for b in bars if b.value is None]


def _compare_spec(bars: Sequence[Bar], benchmark: float | None, benchmark_label: str, unit: str,
                  descending: bool = True) -> dict | None:
    """The Vega-Lite specification of a compare chart (None if no bar has a value)."""
    ordered = _sorted_bars(bars, descending)
    if not any(b.value is not None for b in ordered):
        return None
    # Unique labels for the band scale (two areas of the same name stay two rows).
    labels: list[str] = []
    for b in ordered:
        label, n = b.name, 2
        while label in labels:
            label, n = f"{b.name} ({n})", n + 1
        labels.append(label)
    legend_labels = {key: _sentence_case(_comparison_words(key, benchmark_label))
                     for key in _COMPARISON_ORDER}
    rows = [{"label": label, "value": b.value,
             "comparison": legend_labels[_comparison(b.comparison)],
             "outline": 2.5 if b.highlight else 0.75,
             "edge": TEXT if b.highlight else DARK_GREY}
            for label, b in zip(labels, ordered, strict=True) if b.value is not None]
    limits = [{"label": label, "lower": b.lower, "upper": b.upper}
              for label, b in zip(labels, ordered, strict=True)
              if b.lower is not None and b.upper is not None and b.value is not None]
    fmt = _formatter([b.value for b in ordered] + [benchmark], unit)
    present = [k for k in _COMPARISON_ORDER
               if any(_comparison(b.comparison) == k for b in ordered if b.value is not None)]

    n = len(ordered)
    many = n > 40
    step = 24 if n <= 20 else 18 if n <= 60 else 15
    label_size = LABEL_SIZE if not many else SMALL_LABEL_SIZE
    highlighted = [label for label, b in zip(labels, ordered, strict=True) if b.highlight]
    weight: object = "normal"
    if highlighted:
        weight = {"condition": {"test": f"indexof({json.dumps(highlighted)}, datum.value) >= 0",
                                "value": "bold"}, "value": "normal"}
    y = {"field": "label", "type": "nominal", "sort": labels,
         "scale": {"domain": labels, "paddingInner": 0.25},
         # labelLimit 0: never cut a name short (and Vega measures each label once, not
         # again to truncate it: text measurement is most of the time a big chart takes).
         "axis": {"title": None, "labelLimit": 0, "labelOverlap": False, "labelBound": False,
                  "labelFontWeight": weight, "labelFontSize": label_size, "ticks": False,
                  "labelPadding": 6, "grid": False}}
    x = {"field": "value", "type": "quantitative", "scale": {"zero": True, "nice": True},
         "axis": {"title": _axis_title(unit), "grid": True, "tickCount": 6,
                  "orient": "top" if many else "bottom"}}
    layers = [_layer("bars", rows, {"type": "bar"}, {
        "y": y, "x": x,
        "color": {"field": "comparison", "type": "nominal",
                  "scale": {"domain": [legend_labels[k] for k in present],
                            "range": [COMPARISON_COLOURS[k] for k in present]},
                  "legend": {"title": None, "orient": "top", "direction": "horizontal",
                             "symbolType": "square", "symbolStrokeColor": DARK_GREY,
                             "symbolStrokeWidth": 0.75, "columnPadding": 20, "columns": 3}},
        "stroke": {"field": "edge", "type": "nominal", "scale": None},
        "strokeWidth": {"field": "outline", "type": "quantitative", "scale": None},
    })]
    if limits:
        layers.append(_layer("whiskers", limits,
                             {"type": "rule", "color": TEXT, "strokeWidth": 1.25},
                             {"y": y, "x": {"field": "lower", "type": "quantitative"},
                              "x2": {"field": "upper"}}))
    if benchmark is not None:
        line = [{"benchmark": benchmark,
                 "text": f"{benchmark_label}: {fmt(benchmark)}"}]
        bx = {"field": "benchmark", "type": "quantitative"}
        layers.append(_layer("benchmark", line,
                             {"type": "rule", "color": TEXT, "strokeWidth": 2}, {"x": bx}))
        for halo in (True, False):
            mark = {"type": "text", "align": "left", "baseline": "bottom", "dx": 5, "dy": -3,
                    "fontSize": LABEL_SIZE, "fontWeight": "bold",
                    "color": "white" if halo else TEXT}
            if halo:
                mark.update(stroke="white", strokeWidth=4)
            layers.append(_layer("benchmark_halo" if halo else "benchmark_label", line, mark,
                                 {"x": bx, "y": {"value": n * step},
                                  "text": {"field": "text", "type": "nominal"}}))
    return {"$schema": VEGA_LITE_SCHEMA, "width": COMPARE_WIDTH, "height": {"step": step},
            "layer": layers, "config": _config(label_size)}


def compare_chart(bars: Sequence[Bar], *, benchmark: float | None, benchmark_label: str,
                  unit: str, title: str, description: str, descending: bool = True,
                  chart_id: str | None = None) -> Markup:
    """An inline SVG of horizontal bars, highest value first (``descending=False``: lowest
    first), areas with no value last and without a bar; 95% whiskers where both limits exist;
    a vertical line and label for the benchmark."""
    spec = _compare_spec(bars, benchmark, benchmark_label, unit, descending)
    if spec is None:
        return _empty_chart(title, description, chart_id)
    return _render(spec, title, description, chart_id)


# --- Spine chart ------------------------------------------------------------------------------

SPINE_WIDTH = 200
SPINE_HEIGHT = 24
SPINE_RANGE = "#c8cacc"   # all areas, lowest to highest (decoration: the numbers are in the row)
SPINE_IQR = "#6f777b"     # 25th to 75th percentile (4.6:1)


def spine_chart(*, lowest: float, q1: float, q3: float, highest: float, england: float,
                value: float | None, polarity: str, comparison: str, label: str,
                unit: str = "", benchmark_label: str = "England") -> Markup:
    """One row of a spine chart as a small inline SVG (200 × 24 user units).

    England is the centre line; each side is scaled to the larger of England's distances to
    the lowest and highest value, so the range bar may stop short on one side (as in
    Fingertips). Polarity "high": high values on the right (best); "low": low values on the
    right (best); "none": low on the left. The area's value is a circle coloured by its
    comparison (clamped inside the chart if outside the range)."""
    flip = polarity.strip().lower() in ("low", "low is good", "rag - low is good")
    half = max(england - lowest, highest - england, 0.0)
    if half <= 0 or not math.isfinite(half):
        half = abs(england) or 1.0
    margin = 7.0
    centre = SPINE_WIDTH / 2
    span = centre - margin

    def x(v: float) -> float:
        offset = (v - england) / half * span
        return round(centre - offset if flip else centre + offset, 2)

    def band(a: float, b: float) -> tuple[float, float]:
        x1, x2 = sorted((x(a), x(b)))
        return x1, round(max(x2 - x1, 1.0), 2)

    parts = []
    rx, rw = band(lowest, highest)
    parts.append(f'<rect class="cdphub-spine__range" x="{rx}" y="5" width="{rw}" height="14" '
                 f'fill="{SPINE_RANGE}"/>')
    qx, qw = band(q1, q3)
    parts.append(f'<rect class="cdphub-spine__iqr" x="{qx}" y="5" width="{qw}" height="14" '
                 f'fill="{SPINE_IQR}"/>')
    parts.append(f'<line class="cdphub-spine__benchmark" x1="{centre}" x2="{centre}" y1="1" '
                 f'y2="23" stroke="{TEXT}" stroke-width="2"/>')
    key = _comparison(comparison)
    if value is not None:
        vx = min(max(x(value), margin - 1), SPINE_WIDTH - margin + 1)
        parts.append(f'<circle class="cdphub-spine__value" cx="{vx}" cy="12" r="5.5" '
                     f'fill="{COMPARISON_COLOURS[key]}" stroke="{TEXT}" stroke-width="1.5"/>')
    worst, best = ("highest", "lowest") if flip else ("lowest", "highest")
    fmt = _formatter([lowest, q1, q3, highest, england, value], unit)
    if polarity.strip().lower() in ("none", "", "no judgement"):
        sides = f"lowest {fmt(min(lowest, highest))} on the left, highest " \
                f"{fmt(max(lowest, highest))} on the right"
    else:
        sides = (f"worst ({worst}) {fmt(lowest if not flip else highest)} on the "
                 f"left, best ({best}) {fmt(highest if not flip else lowest)} on "
                 f"the right")
    if value is None:
        stated = "No value."
    else:
        stated = f"Value {fmt(value)}, {_comparison_words(key, benchmark_label)}."
    description = (f"{stated} {benchmark_label} {fmt(england)} is the centre "
                   f"line. Range of all areas: {sides}; middle half from "
                   f"{fmt(min(q1, q3))} to {fmt(max(q1, q3))}.")
    digest = hashlib.sha256(json.dumps([lowest, q1, q3, highest, england, value, polarity,
                                        comparison, label, unit]).encode()).hexdigest()[:12]
    chart_id = f"spine-{digest}"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="cdphub-spine" role="img" '
           f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
           f'viewBox="0 0 {SPINE_WIDTH} {SPINE_HEIGHT}" width="{SPINE_WIDTH}" '
           f'height="{SPINE_HEIGHT}" focusable="false">'
           f'<title id="{chart_id}-title">{_xml(label)}</title>'
           f'<desc id="{chart_id}-desc">{_xml(description)}</desc>'
           + "".join(parts) + "</svg>")
    return Markup(svg)  # noqa: S704 (every text in it went through _xml)


# --- Rendering, cleaning and caching ----------------------------------------------------------

_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return escape(_NOT_XML.sub("", str(text)), quote=True)


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def set(self, key: str, value: str) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_local_cache = _LRU(128)
CACHE_TIMEOUT = 24 * 60 * 60


def _django_cache():
    """Django's default cache when settings are configured; None otherwise (for example in a
    script that never set up Django)."""
    try:
        from django.conf import settings

        if not settings.configured:
            return None
        from django.core.cache import cache

        return cache
    except Exception:  # noqa: BLE001 (Django missing or misconfigured: the LRU is enough)
        return None


def clear_cache() -> None:
    """Forget rendered charts held in this process (tests; Django's cache expires by itself)."""
    _local_cache.clear()


def _spec_key(spec: dict) -> str:
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{CACHE_VERSION}:{text}".encode()).hexdigest()


def _cached_body(spec: dict) -> str:
    """The cleaned SVG for ``spec`` with ``ID_PLACEHOLDER`` where its id goes."""
    key = _spec_key(spec)
    body = _local_cache.get(key)
    if body is not None:
        return body
    shared = _django_cache()
    cache_key = f"cdphub:chart:{key}"
    if shared is not None:
        try:
            body = shared.get(cache_key)
        except Exception:  # noqa: BLE001 (a cache outage must not break the page)
            body = None
        if body is not None:
            _local_cache.set(key, body)
            return body
    body = _clean_svg(vl_convert.vegalite_to_svg(spec))
    _local_cache.set(key, body)
    if shared is not None:
        try:
            shared.set(cache_key, body, CACHE_TIMEOUT)
        except Exception:  # noqa: BLE001 (a cache outage must not break the page)
            logger.warning("Could not store a rendered chart in the cache", exc_info=True)
    return body


_ROOT = re.compile(r"<svg\b[^>]*>")
_ATTR = re.compile(r'\s(?:role|aria-[a-z]+|style|focusable|tabindex)="[^"]*"')


def _clean_svg(svg: str) -> str:
    """Vega's SVG made safe to inline: our own root element (filled in by ``_render``),
    no ARIA or style attributes inside, ids prefixed with the chart's id."""
    root = _ROOT.search(svg)
    if root is None:
        raise ValueError("vl-convert returned no <svg> element")
    attrs = dict(re.findall(r'([\w:-]+)="([^"]*)"', root.group(0)))
    width, height = attrs.get("width", "600"), attrs.get("height", "400")
    view_box = attrs.get("viewBox", f"0 0 {width} {height}")
    inner = svg[root.end():svg.rindex("</svg>")]
    inner = _ATTR.sub("", inner)
    inner = re.sub(r"<style\b.*?</style>", "", inner, flags=re.S)
    inner = re.sub(r'\bid="([^"]+)"', rf'id="{ID_PLACEHOLDER}-\1"', inner)
    inner = re.sub(r"url\(#([^)]+)\)", rf"url(#{ID_PLACEHOLDER}-\1)", inner)
    inner = re.sub(r'href="#([^"]+)"', rf'href="#{ID_PLACEHOLDER}-\1"', inner)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'class="cdphub-chart__svg" role="img" '
            f'aria-labelledby="{ID_PLACEHOLDER}-title" aria-describedby="{ID_PLACEHOLDER}-desc" '
            f'viewBox="{view_box}" width="{width}" height="{height}" '
            f'preserveAspectRatio="xMinYMin meet" focusable="false" font-family="{FONT}">')
    return head + TITLE_PLACEHOLDER + inner + "</svg>"


def _chart_id(spec: dict, title: str, description: str) -> str:
    digest = hashlib.sha256(f"{_spec_key(spec)}\n{title}\n{description}".encode()).hexdigest()
    return f"chart-{digest[:12]}"


def _render(spec: dict, title: str, description: str, chart_id: str | None) -> Markup:
    body = _cached_body(spec)
    chart_id = _safe_id(chart_id) if chart_id else _chart_id(spec, title, description)
    heading = (f'<title id="{chart_id}-title">{_xml(title)}</title>'
               f'<desc id="{chart_id}-desc">{_xml(description)}</desc>')
    # Vega escapes the text it draws; our title and description go through _xml.
    return Markup(body.replace(ID_PLACEHOLDER, chart_id).replace(TITLE_PLACEHOLDER, heading))  # noqa: S704


def _safe_id(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", value)
    return cleaned if cleaned[:1].isalpha() else f"chart-{cleaned}"


def _empty_chart(title: str, description: str, chart_id: str | None) -> Markup:
    chart_id = _safe_id(chart_id) if chart_id else "chart-" + hashlib.sha256(
        f"empty\n{title}\n{description}".encode()).hexdigest()[:12]
    return Markup(  # noqa: S704 (every text in it went through _xml)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cdphub-chart__svg" role="img" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'viewBox="0 0 400 60" width="400" height="60" focusable="false" font-family="{FONT}">'
        f'<title id="{chart_id}-title">{_xml(title)}</title>'
        f'<desc id="{chart_id}-desc">{_xml(description)}</desc>'
        f'<text x="8" y="36" font-size="16" fill="{TEXT}">There are no values to show.</text>'
        f"</svg>")


def warm_up() -> float:
    """Start the JavaScript engine inside vl-convert by rendering a tiny chart (not cached);
    returns the seconds it took. Call once per process before the first page with a chart."""
    started = time.perf_counter()
    vl_convert.vegalite_to_svg({
        "data": {"values": [{"a": "x", "b": 1}]}, "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "nominal"},
                     "y": {"field": "b", "type": "quantitative"}},
    })
    return time.perf_counter() - started
