"""Notes that apps built on the outcomes show beside a metric on a partnership's outcomes
overview, without this app importing them (they sit above it): for example the delivery
plan's "On track against local target" tag (``planning/annotations_framework.py``).

A provider takes (partnership, metric keys) and returns ``{metric key: Annotation}`` for the
metrics it has something to say about; it is added from its app's ``AppConfig.ready`` with
``register``, as ``partnerships.attention.register`` does for what needs attention.

The overview caches its rendered figures by the metrics' values. Annotations depend on more
than the values (a provider's own records: a target changed, a baseline set), so the overview
asks the providers on every request and puts a digest of what they said into its cache key
(``digest``): a change to any annotation renders the page afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

#: The providers, each a function (partnership, metric keys) → {metric key: Annotation}.
PROVIDERS: list = []


@dataclass(frozen=True)
class Annotation:
    text: str  # what the tag says, in words ("On track against local target")
    url: str = ""  # where more is said
    style: str = "grey"  # a GOV.UK tag colour (the words always carry the meaning)
    title: str = ""  # a longer sentence (visually hidden after the tag)


def register(provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def annotations_for(partnership, metric_keys: Iterable[str]) -> dict[str, list[Annotation]]:
    """Every provider's annotations, by metric key, in the order providers were added."""
    keys = list(metric_keys)
    result: dict[str, list[Annotation]] = {}
    for provider in PROVIDERS:
        for key, annotation in provider(partnership, keys).items():
            result.setdefault(key, []).append(annotation)
    return result


def digest(annotations: dict[str, list[Annotation]]) -> str:
    """A short fingerprint of ``annotations``, for a cache key."""
    text = repr(sorted((key, [(a.text, a.url, a.style, a.title) for a in notes])
                       for key, notes in annotations.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
