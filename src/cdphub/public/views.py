"""The public pages: no sign-in, the same for every visitor (so cached whole by
``cdphub.core.public_cache``). What they show is gathered in ``pages``."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from cdphub.core.access import PUBLIC, access
from cdphub.core.downloads import FLAG, FORMATS, NUMBER, About, Column, Table, table_response
from cdphub.outcomes.downloads import (
    SYNTHETIC_COLUMN,
    comparison_words,
    period_cells,
    period_columns,
)
from cdphub.outcomes.downloads import about as figures_about
from cdphub.outcomes.numbers import format_number
from cdphub.planning.downloads_assessment import shown_as, trend_words

from . import pages

HIDDEN = "Hidden (small numbers)"


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404("Downloads are CSV or XLSX.")
    return fmt


@access(PUBLIC)
def index(request):
    query = request.GET.get("q", "").strip()[:100]
    rows = pages.listing(query)
    return render(request, "public/index.html", {"rows": rows, "query": query})


@access(PUBLIC)
def index_download(request, fmt: str):
    fmt = _format(fmt)
    query = request.GET.get("q", "").strip()[:100]
    rows = [{"partnership": r.partnership.name, "partnership_code": r.partnership.slug,
             "region": r.partnership.region.name, "region_code": r.partnership.region.code,
             "authorities": "; ".join(a.name for a in r.authorities),
             "authority_codes": "; ".join(a.code for a in r.authorities),
             "page": request.build_absolute_uri(
                 reverse("public:partnership", args=[r.partnership.slug]))}
            for r in pages.listing(query)]
    table = Table(
        columns=[Column("partnership", "Partnership"), Column("partnership_code", "Partnership code"),
                 Column("region", "Region"), Column("region_code", "Region code"),
                 Column("authorities", "Authorities covered"),
                 Column("authority_codes", "Area codes"), Column("page", "Public page")],
        rows=rows,
        about=About(title="Combating Drugs Partnerships and the authorities they cover",
                    source="cdphub partnership register",
                    url=request.build_absolute_uri(
                        request.get_full_path().replace(f"download.{fmt}", "")),
                    filters=[("Search", query)] if query else (),
                    licence="Open Government Licence v3.0"))
    return table_response(table, fmt, "combating-drugs-partnerships")


def _figure_text(row) -> str:
    if row.figure is None:
        return "No figure published"
    if row.figure.value is None:
        return HIDDEN
    return format_number(row.figure.value, unit=row.metric.unit, method=row.metric.method)


def _metric_rows(partnership):
    shown = []
    rows, without = pages.headline_metrics(partnership)
    for row in rows:
        eng = row.england
        shown.append({
            "row": row,
            "value": _figure_text(row),
            "england": (format_number(eng.value, unit=row.metric.unit, method=row.metric.method)
                        if eng is not None and eng.value is not None else "–"),
            "comparison": (comparison_words(row.figure.comparison)
                           if row.figure is not None and row.figure.value is not None
                           else "–"),
            "trend": (trend_words(row.figure.trend) or "No trend yet")
            if row.figure is not None and row.figure.value is not None else "–",
        })
    return shown, without


@access(PUBLIC)
def partnership(request, slug: str):
    p = pages.partnership(slug)
    assessment = pages.published_assessment(p)
    metrics, without = _metric_rows(p)
    return render(request, "public/partnership.html", {
        "partnership": p, "authorities": pages.authorities(p), "leaders": pages.leaders(p),
        "terms": pages.terms_summary(p), "assessment": assessment,
        "findings": pages.findings(assessment) if assessment else [],
        "plan": pages.plan_summary(p), "reports": pages.published_reports(p),
        "metrics": metrics, "metrics_without": without,
    })


@access(PUBLIC)
def terms_document(request, slug: str, version: int):
    from cdphub.partnerships.governance import DOCUMENT_TYPES

    p = pages.partnership(slug)
    terms = pages.published_terms(p, version)
    if terms is None:
        raise Http404("No published terms of reference of that version.")
    if not terms.document:  # published without a document: its summary is on the page
        return redirect("public:partnership", slug)
    try:
        with terms.document.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404("The document file is missing from the store.") from None
    extension = "." + terms.document.name.rsplit(".", 1)[-1].lower()
    response = HttpResponse(content, content_type=DOCUMENT_TYPES.get(
        extension, (b"", "application/octet-stream"))[1])
    response["Content-Disposition"] = (
        f'attachment; filename="{p.slug}-terms-of-reference-v{version}{extension}"')
    return response


@access(PUBLIC)
def needs_assessment(request, slug: str):
    p = pages.partnership(slug)
    assessment = pages.published_assessment(p)
    if assessment is None:
        raise Http404("No published needs assessment.")
    from cdphub.framework import guidance

    blocks = (assessment.snapshot or {}).get("metrics", {})
    narratives = {n.section_key: n.text for n in assessment.narratives.all()}
    found = pages.findings(assessment)
    sections = []
    for section in guidance().assessment_sections:
        figures = []
        for key in section.metrics:
            block = blocks.get(key)
            if not block:
                continue
            own, eng = block.get("partnership"), block.get("england")
            figures.append({
                "name": block.get("name", key),
                "value": (HIDDEN if own and own.get("suppressed") else
                          shown_as(own) or "No figure"),
                "period": (own or {}).get("period", ""),
                "england": shown_as(eng) or "–",
                "comparison": ((own or {}).get("comparison_text") or "–")
                if own and own.get("value") is not None else "–",
                "trend": trend_words((own or {}).get("trend") or "")
                if own and own.get("value") is not None else "",
            })
        sections.append({"section": section, "text": narratives.get(section.key, ""),
                         "figures": figures,
                         "findings": [f for f in found if f.section == section.label]})
    return render(request, "public/needs_assessment.html", {
        "partnership": p, "assessment": assessment, "sections": sections,
        "as_at": (assessment.snapshot or {}).get("as_at", "")})


# The stored report carries its own inline styles; nothing else is allowed inline, and no script.
@csp_replace({"style-src": ["'self'", "'unsafe-inline'"], "script-src": ["'none'"]})
@access(PUBLIC)
def report(request, slug: str, year: int):
    submission = pages.published_report(pages.partnership(slug), year)
    response = HttpResponse(submission.html, content_type="text/html; charset=utf-8")
    response["ETag"] = f'"{submission.html_sha256}"'
    return response


@access(PUBLIC)
def report_pdf(request, slug: str, year: int):
    submission = pages.published_report(pages.partnership(slug), year)
    response = HttpResponse(bytes(submission.pdf), content_type="application/pdf")
    response["ETag"] = f'"{submission.pdf_sha256}"'
    response["Content-Disposition"] = (
        f'inline; filename="{slug}-progress-report-{year}.pdf"')
    return response


@access(PUBLIC)
def metrics_download(request, slug: str, fmt: str):
    fmt = _format(fmt)
    p = pages.partnership(slug)
    rows = []
    synthetic = False
    found, without = pages.headline_metrics(p)
    for row in found:
        f, eng = row.figure, row.england
        shown = f is not None and f.value is not None
        synthetic = synthetic or bool(f and f.is_synthetic)
        rows.append({
            "metric": row.metric.name, "unit": row.metric.unit, "source": row.metric.source,
            "area": row.place, "area_code": row.area.code if row.area else "", **period_cells(f),
            "value": f.value if shown else None,
            "decimals": 0 if row.metric.method == "count" else 1,
            "hidden": None if f is None else not shown,
            "england_value": eng.value if eng is not None else None,
            "comparison": comparison_words(f.comparison) if shown else "",
            "trend": trend_words(f.trend) if shown else "",
            "synthetic": bool(f and f.is_synthetic),
        })
    # The headline metrics with no figure for these areas: named, with empty cells, as the
    # page names them.
    rows += [{"metric": m.name, "unit": m.unit, "source": m.source} for m in without]
    table = Table(
        columns=[Column("metric", "Metric"), Column("unit", "Unit"), Column("source", "Source"),
                 Column("area", "Area"), Column("area_code", "Area code"), *period_columns(),
                 Column("value", "Value", NUMBER, decimals_key="decimals"),
                 Column("hidden", "Hidden for small numbers", FLAG),
                 Column("england_value", "England value", NUMBER, decimals_key="decimals"),
                 Column("comparison", "Compared with England"), Column("trend", "Trend"),
                 SYNTHETIC_COLUMN],
        rows=rows,
        about=figures_about(title=f"Headline metrics for the authorities of {p.name}",
                            url=request.build_absolute_uri(
                                reverse("public:partnership", args=[slug])),
                            synthetic=synthetic))
    return table_response(table, fmt, f"{slug}-headline-metrics")


