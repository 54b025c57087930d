"""The report's outcomes framework section: every headline metric with its value, interval,
England and region, comparison, trend and spine chart, and the footprint's authorities for
each, read through the outcomes read path as at the report's data date."""

from __future__ import annotations

BUILDERS: dict = {}
