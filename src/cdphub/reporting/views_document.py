"""A partnership's progress report as a document, under ``<slug>/reports/<year>/`` (names in
the 'partnerships' namespace): the standalone HTML document and the PDF of the current draft,
both built live from the records (``build.build``) and rendered from one template
(``render``). Each loads the partnership by the URL's slug and the report only among that
partnership's own (``lookups``), so another partnership's year is not found."""

from __future__ import annotations

from csp.decorators import csp_update
from django.http import HttpResponse

from cdphub.core.access import access
from cdphub.partnerships.models import Partnership

from . import build, lookups
from . import render as document

VIEW = "reporting.view_report"


# The standalone document carries its own stylesheet in a <style> element (so that a stored
# copy is one self-contained file). The site's Content-Security-Policy allows only the site's
# own style files ("style-src 'self'"), which would block it; this response alone also allows
# that one stylesheet, by its SHA-256 hash (not 'unsafe-inline': no other inline style, and no
# script, is allowed; script-src stays 'self' and the document has no scripts).
@access(VIEW, load=lookups.partnership)
@csp_update({"style-src": [document.STYLE_HASH]})
def report_document(request, partnership: Partnership, slug: str, year: int):
    found = lookups.report(partnership, year)
    return HttpResponse(document.render_html(build.build(found)))


@access(VIEW, load=lookups.partnership)
def report_pdf(request, partnership: Partnership, slug: str, year: int):
    found = lookups.report(partnership, year)
    snapshot = build.build(found)
    response = HttpResponse(document.render_pdf(snapshot), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.pdf_filename(snapshot)}"'
    return response
