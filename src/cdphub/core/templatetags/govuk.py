"""Template helpers for GOV.UK markup (loaded in every template)."""

from __future__ import annotations

import html
import re

from django import template
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def govuk_date(value) -> str:
    """A date as GOV.UK style writes it: 1 August 2022 (empty for no date)."""
    if not value:
        return ""
    return f"{value.day} {value:%B %Y}"


@register.filter(is_safe=True)
def page_title(title, service_name: str) -> str:
    """The document title: the page's own title (the ``title`` block), then the service's,
    joined by " – " ("Areas of England – Combating Drugs Partnerships – cdphub"); the
    service's alone when the page gives none."""
    title = " ".join(str(title).split())
    return f"{title} – {service_name} – cdphub" if title else f"{service_name} – cdphub"


@register.tag
def scroll_region(parser, token):
    """A wide table or chart that scrolls sideways inside its own box, never the page
    (WCAG 2.2 1.4.10 reflow; docs/pages.md, "Wide tables and charts"):

        {% scroll_region %}<table class="govuk-table"><caption …>…</caption>…</table>
        {% end_scroll_region %}
        {% scroll_region "Deaths related to drug misuse: chart" %}{{ svg }}{% end_scroll_region %}

    The box is a named region, focusable so that a keyboard can scroll it; .app-scroll draws a
    shadow at an edge while more is hidden past it. The name is the label given, else the text
    of the first table caption inside (a region with neither is an error)."""
    bits = token.split_contents()
    if len(bits) > 2:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes at most one argument, the region's name")
    label = parser.compile_filter(bits[1]) if len(bits) == 2 else None
    nodelist = parser.parse(("end_scroll_region",))
    parser.delete_first_token()
    return ScrollRegionNode(label, nodelist)


CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.DOTALL)


class ScrollRegionNode(template.Node):
    def __init__(self, label, nodelist):
        self.label = label
        self.nodelist = nodelist

    def render(self, context) -> str:
        content = self.nodelist.render(context)
        label = str(self.label.resolve(context)) if self.label is not None else ""
        if not label and (caption := CAPTION.search(content)):
            label = html.unescape(strip_tags(caption.group(1)))
        label = " ".join(label.split())
        if not label:
            raise template.TemplateSyntaxError(
                "scroll_region needs a name: give one, or put a table with a caption inside")
        return format_html(
            '<div class="app-scroll" role="region" aria-label="{}" tabindex="0">{}</div>',
            label, mark_safe(content))  # noqa: S308 (a rendered template, already escaped)
