"""The outcomes downloads: every table of figures as CSV and XLSX, in the one convention
(``docs/downloads.md``, written by ``cdphub.core.downloads``).

Every row says what it is (metric, unit, source), when (the period's label, first and last
day), where (names with codes), how it compares (in the words the pages use) and whether it
is synthetic; a count has no denominator; England's value sits beside a figure wherever the
page shows it. The XLSX "About" sheet carries the metric's definition, method, polarity and
the data note, the page it came from and the small-numbers rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdphub.core.downloads import (
    COUNT,
    DATE,
    FLAG,
    NUMBER,
    SUPPRESSION_NOTE,
    About,
    Column,
    Table,
)

from .published import COMPARISON_STYLES, Figure

SYNTHETIC_NOTE = ("SYNTHETIC DEMO DATA: these figures were simulated for a demonstration of "
                  "cdphub and are not real statistics.")
COMPARISON_NOTE = ("Compared with England by overlap of 95% confidence intervals (and 99.8% "
                   "for the 99.8% level), as OHID Fingertips does.")
LICENCE = ("Figures from the sources named, as cdphub publishes them: contains public sector "
           "information licensed under the Open Government Licence v3.0. A partnership's "
           "local metrics are its own figures: ask the partnership before publishing them.")


def published_decimals(method: str) -> int:
    """The decimal places the pages show (``numbers.format_number``'s rule): counts whole,
    rates and percentages to one place."""
    return 0 if method == "count" else 1


def comparison_words(code: str | None, benchmark: str = "England") -> str:
    """A comparison in the words the pages use (``published.COMPARISON_STYLES``, as the
    metric page's tables and the legend show it): 'Worse than England (99.8% level)'. With
    another ``benchmark`` ('the region'), the same words with its name."""
    text = COMPARISON_STYLES.get(code or "", ("", (code or "").capitalize()))[1]
    return text.replace("England", benchmark) if benchmark != "England" else text


def about(metric=None, *, title: str, url: str = "", note: str = "", synthetic: bool = False,
          filters: Sequence[tuple[str, str]] = ()) -> About:
    details = []
    if metric is not None:
        details = [("Metric", metric.name), ("Metric key", metric.key),
                   ("Definition", metric.definition), ("Unit", metric.unit),
                   ("Method", metric.get_method_display()),
                   ("Polarity", metric.get_polarity_display()),
                   ("Decimal places shown", published_decimals(metric.method))]
    if note:
        details.append(("Data note", note))
    details.append(("Comparisons", COMPARISON_NOTE))
    return About(title=title, source=metric.source if metric is not None else
                 "National Combating Drugs Outcomes Framework figures in cdphub",
                 url=url, filters=filters, details=details,
                 synthetic=SYNTHETIC_NOTE if synthetic else "", suppression=SUPPRESSION_NOTE,
                 licence=LICENCE)


# --- columns -------------------------------------------------------------------------------


def period_columns(label: str = "Period", prefix: str = "") -> list[Column]:
    """The period's label (as the pages write it) and its first and last days."""
    return [Column(f"{prefix}period", label),
            Column(f"{prefix}period_start", f"{label} start", DATE),
            Column(f"{prefix}period_end", f"{label} end", DATE)]


def period_cells(figure: Figure | None) -> dict:
    if figure is None:
        return {}
    return {"period": figure.period_label, "period_start": figure.period_start,
            "period_end": figure.period_end}


def value_columns(method: str, prefix: str = "", heading: str = "", *,
                  limits: bool = True, extra_limits: bool = False) -> list[Column]:
    """The value and its 95% (and, with ``extra_limits``, 99.8%) limits, at the metric's
    published decimal places."""
    decimals = published_decimals(method)
    value = (Column(f"{prefix}value", f"{heading}value".capitalize(), COUNT)
             if method == "count" else
             Column(f"{prefix}value", f"{heading}value".capitalize(), NUMBER, decimals))
    columns = [value]
    levels = [("95", "95%")] + ([("99_8", "99.8%")] if extra_limits else []) if limits else []
    for key, words in levels:
        columns += [Column(f"{prefix}lower_{key}", f"{heading}lower {words} limit".capitalize(),
                           NUMBER, decimals),
                    Column(f"{prefix}upper_{key}", f"{heading}upper {words} limit".capitalize(),
                           NUMBER, decimals)]
    return columns


def value_cells(figure: Figure | None, prefix: str = "") -> dict:
    if figure is None:
        return {}
    return {f"{prefix}{name}": getattr(figure, name)
            for name in ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8")}


def metric_columns() -> list[Column]:
    """The metric, repeated on every row so that the CSV stands alone."""
    return [Column("metric", "Metric"), Column("unit", "Unit"), Column("source", "Source")]


def metric_cells(metric) -> dict:
    return {"metric": metric.name, "unit": metric.unit, "source": metric.source}


COUNT_COLUMN = Column("numerator", "Count", COUNT)
COMPARISON_COLUMN = Column("comparison", "Compared with England")
ENGLAND_COLUMN_KEY = "england_value"
SYNTHETIC_COLUMN = Column("synthetic", "Synthetic data", FLAG)


def england_column(method: str) -> Column:
    return value_columns(method, "england_", "England ", limits=False)[0]



def _partnership_cells(partnership) -> dict:
    return {"partnership": partnership.name, "partnership_code": partnership.slug}


PARTNERSHIP_COLUMNS = [Column("partnership", "Partnership"),
                       Column("partnership_code", "Partnership code")]
REGION_COLUMNS = [Column("region", "Region"), Column("region_code", "Region code")]


# --- the tables ----------------------------------------------------------------------------


def overview_table(partnership, rows, *, outcome_labels: dict, trend_words, about: About,
                   ) -> Table:
    """The overview: one row per metric (so numbers carry each row's decimal places)."""
    region = partnership.region
    number = {"kind": NUMBER, "decimals_key": "decimals"}
    columns = [
        Column("outcome", "Outcome"), Column("metric", "Metric"),
        Column("metric_key", "Metric key"), Column("kind", "Kind"), *period_columns(),
        Column("unit", "Unit"), *PARTNERSHIP_COLUMNS,
        Column("value", "Value", **number),
        Column("lower_95", "Lower 95% limit", **number),
        Column("upper_95", "Upper 95% limit", **number),
        Column("lower_99_8", "Lower 99.8% limit", **number),
        Column("upper_99_8", "Upper 99.8% limit", **number),
        Column("numerator", "Count (numerator)", COUNT),
        Column("denominator", "Denominator", COUNT),
        *REGION_COLUMNS, Column("region_value", "Region value", **number),
        Column("england_value", "England value", **number),
        COMPARISON_COLUMN, Column("comparison_region", "Compared with region"),
        Column("trend", "Recent trend"), Column("note", "Note"), SYNTHETIC_COLUMN,
    ]
    out = []
    for row in rows:
        metric, figure = row.metric, row.figure
        cells = {
            "outcome": "Local metrics" if metric.kind == "local"
            else outcome_labels.get(metric.outcome, ""),
            "metric": metric.name, "metric_key": metric.key, "kind": metric.kind,
            **period_cells(figure or row.england), "unit": metric.unit,
            **_partnership_cells(partnership), **value_cells(figure),
            "decimals": published_decimals(metric.method),
            "region": region.name, "region_code": region.code,
            "region_value": row.region.value if row.region else None,
            "england_value": row.england.value if row.england else None,
            "note": row.note,
            "synthetic": any(f is not None and f.is_synthetic
                             for f in (figure, row.region, row.england)),
        }
        if figure is not None:
            cells.update(
                numerator=figure.numerator,
                # A count is its own numerator and has no denominator.
                denominator=None if metric.method == "count" else figure.denominator,
                comparison=comparison_words(figure.comparison) if figure.value is not None
                else "",
                comparison_region=comparison_words(figure.comparison_region, "the region")
                if figure.value is not None and figure.comparison_region else "",
                trend=trend_words(figure.trend))
        out.append(cells)
    return Table(columns, out, about)


def metric_table(name: str, view, compared, *, about: About) -> Table:
    """One of the metric page's tables (``views_dashboard.METRIC_TABLES``) as a download."""
    metric = view.metric
    method = metric.method
    context = metric_cells(metric)
    england = view.latest_england
    if name == "trend":
        columns = [*period_columns(), *PARTNERSHIP_COLUMNS, *value_columns(method),
                   COUNT_COLUMN, COMPARISON_COLUMN, *REGION_COLUMNS,
                   *value_columns(method, "region_", "region ", limits=False),
                   england_column(method), SYNTHETIC_COLUMN, *metric_columns()]
        by_period: dict = {}
        for role, series in (("", view.own), ("region_", view.region_series),
                             ("england_", view.england_series)):
            for figure in series:
                row = by_period.setdefault((figure.period_end, figure.period_start), {
                    **period_cells(figure), **_partnership_cells(view.partnership),
                    "region": view.region.name, "region_code": view.region.code,
                    "synthetic": False, **context})
                row[f"{role}value"] = figure.value
                row["synthetic"] = row["synthetic"] or figure.is_synthetic
                if not role:
                    row.update(value_cells(figure), numerator=figure.numerator,
                               comparison=_compared(figure))
        return Table(columns, [by_period[key] for key in sorted(by_period)], about)
    if name == "compare":
        columns = [*period_columns(), Column("name", "Name"), Column("code", "Code"),
                   Column("type", "Type"), *value_columns(method), COMPARISON_COLUMN,
                   england_column(method),
                   Column("highlight", "This partnership or in its footprint", FLAG),
                   SYNTHETIC_COLUMN, *metric_columns()]
        rows = [{**period_cells(f), "name": name_, "code": f.area_code or f.partnership_slug,
                 "type": _place_type(f), **value_cells(f), "comparison": _compared(f),
                 "england_value": england.value if england else None, "highlight": mine,
                 "synthetic": f.is_synthetic, **context}
                for name_, f, mine in compared]
        rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0)))
        return Table(columns, rows, about)
    if name in ("authorities", "region", "map"):
        places = {"authorities": view.authorities, "region": view.region_authorities,
                  "map": sorted(view.map_figures.values(), key=lambda pair: pair[0].name)}[name]
        columns = [*period_columns(), Column("name", "Authority"), Column("code", "Area code"),
                   *value_columns(method),
                   *([COUNT_COLUMN] if name == "authorities" else []), COMPARISON_COLUMN,
                   england_column(method),
                   Column("in_footprint", "In the partnership's footprint", FLAG),
                   SYNTHETIC_COLUMN, *metric_columns()]
        rows = [{**period_cells(f or view.latest or england), "name": area.name,
                 "code": area.code, **value_cells(f),
                 "numerator": f.numerator if f else None, "comparison": _compared(f),
                 "england_value": england.value if england else None,
                 "in_footprint": area.code in view.footprint_codes,
                 "synthetic": bool(f and f.is_synthetic), **context}
                for area, f in places]
        return Table(columns, rows, about)
    if name == "breakdowns":
        columns = [*period_columns(), *PARTNERSHIP_COLUMNS, Column("breakdown", "Breakdown"),
                   *value_columns(method), COUNT_COLUMN, england_column(method),
                   COMPARISON_COLUMN, SYNTHETIC_COLUMN, *metric_columns()]
        rows = [{**period_cells(f), **_partnership_cells(view.partnership),
                 "breakdown": f.breakdown_label, **value_cells(f), "numerator": f.numerator,
                 "england_value": e.value if e else None, "comparison": _compared(f),
                 "synthetic": f.is_synthetic, **context}
                for f, e in view.breakdowns]
        return Table(columns, rows, about)
    raise ValueError(f"no table {name!r}")


def _compared(figure: Figure | None) -> str:
    """The comparison as the page words it; empty where the page shows no figure."""
    if figure is None or figure.value is None:
        return ""
    return comparison_words(figure.comparison)


PLACE_TYPES = {"utla": "Upper-tier local authority", "pfa": "Police force area",
               "region": "Region", "country": "Country"}


def _place_type(figure: Figure) -> str:
    if figure.partnership_id is not None:
        return "Partnership"
    return PLACE_TYPES.get(figure.area_type or "", (figure.area_type or "").capitalize())


def commitments_table(items, *, about: About) -> Table:
    number = {"kind": NUMBER, "decimals_key": "decimals"}
    columns = [Column("commitment", "Commitment"), Column("by", "By"),
               Column("target", "Target", **number), Column("target_unit", "Target unit"),
               Column("metric", "Measured by"), *period_columns("Latest period"),
               Column("value", "Latest England figure", **number), Column("unit", "Unit"),
               *period_columns("Baseline period", "baseline_"),
               Column("change", "Change since the baseline", **number),
               Column("progress", "Change as % of the target", NUMBER, 0),
               SYNTHETIC_COLUMN, Column("source", "Source")]
    rows = []
    for item in items:
        commitment, metric = item["commitment"], item["metric"]
        latest, baseline = item["latest"], item["baseline"]
        rows.append({
            "commitment": commitment.label, "by": commitment.by, "target": commitment.target,
            "target_unit": commitment.unit,
            "metric": (f"{metric.name} ({item['breakdown_label']})"
                       if metric and commitment.breakdown
                       else metric.name if metric else ""),
            "period": latest.period_label if latest else "",
            "period_start": latest.period_start if latest else None,
            "period_end": latest.period_end if latest else None,
            "value": latest.value if latest else None,
            "decimals": published_decimals(metric.method) if metric else 0,
            "unit": metric.unit if metric else "",
            "baseline_period": baseline.period_label if baseline else "",
            "baseline_period_start": baseline.period_start if baseline else None,
            "baseline_period_end": baseline.period_end if baseline else None,
            "change": item["change"], "progress": item["progress"],
            "synthetic": bool(latest and latest.is_synthetic), "source": commitment.source})
    return Table(columns, rows, about)
