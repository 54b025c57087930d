"""Progress reports in the partnership's History (``partnerships.history``)."""

from cdphub.partnerships.history import Source, register

from .models import CaseStudy, Report

register(
    "progress_report", "Progress report",
    Source("Progress report", "progress_report", Report, lambda pid: {"partnership_id": pid}),
    Source("Case study", "progress_report", CaseStudy,
           lambda pid: {"report__partnership_id": pid}),
    hidden=[(CaseStudy, "report"), (CaseStudy, "position")],
    labels={(Report, "data_date"): "data date", (Report, "next_steps"): "next steps",
            (Report, "foreword_signatory"): "foreword signed by"},
)
