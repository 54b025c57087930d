"""A partnership's outcomes: the overview of every metric, one metric's page, their downloads,
and the national commitments page. Figures come from stored values (``dashboard.py``)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse

from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import table_response
from cdphub.framework.outcomes import outcomes_framework
from cdphub.geography.hexmap import HexMapRow, hexmap_layout, legend_items, render_hexmap
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import annotations, charts, dashboard, downloads
from .loading import GEOGRAPHY_LABELS
from .models import Metric
from .published import Figures, breakdown_label, partnership_metrics
from .summary import (
    format_value,
    metric_sentence,
    newest_end,
    overview_paragraph,
    with_unit,
)

FIGURE_COLUMNS = [("value", "Value"), ("lower_95", "Lower 95% limit"),
                  ("upper_95", "Upper 95% limit"), ("lower_99_8", "Lower 99.8% limit"),
                  ("upper_99_8", "Upper 99.8% limit"), ("numerator", "Count (numerator)"),
                  ("denominator", "Denominator")]


def _section(partnership: Partnership) -> dict:
    """The partnership's section navigation, with Outcomes as the current section."""
    return {"partnership": partnership, "section": "outcomes",
            "partnership_sections": sections_for(partnership.slug)}


def _partnership(slug: str, **_kwargs) -> Partnership:
    return get_object_or_404(Partnership.objects.select_related("region"), slug=slug)


def _metric_for(partnership: Partnership, key: str) -> Metric:
    metric = Metric.objects.filter(key=key).first()
    if metric is None or (metric.partnership_id not in (None, partnership.pk)):
        raise Http404("No such metric for this partnership.")
    return metric


def _figure_dict(figure, prefix: str = "") -> dict:
    if figure is None:
        return {}
    return {f"{prefix}{name}": getattr(figure, name) for name, _ in FIGURE_COLUMNS}


# --------------------------------------------------------------------------- overview


@access("partnerships.view_partnership", load=_partnership)
def overview(request, partnership: Partnership, slug: str):
    metrics = partnership_metrics(partnership)
    can_define = request.user.has_perm("outcomes.define_local_metric", partnership)
    # Notes from the apps above (a local target's progress): asked on every request, since
    # they change with those apps' records as well as the values, and part of the key.
    notes = annotations.annotations_for(partnership, [m.key for m in metrics])
    # "overview-2": the cached value now has two parts; a shared cache may still hold entries
    # of the one-part shape under the old kind.
    key = dashboard.cache_key("overview-2", partnership, metrics, can_define,
                              annotations.digest(notes))

    def build():
        context = {"partnership": partnership, "legend": _legend(),
                   "can_define_metrics": can_define, **_overview_context(partnership, metrics)}
        for row in context["data"].rows:
            row.annotations = notes.get(row.metric.key, [])
        # Two parts: the introduction beside the side navigation, the table below it.
        return {"body": render_to_string("outcomes/dashboard/_overview_body.html", context),
                "table": render_to_string("outcomes/dashboard/_overview_table.html", context)}

    return render(request, "outcomes/dashboard/overview.html", {
        **_section(partnership), **dashboard.cached(key, build)})


def _overview_context(partnership: Partnership, metrics) -> dict:
    """Everything the overview shows that does not depend on who is looking (cached)."""
    data = dashboard.overview(partnership, metrics)
    current = newest_end(data.rows)
    for row in data.rows:
        row.sentence = metric_sentence(row.metric.name, row.metric.method, row.metric.unit,
                                       row.figure, row.england, row.newest, current)
        if row.missing:  # what is missing, rather than "no figure yet"
            row.sentence = f"{row.metric.name}: no figure for the partnership yet ({row.missing})."
        row.url = reverse("partnerships:outcome-metric", args=[partnership.slug, row.metric.key])
        row.spine_svg = _spine(row, _short_name(partnership))
        method, unit = row.metric.method, row.metric.unit
        row.value_text = _value_text(row.figure, method, unit)
        row.region_text = _value_text(row.region, method, unit)
        row.england_text = _value_text(row.england, method, unit)
        row.trend_arrow, row.trend_text = trend_display(row.figure.trend if row.figure else "")
    return {"data": data, "paragraph": overview_paragraph(_short_name(partnership), data.rows)}


def _value_text(figure, method: str, unit: str) -> str:
    if figure is None:
        return "–"
    if figure.suppressed:
        return "Not shown (small numbers)"
    return format_value(figure.value, method, unit)


TREND_ARROWS = {"increasing": "↑", "decreasing": "↓", "no significant change": "→"}


def trend_display(trend: str) -> tuple[str, str]:
    """(arrow, words) for a trend: ('↑', 'Increasing, getting worse')."""
    if not trend:
        return "", ""
    head, _, judgement = trend.partition(" and ")
    words = head.capitalize() + (f", {judgement}" if judgement else "")
    return TREND_ARROWS.get(head, ""), words


def _short_name(partnership: Partnership) -> str:
    return partnership.name.removesuffix(" Combating Drugs Partnership")


def _legend():
    return [("better", "Better than England"), ("similar", "Similar to England"),
            ("worse", "Worse than England"), ("higher", "Higher or lower (no judgement)"),
            ("not-compared", "Not compared")]


def _spine(row, short: str):
    if row.spine is None:
        return ""
    figure = row.figure
    return charts.spine_chart(lowest=row.spine.lowest, q1=row.spine.q1, q3=row.spine.q3,
                       highest=row.spine.highest, england=row.spine.england,
                       value=figure.value if figure else None, polarity=row.metric.polarity,
                       comparison=figure.comparison if figure else "",
                       label=f"{row.metric.name}: where {short} sits among "
                             f"{row.spine.areas} {row.spine.label}")


@access("partnerships.view_partnership", load=_partnership)
def overview_download(request, partnership: Partnership, slug: str, fmt: str):
    data = dashboard.overview(partnership)
    labels = {o.key: o.label for o in outcomes_framework().outcomes}
    page = request.build_absolute_uri(reverse("partnerships:outcomes", args=[partnership.slug]))
    about = downloads.about(title=f"Outcomes overview: {partnership.name}", url=page,
                            synthetic=data.is_synthetic,
                            filters=[("Partnership", partnership.name)])
    table = downloads.overview_table(partnership, data.rows, outcome_labels=labels,
                                     trend_words=lambda trend: trend_display(trend)[1],
                                     about=about)
    return table_response(table, fmt, f"{partnership.slug}-outcomes")


# --------------------------------------------------------------------------- one metric


def _metric_context(partnership: Partnership, metric: Metric, compare: str | None):
    view = dashboard.metric_view(partnership, metric, today())
    choice, compared = dashboard.comparators(view, compare)
    tables = metric_tables(view, compared, choice)
    return view, tables, choice, compared


def _metric_page_context(partnership: Partnership, metric: Metric, compare: str | None) -> dict:
    """Everything the metric page shows that does not depend on who is looking (cached)."""
    view, tables, choice, compared = _metric_context(partnership, metric, compare)
    for table in tables.values():
        table["display"] = [[_display(metric, row.get(k), k) for k, _ in table["columns"]]
                            for row in table["rows"]]
    latest = view.latest
    return {
        "metric": metric, "view": view, "tables": tables,
        "charts": _charts(view, tables, compared), "hexmap": _hexmap(view, tables),
        "short_name": partnership.name.removesuffix(" Combating Drugs Partnership"),
        "geography": GEOGRAPHY_LABELS.get(metric.geography, metric.geography),
        "sentence": metric_sentence(metric.name, metric.method, metric.unit, latest,
                                    view.latest_england,
                                    view.england_series[-1] if view.england_series else None),
        "headline": [(label, f, with_unit(f.value if f else None, metric.method, metric.unit))
                     for label, f in (("short", latest), ("region", view.latest_region),
                                      ("england", view.latest_england))],
        "compare_choice": choice,
        "compare_options": [(key, dashboard.COMPARE_CHOICES[key])
                            for key in dashboard.compare_options(view)],
    }


def metric_tables(view: dashboard.MetricView, compared, choice: str) -> dict[str, dict]:
    """Every table on the metric page, by name: columns and rows, for the page and downloads."""
    metric = view.metric
    trend_rows = []
    by_period = {}
    for name, series in (("partnership", view.own), ("region", view.region_series),
                         ("england", view.england_series)):
        for figure in series:
            entry = by_period.setdefault((figure.period_end, figure.period_start),
                                         {"period": figure.period_label})
            entry[f"{name}_value"] = figure.value
            entry[f"{name}_lower_95"] = figure.lower_95
            entry[f"{name}_upper_95"] = figure.upper_95
            if name == "partnership":
                entry["numerator"] = figure.numerator
                entry["denominator"] = figure.denominator
                entry["comparison"] = figure.comparison
    trend_rows = [by_period[key] for key in sorted(by_period)]
    short = view.partnership.name.removesuffix(" Combating Drugs Partnership")
    tables = {
        "trend": {
            "title": f"{metric.name}: {short}, {view.region.name} and England over time",
            "columns": [("period", "Period"), ("partnership_value", short),
                        ("partnership_lower_95", "Lower 95%"),
                        ("partnership_upper_95", "Upper 95%"),
                        ("numerator", "Count"), ("comparison", "Compared with England"),
                        ("region_value", view.region.name), ("england_value", "England")],
            "rows": trend_rows,
        },
        "compare": {
            "title": f"{metric.name}: {dashboard.COMPARE_CHOICES.get(choice, '')} "
                     f"({_period(view)})",
            "columns": [("name", "Name"), *FIGURE_COLUMNS[:3],
                        ("comparison", "Compared with England")],
            "rows": sorted(({"name": name, **_figure_dict(f), "comparison": f.comparison,
                             "highlight": mine} for name, f, mine in compared),
                           key=lambda r: (r["value"] is None, -(r["value"] or 0))),
        },
        "authorities": {
            "title": f"{metric.name}: the footprint's authorities ({_period(view)})",
            "columns": [("name", "Authority"), ("code", "Code"), *FIGURE_COLUMNS[:3],
                        ("numerator", "Count"), ("comparison", "Compared with England")],
            "rows": [{"name": a.name, "code": a.code, **_figure_dict(f),
                      "comparison": f.comparison if f else ""} for a, f in view.authorities],
        },
        "region": {
            "title": f"{metric.name}: authorities in {view.region.name} ({_period(view)})",
            "columns": [("name", "Authority"), ("code", "Code"), *FIGURE_COLUMNS[:3],
                        ("comparison", "Compared with England")],
            "rows": [{"name": a.name, "code": a.code, **_figure_dict(f),
                      "comparison": f.comparison} for a, f in view.region_authorities],
        },
        "map": {
            "title": f"{metric.name}: every upper-tier authority ({_period(view)})",
            "columns": [("name", "Authority"), ("code", "Code"), *FIGURE_COLUMNS[:3],
                        ("comparison", "Compared with England")],
            "rows": sorted(({"name": a.name, "code": a.code, **_figure_dict(f),
                             "comparison": f.comparison}
                            for a, f in view.map_figures.values()), key=lambda r: r["name"]),
        },
        "breakdowns": {
            "title": f"{metric.name} by breakdown: {short} and England ({_period(view)})",
            "columns": [("breakdown", "Breakdown"), *FIGURE_COLUMNS[:3],
                        ("numerator", "Count"), ("england_value", "England"),
                        ("comparison", "Compared with England")],
            "rows": [{"breakdown": f.breakdown_label, **_figure_dict(f),
                      "england_value": e.value if e else None, "comparison": f.comparison}
                     for f, e in view.breakdowns],
        },
    }
    return tables


def _period(view) -> str:
    anchor = view.latest or view.latest_england
    return anchor.period_label if anchor else "no data"


@access("partnerships.view_partnership", load=_partnership)
def metric_page(request, partnership: Partnership, slug: str, key: str):
    metric = _metric_for(partnership, key)
    # An unknown value shows the default page, so it shares the default's cache entry:
    # made-up values cannot each force a fresh render and a new cache entry.
    compare = request.GET.get("compare")
    if compare not in dashboard.COMPARE_CHOICES:
        compare = None
    can_view_loads = request.user.has_perm("outcomes.view_loads")
    cache_key = dashboard.cache_key("metric", partnership, [metric], compare, today(),
                                    can_view_loads)

    def build():
        context = {"partnership": partnership, "legend": _legend(),
                   "can_view_loads": can_view_loads,
                   **_metric_page_context(partnership, metric, compare)}
        body = render_to_string("outcomes/dashboard/_metric_body.html", context)
        return {"body": body, "metric": metric}

    return render(request, "outcomes/dashboard/metric.html", {
        **_section(partnership), **dashboard.cached(cache_key, build)})


def _display(metric: Metric, value, key: str) -> str:
    if value is None:
        return ""
    if key == "comparison":
        return dashboard.COMPARISON_STYLES.get(value, ("", value.capitalize()))[1]
    if isinstance(value, float):
        if key in ("numerator", "denominator"):
            return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
        return format_value(value, metric.method, metric.unit)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _charts(view, tables, compared) -> dict:
    """Chart SVGs (cached by their spec in ``charts``); empty where there is nothing to draw.

    A count compares areas among themselves: England's and the region's totals are given as
    figures under the charts (``totals``), not drawn as lines or a benchmark on their axis."""
    metric = view.metric
    short = view.partnership.name.removesuffix(" Combating Drugs Partnership")
    count = metric.method == "count"
    totals = ""
    if count:
        totals = charts.totals_text(
            [(name, f.value, f.period_label) for name, f in (
                ("England", view.latest_england), (view.region.name, view.latest_region))
             if f is not None], metric.unit)
    result = {}
    series = []
    for name, role, figures in ((short, "focus", view.own),
                                (view.region.name, "region", view.region_series),
                                ("England", "england", view.england_series)):
        if figures and not (count and role != "focus"):
            series.append(charts.Series(name=name, role=role, points=tuple(
                charts.Point(f.period_label, f.value, f.lower_95, f.upper_95)
                for f in figures)))
    if series:
        result["trend"] = {
            "svg": charts.trend_chart(series, unit=metric.unit, title=tables["trend"]["title"],
                                      description=charts.trend_summary(series, metric.unit)),
            "summary": charts.trend_summary(series, metric.unit), "totals": totals}
    bars = [charts.Bar(name=name, value=f.value, lower=f.lower_95, upper=f.upper_95,
                       comparison=f.comparison, highlight=mine)
            for name, f, mine in compared]
    if bars:
        benchmark = view.latest_england.value if view.latest_england and not count else None
        result["compare"] = {
            "svg": charts.compare_chart(bars, benchmark=benchmark, benchmark_label="England",
                                        unit=metric.unit, title=tables["compare"]["title"],
                                        description=charts.compare_summary(bars, benchmark,
                                                                           metric.unit)),
            "summary": charts.compare_summary(bars, benchmark, metric.unit), "totals": totals}
    return result


def _hexmap(view, tables) -> dict | None:
    """The hex map of every authority's latest figure, coloured by comparison with England,
    with the footprint outlined (metrics published for authorities only)."""
    if not view.map_figures:
        return None
    layout = hexmap_layout()
    metric = view.metric
    short = view.partnership.name.removesuffix(" Combating Drugs Partnership")
    fills, titles, rows = {}, {}, []
    for code, (area, figure) in sorted(view.map_figures.items(), key=lambda i: i[1][0].name):
        comparison = figure.comparison if figure.value is not None else None
        try:
            layout.resolve(code)
        except ValueError:  # a code split before the layout's date (Cumbria): table only
            pass
        else:
            fills[code] = comparison
        text = with_unit(figure.value, metric.method, metric.unit)
        titles[code] = (f"{area.name}: {text} ({figure.comparison_text.lower()})"
                        if figure.value is not None else f"{area.name}: no figure shown")
        rows.append(HexMapRow(area.name, format_value(figure.value, metric.method, metric.unit),
                              figure.comparison_text if figure.value is not None else "",
                              code in view.footprint_codes))
    caption = tables["map"]["title"]
    return {
        "svg": render_hexmap(fills, outline=view.footprint_codes & set(fills),
                             titles={c: t for c, t in titles.items() if c in fills},
                             label=caption, highlight_label=short),
        "legend": legend_items(set(fills.values()), outline_label=short),
        "rows": rows, "caption": caption,
    }


METRIC_TABLES = ("trend", "compare", "authorities", "region", "map", "breakdowns")


@access("partnerships.view_partnership", load=_partnership)
def metric_download(request, partnership: Partnership, slug: str, key: str, table: str,
                    fmt: str):
    metric = _metric_for(partnership, key)
    if table not in METRIC_TABLES:
        raise Http404("No such table.")
    view, tables, choice, compared = _metric_context(partnership, metric,
                                                     request.GET.get("compare"))
    page = reverse("partnerships:outcome-metric", args=[partnership.slug, metric.key])
    filters = [("Partnership", partnership.name)]
    if table == "compare" and choice:
        page += f"?compare={choice}"
        filters.append(("Compared with", dashboard.COMPARE_CHOICES[choice]))
    about = downloads.about(metric, title=tables[table]["title"],
                            url=request.build_absolute_uri(page),
                            synthetic=view.is_synthetic, filters=filters,
                            note=view.latest.geography_note if view.latest else "")
    return table_response(downloads.metric_table(table, view, compared, about=about), fmt,
                          f"{partnership.slug}-{metric.key}-{table}")


# --------------------------------------------------------------------------- national


@access("outcomes.view_metric")
def commitments(request):
    """Box 1: the national commitments to 2024/25, each with the latest England figure."""
    framework = outcomes_framework()
    items, synthetic = _commitment_items(framework)
    return render(request, "outcomes/dashboard/commitments.html",
                  {"items": items, "synthetic": synthetic, "title": framework.title})


@access("outcomes.view_metric")
def commitments_download(request, fmt: str):
    framework = outcomes_framework()
    items, synthetic = _commitment_items(framework)
    about = downloads.about(
        title="National commitments to 2024/25 (Box 1) with the latest England figures",
        url=request.build_absolute_uri(reverse("outcomes:commitments")), synthetic=synthetic)
    return table_response(downloads.commitments_table(items, about=about), fmt,
                          "national-commitments")


def _commitment_items(framework):
    metrics = {m.key: m for m in Metric.objects.filter(partnership__isnull=True)}
    # Each commitment is measured by its own part of a metric (its breakdown, or the total):
    # the opiate group's growth is credited to the opiate and crack commitment, the growth of
    # everyone in treatment to the 54,500 new places.
    breakdowns = {c.breakdown for c in framework.commitments}
    values = {}
    for value in (Figures.published().filter(area__code=dashboard.ENGLAND_CODE,
                                             breakdown__in=breakdowns,
                                             metric__in=metrics.values())
                  .order_by("period_end", "period_start")):
        values.setdefault((value.metric_id, value.breakdown), []).append(value)
    items = []
    synthetic = False
    for commitment in framework.commitments:
        metric = metrics.get(commitment.metric) if commitment.metric else None
        series = ([v for v in values.get((metric.pk, commitment.breakdown), [])
                   if not v.suppressed] if metric else [])
        latest = series[-1] if series else None
        baseline = next((v for v in series if v.period_end.year >= framework.commitment_baseline.year), None)
        change = None
        if latest is not None and baseline is not None and baseline is not latest \
                and metric.method == "count" and latest.value is not None \
                and baseline.value is not None:
            change = latest.value - baseline.value
        synthetic = synthetic or bool(latest and latest.is_synthetic)
        items.append({
            "commitment": commitment, "metric": metric, "latest": latest,
            "breakdown_label": breakdown_label(commitment.breakdown).lower(),
            "baseline": baseline if change is not None else None,
            "latest_text": with_unit(latest.value, metric.method, metric.unit)
            if latest is not None else "",
            "change_text": (f"{change:+,.0f}" if change is not None else ""),
            "progress": (round(100 * change / commitment.target)
                         if change is not None and commitment.target else None),
            "change": change,
        })
    return items, synthetic
