"""The performance framework's note beside a metric on the partnership's outcomes overview
("On track against local target" …, linking to the framework metric's page). The outcomes
app does not import this one: ``apps.py`` imports this module, which registers the provider
with ``outcomes.annotations``."""

from __future__ import annotations

from cdphub.outcomes.annotations import Annotation, register
from cdphub.partnerships.models import Partnership

from . import performance, progress

WORDS = {progress.ON_TRACK: ("On track against local target", "green"),
         progress.OFF_TRACK: ("Off track against local target", "red"),
         progress.NO_DATA: ("Local target: no data", "grey")}


def framework_progress(partnership: Partnership, metric_keys: list[str]) -> dict[str,
                                                                                 Annotation]:
    """For each metric of the framework (in ``metric_keys``): its progress tag (three
    queries, whatever the number of metrics)."""
    items = performance.live(partnership).filter(metric__key__in=metric_keys)
    result = {}
    for entry in performance.entries(partnership, items):
        text, style = WORDS[entry.status]
        result[entry.metric.key] = Annotation(text=text, url=entry.url, style=style,
                                              title=entry.reason)
    return result


register(framework_progress)
