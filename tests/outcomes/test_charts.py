"""Server-rendered charts: structure of the SVG (parsed, not string-matched), accessibility
attributes, summaries, table twins, caching."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import altair as alt
import pytest
from django.template.loader import render_to_string

from cdphub.outcomes import charts
from cdphub.outcomes.charts import Bar, Point, Series

SVG = "{http://www.w3.org/2000/svg}"
_TRANSLATE = re.compile(r"translate\(([-\d.e]+),([-\d.e]+)\)")


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to prove it well-formed


def mark_group(root: ET.Element, name: str) -> list[ET.Element]:
    """The elements drawn by the Vega-Lite layer called ``name`` (all groups of it)."""
    return [child for g in root.iter(f"{SVG}g") if f"{name}_marks" in g.get("class", "").split()
            for child in g]


def translate(element: ET.Element) -> tuple[float, float]:
    match = _TRANSLATE.search(element.get("transform", ""))
    assert match, element.attrib
    return float(match.group(1)), float(match.group(2))


def axis_labels(root: ET.Element) -> list[list[ET.Element]]:
    """Label texts of each axis, in the order Vega drew the axes."""
    return [list(g) for g in root.iter(f"{SVG}g") if g.get("class") == "mark-text role-axis-label"]


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def trend_series() -> list[Series]:
    focus = Series("Greater Manchester", "focus", (
        Point("2015", 8.1, 7.0, 9.3),
        Point("2016", 9.0, None, 10.1),      # one limit only: no error bar
        Point("2017", None, None, None),     # a gap
        Point("2018", 10.2, 9.0, 11.5),
        Point("2019", 11.0),                 # no limits
        Point("2020", 12.4, 11.1, 13.8),
    ))
    region = Series("North West", "region", tuple(
        Point(str(y), v) for y, v in zip(range(2015, 2021), [6.0, 6.2, 6.9, 7.3, 7.5, 8.0],
                                         strict=True)))
    england = Series("England", "england", tuple(
        Point(str(y), v) for y, v in zip(range(2015, 2021), [4.9, 5.0, 5.1, 5.2, 5.4, 5.5],
                                         strict=True)))
    return [focus, region, england]


def compare_bars() -> list[Bar]:
    return [
        Bar("Rutland", 3.2, 1.0, 6.0, "better"),
        Bar("Blackpool", 21.5, 18.0, 25.1, "worst"),
        Bar("Bournemouth, Christchurch and Poole", 9.9, 8.0, 12.0, "similar"),
        Bar("Brighton & Hove <City>", 14.0, 12.1, 16.0, "worse", highlight=True),
        Bar("Isles of Scilly", None, None, None, "not compared"),
        Bar("Manchester", 7.5, None, None, "not compared"),
    ]


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    charts.clear_cache()
    cache.clear()
    yield
    charts.clear_cache()


# --- Trend chart ---------------------------------------------------------------------------

def test_error_bars_only_for_points_with_both_limits():
    series = trend_series()
    root = parse(charts.trend_chart(series, unit="per 100,000", title="Deaths", description="d"))
    both = [p for p in series[0].points if p.lower is not None and p.upper is not None]
    assert len(both) == 3
    rules = mark_group(root, "errorbars")
    assert len(rules) == len(both)
    assert all(r.tag == f"{SVG}line" for r in rules)
    # Each bar spans from the lower to the upper limit: its length is proportional to the
    # interval's width (the y scale is linear from zero).
    lengths = [abs(float(r.get("y2"))) for r in rules]
    widths = [p.upper - p.lower for p in both]
    ratios = [length / width for length, width in zip(lengths, widths, strict=True)]
    assert max(ratios) - min(ratios) < 0.01 * max(ratios)
    assert len(mark_group(root, "errorcaps_lower")) == len(both)
    assert len(mark_group(root, "errorcaps_upper")) == len(both)


def test_missing_values_are_gaps_not_zeros():
    series = trend_series()
    root = parse(charts.trend_chart(series, unit="per 100,000", title="Deaths", description="d"))
    points = mark_group(root, "points")
    with_value = [p for p in series[0].points if p.value is not None]
    assert len(points) == len(with_value) == 5
    # The x positions of the points are those of the periods with a value: 2017 has none.
    x_labels = {("".join(t.itertext())): translate(t)[0] for t in axis_labels(root)[0]}
    xs = sorted(round(translate(p)[0]) for p in points)
    assert xs == sorted(round(x_labels[p.period] + 0.5) for p in with_value)
    assert all(abs(translate(p)[0] - x_labels["2017"]) > 5 for p in points)
    # The focus line breaks at the gap: its path has two sub-paths (a move for each).
    dark_blue = [p for p in mark_group(root, "lines") if p.get("stroke") == charts.FOCUS_COLOURS[0]]
    assert len(dark_blue) == 1
    assert dark_blue[0].get("d").count("M") == 2
    # The lowest point is well above the zero line (a None drawn as 0 would sit on it).
    y_labels = {"".join(t.itertext()): translate(t)[1] for t in axis_labels(root)[1]}
    assert max(translate(p)[1] for p in points) < y_labels["0"] - 50


def test_series_roles_are_styled_and_a_series_without_values_is_left_out():
    series = [*trend_series(), Series("Nowhere", "region", (Point("2015", None),))]
    svg = charts.trend_chart(series, unit="%", title="T", description="d")
    root = parse(svg)
    lines = {p.get("stroke"): p for p in mark_group(root, "lines")}
    assert set(lines) == {charts.FOCUS_COLOURS[0], charts.REGION_COLOUR, charts.ENGLAND_COLOUR}
    assert lines[charts.REGION_COLOUR].get("stroke-dasharray") == "6,4"
    legend = texts(root)
    assert "Nowhere" not in legend
    assert {"Greater Manchester", "North West", "England"} <= set(legend)
    assert "Percentage (%)" in legend  # the y axis is labelled with the unit
    assert "There are no values for Nowhere." in charts.trend_summary(series, "%")


def test_trend_with_no_values_is_a_labelled_empty_chart():
    svg = charts.trend_chart([Series("A", "focus", (Point("2020", None),))], unit="%",
                             title="Nothing", description="No data")
    root = parse(svg)
    assert root.get("role") == "img"
    assert "There are no values to show." in texts(root)


# --- Compare chart -------------------------------------------------------------------------

def test_bars_are_sorted_by_value_and_names_are_not_cut_off():
    bars = compare_bars()
    root = parse(charts.compare_chart(bars, benchmark=9.3, benchmark_label="England",
                                      unit="per 100,000", title="Compare", description="d"))
    y_axis = next(labels for labels in axis_labels(root)
                  if any("Rutland" in "".join(t.itertext()) for t in labels))
    order = ["".join(t.itertext()) for t in sorted(y_axis, key=lambda t: translate(t)[1])]
    valued = sorted((b for b in bars if b.value is not None), key=lambda b: -b.value)
    assert order == [b.name for b in valued] + ["Isles of Scilly"]
    assert "Bournemouth, Christchurch and Poole" in order  # whole, no ellipsis
    assert not any("…" in name for name in order)
    bold = [t for t in y_axis if t.get("font-weight") == "bold"]
    assert ["".join(t.itertext()) for t in bold] == ["Brighton & Hove <City>"]
    # One bar per area with a value; whiskers only where both limits exist.
    assert len(mark_group(root, "bars")) == 5
    assert len(mark_group(root, "whiskers")) == 4


def _x_scale(root: ET.Element) -> tuple[float, float]:
    """(pixels per unit, pixel of zero) from the value axis's tick labels."""
    for labels in axis_labels(root):
        try:
            ticks = [(float("".join(t.itertext()).replace(",", "")), translate(t)[0])
                     for t in labels]
        except ValueError:
            continue
        (v0, x0), (v1, x1) = ticks[0], ticks[-1]
        per_unit = (x1 - x0) / (v1 - v0)
        return per_unit, x0 - v0 * per_unit
    raise AssertionError("no numeric axis")


def test_bar_lengths_and_the_benchmark_line_follow_the_value_axis():
    bars = compare_bars()
    root = parse(charts.compare_chart(bars, benchmark=9.3, benchmark_label="England",
                                      unit="per 100,000", title="Compare", description="d"))
    per_unit, zero = _x_scale(root)
    rule = mark_group(root, "benchmark")
    assert len(rule) == 1
    assert abs(translate(rule[0])[0] - (zero + 9.3 * per_unit)) < 1.5
    widths = sorted(float(re.search(r"h([-\d.]+)", p.get("d")).group(1))
                    for p in mark_group(root, "bars"))
    expected = sorted(b.value * per_unit for b in bars if b.value is not None)
    assert all(abs(w - e) < 1.5 for w, e in zip(widths, expected, strict=True))
    assert "England: 9.3" in texts(root)


def test_bar_colours_follow_the_comparison():
    bars = compare_bars()
    root = parse(charts.compare_chart(bars, benchmark=9.3, benchmark_label="England",
                                      unit="%", title="Compare", description="d"))
    per_unit, zero = _x_scale(root)
    by_width = {round(float(re.search(r"h([-\d.]+)", p.get("d")).group(1))): p.get("fill")
                for p in mark_group(root, "bars")}
    for bar in bars:
        if bar.value is None:
            continue
        key = {"worst": "worse"}.get(bar.comparison, bar.comparison)
        assert by_width[round(bar.value * per_unit)] == charts.COMPARISON_COLOURS[key], bar.name


def test_all_authorities_stay_legible():
    bars = [Bar(f"Authority with a fairly long name {i}", float(i % 37) + 0.5, float(i % 37),
                float(i % 37) + 1, "similar") for i in range(150)]
    root = parse(charts.compare_chart(bars, benchmark=18.0, benchmark_label="England",
                                      unit="per 100,000", title="All", description="d"))
    labels = [t for labels in axis_labels(root) for t in labels
              if "".join(t.itertext()).startswith("Authority")]
    assert len(labels) == 150
    ys = sorted(translate(t)[1] for t in labels)
    assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= 14  # rows do not overlap at 12px text
    assert float(root.get("height")) > 150 * 14


def test_text_is_at_least_12px_and_in_arial():
    for svg in (charts.trend_chart(trend_series(), unit="per 100,000", title="T", description="d"),
                charts.compare_chart(compare_bars(), benchmark=9.3, benchmark_label="England",
                                     unit="%", title="C", description="d")):
        root = parse(svg)
        sizes = [float(t.get("font-size").rstrip("px")) for t in root.iter(f"{SVG}text")]
        assert sizes and min(sizes) >= 12
        assert {t.get("font-family") for t in root.iter(f"{SVG}text")} <= {charts.FONT, None}
        assert root.get("font-family") == charts.FONT


# --- Spine chart ---------------------------------------------------------------------------

def spine(**overrides) -> ET.Element:
    values = dict(lowest=2.0, q1=5.0, q3=9.0, highest=20.0, england=7.0, value=4.0,
                  polarity="high", comparison="worse", label="Greater Manchester")
    values.update(overrides)
    return parse(charts.spine_chart(**values))


def _spine_parts(root):
    rects = {r.get("class"): r for r in root.iter(f"{SVG}rect")}
    line = next(root.iter(f"{SVG}line"))
    circles = list(root.iter(f"{SVG}circle"))
    return rects, float(line.get("x1")), circles


@pytest.mark.parametrize(("polarity", "value", "side"), [
    ("high", 4.0, "left"),    # low value, high is good: worse, on the left
    ("high", 15.0, "right"),
    ("low", 4.0, "right"),    # low value, low is good: better, on the right
    ("low", 15.0, "left"),
    ("none", 4.0, "left"),    # no judgement: low on the left
])
def test_spine_marker_sits_inside_the_range_on_the_polarity_side(polarity, value, side):
    root = spine(polarity=polarity, value=value)
    rects, centre, circles = _spine_parts(root)
    assert len(circles) == 1
    cx = float(circles[0].get("cx"))
    full = rects["cdphub-spine__range"]
    left, right = float(full.get("x")), float(full.get("x")) + float(full.get("width"))
    assert left <= cx <= right
    assert (cx < centre) if side == "left" else (cx > centre)
    iqr = rects["cdphub-spine__iqr"]
    assert left <= float(iqr.get("x")) and float(iqr.get("x")) + float(iqr.get("width")) <= right
    # England is the centre of the chart.
    assert centre == int(root.get("viewBox").split()[2]) / 2


def test_spine_range_direction_and_scaling():
    high, low = spine(polarity="high"), spine(polarity="low")
    h_rect = _spine_parts(high)[0]["cdphub-spine__range"]
    l_rect = _spine_parts(low)[0]["cdphub-spine__range"]
    # England 7 is 5 from the lowest and 13 from the highest: the far end reaches the edge on
    # the highest's side, which is the right for "high" and the left for "low".
    assert float(h_rect.get("x")) > float(l_rect.get("x"))
    assert float(h_rect.get("width")) == float(l_rect.get("width"))
    root = spine(value=None, comparison="not compared")
    assert list(root.iter(f"{SVG}circle")) == []
    assert "No value." in "".join(root.find(f"{SVG}desc").itertext())


def test_spine_marker_colour_and_labels():
    root = spine(comparison="best", value=15.0, unit="per 100,000")
    circle = next(root.iter(f"{SVG}circle"))
    assert circle.get("fill") == charts.COMPARISON_COLOURS["better"]
    assert root.get("role") == "img"
    ids = [root.get("aria-labelledby"), root.get("aria-describedby")]
    assert [root.find(f".//*[@id='{i}']").tag for i in ids] == [f"{SVG}title", f"{SVG}desc"]
    assert root.find(f"{SVG}title").text == "Greater Manchester"
    desc = root.find(f"{SVG}desc").text
    assert "better than England" in desc and "worst (lowest) 2.0" in desc


# --- Accessibility and safety of the markup ------------------------------------------------

def test_vl_convert_emits_presentation_attributes_not_styles():
    for spec in (charts._compare_spec(compare_bars(), 9.3, "England", "%"),
                 charts._trend_spec(trend_series(), "%")):
        raw = charts.vl_convert.vegalite_to_svg(spec)
        assert "style=" not in raw and "<style" not in raw
        assert 'fill="' in raw and 'stroke="' in raw
        # aria: false keeps Vega from labelling each mark; the root group still has a role,
        # which the cleaning removes (the test below checks nothing of it is left).
        assert 'role="graphics-symbol"' not in raw and "aria-label=" not in raw
        assert 'role="graphics-object"' in raw


def test_charts_are_one_labelled_image_with_unique_ids():
    first = charts.trend_chart(trend_series(), unit="%", title="Trend", description="Rising")
    second = charts.compare_chart(compare_bars(), benchmark=9.3, benchmark_label="England",
                                  unit="%", title="Compare", description="Spread")
    all_ids = []
    for svg, title, desc in ((first, "Trend", "Rising"), (second, "Compare", "Spread")):
        text = str(svg)
        assert "style=" not in text and "<style" not in text
        root = parse(svg)
        assert root.get("role") == "img"
        assert root.get("viewBox")
        assert root.get("class") == "cdphub-chart__svg"
        title_id, desc_id = root.get("aria-labelledby"), root.get("aria-describedby")
        assert root.find(f"{SVG}title").get("id") == title_id
        assert root.find(f"{SVG}title").text == title
        assert root.find(f"{SVG}desc").get("id") == desc_id
        assert root.find(f"{SVG}desc").text == desc
        inner = [e for e in root.iter() if e is not root]
        assert not [e.attrib for e in inner
                    if "role" in e.attrib or any(a.startswith("aria-") for a in e.attrib)]
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert all(i.startswith(title_id.removesuffix("-title")) for i in ids)
        # Every internal reference points at an id of this chart.
        for e in root.iter():
            for value in e.attrib.values():
                for ref in re.findall(r"url\(#([^)]+)\)", value):
                    assert ref in ids
        all_ids += ids
    assert len(all_ids) == len(set(all_ids))
    spines = [charts.spine_chart(lowest=1, q1=2, q3=3, highest=4, england=2.5, value=v,
                                 polarity="high", comparison="similar", label="S")
              for v in (2.0, 3.0)]
    spine_ids = [e.get("id") for s in spines for e in parse(s).iter() if e.get("id")]
    assert len(spine_ids) == len(set(spine_ids)) == 4


def test_same_chart_twice_on_a_page_can_be_given_its_own_id():
    a = charts.trend_chart(trend_series(), unit="%", title="T", description="d")
    b = charts.trend_chart(trend_series(), unit="%", title="T", description="d", chart_id="second")
    assert parse(a).find(f"{SVG}title").get("id") != parse(b).find(f"{SVG}title").get("id")
    assert parse(b).find(f"{SVG}title").get("id") == "second-title"


def test_names_are_escaped():
    bars = [Bar('A & B <script>"x"</script>', 1.0, 0.5, 1.5, "similar")]
    svg = charts.compare_chart(bars, benchmark=1.0, benchmark_label="England", unit="%",
                               title="<b>Title</b> & more", description="d")
    root = parse(svg)  # well-formed
    assert "<script>" not in str(svg)
    assert root.find(f"{SVG}title").text == "<b>Title</b> & more"
    assert 'A & B <script>"x"</script>' in texts(root)


# --- Specs, caching, speed -----------------------------------------------------------------

def test_specs_are_valid_vega_lite():
    for spec in (charts._trend_spec(trend_series(), "%"),
                 charts._compare_spec(compare_bars(), 9.3, "England", "%"),
                 charts._compare_spec(compare_bars(), None, "England", "per 1,000")):
        alt.TopLevelLayerSpec.validate(spec)


def test_rendered_svg_is_cached_by_spec(monkeypatch):
    from django.core.cache import cache

    calls = []
    real = charts.vl_convert.vegalite_to_svg

    def counting(spec, *args, **kwargs):
        calls.append(spec)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(charts.vl_convert, "vegalite_to_svg", counting)
    first = charts.trend_chart(trend_series(), unit="%", title="T", description="d")
    second = charts.trend_chart(trend_series(), unit="%", title="T", description="d")
    assert len(calls) == 1
    assert str(first) == str(second)
    # The in-process copy gone, Django's cache still has it.
    charts.clear_cache()
    third = charts.trend_chart(trend_series(), unit="%", title="T", description="d")
    assert len(calls) == 1 and str(third) == str(first)
    assert cache.get(f"cdphub:chart:{charts._spec_key(calls[0])}") is not None
    # A new title reuses the drawing; different data draws again.
    retitled = charts.trend_chart(trend_series(), unit="%", title="Other", description="d")
    assert len(calls) == 1 and ">Other</title>" in str(retitled)
    changed = trend_series()
    changed[0] = Series(changed[0].name, "focus", changed[0].points[:-1])
    charts.trend_chart(changed, unit="%", title="T", description="d")
    assert len(calls) == 2


def test_works_without_django_settings():
    code = (
        "import os; os.environ.pop('DJANGO_SETTINGS_MODULE', None)\n"
        "from cdphub.outcomes import charts\n"
        "assert charts._django_cache() is None\n"
        "s = charts.trend_chart([charts.Series('A', 'focus', (charts.Point('2020', 1.0),"
        " charts.Point('2021', 2.0)))], unit='%', title='T', description='d')\n"
        "print('role=\"img\"' in s)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code],  # noqa: S603 - our own code
                            capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_warm_up_and_render_times():
    assert charts.warm_up() < 10
    started = time.perf_counter()
    charts.trend_chart(trend_series(), unit="%", title="T", description="d")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    charts.trend_chart(trend_series(), unit="%", title="T", description="d")
    warm = time.perf_counter() - started
    assert warm < cold and warm < 0.05, (cold, warm)


# --- Words and tables ----------------------------------------------------------------------

def test_format_value():
    assert charts.format_value(12345.67, "per 100,000") == "12,345.7"
    assert charts.format_value(12345.0, "people") == "12,345"
    assert charts.format_value(2.25, "homicides") == "2.2"  # not whole: 1 decimal place
    assert charts.format_value(47.04, "%") == "47.0%"
    assert charts.format_value(None, "%") == "no value"
    assert charts.format_value(-0.04, "%") == "0.0%"


def test_trend_summary():
    text = charts.trend_summary(trend_series(), "per 100,000")
    assert text.startswith("Values are per 100,000.")
    assert ("For Greater Manchester, the value rose from 8.1 in 2015 to 12.4 in 2020 "
            "(no value for 2017).") in text
    assert "For North West, it rose from 6.0 to 8.0 over the same period." in text
    assert "For England, it rose from 4.9 to 5.5 over the same period." in text
    falling = [Series("X", "focus", (Point("2019/20", 1500.0), Point("2020/21", 1200.0)))]
    assert charts.trend_summary(falling, "people") == (
        "Values are numbers of people. For X, the value fell from 1,500 in 2019/20 to 1,200 in "
        "2020/21.")
    assert charts.trend_summary([], "%") == "There are no values to show."
    # One number of decimal places across a chart's values.
    mixed = [Series("Y", "focus", (Point("2020", 2.0), Point("2021", 2.25)))]
    assert "from 2.0 in 2020 to 2.2 in 2021" in charts.trend_summary(mixed, "people")


def test_compare_summary():
    text = charts.compare_summary(compare_bars(), 9.3, "per 100,000")
    assert "Of 5 areas with a value, 1 is better than England, 1 is similar to England, " \
           "2 are worse than England and 1 is not compared with England." in text
    assert "Values range from 3.2 (Rutland) to 21.5 (Blackpool)." in text
    assert "The England value is 9.3." in text
    assert ("Brighton & Hove <City> is 14.0, the 2nd highest of 5, worse than England."
            in text)
    assert text.endswith("1 area has no value.")


def test_tables_and_figure_template():
    columns, rows = charts.trend_table(trend_series(), "per 100,000")
    assert [c.label for c in columns] == [
        "Period", "Greater Manchester", "Greater Manchester lower 95% limit",
        "Greater Manchester upper 95% limit", "North West", "England"]
    assert rows[2] == ("2017", "", "", "", "6.9", "5.1")
    assert rows[1][2] == "" and rows[1][3] == "10.1"

    figure = charts.compare_figure(compare_bars(), benchmark=9.3, benchmark_label="England",
                                   unit="per 100,000", title="Deaths by area",
                                   csv_url="/data.csv")
    assert [r[0] for r in figure.rows][:2] == ["Blackpool", "Brighton & Hove <City>"]
    assert figure.rows[-1] == ("Isles of Scilly", "", "", "", "")
    assert figure.rows[0][4] == "Worse"
    html = render_to_string("includes/chart_figure.html", {"chart": figure})
    root = ET.fromstring(html)  # noqa: S314 - our own output
    assert root.tag == "figure"
    assert "".join(root.find("figcaption").itertext()) == "Deaths by area"
    assert root.find(f".//{SVG}svg") is not None
    body_rows = root.findall(".//tbody/tr")
    assert len(body_rows) == len(compare_bars())
    first = body_rows[0]
    assert first[0].tag == "th" and first[0].get("scope") == "row"
    assert "govuk-table__cell--numeric" in first[1].get("class")
    assert "".join(body_rows[-1][1].itertext()) == "–"
    links = [a for a in root.iter("a")]
    assert [a.get("href") for a in links] == ["/data.csv"]
    assert "&lt;City&gt;" in html and "<City>" not in html.replace(str(figure.svg), "")
