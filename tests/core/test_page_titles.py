"""Every page's document title names the page, then the service: "Areas of England – Combating
Drugs Partnerships – cdphub" (WCAG 2.4.2, Page titled), with what a page's title quotes escaped
once, never twice."""

import re

import pytest
from django.template import Context, Template

from tests.conftest import sign_in

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _title(response) -> str:
    return TITLE.search(response.content.decode()).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "expected"), [
    ("/", "Home – Combating Drugs Partnerships – cdphub"),
    ("/areas/", "Areas of England – Combating Drugs Partnerships – cdphub"),
    ("/account/sign-in/", "Sign in – Combating Drugs Partnerships – cdphub"),
])
def test_the_title_names_the_page_then_the_service(client, path, expected):
    assert _title(client.get(path)) == expected


def test_a_page_without_a_title_of_its_own_is_named_by_the_service():
    template = Template("{% filter page_title:'Combating Drugs Partnerships' %}"
                        "{% endfilter %}")
    assert template.render(Context()) == "Combating Drugs Partnerships – cdphub"


def test_what_a_title_quotes_is_escaped_once():
    template = Template("{% filter page_title:'Service' %} {{ name }}\n{% endfilter %}")
    assert template.render(Context({"name": "Halton & <Knowsley>"})) == (
        "Halton &amp; &lt;Knowsley&gt; – Service – cdphub")


def test_a_partnership_page_names_the_partnership(client, world):
    sign_in(client, world.member_a)
    title = _title(client.get(f"/partnerships/{world.partnership_a.slug}/"))
    assert title.endswith(" – Combating Drugs Partnerships – cdphub")
    assert world.partnership_a.name in title
