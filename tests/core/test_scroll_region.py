"""The {% scroll_region %} tag: wide tables and charts scroll inside a named, focusable region
(docs/pages.md, "Wide tables and charts"). The browser tests check that every region that
scrolls is one of these (tests/functional/conftest.py, Browser.check_reflow)."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils.safestring import mark_safe


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def test_a_table_region_is_named_by_its_caption():
    html = render("{% scroll_region %}<table><caption class='govuk-table__caption'>"
                  "Milestones <span class='govuk-visually-hidden'>for {{ name }}</span>"
                  "</caption></table>{% end_scroll_region %}", name="Bolton & Wigan")
    assert html.startswith('<div class="app-scroll" role="region" '
                           'aria-label="Milestones for Bolton &amp; Wigan" tabindex="0">')
    # The content is rendered once, escaped as any template output.
    assert html.count("Bolton &amp; Wigan") == 2 and html.endswith("</table></div>")


def test_a_label_given_names_the_region_instead():
    html = render('{% scroll_region title %}{{ svg }}{% end_scroll_region %}',
                  title="Deaths: \n  over time", svg=mark_safe("<svg></svg>"))
    assert html == ('<div class="app-scroll" role="region" aria-label="Deaths: over time" '
                    'tabindex="0"><svg></svg></div>')


def test_a_region_without_a_name_is_an_error():
    with pytest.raises(TemplateSyntaxError, match="needs a name"):
        render("{% scroll_region %}<svg></svg>{% end_scroll_region %}")
    with pytest.raises(TemplateSyntaxError, match="at most one argument"):
        Template('{% scroll_region "a" "b" %}{% end_scroll_region %}')


def test_every_table_in_a_template_sits_in_a_scroll_region():
    """A table outside a region makes the page itself scroll sideways at 320 px (WCAG 1.4.10)
    wherever its rows are long; the browser check sees it only on pages whose data make it
    wide, so every template's tables are checked here whatever the data."""
    import re
    from pathlib import Path

    import cdphub

    templates = Path(cdphub.__file__).resolve().parent / "templates"
    token = re.compile(r"{%\s*(scroll_region|end_scroll_region)\b|<table\b")
    outside = []
    for path in sorted(templates.rglob("*.html")):
        depth = 0
        for found in token.finditer(path.read_text(encoding="utf-8")):
            if found.group(1) == "scroll_region":
                depth += 1
            elif found.group(1) == "end_scroll_region":
                depth -= 1
            elif depth == 0:
                outside.append(str(path.relative_to(templates)))
    assert outside == [], f"tables outside {{% scroll_region %}}: {outside}"
